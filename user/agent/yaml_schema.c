/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The YAML-to-struct engine (yaml_schema.h): libyaml loading under limits,
 * typed getters, mappings checked against key tables, and messages with the
 * file, line, column and key path. It knows nothing of what it parses.
 */
#include "yaml_schema.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quote.h"

#define GOT_MAX 40 /* bytes of a bad value quoted in a message */
#define KEY_LIST_MAX 512 /* bytes of "expected one of: ..." */
#define YAML_ANCHORS_MAX 1000 /* anchors, and aliases, in a file: a configuration needs few */

/* Messages */

int schema_fail(struct schema_doc *d, const yaml_node_t *node, const char *path, const char *fmt,
		...)
{
	size_t len;
	va_list ap;

	len = (size_t)snprintf(d->err, d->err_size, "%s:%zu:%zu: %s%s", d->name,
			       node->start_mark.line + 1, node->start_mark.column + 1, path,
			       *path ? ": " : "");
	if (len < d->err_size) {
		va_start(ap, fmt);
		vsnprintf(d->err + len, d->err_size - len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int schema_out_of_memory(struct schema_doc *d)
{
	snprintf(d->err, d->err_size, "%s: out of memory", d->name);
	return -ENOMEM;
}

/* What a node is, for "got ...": the value quoted (quote_untrusted()), or its kind. */
static void describe(const yaml_node_t *node, char *buf, size_t size)
{
	if (node->type == YAML_SEQUENCE_NODE) {
		snprintf(buf, size,
			 node->data.sequence.items.top > node->data.sequence.items.start
				 ? "a list"
				 : "an empty list");
		return;
	}
	if (node->type == YAML_MAPPING_NODE) {
		snprintf(buf, size,
			 node->data.mapping.pairs.top > node->data.mapping.pairs.start
				 ? "a mapping"
				 : "an empty mapping");
		return;
	}
	if (!node->data.scalar.length && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		snprintf(buf, size, "an empty value");
		return;
	}
	quote_untrusted(buf, size, (const char *)node->data.scalar.value, node->data.scalar.length,
			GOT_MAX);
}

int schema_expected(struct schema_doc *d, const yaml_node_t *node, const char *path,
		    const char *what)
{
	char got[QUOTE_SIZE(GOT_MAX)];

	describe(node, got, sizeof(got));
	return schema_fail(d, node, path, "expected %s, got %s", what, got);
}

/* Key paths are short: the schema bounds their depth, the limits their indexes. */
void schema_path(char *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, SCHEMA_PATH_MAX, fmt, ap);
	va_end(ap);
}

void schema_child_path(char *out, const char *path, const char *key)
{
	schema_path(out, "%s%s%s", path, *path ? "." : "", key);
}

void schema_item_path(char *out, const char *path, size_t i)
{
	schema_path(out, "%s[%zu]", path, i);
}

/* "1h", "2m", "1s", "1500ms" */
const char *schema_fmt_ms(uint64_t ms, char *buf, size_t size)
{
	if (ms && ms % SCHEMA_HOUR_MS == 0)
		snprintf(buf, size, "%lluh", (unsigned long long)(ms / SCHEMA_HOUR_MS));
	else if (ms && ms % 60000 == 0)
		snprintf(buf, size, "%llum", (unsigned long long)(ms / 60000));
	else if (ms && ms % 1000 == 0)
		snprintf(buf, size, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, size, "%llums", (unsigned long long)ms);
	return buf;
}

/* Scalars */

static yaml_node_t *node_at(struct schema_doc *d, int index)
{
	return yaml_document_get_node(d->doc, index);
}

/* The scalar's text if @node is a scalar without NUL bytes, else NULL. */
const char *schema_scalar(const yaml_node_t *node)
{
	const char *s;

	if (node->type != YAML_SCALAR_NODE)
		return NULL;
	s = (const char *)node->data.scalar.value;
	return strlen(s) == node->data.scalar.length ? s : NULL;
}

size_t schema_seq_len(const yaml_node_t *node)
{
	return (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
}

yaml_node_t *schema_seq_item(struct schema_doc *d, const yaml_node_t *node, size_t i)
{
	return node_at(d, node->data.sequence.items.start[i]);
}

/* Decimal, or hexadecimal after "0x". */
bool schema_parse_u64(const char *s, uint64_t *v)
{
	unsigned int base = 10, d;
	uint64_t x = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			return false;
		if (x > (UINT64_MAX - d) / base)
			return false;
		x = x * base + d;
	}
	*v = x;
	return true;
}

int schema_get_uint(struct schema_doc *d, yaml_node_t *node, const char *path, uint64_t min,
		    uint64_t max, uint64_t *v)
{
	const char *s = schema_scalar(node);
	char what[64];

	if (s && schema_parse_u64(s, v) && *v >= min && *v <= max)
		return 0;
	snprintf(what, sizeof(what), "an integer %llu..%llu", (unsigned long long)min,
		 (unsigned long long)max);
	return schema_expected(d, node, path, what);
}

/* YAML 1.2's booleans (not 1.1's yes, no, on, off). */
bool schema_parse_bool(const char *s, bool *v)
{
	static const char *const names[] = { "false", "False", "FALSE", "true", "True", "TRUE" };
	size_t i;

	for (i = 0; s && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*v = i >= 3;
			return true;
		}
	}
	return false;
}

int schema_get_bool(struct schema_doc *d, yaml_node_t *node, const char *path, bool *v)
{
	return schema_parse_bool(schema_scalar(node), v)
		       ? 0
		       : schema_expected(d, node, path, "true or false");
}

/* A single-line string of min..max bytes, copied into @out. */
int schema_get_text(struct schema_doc *d, yaml_node_t *node, const char *path, size_t min,
		    size_t max, char *out)
{
	const char *s = schema_scalar(node);
	char what[64];
	size_t i;

	if (s && strlen(s) >= min && strlen(s) <= max) {
		for (i = 0; s[i]; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				return schema_expected(d, node, path,
						       "a string without control characters");
		memcpy(out, s, strlen(s) + 1);
		return 0;
	}
	if (min)
		snprintf(what, sizeof(what), "a string of %zu..%zu characters", min, max);
	else
		snprintf(what, sizeof(what), "a string of at most %zu characters", max);
	return schema_expected(d, node, path, what);
}

/* "500ms", "1.5s", "2m", "1h", or a bare integer of milliseconds: whole milliseconds. */
static bool parse_duration(const char *s, uint64_t *ms)
{
	uint64_t whole = 0, frac = 0, scale = 1, unit;
	bool dot = false;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		whole = whole * 10 + (uint64_t)(*s - '0');
		if (whole > 1000000000000ull)
			return false;
	}
	if (*s == '.') {
		dot = true;
		if (*++s < '0' || *s > '9')
			return false;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (scale >= 1000000)
				return false;
			frac = frac * 10 + (uint64_t)(*s - '0');
			scale *= 10;
		}
	}
	if (!strcmp(s, "ms") || (!*s && !dot))
		unit = 1;
	else if (!strcmp(s, "s"))
		unit = 1000;
	else if (!strcmp(s, "m"))
		unit = 60000;
	else if (!strcmp(s, "h"))
		unit = SCHEMA_HOUR_MS;
	else
		return false;
	if (frac * unit % scale)
		return false;
	*ms = whole * unit + frac * unit / scale;
	return true;
}

