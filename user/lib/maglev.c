// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Weighted Maglev table population, "one look per turn" with exact quotas.
 *
 * Backend i walks its own permutation of the slots (offset, offset + skip, ...
 * mod size) and looks at its j-th slot at time g(j) / w_i, where
 * g(j) ~ -ln(1 - j / size): it takes the slot if still free and stops at its
 * quota, the largest-remainder rounding of size * w_i / sum(w) (ties by key
 * hash). Without quotas a slot would go to the backend with the earliest look
 * at it, which is weighted rendezvous hashing: independent of the other
 * backends (no Maglev cascade), and the exponential clock keeps each backend's
 * take proportional to its weight all along, so all reach their quota near
 * the end and only that end settles differently when a backend comes or goes.
 * Looks are batched in rounds of about 4 per backend, in backend order
 * within a round; integer arithmetic only (and divisions of doubles that are
 * exact, see maglev_clock()), so the table is the same anywhere. Near the end
 * most looks hit taken slots: the tail finds the free ones from the other
 * side, see MAGLEV_TAIL_PAIRS; the table is the one the looks would make.
 *
 * Measured at 65537 slots, 100 seeds, each of 8 backends removed (added a 9th),
 * share of the other slots that moved, mean / p90 / max:
 *   equal weights:              0.13% / 0.19% / 0.56%  (add 0.15 / 0.23 / 0.56)
 *   weights 1..8:               0.11% / 0.17% / 0.34%  (add 0.13 / 0.20 / 0.34)
 *   weights 10,10,10,1,1,1,5,5: 0.10% / 0.17% / 0.53%  (add 0.12 / 0.17 / 0.47)
 * (plain Maglev: 0.22 / 0.29 / 0.64, 0.19 / 0.27 / 0.61, 0.17 / 0.25 / 0.79).
 * Slot counts are exactly the quotas: max/min <= ceil(size/n) / floor(size/n).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include <xdpcast/abi.h>

#include "maglev.h"

/*
 * Looks per round per backend of average weight (the heaviest makes that many
 * times its weight over the average); more is faster, less fair within a round.
 */
#define MAGLEV_ROUND_LOOKS 4
/* g(j) = sum over k <= j of 2^MAGLEV_G_SHIFT / (size - k): < 2^31 for size < 2^20. */
#define MAGLEV_G_SHIFT 27
/*
 * The tail: once (active backends) x (free slots) is at most this, each
 * backend's remaining looks at free slots are listed up front (their places
 * in its permutation, sorted) instead of walking the permutation through the
 * taken slots, and rounds in which nobody can take a slot are skipped. Same
 * looks in the same order, same table; at 65537 slots and 100 backends the
 * last 2% of the slots took over half of all looks.
 */
#define MAGLEV_TAIL_PAIRS 4096
/* A place in a permutation: size < 2^20; a list entry is index << 20 | place. */
#define MAGLEV_PLACE_BITS 20
#define MAGLEV_PLACE_MASK ((1u << MAGLEV_PLACE_BITS) - 1)
/* The list is radix sorted by digits of this many bits: 3 cover 12 + 20. */
#define MAGLEV_RADIX_BITS 11
_Static_assert(XDPCAST_TABLE_SIZE_MAX <= MAGLEV_PLACE_MASK, "a place fits its bits");
_Static_assert(XDPCAST_MAX_BACKENDS <= 1u << (32 - MAGLEV_PLACE_BITS), "an index fits its bits");

