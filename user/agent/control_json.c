// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The replies of the control socket's read commands (status, vips, backends,
 * stats) as JSON, from the agent's state and the dataplane's counters. Keys
 * come in a fixed order; docs/xdpcastctl.md gives the schema of each reply.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xdp/libxdp.h>

#include "addr.h"
#include "agent.h"
#include "routes.h"
#include "control_cmd.h"
#include "loader.h"
#include "version.h"

#define add(obj, key, val) json_object_object_add(obj, key, val)

static struct json_object *new_u64(uint64_t n)
{
	return json_object_new_uint64(n);
}

/* @text, or null when it is empty. */
static struct json_object *new_text(const char *text)
{
	return text && text[0] ? json_object_new_string(text) : NULL;
}

static struct json_object *new_ms(double ms)
{
	char text[32];

	snprintf(text, sizeof(text), "%.3f", ms);
	return json_object_new_double_s(ms, text);
}

/* Unix time in seconds, to the millisecond. */
static struct json_object *new_time(double t)
{
	char text[32];

	snprintf(text, sizeof(text), "%.3f", t);
	return json_object_new_double_s(t, text);
}

/* RFC 3339, UTC, to the second: "2026-12-05T06:10:24Z". */
static struct json_object *new_rfc3339(double t)
{
	time_t secs = (time_t)t;
	struct tm tm;
	char text[32];

	if (!gmtime_r(&secs, &tm) || !strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return NULL;
	return json_object_new_string(text);
}

static struct json_object *new_mac(const uint8_t mac[6])
{
	static const uint8_t zero[6];
	char text[18];

	if (!memcmp(mac, zero, sizeof(zero)))
		return NULL;
	snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
	return json_object_new_string(text);
}

/* An address as text (IPv4-mapped ones as IPv4), or null for ::. */
static struct json_object *new_addr(const struct in6_addr *addr)
{
	char text[ADDR_TEXT_SIZE];
	struct addr a = { .family = addr_family_of(addr), .addr = *addr };

	if (IN6_IS_ADDR_UNSPECIFIED(addr))
		return NULL;
	return json_object_new_string(addr_format(&a, text, sizeof(text)));
}

static struct json_object *new_ifname(int ifindex)
{
	char name[IF_NAMESIZE];

