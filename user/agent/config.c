/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xdpcastd's configuration schema: the keys of docs/configuration.md, their
 * defaults and the checks of the parts against each other (duplicates,
 * limits, routing numbers that must not collide). yaml_schema.c does the
 * YAML: each mapping is checked against the table of its keys, and each
 * value converted, range-checked and stored. The `check:` keys are in
 * config_check.c. The first error ends the parse.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include <xdpcast/abi.h>

#include "control_proto.h"
#include "addr.h"
#include "config_check.h"
#include "maglev.h"
#include "yaml_schema.h"

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
#define IFNAME_LEN_MAX 15 /* IFNAMSIZ - 1 */
#define SUN_PATH_LEN_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Values */

static int parse_addr(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	struct addr_config *a = field;
	const char *s = schema_scalar(node);
	struct in_addr v4;

	memset(a, 0, sizeof(*a));
	if (!s || !addr_parse(&a->ip, s))
		return schema_expected(d, node, path, "a unicast IPv4 or IPv6 address");
	v4 = addr_v4(&a->addr);
	if (a->family == AF_INET
		    ? v4.s_addr == htonl(INADDR_ANY) || v4.s_addr == htonl(INADDR_BROADCAST) ||
			      IN_MULTICAST(ntohl(v4.s_addr))
		    : IN6_IS_ADDR_UNSPECIFIED(&a->addr) || IN6_IS_ADDR_MULTICAST(&a->addr))
		return schema_expected(d, node, path, "a unicast IPv4 or IPv6 address");
	/* routes and probes would need an interface, which the file cannot name */
	if (a->family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&a->addr))
		return schema_expected(d, node, path,
				       "a global or unique-local address (not link-local)");
	addr_format(&a->ip, a->text, sizeof(a->text));
	return 0;
}

static int parse_ifname(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	const char *s = schema_scalar(node);

	if (s && *s && strlen(s) <= IFNAME_LEN_MAX && !strpbrk(s, "/: \t\n") && strcmp(s, ".") &&
	    strcmp(s, "..")) {
		strcpy(field, s);
		return 0;
	}
	return schema_expected(d, node, path,
			       "an interface name (1..15 characters, no '/', ':' or spaces)");
}

static int parse_mode(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	static const char *const names[] = { "native", "generic", NULL };
	int i, err;

	err = schema_get_enum(d, node, path, names, &i);
	if (!err)
		*(enum iface_mode *)field = i ? IFACE_MODE_GENERIC : IFACE_MODE_NATIVE;
	return err;
}

static int parse_protocol(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	static const char *const names[] = { "any", "tcp", "udp", NULL };
	static const uint8_t protos[] = { 0, IPPROTO_TCP, IPPROTO_UDP };
	int i, err;

	err = schema_get_enum(d, node, path, names, &i);
	if (!err)
		*(uint8_t *)field = protos[i];
	return err;
}

static int parse_table_size(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	const char *s = schema_scalar(node);
	char what[64];
	uint64_t v;

	if (s && schema_parse_u64(s, &v) && v <= XDPCAST_TABLE_SIZE_MAX &&
	    maglev_is_prime((uint32_t)v)) {
		*(uint32_t *)field = (uint32_t)v;
		return 0;
	}
	snprintf(what, sizeof(what), "a prime 2..%d", XDPCAST_TABLE_SIZE_MAX);
	return schema_expected(d, node, path, what);
}

static const struct schema_key flow_table_keys[] = {
	{ KEY_BOOL("enabled", struct vip_config, flow_table) },
	{ KEY_UINT("size", struct vip_config, flow_table_size, 1, FLOW_TABLE_SIZE_MAX) },
};

/* `flow_table: true|false` or a mapping (enabled unless it says `enabled: false`). */
static int parse_flow_table(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	struct schema_kv kv[ARRAY_SIZE(flow_table_keys)];
	struct vip_config *vip = field;

	if (node->type == YAML_MAPPING_NODE) {
		vip->flow_table = true;
		return schema_parse_map(d, node, path, flow_table_keys, ARRAY_SIZE(kv), vip, kv);
	}
	if (schema_parse_bool(schema_scalar(node), &vip->flow_table))
		return 0;
	return schema_expected(d, node, path, "true, false or a mapping");
}

