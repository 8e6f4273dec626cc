/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Inside the configuration parser: the `check:` mappings of VIPs and
 * backends (config_check.c), for config.c. A VIP's check starts from the
 * defaults; a backend's starts from its VIP's and overrides some keys.
 */
#ifndef XDPCAST_CONFIG_CHECK_H
#define XDPCAST_CONFIG_CHECK_H

#include "config.h"
#include "yaml_schema.h"

/* Indexes in the check's key table, bits of check_state.given. */
enum check_key {
	CK_TYPE,
	CK_TARGET,
	CK_INTERVAL,
	CK_TIMEOUT,
	CK_JITTER,
	CK_RISE,
	CK_FALL,
	CK_INITIAL,
	CK_PORT,
	CK_NAME,
	CK_QTYPE,
	CK_TRANSPORT,
	CK_RCODES,
	CK_EXPECT,
	CK_PATH,
	CK_HOST,
	CK_STATUSES,
	CK_BODY,
	CK_TLS_VERIFY,
	CK_N,
};

/* A check being built: the VIP's, then a backend's copy of it with overrides. */
struct check_state {
	struct check_config check;
	uint32_t
		given; /* bit per enum check_key written (timeout and jitter defaults follow interval) */
};

/* Where a check is written, for its messages. */
struct check_site {
	yaml_node_t *node; /* the check mapping, else the VIP's or backend's */
	char path[SCHEMA_PATH_MAX];
	struct schema_kv kv[CK_N]; /* keys written in that mapping */
};

/* A VIP's check before its `check:` is read. */
extern const struct check_config check_defaults;

/* Parse @site->node into @st, on top of what it holds. */
int check_parse(struct schema_doc *d, struct check_site *site, struct check_state *st);
/* The final check from @st: defaults that depend on other keys, then consistency. */
int check_finish(struct schema_doc *d, const struct check_state *st, struct check_site *site,
		 uint16_t vip_port, struct check_config *out);
/* The node and path of @key if written at @site, else of the site itself. */
yaml_node_t *check_site_at(struct check_site *site, enum check_key key, char *path);

#endif /* XDPCAST_CONFIG_CHECK_H */