	return ifindex > 0 && if_indextoname(ifindex, name) ? json_object_new_string(name) : NULL;
}

/* How xdpcast is attached to @ifindex: "native", "generic", "offload"; NULL: it is not. */
static const char *xdp_mode_name(int ifindex)
{
	enum xdp_attach_mode mode;

	/* not libxdp's xdp_multiprog__get_from_ifindex(): it leaks a fd per call (1.3.1) */
	if (ifindex <= 0 || xdpcast_attached_mode(ifindex, &mode))
		return NULL;
	return mode == XDP_MODE_NATIVE ? "native"
	       : mode == XDP_MODE_SKB  ? "generic"
	       : mode == XDP_MODE_HW   ? "offload"
				       : "unknown";
}

static uint32_t count_up(const struct vip *v)
{
	uint32_t n = 0;

	for (size_t i = 0; i < v->n_backends; i++)
		n += v->backends[i]->health.up;
	return n;
}

void control_status(const struct control_env *env, struct json_object *reply)
{
	struct agent *a = env->agent;
	struct json_object *ifaces = json_object_new_array();
	size_t n_backends = 0, n_up = 0, n_usable = 0;

	for (size_t i = 0; i < a->cfg.n_ifaces; i++) {
		struct json_object *o = json_object_new_object();
		int ifindex = (int)if_nametoindex(a->cfg.ifaces[i].name);
		const char *mode = xdp_mode_name(ifindex);

		add(o, "name", json_object_new_string(a->cfg.ifaces[i].name));
		add(o, "ifindex", ifindex > 0 ? json_object_new_int(ifindex) : NULL);
		add(o, "attached", json_object_new_boolean(mode != NULL));
		add(o, "xdp_mode", mode ? json_object_new_string(mode) : NULL);
		json_object_array_add(ifaces, o);
	}
	for (size_t i = 0; i < a->n_vips; i++) {
		n_usable += a->vips[i]->usable;
		n_backends += a->vips[i]->n_backends;
		n_up += count_up(a->vips[i]);
	}
	add(reply, "version", json_object_new_string(xdpcast_version()));
	add(reply, "pid", json_object_new_int((int)getpid()));
	add(reply, "uptime_s", new_u64((uint64_t)(ev_time() - env->started)));
	add(reply, "config", json_object_new_string(a->cfg.path));
	add(reply, "pin_dir", json_object_new_string(a->cfg.pin_dir));
	add(reply, "control_socket", json_object_new_string(env->ctl ? env->ctl->path : ""));
	add(reply, "seed", new_u64(a->cfg.seed));
	add(reply, "seed_source", json_object_new_string(seed_source_name(a->seed_source)));
	add(reply, "state_dir", json_object_new_string(a->cfg.state_dir));
	add(reply, "interfaces", ifaces);
	add(reply, "vips", new_u64(a->n_vips));
	add(reply, "vips_in_service", new_u64(n_usable));
	add(reply, "backends", new_u64(n_backends));
	add(reply, "backends_up", new_u64(n_up));
}

/* What names a VIP in every reply: name, address, protocol, port, id. */
static void add_vip_key(struct json_object *o, const struct vip *v)
{
	add(o, "name", json_object_new_string(v->cfg.name));
	add(o, "address", json_object_new_string(v->cfg.addr.text));
	add(o, "protocol", json_object_new_string(vip_proto_name(v->cfg.proto)));
	add(o, "port", json_object_new_int(v->cfg.port));
	add(o, "id", new_u64(v->id));
}

void control_vips(struct agent *a, struct json_object *reply)
{
	struct json_object *list = json_object_new_array();

	for (size_t i = 0; i < a->n_vips; i++) {
		const struct vip *v = a->vips[i];
		struct json_object *o = json_object_new_object();

		add_vip_key(o, v);
		add(o, "in_service", json_object_new_boolean(v->usable));
		add(o, "route_announced",
		    json_object_new_boolean(routes_announced(a->routes, &v->cfg.addr)));
		add(o, "route_error",
		    routes_error(a->routes, &v->cfg.addr)
			    ? json_object_new_string(routes_error(a->routes, &v->cfg.addr))
			    : NULL);
		add(o, "backends_up", new_u64(count_up(v)));
		add(o, "backends_in_table", new_u64(vip_backends_in_table(v)));
		add(o, "backends_total", new_u64(v->n_backends));
		add(o, "min_healthy", new_u64(v->cfg.min_healthy));
		add(o, "table_size", new_u64(v->cfg.table_size));
		add(o, "flow_table_size", new_u64(v->cfg.flow_table ? v->cfg.flow_table_size : 0));
		json_object_array_add(list, o);
	}
	add(reply, "vips", list);
}

static struct json_object *nexthop_json(const struct nexthop *nh)
{
	struct json_object *o = json_object_new_object();

	add(o, "ifindex", json_object_new_int(nh->ifindex));
	add(o, "ifname", new_ifname(nh->ifindex));
	add(o, "state", json_object_new_string(nexthop_state_name(nh->state)));
	add(o, "gateway", new_addr(&nh->gateway));
	add(o, "src_mac", new_mac(nh->src_mac));
	add(o, "dst_mac", new_mac(nh->dst_mac));
	return o;
}

static struct json_object *backend_json(const struct backend *b)
{
	struct json_object *o = json_object_new_object();
	struct json_object *last = NULL;
	double now = ev_time();

