// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy routing rules over rtnetlink (fib_rules.h): RTM_NEWRULE with
 * NLM_F_EXCL (rules are not keyed: a plain add would duplicate one),
 * RTM_DELRULE with the same selectors, and a dump of every rule with its
 * protocol (FRA_PROTOCOL, kernel 4.17+), which is how xdpcastd knows its own.
 */
#include "fib_rules.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/fib_rules.h>

#include "nl.h"

#define LOOPBACK_NAME "lo"

struct fib_rules {
	struct nl_query q;
	fib_rule_fn fn; /* the running dump's */
	void *arg;
};
_Static_assert(offsetof(struct fib_rules, q) == 0, "an nl_handle_new() handle");

int fib_rules_open(struct fib_rules **out)
{
	*out = nl_handle_new(sizeof(**out));
	return *out ? 0 : -errno;
}

void fib_rules_close(struct fib_rules *f)
{
	nl_handle_free(f);
}

static const uint8_t actions[] = {
	[FIB_RULE_LOOKUP] = FR_ACT_TO_TBL,
	[FIB_RULE_GOTO] = FR_ACT_GOTO,
	[FIB_RULE_NOP] = FR_ACT_NOP,
	[FIB_RULE_UNREACHABLE] = FR_ACT_UNREACHABLE,
};

static struct nlmsghdr *put_rule(struct fib_rules *f, uint16_t type, uint16_t flags,
				 const struct fib_rule *r)
{
	struct fib_rule_hdr h = {
		.family = (uint8_t)r->family,
		.action = actions[r->action],
		.flags = r->invert ? FIB_RULE_INVERT : 0,
		.table = r->action == FIB_RULE_LOOKUP && r->table < 256 ? (uint8_t)r->table : 0,
	};
	struct nlmsghdr *nlh = nl_request(&f->q, type, flags, &h, sizeof(h));

	mnl_attr_put_u32(nlh, FRA_PRIORITY, r->priority);
	mnl_attr_put_u8(nlh, FRA_PROTOCOL, r->protocol);
	if (r->iif_lo)
		mnl_attr_put_strz(nlh, FRA_IIFNAME, LOOPBACK_NAME);
	if (r->mask) {
		mnl_attr_put_u32(nlh, FRA_FWMARK, r->mark);
		mnl_attr_put_u32(nlh, FRA_FWMASK, r->mask);
	}
	if (r->action == FIB_RULE_LOOKUP)
		mnl_attr_put_u32(nlh, FRA_TABLE, r->table);
	if (r->action == FIB_RULE_GOTO)
		mnl_attr_put_u32(nlh, FRA_GOTO, r->target);
	return nlh;
}

int fib_rule_add(struct fib_rules *f, const struct fib_rule *r)
{
	return nl_query_run(&f->q, put_rule(f, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, r), NULL,
			    NULL);
}

int fib_rule_delete(struct fib_rules *f, const struct fib_rule *r)
{
	return nl_query_run(&f->q, put_rule(f, RTM_DELRULE, 0, r), NULL, NULL);
}

/* A u32 attribute that is there and not "unset" (-1). */
static bool set_u32(const struct nlattr *a)
{
	return a && nl_attr_u32(a, UINT32_MAX) != UINT32_MAX;
}