struct maglev_state {
	__u32 next; /* next slot of the permutation to look at */
	__u32 skip;
	__u32 offset; /* slot of look 0: look j is at (offset + j * skip) mod size */
	__u32 look; /* index in the permutation of next; in the tail, the pacer's only */
	__u32 cand, cand_end; /* in the tail: its list of looks at free slots */
	__u32 quota; /* slots to take */
	__u32 count; /* slots taken */
	__u32 id;
	__u32 weight;
	__u64 hash;
	__u64 rate; /* (2^32 - 1) * min_weight / weight: look j happens at g(j) * rate */
	__u64 rem; /* remainder of size * weight / total weight */
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

/* Largest remainder first, then largest hash, then backend order. */
static int maglev_rem_cmp(const void *a, const void *b)
{
	const struct maglev_state *x = *(const struct maglev_state *const *)a;
	const struct maglev_state *y = *(const struct maglev_state *const *)b;

	if (x->rem != y->rem)
		return x->rem < y->rem ? 1 : -1;
	if (x->hash != y->hash)
		return x->hash < y->hash ? 1 : -1;
	return x < y ? -1 : x > y;
}

/* Quotas: floor(size * w / W) each, the rest one each by largest remainder. */
static int maglev_quotas(struct maglev_state *st, size_t active, __u32 size)
{
	struct maglev_state **order;
	__u64 total = 0, part;
	__u32 given = 0;
	size_t k;

	for (k = 0; k < active; k++)
		total += st[k].weight; /* < 2^44 */
	for (k = 0; k < active; k++) {
		part = (__u64)size * st[k].weight; /* < 2^52 */
		st[k].quota = (__u32)(part / total);
		st[k].rem = part % total;
		given += st[k].quota;
	}
	if (given == size)
		return 0;
	order = malloc(active * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (k = 0; k < active; k++)
		order[k] = &st[k];
	qsort(order, active, sizeof(*order), maglev_rem_cmp);
	for (k = 0; given < size; k++, given++)
		order[k]->quota++;
	free(order);
	return 0;
}

/*
 * Looks of b up to time limit; returns the slots taken. b stops at its quota.
 * A backend below its quota never runs out of permutation: after size looks it
 * would have seen every slot taken, yet the quotas add up to size.
 */
/* Pacer's looks per round, so that a round makes about MAGLEV_ROUND_LOOKS * nact looks. */
static __u32 maglev_pace(const struct maglev_state *st, const __u32 *act, size_t nact, size_t pacer)
{
	__u64 sum = 0, per;
	size_t k;

	for (k = 0; k < nact; k++)
		sum += st[act[k]].weight;
	per = ((__u64)st[act[pacer]].weight * nact + sum - 1) / sum; /* <= nact */
	return MAGLEV_ROUND_LOOKS * (__u32)per;
}

static inline __u32 maglev_looks(struct maglev_state *b, const __u32 *g, __u64 limit, __u8 *taken,
				 __u32 *table, __u32 size, bool mostly_taken)
{
	__u32 look = b->look, slot = b->next, count = b->count, quota = b->quota, scratch = 0;
	__u32 skip = b->skip, id = b->id, start = b->count;
	__u64 rate = b->rate;

	if (mostly_taken) {
		/* a branch the CPU gets right nearly every time costs less than the stores */
		for (; count < quota && look < size && g[look] * rate <= limit; look++) {
			if (!taken[slot]) {
				taken[slot] = 1;
				table[slot] = id;
				count++;
			}
			slot = maglev_step(slot, skip, size);
		}
	} else {
		for (; count < quota && look < size && g[look] * rate <= limit; look++) {
			__u32 was = taken[slot], *dst = was ? &scratch : &table[slot];

			*dst = id; /* branch-free: the outcome of a look is unpredictable */
			taken[slot] = 1;
			count += !was;
			slot = maglev_step(slot, skip, size);
		}
	}
	b->look = look;
	b->next = slot;
	b->count = count;
	return count - start;
}

/* The inverse of a modulo the prime m, 0 < a < m (extended Euclid). */
static __u32 maglev_inverse(__u32 a, __u32 m)
{
	__s64 t = 0, nt = 1, r = m, nr = a, q, x;

	while (nr) {
		q = r / nr;
		x = t - q * nt;
		t = nt;
		nt = x;
		x = r - q * nr;
		r = nr;
		nr = x;
	}
	return (__u32)(t < 0 ? t + m : t);
}

/* Place in its permutation of b's look after time @limit (size if none). */
static __u32 maglev_look_after(const struct maglev_state *b, const __u32 *g, __u64 limit,
			       __u32 size)
{
	__u32 lo = 0, hi = size, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (g[mid] * b->rate > limit)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Memory of the tail's list for @active backends: room for the entries twice. */
static size_t maglev_tail_room(size_t active, __u32 size)
{
	size_t pairs = active * size < MAGLEV_TAIL_PAIRS ? active * size : MAGLEV_TAIL_PAIRS;

	return 2 * pairs * sizeof(__u32) + ((size_t)1 << MAGLEV_RADIX_BITS) * sizeof(__u32);
}

/*
 * Enter the tail: in @list, for each active backend, the looks it has left at
 * the slots free now, as index in act << 20 | place j, sorted; a slot only
 * ever goes from free to taken, so those are all the looks that can still
 * take one. @list has maglev_tail_room(); nact * nfree <= MAGLEV_TAIL_PAIRS.
 */
static void maglev_tail_start(struct maglev_state *st, const __u32 *act, size_t nact,
			      const __u8 *taken, __u32 size, __u32 nfree, __u32 *list)
{
	const __u32 digits = 1u << MAGLEV_RADIX_BITS;
	__u32 *from = list, *to = list + nact * nfree, *counts = to + nact * nfree, *x;
	__u32 *slots = to; /* the free slots, until the sort needs that room */
	__u32 i = 0, k, f = 0, s, inv, j, d, c, sum;

	for (s = 0; s < size; s++)
		if (!taken[s])
			slots[f++] = s;
	for (k = 0; k < nact; k++) {
		struct maglev_state *b = &st[act[k]];

		/* place j of slot s: offset + j * skip = s (mod size) */
		inv = maglev_inverse(b->skip, size);
		b->cand = i;
		for (f = 0; f < nfree; f++) {
			j = (__u32)((__u64)(slots[f] + size - b->offset) * inv % size);
			if (j >= b->look)
				list[i++] = k << MAGLEV_PLACE_BITS | j;
		}
		b->cand_end = i;
	}
	/* LSD radix sort: each backend's entries stay where they are, in place order */
	for (d = 0; d < 32; d += MAGLEV_RADIX_BITS) {
		memset(counts, 0, digits * sizeof(*counts));
		for (k = 0; k < i; k++)
			counts[(from[k] >> d) & (digits - 1)]++;
		for (k = 0, sum = 0; k < digits; k++) {
			c = counts[k];
			counts[k] = sum;
			sum += c;
		}
		for (k = 0; k < i; k++)
			to[counts[(from[k] >> d) & (digits - 1)]++] = from[k];
		x = from;
		from = to;
		to = x;
	}
	if (from != list)
		memcpy(list, from, i * sizeof(*list));
}

/* g() of b's next listed look. */
static inline __u64 maglev_tail_next(const struct maglev_state *b, const __u32 *list,
				     const __u32 *g)
{
	return g[list[b->cand] & MAGLEV_PLACE_MASK] * b->rate;
}

/* Looks of b at the free slots of its list up to time limit; returns the slots taken. */
static inline __u32 maglev_tail_looks(struct maglev_state *b, const __u32 *list, const __u32 *g,
				      __u64 limit, __u8 *taken, __u32 *table, __u32 size)
{
	__u32 start = b->count, slot;

	for (; b->count < b->quota && b->cand < b->cand_end; b->cand++) {
		if (maglev_tail_next(b, list, g) > limit)
			break;
		slot = (__u32)((b->offset + (__u64)(list[b->cand] & MAGLEV_PLACE_MASK) * b->skip) %
			       size);
		if (taken[slot])
			continue; /* taken since the list was made */
		taken[slot] = 1;
		table[slot] = b->id;
		b->count++;
	}
	return b->count - start;
}

/*
 * Where the pacer p starts the next round that can take a slot: rounds in
 * which no listed look comes due are skipped. In the tail only the pacer's
 * place is kept up to date: rounds are counted by it.
 */
static __u32 maglev_tail_skip(const struct maglev_state *st, const __u32 *act, size_t nact,
			      const struct maglev_state *p, const __u32 *list, const __u32 *g,
			      __u32 batch, __u32 size)
{
	__u32 pace = p->look + batch - 1, lo, hi, mid;
	__u64 first = ~0ull, t;
	size_t k;

	if (pace >= size - 1)
		return p->look;
	for (k = 0; k < nact; k++) {
		const struct maglev_state *b = &st[act[k]];

		if (b->cand == b->cand_end)
			continue;
		t = maglev_tail_next(b, list, g);
		if (t < first)
			first = t;
	}
	if (g[pace] * p->rate >= first)
		return p->look;
	/* the first pace at or past the first look due; the last, size - 1, is */
	lo = pace + 1;
	hi = size - 1;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (g[mid] * p->rate >= first)
			hi = mid;
		else
			lo = mid + 1;
	}
	return p->look + (lo - pace + batch - 1) / batch * batch;
}

typedef double maglev_v2d __attribute__((vector_size(16)));

/*
 * g(j) ~ 2^27 * -ln(1 - (j + 1) / (size + 1)): the exponential clock of a
 * look, the sum of floor(2^27 / (size - k)) for k <= j. The quotients are
 * divisions of doubles, two at a time, which the CPU does faster than
 * integer ones; and exactly: the double quotient is correctly rounded, and
 * one that is not a whole number is at least 1 / d >= 2^-20 away from the
 * next whole number, more than its rounding error, at most 2^-26 at 2^27.
 */
static void maglev_clock(__u32 *g, __u32 size)
{
	const maglev_v2d num = { 1u << MAGLEV_G_SHIFT, 1u << MAGLEV_G_SHIFT }, two = { 2, 2 };
	maglev_v2d d = { size, size - 1 }, q;
	__u32 acc = 0, j = 0;

	for (; j + 1 < size; j += 2, d -= two) {
		q = num / d;
		acc += (__u32)q[0];
		g[j] = acc;
		acc += (__u32)q[1];
		g[j + 1] = acc;
	}
	for (; j < size; j++) {
		acc += (1u << MAGLEV_G_SHIFT) / (size - j);
		g[j] = acc;
	}
}

int maglev_build(const struct maglev_backend *backends, size_t n, __u32 seed, __u32 *table,
		 __u32 size)
{
	__u32 max_weight, min_weight = ~0u, filled, *g, *act, *tail, pace, batch;
	size_t active, nact, i, k, pacer;
	struct maglev_state *st;
	__u32 *list = NULL;
	__u64 limit;
	__u8 *taken;
	int err;

	err = maglev_check(backends, n, table, size, &active, &max_weight);
	if (err)
		return err;

	/*
	 * One allocation: per-backend state, active list, g(), room for the
	 * tail's list, one "taken" byte per slot. Only the state and the bytes
	 * are cleared: what is not needed is not touched.
	 */
	st = malloc(active * (sizeof(*st) + sizeof(*act)) + (size_t)size * sizeof(*g) +
		    maglev_tail_room(active, size) + size);
	if (!st)
		return -ENOMEM;
	memset(st, 0, active * sizeof(*st));
	act = (__u32 *)(st + active);
	g = act + active;
	tail = g + size;
	taken = (__u8 *)tail + maglev_tail_room(active, size);
	memset(taken, 0, size);

	for (i = 0, k = 0; i < n; i++) {
		const struct maglev_backend *be = &backends[i];
		__u64 h;

		if (!be->weight)
			continue;
		h = XXH3_64bits_withSeed(be->key, be->key_len, seed);
		st[k].hash = h;
		st[k].offset = st[k].next = (__u32)h % size;
		st[k].skip = (__u32)(h >> 32) % (size - 1) + 1;
		st[k].weight = be->weight;
		st[k].id = be->id;
		if (be->weight < min_weight)
			min_weight = be->weight;
		k++;
	}
	err = maglev_quotas(st, active, size);
	if (err) {
		free(st);
		return err;
	}

	maglev_clock(g, size);

	/* Active: backends below quota, in backend order; the pacer is the heaviest. */
	nact = 0;
	pacer = 0;
	for (k = 0; k < active; k++) {
		st[k].rate = (__u64)0xffffffffu * min_weight / st[k].weight;
		if (!st[k].quota)
			continue;
		if (!nact || st[k].rate < st[act[pacer]].rate)
			pacer = nact;
		act[nact++] = (__u32)k;
	}
	batch = maglev_pace(st, act, nact, pacer);

	filled = 0;
	while (filled < size) {
		struct maglev_state *p = &st[act[pacer]];
		bool full = false;

		if (!list && nact * (size - filled) <= MAGLEV_TAIL_PAIRS) {
			list = tail;
			maglev_tail_start(st, act, nact, taken, size, size - filled, list);
		}
		if (list)
			p->look = maglev_tail_skip(st, act, nact, p, list, g, batch, size);

		/* A round: every backend's looks up to the pacer's batch-th from now. */
		pace = p->look + batch - 1;
		limit = g[pace < size ? pace : size - 1] * p->rate;
		for (k = 0; k < nact; k++) {
			struct maglev_state *b = &st[act[k]];

			/* past 15/16 full, under 1 look in 16 takes a slot */
			if (list)
				filled += maglev_tail_looks(b, list, g, limit, taken, table, size);
			else
				filled += maglev_looks(b, g, limit, taken, table, size,
						       filled >= size - size / 16);
			full |= b->count == b->quota;
		}
		if (list)
			p->look = pace < size ? pace + 1 : size;
		if (!full)
			continue;
		for (i = 0, k = 0; k < nact; k++) {
			struct maglev_state *b = &st[act[k]];

			if (b->count == b->quota)
				continue;
			if (!i || b->rate < st[act[pacer]].rate)
				pacer = i;
			act[i++] = act[k];
		}
		nact = i;
		if (!nact)
			break;
		batch = maglev_pace(st, act, nact, pacer);
		if (list) /* where the rounds so far left the new pacer */
			st[act[pacer]].look = maglev_look_after(&st[act[pacer]], g, limit, size);
	}

	free(st);
	return 0;
}
