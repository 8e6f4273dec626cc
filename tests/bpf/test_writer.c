// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The map writers' contract (user/lib/dataplane.c): what they refuse and
 * leave unchanged, the VIP index kept equal to the VIPs present, flow
 * tables switched on and off, and BTF on the inner maps they create.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <criterion/criterion.h>

#include "fixture.h"

/* The slot of the current VIP index that @key's address falls in. */
static struct xdpcast_vip_slot index_slot(const struct xdpcast_vip_key *key)
{
	__u32 i = xdpcast_vip_index_slot(key->addr[0], key->addr[1], key->addr[2], key->addr[3]);
	struct xdpcast_vip_slot slot;
	__u32 zero = 0, map_id;
	int fd;

	cr_assert_eq(bpf_map_lookup_elem(fx.dp.vip_index, &zero, &map_id), 0, "no VIP index");
	fd = bpf_map_get_fd_by_id(map_id);
	cr_assert_geq(fd, 0);
	cr_assert_eq(bpf_map_lookup_elem(fd, &i, &slot), 0);
	close(fd);
	return slot;
}

Test(writer, refuses_bad_input_and_keeps_state, .init = fixture_setup, .fini = fixture_teardown)
{
	static __u32 slots[257];
	struct xdpcast_vip_key key, bad;
	struct xdpcast_vip vip;

	cr_assert_eq(xdpcast_vip_key_from_str(&key, "203.0.113.53", IPPROTO_UDP, 53), 0);
	cr_assert_eq(xdpcast_vip_key_from_str(&bad, "203.0.113.", 0, 0), -EINVAL);
	cr_assert_eq(xdpcast_vip_key_from_str(&bad, "203.0.113.53", 0, 53), -EINVAL);
	cr_assert_eq(xdpcast_dp_add_vip(&fx.dp, &key, XDPCAST_MAX_VIPS, 0), -EINVAL);
	cr_assert_eq(xdpcast_dp_add_vip(&fx.dp, &key, 7, 0), 0);
	cr_assert_eq(xdpcast_dp_add_vip(&fx.dp, &key, 8, 0), -EEXIST);
	cr_assert_eq(xdpcast_dp_get_vip(&fx.dp, &key, &vip), 0);
	cr_assert_eq(vip.id, 7, "a refused add changed the VIP's id to %u", vip.id);
	cr_assert_eq(xdpcast_dp_table_size(&fx.dp, &key), 0, "a new VIP has no usable backend");

	/* nothing staged yet: there is no table to flip to */
	cr_assert_eq(xdpcast_dp_flip_table(&fx.dp, &key), -ENOENT);
	slots[100] = XDPCAST_MAX_BACKENDS;
	cr_assert_eq(xdpcast_dp_write_table(&fx.dp, &key, slots, 257), -EINVAL);
	slots[100] = 1;
	cr_assert_eq(xdpcast_dp_write_table(&fx.dp, &key, slots, XDPCAST_TABLE_SIZE_MAX + 1),
		     -EINVAL);
	cr_assert_eq(xdpcast_dp_flip_table(&fx.dp, &key), -ENOENT, "a refused table was staged");
	cr_assert_eq(xdpcast_dp_table_size(&fx.dp, &key), 0, "a refused table was made active");

	cr_assert_eq(xdpcast_dp_stage_table(&fx.dp, &key, slots, 257), 0);
	cr_assert_eq(xdpcast_dp_table_size(&fx.dp, &key), 0, "a staged table is already active");
	cr_assert_eq(xdpcast_dp_flip_table(&fx.dp, &key), 0);
	cr_assert_eq(xdpcast_dp_table_size(&fx.dp, &key), 257);
	cr_assert_eq(xdpcast_dp_write_table(&fx.dp, &key, NULL, 0), 0);
	cr_assert_eq(xdpcast_dp_table_size(&fx.dp, &key), 0, "an emptied table is still active");
	cr_assert_eq(xdpcast_dp_set_backend(&fx.dp, XDPCAST_MAX_BACKENDS,
					    &(struct xdpcast_backend){ 0 }),
		     -EINVAL);
}

