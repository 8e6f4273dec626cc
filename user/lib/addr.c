/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Addresses of either family, IPv4 stored IPv4-mapped (addr.h). */
#include "addr.h"

#include <arpa/inet.h>
#include <string.h>

void addr_map_v4(struct in6_addr *out, const void *v4)
{
	memset(out, 0, sizeof(*out));
	out->s6_addr[10] = 0xff;
	out->s6_addr[11] = 0xff;
	memcpy(&out->s6_addr[12], v4, 4);
}

int addr_family_of(const struct in6_addr *a)
{
	return IN6_IS_ADDR_V4MAPPED(a) ? AF_INET : AF_INET6;
}

struct in_addr addr_v4(const struct in6_addr *a)
{
	struct in_addr v4;

	memcpy(&v4, &a->s6_addr[12], 4);
	return v4;
}

bool addr_parse(struct addr *a, const char *text)
{
	struct in_addr v4;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text, &v4) == 1) {
		addr_map_v4(&a->addr, &v4);
	} else if (inet_pton(AF_INET6, text, &a->addr) != 1) {
		memset(a, 0, sizeof(*a));
		return false;
	}
	a->family = addr_family_of(&a->addr);
	return true;
}

const char *addr_format(const struct addr *a, char *buf, size_t size)
{
	struct in_addr v4 = addr_v4(&a->addr);

	if (!inet_ntop(a->family, a->family == AF_INET ? (const void *)&v4 : (const void *)&a->addr,
		       buf, (socklen_t)size) &&
	    size)
		buf[0] = '\0';
	return buf;
}

bool addr_equal(const struct addr *x, const struct addr *y)
{
	return x->family == y->family && !memcmp(&x->addr, &y->addr, sizeof(x->addr));
}
