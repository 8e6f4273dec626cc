// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpcast-dp dump's decoders, one per pinned map, with the ABI header:
 * addresses (IPv4-mapped ones as IPv4), ports in host order, MACs, VIP keys
 * and the VIP each id is, backend states, reasons by name, per-CPU values
 * summed (and per CPU on request), Maglev tables as their size and slots per
 * backend. Each entry becomes a JSON object for xdpcast_dp_dump.c to print.
 * Every walk is bounded by the map's max_entries.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xdpcast/abi.h>

#include "addr.h"
#include "dataplane.h"
#include "xdpcast_dp_dump_impl.h"

#define add(obj, key, val) json_object_object_add(obj, key, val)

static struct json_object *new_addr(const __be32 words[4])
{
	struct addr a = { .addr = *(const struct in6_addr *)words };
	char text[ADDR_TEXT_SIZE];

	a.family = addr_family_of(&a.addr);
	return json_object_new_string(addr_format(&a, text, sizeof(text)));
}

static struct json_object *new_mac(const __u8 mac[6])
{
	char text[18];

	snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
	return json_object_new_string(text);
}

static const char *proto_name(__u8 proto, char *buf, size_t len)
{
	if (proto == 0)
		return "any";
	if (proto == IPPROTO_UDP)
		return "udp";
	if (proto == IPPROTO_TCP)
		return "tcp";
	if (proto == IPPROTO_ICMP)
		return "icmp";
	if (proto == IPPROTO_ICMPV6)
		return "icmpv6";
	snprintf(buf, len, "%u", proto);
	return buf;
}

static struct json_object *new_proto(__u8 proto)
{
	char buf[8];

	return json_object_new_string(proto_name(proto, buf, sizeof(buf)));
}

static struct json_object *new_ifname(__u32 ifindex)
{
	char name[IF_NAMESIZE];

	return ifindex && if_indextoname(ifindex, name) ? json_object_new_string(name) : NULL;
}

/* The VIP with id @id, as `vips` names it; null when unknown. */
static struct json_object *new_vip_name(const struct dump *d, __u32 id)
{
	if (id == XDPCAST_STATS_NO_VIP)
		return json_object_new_string("no-vip");
	if (!d->vip_names || id >= XDPCAST_MAX_VIPS || !d->vip_names[id][0])
		return NULL;
	return json_object_new_string(d->vip_names[id]);
}

static void vip_key_text(const struct xdpcast_vip_key *k, char *buf, size_t len)
{
	struct addr a = { .addr = *(const struct in6_addr *)k->addr };
	char text[ADDR_TEXT_SIZE], proto[8];

	a.family = addr_family_of(&a.addr);
	snprintf(buf, len, "%s/%s/%u", addr_format(&a, text, sizeof(text)),
		 proto_name(k->proto, proto, sizeof(proto)), ntohs(k->port));
}

int dp_dump_open_pin(const struct dump *d, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", d->pin_dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fd = -errno;
		fprintf(stderr,
			"xdpcast-dp: cannot open pinned map %s: %s (is xdpcast attached "
			"with --pin %s?)\n",
			path, strerror(-fd), d->pin_dir);
	}
	return fd;
}

/* Every key of the hash @fd (at most @max, so a map that changes under us
 * cannot keep us walking): fn(d, key, value). */
static void walk_vips(struct dump *d, int fd, __u32 max,
		      void (*fn)(struct dump *d, const struct xdpcast_vip_key *k,
				 const struct xdpcast_vip *v))
{
	struct xdpcast_vip_key key, next;
	struct xdpcast_vip vip;
	const void *prev = NULL;

	for (__u32 n = 0; n < max && !bpf_map_get_next_key(fd, prev, &next); n++) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &vip))
			fn(d, &key, &vip);
	}
}

static void name_vip(struct dump *d, const struct xdpcast_vip_key *k, const struct xdpcast_vip *v)
{
	if (v->id < XDPCAST_MAX_VIPS)
		vip_key_text(k, d->vip_names[v->id], VIP_NAME_MAX);
}

/* VIP names by id, for the maps indexed by VIP id (best effort). */
void dp_dump_load_vip_names(struct dump *d)
{
	int fd = dp_dump_open_pin(d, "vips");

	d->vip_names = calloc(XDPCAST_MAX_VIPS, sizeof(*d->vip_names));
	if (fd < 0 || !d->vip_names) {
		if (fd >= 0)
			close(fd);
		return;
	}
	walk_vips(d, fd, XDPCAST_MAX_VIPS, name_vip);
	close(fd);
}