Test(writer, index_follows_the_vips, .init = fixture_setup, .fini = fixture_teardown)
{
	struct xdpcast_vip_key any, udp53, tcp;
	struct xdpcast_vip_slot slot;

	cr_assert_eq(xdpcast_vip_key_from_str(&any, "2001:db8::53", 0, 0), 0);
	cr_assert_eq(xdpcast_vip_key_from_str(&udp53, "2001:db8::53", IPPROTO_UDP, 53), 0);
	cr_assert_eq(xdpcast_vip_key_from_str(&tcp, "2001:db8::53", IPPROTO_TCP, 0), 0);
	cr_assert_eq(xdpcast_dp_add_vip(&fx.dp, &udp53, 1, 0), 0);
	slot = index_slot(&any);
	cr_assert_eq(slot.shapes, XDPCAST_SHAPE_PORT);
	cr_assert_eq(slot.direct_id, XDPCAST_VIP_DIRECT_NONE, "a VIP with a port is never direct");
	cr_assert_eq(xdpcast_dp_del_vip(&fx.dp, &udp53), 0);
	cr_assert_eq(index_slot(&any).shapes, 0);

	cr_assert_eq(xdpcast_dp_add_vip(&fx.dp, &tcp, 3, 0), 0);
	slot = index_slot(&any);
	cr_assert_eq(slot.shapes, XDPCAST_SHAPE_PROTO);
	cr_assert_eq(slot.direct_id, 3, "a lone VIP without port is direct");
	cr_assert_eq(slot.proto, IPPROTO_TCP);
	cr_assert_arr_eq(slot.addr, tcp.addr, sizeof(slot.addr));

	cr_assert_eq(xdpcast_dp_add_vip(&fx.dp, &udp53, 1, 0), 0);
	cr_assert_eq(xdpcast_dp_add_vip(&fx.dp, &any, 2, 0), 0);
	slot = index_slot(&any);
	cr_assert_eq(slot.shapes, XDPCAST_SHAPE_PORT | XDPCAST_SHAPE_PROTO | XDPCAST_SHAPE_ADDR);
	cr_assert_eq(slot.direct_id, XDPCAST_VIP_DIRECT_NONE, "a shared slot is not direct");
	cr_assert_eq(xdpcast_dp_del_vip(&fx.dp, &udp53), 0);
	cr_assert_eq(xdpcast_dp_del_vip(&fx.dp, &udp53), -ENOENT);
	cr_assert_eq(xdpcast_dp_del_vip(&fx.dp, &tcp), 0);
	slot = index_slot(&any);
	cr_assert_eq(slot.shapes, XDPCAST_SHAPE_ADDR);
	cr_assert_eq(slot.direct_id, 2, "the one VIP left is not direct again");
	cr_assert_eq(slot.proto, 0);
	cr_assert_eq(xdpcast_dp_del_vip(&fx.dp, &any), 0);
	cr_assert_eq(index_slot(&any).shapes, 0, "the last VIP's address is still in the index");
}

Test(writer, seed_travels_with_the_index, .init = fixture_setup, .fini = fixture_teardown)
{
	struct xdpcast_vip_key key;
	__u32 seed;

	cr_assert_eq(xdpcast_dp_get_seed(&fx.dp, &seed), 0);
	cr_assert_eq(seed, FX_SEED);
	cr_assert_eq(xdpcast_dp_set_seed(&fx.dp, 0xabcdef01), 0);
	cr_assert_eq(xdpcast_vip_key_from_str(&key, "203.0.113.80", IPPROTO_TCP, 80), 0);
	cr_assert_eq(xdpcast_dp_add_vip(&fx.dp, &key, 9, 0), 0);
	cr_assert_eq(xdpcast_dp_del_vip(&fx.dp, &key), 0);
	cr_assert_eq(xdpcast_dp_get_seed(&fx.dp, &seed), 0);
	cr_assert_eq(seed, 0xabcdef01, "rebuilding the VIP index lost the seed: %#x", seed);
	cr_assert_eq(index_slot(&key).hash_seed, 0xabcdef01);
}

/* The inner map now at @idx of the array of maps @outer_fd, with its info. */
static void inner_info(int outer_fd, __u32 idx, struct bpf_map_info *info)
{
	__u32 id, len = sizeof(*info);
	int fd;

	cr_assert_eq(bpf_map_lookup_elem(outer_fd, &idx, &id), 0, "no inner map at %u", idx);
	fd = bpf_map_get_fd_by_id(id);
	cr_assert_geq(fd, 0);
	memset(info, 0, sizeof(*info));
	cr_assert_eq(bpf_obj_get_info_by_fd(fd, info, &len), 0);
	close(fd);
}

