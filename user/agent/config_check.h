/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Health checks as configured: struct check_config and what everyone asks of
 * one (its name, port, equality); and, for the parser in config.c, the
 * `check:` mappings of VIPs and backends. A VIP's check starts from the
 * defaults; a backend's starts from its VIP's and overrides some keys.
 * Below config.h: it knows nothing of VIPs or the rest of the file.
 */
#ifndef XDPCAST_CONFIG_CHECK_H
#define XDPCAST_CONFIG_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yaml_schema.h"

#define CONFIG_TEXT_MAX 256
#define CONFIG_MAX_STATUSES 16

enum check_type { CHECK_ICMP, CHECK_TCP, CHECK_DNS, CHECK_HTTP, CHECK_HTTPS };

/* Where a check's packets go (`target:`): the service address through the
 * backend's next hop, as a client's would (default), or the backend's own. */
enum check_target { CHECK_TARGET_VIP, CHECK_TARGET_BACKEND };

/* A health check: how to probe one backend and how to judge the results. */
struct check_config {
	enum check_type type;
	enum check_target target;
	uint32_t interval_ms; /* time between probe starts (default 1000) */
	uint32_t timeout_ms; /* a probe that takes longer fails (default 500; <= interval) */
	/* each start is shifted by a random 0..jitter_ms (default interval/10) */
	uint32_t jitter_ms;
	uint32_t rise; /* consecutive passes to become up (default 2) */
	uint32_t fall; /* consecutive failures to become down (default 3) */
	bool initial_up; /* state before the first verdict (`initial: up|down`, default down) */
	/* tcp, dns, http(s); 0 = the type's default (53, 80, 443). With target vip
	 * and no port of its own, the VIP's port (when it has one) */
	uint16_t port;

	/* dns */
	bool dns_tcp; /* `transport: tcp` (default udp) */
	char dns_name[CONFIG_TEXT_MAX]; /* query name (required for dns) */
	uint16_t dns_type; /* RR type number (`qtype: A`, default SOA) */
	uint32_t dns_rcodes; /* bit per accepted rcode (default NOERROR only) */
	/* "": any answer; else one answer's rdata must equal this text */
	char dns_expect[CONFIG_TEXT_MAX];

	/* http, https */
	char http_path[CONFIG_TEXT_MAX]; /* default "/" */
	char http_host[CONFIG_TEXT_MAX]; /* Host header and TLS name; "" = the target address */
	uint16_t http_statuses[CONFIG_MAX_STATUSES]; /* accepted statuses (default 200) */
	size_t n_http_statuses;
	char http_body[CONFIG_TEXT_MAX]; /* "": any body; else it must contain this */
	bool tls_verify; /* https: verify the certificate (default true) */
};

/* "icmp", "tcp", ... */
const char *check_type_name(enum check_type type);
/* "vip" or "backend" */
const char *check_target_name(enum check_target target);
/* Whether two checks probe and judge the same way. */
bool check_config_equal(const struct check_config *x, const struct check_config *y);
/* The port a check probes: its own, or its type's default. */
uint16_t check_port(const struct check_config *check);

/* --- for the parser (config.c) --- */

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
