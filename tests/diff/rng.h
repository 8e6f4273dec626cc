/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The differential test's deterministic PRNG (splitmix64): a seed replays a run. */
#ifndef XDPCAST_DIFF_RNG_H
#define XDPCAST_DIFF_RNG_H

#include <linux/types.h>

struct rng {
	__u64 s;
};

static inline __u64 rng_next(struct rng *r)
{
	__u64 z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0. */
static inline __u32 rng_below(struct rng *r, __u32 n)
{
	return (__u32)(((rng_next(r) & 0xffffffffull) * n) >> 32);
}

/* True with probability @pct percent. */
static inline int rng_pct(struct rng *r, __u32 pct)
{
	return rng_below(r, 100) < pct;
}

#endif /* XDPCAST_DIFF_RNG_H */