Test(writer, flow_table_on_off_and_inner_btf, .init = fixture_setup, .fini = fixture_teardown)
{
	static __u32 slots[251];
	struct xdpcast_vip_key key;
	struct bpf_map_info info;
	__u32 id = 4;

	cr_assert_eq(xdpcast_vip_key_from_str(&key, "198.51.100.53", 0, 0), 0);
	cr_assert_eq(xdpcast_dp_add_vip(&fx.dp, &key, id, 1000), 0);
	cr_assert_eq(xdpcast_dp_flow_table_size(&fx.dp, &key), 1000);
	cr_assert_eq(index_slot(&key).direct_flags, XDPCAST_VIP_F_FLOW_TABLE,
		     "the index does not say the VIP keeps flows");
	inner_info(fx.dp.flow_tables4, id, &info);
	cr_assert_eq(info.max_entries, 1000 / XDPCAST_FLOW_WAYS);
	cr_assert_eq(info.value_size, sizeof(struct xdpcast_flow_set4),
		     "an IPv4 VIP's flows are not of 16 bytes");
	cr_assert_neq(info.btf_value_type_id, 0, "the flow table carries no BTF");
	cr_assert(info.map_flags & BPF_F_MMAPABLE, "flow sets not aligned on cache lines");
	cr_assert_neq(bpf_map_lookup_elem(fx.dp.flow_tables, &id, &info.id), 0,
		      "an IPv4 VIP's flow table in flow_tables");
	cr_assert_eq(xdpcast_dp_set_flow_table(&fx.dp, &key, 1001), 0);
	cr_assert_eq(xdpcast_dp_flow_table_size(&fx.dp, &key), 1004,
		     "not rounded up to whole sets");

	cr_assert_eq(xdpcast_dp_write_table(&fx.dp, &key, slots, 251), 0);
	inner_info(fx.dp.vip_tables, id, &info);
	cr_assert_eq(info.max_entries, 251, "the active table is not the one written");
	cr_assert_neq(info.btf_value_type_id, 0, "the VIP table carries no BTF");
	inner_info(fx.dp.vip_index, 0, &info);
	cr_assert_neq(info.btf_value_type_id, 0, "the VIP index carries no BTF");

	cr_assert_eq(xdpcast_dp_set_flow_table(&fx.dp, &key, 0), 0);
	cr_assert_eq(xdpcast_dp_flow_table_size(&fx.dp, &key), 0);
	cr_assert_eq(index_slot(&key).direct_flags, 0, "the index still says the VIP keeps flows");
	cr_assert_eq(xdpcast_dp_table_size(&fx.dp, &key), 251,
		     "switching the flow table off lost the table");
}

/* An IPv6 VIP's flow table: 32-byte flows in flow_tables; and when an IPv4
 * VIP takes its table in flow_tables4, one an older version left for it in
 * flow_tables goes. */
Test(writer, flow_table_layout_by_family, .init = fixture_setup, .fini = fixture_teardown)
{
	struct xdpcast_vip_key key6, key4;
	struct bpf_map_info info;
	__u32 id6 = 6, id4 = 7, map_id;

	cr_assert_eq(xdpcast_vip_key_from_str(&key6, "2001:db8::53", 0, 0), 0);
	cr_assert_eq(xdpcast_dp_add_vip(&fx.dp, &key6, id6, 64), 0);
	cr_assert_not(xdpcast_dp_flow4(&fx.dp, &key6));
	inner_info(fx.dp.flow_tables, id6, &info);
	cr_assert_eq(info.value_size, sizeof(struct xdpcast_flow_set));
	cr_assert_eq(info.max_entries, 64 / XDPCAST_FLOW_WAYS);
	cr_assert_neq(bpf_map_lookup_elem(fx.dp.flow_tables4, &id6, &map_id), 0,
		      "an IPv6 VIP's flow table in flow_tables4");
	cr_assert_eq(xdpcast_dp_flow_table_size(&fx.dp, &key6), 64);

	/* the IPv4 VIP as an older version left it: its table in flow_tables */
	cr_assert_eq(xdpcast_vip_key_from_str(&key4, "198.51.100.55", 0, 0), 0);
	cr_assert_eq(xdpcast_dp_add_vip(&fx.dp, &key4, id4, 0), 0);
	cr_assert(xdpcast_dp_flow4(&fx.dp, &key4));
	fx.dp.flow_tables4 = -1 - fx.dp.flow_tables4; /* as if pinned without it */
	cr_assert_not(xdpcast_dp_flow4(&fx.dp, &key4));
	cr_assert_eq(xdpcast_dp_set_flow_table(&fx.dp, &key4, 64), 0);
	fx.dp.flow_tables4 = -1 - fx.dp.flow_tables4;
	inner_info(fx.dp.flow_tables, id4, &info);
	cr_assert_eq(info.value_size, sizeof(struct xdpcast_flow_set));
	cr_assert_eq(xdpcast_dp_flow_table_size(&fx.dp, &key4), 0,
		     "this version reads an older layout's table as its own");
	cr_assert_eq(xdpcast_dp_set_flow_table(&fx.dp, &key4, 64), 0);
	inner_info(fx.dp.flow_tables4, id4, &info);
	cr_assert_eq(info.value_size, sizeof(struct xdpcast_flow_set4));
	cr_assert_neq(bpf_map_lookup_elem(fx.dp.flow_tables, &id4, &map_id), 0,
		      "the older layout's table stayed in flow_tables");
	cr_assert_eq(xdpcast_dp_del_vip(&fx.dp, &key4), 0);
	cr_assert_neq(bpf_map_lookup_elem(fx.dp.flow_tables4, &id4, &map_id), 0,
		      "a removed VIP's flow table stayed");
}