static void vip_entry(struct dump *d, const struct xdpcast_vip_key *k, const struct xdpcast_vip *v)
{
	struct json_object *o = json_object_new_object();
	struct json_object *flags = json_object_new_array();

	if (v->flags & XDPCAST_VIP_F_FLOW_TABLE)
		json_object_array_add(flags, json_object_new_string("flow_table"));
	add(o, "address", new_addr(k->addr));
	add(o, "protocol", new_proto(k->proto));
	add(o, "port", json_object_new_int(ntohs(k->port)));
	add(o, "id", json_object_new_int64(v->id));
	add(o, "flags", flags);
	emit(d, o);
}

static int dump_vips(struct dump *d, int fd)
{
	walk_vips(d, fd, d->map.max_entries, vip_entry);
	return 0;
}

/* The inner map in slot @idx of the map-of-maps @outer: its fd, 0 for an
 * empty slot, or -errno; its id and size in @info. */
static int inner_map(int outer, __u32 idx, struct bpf_map_info *info)
{
	__u32 id, len = sizeof(*info);
	int fd;

	if (bpf_map_lookup_elem(outer, &idx, &id))
		return errno == ENOENT ? 0 : -errno;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno; /* swapped out and freed meanwhile */
	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len)) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int dump_vip_index(struct dump *d, int fd)
{
	struct bpf_map_info info;
	struct xdpcast_vip_slot s;
	int inner = inner_map(fd, 0, &info);

	if (inner <= 0) {
		add(d->info, "index", NULL); /* no index yet: no VIP */
		return inner;
	}
	if (info.value_size != sizeof(s)) {
		close(inner);
		fprintf(stderr, "xdpcast-dp: vip_index's slots are %u bytes, not %zu\n",
			info.value_size, sizeof(s));
		return -EINVAL;
	}
	add(d->info, "inner_map_id", json_object_new_int64(info.id));
	add(d->info, "slots", json_object_new_int64(info.max_entries));
	for (__u32 i = 0; i < info.max_entries; i++) {
		struct json_object *o, *shapes;

		if (bpf_map_lookup_elem(inner, &i, &s))
			continue;
		if (i == 0)
			add(d->info, "hash_seed", json_object_new_int64(s.hash_seed));
		if (!s.shapes)
			continue;
		o = json_object_new_object();
		shapes = json_object_new_array();
		if (s.shapes & XDPCAST_SHAPE_PORT)
			json_object_array_add(shapes, json_object_new_string("port"));
		if (s.shapes & XDPCAST_SHAPE_PROTO)
			json_object_array_add(shapes, json_object_new_string("proto"));
		if (s.shapes & XDPCAST_SHAPE_ADDR)
			json_object_array_add(shapes, json_object_new_string("addr"));
		add(o, "slot", json_object_new_int64(i));
		add(o, "shapes", shapes);
		if (s.direct_id != XDPCAST_VIP_DIRECT_NONE) {
			add(o, "direct_id", json_object_new_int(s.direct_id));
			add(o, "vip", new_vip_name(d, s.direct_id));
			add(o, "address", new_addr(s.addr));
			add(o, "protocol", new_proto(s.proto));
			add(o, "flow_table",
			    json_object_new_boolean(s.direct_flags & XDPCAST_VIP_F_FLOW_TABLE));
		}
		emit(d, o);
	}
	close(inner);
	return 0;
}

/* The @n slots of a Maglev table (backend ids), read through a read-only
 * mmap (values 8 bytes apart); NULL (errno set) when it cannot be mapped. */
static const void *map_table(int fd, __u32 n, size_t *len)
{
	size_t page = (size_t)getpagesize();
	void *mem;

	*len = ((size_t)n * 8 + page - 1) & ~(page - 1);
	mem = mmap(NULL, *len, PROT_READ, MAP_SHARED, fd, 0);
	return mem == MAP_FAILED ? NULL : mem;
}

