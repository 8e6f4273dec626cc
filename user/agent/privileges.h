/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xdpcastd's privileges: before it starts, it keeps only the capabilities its
 * work needs (docs/xdpcastd.md#privileges says which and why), empties its
 * bounding set when it may and its ambient set, and sets no_new_privs, so
 * that the code parsing DNS, HTTP/TLS and ICMP from the network cannot use
 * or regain the others. Its uid stays what it was (root, as a rule).
 */
#ifndef XDPCAST_PRIVILEGES_H
#define XDPCAST_PRIVILEGES_H

/*
 * Keep the needed capabilities, effective and permitted, and nothing else:
 * 0, or -errno after a message naming what is missing or what failed
 * (nothing then changed that matters: the caller must not start).
 */
int privileges_drop(void);

#endif /* XDPCAST_PRIVILEGES_H */
