/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xdpcastd's configuration: the YAML file (see docs/configuration.md) parsed
 * with libyaml into plain structs, checked whole before anything uses it.
 * Every error names the file, line, column and key path, and what was
 * expected; unknown keys are errors.
 */
#ifndef XDPCAST_CONFIG_H
#define XDPCAST_CONFIG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define CONFIG_PATH_DEFAULT "/etc/xdpcast/xdpcast.yaml"
#define CONFIG_NAME_MAX 64
#define CONFIG_TEXT_MAX 256
#define CONFIG_MAX_IFACES 64
#define CONFIG_MAX_STATUSES 16
#define CONFIG_ERROR_MAX 512

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

/* An address of the file, and its text for messages. */
struct addr_config {
	union {
		struct addr ip; /* for addr.h */
		struct { /* the same members, by the names the agent reads */
			int family; /* AF_INET or AF_INET6 */
			struct in6_addr addr; /* IPv4 stored IPv4-mapped (::ffff:a.b.c.d) */
		};
	};
	char text[ADDR_TEXT_SIZE]; /* as written, normalised */
};

struct backend_config {
	char name[CONFIG_NAME_MAX];
	struct addr_config addr;
	uint32_t weight; /* 0 = drained: no new flows (default 1, max XDPCAST_WEIGHT_MAX) */
	struct check_config check; /* the VIP's check with this backend's overrides applied */
	unsigned int line; /* where it was defined, for messages */
};

struct vip_config {
	char name[CONFIG_NAME_MAX]; /* default: the address text */
	struct addr_config addr;
	uint8_t proto; /* 0 = any, IPPROTO_TCP, IPPROTO_UDP (`protocol: any|tcp|udp`) */
	uint16_t port; /* 0 = any port; needs a protocol */
	uint32_t table_size; /* Maglev slots, a prime (default XDPCAST_TABLE_SIZE_DEFAULT) */
	bool flow_table; /* default false */
	uint32_t flow_table_size; /* flows (default 65536) */
	uint32_t min_healthy; /* backends up for the VIP to be announced (default 1) */
	struct check_config check;
	struct backend_config *backends;
	size_t n_backends;
	unsigned int line;
};

/* How the XDP program runs on an interface (`mode:`): in the driver, or generic (SKB). */
enum iface_mode { IFACE_MODE_NATIVE, IFACE_MODE_GENERIC };

struct iface_config {
	char name[CONFIG_NAME_MAX];
	enum iface_mode mode; /* default native */
};

struct config {
	char path[CONFIG_TEXT_MAX];
	struct iface_config ifaces[CONFIG_MAX_IFACES];
	size_t n_ifaces;
	char pin_dir[CONFIG_TEXT_MAX]; /* default /sys/fs/bpf/xdpcast */
	/* flow hash seed: equal on routers that share ECMP. Without `seed:`, the
	 * one kept in state_dir (generated at first start, seed_file.h) */
	uint32_t seed;
	bool seed_set; /* `seed:` given */
	char state_dir[CONFIG_TEXT_MAX]; /* what outlives a restart (default /var/lib/xdpcast) */
	uint8_t route_protocol; /* rtnetlink protocol number of xdpcast's routes (default 252) */
	uint32_t route_metric; /* default 10 */
	uint32_t route_table; /* default 254 (main) */
	uint32_t route_reconcile_ms; /* how often the kernel's routes are checked (default 1000) */
	/* checks with target vip: per-backend policy routing (probe_path.h) */
	uint8_t probe_protocol; /* rtnetlink protocol of its rules and routes (default 251) */
	uint32_t probe_mark; /* fwmark base; a backend's is base | id (default 0x58430000) */
	uint32_t probe_table; /* a backend's table is base + id (default 58430000) */
	uint32_t probe_priority; /* its rules take priorities priority..priority+3 (default 900) */
	char stats_file[CONFIG_TEXT_MAX]; /* "" = no stats file */
	uint32_t stats_period_ms; /* default 10000 */
	char control_socket[CONFIG_TEXT_MAX]; /* default XDPCAST_CONTROL_SOCKET_DEFAULT */
	/* its members may change things over the socket ("": only root) */
	char control_admin_group[CONFIG_NAME_MAX];
	gid_t control_admin_gid;
	bool keep_dataplane; /* leave program and maps in place on exit (default false) */
	struct vip_config *vips;
	size_t n_vips;
};

/*
 * Parse and check @path into @cfg. On failure returns a negative errno and
 * writes "FILE:LINE:COL: key.path: what was expected" into @err.
 */
int config_load(const char *path, struct config *cfg, char err[CONFIG_ERROR_MAX]);
/* The same from a string, named @name in messages (tests). */
int config_load_string(const char *name, const char *yaml, struct config *cfg,
		       char err[CONFIG_ERROR_MAX]);
/* The same from @len bytes read from file @name (the fuzz harness). */
int config_load_buffer(const char *name, const char *data, size_t len, struct config *cfg,
		       char err[CONFIG_ERROR_MAX]);
void config_free(struct config *cfg);

/* A VIP's protocol: "any", "tcp" or "udp". */
const char *vip_proto_name(uint8_t proto);
/* "icmp", "tcp", ... */
const char *check_type_name(enum check_type type);
/* "vip" or "backend" */
const char *check_target_name(enum check_target target);
/* Whether two checks probe and judge the same way. */
bool check_config_equal(const struct check_config *x, const struct check_config *y);
/* The port a check probes: its own, or its type's default. */
uint16_t check_port(const struct check_config *check);

#endif /* XDPCAST_CONFIG_H */
