/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Weighted Maglev consistent hashing (Eisenbud et al., NSDI 2016): builds the
 * lookup table of a VIP, each slot holding the id of the backend that owns it.
 */
#ifndef XDPCAST_MAGLEV_H
#define XDPCAST_MAGLEV_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

struct maglev_backend {
	__u32 id; /* value written into the table's slots (a backend id) */
	__u32 weight; /* relative share of slots; 0 = no slots (drained or down) */
	const void *key; /* stable identity hashed for the permutation (e.g. address bytes) */
	size_t key_len;
};

/* Whether n is a prime number. */
bool maglev_is_prime(__u32 n);

/*
 * Fills table[0..size-1] with backend ids; slot counts are proportional to the
 * weights. The result depends only on the backends (ids, weights, key bytes,
 * order) and the seed. Backends with equal keys get the same permutation.
 *
 * Returns 0;
 * -EINVAL if size is not a prime in [2, XDPCAST_TABLE_SIZE_MAX], table is
 *  NULL, backends is NULL with n > 0, n > XDPCAST_MAX_BACKENDS, or a backend
 *  has a NULL key with key_len > 0;
 * -ENOENT if no backend has a nonzero weight (n == 0 included): table untouched;
 * -ENOMEM: table untouched.
 */
int maglev_build(const struct maglev_backend *backends, size_t n, __u32 seed, __u32 *table,
		 __u32 size);

#endif /* XDPCAST_MAGLEV_H */
