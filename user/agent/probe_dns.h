/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The DNS probe's verdict on a reply (probe_dns.c), exposed for its tests
 * and its fuzz harness.
 */
#ifndef XDPCAST_PROBE_DNS_H
#define XDPCAST_PROBE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "probe_result.h"

/*
 * The verdict on a DNS reply to a query with id @id for @check: true if it
 * is acceptable; else false with the reason in @reason.
 */
bool probe_dns_judge(const struct check_config *check, uint16_t id, const uint8_t *reply,
		     size_t len, char reason[PROBE_REASON_MAX]);

#endif /* XDPCAST_PROBE_DNS_H */