static int dump_vip_tables(struct dump *d, int fd)
{
	__u32 *per_backend = calloc(XDPCAST_MAX_BACKENDS + 1, sizeof(*per_backend));

	if (!per_backend)
		return -ENOMEM;
	for (__u32 id = 0; id < d->map.max_entries; id++) {
		struct json_object *o, *counts, *slots = NULL;
		struct bpf_map_info info;
		int inner = inner_map(fd, id, &info);
		const char *mem;
		size_t len;

		if (inner <= 0)
			continue;
		mem = info.value_size == sizeof(__u32) ? map_table(inner, info.max_entries, &len)
						       : NULL;
		if (!mem) {
			fprintf(stderr, "xdpcast-dp: VIP id %u's table (map id %u): %s\n", id,
				info.id,
				info.value_size == sizeof(__u32) ? strerror(errno)
								 : "not of backend ids");
			close(inner);
			continue;
		}
		memset(per_backend, 0, (XDPCAST_MAX_BACKENDS + 1) * sizeof(*per_backend));
		if (d->slots)
			slots = json_object_new_array_ext((int)info.max_entries);
		for (__u32 i = 0; i < info.max_entries; i++) {
			__u32 b = *(const __u32 *)(mem + (size_t)i * 8);

			per_backend[b < XDPCAST_MAX_BACKENDS ? b : XDPCAST_MAX_BACKENDS]++;
			if (slots)
				json_object_array_add(slots, json_object_new_int64(b));
		}
		munmap((void *)mem, len);
		close(inner);
		o = json_object_new_object();
		counts = json_object_new_object();
		for (__u32 b = 0; b <= XDPCAST_MAX_BACKENDS; b++) {
			char key[16];

			if (!per_backend[b])
				continue;
			snprintf(key, sizeof(key), b < XDPCAST_MAX_BACKENDS ? "%u" : "invalid", b);
			add(counts, key, json_object_new_int64(per_backend[b]));
		}
		add(o, "vip_id", json_object_new_int64(id));
		add(o, "vip", new_vip_name(d, id));
		add(o, "map_id", json_object_new_int64(info.id));
		add(o, "size", json_object_new_int64(info.max_entries));
		add(o, "backend_slots", counts);
		if (slots)
			add(o, "slots", slots);
		emit(d, o);
	}
	free(per_backend);
	return 0;
}

static const char *flow_state_name(__u8 state)
{
	return state == XDPCAST_FLOW_IDLE ? "idle" : state == XDPCAST_FLOW_USED ? "used" : "empty";
}

/* One flow of either layout, as the decoder shows it. */
struct flow_view {
	__be32 src[4];
	__be16 sport, dport;
	__u8 proto, state;
	__u32 hash, backend;
};

/* Way @w of a set of the layout of @value_size into @f; false: none. */
static bool flow_view(const void *set, __u32 value_size, int w, struct flow_view *f)
{
	if (value_size == sizeof(struct xdpcast_flow_set4)) {
		const struct xdpcast_flow_entry4 *e =
			&((const struct xdpcast_flow_set4 *)set)->way[w];

		*f = (struct flow_view){ .src = { 0, 0, htonl(0xffff), e->src },
					 .sport = e->sport,
					 .dport = e->dport,
					 .proto = e->proto,
					 .state = e->state,
					 .hash = e->hash,
					 .backend = e->backend };
	} else {
		const struct xdpcast_flow_entry *e =
			&((const struct xdpcast_flow_set *)set)->way[w];

		*f = (struct flow_view){ .sport = e->sport,
					 .dport = e->dport,
					 .proto = e->proto,
					 .state = e->state,
					 .hash = e->hash,
					 .backend = e->backend };
		memcpy(f->src, e->src, sizeof(f->src));
	}
	return f->state != XDPCAST_FLOW_EMPTY;
}

/* flow_tables (32-byte flows: IPv6 VIPs, and IPv4 ones in pins of an older
 * version) and flow_tables4 (IPv4 VIPs' 16-byte flows): @value_size says which. */
static void dump_flow_tables(struct dump *d, int fd, __u32 value_size, struct json_object *tables)
{
	for (__u32 id = 0; id < d->map.max_entries; id++) {
		struct json_object *t;
		struct xdpcast_flow_set set; /* room for either layout */
		struct bpf_map_info info;
		int inner = inner_map(fd, id, &info);
		unsigned long in_use = 0;
		struct flow_view f;

		if (inner <= 0)
			continue;
		if (info.value_size != value_size) {
			close(inner);
			continue;
		}
		for (__u32 s = 0; s < info.max_entries; s++) {
			if (bpf_map_lookup_elem(inner, &s, &set))
				continue;
			for (int w = 0; w < XDPCAST_FLOW_WAYS; w++) {
				struct json_object *o;

				if (!flow_view(&set, value_size, w, &f))
					continue;
				in_use++;
				o = json_object_new_object();
				add(o, "vip_id", json_object_new_int64(id));
				add(o, "vip", new_vip_name(d, id));
				add(o, "set", json_object_new_int64(s));
				add(o, "way", json_object_new_int(w));
				add(o, "source", new_addr(f.src));
				add(o, "sport", json_object_new_int(ntohs(f.sport)));
				add(o, "dport", json_object_new_int(ntohs(f.dport)));
				add(o, "protocol", new_proto(f.proto));
				add(o, "state", json_object_new_string(flow_state_name(f.state)));
				add(o, "backend", json_object_new_int64(f.backend));
				add(o, "hash", json_object_new_int64(f.hash));
				emit(d, o);
			}
		}
		close(inner);
		t = json_object_new_object();
		add(t, "vip_id", json_object_new_int64(id));
		add(t, "vip", new_vip_name(d, id));
		add(t, "map_id", json_object_new_int64(info.id));
		add(t, "flows",
		    json_object_new_int64((int64_t)info.max_entries * XDPCAST_FLOW_WAYS));
		add(t, "in_use", json_object_new_int64((int64_t)in_use));
		json_object_array_add(tables, t);
	}
}

