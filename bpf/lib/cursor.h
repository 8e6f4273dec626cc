/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A bounded cursor over the packet: every header is pulled through it. */
#ifndef XDPCAST_CURSOR_H
#define XDPCAST_CURSOR_H

struct cursor {
	void *pos;
	void *end;
};

/* Next @len bytes (a constant) or NULL when the packet is too short. */
static __always_inline void *cursor_pull(struct cursor *c, __u32 len)
{
	void *p = c->pos;

	if (p + len > c->end)
		return NULL;
	c->pos = p + len;
	return p;
}

/*
 * Skip @len bytes, a value read from the packet, at most @max (a constant).
 * The verifier gives a packet pointer a range only when its variable offset
 * is known to be small: the explicit check against @max proves it, and
 * barrier_var() keeps clang from dropping that check as redundant when it
 * can derive the bound itself (the verifier cannot).
 */
static __always_inline int cursor_skip(struct cursor *c, __u32 len, __u32 max)
{
	void *p;

	barrier_var(len);
	if (len > max)
		return -1;
	p = c->pos + len;
	if (p > c->end)
		return -1;
	c->pos = p;
	return 0;
}

#endif /* XDPCAST_CURSOR_H */