/* A flow_tables pinned by a version whose inner template is not mmapable
 * (and so before flow_tables4: its IPv4 flow tables are in flow_tables)
 * still takes a flow table: one without the flag. */
Test(writer, flow_table_in_older_pinned_flow_tables, .init = fixture_setup,
     .fini = fixture_teardown)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP);
	LIBBPF_OPTS(bpf_map_create_opts, outer_opts);
	int template, old, err, current = fx.dp.flow_tables, current4 = fx.dp.flow_tables4;
	struct xdpcast_vip_key key;
	struct bpf_map_info info;
	__u32 id = 5;

	template = bpf_map_create(BPF_MAP_TYPE_ARRAY, "old_flows", sizeof(__u32),
				  sizeof(struct xdpcast_flow_set), 1, &opts);
	cr_assert_geq(template, 0);
	outer_opts.inner_map_fd = template;
	old = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "old_flow_tables", sizeof(__u32),
			     sizeof(__u32), XDPCAST_MAX_VIPS, &outer_opts);
	cr_assert_geq(old, 0);
	close(template);

	cr_assert_eq(xdpcast_vip_key_from_str(&key, "198.51.100.54", 0, 0), 0);
	cr_assert_eq(xdpcast_dp_add_vip(&fx.dp, &key, id, 0), 0);
	fx.dp.flow_tables = old; /* as if pinned by that version */
	fx.dp.flow_tables4 = -1;
	err = xdpcast_dp_set_flow_table(&fx.dp, &key, 64);
	fx.dp.flow_tables = current;
	fx.dp.flow_tables4 = current4;
	cr_assert_eq(err, 0, "no flow table in the older flow_tables: %d", err);
	inner_info(old, id, &info);
	cr_assert_eq(info.max_entries, 64 / XDPCAST_FLOW_WAYS);
	cr_assert_eq(info.map_flags & BPF_F_MMAPABLE, 0);
	cr_assert_eq(index_slot(&key).direct_flags, XDPCAST_VIP_F_FLOW_TABLE);
	close(old);
}

/* An id given to a new backend or VIP starts from zero, not from the counts
 * of its last holder. */
Test(writer, reused_ids_start_with_zero_counters, .init = fixture_setup, .fini = fixture_teardown)
{
	static const __u32 ids[] = { 1 };
	struct fx_vip v;
	struct pkt_buf in;
	int err;

	fx_setup_vip(&fx, &v, FX_VIP4, 0, 0, 7, ids, 1, 0);
	fx_flow(&in, FX_VIP4, IPPROTO_UDP, 53, 0);
	cr_assert_eq(fx_flow_backend(&fx, &in), 1);
	cr_assert_gt(fx_backend_stats(&fx, 1).packets, 0);
	cr_assert_gt(fx_vip_stats(&fx, 7).packets, 0);

	err = xdpcast_dp_clear_backend_stats(&fx.dp, 1);
	cr_assert_eq(err, 0, "clear backend counters: %d", err);
	cr_expect_eq(fx_backend_stats(&fx, 1).packets, 0);
	cr_expect_eq(fx_backend_stats(&fx, 1).bytes, 0);

	cr_assert_eq(xdpcast_dp_del_vip(&fx.dp, &v.key), 0);
	fx_add_vip(&fx, &v, "203.0.113.54", 0, 0, 7, 0);
	cr_expect_eq(fx_vip_stats(&fx, 7).packets, 0, "a VIP on a reused id starts at zero");
}
