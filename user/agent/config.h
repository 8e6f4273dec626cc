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
#include "config_check.h"

#define CONFIG_PATH_DEFAULT "/etc/xdpcast/xdpcast.yaml"
#define CONFIG_NAME_MAX 64
#define CONFIG_MAX_IFACES 64
#define CONFIG_ERROR_MAX 512

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

#endif /* XDPCAST_CONFIG_H */