/* VIPs and backends */

enum backend_key { BK_NAME, BK_ADDRESS, BK_WEIGHT, BK_CHECK, BK_N };

static const struct schema_key backend_keys[BK_N] = {
	[BK_NAME] = { KEY_TEXT("name", struct backend_config, name, 1) },
	[BK_ADDRESS] = { KEY_FN("address", struct backend_config, addr, parse_addr),
			 .required = true },
	[BK_WEIGHT] = { KEY_UINT("weight", struct backend_config, weight, 0, XDPCAST_WEIGHT_MAX) },
	[BK_CHECK] = { KEY_LATER("check") },
};

/* Names and addresses are unique within a VIP. */
static int check_backend_unique(struct schema_doc *d, const struct vip_config *vip, size_t idx,
				yaml_node_t *node, const char *path, const struct schema_kv *kv)
{
	const struct backend_config *b = &vip->backends[idx], *o;
	char where[SCHEMA_PATH_MAX];
	size_t i;

	for (i = 0, o = vip->backends; i < idx; i++, o++) {
		if (addr_equal(&o->addr.ip, &b->addr.ip)) {
			schema_child_path(where, path, "address");
			return schema_fail(d, kv[BK_ADDRESS].val, where,
					   "duplicate backend address %s (backends[%zu], line %u)",
					   b->addr.text, i, o->line);
		}
		if (!strcmp(o->name, b->name)) {
			if (kv[BK_NAME].val)
				schema_child_path(where, path, "name");
			else
				schema_path(where, "%s", path);
			return schema_fail(d, kv[BK_NAME].val ? kv[BK_NAME].val : node, where,
					   "duplicate backend name \"%s\" (backends[%zu], line %u)",
					   b->name, i, o->line);
		}
	}
	return 0;
}

static int parse_backend(struct schema_doc *d, yaml_node_t *node, const char *path,
			 struct vip_config *vip, size_t idx, const struct check_state *vip_check)
{
	struct backend_config *b = &vip->backends[idx];
	struct check_state st = *vip_check;
	struct check_site site = { .node = node };
	struct schema_kv kv[BK_N];
	int err;

	b->weight = 1;
	b->line = (unsigned int)node->start_mark.line + 1;
	err = schema_parse_map(d, node, path, backend_keys, BK_N, b, kv);
	if (err)
		return err;
	if (!b->name[0])
		strcpy(b->name, b->addr.text);
	err = check_backend_unique(d, vip, idx, node, path, kv);
	if (err)
		return err;
	schema_path(site.path, "%s", path);
	if (kv[BK_CHECK].val) {
		site.node = kv[BK_CHECK].val;
		schema_child_path(site.path, path, "check");
		err = check_parse(d, &site, &st);
	}
	err = err ? err : check_finish(d, &st, &site, vip->port, &b->check);
	if (!err && b->check.target == CHECK_TARGET_VIP && vip->addr.family == AF_INET6 &&
	    b->addr.family == AF_INET) {
		char where[SCHEMA_PATH_MAX];
		yaml_node_t *at = check_site_at(&site, CK_TARGET, where);

		err = schema_fail(
			d, at, where,
			"the IPv6 VIP cannot be checked through the IPv4 backend %s (no IPv6 "
			"route has an IPv4 next hop): set check.target: backend",
			b->addr.text);
	}
	return err;
}

