// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fuzz harness: the DNS probe's verdict on a reply (probe_dns_judge() of
 * probe_dns.c), as the probe's socket code hands replies to it. The first
 * input byte picks one of a few checks (UDP or TCP, query type, `expect`,
 * accepted rcodes); the rest is what the server sent: over UDP one datagram
 * (judged when its id is ours and it fits in 512 bytes), over TCP the 2-byte
 * length then the message (judged when the length is 1..16384 and all of it
 * came). The verdict must come with a bounded reason when it fails.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "probe_dns.h"

#define QID 0xbeef
#define DNS_UDP_MAX 512 /* probe_dns.c: a reply to a query without EDNS */
#define DNS_TCP_MAX 16384 /* probe_dns.c: a TCP reply's largest length */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct dns_case {
	bool tcp;
	uint16_t type;
	const char *expect;
	uint32_t rcodes; /* 0: NOERROR only */
};

static const struct dns_case cases[] = {
	{ false, LDNS_RR_TYPE_SOA, "", 0 },
	{ true, LDNS_RR_TYPE_SOA, "", 0 },
	{ false, LDNS_RR_TYPE_A, "198.18.1.2", 0 },
	{ true, LDNS_RR_TYPE_AAAA, "2001:db8::1", 0 },
	{ false, LDNS_RR_TYPE_TXT, "v=spf1 -all", 0 },
	{ true, LDNS_RR_TYPE_TXT, "b1", 0 },
	{ false, LDNS_RR_TYPE_MX, "10 mail.example.test.", 0 },
	{ false, LDNS_RR_TYPE_A, "", (1u << LDNS_RCODE_NOERROR) | (1u << LDNS_RCODE_NXDOMAIN) },
};

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct dns_case *c;
	struct check_config check = { .type = CHECK_DNS, .timeout_ms = 500 };
	char reason[PROBE_REASON_MAX];
	size_t len;
	bool ok;

	if (size < 1)
		return 0;
	c = &cases[data[0] % (sizeof(cases) / sizeof(cases[0]))];
	data++;
	size--;
	check.dns_tcp = c->tcp;
	check.dns_type = c->type;
	check.dns_rcodes = c->rcodes;
	snprintf(check.dns_name, sizeof(check.dns_name), "www.example.test");
	snprintf(check.dns_expect, sizeof(check.dns_expect), "%s", c->expect);
	if (c->tcp) {
		if (size < 2)
			return 0;
		len = get16(data);
		if (!len || len > DNS_TCP_MAX || size - 2 < len)
			return 0;
		data += 2;
	} else {
		len = size;
		if (len < 2 || get16(data) != QID || len > DNS_UDP_MAX)
			return 0;
	}
	ok = probe_dns_judge(&check, QID, data, len, reason);
	if (strlen(reason) >= PROBE_REASON_MAX || (!ok && !reason[0]))
		abort();
	return 0;
}