int schema_get_duration(struct schema_doc *d, yaml_node_t *node, const char *path, uint64_t min,
			uint64_t max, uint32_t *out)
{
	const char *s = schema_scalar(node);
	char what[64], lo[24], hi[24];
	uint64_t ms;

	if (s && parse_duration(s, &ms) && ms >= min && ms <= max) {
		*out = (uint32_t)ms;
		return 0;
	}
	snprintf(what, sizeof(what), "a duration %s..%s", schema_fmt_ms(min, lo, sizeof(lo)),
		 schema_fmt_ms(max, hi, sizeof(hi)));
	return schema_expected(d, node, path, what);
}

/* One of @names (NULL-terminated): its index in @idx. */
int schema_get_enum(struct schema_doc *d, yaml_node_t *node, const char *path,
		    const char *const *names, int *idx)
{
	const char *s = schema_scalar(node);
	char what[128] = "one of: ", got[QUOTE_SIZE(GOT_MAX)];
	int i;

	for (i = 0; names[i]; i++) {
		if (s && !strcmp(s, names[i])) {
			*idx = i;
			return 0;
		}
	}
	for (i = 0; names[i]; i++)
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%s", i ? ", " : "",
			 names[i]);
	describe(node, got, sizeof(got));
	return schema_fail(d, node, path, "expected %s; got %s", what, got);
}

int schema_expect_list(struct schema_doc *d, yaml_node_t *node, const char *path, size_t max,
		       const char *of)
{
	char what[64];

	if (node->type == YAML_SEQUENCE_NODE && schema_seq_len(node) >= 1 &&
	    schema_seq_len(node) <= max)
		return 0;
	snprintf(what, sizeof(what), "a list of 1..%zu %s", max, of);
	return schema_expected(d, node, path, what);
}

static void store_uint(void *field, size_t size, uint64_t v)
{
	uint8_t v8 = (uint8_t)v;
	uint16_t v16 = (uint16_t)v;
	uint32_t v32 = (uint32_t)v;

	if (size == 1)
		memcpy(field, &v8, 1);
	else if (size == 2)
		memcpy(field, &v16, 2);
	else if (size == 4)
		memcpy(field, &v32, 4);
	else
		memcpy(field, &v, sizeof(v));
}