/*
 * `dump flow_tables`: every VIP's flow table, the IPv4 VIPs' of flow_tables4
 * too (when pinned: not by an older version), so that one dump shows all
 * flows; `dump flow_tables4` only those.
 */
static int dump_all_flow_tables(struct dump *d, int fd, bool v4_only)
{
	struct json_object *tables = json_object_new_array();
	char path[PATH_MAX];
	int fd4;

	add(d->info, "tables", tables);
	if (v4_only) {
		dump_flow_tables(d, fd, sizeof(struct xdpcast_flow_set4), tables);
		return 0;
	}
	dump_flow_tables(d, fd, sizeof(struct xdpcast_flow_set), tables);
	snprintf(path, sizeof(path), "%s/flow_tables4", d->pin_dir);
	fd4 = bpf_obj_get(path);
	if (fd4 >= 0) {
		dump_flow_tables(d, fd4, sizeof(struct xdpcast_flow_set4), tables);
		close(fd4);
	}
	return 0;
}

static struct json_object *new_backend_state(__u8 state)
{
	switch (state) {
	case XDPCAST_BACKEND_DOWN:
		return json_object_new_string("down");
	case XDPCAST_BACKEND_UP:
		return json_object_new_string("up");
	case XDPCAST_BACKEND_DRAINING:
		return json_object_new_string("draining");
	default:
		return json_object_new_int(state);
	}
}

static int dump_backends(struct dump *d, int fd)
{
	static const struct xdpcast_backend zero;
	struct xdpcast_backend b;

	for (__u32 id = 0; id < d->map.max_entries; id++) {
		struct json_object *o, *flags;

		if (bpf_map_lookup_elem(fd, &id, &b) || !memcmp(&b, &zero, sizeof(b)))
			continue;
		o = json_object_new_object();
		flags = json_object_new_array();
		if (b.flags & XDPCAST_BACKEND_F_MAC_KNOWN)
			json_object_array_add(flags, json_object_new_string("mac_known"));
		add(o, "id", json_object_new_int64(id));
		add(o, "state", new_backend_state(b.state));
		add(o, "dst_mac", new_mac(b.dst_mac));
		add(o, "src_mac", new_mac(b.src_mac));
		add(o, "ifindex", json_object_new_int64(b.ifindex));
		add(o, "ifname", new_ifname(b.ifindex));
		add(o, "vlan", json_object_new_int(b.vlan));
		add(o, "flags", flags);
		emit(d, o);
	}
	return 0;
}

static int dump_backend_owners(struct dump *d, int fd)
{
	struct xdpcast_backend_owner w;

	for (__u32 id = 0; id < d->map.max_entries; id++) {
		struct json_object *o;

		if (bpf_map_lookup_elem(fd, &id, &w) || w.in_use == XDPCAST_OWNER_NEVER)
			continue;
		o = json_object_new_object();
		add(o, "id", json_object_new_int64(id));
		add(o, "in_use",
		    w.in_use == XDPCAST_OWNER_IN_USE  ? json_object_new_string("in_use")
		    : w.in_use == XDPCAST_OWNER_FREED ? json_object_new_string("freed")
						      : json_object_new_int(w.in_use));
		add(o, "vip_id", json_object_new_int(w.vip_id));
		add(o, "vip", new_vip_name(d, w.vip_id));
		add(o, "address", new_addr(w.addr));
		add(o, "healthy", json_object_new_boolean(w.healthy));
		add(o, "weight", json_object_new_int(w.weight));
		add(o, "operator_weight", json_object_new_boolean(w.operator_weight));
		emit(d, o);
	}
	return 0;
}

