// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Untrusted bytes quoted for messages (quote.h). Bytes over 0x7f are
 * replaced too: they may be invalid UTF-8 (JSON must not carry it), C1
 * controls, or a character cut in two by the bound.
 */
#include "quote.h"

#include <string.h>

const char *quote_untrusted(char *buf, size_t size, const char *s, size_t len, size_t max)
{
	size_t i, o = 0;

	if (size < QUOTE_SIZE(0)) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	/* room for the closing quote, "..." and the NUL */
	if (max > size - QUOTE_SIZE(0))
		max = size - QUOTE_SIZE(0);
	buf[o++] = '"';
	for (i = 0; i < len && i < max; i++)
		buf[o++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (i < len) {
		buf[o++] = '.';
		buf[o++] = '.';
		buf[o++] = '.';
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

size_t span_bounded(const char *s, size_t len, const char *set)
{
	size_t n = 0;

	while (n < len && s[n] && strchr(set, s[n]))
		n++;
	return n;
}
