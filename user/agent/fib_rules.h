/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Policy routing rules (`ip rule`) of one protocol over rtnetlink (libmnl):
 * add one, delete one, list those of a protocol. The probe paths
 * (probe_path.c) decide what they should be.
 */
#ifndef XDPCAST_FIB_RULES_H
#define XDPCAST_FIB_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fib_rule_action {
	FIB_RULE_LOOKUP, /* lookup @table */
	FIB_RULE_GOTO, /* goto @target (a priority) */
	FIB_RULE_NOP, /* nothing: a goto's target */
	FIB_RULE_UNREACHABLE, /* the lookup fails with ENETUNREACH */
};

/* The fields xdpcastd uses; a rule with any other selector or action is
 * never ours (modelled false: only family, priority and protocol are set). */
struct fib_rule {
	bool modelled;
	int family; /* AF_INET or AF_INET6 */
	uint32_t priority;
	enum fib_rule_action action;
	bool invert; /* `not`: the selectors must not match */
	bool iif_lo; /* `iif lo`: the router's own packets only */
	uint32_t mark, mask; /* `fwmark mark/mask`; mask 0: any mark */
	uint32_t table; /* FIB_RULE_LOOKUP */
	uint32_t target; /* FIB_RULE_GOTO */
	uint8_t protocol;
};

struct fib_rules;

/* 0 or -errno; *out is NULL on failure. */
int fib_rules_open(struct fib_rules **out);
void fib_rules_close(struct fib_rules *f);
/* Add @r: 0, -EEXIST when an equal rule is there already, or -errno. */
int fib_rule_add(struct fib_rules *f, const struct fib_rule *r);
/* Delete a rule equal to @r: 0, -ENOENT when there is none, or -errno. */
int fib_rule_delete(struct fib_rules *f, const struct fib_rule *r);
/* Call @fn for each rule, IPv4 then IPv6 (a family the kernel lacks has
 * none), valid during the call only; @fn must not call fib_rule_* on @f.
 * 0 or -errno. */
typedef void (*fib_rule_fn)(void *arg, const struct fib_rule *r);
int fib_rules_dump(struct fib_rules *f, fib_rule_fn fn, void *arg);

/* A rule message (RTM_NEWRULE of a dump) as a struct fib_rule, modelled when
 * it uses nothing else: false when it is no rule message. No I/O
 * (fib_rules_dump() and the fuzz harness tests/fuzz/fuzz_nl_route.c call it). */
struct nlmsghdr;
bool fib_rule_parse(const struct nlmsghdr *nlh, struct fib_rule *r);

bool fib_rule_equal(const struct fib_rule *a, const struct fib_rule *b);
/* "prio 901 iif lo fwmark 0x58430001/0xffffffff lookup 58430001 proto 251" */
void fib_rule_format(const struct fib_rule *r, char *buf, size_t len);

#endif /* XDPCAST_FIB_RULES_H */
