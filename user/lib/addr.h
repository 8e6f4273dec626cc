/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An IP address of either family in one shape: IPv4 stored IPv4-mapped
 * (::ffff:a.b.c.d), as the dataplane's keys hold it, so that one comparison
 * and one copy serve both families. Parsing, formatting, equality and the
 * IPv4-mapped conversions, for the agent, its library and their tests.
 */
#ifndef XDPCAST_ADDR_H
#define XDPCAST_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

/* Room for any address's text and its NUL. */
#define ADDR_TEXT_SIZE INET6_ADDRSTRLEN

struct addr {
	int family; /* AF_INET or AF_INET6 */
	struct in6_addr addr; /* IPv4 stored IPv4-mapped (::ffff:a.b.c.d) */
};

/*
 * "192.0.2.1" or "2001:db8::1" into @a; an IPv4-mapped IPv6 text is the
 * IPv4 address. False (and @a zeroed) for anything else.
 */
bool addr_parse(struct addr *a, const char *text);
/* The normalised text of @a ("192.0.2.1", "2001:db8::1") into @buf; returns @buf. */
const char *addr_format(const struct addr *a, char *buf, size_t size);
/* Whether @x and @y are the same address. */
bool addr_equal(const struct addr *x, const struct addr *y);

/* ::ffff:a.b.c.d from the 4 bytes of @v4 (network order). */
void addr_map_v4(struct in6_addr *out, const void *v4);
/* AF_INET if @a is IPv4-mapped, else AF_INET6. */
int addr_family_of(const struct in6_addr *a);
/* The IPv4 address an IPv4-mapped @a holds. */
struct in_addr addr_v4(const struct in6_addr *a);

#endif /* XDPCAST_ADDR_H */
