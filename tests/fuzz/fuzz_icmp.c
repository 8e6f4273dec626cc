// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fuzz harness: the ICMP probe's demux (probe_icmp_demux() of probe_icmp.c),
 * which finds the waiting probe a datagram from the shared raw socket
 * answers. A fixed set of outstanding probes (two sharing a hash bucket, one
 * IPv6, one bound to an interface) waits with known sequence numbers and
 * cookies, so that a match is reachable. Input: byte 0 picks the family, the
 * interface the datagram came in on and whether the harness fixes the IPv4
 * ICMP checksum (a fuzzer rarely guesses one); byte 1 picks the source
 * address (one of the targets, or the next 4/16 input bytes); the rest is
 * the datagram (IPv4 with its IP header, ICMPv6 without). A match must be a
 * waiting probe of the datagram's family.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "probe_icmp.h"

#define IDENT 0x5843
#define N_PROBES 4
#define IN_IFINDEX 7
#define IPV4_MIN_HLEN 20

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char *addr;
	uint16_t seq;
	int ifindex;
} waiting[N_PROBES] = {
	{ "198.18.1.2", 1, 0 },
	{ "198.18.2.2", 1 + PROBE_ICMP_BUCKETS, 0 }, /* the same bucket as seq 1 */
	{ "2001:db8:18:1::2", 2, 0 },
	{ "198.18.3.2", 3, IN_IFINDEX },
};

static struct probe_icmp_env env;
static struct probe *probes[N_PROBES];

static void setup(void)
{
	env.ident = IDENT;
	for (int i = 0; i < N_PROBES; i++) {
		struct probe *p = calloc(1, sizeof(*p) + sizeof(struct probe_icmp));
		struct probe_icmp *st;

		if (!p)
			abort();
		probes[i] = p;
		st = probe_icmp_of(p);
		p->type_env = &env;
		p->ifindex = waiting[i].ifindex;
		addr_parse(&p->target.ip, waiting[i].addr);
		st->waiting = true;
		st->seq = waiting[i].seq;
		memcpy(st->cookie, "cookie-", 7);
		st->cookie[7] = (uint8_t)('0' + i);
		st->next = env.waiters[st->seq % PROBE_ICMP_BUCKETS];
		env.waiters[st->seq % PROBE_ICMP_BUCKETS] = p;
	}
}

static bool is_waiting(const struct probe *p)
{
	for (int i = 0; i < N_PROBES; i++)
		if (probes[i] == p)
			return true;
	return false;
}

/* The IPv4 ICMP checksum of datagram @b made right, when it has a header. */
static void fix_csum(uint8_t *b, size_t len)
{
	size_t ihl, i;
	uint32_t sum = 0;

	if (len < IPV4_MIN_HLEN)
		return;
	ihl = (size_t)(b[0] & 0x0f) * 4;
	if (ihl < IPV4_MIN_HLEN || len < ihl + 4)
		return;
	b += ihl;
	len -= ihl;
	b[2] = b[3] = 0;
	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	b[2] = (uint8_t)(~sum >> 8);
	b[3] = (uint8_t)~sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage from = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&from;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&from;
	struct probe_icmp_answer ans;
	size_t alen;
	uint8_t *buf;
	int family;

	if (!env.ident)
		setup();
	if (size < 2)
		return 0;
	family = data[0] & 1 ? AF_INET6 : AF_INET;
	env.in_ifindex = (data[0] >> 2) & 3 ? IN_IFINDEX + ((data[0] >> 2) & 3) - 1 : 0;
	from.ss_family = (sa_family_t)family;
	alen = family == AF_INET ? 4 : 16;
	if (data[1] & 0x80) {
		if (size < 2 + alen)
			return 0;
		memcpy(family == AF_INET ? (void *)&sin->sin_addr : (void *)&sin6->sin6_addr,
		       data + 2, alen);
		data += alen;
		size -= alen;
	} else {
		const struct probe *p = probes[data[1] % N_PROBES];

		memcpy(family == AF_INET ? (void *)&sin->sin_addr : (void *)&sin6->sin6_addr,
		       family == AF_INET ? &p->target.addr.s6_addr[12] : p->target.addr.s6_addr,
		       alen);
	}
	/* an exact copy: a read past the datagram's end is caught */
	buf = malloc(size - 2 ? size - 2 : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 2, size - 2);
	if (family == AF_INET && (data[0] & 2))
		fix_csum(buf, size - 2);
	probe_icmp_demux(&env, &from, buf, size - 2, &ans);
	free(buf);
	if (ans.probe && (!is_waiting(ans.probe) || ans.probe->target.family != family))
		abort();
	if (!ans.probe && ans.unreachable)
		abort();
	return 0;
}
