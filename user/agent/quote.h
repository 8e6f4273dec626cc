/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Untrusted bytes (a configuration's keys and values, a control request's
 * strings) quoted for a message that goes to the log and into JSON: one
 * line, printable ASCII only, bounded.
 */
#ifndef XDPCAST_QUOTE_H
#define XDPCAST_QUOTE_H

#include <stddef.h>

/* The size quote_untrusted() needs for @max bytes: the quotes, "..." and the NUL. */
#define QUOTE_SIZE(max) ((max) + 6)

/*
 * @len bytes at @s in double quotes, into @buf (@size bytes, at least
 * QUOTE_SIZE(@max) to hold @max of them): printable ASCII kept, every other
 * byte (controls, newlines, escape sequences, anything not ASCII) shown as
 * '?', cut after @max bytes with "...". Returns @buf.
 */
const char *quote_untrusted(char *buf, size_t size, const char *s, size_t len, size_t max);

/* strspn() of the @len bytes at @s, which need no NUL (a request in a
 * client's buffer): bytes of @set at its head, up to a NUL or @len. */
size_t span_bounded(const char *s, size_t len, const char *set);

#endif /* XDPCAST_QUOTE_H */