static int parse_value(struct schema_doc *d, const struct schema_key *key, yaml_node_t *node,
		       const char *path, void *obj)
{
	void *field = (char *)obj + key->off;
	size_t max = key->max ? key->max : key->size - 1;
	uint64_t v;
	int err;

	switch (key->kind) {
	case SCHEMA_UINT:
		err = schema_get_uint(d, node, path, key->min, key->max, &v);
		if (!err)
			store_uint(field, key->size, v);
		return err;
	case SCHEMA_BOOL:
		return schema_get_bool(d, node, path, field);
	case SCHEMA_TEXT:
		return schema_get_text(d, node, path, key->min, max, field);
	case SCHEMA_PATH:
		err = schema_get_text(d, node, path, 1, max, field);
		if (!err && *(char *)field != '/')
			return schema_expected(d, node, path, "an absolute path");
		return err;
	case SCHEMA_MS:
		return schema_get_duration(d, node, path, key->min, key->max, field);
	case SCHEMA_FN:
		return key->fn(d, node, path, field);
	case SCHEMA_LATER:
		break;
	}
	return 0;
}

/* Mappings */

static int unknown_key(struct schema_doc *d, const yaml_node_t *node, const char *path,
		       const struct schema_key *keys, size_t n)
{
	char list[KEY_LIST_MAX] = "", got[QUOTE_SIZE(GOT_MAX)];
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 keys[i].name);
	/* the key as written may hold anything: a newline, an escape sequence */
	describe(node, got, sizeof(got));
	return schema_fail(d, node, path, "unknown key %s; expected one of: %s", got, list);
}

/* Fill kv[i] with key i of @keys as written in @map; unknown, duplicate or missing keys fail. */
static int collect_keys(struct schema_doc *d, yaml_node_t *map, const char *path,
			const struct schema_key *keys, size_t n, struct schema_kv *kv)
{
	yaml_node_pair_t *pair;
	const char *name;
	yaml_node_t *k;
	size_t i;

	memset(kv, 0, n * sizeof(*kv));
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		k = node_at(d, pair->key);
		name = schema_scalar(k);
		if (!name)
			return schema_expected(d, k, path, "a key name");
		for (i = 0; i < n && strcmp(name, keys[i].name); i++)
			;
		if (i == n)
			return unknown_key(d, k, path, keys, n);
		if (kv[i].key)
			return schema_fail(d, k, path, "duplicate key \"%s\" (first at line %zu)",
					   name, kv[i].key->start_mark.line + 1);
		kv[i] = (struct schema_kv){ .key = k, .val = node_at(d, pair->value) };
	}
	for (i = 0; i < n; i++)
		if (keys[i].required && !kv[i].key)
			return schema_fail(d, map, path, "missing required key \"%s\"",
					   keys[i].name);
	return 0;
}

/* Check @map against @keys and parse every key present (but SCHEMA_LATER) into @obj, in table order. */
int schema_parse_map(struct schema_doc *d, yaml_node_t *map, const char *path,
		     const struct schema_key *keys, size_t n, void *obj, struct schema_kv *kv)
{
	char child[SCHEMA_PATH_MAX];
	size_t i;
	int err;

	if (map->type != YAML_MAPPING_NODE)
		return schema_expected(d, map, path, "a mapping");
	err = collect_keys(d, map, path, keys, n, kv);
	for (i = 0; !err && i < n; i++) {
		if (!kv[i].val)
			continue;
		schema_child_path(child, path, keys[i].name);
		err = parse_value(d, &keys[i], kv[i].val, child, obj);
	}
	return err;
}
/* Loading */

/* libyaml's own error: where and what. */
static int yaml_error(struct schema_doc *d, const yaml_parser_t *parser, const char *data,
		      size_t len)
{
	yaml_mark_t mark = parser->problem_mark;
	size_t i;

	if (parser->error == YAML_MEMORY_ERROR)
		return schema_out_of_memory(d);
	if (parser->error == YAML_READER_ERROR) {
		/* the reader gives a byte offset: count the lines up to it */
		memset(&mark, 0, sizeof(mark));
		for (i = 0; i < parser->problem_offset && i < len; i++) {
			mark.column = data[i] == '\n' ? 0 : mark.column + 1;
			mark.line += data[i] == '\n';
		}
	}
	if (parser->context)
		snprintf(d->err, d->err_size, "%s:%zu:%zu: invalid YAML: %s (%s at line %zu)",
			 d->name, mark.line + 1, mark.column + 1, parser->problem, parser->context,
			 parser->context_mark.line + 1);
	else
		snprintf(d->err, d->err_size, "%s:%zu:%zu: invalid YAML: %s", d->name,
			 mark.line + 1, mark.column + 1,
			 parser->problem ? parser->problem : "unknown error");
	return -EINVAL;
}

