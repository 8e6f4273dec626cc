// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Weighted Maglev table population. Each backend walks its own permutation of
 * the slots (offset, offset + skip, ... mod size) and, when it has a turn,
 * claims the next slot of it that nobody took yet. Turns are handed out by
 * weight: per round a backend gains its weight in credit and takes a turn per
 * max_weight of credit, so the heaviest backend takes one every round.
 */
#include <errno.h>
#include <stdlib.h>

#include <xxhash.h>

#include <xdpcast/abi.h>

#include "maglev.h"

struct maglev_state {
	__u32 next; /* next candidate slot of the permutation */
	__u32 skip;
	__u32 weight;
	__u32 id;
	__u64 credit; /* < max_weight between rounds */
};

bool maglev_is_prime(__u32 n)
{
	__u32 d;

	if (n < 2)
		return false;
	if (n % 2 == 0)
		return n == 2;
	for (d = 3; d <= n / d; d += 2)
		if (n % d == 0)
			return false;
	return true;
}

static int maglev_check(const struct maglev_backend *backends, size_t n, const __u32 *table,
			__u32 size, size_t *active, __u32 *max_weight)
{
	size_t i;

	if (!table || size < 2 || size > XDPCAST_TABLE_SIZE_MAX || !maglev_is_prime(size))
		return -EINVAL;
	if ((n && !backends) || n > XDPCAST_MAX_BACKENDS)
		return -EINVAL;

	*active = 0;
	*max_weight = 0;
	for (i = 0; i < n; i++) {
		if (!backends[i].key && backends[i].key_len)
			return -EINVAL;
		if (!backends[i].weight)
			continue;
		(*active)++;
		if (backends[i].weight > *max_weight)
			*max_weight = backends[i].weight;
	}
	return *active ? 0 : -ENOENT;
}

static inline __u32 maglev_step(__u32 slot, __u32 skip, __u32 size)
{
	slot += skip;
	return slot >= size ? slot - size : slot;
}

/*
 * Claims the first free slot of b's permutation from b->next on. size is
 * prime, so the walk visits every slot and a free one exists. Two interleaved
 * walks (even and odd steps) halve the add/compare dependency chain.
 */
static inline void maglev_claim(struct maglev_state *b, __u8 *taken, __u32 *table, __u32 size)
{
	__u32 even = b->next, skip = b->skip, odd = maglev_step(even, skip, size);
	__u32 skip2 = maglev_step(skip, skip, size), slot;

	for (;;) {
		if (!taken[even]) {
			slot = even;
			break;
		}
		if (!taken[odd]) {
			slot = odd;
			break;
		}
		even = maglev_step(even, skip2, size);
		odd = maglev_step(odd, skip2, size);
	}
	taken[slot] = 1;
	table[slot] = b->id;
	b->next = maglev_step(slot, skip, size);
}

int maglev_build(const struct maglev_backend *backends, size_t n, __u32 seed, __u32 *table,
		 __u32 size)
{
	__u32 max_weight, filled, *turns, nturns, t;
	struct maglev_state *st;
	size_t active, i, k;
	__u8 *taken;
	int err;

	err = maglev_check(backends, n, table, size, &active, &max_weight);
	if (err)
		return err;

	/* One allocation: per-backend state, a round's turns, one "taken" byte per slot. */
	st = calloc(1, active * (sizeof(*st) + sizeof(*turns)) + size);
	if (!st)
		return -ENOMEM;
	turns = (__u32 *)(st + active);
	taken = (__u8 *)(turns + active);

	for (i = 0, k = 0; i < n; i++) {
		const struct maglev_backend *be = &backends[i];
		__u64 h;

		if (!be->weight)
			continue;
		h = XXH3_64bits_withSeed(be->key, be->key_len, seed);
		st[k].next = (__u32)h % size;
		st[k].skip = (__u32)(h >> 32) % (size - 1) + 1;
		st[k].weight = be->weight;
		st[k].id = be->id;
		k++;
	}

	filled = 0;
	while (filled < size) {
		/* Who takes a turn this round, in backend order (branch-free). */
		nturns = 0;
		for (k = 0; k < active; k++) {
			__u32 turn;

			st[k].credit += st[k].weight;
			turn = st[k].credit >= max_weight;
			st[k].credit -= turn ? max_weight : 0;
			turns[nturns] = (__u32)k;
			nturns += turn;
		}
		for (t = 0; t < nturns && filled < size; t++, filled++)
			maglev_claim(&st[turns[t]], taken, table, size);
	}

	free(st);
	return 0;
}
