// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fuzz harness: state_dir/operator-state.json as xdpcastd reads it at start
 * (operator_state_parse(), after the bounded read). A file accepted must
 * give entries that fit their fields, weights in range and addresses of
 * either family; formatted again and parsed back, it must give the same
 * entries (what save writes, restore reads). A refusal must say why in one
 * printable line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "operator_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reason(const char *err)
{
	if (!err[0])
		abort();
	for (const char *p = err; *p; p++)
		if (*p == '\n' || (unsigned char)*p < 0x20)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct operator_entry *e, *again;
	size_t n, n2;
	char err[256] = "";
	char *text;

	if (operator_state_parse((const char *)data, size, &e, &n, err, sizeof(err))) {
		check_reason(err);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!e[i].vip[0] || !e[i].backend[0] || e[i].weight > XDPCAST_WEIGHT_MAX ||
		    (e[i].addr.family != AF_INET && e[i].addr.family != AF_INET6))
			abort();
	text = operator_state_format(e, n);
	if (!text)
		abort();
	if (operator_state_parse(text, strlen(text), &again, &n2, err, sizeof(err)) || n2 != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].vip, again[i].vip) || strcmp(e[i].backend, again[i].backend) ||
		    e[i].weight != again[i].weight || !addr_equal(&e[i].addr, &again[i].addr))
			abort();
	free(again);
	free(text);
	free(e);
	return 0;
}