/* The anchor an event defines, if any. */
static const yaml_char_t *event_anchor(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return ev->data.scalar.anchor;
	case YAML_SEQUENCE_START_EVENT:
		return ev->data.sequence_start.anchor;
	case YAML_MAPPING_START_EVENT:
		return ev->data.mapping_start.anchor;
	default:
		return NULL;
	}
}

/*
 * libyaml's loader looks every alias and every new anchor up in a list of
 * the anchors so far: quadratic, minutes of a blocked loop for the anchors
 * that 4 MiB hold. Its parser alone is linear: the events are counted
 * first, and a file with more than YAML_ANCHORS_MAX anchors or aliases is
 * refused where the first one too many is. A syntax error ends the count
 * silently: the loader reports it.
 */
static int check_anchors(struct schema_doc *d, const char *data, size_t len)
{
	size_t anchors = 0, aliases = 0;
	const char *what = NULL;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool end = false;

	if (!yaml_parser_initialize(&parser))
		return schema_out_of_memory(d);
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	while (!what && !end && yaml_parser_parse(&parser, &ev)) {
		if (ev.type == YAML_ALIAS_EVENT && ++aliases > YAML_ANCHORS_MAX)
			what = "aliases";
		else if (event_anchor(&ev) && ++anchors > YAML_ANCHORS_MAX)
			what = "anchors";
		end = ev.type == YAML_STREAM_END_EVENT;
		if (what)
			snprintf(d->err, d->err_size,
				 "%s:%zu:%zu: more than %d YAML %s (a configuration needs few)",
				 d->name, ev.start_mark.line + 1, ev.start_mark.column + 1,
				 YAML_ANCHORS_MAX, what);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return what ? -EINVAL : 0;
}

/* One document whose root is a node, handed to @parse_root. */
static int parse_document(struct schema_doc *d, yaml_parser_t *parser, const char *data, size_t len,
			  schema_root_fn parse_root, void *obj)
{
	yaml_document_t extra;
	yaml_node_t *root;
	int err;

	root = yaml_document_get_root_node(d->doc);
	if (!root) {
		snprintf(d->err, d->err_size, "%s:1:1: expected a mapping, got an empty file",
			 d->name);
		return -EINVAL;
	}
	if (!yaml_parser_load(parser, &extra))
		return yaml_error(d, parser, data, len);
	root = yaml_document_get_root_node(&extra);
	if (root) {
		err = schema_fail(d, root, "", "expected a single YAML document, found another");
		yaml_document_delete(&extra);
		return err;
	}
	yaml_document_delete(&extra);
	return parse_root(d, yaml_document_get_root_node(d->doc), obj);
}

int schema_load(struct schema_doc *d, const char *data, size_t len, schema_root_fn parse_root,
		void *obj)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int ret;

	if (len > SCHEMA_FILE_MAX) {
		snprintf(d->err, d->err_size, "%s: larger than %u bytes", d->name, SCHEMA_FILE_MAX);
		return -EFBIG;
	}
	ret = check_anchors(d, data, len);
	if (ret)
		return ret;
	if (!yaml_parser_initialize(&parser))
		return schema_out_of_memory(d);
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (yaml_parser_load(&parser, &doc)) {
		d->doc = &doc;
		ret = parse_document(d, &parser, data, len, parse_root, obj);
		d->doc = NULL;
		yaml_document_delete(&doc);
	} else {
		ret = yaml_error(d, &parser, data, len);
	}
	yaml_parser_delete(&parser);
	return ret;
}

int schema_read_file(const char *path, char **data, size_t *len, char *err, size_t err_size)
{
	size_t got;
	FILE *f;
	int ret = 0;

	*data = NULL;
	*len = 0;
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, err_size, "%s: %s", path, strerror(-ret));
		return ret;
	}
	/* one byte more than allowed, to see a file that is too large */
	*data = malloc(SCHEMA_FILE_MAX + 1);
	if (!*data) {
		fclose(f);
		snprintf(err, err_size, "%s: out of memory", path);
		return -ENOMEM;
	}
	while (*len <= SCHEMA_FILE_MAX &&
	       (got = fread(*data + *len, 1, SCHEMA_FILE_MAX + 1 - *len, f)))
		*len += got;
	if (ferror(f)) {
		ret = errno ? -errno : -EIO;
		snprintf(err, err_size, "%s: %s", path, strerror(-ret));
		free(*data);
		*data = NULL;
	}
	fclose(f);
	return ret;
}
