/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The configuration parser. libyaml's document API gives a tree whose nodes
 * carry their line and column; each mapping is checked against the table of
 * its keys (unknown, duplicate and missing keys are errors), then each value
 * is converted, range-checked and stored, and the parts are checked against
 * each other (duplicates, limits, a check's timeout against its interval).
 * The first error ends the parse. docs/configuration.md is the reference.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include <ldns/ldns.h>
#include <yaml.h>

#include <xdpcast/abi.h>

#include "control_proto.h"
#include "maglev.h"
#include "quote.h"

#define CONFIG_FILE_MAX (4u << 20) /* bytes */
#define KEY_PATH_MAX 128
#define GOT_MAX 40 /* bytes of a bad value quoted in a message */
#define LIST_MAX 64 /* items of the short lists (rcodes) */
#define YAML_ANCHORS_MAX 1000 /* anchors, and aliases, in a file: a configuration needs few */

#define ROUTE_PROTOCOL_DEFAULT 252
#define ROUTE_METRIC_DEFAULT 10 /* below FRR's 20 and BIRD's 32, never the same */
#define ROUTE_TABLE_DEFAULT 254
#define ROUTE_RECONCILE_DEFAULT_MS 1000
#define PROBE_PROTOCOL_DEFAULT 251
#define PROBE_MARK_DEFAULT 0x58430000u /* "XC" */
#define PROBE_TABLE_DEFAULT 58430000u
#define PROBE_PRIORITY_DEFAULT 900 /* before the l3mdev rule (1000) and main (32766) */
#define PROBE_PRIORITIES 4 /* guard, per-backend rules, catch-all, goto target */
#define MAIN_RULE_PRIORITY 32766
#define L3MDEV_RULE_PRIORITY 1000
#define STATS_PERIOD_DEFAULT_MS 10000
#define PIN_DIR_DEFAULT "/sys/fs/bpf/xdpcast"
#define STATE_DIR_DEFAULT "/var/lib/xdpcast"
#define CONTROL_SOCKET_DEFAULT XDPCAST_CONTROL_SOCKET_DEFAULT
#define FLOW_TABLE_SIZE_DEFAULT 65536
#define FLOW_TABLE_SIZE_MAX (1u << 26)
#define TIMEOUT_DEFAULT_MS 500
#define HOUR_MS 3600000u
#define RISE_FALL_MAX 1000
#define IFNAME_LEN_MAX 15 /* IFNAMSIZ - 1 */
#define SUN_PATH_LEN_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

struct ctx {
	const char *name; /* the file, as messages name it */
	yaml_document_t *doc;
	char *err;
	size_t n_backends; /* over the VIPs parsed so far */
};

/* How a key's value is converted and stored. */
enum kind {
	K_UINT, /* an integer in min..max, into an unsigned field of 1, 2 or 4 bytes */
	K_BOOL,
	K_TEXT, /* a string of min..max bytes (max 0: the field's size - 1) */
	K_PATH, /* the same, starting with "/" */
	K_MS, /* a duration in min..max milliseconds, into a uint32_t */
	K_FN, /* fn(field) */
	K_LATER, /* left to the mapping's parser */
};

typedef int (*parse_fn)(struct ctx *c, yaml_node_t *node, const char *path, void *field);

struct key {
	const char *name;
	enum kind kind;
	size_t off, size; /* the field in the mapping's struct */
	uint64_t min, max;
	parse_fn fn;
	bool required;
	unsigned int types; /* check keys: bit per check type that uses it; 0 = all */
};

/* A key of a mapping as written: the key node and its value. */
struct kv {
	yaml_node_t *key, *val;
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Members of a struct key, for its table: { UINT(...), .required = true } */
#define FIELD(type, f) .off = offsetof(type, f), .size = sizeof(((type *)0)->f)
#define UINT(n, type, f, lo, hi) .name = n, .kind = K_UINT, FIELD(type, f), .min = lo, .max = hi
#define BOOL(n, type, f) .name = n, .kind = K_BOOL, FIELD(type, f)
#define TEXT(n, type, f, lo) .name = n, .kind = K_TEXT, FIELD(type, f), .min = lo
#define PATH(n, type, f, hi) .name = n, .kind = K_PATH, FIELD(type, f), .max = hi
#define MS(n, type, f, lo, hi) .name = n, .kind = K_MS, FIELD(type, f), .min = lo, .max = hi
#define FN(n, type, f, parse) .name = n, .kind = K_FN, FIELD(type, f), .fn = parse
#define OBJ(n, parse) .name = n, .kind = K_FN, .fn = parse /* parse gets the whole struct */
#define LATER(n) .name = n, .kind = K_LATER

/* Messages */

static int fail(struct ctx *c, const yaml_node_t *node, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct ctx *c, const yaml_node_t *node, const char *path, const char *fmt, ...)
{
	size_t len;
	va_list ap;

	len = (size_t)snprintf(c->err, CONFIG_ERROR_MAX, "%s:%zu:%zu: %s%s", c->name,
			       node->start_mark.line + 1, node->start_mark.column + 1, path,
			       *path ? ": " : "");
	if (len < CONFIG_ERROR_MAX) {
		va_start(ap, fmt);
		vsnprintf(c->err + len, CONFIG_ERROR_MAX - len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int out_of_memory(struct ctx *c)
{
	snprintf(c->err, CONFIG_ERROR_MAX, "%s: out of memory", c->name);
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

static int expected(struct ctx *c, const yaml_node_t *node, const char *path, const char *what)
{
	char got[QUOTE_SIZE(GOT_MAX)];

	describe(node, got, sizeof(got));
	return fail(c, node, path, "expected %s, got %s", what, got);
}

/* Key paths are short: the schema bounds their depth, the limits their indexes. */
static void path_fmt(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void path_fmt(char *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, KEY_PATH_MAX, fmt, ap);
	va_end(ap);
}

static void child_path(char *out, const char *path, const char *key)
{
	path_fmt(out, "%s%s%s", path, *path ? "." : "", key);
}

static void item_path(char *out, const char *path, size_t i)
{
	path_fmt(out, "%s[%zu]", path, i);
}

/* "1h", "2m", "1s", "1500ms" */
static const char *fmt_ms(uint64_t ms, char *buf, size_t size)
{
	if (ms && ms % HOUR_MS == 0)
		snprintf(buf, size, "%lluh", (unsigned long long)(ms / HOUR_MS));
	else if (ms && ms % 60000 == 0)
		snprintf(buf, size, "%llum", (unsigned long long)(ms / 60000));
	else if (ms && ms % 1000 == 0)
		snprintf(buf, size, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, size, "%llums", (unsigned long long)ms);
	return buf;
}

/* Scalars */

static yaml_node_t *node_at(struct ctx *c, int index)
{
	return yaml_document_get_node(c->doc, index);
}

/* The scalar's text if @node is a scalar without NUL bytes, else NULL. */
static const char *scalar(const yaml_node_t *node)
{
	const char *s;

	if (node->type != YAML_SCALAR_NODE)
		return NULL;
	s = (const char *)node->data.scalar.value;
	return strlen(s) == node->data.scalar.length ? s : NULL;
}

static size_t seq_len(const yaml_node_t *node)
{
	return (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
}

static yaml_node_t *seq_item(struct ctx *c, const yaml_node_t *node, size_t i)
{
	return node_at(c, node->data.sequence.items.start[i]);
}

/* Decimal, or hexadecimal after "0x". */
static bool parse_u64(const char *s, uint64_t *v)
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

static int get_uint(struct ctx *c, yaml_node_t *node, const char *path, uint64_t min, uint64_t max,
		    uint64_t *v)
{
	const char *s = scalar(node);
	char what[64];

	if (s && parse_u64(s, v) && *v >= min && *v <= max)
		return 0;
	snprintf(what, sizeof(what), "an integer %llu..%llu", (unsigned long long)min,
		 (unsigned long long)max);
	return expected(c, node, path, what);
}

/* YAML 1.2's booleans (not 1.1's yes, no, on, off). */
static bool parse_bool(const char *s, bool *v)
{
	static const char *const names[] = { "false", "False", "FALSE", "true", "True", "TRUE" };
	size_t i;

	for (i = 0; s && i < ARRAY_SIZE(names); i++) {
		if (!strcmp(s, names[i])) {
			*v = i >= 3;
			return true;
		}
	}
	return false;
}

static int get_bool(struct ctx *c, yaml_node_t *node, const char *path, bool *v)
{
	return parse_bool(scalar(node), v) ? 0 : expected(c, node, path, "true or false");
}

/* A single-line string of min..max bytes, copied into @out. */
static int get_text(struct ctx *c, yaml_node_t *node, const char *path, size_t min, size_t max,
		    char *out)
{
	const char *s = scalar(node);
	char what[64];
	size_t i;

	if (s && strlen(s) >= min && strlen(s) <= max) {
		for (i = 0; s[i]; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				return expected(c, node, path,
						"a string without control characters");
		memcpy(out, s, strlen(s) + 1);
		return 0;
	}
	if (min)
		snprintf(what, sizeof(what), "a string of %zu..%zu characters", min, max);
	else
		snprintf(what, sizeof(what), "a string of at most %zu characters", max);
	return expected(c, node, path, what);
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
		unit = HOUR_MS;
	else
		return false;
	if (frac * unit % scale)
		return false;
	*ms = whole * unit + frac * unit / scale;
	return true;
}

static int get_duration(struct ctx *c, yaml_node_t *node, const char *path, uint64_t min,
			uint64_t max, uint32_t *out)
{
	const char *s = scalar(node);
	char what[64], lo[24], hi[24];
	uint64_t ms;

	if (s && parse_duration(s, &ms) && ms >= min && ms <= max) {
		*out = (uint32_t)ms;
		return 0;
	}
	snprintf(what, sizeof(what), "a duration %s..%s", fmt_ms(min, lo, sizeof(lo)),
		 fmt_ms(max, hi, sizeof(hi)));
	return expected(c, node, path, what);
}

/* One of @names (NULL-terminated): its index in @idx. */
static int get_enum(struct ctx *c, yaml_node_t *node, const char *path, const char *const *names,
		    int *idx)
{
	const char *s = scalar(node);
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
	return fail(c, node, path, "expected %s; got %s", what, got);
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

static int parse_value(struct ctx *c, const struct key *key, yaml_node_t *node, const char *path,
		       void *obj)
{
	void *field = (char *)obj + key->off;
	size_t max = key->max ? key->max : key->size - 1;
	uint64_t v;
	int err;

	switch (key->kind) {
	case K_UINT:
		err = get_uint(c, node, path, key->min, key->max, &v);
		if (!err)
			store_uint(field, key->size, v);
		return err;
	case K_BOOL:
		return get_bool(c, node, path, field);
	case K_TEXT:
		return get_text(c, node, path, key->min, max, field);
	case K_PATH:
		err = get_text(c, node, path, 1, max, field);
		if (!err && *(char *)field != '/')
			return expected(c, node, path, "an absolute path");
		return err;
	case K_MS:
		return get_duration(c, node, path, key->min, key->max, field);
	case K_FN:
		return key->fn(c, node, path, field);
	case K_LATER:
		break;
	}
	return 0;
}

/* Mappings */

static int unknown_key(struct ctx *c, const yaml_node_t *node, const char *path,
		       const struct key *keys, size_t n)
{
	char list[CONFIG_ERROR_MAX] = "", got[QUOTE_SIZE(GOT_MAX)];
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 keys[i].name);
	/* the key as written may hold anything: a newline, an escape sequence */
	describe(node, got, sizeof(got));
	return fail(c, node, path, "unknown key %s; expected one of: %s", got, list);
}

/* Fill kv[i] with key i of @keys as written in @map; unknown, duplicate or missing keys fail. */
static int collect_keys(struct ctx *c, yaml_node_t *map, const char *path, const struct key *keys,
			size_t n, struct kv *kv)
{
	yaml_node_pair_t *pair;
	const char *name;
	yaml_node_t *k;
	size_t i;

	memset(kv, 0, n * sizeof(*kv));
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		k = node_at(c, pair->key);
		name = scalar(k);
		if (!name)
			return expected(c, k, path, "a key name");
		for (i = 0; i < n && strcmp(name, keys[i].name); i++)
			;
		if (i == n)
			return unknown_key(c, k, path, keys, n);
		if (kv[i].key)
			return fail(c, k, path, "duplicate key \"%s\" (first at line %zu)", name,
				    kv[i].key->start_mark.line + 1);
		kv[i] = (struct kv){ .key = k, .val = node_at(c, pair->value) };
	}
	for (i = 0; i < n; i++)
		if (keys[i].required && !kv[i].key)
			return fail(c, map, path, "missing required key \"%s\"", keys[i].name);
	return 0;
}

/* Check @map against @keys and parse every key present (but K_LATER) into @obj, in table order. */
static int parse_map(struct ctx *c, yaml_node_t *map, const char *path, const struct key *keys,
		     size_t n, void *obj, struct kv *kv)
{
	char child[KEY_PATH_MAX];
	size_t i;
	int err;

	if (map->type != YAML_MAPPING_NODE)
		return expected(c, map, path, "a mapping");
	err = collect_keys(c, map, path, keys, n, kv);
	for (i = 0; !err && i < n; i++) {
		if (!kv[i].val)
			continue;
		child_path(child, path, keys[i].name);
		err = parse_value(c, &keys[i], kv[i].val, child, obj);
	}
	return err;
}

/* Values */

static int parse_addr(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	struct addr_config *a = field;
	const char *s = scalar(node);
	struct in_addr v4;

	memset(a, 0, sizeof(*a));
	if (s && inet_pton(AF_INET, s, &v4) == 1) {
		a->addr.s6_addr[10] = 0xff;
		a->addr.s6_addr[11] = 0xff;
		memcpy(&a->addr.s6_addr[12], &v4, 4);
	} else if (!s || inet_pton(AF_INET6, s, &a->addr) != 1) {
		return expected(c, node, path, "a unicast IPv4 or IPv6 address");
	}
	a->family = IN6_IS_ADDR_V4MAPPED(&a->addr) ? AF_INET : AF_INET6;
	memcpy(&v4, &a->addr.s6_addr[12], 4);
	if (a->family == AF_INET
		    ? v4.s_addr == htonl(INADDR_ANY) || v4.s_addr == htonl(INADDR_BROADCAST) ||
			      IN_MULTICAST(ntohl(v4.s_addr))
		    : IN6_IS_ADDR_UNSPECIFIED(&a->addr) || IN6_IS_ADDR_MULTICAST(&a->addr))
		return expected(c, node, path, "a unicast IPv4 or IPv6 address");
	/* routes and probes would need an interface, which the file cannot name */
	if (a->family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&a->addr))
		return expected(c, node, path, "a global or unique-local address (not link-local)");
	inet_ntop(a->family, a->family == AF_INET ? (const void *)&v4 : (const void *)&a->addr,
		  a->text, sizeof(a->text));
	return 0;
}

static int parse_ifname(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	const char *s = scalar(node);

	if (s && *s && strlen(s) <= IFNAME_LEN_MAX && !strpbrk(s, "/: \t\n") && strcmp(s, ".") &&
	    strcmp(s, "..")) {
		strcpy(field, s);
		return 0;
	}
	return expected(c, node, path,
			"an interface name (1..15 characters, no '/', ':' or spaces)");
}

static int parse_mode(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	static const char *const names[] = { "native", "generic", NULL };
	int i, err;

	err = get_enum(c, node, path, names, &i);
	if (!err)
		*(enum xdp_attach_mode *)field = i ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	return err;
}

static int parse_protocol(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	static const char *const names[] = { "any", "tcp", "udp", NULL };
	static const uint8_t protos[] = { 0, IPPROTO_TCP, IPPROTO_UDP };
	int i, err;

	err = get_enum(c, node, path, names, &i);
	if (!err)
		*(uint8_t *)field = protos[i];
	return err;
}

static int parse_table_size(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	const char *s = scalar(node);
	char what[64];
	uint64_t v;

	if (s && parse_u64(s, &v) && v <= XDPCAST_TABLE_SIZE_MAX && maglev_is_prime((uint32_t)v)) {
		*(uint32_t *)field = (uint32_t)v;
		return 0;
	}
	snprintf(what, sizeof(what), "a prime 2..%d", XDPCAST_TABLE_SIZE_MAX);
	return expected(c, node, path, what);
}

static const struct key flow_table_keys[] = {
	{ BOOL("enabled", struct vip_config, flow_table) },
	{ UINT("size", struct vip_config, flow_table_size, 1, FLOW_TABLE_SIZE_MAX) },
};

/* `flow_table: true|false` or a mapping (enabled unless it says `enabled: false`). */
static int parse_flow_table(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	struct kv kv[ARRAY_SIZE(flow_table_keys)];
	struct vip_config *vip = field;

	if (node->type == YAML_MAPPING_NODE) {
		vip->flow_table = true;
		return parse_map(c, node, path, flow_table_keys, ARRAY_SIZE(kv), vip, kv);
	}
	if (parse_bool(scalar(node), &vip->flow_table))
		return 0;
	return expected(c, node, path, "true, false or a mapping");
}

/* Checks */

static const char *const check_types[] = { "icmp", "tcp", "dns", "http", "https", NULL };

static const char *const check_targets[] = { "vip", "backend", NULL };

static int parse_check_target(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	int i, err;

	err = get_enum(c, node, path, check_targets, &i);
	if (!err)
		*(enum check_target *)field = (enum check_target)i;
	return err;
}

static int parse_check_type(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	int i, err;

	err = get_enum(c, node, path, check_types, &i);
	if (!err)
		*(enum check_type *)field = (enum check_type)i;
	return err;
}

static int parse_initial(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	static const char *const names[] = { "down", "up", NULL };
	int i, err;

	err = get_enum(c, node, path, names, &i);
	if (!err)
		*(bool *)field = i;
	return err;
}

static int parse_transport(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	static const char *const names[] = { "udp", "tcp", NULL };
	int i, err;

	err = get_enum(c, node, path, names, &i);
	if (!err)
		*(bool *)field = i;
	return err;
}

static int parse_dns_name(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	const char *s = scalar(node);
	ldns_rdf *dname;

	if (s && *s && strlen(s) < CONFIG_TEXT_MAX) {
		dname = ldns_dname_new_frm_str(s);
		if (dname) {
			ldns_rdf_deep_free(dname);
			strcpy(field, s);
			return 0;
		}
	}
	return expected(c, node, path, "a DNS name");
}

static int parse_qtype(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	const char *s = scalar(node);
	ldns_rr_type type = s ? ldns_get_rr_type_by_name(s) : 0;

	if (!type)
		return expected(c, node, path, "a DNS record type (A, AAAA, SOA, TXT, ...)");
	*(uint16_t *)field = (uint16_t)type;
	return 0;
}

static int expect_list(struct ctx *c, yaml_node_t *node, const char *path, size_t max,
		       const char *of)
{
	char what[64];

	if (node->type == YAML_SEQUENCE_NODE && seq_len(node) >= 1 && seq_len(node) <= max)
		return 0;
	snprintf(what, sizeof(what), "a list of 1..%zu %s", max, of);
	return expected(c, node, path, what);
}

static int parse_rcodes(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	char item[KEY_PATH_MAX];
	ldns_lookup_table *rcode;
	uint32_t mask = 0;
	const char *s;
	yaml_node_t *n;
	size_t i;
	int err;

	err = expect_list(c, node, path, LIST_MAX, "rcode names");
	for (i = 0; !err && i < seq_len(node); i++) {
		n = seq_item(c, node, i);
		s = scalar(n);
		rcode = s ? ldns_lookup_by_name(ldns_rcodes, s) : NULL;
		if (!rcode || rcode->id < 0 || rcode->id > 31) {
			item_path(item, path, i);
			return expected(
				c, n, item,
				"an rcode name (NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ...)");
		}
		mask |= 1u << rcode->id;
	}
	if (!err)
		*(uint32_t *)field = mask;
	return err;
}

static int parse_http_path(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	const char *s = scalar(node);

	if (s && s[0] == '/' && strlen(s) < CONFIG_TEXT_MAX && !strpbrk(s, " \t\r\n")) {
		strcpy(field, s);
		return 0;
	}
	return expected(c, node, path, "a URL path starting with \"/\", without spaces");
}

static int parse_statuses(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	struct check_config *check = field;
	char item[KEY_PATH_MAX];
	uint64_t v;
	size_t i;
	int err;

	err = expect_list(c, node, path, CONFIG_MAX_STATUSES, "HTTP statuses");
	for (i = 0; !err && i < seq_len(node); i++) {
		item_path(item, path, i);
		err = get_uint(c, seq_item(c, node, i), item, 100, 599, &v);
		if (!err)
			check->http_statuses[i] = (uint16_t)v;
	}
	if (!err)
		check->n_http_statuses = seq_len(node);
	return err;
}

/* Indexes in check_keys, bits of check_state.given. */
enum check_key {
	CK_TYPE,
	CK_TARGET,
	CK_INTERVAL,
	CK_TIMEOUT,
	CK_JITTER,
	CK_RISE,
	CK_FALL,
	CK_INITIAL,
	CK_PORT,
	CK_NAME,
	CK_QTYPE,
	CK_TRANSPORT,
	CK_RCODES,
	CK_EXPECT,
	CK_PATH,
	CK_HOST,
	CK_STATUSES,
	CK_BODY,
	CK_TLS_VERIFY,
	CK_N,
};

#define T(type) (1u << (type))
#define T_PORT (T(CHECK_TCP) | T(CHECK_DNS) | T(CHECK_HTTP) | T(CHECK_HTTPS))
#define T_DNS T(CHECK_DNS)
#define T_HTTP (T(CHECK_HTTP) | T(CHECK_HTTPS))
#define T_HTTPS T(CHECK_HTTPS)

#define CHECK struct check_config
static const struct key check_keys[CK_N] = {
	[CK_TYPE] = { FN("type", CHECK, type, parse_check_type) },
	[CK_TARGET] = { FN("target", CHECK, target, parse_check_target) },
	[CK_INTERVAL] = { MS("interval", CHECK, interval_ms, 10, HOUR_MS) },
	[CK_TIMEOUT] = { MS("timeout", CHECK, timeout_ms, 1, HOUR_MS) },
	[CK_JITTER] = { MS("jitter", CHECK, jitter_ms, 0, HOUR_MS) },
	[CK_RISE] = { UINT("rise", CHECK, rise, 1, RISE_FALL_MAX) },
	[CK_FALL] = { UINT("fall", CHECK, fall, 1, RISE_FALL_MAX) },
	[CK_INITIAL] = { FN("initial", CHECK, initial_up, parse_initial) },
	[CK_PORT] = { UINT("port", CHECK, port, 1, 65535), .types = T_PORT },
	[CK_NAME] = { FN("name", CHECK, dns_name, parse_dns_name), .types = T_DNS },
	[CK_QTYPE] = { FN("qtype", CHECK, dns_type, parse_qtype), .types = T_DNS },
	[CK_TRANSPORT] = { FN("transport", CHECK, dns_tcp, parse_transport), .types = T_DNS },
	[CK_RCODES] = { FN("rcodes", CHECK, dns_rcodes, parse_rcodes), .types = T_DNS },
	[CK_EXPECT] = { TEXT("expect", CHECK, dns_expect, 0), .types = T_DNS },
	[CK_PATH] = { FN("path", CHECK, http_path, parse_http_path), .types = T_HTTP },
	[CK_HOST] = { TEXT("host", CHECK, http_host, 1), .types = T_HTTP },
	[CK_STATUSES] = { OBJ("statuses", parse_statuses), .types = T_HTTP },
	[CK_BODY] = { TEXT("body", CHECK, http_body, 0), .types = T_HTTP },
	[CK_TLS_VERIFY] = { BOOL("tls_verify", CHECK, tls_verify), .types = T_HTTPS },
};
#undef CHECK

static const struct check_config check_defaults = {
	.type = CHECK_ICMP,
	.interval_ms = 1000,
	.rise = 2,
	.fall = 3,
	.dns_type = LDNS_RR_TYPE_SOA,
	.dns_rcodes = 1u << LDNS_RCODE_NOERROR,
	.http_path = "/",
	.http_statuses = { 200 },
	.n_http_statuses = 1,
	.tls_verify = true,
};

/* A check being built: the VIP's, then a backend's copy of it with overrides. */
struct check_state {
	struct check_config check;
	uint32_t
		given; /* bit per enum check_key written (timeout and jitter defaults follow interval) */
};

/* Where a check is written, for its messages. */
struct check_site {
	yaml_node_t *node; /* the check mapping, else the VIP's or backend's */
	char path[KEY_PATH_MAX];
	struct kv kv[CK_N]; /* keys written in that mapping */
};

/* Parse @site->node into @st, on top of what it holds. */
static int parse_check(struct ctx *c, struct check_site *site, struct check_state *st)
{
	size_t i;
	int err;

	err = parse_map(c, site->node, site->path, check_keys, CK_N, &st->check, site->kv);
	for (i = 0; !err && i < CK_N; i++)
		if (site->kv[i].key)
			st->given |= 1u << i;
	return err;
}

/* The node and path of @key if written at @site, else of the site itself. */
static yaml_node_t *site_of(struct check_site *site, enum check_key key, char *path)
{
	if (!site->kv[key].key) {
		path_fmt(path, "%s", site->path);
		return site->node;
	}
	child_path(path, site->path, check_keys[key].name);
	return site->kv[key].val;
}

/* The final check from @st: defaults that depend on other keys, then consistency. */
static int finish_check(struct ctx *c, const struct check_state *st, struct check_site *site,
			uint16_t vip_port, struct check_config *out)
{
	char path[KEY_PATH_MAX], a[24], b[24];
	enum check_key at;
	yaml_node_t *node;
	size_t i;

	*out = st->check;
	if (!(st->given & (1u << CK_TIMEOUT)))
		out->timeout_ms = out->interval_ms < TIMEOUT_DEFAULT_MS ? out->interval_ms
									: TIMEOUT_DEFAULT_MS;
	if (!(st->given & (1u << CK_JITTER)))
		out->jitter_ms = out->interval_ms / 10;
	for (i = 0; i < CK_N; i++) {
		if (site->kv[i].key && check_keys[i].types &&
		    !(check_keys[i].types & T(out->type))) {
			child_path(path, site->path, check_keys[i].name);
			return fail(c, site->kv[i].key, path, "not used by %s checks",
				    check_type_name(out->type));
		}
	}
	if (out->timeout_ms > out->interval_ms || out->jitter_ms > out->interval_ms) {
		at = out->timeout_ms > out->interval_ms ? CK_TIMEOUT : CK_JITTER;
		node = site_of(site, site->kv[at].key ? at : CK_INTERVAL, path);
		return fail(
			c, node, path, "%s %s exceeds the interval %s", check_keys[at].name,
			fmt_ms(at == CK_TIMEOUT ? out->timeout_ms : out->jitter_ms, a, sizeof(a)),
			fmt_ms(out->interval_ms, b, sizeof(b)));
	}
	if (out->type == CHECK_DNS && !out->dns_name[0])
		return fail(c, site->node, site->path,
			    "missing key \"name\": a dns check needs the name to query");
	/* the service as clients reach it: the VIP's port, when it has one */
	if (out->target == CHECK_TARGET_VIP && !out->port && vip_port && (T(out->type) & T_PORT))
		out->port = vip_port;
	if (out->type == CHECK_TCP && !out->port) {
		if (!vip_port) {
			node = site_of(site, CK_TYPE, path);
			return fail(c, node, path, "a tcp check needs a port (the VIP has none)");
		}
		out->port = vip_port;
	}
	return 0;
}

/* VIPs and backends */

enum backend_key { BK_NAME, BK_ADDRESS, BK_WEIGHT, BK_CHECK, BK_N };

static const struct key backend_keys[BK_N] = {
	[BK_NAME] = { TEXT("name", struct backend_config, name, 1) },
	[BK_ADDRESS] = { FN("address", struct backend_config, addr, parse_addr), .required = true },
	[BK_WEIGHT] = { UINT("weight", struct backend_config, weight, 0, XDPCAST_WEIGHT_MAX) },
	[BK_CHECK] = { LATER("check") },
};

/* Names and addresses are unique within a VIP. */
static int check_backend_unique(struct ctx *c, const struct vip_config *vip, size_t idx,
				yaml_node_t *node, const char *path, const struct kv *kv)
{
	const struct backend_config *b = &vip->backends[idx], *o;
	char where[KEY_PATH_MAX];
	size_t i;

	for (i = 0, o = vip->backends; i < idx; i++, o++) {
		if (!memcmp(&o->addr.addr, &b->addr.addr, sizeof(b->addr.addr))) {
			child_path(where, path, "address");
			return fail(c, kv[BK_ADDRESS].val, where,
				    "duplicate backend address %s (backends[%zu], line %u)",
				    b->addr.text, i, o->line);
		}
		if (!strcmp(o->name, b->name)) {
			if (kv[BK_NAME].val)
				child_path(where, path, "name");
			else
				path_fmt(where, "%s", path);
			return fail(c, kv[BK_NAME].val ? kv[BK_NAME].val : node, where,
				    "duplicate backend name \"%s\" (backends[%zu], line %u)",
				    b->name, i, o->line);
		}
	}
	return 0;
}

static int parse_backend(struct ctx *c, yaml_node_t *node, const char *path, struct vip_config *vip,
			 size_t idx, const struct check_state *vip_check)
{
	struct backend_config *b = &vip->backends[idx];
	struct check_state st = *vip_check;
	struct check_site site = { .node = node };
	struct kv kv[BK_N];
	int err;

	b->weight = 1;
	b->line = (unsigned int)node->start_mark.line + 1;
	err = parse_map(c, node, path, backend_keys, BK_N, b, kv);
	if (err)
		return err;
	if (!b->name[0])
		strcpy(b->name, b->addr.text);
	err = check_backend_unique(c, vip, idx, node, path, kv);
	if (err)
		return err;
	path_fmt(site.path, "%s", path);
	if (kv[BK_CHECK].val) {
		site.node = kv[BK_CHECK].val;
		child_path(site.path, path, "check");
		err = parse_check(c, &site, &st);
	}
	err = err ? err : finish_check(c, &st, &site, vip->port, &b->check);
	if (!err && b->check.target == CHECK_TARGET_VIP && vip->addr.family == AF_INET6 &&
	    b->addr.family == AF_INET) {
		char where[KEY_PATH_MAX];
		yaml_node_t *at = site_of(&site, CK_TARGET, where);

		err = fail(c, at, where,
			   "the IPv6 VIP cannot be checked through the IPv4 backend %s (no IPv6 "
			   "route has an IPv4 next hop): set check.target: backend",
			   b->addr.text);
	}
	return err;
}

static int parse_backends(struct ctx *c, yaml_node_t *node, const char *path,
			  struct vip_config *vip, const struct check_state *vip_check)
{
	char item[KEY_PATH_MAX];
	size_t i, n;
	int err;

	if (node->type != YAML_SEQUENCE_NODE || !seq_len(node))
		return expected(c, node, path, "a list of backends");
	n = seq_len(node);
	if (c->n_backends + n > XDPCAST_MAX_BACKENDS) {
		i = XDPCAST_MAX_BACKENDS - c->n_backends;
		item_path(item, path, i);
		return fail(c, seq_item(c, node, i), item,
			    "too many backends: at most %d over all VIPs", XDPCAST_MAX_BACKENDS);
	}
	c->n_backends += n;
	vip->backends = calloc(n, sizeof(*vip->backends));
	if (!vip->backends)
		return out_of_memory(c);
	vip->n_backends = n;
	for (i = 0, err = 0; !err && i < n; i++) {
		item_path(item, path, i);
		err = parse_backend(c, seq_item(c, node, i), item, vip, i, vip_check);
	}
	return err;
}

enum vip_key {
	VK_NAME,
	VK_ADDRESS,
	VK_PROTOCOL,
	VK_PORT,
	VK_TABLE_SIZE,
	VK_FLOW_TABLE,
	VK_MIN_HEALTHY,
	VK_CHECK,
	VK_BACKENDS,
	VK_N,
};

static const struct key vip_keys[VK_N] = {
	[VK_NAME] = { TEXT("name", struct vip_config, name, 1) },
	[VK_ADDRESS] = { FN("address", struct vip_config, addr, parse_addr), .required = true },
	[VK_PROTOCOL] = { FN("protocol", struct vip_config, proto, parse_protocol) },
	[VK_PORT] = { UINT("port", struct vip_config, port, 1, 65535) },
	[VK_TABLE_SIZE] = { FN("table_size", struct vip_config, table_size, parse_table_size) },
	[VK_FLOW_TABLE] = { OBJ("flow_table", parse_flow_table) },
	[VK_MIN_HEALTHY] = { UINT("min_healthy", struct vip_config, min_healthy, 0,
				  XDPCAST_MAX_BACKENDS) },
	[VK_CHECK] = { LATER("check") },
	[VK_BACKENDS] = { LATER("backends"), .required = true },
};

const char *vip_proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "any";
}

/* The VIP's key as its name: "203.0.113.53", "203.0.113.53/udp", "203.0.113.53/udp/53". */
static void default_vip_name(struct vip_config *vip)
{
	if (!vip->proto)
		snprintf(vip->name, sizeof(vip->name), "%s", vip->addr.text);
	else if (!vip->port)
		snprintf(vip->name, sizeof(vip->name), "%s/%s", vip->addr.text,
			 vip_proto_name(vip->proto));
	else
		snprintf(vip->name, sizeof(vip->name), "%s/%s/%u", vip->addr.text,
			 vip_proto_name(vip->proto), vip->port);
}

/* No two VIPs with the same name, or the same address, protocol and port. */
static int check_vip_unique(struct ctx *c, const struct config *cfg, size_t idx, yaml_node_t *node,
			    const char *path)
{
	const struct vip_config *v = &cfg->vips[idx], *o;
	char port[16] = "";
	size_t i;

	for (i = 0, o = cfg->vips; i < idx; i++, o++) {
		if (memcmp(&o->addr.addr, &v->addr.addr, sizeof(v->addr.addr)) ||
		    o->proto != v->proto || o->port != v->port)
			continue;
		if (v->port)
			snprintf(port, sizeof(port), " port %u", v->port);
		return fail(c, node, path, "duplicate VIP %s%s%s%s (vips[%zu], line %u)",
			    v->addr.text, v->proto ? " " : "",
			    v->proto ? vip_proto_name(v->proto) : "", port, i, o->line);
	}
	/* names name VIPs in logs, metrics and xdpcastctl: one each */
	for (i = 0, o = cfg->vips; i < idx; i++, o++)
		if (!strcmp(o->name, v->name))
			return fail(c, node, path, "duplicate VIP name \"%s\" (vips[%zu], line %u)",
				    v->name, i, o->line);
	return 0;
}

static int parse_vip(struct ctx *c, yaml_node_t *node, const char *path, struct config *cfg,
		     size_t idx)
{
	struct check_state st = { .check = check_defaults };
	struct vip_config *vip = &cfg->vips[idx];
	struct check_site site = { .node = node };
	char child[KEY_PATH_MAX];
	struct kv kv[VK_N];
	int err;

	vip->table_size = XDPCAST_TABLE_SIZE_DEFAULT;
	vip->flow_table_size = FLOW_TABLE_SIZE_DEFAULT;
	vip->min_healthy = 1;
	vip->line = (unsigned int)node->start_mark.line + 1;
	err = parse_map(c, node, path, vip_keys, VK_N, vip, kv);
	if (err)
		return err;
	if (vip->port && !vip->proto) {
		child_path(child, path, "port");
		return fail(c, kv[VK_PORT].val, child, "a port needs a protocol (tcp or udp)");
	}
	if (!vip->name[0])
		default_vip_name(vip);
	err = check_vip_unique(c, cfg, idx, node, path);
	if (err)
		return err;

	path_fmt(site.path, "%s", path);
	if (kv[VK_CHECK].val) {
		site.node = kv[VK_CHECK].val;
		child_path(site.path, path, "check");
		err = parse_check(c, &site, &st);
	}
	err = err ? err : finish_check(c, &st, &site, vip->port, &vip->check);
	if (err)
		return err;

	child_path(child, path, "backends");
	err = parse_backends(c, kv[VK_BACKENDS].val, child, vip, &st);
	if (err)
		return err;
	if (vip->min_healthy > vip->n_backends) {
		child_path(child, path, "min_healthy");
		return fail(c, kv[VK_MIN_HEALTHY].val, child,
			    "%u exceeds the number of backends (%zu)", vip->min_healthy,
			    vip->n_backends);
	}
	return 0;
}

static int parse_vips(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	struct config *cfg = field;
	char item[KEY_PATH_MAX];
	size_t i, n;
	int err;

	if (node->type != YAML_SEQUENCE_NODE)
		return expected(c, node, path, "a list of VIPs");
	n = seq_len(node);
	if (n > XDPCAST_MAX_VIPS) {
		item_path(item, path, XDPCAST_MAX_VIPS);
		return fail(c, seq_item(c, node, XDPCAST_MAX_VIPS), item,
			    "too many VIPs: at most %d", XDPCAST_MAX_VIPS);
	}
	if (!n)
		return 0;
	cfg->vips = calloc(n, sizeof(*cfg->vips));
	if (!cfg->vips)
		return out_of_memory(c);
	cfg->n_vips = n;
	for (i = 0, err = 0; !err && i < n; i++) {
		item_path(item, path, i);
		err = parse_vip(c, seq_item(c, node, i), item, cfg, i);
	}
	return err;
}

/* The top level */

static const struct key iface_keys[] = {
	{ FN("name", struct iface_config, name, parse_ifname), .required = true },
	{ FN("mode", struct iface_config, mode, parse_mode) },
};

static int parse_iface(struct ctx *c, yaml_node_t *node, const char *path,
		       struct iface_config *iface)
{
	struct kv kv[ARRAY_SIZE(iface_keys)];

	iface->mode = XDP_MODE_NATIVE;
	if (node->type == YAML_SCALAR_NODE)
		return parse_ifname(c, node, path, iface->name);
	if (node->type != YAML_MAPPING_NODE)
		return expected(c, node, path, "an interface name or a mapping");
	return parse_map(c, node, path, iface_keys, ARRAY_SIZE(kv), iface, kv);
}

static int parse_interfaces(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	struct config *cfg = field;
	char item[KEY_PATH_MAX];
	size_t i, j;
	int err;

	err = expect_list(c, node, path, CONFIG_MAX_IFACES, "interfaces");
	for (i = 0; !err && i < seq_len(node); i++) {
		item_path(item, path, i);
		err = parse_iface(c, seq_item(c, node, i), item, &cfg->ifaces[i]);
		for (j = 0; !err && j < i; j++)
			if (!strcmp(cfg->ifaces[j].name, cfg->ifaces[i].name))
				err = fail(c, seq_item(c, node, i), item,
					   "duplicate interface \"%s\" (interfaces[%zu])",
					   cfg->ifaces[i].name, j);
		cfg->n_ifaces = i + 1;
	}
	return err;
}

/* Whether rtnetlink protocol @p belongs to the kernel or a routing daemon
 * (linux/rtnetlink.h, FRR's zebra/rt_netlink.h), which would take xdpcast's
 * routes for its own: FRR sweeps routes of its numbers when it starts. */
static bool route_protocol_taken(uint64_t p)
{
	return p <= 4 || (p >= 8 && p <= 18) || p == 42 || p == 99 || (p >= 186 && p <= 198);
}

static int parse_route_protocol(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	const char *s = scalar(node);
	uint64_t v;

	if (s && parse_u64(s, &v) && v <= 255 && !route_protocol_taken(v)) {
		*(uint8_t *)field = (uint8_t)v;
		return 0;
	}
	return expected(c, node, path,
			"a protocol number 5..255 that neither the kernel nor a routing daemon "
			"uses (not 8-18, 42, 99 or 186-198)");
}

static const struct key route_keys[] = {
	{ FN("protocol", struct config, route_protocol, parse_route_protocol) },
	/* not 0: the kernel stores an IPv6 route's metric 0 as 1024 */
	{ UINT("metric", struct config, route_metric, 1, UINT32_MAX) },
	{ UINT("table", struct config, route_table, 1, UINT32_MAX) },
	{ MS("reconcile_interval", struct config, route_reconcile_ms, 100, HOUR_MS) },
};

static const struct key probe_routing_keys[] = {
	{ FN("protocol", struct config, probe_protocol, parse_route_protocol) },
	{ UINT("mark", struct config, probe_mark, 1, UINT32_MAX) },
	{ UINT("table", struct config, probe_table, 1, UINT32_MAX - XDPCAST_MAX_BACKENDS) },
	{ UINT("priority", struct config, probe_priority, 1,
	       MAIN_RULE_PRIORITY - PROBE_PRIORITIES) },
};

static const struct key stats_keys[] = {
	{ PATH("file", struct config, stats_file, 0) },
	{ MS("period", struct config, stats_period_ms, 100, HOUR_MS) },
};

static int parse_route(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	struct kv kv[ARRAY_SIZE(route_keys)];

	return parse_map(c, node, path, route_keys, ARRAY_SIZE(kv), field, kv);
}

/* The backends' tables (table .. table + MAX_BACKENDS - 1) must not take a
 * table of the kernel's or route.table; marks are base | id. */
static int parse_probe_routing(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	struct kv kv[ARRAY_SIZE(probe_routing_keys)];
	struct config *cfg = field;
	uint64_t first, last;
	char child[KEY_PATH_MAX];
	int err;

	err = parse_map(c, node, path, probe_routing_keys, ARRAY_SIZE(kv), field, kv);
	if (err)
		return err;
	if (cfg->probe_mark & (XDPCAST_MAX_BACKENDS - 1)) {
		child_path(child, path, "mark");
		return fail(c, kv[1].val, child,
			    "0x%x: the low %d bits must be zero (they carry the backend id)",
			    cfg->probe_mark, __builtin_ctz(XDPCAST_MAX_BACKENDS));
	}
	first = cfg->probe_table;
	last = first + XDPCAST_MAX_BACKENDS - 1;
	if (first <= 255 && last >= 253) {
		child_path(child, path, "table");
		return fail(c, kv[2].val, child,
			    "tables %" PRIu64 "..%" PRIu64
			    " would take the kernel's default, main or local table",
			    first, last);
	}
	/* the guard's goto would jump over the rule that VRFs need (l3mdev, 1000) */
	if (cfg->probe_priority <= L3MDEV_RULE_PRIORITY &&
	    cfg->probe_priority + PROBE_PRIORITIES - 1 >= L3MDEV_RULE_PRIORITY) {
		child_path(child, path, "priority");
		return fail(c, kv[3].val, child,
			    "%u..%u would take priority %u, the l3mdev rule of VRFs",
			    cfg->probe_priority, cfg->probe_priority + PROBE_PRIORITIES - 1,
			    L3MDEV_RULE_PRIORITY);
	}
	return 0;
}

static int parse_stats(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	struct kv kv[ARRAY_SIZE(stats_keys)];

	return parse_map(c, node, path, stats_keys, ARRAY_SIZE(kv), field, kv);
}

/* A group of this system, by name: its gid is what clients are matched with. */
static int parse_admin_group(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	struct config *cfg =
		(struct config *)((char *)field - offsetof(struct config, control_admin_group));
	const char *s = scalar(node);
	struct group *g = s && *s && strlen(s) < CONFIG_NAME_MAX ? getgrnam(s) : NULL;

	if (!g)
		return expected(c, node, path, "the name of a group of this system");
	snprintf(cfg->control_admin_group, sizeof(cfg->control_admin_group), "%s", s);
	cfg->control_admin_gid = g->gr_gid;
	return 0;
}

/* `seed:` given: it rules; absent, the state directory's (seed_file.h). */
static int parse_seed(struct ctx *c, yaml_node_t *node, const char *path, void *field)
{
	struct config *cfg = (struct config *)((char *)field - offsetof(struct config, seed));
	uint64_t v;
	int err = get_uint(c, node, path, 0, UINT32_MAX, &v);

	if (!err) {
		cfg->seed = (uint32_t)v;
		cfg->seed_set = true;
	}
	return err;
}

static const struct key top_keys[] = {
	{ .name = "interfaces", .kind = K_FN, .fn = parse_interfaces, .required = true },
	{ PATH("pin_dir", struct config, pin_dir, 0) },
	{ FN("seed", struct config, seed, parse_seed) },
	{ PATH("state_dir", struct config, state_dir, 0) },
	{ OBJ("route", parse_route) },
	{ OBJ("probe_routing", parse_probe_routing) },
	{ OBJ("stats", parse_stats) },
	{ PATH("control_socket", struct config, control_socket, SUN_PATH_LEN_MAX) },
	{ FN("control_admin_group", struct config, control_admin_group, parse_admin_group) },
	{ BOOL("keep_dataplane", struct config, keep_dataplane) },
	{ OBJ("vips", parse_vips) },
};

#define N_TOP_KEYS ARRAY_SIZE(top_keys)

static void set_defaults(struct config *cfg)
{
	strcpy(cfg->pin_dir, PIN_DIR_DEFAULT);
	strcpy(cfg->state_dir, STATE_DIR_DEFAULT);
	cfg->route_protocol = ROUTE_PROTOCOL_DEFAULT;
	cfg->route_metric = ROUTE_METRIC_DEFAULT;
	cfg->route_table = ROUTE_TABLE_DEFAULT;
	cfg->route_reconcile_ms = ROUTE_RECONCILE_DEFAULT_MS;
	cfg->probe_protocol = PROBE_PROTOCOL_DEFAULT;
	cfg->probe_mark = PROBE_MARK_DEFAULT;
	cfg->probe_table = PROBE_TABLE_DEFAULT;
	cfg->probe_priority = PROBE_PRIORITY_DEFAULT;
	cfg->stats_period_ms = STATS_PERIOD_DEFAULT_MS;
	strcpy(cfg->control_socket, CONTROL_SOCKET_DEFAULT);
}

/* Loading */

/* libyaml's own error: where and what. */
static int yaml_error(struct ctx *c, const yaml_parser_t *parser, const char *data, size_t len)
{
	yaml_mark_t mark = parser->problem_mark;
	size_t i;

	if (parser->error == YAML_MEMORY_ERROR)
		return out_of_memory(c);
	if (parser->error == YAML_READER_ERROR) {
		/* the reader gives a byte offset: count the lines up to it */
		memset(&mark, 0, sizeof(mark));
		for (i = 0; i < parser->problem_offset && i < len; i++) {
			mark.column = data[i] == '\n' ? 0 : mark.column + 1;
			mark.line += data[i] == '\n';
		}
	}
	if (parser->context)
		snprintf(c->err, CONFIG_ERROR_MAX, "%s:%zu:%zu: invalid YAML: %s (%s at line %zu)",
			 c->name, mark.line + 1, mark.column + 1, parser->problem, parser->context,
			 parser->context_mark.line + 1);
	else
		snprintf(c->err, CONFIG_ERROR_MAX, "%s:%zu:%zu: invalid YAML: %s", c->name,
			 mark.line + 1, mark.column + 1,
			 parser->problem ? parser->problem : "unknown error");
	return -EINVAL;
}

/* One document whose root is a mapping, parsed into @cfg. */
static int parse_document(struct ctx *c, yaml_parser_t *parser, const char *data, size_t len,
			  struct config *cfg)
{
	struct kv kv[N_TOP_KEYS];
	yaml_document_t extra;
	yaml_node_t *root;
	int err;

	root = yaml_document_get_root_node(c->doc);
	if (!root) {
		snprintf(c->err, CONFIG_ERROR_MAX, "%s:1:1: expected a mapping, got an empty file",
			 c->name);
		return -EINVAL;
	}
	if (!yaml_parser_load(parser, &extra))
		return yaml_error(c, parser, data, len);
	root = yaml_document_get_root_node(&extra);
	if (root) {
		err = fail(c, root, "", "expected a single YAML document, found another");
		yaml_document_delete(&extra);
		return err;
	}
	yaml_document_delete(&extra);
	root = yaml_document_get_root_node(c->doc);
	err = parse_map(c, root, "", top_keys, N_TOP_KEYS, cfg, kv);
	if (!err && cfg->probe_protocol == cfg->route_protocol)
		err = fail(c, root, "probe_routing.protocol",
			   "%u is route.protocol: the checks' routes need a protocol of their own",
			   cfg->probe_protocol);
	if (!err && cfg->route_table >= cfg->probe_table &&
	    cfg->route_table - cfg->probe_table < XDPCAST_MAX_BACKENDS)
		err = fail(c, root, "probe_routing.table",
			   "tables %u..%u hold the checks' routes, and route.table %u is one "
			   "of them",
			   cfg->probe_table, cfg->probe_table + XDPCAST_MAX_BACKENDS - 1,
			   cfg->route_table);
	return err;
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
static int check_anchors(struct ctx *c, const char *data, size_t len)
{
	size_t anchors = 0, aliases = 0;
	const char *what = NULL;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool end = false;

	if (!yaml_parser_initialize(&parser))
		return out_of_memory(c);
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	while (!what && !end && yaml_parser_parse(&parser, &ev)) {
		if (ev.type == YAML_ALIAS_EVENT && ++aliases > YAML_ANCHORS_MAX)
			what = "aliases";
		else if (event_anchor(&ev) && ++anchors > YAML_ANCHORS_MAX)
			what = "anchors";
		end = ev.type == YAML_STREAM_END_EVENT;
		if (what)
			snprintf(c->err, CONFIG_ERROR_MAX,
				 "%s:%zu:%zu: more than %d YAML %s (a configuration needs few)",
				 c->name, ev.start_mark.line + 1, ev.start_mark.column + 1,
				 YAML_ANCHORS_MAX, what);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return what ? -EINVAL : 0;
}

static int load_buffer(const char *name, const char *data, size_t len, struct config *cfg,
		       char *err)
{
	struct ctx c = { .name = name, .err = err };
	yaml_parser_t parser;
	yaml_document_t doc;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	err[0] = '\0';
	if (strlen(name) >= sizeof(cfg->path)) {
		snprintf(err, CONFIG_ERROR_MAX, "%.64s...: file name too long", name);
		return -ENAMETOOLONG;
	}
	if (len > CONFIG_FILE_MAX) {
		snprintf(err, CONFIG_ERROR_MAX, "%s: larger than %u bytes", name, CONFIG_FILE_MAX);
		return -EFBIG;
	}
	strcpy(cfg->path, name);
	set_defaults(cfg);
	ret = check_anchors(&c, data, len);
	if (ret) {
		config_free(cfg);
		return ret;
	}
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, CONFIG_ERROR_MAX, "%s: out of memory", name);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (yaml_parser_load(&parser, &doc)) {
		c.doc = &doc;
		ret = parse_document(&c, &parser, data, len, cfg);
		yaml_document_delete(&doc);
	} else {
		ret = yaml_error(&c, &parser, data, len);
	}
	yaml_parser_delete(&parser);
	if (ret)
		config_free(cfg);
	return ret;
}

int config_load_string(const char *name, const char *yaml, struct config *cfg,
		       char err[CONFIG_ERROR_MAX])
{
	return load_buffer(name, yaml, strlen(yaml), cfg, err);
}

int config_load_buffer(const char *name, const char *data, size_t len, struct config *cfg,
		       char err[CONFIG_ERROR_MAX])
{
	return load_buffer(name, data, len, cfg, err);
}

int config_load(const char *path, struct config *cfg, char err[CONFIG_ERROR_MAX])
{
	size_t len = 0, got;
	char *data;
	FILE *f;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, CONFIG_ERROR_MAX, "%s: %s", path, strerror(-ret));
		return ret;
	}
	/* one byte more than allowed, to see a file that is too large */
	data = malloc(CONFIG_FILE_MAX + 1);
	if (!data) {
		fclose(f);
		snprintf(err, CONFIG_ERROR_MAX, "%s: out of memory", path);
		return -ENOMEM;
	}
	while (len <= CONFIG_FILE_MAX && (got = fread(data + len, 1, CONFIG_FILE_MAX + 1 - len, f)))
		len += got;
	if (ferror(f)) {
		ret = errno ? -errno : -EIO;
		snprintf(err, CONFIG_ERROR_MAX, "%s: %s", path, strerror(-ret));
	} else {
		ret = load_buffer(path, data, len, cfg, err);
	}
	fclose(f);
	free(data);
	return ret;
}

void config_free(struct config *cfg)
{
	size_t i;

	for (i = 0; cfg->vips && i < cfg->n_vips; i++)
		free(cfg->vips[i].backends);
	free(cfg->vips);
	memset(cfg, 0, sizeof(*cfg));
}

const char *check_type_name(enum check_type type)
{
	return (unsigned int)type < ARRAY_SIZE(check_types) - 1 ? check_types[type] : "?";
}

bool check_config_equal(const struct check_config *x, const struct check_config *y)
{
	/* field by field: padding and the bytes past each string's end do not count */
	return x->type == y->type && x->target == y->target && x->interval_ms == y->interval_ms &&
	       x->timeout_ms == y->timeout_ms && x->jitter_ms == y->jitter_ms &&
	       x->rise == y->rise && x->fall == y->fall && x->initial_up == y->initial_up &&
	       x->port == y->port && x->dns_tcp == y->dns_tcp &&
	       !strcmp(x->dns_name, y->dns_name) && x->dns_type == y->dns_type &&
	       x->dns_rcodes == y->dns_rcodes && !strcmp(x->dns_expect, y->dns_expect) &&
	       !strcmp(x->http_path, y->http_path) && !strcmp(x->http_host, y->http_host) &&
	       x->n_http_statuses == y->n_http_statuses &&
	       !memcmp(x->http_statuses, y->http_statuses,
		       x->n_http_statuses * sizeof(x->http_statuses[0])) &&
	       !strcmp(x->http_body, y->http_body) && x->tls_verify == y->tls_verify;
}

const char *check_target_name(enum check_target target)
{
	return (unsigned int)target < ARRAY_SIZE(check_targets) - 1 ? check_targets[target] : "?";
}

uint16_t check_port(const struct check_config *check)
{
	if (check->port)
		return check->port;
	switch (check->type) {
	case CHECK_DNS:
		return 53;
	case CHECK_HTTP:
		return 80;
	case CHECK_HTTPS:
		return 443;
	default:
		return 0;
	}
}
