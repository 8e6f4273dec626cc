/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What xdpcast-dp's dump shares between its command (xdpcast_dp_dump.c:
 * options, which map, printing) and its decoders (xdpcast_dp_decode.c: one
 * per map, each entry a JSON object). Calls go one way: dump -> decode.
 */
#ifndef XDPCAST_DP_DUMP_IMPL_H
#define XDPCAST_DP_DUMP_IMPL_H

#include <json-c/json.h>
#include <linux/bpf.h>
#include <stdbool.h>

#define VIP_NAME_MAX 64

/* A map the program pins, as this build declares it. */
struct pinned {
	char name[BPF_OBJ_NAME_LEN];
	__u32 type, key_size, value_size, max_entries;
};

struct dump {
	const char *pin_dir;
	bool json, per_cpu, all, slots;
	unsigned long limit;
	int ncpus;
	struct pinned map;
	struct json_object *info; /* what describes the whole map */
	struct json_object *entries;
	unsigned long count; /* entries that hold something */
	char (*vip_names)[VIP_NAME_MAX]; /* by VIP id: "203.0.113.53/udp/53", "" unknown */
};

/* Add @obj to the entries unless the limit is reached; counted either way. */
static inline void emit(struct dump *d, struct json_object *obj)
{
	d->count++;
	if (d->all || json_object_array_length(d->entries) < d->limit)
		json_object_array_add(d->entries, obj);
	else
		json_object_put(obj);
}

/* The pin of map @name under the pin directory: its fd, or -errno (said). */
int dp_dump_open_pin(const struct dump *d, const char *name);
/* VIP names by id, from the pinned `vips` (best effort: none on failure). */
void dp_dump_load_vip_names(struct dump *d);
/* Decode the map @d names, open at @fd, into d->info and d->entries. */
int dp_dump_decode(struct dump *d, int fd);

#endif /* XDPCAST_DP_DUMP_IMPL_H */