static int dump_egress(struct dump *d, int fd)
{
	__u32 value;

	for (__u32 i = 0; i < d->map.max_entries; i++) {
		struct json_object *o;

		if (bpf_map_lookup_elem(fd, &i, &value))
			continue;
		o = json_object_new_object();
		add(o, "ifindex", json_object_new_int64(i));
		add(o, "ifname", new_ifname(value));
		add(o, "redirect_to", json_object_new_int64(value));
		emit(d, o);
	}
	return 0;
}

/* Packets and bytes of @n counters per CPU (@stride bytes per CPU) at
 * @values, counter @c: summed, and per CPU into @o when asked. */
static void add_counter(const struct dump *d, struct json_object *o, const char *values,
			size_t stride, unsigned int c, __u64 *packets, __u64 *bytes)
{
	struct json_object *pp = d->per_cpu ? json_object_new_array() : NULL;
	struct json_object *pb = d->per_cpu ? json_object_new_array() : NULL;

	*packets = *bytes = 0;
	for (int cpu = 0; cpu < d->ncpus; cpu++) {
		const struct xdpcast_counter *k =
			(const struct xdpcast_counter *)(values + (size_t)cpu * stride) + c;

		*packets += k->packets;
		*bytes += k->bytes;
		if (pp) {
			json_object_array_add(pp, json_object_new_uint64(k->packets));
			json_object_array_add(pb, json_object_new_uint64(k->bytes));
		}
	}
	add(o, "packets", json_object_new_uint64(*packets));
	add(o, "bytes", json_object_new_uint64(*bytes));
	if (pp) {
		add(o, "per_cpu_packets", pp);
		add(o, "per_cpu_bytes", pb);
	}
}

/* stats_vips (@reasons counters a row) or stats_backends (1). */
static int dump_counters(struct dump *d, int fd, unsigned int reasons)
{
	size_t stride = (d->map.value_size + 7) & ~(size_t)7; /* per-CPU values are 8-aligned */
	char *values = calloc((size_t)d->ncpus, stride);
	bool by_vip = reasons > 1;

	if (!values)
		return -ENOMEM;
	for (__u32 row = 0; row < d->map.max_entries; row++) {
		struct json_object *o, *by_reason = NULL;
		__u64 p, b, total_p = 0, total_b = 0;

		if (bpf_map_lookup_elem(fd, &row, values))
			continue;
		o = json_object_new_object();
		add(o, by_vip ? "row" : "id", json_object_new_int64(row));
		if (by_vip)
			add(o, "vip", new_vip_name(d, row));
		if (by_vip) {
			by_reason = json_object_new_object();
			for (unsigned int r = 0; r < reasons; r++) {
				struct json_object *c = json_object_new_object();

				add_counter(d, c, values, stride, r, &p, &b);
				total_p += p;
				total_b += b;
				if (p || b)
					add(by_reason, xdpcast_reason_name(r), c);
				else
					json_object_put(c);
			}
			add(o, "packets", json_object_new_uint64(total_p));
			add(o, "bytes", json_object_new_uint64(total_b));
			add(o, "reasons", by_reason);
		} else {
			add_counter(d, o, values, stride, 0, &total_p, &total_b);
		}
		if (total_p || total_b)
			emit(d, o);
		else
			json_object_put(o);
	}
	free(values);
	return 0;
}

int dp_dump_decode(struct dump *d, int fd)
{
	const char *n = d->map.name;

	if (!strcmp(n, "vips"))
		return dump_vips(d, fd);
	if (!strcmp(n, "vip_index"))
		return dump_vip_index(d, fd);
	if (!strcmp(n, "vip_tables"))
		return dump_vip_tables(d, fd);
	if (!strcmp(n, "flow_tables") || !strcmp(n, "flow_tables4"))
		return dump_all_flow_tables(d, fd, !strcmp(n, "flow_tables4"));
	if (!strcmp(n, "backends"))
		return dump_backends(d, fd);
	if (!strcmp(n, "backend_owners"))
		return dump_backend_owners(d, fd);
	if (!strcmp(n, "egress"))
		return dump_egress(d, fd);
	if (!strcmp(n, "stats_vips"))
		return dump_counters(d, fd, XDPCAST_REASON_MAX);
	if (!strcmp(n, "stats_backends"))
		return dump_counters(d, fd, 1);
	fprintf(stderr, "xdpcast-dp: dump: this build cannot decode map %s\n", n);
	return -ENOTSUP;
}
