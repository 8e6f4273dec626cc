/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * YAML into C structs, checked against a schema: libyaml's document API gives
 * a tree whose nodes carry their line and column; a table of keys (struct
 * schema_key) says, for each key of a mapping, how its value is converted,
 * range-checked and stored into a field of the caller's struct. Unknown,
 * duplicate and missing keys are errors; so are too many anchors or aliases,
 * a second document and a file over SCHEMA_FILE_MAX bytes. Every error is
 * "FILE:LINE:COL: key.path: what was expected, got what was written", the
 * value quoted as untrusted bytes. The first error ends the parse.
 *
 * Nothing here knows what the file configures: the caller's tables and
 * schema_parse_fn callbacks do.
 */
#ifndef XDPCAST_YAML_SCHEMA_H
#define XDPCAST_YAML_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#define SCHEMA_FILE_MAX (4u << 20) /* bytes */
#define SCHEMA_PATH_MAX 128 /* a key path: "servers[3].ports[1].timeout" */
#define SCHEMA_HOUR_MS 3600000u

/* A document being parsed, and where its first error goes. */
struct schema_doc {
	const char *name; /* the file, as messages name it */
	yaml_document_t *doc;
	char *err;
	size_t err_size;
};

/* How a key's value is converted and stored. */
enum schema_kind {
	SCHEMA_UINT, /* an integer in min..max, into an unsigned field of 1, 2, 4 or 8 bytes */
	SCHEMA_BOOL,
	SCHEMA_TEXT, /* a string of min..max bytes (max 0: the field's size - 1) */
	SCHEMA_PATH, /* the same, starting with "/" */
	SCHEMA_MS, /* a duration in min..max milliseconds, into a uint32_t */
	SCHEMA_FN, /* fn(field) */
	SCHEMA_LATER, /* left to the mapping's parser */
};

/* Parse @node into @field, or fail with a message at @path. */
typedef int (*schema_parse_fn)(struct schema_doc *d, yaml_node_t *node, const char *path,
			       void *field);

struct schema_key {
	const char *name;
	enum schema_kind kind;
	size_t off, size; /* the field in the mapping's struct */
	uint64_t min, max;
	schema_parse_fn fn;
	bool required;
};

/* A key of a mapping as written: the key node and its value. */
struct schema_kv {
	yaml_node_t *key, *val;
};

/* Members of a struct schema_key, for its table: { KEY_UINT(...), .required = true } */
#define KEY_FIELD(type, f) .off = offsetof(type, f), .size = sizeof(((type *)0)->f)
#define KEY_UINT(n, type, f, lo, hi)                                                               \
	.name = n, .kind = SCHEMA_UINT, KEY_FIELD(type, f), .min = lo, .max = hi
#define KEY_BOOL(n, type, f) .name = n, .kind = SCHEMA_BOOL, KEY_FIELD(type, f)
#define KEY_TEXT(n, type, f, lo) .name = n, .kind = SCHEMA_TEXT, KEY_FIELD(type, f), .min = lo
#define KEY_PATH(n, type, f, hi) .name = n, .kind = SCHEMA_PATH, KEY_FIELD(type, f), .max = hi
#define KEY_MS(n, type, f, lo, hi)                                                                 \
	.name = n, .kind = SCHEMA_MS, KEY_FIELD(type, f), .min = lo, .max = hi
#define KEY_FN(n, type, f, parse) .name = n, .kind = SCHEMA_FN, KEY_FIELD(type, f), .fn = parse
/* parse gets the whole struct */
#define KEY_OBJ(n, parse) .name = n, .kind = SCHEMA_FN, .fn = parse
#define KEY_LATER(n) .name = n, .kind = SCHEMA_LATER

/* Loading */

/* Parse the root mapping @root into @obj. */
typedef int (*schema_root_fn)(struct schema_doc *d, yaml_node_t *root, void *obj);

/*
 * Load @len bytes as one YAML document (an empty file, a second document, too
 * many anchors or aliases, more than SCHEMA_FILE_MAX bytes fail) and hand its
 * root to @parse_root. Returns 0 or a negative errno with the message in @d->err.
 */
int schema_load(struct schema_doc *d, const char *data, size_t len, schema_root_fn parse_root,
		void *obj);
/* Read at most SCHEMA_FILE_MAX + 1 bytes of @path into a new *@data (free()). */
int schema_read_file(const char *path, char **data, size_t *len, char *err, size_t err_size);

/* Messages: each returns -EINVAL (-ENOMEM) for the caller to return */

int schema_fail(struct schema_doc *d, const yaml_node_t *node, const char *path, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));
/* "expected @what, got <the value quoted, or what it is>" */
int schema_expected(struct schema_doc *d, const yaml_node_t *node, const char *path,
		    const char *what);
int schema_out_of_memory(struct schema_doc *d);

/* Key paths, into SCHEMA_PATH_MAX bytes */
void schema_path(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void schema_child_path(char *out, const char *path, const char *key); /* "path.key" */
void schema_item_path(char *out, const char *path, size_t i); /* "path[i]" */

/* "1h", "2m", "1s", "1500ms" */
const char *schema_fmt_ms(uint64_t ms, char *buf, size_t size);

/* Nodes */

/* The scalar's text if @node is a scalar without NUL bytes, else NULL. */
const char *schema_scalar(const yaml_node_t *node);
size_t schema_seq_len(const yaml_node_t *node);
yaml_node_t *schema_seq_item(struct schema_doc *d, const yaml_node_t *node, size_t i);

/* Values */

/* Decimal, or hexadecimal after "0x". */
bool schema_parse_u64(const char *s, uint64_t *v);
/* YAML 1.2's booleans (not 1.1's yes, no, on, off); @s may be NULL. */
bool schema_parse_bool(const char *s, bool *v);
int schema_get_uint(struct schema_doc *d, yaml_node_t *node, const char *path, uint64_t min,
		    uint64_t max, uint64_t *v);
int schema_get_bool(struct schema_doc *d, yaml_node_t *node, const char *path, bool *v);
/* A single-line string of min..max bytes, copied into @out. */
int schema_get_text(struct schema_doc *d, yaml_node_t *node, const char *path, size_t min,
		    size_t max, char *out);
/* "500ms", "1.5s", "2m", "1h", or a bare integer of milliseconds, in min..max ms. */
int schema_get_duration(struct schema_doc *d, yaml_node_t *node, const char *path, uint64_t min,
			uint64_t max, uint32_t *out);
/* One of @names (NULL-terminated): its index in @idx. */
int schema_get_enum(struct schema_doc *d, yaml_node_t *node, const char *path,
		    const char *const *names, int *idx);
/* A list of 1..@max items ("a list of 1..max @of" otherwise). */
int schema_expect_list(struct schema_doc *d, yaml_node_t *node, const char *path, size_t max,
		       const char *of);

/* Mappings */

/*
 * Check @map against @keys (unknown, duplicate or missing keys fail), fill
 * @kv[i] with key i as written, and parse every key present but SCHEMA_LATER
 * into @obj, in table order.
 */
int schema_parse_map(struct schema_doc *d, yaml_node_t *map, const char *path,
		     const struct schema_key *keys, size_t n, void *obj, struct schema_kv *kv);

#endif /* XDPCAST_YAML_SCHEMA_H */