/* @earlier: the backends of the VIPs before this one, which count against the limit */
static int parse_backends(struct schema_doc *d, yaml_node_t *node, const char *path,
			  struct vip_config *vip, size_t earlier,
			  const struct check_state *vip_check)
{
	char item[SCHEMA_PATH_MAX];
	size_t i, n;
	int err;

	if (node->type != YAML_SEQUENCE_NODE || !schema_seq_len(node))
		return schema_expected(d, node, path, "a list of backends");
	n = schema_seq_len(node);
	if (earlier + n > XDPCAST_MAX_BACKENDS) {
		i = XDPCAST_MAX_BACKENDS - earlier;
		schema_item_path(item, path, i);
		return schema_fail(d, schema_seq_item(d, node, i), item,
				   "too many backends: at most %d over all VIPs",
				   XDPCAST_MAX_BACKENDS);
	}
	vip->backends = calloc(n, sizeof(*vip->backends));
	if (!vip->backends)
		return schema_out_of_memory(d);
	vip->n_backends = n;
	for (i = 0, err = 0; !err && i < n; i++) {
		schema_item_path(item, path, i);
		err = parse_backend(d, schema_seq_item(d, node, i), item, vip, i, vip_check);
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

static const struct schema_key vip_keys[VK_N] = {
	[VK_NAME] = { KEY_TEXT("name", struct vip_config, name, 1) },
	[VK_ADDRESS] = { KEY_FN("address", struct vip_config, addr, parse_addr), .required = true },
	[VK_PROTOCOL] = { KEY_FN("protocol", struct vip_config, proto, parse_protocol) },
	[VK_PORT] = { KEY_UINT("port", struct vip_config, port, 1, 65535) },
	[VK_TABLE_SIZE] = { KEY_FN("table_size", struct vip_config, table_size, parse_table_size) },
	[VK_FLOW_TABLE] = { KEY_OBJ("flow_table", parse_flow_table) },
	[VK_MIN_HEALTHY] = { KEY_UINT("min_healthy", struct vip_config, min_healthy, 0,
				      XDPCAST_MAX_BACKENDS) },
	[VK_CHECK] = { KEY_LATER("check") },
	[VK_BACKENDS] = { KEY_LATER("backends"), .required = true },
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
static int check_vip_unique(struct schema_doc *d, const struct config *cfg, size_t idx,
			    yaml_node_t *node, const char *path)
{
	const struct vip_config *v = &cfg->vips[idx], *o;
	char port[16] = "";
	size_t i;

	for (i = 0, o = cfg->vips; i < idx; i++, o++) {
		if (!addr_equal(&o->addr.ip, &v->addr.ip) || o->proto != v->proto ||
		    o->port != v->port)
			continue;
		if (v->port)
			snprintf(port, sizeof(port), " port %u", v->port);
		return schema_fail(d, node, path, "duplicate VIP %s%s%s%s (vips[%zu], line %u)",
				   v->addr.text, v->proto ? " " : "",
				   v->proto ? vip_proto_name(v->proto) : "", port, i, o->line);
	}
	/* names name VIPs in logs, metrics and xdpcastctl: one each */
	for (i = 0, o = cfg->vips; i < idx; i++, o++)
		if (!strcmp(o->name, v->name))
			return schema_fail(d, node, path,
					   "duplicate VIP name \"%s\" (vips[%zu], line %u)",
					   v->name, i, o->line);
	return 0;
}

static int parse_vip(struct schema_doc *d, yaml_node_t *node, const char *path, struct config *cfg,
		     size_t idx)
{
	struct check_state st = { .check = check_defaults };
	struct vip_config *vip = &cfg->vips[idx];
	struct check_site site = { .node = node };
	char child[SCHEMA_PATH_MAX];
	struct schema_kv kv[VK_N];
	size_t earlier = 0, i;
	int err;

	vip->table_size = XDPCAST_TABLE_SIZE_DEFAULT;
	vip->flow_table_size = FLOW_TABLE_SIZE_DEFAULT;
	vip->min_healthy = 1;
	vip->line = (unsigned int)node->start_mark.line + 1;
	err = schema_parse_map(d, node, path, vip_keys, VK_N, vip, kv);
	if (err)
		return err;
	if (vip->port && !vip->proto) {
		schema_child_path(child, path, "port");
		return schema_fail(d, kv[VK_PORT].val, child,
				   "a port needs a protocol (tcp or udp)");
	}
	if (!vip->name[0])
		default_vip_name(vip);
	err = check_vip_unique(d, cfg, idx, node, path);
	if (err)
		return err;

	schema_path(site.path, "%s", path);
	if (kv[VK_CHECK].val) {
		site.node = kv[VK_CHECK].val;
		schema_child_path(site.path, path, "check");
		err = check_parse(d, &site, &st);
	}
	err = err ? err : check_finish(d, &st, &site, vip->port, &vip->check);
	if (err)
		return err;

	schema_child_path(child, path, "backends");
	for (i = 0; i < idx; i++)
		earlier += cfg->vips[i].n_backends;
	err = parse_backends(d, kv[VK_BACKENDS].val, child, vip, earlier, &st);
	if (err)
		return err;
	if (vip->min_healthy > vip->n_backends) {
		schema_child_path(child, path, "min_healthy");
		return schema_fail(d, kv[VK_MIN_HEALTHY].val, child,
				   "%u exceeds the number of backends (%zu)", vip->min_healthy,
				   vip->n_backends);
	}
	return 0;
}

static int parse_vips(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	struct config *cfg = field;
	char item[SCHEMA_PATH_MAX];
	size_t i, n;
	int err;

	if (node->type != YAML_SEQUENCE_NODE)
		return schema_expected(d, node, path, "a list of VIPs");
	n = schema_seq_len(node);
	if (n > XDPCAST_MAX_VIPS) {
		schema_item_path(item, path, XDPCAST_MAX_VIPS);
		return schema_fail(d, schema_seq_item(d, node, XDPCAST_MAX_VIPS), item,
				   "too many VIPs: at most %d", XDPCAST_MAX_VIPS);
	}
	if (!n)
		return 0;
	cfg->vips = calloc(n, sizeof(*cfg->vips));
	if (!cfg->vips)
		return schema_out_of_memory(d);
	cfg->n_vips = n;
	for (i = 0, err = 0; !err && i < n; i++) {
		schema_item_path(item, path, i);
		err = parse_vip(d, schema_seq_item(d, node, i), item, cfg, i);
	}
	return err;
}

/* The top level */

static const struct schema_key iface_keys[] = {
	{ KEY_FN("name", struct iface_config, name, parse_ifname), .required = true },
	{ KEY_FN("mode", struct iface_config, mode, parse_mode) },
};

static int parse_iface(struct schema_doc *d, yaml_node_t *node, const char *path,
		       struct iface_config *iface)
{
	struct schema_kv kv[ARRAY_SIZE(iface_keys)];

	iface->mode = IFACE_MODE_NATIVE;
	if (node->type == YAML_SCALAR_NODE)
		return parse_ifname(d, node, path, iface->name);
	if (node->type != YAML_MAPPING_NODE)
		return schema_expected(d, node, path, "an interface name or a mapping");
	return schema_parse_map(d, node, path, iface_keys, ARRAY_SIZE(kv), iface, kv);
}

static int parse_interfaces(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	struct config *cfg = field;
	char item[SCHEMA_PATH_MAX];
	size_t i, j;
	int err;

	err = schema_expect_list(d, node, path, CONFIG_MAX_IFACES, "interfaces");
	for (i = 0; !err && i < schema_seq_len(node); i++) {
		schema_item_path(item, path, i);
		err = parse_iface(d, schema_seq_item(d, node, i), item, &cfg->ifaces[i]);
		for (j = 0; !err && j < i; j++)
			if (!strcmp(cfg->ifaces[j].name, cfg->ifaces[i].name))
				err = schema_fail(d, schema_seq_item(d, node, i), item,
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

static int parse_route_protocol(struct schema_doc *d, yaml_node_t *node, const char *path,
				void *field)
{
	const char *s = schema_scalar(node);
	uint64_t v;

	if (s && schema_parse_u64(s, &v) && v <= 255 && !route_protocol_taken(v)) {
		*(uint8_t *)field = (uint8_t)v;
		return 0;
	}
	return schema_expected(
		d, node, path,
		"a protocol number 5..255 that neither the kernel nor a routing daemon "
		"uses (not 8-18, 42, 99 or 186-198)");
}

static const struct schema_key route_keys[] = {
	{ KEY_FN("protocol", struct config, route_protocol, parse_route_protocol) },
	/* not 0: the kernel stores an IPv6 route's metric 0 as 1024 */
	{ KEY_UINT("metric", struct config, route_metric, 1, UINT32_MAX) },
	{ KEY_UINT("table", struct config, route_table, 1, UINT32_MAX) },
	{ KEY_MS("reconcile_interval", struct config, route_reconcile_ms, 100, SCHEMA_HOUR_MS) },
};

static const struct schema_key probe_routing_keys[] = {
	{ KEY_FN("protocol", struct config, probe_protocol, parse_route_protocol) },
	{ KEY_UINT("mark", struct config, probe_mark, 1, UINT32_MAX) },
	{ KEY_UINT("table", struct config, probe_table, 1, UINT32_MAX - XDPCAST_MAX_BACKENDS) },
	{ KEY_UINT("priority", struct config, probe_priority, 1,
		   MAIN_RULE_PRIORITY - PROBE_PRIORITIES) },
};

static const struct schema_key stats_keys[] = {
	{ KEY_PATH("file", struct config, stats_file, 0) },
	{ KEY_MS("period", struct config, stats_period_ms, 100, SCHEMA_HOUR_MS) },
};

static int parse_route(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	struct schema_kv kv[ARRAY_SIZE(route_keys)];

	return schema_parse_map(d, node, path, route_keys, ARRAY_SIZE(kv), field, kv);
}

/* The backends' tables (table .. table + MAX_BACKENDS - 1) must not take a
 * table of the kernel's or route.table; marks are base | id. */
static int parse_probe_routing(struct schema_doc *d, yaml_node_t *node, const char *path,
			       void *field)
{
	struct schema_kv kv[ARRAY_SIZE(probe_routing_keys)];
	struct config *cfg = field;
	uint64_t first, last;
	char child[SCHEMA_PATH_MAX];
	int err;

	err = schema_parse_map(d, node, path, probe_routing_keys, ARRAY_SIZE(kv), field, kv);
	if (err)
		return err;
	if (cfg->probe_mark & (XDPCAST_MAX_BACKENDS - 1)) {
		schema_child_path(child, path, "mark");
		return schema_fail(d, kv[1].val, child,
				   "0x%x: the low %d bits must be zero (they carry the backend id)",
				   cfg->probe_mark, __builtin_ctz(XDPCAST_MAX_BACKENDS));
	}
	first = cfg->probe_table;
	last = first + XDPCAST_MAX_BACKENDS - 1;
	if (first <= 255 && last >= 253) {
		schema_child_path(child, path, "table");
		return schema_fail(d, kv[2].val, child,
				   "tables %" PRIu64 "..%" PRIu64
				   " would take the kernel's default, main or local table",
				   first, last);
	}
	/* the guard's goto would jump over the rule that VRFs need (l3mdev, 1000) */
	if (cfg->probe_priority <= L3MDEV_RULE_PRIORITY &&
	    cfg->probe_priority + PROBE_PRIORITIES - 1 >= L3MDEV_RULE_PRIORITY) {
		schema_child_path(child, path, "priority");
		return schema_fail(d, kv[3].val, child,
				   "%u..%u would take priority %u, the l3mdev rule of VRFs",
				   cfg->probe_priority, cfg->probe_priority + PROBE_PRIORITIES - 1,
				   L3MDEV_RULE_PRIORITY);
	}
	return 0;
}

static int parse_stats(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	struct schema_kv kv[ARRAY_SIZE(stats_keys)];

	return schema_parse_map(d, node, path, stats_keys, ARRAY_SIZE(kv), field, kv);
}

/* A group of this system, by name: its gid is what clients are matched with. */
static int parse_admin_group(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	struct config *cfg =
		(struct config *)((char *)field - offsetof(struct config, control_admin_group));
	const char *s = schema_scalar(node);
	struct group *g = s && *s && strlen(s) < CONFIG_NAME_MAX ? getgrnam(s) : NULL;

	if (!g)
		return schema_expected(d, node, path, "the name of a group of this system");
	snprintf(cfg->control_admin_group, sizeof(cfg->control_admin_group), "%s", s);
	cfg->control_admin_gid = g->gr_gid;
	return 0;
}

/* `seed:` given: it rules; absent, the state directory's (seed_file.h). */
static int parse_seed(struct schema_doc *d, yaml_node_t *node, const char *path, void *field)
{
	struct config *cfg = (struct config *)((char *)field - offsetof(struct config, seed));
	uint64_t v;
	int err = schema_get_uint(d, node, path, 0, UINT32_MAX, &v);

	if (!err) {
		cfg->seed = (uint32_t)v;
		cfg->seed_set = true;
	}
	return err;
}

static const struct schema_key top_keys[] = {
	{ .name = "interfaces", .kind = SCHEMA_FN, .fn = parse_interfaces, .required = true },
	{ KEY_PATH("pin_dir", struct config, pin_dir, 0) },
	{ KEY_FN("seed", struct config, seed, parse_seed) },
	{ KEY_PATH("state_dir", struct config, state_dir, 0) },
	{ KEY_OBJ("route", parse_route) },
	{ KEY_OBJ("probe_routing", parse_probe_routing) },
	{ KEY_OBJ("stats", parse_stats) },
	{ KEY_PATH("control_socket", struct config, control_socket, SUN_PATH_LEN_MAX) },
	{ KEY_FN("control_admin_group", struct config, control_admin_group, parse_admin_group) },
	{ KEY_BOOL("keep_dataplane", struct config, keep_dataplane) },
	{ KEY_OBJ("vips", parse_vips) },
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

/* The root mapping into @obj (a struct config), then the keys checked against each other. */
static int parse_root(struct schema_doc *d, yaml_node_t *root, void *obj)
{
	struct schema_kv kv[N_TOP_KEYS];
	struct config *cfg = obj;
	int err;

	err = schema_parse_map(d, root, "", top_keys, N_TOP_KEYS, cfg, kv);
	if (!err && cfg->probe_protocol == cfg->route_protocol)
		err = schema_fail(d, root, "probe_routing.protocol",
				  "%u is route.protocol: the checks' routes need a protocol of "
				  "their own",
				  cfg->probe_protocol);
	if (!err && cfg->route_table >= cfg->probe_table &&
	    cfg->route_table - cfg->probe_table < XDPCAST_MAX_BACKENDS)
		err = schema_fail(d, root, "probe_routing.table",
				  "tables %u..%u hold the checks' routes, and route.table %u is "
				  "one of them",
				  cfg->probe_table, cfg->probe_table + XDPCAST_MAX_BACKENDS - 1,
				  cfg->route_table);
	return err;
}

static int load_buffer(const char *name, const char *data, size_t len, struct config *cfg,
		       char *err)
{
	struct schema_doc d = { .name = name, .err = err, .err_size = CONFIG_ERROR_MAX };
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	err[0] = '\0';
	if (strlen(name) >= sizeof(cfg->path)) {
		snprintf(err, CONFIG_ERROR_MAX, "%.64s...: file name too long", name);
		return -ENAMETOOLONG;
	}
	strcpy(cfg->path, name);
	set_defaults(cfg);
	ret = schema_load(&d, data, len, parse_root, cfg);
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
	size_t len;
	char *data;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	ret = schema_read_file(path, &data, &len, err, CONFIG_ERROR_MAX);
	if (ret)
		return ret;
	ret = load_buffer(path, data, len, cfg, err);
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