	if (b->probes) {
		last = json_object_new_object();
		add(last, "ok", json_object_new_boolean(b->last.ok));
		add(last, "result", json_object_new_string(probe_outcome_name(b->last.outcome)));
		add(last, "reason", new_text(b->last.reason));
		add(last, "latency_ms", new_ms(b->last.latency_ms));
		add(last, "at", new_time(b->last.at));
		add(last, "in_row", new_u64(b->in_row));
	}
	add(o, "vip", json_object_new_string(b->vip->cfg.name));
	add(o, "name", json_object_new_string(b->cfg.name));
	add(o, "address", json_object_new_string(b->cfg.addr.text));
	add(o, "id", new_u64(b->id));
	add(o, "state", json_object_new_string(backend_state_name(b)));
	/* how long it has said so: when, and seconds by the agent's clock */
	add(o, "since", new_rfc3339(b->state_since));
	add(o, "in_state_s", new_u64(now > b->state_since ? (uint64_t)(now - b->state_since) : 0));
	add(o, "up", json_object_new_boolean(b->health.up));
	add(o, "in_table", json_object_new_boolean(backend_in_table(b)));
	add(o, "weight", new_u64(backend_weight(b)));
	add(o, "configured_weight", new_u64(b->cfg.weight));
	add(o, "operator_weight",
	    b->admin_weight < 0 ? NULL : json_object_new_int(b->admin_weight));
	add(o, "check", json_object_new_string(check_type_name(b->cfg.check.type)));
	add(o, "check_target", json_object_new_string(check_target_name(b->cfg.check.target)));
	add(o, "check_address",
	    json_object_new_string(b->cfg.check.target == CHECK_TARGET_VIP ? b->vip->cfg.addr.text
									   : b->cfg.addr.text));
	add(o, "check_port", check_port(&b->cfg.check) ? new_u64(check_port(&b->cfg.check)) : NULL);
	add(o, "nexthop", nexthop_json(&b->nh));
	add(o, "last_check", last);
	add(o, "probes", new_u64(b->probes));
	add(o, "failures", new_u64(b->probe_failures));
	return o;
}

void control_backends(struct agent *a, const struct vip *only, struct json_object *reply)
{
	struct json_object *list = json_object_new_array();

	for (size_t i = 0; i < a->n_vips; i++) {
		const struct vip *v = a->vips[i];

		if (only && v != only)
			continue;
		for (size_t j = 0; j < v->n_backends; j++)
			json_object_array_add(list, backend_json(v->backends[j]));
	}
	add(reply, "backends", list);
}

/* Packets, bytes and, by reason, packets and bytes of one stats row. */
static void add_row(struct json_object *o, const struct xdpcast_vip_counters *row)
{
	struct json_object *reasons = json_object_new_object();
	uint64_t packets = 0, bytes = 0;

	for (int r = 0; r < XDPCAST_REASON_MAX; r++) {
		struct json_object *c = json_object_new_object();

		packets += row->reason[r].packets;
		bytes += row->reason[r].bytes;
		add(c, "packets", new_u64(row->reason[r].packets));
		add(c, "bytes", new_u64(row->reason[r].bytes));
		add(reasons, xdpcast_reason_name(r), c);
	}
	add(o, "packets", new_u64(packets));
	add(o, "bytes", new_u64(bytes));
	add(o, "reasons", reasons);
}

int control_stats(struct agent *a, struct json_object *reply, char *err, size_t errlen)
{
	struct xdpcast_vip_counters *rows = calloc(XDPCAST_STATS_ROWS, sizeof(*rows));
	struct json_object *vips, *other, *backends;
	int ret;

	ret = rows ? xdpcast_dp_read_stats(&a->dp, rows) : -ENOMEM;
	if (ret) {
		snprintf(err, errlen, "cannot read the counters in %s: %s", a->cfg.pin_dir,
			 strerror(-ret));
		free(rows);
		return ret;
	}
	vips = json_object_new_array();
	for (size_t i = 0; i < a->n_vips; i++) {
		const struct vip *v = a->vips[i];
		struct json_object *o = json_object_new_object();

		add_vip_key(o, v);
		add_row(o, &rows[v->id]);
		json_object_array_add(vips, o);
	}
	other = json_object_new_object();
	add_row(other, &rows[XDPCAST_STATS_NO_VIP]);
	free(rows);

	backends = json_object_new_array();
	for (size_t i = 0; i < a->n_vips; i++) {
		for (size_t j = 0; j < a->vips[i]->n_backends; j++) {
			const struct backend *b = a->vips[i]->backends[j];
			struct json_object *o = json_object_new_object();
			struct xdpcast_counter c = {};

			xdpcast_dp_read_backend_stats(&a->dp, b->id, &c);
			add(o, "vip", json_object_new_string(b->vip->cfg.name));
			add(o, "name", json_object_new_string(b->cfg.name));
			add(o, "address", json_object_new_string(b->cfg.addr.text));
			add(o, "id", new_u64(b->id));
			add(o, "packets", new_u64(c.packets));
			add(o, "bytes", new_u64(c.bytes));
			json_object_array_add(backends, o);
		}
	}
	add(reply, "vips", vips);
	add(reply, "other", other);
	add(reply, "backends", backends);
	return 0;
}