bool fib_rule_parse(const struct nlmsghdr *nlh, struct fib_rule *r)
{
	const struct nlattr *tb[FRA_MAX + 1] = { NULL };
	const struct fib_rule_hdr *h = mnl_nlmsg_get_payload(nlh);
	size_t i;

	memset(r, 0, sizeof(*r));
	if (nlh->nlmsg_type != RTM_NEWRULE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*h))
		return false;
	nl_parse_attrs(nlh, sizeof(*h), tb, FRA_MAX);
	r->family = h->family;
	r->priority = nl_attr_u32(tb[FRA_PRIORITY], 0);
	if (tb[FRA_PROTOCOL] && mnl_attr_get_payload_len(tb[FRA_PROTOCOL]))
		r->protocol = mnl_attr_get_u8(tb[FRA_PROTOCOL]);
	for (i = 0; i < sizeof(actions) && actions[i] != h->action; i++)
		;
	if (i == sizeof(actions) || h->dst_len || h->src_len || h->tos ||
	    (h->flags & ~FIB_RULE_INVERT))
		return true;
	if (tb[FRA_DST] || tb[FRA_SRC] || tb[FRA_OIFNAME] || tb[FRA_L3MDEV] || tb[FRA_UID_RANGE] ||
	    tb[FRA_IP_PROTO] || tb[FRA_SPORT_RANGE] || tb[FRA_DPORT_RANGE] || tb[FRA_TUN_ID] ||
	    set_u32(tb[FRA_SUPPRESS_PREFIXLEN]) || set_u32(tb[FRA_SUPPRESS_IFGROUP]))
		return true;
	r->action = (enum fib_rule_action)i;
	r->invert = h->flags & FIB_RULE_INVERT;
	if (tb[FRA_IIFNAME]) {
		if (strncmp(mnl_attr_get_str(tb[FRA_IIFNAME]), LOOPBACK_NAME,
			    mnl_attr_get_payload_len(tb[FRA_IIFNAME])))
			return true;
		r->iif_lo = true;
	}
	r->mark = nl_attr_u32(tb[FRA_FWMARK], 0);
	/* the kernel's default: all ones for a mark given without a mask */
	r->mask = nl_attr_u32(tb[FRA_FWMASK], r->mark ? UINT32_MAX : 0);
	if (r->action == FIB_RULE_LOOKUP)
		r->table = nl_attr_u32(tb[FRA_TABLE], h->table);
	if (r->action == FIB_RULE_GOTO)
		r->target = nl_attr_u32(tb[FRA_GOTO], 0);
	r->modelled = true;
	return true;
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fib_rules *f = data;
	struct fib_rule r;

	if (fib_rule_parse(nlh, &r))
		f->fn(f->arg, &r);
	return MNL_CB_OK;
}

int fib_rules_dump(struct fib_rules *f, fib_rule_fn fn, void *arg)
{
	struct fib_rule_hdr h = { 0 };

	f->fn = fn;
	f->arg = arg;
	return nl_dump_families(&f->q, RTM_GETRULE, &h, sizeof(h), dump_cb, f);
}

bool fib_rule_equal(const struct fib_rule *a, const struct fib_rule *b)
{
	return a->family == b->family && a->priority == b->priority && a->action == b->action &&
	       a->invert == b->invert && a->iif_lo == b->iif_lo && a->mask == b->mask &&
	       (a->mark & a->mask) == (b->mark & b->mask) && a->protocol == b->protocol &&
	       (a->action != FIB_RULE_LOOKUP || a->table == b->table) &&
	       (a->action != FIB_RULE_GOTO || a->target == b->target);
}

void fib_rule_format(const struct fib_rule *r, char *buf, size_t len)
{
	static const char *const names[] = { "lookup", "goto", "nop", "unreachable" };
	size_t off;

	off = (size_t)snprintf(buf, len, "%s prio %u%s%s", r->family == AF_INET6 ? "ipv6" : "ipv4",
			       r->priority, r->invert ? " not" : "", r->iif_lo ? " iif lo" : "");
	if (off < len && r->mask)
		off += (size_t)snprintf(buf + off, len - off, " fwmark 0x%x/0x%x", r->mark,
					r->mask);
	if (off < len)
		off += (size_t)snprintf(buf + off, len - off, " %s", names[r->action]);
	if (off < len && r->action == FIB_RULE_LOOKUP)
		off += (size_t)snprintf(buf + off, len - off, " %u", r->table);
	if (off < len && r->action == FIB_RULE_GOTO)
		off += (size_t)snprintf(buf + off, len - off, " %u", r->target);
	if (off < len)
		snprintf(buf + off, len - off, " proto %u", r->protocol);
}
