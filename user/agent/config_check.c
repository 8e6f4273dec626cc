/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The `check:` keys of VIPs and backends: their table and values, the
 * defaults that follow other keys (timeout and jitter follow the interval,
 * the port the VIP's), the keys a type does not use, and the names and
 * comparisons of checks that the rest of the agent uses.
 */
#include "config_check.h"

#include <ldns/ldns.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define LIST_MAX 64 /* items of the short lists (rcodes) */
#define TIMEOUT_DEFAULT_MS 500
#define RISE_FALL_MAX 1000

static const char *const check_types[] = { "icmp", "tcp", "dns", "http", "https", NULL };

static const char *const check_targets[] = { "vip", "backend", NULL };

static int parse_check_target(struct schema_doc *d, yaml_node_t *node, const char *path,
			      void *field)
{
	int i, err;

	err = schema_get_enum(d, node, path, check_targets, &i);
	if (!err)
		*(enum check_target *)field = (enum check_target)i;
	return err;
}

static int parse_check_type(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	int i, err;

	err = schema_get_enum(d, node, path, check_types, &i);
	if (!err)
		*(enum check_type *)field = (enum check_type)i;
	return err;
}

static int parse_initial(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	static const char *const names[] = { "down", "up", NULL };
	int i, err;

	err = schema_get_enum(d, node, path, names, &i);
	if (!err)
		*(bool *)field = i;
	return err;
}

static int parse_transport(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	static const char *const names[] = { "udp", "tcp", NULL };
	int i, err;

	err = schema_get_enum(d, node, path, names, &i);
	if (!err)
		*(bool *)field = i;
	return err;
}

static int parse_dns_name(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	const char *s = schema_scalar(node);
	ldns_rdf *dname;

	if (s && *s && strlen(s) < CONFIG_TEXT_MAX) {
		dname = ldns_dname_new_frm_str(s);
		if (dname) {
			ldns_rdf_deep_free(dname);
			strcpy(field, s);
			return 0;
		}
	}
	return schema_expected(d, node, path, "a DNS name");
}

static int parse_qtype(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	const char *s = schema_scalar(node);
	ldns_rr_type type = s ? ldns_get_rr_type_by_name(s) : 0;

	if (!type)
		return schema_expected(d, node, path, "a DNS record type (A, AAAA, SOA, TXT, ...)");
	*(uint16_t *)field = (uint16_t)type;
	return 0;
}

static int parse_rcodes(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	char item[SCHEMA_PATH_MAX];
	ldns_lookup_table *rcode;
	uint32_t mask = 0;
	const char *s;
	yaml_node_t *n;
	size_t i;
	int err;

	err = schema_expect_list(d, node, path, LIST_MAX, "rcode names");
	for (i = 0; !err && i < schema_seq_len(node); i++) {
		n = schema_seq_item(d, node, i);
		s = schema_scalar(n);
		rcode = s ? ldns_lookup_by_name(ldns_rcodes, s) : NULL;
		if (!rcode || rcode->id < 0 || rcode->id > 31) {
			schema_item_path(item, path, i);
			return schema_expected(
				d, n, item,
				"an rcode name (NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ...)");
		}
		mask |= 1u << rcode->id;
	}
	if (!err)
		*(uint32_t *)field = mask;
	return err;
}

static int parse_http_path(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	const char *s = schema_scalar(node);

	if (s && s[0] == '/' && strlen(s) < CONFIG_TEXT_MAX && !strpbrk(s, " \t\r\n")) {
		strcpy(field, s);
		return 0;
	}
	return schema_expected(d, node, path, "a URL path starting with \"/\", without spaces");
}

static int parse_statuses(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	struct check_config *check = field;
	char item[SCHEMA_PATH_MAX];
	uint64_t v;
	size_t i;
	int err;

	err = schema_expect_list(d, node, path, CONFIG_MAX_STATUSES, "HTTP statuses");
	for (i = 0; !err && i < schema_seq_len(node); i++) {
		schema_item_path(item, path, i);
		err = schema_get_uint(d, schema_seq_item(d, node, i), item, 100, 599, &v);
		if (!err)
			check->http_statuses[i] = (uint16_t)v;
	}
	if (!err)
		check->n_http_statuses = schema_seq_len(node);
	return err;
}

#define T(type) (1u << (type))
#define T_PORT (T(CHECK_TCP) | T(CHECK_DNS) | T(CHECK_HTTP) | T(CHECK_HTTPS))
#define T_DNS T(CHECK_DNS)
#define T_HTTP (T(CHECK_HTTP) | T(CHECK_HTTPS))
#define T_HTTPS T(CHECK_HTTPS)

#define CHECK struct check_config
static const struct schema_key check_keys[CK_N] = {
	[CK_TYPE] = { KEY_FN("type", CHECK, type, parse_check_type) },
	[CK_TARGET] = { KEY_FN("target", CHECK, target, parse_check_target) },
	[CK_INTERVAL] = { KEY_MS("interval", CHECK, interval_ms, 10, SCHEMA_HOUR_MS) },
	[CK_TIMEOUT] = { KEY_MS("timeout", CHECK, timeout_ms, 1, SCHEMA_HOUR_MS) },
	[CK_JITTER] = { KEY_MS("jitter", CHECK, jitter_ms, 0, SCHEMA_HOUR_MS) },
	[CK_RISE] = { KEY_UINT("rise", CHECK, rise, 1, RISE_FALL_MAX) },
	[CK_FALL] = { KEY_UINT("fall", CHECK, fall, 1, RISE_FALL_MAX) },
	[CK_INITIAL] = { KEY_FN("initial", CHECK, initial_up, parse_initial) },
	[CK_PORT] = { KEY_UINT("port", CHECK, port, 1, 65535) },
	[CK_NAME] = { KEY_FN("name", CHECK, dns_name, parse_dns_name) },
	[CK_QTYPE] = { KEY_FN("qtype", CHECK, dns_type, parse_qtype) },
	[CK_TRANSPORT] = { KEY_FN("transport", CHECK, dns_tcp, parse_transport) },
	[CK_RCODES] = { KEY_FN("rcodes", CHECK, dns_rcodes, parse_rcodes) },
	[CK_EXPECT] = { KEY_TEXT("expect", CHECK, dns_expect, 0) },
	[CK_PATH] = { KEY_FN("path", CHECK, http_path, parse_http_path) },
	[CK_HOST] = { KEY_TEXT("host", CHECK, http_host, 1) },
	[CK_STATUSES] = { KEY_OBJ("statuses", parse_statuses) },
	[CK_BODY] = { KEY_TEXT("body", CHECK, http_body, 0) },
	[CK_TLS_VERIFY] = { KEY_BOOL("tls_verify", CHECK, tls_verify) },
};
#undef CHECK

/* Bit per check type that uses a key; 0 = all types. */
static const unsigned int check_key_types[CK_N] = {
	[CK_PORT] = T_PORT,	[CK_NAME] = T_DNS,	   [CK_QTYPE] = T_DNS,
	[CK_TRANSPORT] = T_DNS, [CK_RCODES] = T_DNS,	   [CK_EXPECT] = T_DNS,
	[CK_PATH] = T_HTTP,	[CK_HOST] = T_HTTP,	   [CK_STATUSES] = T_HTTP,
	[CK_BODY] = T_HTTP,	[CK_TLS_VERIFY] = T_HTTPS,
};

const struct check_config check_defaults = {
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

int check_parse(struct schema_doc *d, struct check_site *site, struct check_state *st)
{
	size_t i;
	int err;

	err = schema_parse_map(d, site->node, site->path, check_keys, CK_N, &st->check, site->kv);
	for (i = 0; !err && i < CK_N; i++)
		if (site->kv[i].key)
			st->given |= 1u << i;
	return err;
}

yaml_node_t *check_site_at(struct check_site *site, enum check_key key, char *path)
{
	if (!site->kv[key].key) {
		schema_path(path, "%s", site->path);
		return site->node;
	}
	schema_child_path(path, site->path, check_keys[key].name);
	return site->kv[key].val;
}

int check_finish(struct schema_doc *d, const struct check_state *st, struct check_site *site,
		 uint16_t vip_port, struct check_config *out)
{
	char path[SCHEMA_PATH_MAX], a[24], b[24];
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
		if (site->kv[i].key && check_key_types[i] && !(check_key_types[i] & T(out->type))) {
			schema_child_path(path, site->path, check_keys[i].name);
			return schema_fail(d, site->kv[i].key, path, "not used by %s checks",
					   check_type_name(out->type));
		}
	}
	if (out->timeout_ms > out->interval_ms || out->jitter_ms > out->interval_ms) {
		at = out->timeout_ms > out->interval_ms ? CK_TIMEOUT : CK_JITTER;
		node = check_site_at(site, site->kv[at].key ? at : CK_INTERVAL, path);
		return schema_fail(
			d, node, path, "%s %s exceeds the interval %s", check_keys[at].name,
			schema_fmt_ms(at == CK_TIMEOUT ? out->timeout_ms : out->jitter_ms, a,
				      sizeof(a)),
			schema_fmt_ms(out->interval_ms, b, sizeof(b)));
	}
	if (out->type == CHECK_DNS && !out->dns_name[0])
		return schema_fail(d, site->node, site->path,
				   "missing key \"name\": a dns check needs the name to query");
	/* the service as clients reach it: the VIP's port, when it has one */
	if (out->target == CHECK_TARGET_VIP && !out->port && vip_port && (T(out->type) & T_PORT))
		out->port = vip_port;
	if (out->type == CHECK_TCP && !out->port) {
		if (!vip_port) {
			node = check_site_at(site, CK_TYPE, path);
			return schema_fail(d, node, path,
					   "a tcp check needs a port (the VIP has none)");
		}
		out->port = vip_port;
	}
	return 0;
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
