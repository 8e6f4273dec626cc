/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Unit tests of the configuration parser: values and defaults of good files,
 * a backend's check overrides, the complete example of the documentation,
 * and a table of bad files, each with the exact message it must give.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <xdpcast/abi.h>

#include "addr.h"
#include "config.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define EXAMPLE "docs/xdpcast.example.yaml"

/* The usual head: line 1 an interface, line 2 `vips:`, line 3 the first VIP. */
#define HEAD "interfaces: [eth0]\nvips:\n"
#define VIP "  - address: 203.0.113.53\n"
#define BACKEND "    backends:\n      - address: 198.18.1.2\n"
#define BACKEND6 "    backends:\n      - address: 2001:db8:1::2\n"

static const struct config zero_cfg;

static void load_ok(const char *yaml, struct config *cfg)
{
	char err[CONFIG_ERROR_MAX] = "";
	int ret;

	ret = config_load_string("t.yaml", yaml, cfg, err);
	cr_assert_eq(ret, 0, "config_load_string: %d %s", ret, err);
	cr_assert_str_eq(err, "");
}

static void assert_addr(const struct addr_config *a, int family, const char *text)
{
	struct addr want;

	cr_assert_eq(a->family, family);
	cr_assert_str_eq(a->text, text);
	cr_assert(addr_parse(&want, text));
	cr_assert_eq(want.family, family);
	cr_assert(!memcmp(&a->addr, &want.addr, sizeof(want.addr)), "address bytes of %s", text);
}

/* Good files */

Test(config, minimal_defaults)
{
	struct config cfg;

	load_ok("interfaces: [eth0]\n", &cfg);
	cr_assert_str_eq(cfg.path, "t.yaml");
	cr_assert_eq(cfg.n_ifaces, 1);
	cr_assert_str_eq(cfg.ifaces[0].name, "eth0");
	cr_assert_eq(cfg.ifaces[0].mode, IFACE_MODE_NATIVE);
	cr_assert_str_eq(cfg.pin_dir, "/sys/fs/bpf/xdpcast");
	cr_assert_not(cfg.seed_set); /* the state directory's (seed_file.h) */
	cr_assert_str_eq(cfg.state_dir, "/var/lib/xdpcast");
	cr_assert_eq(cfg.route_protocol, 252);
	cr_assert_eq(cfg.route_metric, 10);
	cr_assert_eq(cfg.route_table, 254);
	cr_assert_eq(cfg.route_reconcile_ms, 1000);
	cr_assert_str_eq(cfg.stats_file, "");
	cr_assert_eq(cfg.stats_period_ms, 10000);
	cr_assert_str_eq(cfg.control_socket, "/run/xdpcast/xdpcastd.sock");
	cr_assert_eq(cfg.keep_dataplane, false);
	cr_assert_eq(cfg.n_vips, 0);
	cr_assert_null(cfg.vips);
	config_free(&cfg);
	cr_assert(!memcmp(&cfg, &zero_cfg, sizeof(cfg)));
	config_free(&cfg); /* twice is harmless */
}

Test(config, top_level_values)
{
	struct config cfg;

	load_ok("interfaces:\n"
		"  - eth0\n"
		"  - name: ens1f0np0\n"
		"    mode: generic\n"
		"  - {name: eth2, mode: native}\n"
		"pin_dir: /sys/fs/bpf/lab\n"
		"seed: 0x5EED\n"
		"state_dir: /var/lib/xdpcast-lab\n"
		"route: {protocol: 5, metric: 4294967295, table: 100, reconcile_interval: 2s}\n"
		"stats:\n"
		"  file: /run/xdpcast/xdpcast.prom\n"
		"  period: 1.5s\n"
		"control_socket: /run/x.sock\n"
		"keep_dataplane: true\n"
		"vips: []\n",
		&cfg);
	cr_assert_eq(cfg.n_ifaces, 3);
	cr_assert_str_eq(cfg.ifaces[0].name, "eth0");
	cr_assert_eq(cfg.ifaces[0].mode, IFACE_MODE_NATIVE);
	cr_assert_str_eq(cfg.ifaces[1].name, "ens1f0np0");
	cr_assert_eq(cfg.ifaces[1].mode, IFACE_MODE_GENERIC);
	cr_assert_str_eq(cfg.ifaces[2].name, "eth2");
	cr_assert_eq(cfg.ifaces[2].mode, IFACE_MODE_NATIVE);
	cr_assert_str_eq(cfg.pin_dir, "/sys/fs/bpf/lab");
	cr_assert_eq(cfg.seed, 0x5eed);
	cr_assert(cfg.seed_set);
	cr_assert_str_eq(cfg.state_dir, "/var/lib/xdpcast-lab");
	cr_assert_eq(cfg.route_protocol, 5);
	cr_assert_eq(cfg.route_metric, 4294967295u);
	cr_assert_eq(cfg.route_table, 100);
	cr_assert_eq(cfg.route_reconcile_ms, 2000);
	cr_assert_str_eq(cfg.stats_file, "/run/xdpcast/xdpcast.prom");
	cr_assert_eq(cfg.stats_period_ms, 1500);
	cr_assert_str_eq(cfg.control_socket, "/run/x.sock");
	cr_assert_eq(cfg.keep_dataplane, true);
	cr_assert_eq(cfg.n_vips, 0);
	config_free(&cfg);
}

Test(config, seed_decimal_max)
{
	struct config cfg;

	load_ok("interfaces: [eth0]\nseed: 4294967295\n", &cfg);
	cr_assert_eq(cfg.seed, 0xffffffffu);
	config_free(&cfg);
}

Test(config, vip_and_backend_defaults)
{
	struct config cfg;
	const struct vip_config *v;
	const struct backend_config *b;

	load_ok(HEAD VIP BACKEND, &cfg);
	cr_assert_eq(cfg.n_vips, 1);
	v = &cfg.vips[0];
	cr_assert_str_eq(v->name, "203.0.113.53");
	assert_addr(&v->addr, AF_INET, "203.0.113.53");
	cr_assert_eq(v->proto, 0);
	cr_assert_eq(v->port, 0);
	cr_assert_eq(v->table_size, XDPCAST_TABLE_SIZE_DEFAULT);
	cr_assert_eq(v->flow_table, false);
	cr_assert_eq(v->flow_table_size, 65536);
	cr_assert_eq(v->min_healthy, 1);
	cr_assert_eq(v->line, 3);
	cr_assert_eq(v->check.type, CHECK_ICMP);
	cr_assert_eq(v->check.interval_ms, 1000);
	cr_assert_eq(v->check.timeout_ms, 500);
	cr_assert_eq(v->check.jitter_ms, 100);
	cr_assert_eq(v->check.rise, 2);
	cr_assert_eq(v->check.fall, 3);
	cr_assert_eq(v->check.initial_up, false);
	cr_assert_eq(v->check.port, 0);
	cr_assert_eq(check_port(&v->check), 0);
	cr_assert_eq(v->n_backends, 1);
	b = &v->backends[0];
	cr_assert_str_eq(b->name, "198.18.1.2");
	assert_addr(&b->addr, AF_INET, "198.18.1.2");
	cr_assert_eq(b->weight, 1);
	cr_assert_eq(b->line, 5);
	cr_assert(!memcmp(&b->check, &v->check, sizeof(b->check)));
	config_free(&cfg);
	cr_assert(!memcmp(&cfg, &zero_cfg, sizeof(cfg)));
}

Test(config, vip_values)
{
	struct config cfg;
	const struct vip_config *v;

	load_ok(HEAD "  - name: dns\n"
		     "    address: 203.0.113.53\n"
		     "    protocol: udp\n"
		     "    port: 53\n"
		     "    table_size: 4093\n"
		     "    flow_table: {enabled: true, size: 1000}\n"
		     "    min_healthy: 2\n"
		     "    backends:\n"
		     "      - {name: a, address: 198.18.1.2, weight: 0}\n"
		     "      - {name: b, address: 198.18.1.3, weight: 65535}\n"
		     "  - address: 203.0.113.53\n"
		     "    protocol: tcp\n"
		     "    port: 53\n"
		     "    min_healthy: 0\n" BACKEND,
		&cfg);
	cr_assert_eq(cfg.n_vips, 2);
	v = &cfg.vips[0];
	cr_assert_str_eq(v->name, "dns");
	cr_assert_eq(v->proto, IPPROTO_UDP);
	cr_assert_eq(v->port, 53);
	cr_assert_eq(v->table_size, 4093);
	cr_assert_eq(v->flow_table, true);
	cr_assert_eq(v->flow_table_size, 1000);
	cr_assert_eq(v->min_healthy, 2);
	cr_assert_eq(v->n_backends, 2);
	cr_assert_str_eq(v->backends[0].name, "a");
	cr_assert_eq(v->backends[0].weight, 0);
	cr_assert_str_eq(v->backends[1].name, "b");
	cr_assert_eq(v->backends[1].weight, 65535);
	v = &cfg.vips[1];
	cr_assert_eq(v->proto, IPPROTO_TCP);
	cr_assert_eq(v->port, 53);
	cr_assert_eq(v->min_healthy, 0);
	config_free(&cfg);
}

Test(config, flow_table_forms)
{
	struct config cfg;

	load_ok(HEAD VIP "    flow_table: true\n" BACKEND "  - address: 203.0.113.54\n"
			 "    flow_table: {size: 4}\n" BACKEND "  - address: 203.0.113.55\n"
			 "    flow_table: {enabled: false, size: 8}\n" BACKEND
			 "  - address: 203.0.113.56\n"
			 "    flow_table: false\n" BACKEND,
		&cfg);
	cr_assert_eq(cfg.vips[0].flow_table, true);
	cr_assert_eq(cfg.vips[0].flow_table_size, 65536);
	cr_assert_eq(cfg.vips[1].flow_table, true);
	cr_assert_eq(cfg.vips[1].flow_table_size, 4);
	cr_assert_eq(cfg.vips[2].flow_table, false);
	cr_assert_eq(cfg.vips[2].flow_table_size, 8);
	cr_assert_eq(cfg.vips[3].flow_table, false);
	config_free(&cfg);
}

Test(config, addresses_normalised)
{
	struct config cfg;
	const struct vip_config *v;

	load_ok(HEAD "  - address: 2001:DB8:0:0:0:0:0:53\n"
		     "    check: {target: backend}\n"
		     "    backends:\n"
		     "      - address: 2001:db8:1:0::2\n"
		     "      - address: 198.18.1.2\n"
		     "      - address: ::ffff:198.18.1.3\n"
		     "      - address: 198.19.255.254\n",
		&cfg);
	v = &cfg.vips[0];
	assert_addr(&v->addr, AF_INET6, "2001:db8::53");
	cr_assert_str_eq(v->name, "2001:db8::53");
	assert_addr(&v->backends[0].addr, AF_INET6, "2001:db8:1::2");
	assert_addr(&v->backends[1].addr, AF_INET, "198.18.1.2");
	/* an IPv4-mapped IPv6 address is the IPv4 address */
	assert_addr(&v->backends[2].addr, AF_INET, "198.18.1.3");
	assert_addr(&v->backends[3].addr, AF_INET, "198.19.255.254");
	config_free(&cfg);
}

Test(config, durations)
{
	struct config cfg;
	const struct check_config *c;

	load_ok(HEAD VIP "    check: {interval: 1.5s, timeout: 250, jitter: 0, rise: 1, fall: "
			 "1000}\n" BACKEND "  - address: 203.0.113.54\n"
			 "    check: {interval: 2m, timeout: 0.5s, jitter: 1m}\n" BACKEND
			 "  - address: 203.0.113.55\n"
			 "    check: {interval: 1h, timeout: 59m, jitter: 10ms}\n" BACKEND
			 "  - address: 203.0.113.56\n"
			 "    check: {interval: 10ms, initial: up}\n" BACKEND,
		&cfg);
	c = &cfg.vips[0].check;
	cr_assert_eq(c->interval_ms, 1500);
	cr_assert_eq(c->timeout_ms, 250);
	cr_assert_eq(c->jitter_ms, 0);
	cr_assert_eq(c->rise, 1);
	cr_assert_eq(c->fall, 1000);
	c = &cfg.vips[1].check;
	cr_assert_eq(c->interval_ms, 120000);
	cr_assert_eq(c->timeout_ms, 500);
	cr_assert_eq(c->jitter_ms, 60000);
	c = &cfg.vips[2].check;
	cr_assert_eq(c->interval_ms, 3600000);
	cr_assert_eq(c->timeout_ms, 3540000);
	cr_assert_eq(c->jitter_ms, 10);
	/* the timeout's default is the interval when that is shorter than 500ms */
	c = &cfg.vips[3].check;
	cr_assert_eq(c->interval_ms, 10);
	cr_assert_eq(c->timeout_ms, 10);
	cr_assert_eq(c->jitter_ms, 1);
	cr_assert_eq(c->initial_up, true);
	config_free(&cfg);
}

Test(config, dns_check)
{
	struct config cfg;
	const struct check_config *c;

	load_ok(HEAD VIP "    check:\n"
			 "      type: dns\n"
			 "      name: example.com.\n"
			 "      qtype: aaaa\n"
			 "      transport: tcp\n"
			 "      rcodes: [NOERROR, NXDOMAIN, refused]\n"
			 "      expect: 2001:db8::1\n"
			 "      port: 5353\n" BACKEND "  - address: 203.0.113.54\n"
			 "    check: {type: dns, name: example.org}\n" BACKEND,
		&cfg);
	c = &cfg.vips[0].check;
	cr_assert_eq(c->type, CHECK_DNS);
	cr_assert_str_eq(c->dns_name, "example.com.");
	cr_assert_eq(c->dns_type, 28);
	cr_assert_eq(c->dns_tcp, true);
	cr_assert_eq(c->dns_rcodes, (1u << 0) | (1u << 3) | (1u << 5));
	cr_assert_str_eq(c->dns_expect, "2001:db8::1");
	cr_assert_eq(check_port(c), 5353);
	c = &cfg.vips[1].check;
	cr_assert_str_eq(c->dns_name, "example.org");
	cr_assert_eq(c->dns_type, 6); /* SOA */
	cr_assert_eq(c->dns_tcp, false);
	cr_assert_eq(c->dns_rcodes, 1u); /* NOERROR */
	cr_assert_str_eq(c->dns_expect, "");
	cr_assert_eq(c->port, 0);
	cr_assert_eq(check_port(c), 53);
	config_free(&cfg);
}

Test(config, http_checks)
{
	struct config cfg;
	const struct check_config *c;

	load_ok(HEAD VIP "    check:\n"
			 "      type: https\n"
			 "      path: /healthz?full=1\n"
			 "      host: www.example.com\n"
			 "      statuses: [200, 204, 301]\n"
			 "      body: \"ok\"\n"
			 "      tls_verify: false\n" BACKEND "  - address: 203.0.113.54\n"
			 "    check: {type: http}\n" BACKEND,
		&cfg);
	c = &cfg.vips[0].check;
	cr_assert_eq(c->type, CHECK_HTTPS);
	cr_assert_str_eq(c->http_path, "/healthz?full=1");
	cr_assert_str_eq(c->http_host, "www.example.com");
	cr_assert_eq(c->n_http_statuses, 3);
	cr_assert_eq(c->http_statuses[0], 200);
	cr_assert_eq(c->http_statuses[1], 204);
	cr_assert_eq(c->http_statuses[2], 301);
	cr_assert_str_eq(c->http_body, "ok");
	cr_assert_eq(c->tls_verify, false);
	cr_assert_eq(check_port(c), 443);
	c = &cfg.vips[1].check;
	cr_assert_eq(c->type, CHECK_HTTP);
	cr_assert_str_eq(c->http_path, "/");
	cr_assert_str_eq(c->http_host, "");
	cr_assert_eq(c->n_http_statuses, 1);
	cr_assert_eq(c->http_statuses[0], 200);
	cr_assert_str_eq(c->http_body, "");
	cr_assert_eq(c->tls_verify, true);
	cr_assert_eq(check_port(c), 80);
	config_free(&cfg);
}

Test(config, tcp_check_takes_the_vip_port)
{
	struct config cfg;

	load_ok(HEAD VIP "    protocol: tcp\n"
			 "    port: 443\n"
			 "    check: {type: tcp}\n" BACKEND,
		&cfg);
	cr_assert_eq(cfg.vips[0].check.type, CHECK_TCP);
	cr_assert_eq(cfg.vips[0].check.port, 443);
	cr_assert_eq(check_port(&cfg.vips[0].backends[0].check), 443);
	config_free(&cfg);
}

Test(config, backend_overrides)
{
	struct config cfg;
	const struct vip_config *v;
	const struct check_config *vc, *c;

	/* the backends come before the VIP's check: the order does not matter */
	load_ok(HEAD VIP "    protocol: udp\n"
			 "    port: 53\n"
			 "    backends:\n"
			 "      - address: 198.18.1.2\n"
			 "      - address: 198.18.1.3\n"
			 "        check: {interval: 10s, rcodes: [SERVFAIL]}\n"
			 "      - address: 198.18.1.4\n"
			 "        check: {type: tcp, rise: 5}\n"
			 "      - address: 198.18.1.5\n"
			 "        check:\n"
			 "          type: https\n"
			 "          port: 8443\n"
			 "          statuses: [204]\n"
			 "    check:\n"
			 "      type: dns\n"
			 "      name: example.com.\n"
			 "      interval: 2s\n"
			 "      timeout: 300ms\n"
			 "      fall: 4\n",
		&cfg);
	v = &cfg.vips[0];
	vc = &v->check;
	cr_assert_eq(vc->type, CHECK_DNS);
	cr_assert_eq(vc->interval_ms, 2000);
	cr_assert_eq(vc->timeout_ms, 300);
	cr_assert_eq(vc->jitter_ms, 200);
	cr_assert_eq(vc->fall, 4);
	cr_assert_eq(vc->dns_rcodes, 1u);
	cr_assert(!memcmp(&v->backends[0].check, vc, sizeof(*vc)), "no override: the VIP's check");

	c = &v->backends[1].check;
	cr_assert_eq(c->type, CHECK_DNS);
	cr_assert_eq(c->interval_ms, 10000);
	cr_assert_eq(c->timeout_ms, 300, "the VIP's timeout was written: kept");
	cr_assert_eq(c->jitter_ms, 1000, "the jitter's default follows the new interval");
	cr_assert_eq(c->fall, 4);
	cr_assert_eq(c->dns_rcodes, 1u << 2, "a list is replaced, not merged");
	cr_assert_str_eq(c->dns_name, "example.com.");

	c = &v->backends[2].check;
	cr_assert_eq(c->type, CHECK_TCP);
	cr_assert_eq(c->rise, 5);
	cr_assert_eq(c->fall, 4);
	cr_assert_eq(c->port, 53, "a tcp check without a port probes the VIP's");

	c = &v->backends[3].check;
	cr_assert_eq(c->type, CHECK_HTTPS);
	cr_assert_eq(check_port(c), 8443);
	cr_assert_eq(c->n_http_statuses, 1);
	cr_assert_eq(c->http_statuses[0], 204);
	cr_assert_str_eq(c->http_path, "/");
	cr_assert_eq(c->interval_ms, 2000);

	/* the overrides left the VIP's check alone */
	cr_assert_eq(vc->type, CHECK_DNS);
	cr_assert_eq(vc->interval_ms, 2000);
	cr_assert_eq(vc->rise, 2);
	config_free(&cfg);
}

Test(config, explicit_jitter_is_inherited)
{
	struct config cfg;
	const struct check_config *c;

	load_ok(HEAD VIP "    check: {jitter: 50ms}\n"
			 "    backends:\n"
			 "      - address: 198.18.1.2\n"
			 "        check: {interval: 5s}\n",
		&cfg);
	c = &cfg.vips[0].backends[0].check;
	cr_assert_eq(c->interval_ms, 5000);
	cr_assert_eq(c->jitter_ms, 50);
	cr_assert_eq(c->timeout_ms, 500);
	config_free(&cfg);
}

Test(config, anchors_and_aliases)
{
	struct config cfg;

	load_ok(HEAD VIP "    check: &dns {type: dns, name: example.com.}\n" BACKEND
			 "  - address: 2001:db8::54\n"
			 "    check: *dns\n" BACKEND6,
		&cfg);
	cr_assert_eq(cfg.vips[1].check.type, CHECK_DNS);
	cr_assert_str_eq(cfg.vips[1].check.dns_name, "example.com.");
	config_free(&cfg);
}

/* forwarded by MAC, but checked at its own address: no IPv6 route takes an
 * IPv4 next hop, so a check through the VIP is refused (bad_cases) */
Test(config, ipv6_vip_with_ipv4_backend)
{
	struct config cfg;

	load_ok(HEAD "  - address: 2001:db8::80\n    check: {target: backend}\n" BACKEND, &cfg);
	cr_assert_eq(cfg.vips[0].addr.family, AF_INET6);
	cr_assert_eq(cfg.vips[0].backends[0].addr.family, AF_INET);
	cr_assert_eq(cfg.vips[0].backends[0].check.target, CHECK_TARGET_BACKEND);
	config_free(&cfg);
}

Test(config, control_admin_group)
{
	struct config cfg;

	load_ok("control_admin_group: root\n" HEAD VIP BACKEND, &cfg);
	cr_assert_str_eq(cfg.control_admin_group, "root");
	cr_assert_eq(cfg.control_admin_gid, 0);
	config_free(&cfg);
	load_ok(HEAD VIP BACKEND, &cfg);
	cr_assert_str_eq(cfg.control_admin_group, "");
	config_free(&cfg);
}

Test(config, check_target)
{
	struct config cfg;
	const struct vip_config *v;

	load_ok(HEAD VIP "    protocol: udp\n    port: 5353\n    check: {type: dns, name: a.}\n"
			 "    backends:\n"
			 "      - address: 198.18.1.2\n"
			 "      - address: 198.18.1.3\n        check: {target: backend}\n"
			 "      - address: 198.18.1.4\n        check: {port: 53}\n",
		&cfg);
	v = &cfg.vips[0];
	/* the default: the service address and its port */
	cr_assert_eq(v->check.target, CHECK_TARGET_VIP);
	cr_assert_eq(v->backends[0].check.target, CHECK_TARGET_VIP);
	cr_assert_eq(check_port(&v->backends[0].check), 5353);
	/* the backend's own address keeps the type's port */
	cr_assert_eq(v->backends[1].check.target, CHECK_TARGET_BACKEND);
	cr_assert_eq(check_port(&v->backends[1].check), 53);
	/* a port of the check's own wins */
	cr_assert_eq(check_port(&v->backends[2].check), 53);
	cr_assert_str_eq(check_target_name(CHECK_TARGET_VIP), "vip");
	cr_assert(!check_config_equal(&v->backends[0].check, &v->backends[1].check));
	config_free(&cfg);
	/* the probe paths' settings */
	load_ok(HEAD VIP BACKEND, &cfg);
	cr_assert_eq(cfg.probe_protocol, 251);
	cr_assert_eq(cfg.probe_mark, 0x58430000);
	cr_assert_eq(cfg.probe_table, 58430000);
	cr_assert_eq(cfg.probe_priority, 900);
	config_free(&cfg);
	load_ok("probe_routing: {protocol: 250, mark: 0x10000, table: 1000, priority: 100}\n" HEAD
			VIP BACKEND,
		&cfg);
	cr_assert_eq(cfg.probe_protocol, 250);
	cr_assert_eq(cfg.probe_mark, 0x10000);
	cr_assert_eq(cfg.probe_table, 1000);
	cr_assert_eq(cfg.probe_priority, 100);
	config_free(&cfg);
}

/* VIPs and backends up to the dataplane's limits; one more fails. */
static char *many_vips(size_t vips, size_t backends_per_vip)
{
	size_t size = 64 + vips * (64 + backends_per_vip * 40), len, i, j;
	char *yaml = malloc(size);

	cr_assert_not_null(yaml);
	len = (size_t)snprintf(yaml, size, HEAD);
	for (i = 0; i < vips; i++) {
		len += (size_t)snprintf(yaml + len, size - len,
					"  - address: 2001:db8::%zx\n    backends:\n", i + 1);
		for (j = 0; j < backends_per_vip; j++)
			len += (size_t)snprintf(yaml + len, size - len,
						"      - address: 2001:db8:1:%zx::%zx\n", i + 1,
						j + 1);
	}
	return yaml;
}

Test(config, limits)
{
	char err[CONFIG_ERROR_MAX];
	struct config cfg;
	char *yaml;

	yaml = many_vips(XDPCAST_MAX_VIPS, XDPCAST_MAX_BACKENDS / XDPCAST_MAX_VIPS);
	load_ok(yaml, &cfg);
	cr_assert_eq(cfg.n_vips, XDPCAST_MAX_VIPS);
	cr_assert_eq(cfg.vips[XDPCAST_MAX_VIPS - 1].n_backends, 4);
	config_free(&cfg);
	free(yaml);

	yaml = many_vips(XDPCAST_MAX_VIPS + 1, 1);
	cr_assert_eq(config_load_string("t.yaml", yaml, &cfg, err), -EINVAL);
	/* 2 lines of head, 3 per VIP: vips[1024] is on line 3 + 1024 * 3 */
	cr_assert_str_eq(err, "t.yaml:3075:5: vips[1024]: too many VIPs: at most 1024");
	cr_assert(!memcmp(&cfg, &zero_cfg, sizeof(cfg)));
	free(yaml);

	yaml = many_vips(2, 2049);
	cr_assert_eq(config_load_string("t.yaml", yaml, &cfg, err), -EINVAL);
	/* vips[1] is on line 2054, its backends[0] on 2056; backends[2047] is the 4097th */
	cr_assert_str_eq(err, "t.yaml:4103:9: vips[1].backends[2047]: too many backends: at most "
			      "4096 over all VIPs");
	cr_assert(!memcmp(&cfg, &zero_cfg, sizeof(cfg)));
	free(yaml);
}

Test(config, too_large)
{
	size_t size = (4u << 20) + 2;
	char err[CONFIG_ERROR_MAX];
	struct config cfg;
	char *yaml = malloc(size);

	cr_assert_not_null(yaml);
	memset(yaml, '#', size - 1);
	yaml[size - 1] = '\0';
	cr_assert_eq(config_load_string("big.yaml", yaml, &cfg, err), -EFBIG);
	cr_assert_str_eq(err, "big.yaml: larger than 4194304 bytes");
	free(yaml);
}

Test(config, missing_file)
{
	char err[CONFIG_ERROR_MAX];
	struct config cfg;

	memset(&cfg, 0xa5, sizeof(cfg));
	cr_assert_eq(config_load("tests/agent/no-such-file.yaml", &cfg, err), -ENOENT);
	cr_assert_str_eq(err, "tests/agent/no-such-file.yaml: No such file or directory");
	cr_assert(!memcmp(&cfg, &zero_cfg, sizeof(cfg)));
	config_free(&cfg);
}

/* A failure after VIPs and backends were allocated leaves @cfg zeroed. */
Test(config, failure_frees)
{
	char err[CONFIG_ERROR_MAX];
	struct config cfg;

	cr_assert_eq(config_load_string("t.yaml",
					HEAD VIP BACKEND "  - address: 203.0.113.54\n" BACKEND
							 "      - address: 198.18.1.2\n",
					&cfg, err),
		     -EINVAL);
	cr_assert_str_eq(err, "t.yaml:9:18: vips[1].backends[1].address: duplicate backend "
			      "address 198.18.1.2 (backends[0], line 8)");
	cr_assert(!memcmp(&cfg, &zero_cfg, sizeof(cfg)));
	config_free(&cfg);
}

Test(config, check_names_and_ports)
{
	struct check_config c = { .type = CHECK_TCP, .port = 22 };

	cr_assert_str_eq(check_type_name(CHECK_ICMP), "icmp");
	cr_assert_str_eq(check_type_name(CHECK_TCP), "tcp");
	cr_assert_str_eq(check_type_name(CHECK_DNS), "dns");
	cr_assert_str_eq(check_type_name(CHECK_HTTP), "http");
	cr_assert_str_eq(check_type_name(CHECK_HTTPS), "https");
	cr_assert_eq(check_port(&c), 22);
	c.port = 0;
	cr_assert_eq(check_port(&c), 0);
	c.type = CHECK_ICMP;
	cr_assert_eq(check_port(&c), 0);
	c.type = CHECK_DNS;
	cr_assert_eq(check_port(&c), 53);
	c.type = CHECK_HTTP;
	cr_assert_eq(check_port(&c), 80);
	c.type = CHECK_HTTPS;
	cr_assert_eq(check_port(&c), 443);
	c.port = 8443;
	cr_assert_eq(check_port(&c), 8443);
}

/* The documentation's complete example (tests run from the repository's root). */
Test(config, example_file)
{
	char err[CONFIG_ERROR_MAX] = "";
	const struct vip_config *v;
	struct config cfg;
	int ret;

	ret = config_load(EXAMPLE, &cfg, err);
	cr_assert_eq(ret, 0, "%s", err);
	cr_assert_str_eq(cfg.path, EXAMPLE);
	cr_assert_eq(cfg.n_ifaces, 2);
	cr_assert_eq(cfg.ifaces[1].mode, IFACE_MODE_GENERIC);
	cr_assert_not(cfg.seed_set);
	cr_assert_str_eq(cfg.state_dir, "/var/lib/xdpcast");
	cr_assert_str_eq(cfg.stats_file, "/run/xdpcast/xdpcast.prom");
	cr_assert_eq(cfg.n_vips, 4);

	v = &cfg.vips[0];
	cr_assert_str_eq(v->name, "dns");
	cr_assert_str_eq(v->addr.text, "203.0.113.53");
	cr_assert_eq(v->proto, IPPROTO_UDP);
	cr_assert_eq(v->port, 53);
	cr_assert_eq(v->flow_table, true);
	cr_assert_eq(v->min_healthy, 2);
	cr_assert_eq(v->check.type, CHECK_DNS);
	cr_assert_eq(v->n_backends, 3);
	cr_assert_eq(v->backends[1].weight, 2);
	cr_assert_eq(v->backends[2].weight, 0);
	cr_assert_eq(v->backends[2].check.interval_ms, 5000);
	cr_assert_eq(v->backends[2].check.timeout_ms, 2000);
	cr_assert_eq(v->backends[2].check.jitter_ms, 100);

	v = &cfg.vips[1];
	cr_assert_eq(v->addr.family, AF_INET6);
	cr_assert_eq(v->check.dns_type, 28);
	cr_assert_eq(v->backends[2].addr.family, AF_INET);

	v = &cfg.vips[2];
	cr_assert_eq(v->check.type, CHECK_HTTPS);
	cr_assert_eq(v->backends[1].check.type, CHECK_HTTP);
	cr_assert_eq(check_port(&v->backends[1].check), 8080);
	cr_assert_str_eq(v->backends[1].check.http_path, "/healthz");

	v = &cfg.vips[3];
	cr_assert_str_eq(v->name, "198.51.100.7");
	cr_assert_eq(v->check.type, CHECK_ICMP);
	cr_assert_eq(v->backends[1].check.type, CHECK_TCP);
	cr_assert_eq(v->backends[1].check.port, 22);
	config_free(&cfg);
}

static char *read_file(const char *path)
{
	char *data = NULL;
	size_t size = 0;
	FILE *f = fopen(path, "r"), *m;
	char buf[4096];
	size_t n;

	cr_assert_not_null(f, "%s", path);
	m = open_memstream(&data, &size);
	cr_assert_not_null(m);
	while ((n = fread(buf, 1, sizeof(buf), f)))
		fwrite(buf, 1, n, m);
	fclose(f);
	fclose(m);
	return data;
}

/* docs/configuration.md shows the example file as it is. */
Test(config, docs_show_the_example)
{
	char *doc = read_file("docs/configuration.md"), *example = read_file(EXAMPLE);

	cr_assert_not_null(strstr(doc, example), "docs/configuration.md lacks " EXAMPLE);
	free(doc);
	free(example);
}

/* Bad files: each with its exact message. */

struct bad_case {
	const char *name;
	const char *yaml;
	const char *error;
};

#define ROUTE_PROTOCOLS                                                                            \
	"a protocol number 5..255 that neither the kernel nor a routing daemon uses (not "         \
	"8-18, 42, 99 or 186-198)"

static const struct bad_case bad_cases[] = {
	/* YAML itself */
	{ "syntax", "interfaces: [eth0\nvips: []\n",
	  "t.yaml:2:5: invalid YAML: did not find expected ',' or ']' (while parsing a flow "
	  "sequence at line 1)" },
	{ "tab_indent", "interfaces: [eth0]\n\tvips: []\n",
	  "t.yaml:2:1: invalid YAML: found character that cannot start any token (while "
	  "scanning for the next token at line 2)" },
	{ "undefined_alias", HEAD VIP "    check: *nope\n" BACKEND,
	  "t.yaml:4:12: invalid YAML: found undefined alias" },
	{ "bad_utf8", "interfaces: [eth0]\nseed: \xff\n",
	  "t.yaml:2:7: invalid YAML: invalid leading UTF-8 octet" },
	{ "empty_file", "# nothing\n", "t.yaml:1:1: expected a mapping, got an empty file" },
	{ "two_documents", "interfaces: [eth0]\n---\ninterfaces: [eth1]\n",
	  "t.yaml:3:1: expected a single YAML document, found another" },
	{ "root_list", "- eth0\n", "t.yaml:1:1: expected a mapping, got a list" },
	{ "key_not_scalar", "interfaces: [eth0]\n? [seed]\n: 1\n",
	  "t.yaml:2:3: expected a key name, got a list" },

	/* keys */
	{ "unknown_top_key", "interfaces: [eth0]\nvip: []\n",
	  "t.yaml:2:1: unknown key \"vip\"; expected one of: interfaces, pin_dir, seed, state_dir, "
	  "route, probe_routing, stats, control_socket, control_admin_group, keep_dataplane, "
	  "vips" },
	{ "unknown_backend_key",
	  HEAD VIP "    backends:\n"
		   "      - address: 198.18.1.2\n"
		   "      - address: 198.18.1.3\n"
		   "        wieght: 2\n",
	  "t.yaml:7:9: vips[0].backends[1]: unknown key \"wieght\"; expected one of: name, "
	  "address, weight, check" },
	{ "unknown_check_key", HEAD VIP "    check: {type: dns, qname: example.com.}\n" BACKEND,
	  "t.yaml:4:24: vips[0].check: unknown key \"qname\"; expected one of: type, target, "
	  "interval, "
	  "timeout, jitter, rise, fall, initial, port, name, qtype, transport, rcodes, expect, "
	  "path, host, statuses, body, tls_verify" },
	{ "duplicate_key", "interfaces: [eth0]\nseed: 1\nseed: 2\n",
	  "t.yaml:3:1: duplicate key \"seed\" (first at line 2)" },
	{ "duplicate_backend_key",
	  HEAD VIP "    backends:\n"
		   "      - address: 198.18.1.2\n"
		   "        weight: 1\n"
		   "        weight: 2\n",
	  "t.yaml:7:9: vips[0].backends[0]: duplicate key \"weight\" (first at line 6)" },
	{ "missing_interfaces", "vips: []\n", "t.yaml:1:1: missing required key \"interfaces\"" },
	{ "missing_vip_address", HEAD "  - name: dns\n" BACKEND,
	  "t.yaml:3:5: vips[0]: missing required key \"address\"" },
	{ "missing_backends", HEAD VIP "    port: 53\n    protocol: udp\n",
	  "t.yaml:3:5: vips[0]: missing required key \"backends\"" },
	{ "missing_backend_address", HEAD VIP "    backends:\n      - name: a\n",
	  "t.yaml:5:9: vips[0].backends[0]: missing required key \"address\"" },

	/* top level */
	{ "no_interface", "interfaces: []\n",
	  "t.yaml:1:13: interfaces: expected a list of 1..64 interfaces, got an empty list" },
	{ "interface_name_too_long", "interfaces: [enp129s0f1np1v12]\n",
	  "t.yaml:1:14: interfaces[0]: expected an interface name (1..15 characters, no '/', ':' "
	  "or spaces), got \"enp129s0f1np1v12\"" },
	{ "interface_mode", "interfaces:\n  - name: eth0\n    mode: xdp\n",
	  "t.yaml:3:11: interfaces[0].mode: expected one of: native, generic; got \"xdp\"" },
	{ "interface_missing_name", "interfaces:\n  - mode: generic\n",
	  "t.yaml:2:5: interfaces[0]: missing required key \"name\"" },
	{ "duplicate_interface", "interfaces: [eth0, eth1, eth0]\n",
	  "t.yaml:1:26: interfaces[2]: duplicate interface \"eth0\" (interfaces[0])" },
	{ "seed_too_large", "interfaces: [eth0]\nseed: 0x100000000\n",
	  "t.yaml:2:7: seed: expected an integer 0..4294967295, got \"0x100000000\"" },
	{ "seed_negative", "interfaces: [eth0]\nseed: -1\n",
	  "t.yaml:2:7: seed: expected an integer 0..4294967295, got \"-1\"" },
	{ "seed_empty", "interfaces: [eth0]\nseed:\n",
	  "t.yaml:2:6: seed: expected an integer 0..4294967295, got an empty value" },
	{ "not_a_bool", "interfaces: [eth0]\nkeep_dataplane: yes\n",
	  "t.yaml:2:17: keep_dataplane: expected true or false, got \"yes\"" },
	{ "relative_pin_dir", "interfaces: [eth0]\npin_dir: xdpcast\n",
	  "t.yaml:2:10: pin_dir: expected an absolute path, got \"xdpcast\"" },
	{ "control_socket_too_long",
	  "interfaces: [eth0]\ncontrol_socket: "
	  "/run/xdpcast/"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaa\n",
	  "t.yaml:2:17: control_socket: expected a string of 1..107 characters, got "
	  "\"/run/xdpcast/aaaaaaaaaaaaaaaaaaaaaaaaaaa...\"" },
	{ "route_protocol", "interfaces: [eth0]\nroute: {protocol: 256}\n",
	  "t.yaml:2:19: route.protocol: expected " ROUTE_PROTOCOLS ", got \"256\"" },
	{ "route_protocol_kernel", "interfaces: [eth0]\nroute: {protocol: 4}\n",
	  "t.yaml:2:19: route.protocol: expected " ROUTE_PROTOCOLS ", got \"4\"" },
	{ "route_protocol_frr_ospf", "interfaces: [eth0]\nroute: {protocol: 188}\n",
	  "t.yaml:2:19: route.protocol: expected " ROUTE_PROTOCOLS ", got \"188\"" },
	{ "route_protocol_bird", "interfaces: [eth0]\nroute: {protocol: 12}\n",
	  "t.yaml:2:19: route.protocol: expected " ROUTE_PROTOCOLS ", got \"12\"" },
	{ "route_metric_zero", "interfaces: [eth0]\nroute: {metric: 0}\n",
	  "t.yaml:2:17: route.metric: expected an integer 1..4294967295, got \"0\"" },
	{ "route_reconcile", "interfaces: [eth0]\nroute: {reconcile_interval: 10ms}\n",
	  "t.yaml:2:29: route.reconcile_interval: expected a duration 100ms..1h, got \"10ms\"" },
	{ "route_unknown_key", "interfaces: [eth0]\nroute:\n  proto: 4\n",
	  "t.yaml:3:3: route: unknown key \"proto\"; expected one of: protocol, metric, table, "
	  "reconcile_interval" },
	{ "stats_period", "interfaces: [eth0]\nstats: {period: 10ms}\n",
	  "t.yaml:2:17: stats.period: expected a duration 100ms..1h, got \"10ms\"" },
	{ "vips_not_a_list", "interfaces: [eth0]\nvips: {}\n",
	  "t.yaml:2:7: vips: expected a list of VIPs, got an empty mapping" },

	/* VIPs */
	{ "vip_address", HEAD "  - address: 203.0.113.53/32\n" BACKEND,
	  "t.yaml:3:14: vips[0].address: expected a unicast IPv4 or IPv6 address, got "
	  "\"203.0.113.53/32\"" },
	{ "vip_address_v6", HEAD "  - address: 2001:db8::g\n" BACKEND,
	  "t.yaml:3:14: vips[0].address: expected a unicast IPv4 or IPv6 address, got "
	  "\"2001:db8::g\"" },
	{ "backend_link_local", HEAD VIP "    backends:\n      - address: fe80::1\n",
	  "t.yaml:5:18: vips[0].backends[0].address: expected a global or unique-local address "
	  "(not link-local), got \"fe80::1\"" },
	{ "vip_name_too_long",
	  HEAD VIP
	  "    name: a123456789b123456789c123456789d123456789e123456789f1234567890123\n" BACKEND,
	  "t.yaml:4:11: vips[0].name: expected a string of 1..63 characters, got "
	  "\"a123456789b123456789c123456789d123456789...\"" },
	{ "vip_name_control", HEAD VIP "    name: \"dns\\tudp\"\n" BACKEND,
	  "t.yaml:4:11: vips[0].name: expected a string without control characters, got "
	  "\"dns?udp\"" },
	{ "protocol", HEAD VIP "    protocol: sctp\n" BACKEND,
	  "t.yaml:4:15: vips[0].protocol: expected one of: any, tcp, udp; got \"sctp\"" },
	{ "port_without_protocol", HEAD VIP "    port: 53\n" BACKEND,
	  "t.yaml:4:11: vips[0].port: a port needs a protocol (tcp or udp)" },
	{ "port_range", HEAD VIP "    protocol: tcp\n    port: 65536\n" BACKEND,
	  "t.yaml:5:11: vips[0].port: expected an integer 1..65535, got \"65536\"" },
	{ "duplicate_vip",
	  HEAD VIP "    protocol: udp\n    port: 53\n" BACKEND "  - address: 203.0.113.54\n" BACKEND
		   "  - address: 203.0.113.53\n"
		   "    port: 53\n    protocol: udp\n" BACKEND,
	  "t.yaml:11:5: vips[2]: duplicate VIP 203.0.113.53 udp port 53 (vips[0], line 3)" },
	{ "check_target", HEAD VIP "    check: {target: server}\n" BACKEND,
	  "t.yaml:4:21: vips[0].check.target: expected one of: vip, backend; got \"server\"" },
	{ "ipv6_vip_through_ipv4_backend", HEAD "  - address: 2001:db8::53\n" BACKEND,
	  "t.yaml:5:9: vips[0].backends[0]: the IPv6 VIP cannot be checked through the IPv4 "
	  "backend 198.18.1.2 (no IPv6 route has an IPv4 next hop): set check.target: backend" },
	{ "probe_mark_low_bits", "probe_routing: {mark: 0x58430001}\n" HEAD VIP BACKEND,
	  "t.yaml:1:23: probe_routing.mark: 0x58430001: the low 12 bits must be zero (they carry "
	  "the backend id)" },
	{ "probe_table_kernel", "probe_routing: {table: 100}\n" HEAD VIP BACKEND,
	  "t.yaml:1:24: probe_routing.table: tables 100..4195 would take the kernel's default, "
	  "main or local table" },
	{ "probe_priority_after_main", "probe_routing: {priority: 32765}\n" HEAD VIP BACKEND,
	  "t.yaml:1:27: probe_routing.priority: expected an integer 1..32762, got \"32765\"" },
	{ "control_admin_group_unknown",
	  "control_admin_group: no-such-group-here\n" HEAD VIP BACKEND,
	  "t.yaml:1:22: control_admin_group: expected the name of a group of this system, got "
	  "\"no-such-group-here\"" },
	{ "probe_priority_over_l3mdev", "probe_routing: {priority: 998}\n" HEAD VIP BACKEND,
	  "t.yaml:1:27: probe_routing.priority: 998..1001 would take priority 1000, the l3mdev "
	  "rule of VRFs" },
	{ "route_table_among_probe_tables",
	  "route: {table: 1002}\nprobe_routing: {table: 1000}\n" HEAD VIP BACKEND,
	  "t.yaml:1:1: probe_routing.table: tables 1000..5095 hold the checks' routes, and "
	  "route.table 1002 is one of them" },
	{ "probe_protocol_is_route_protocol", "route: {protocol: 251}\n" HEAD VIP BACKEND,
	  "t.yaml:1:1: probe_routing.protocol: 251 is route.protocol: the checks' routes need a "
	  "protocol of their own" },
	{ "duplicate_vip_any",
	  HEAD "  - address: 2001:db8::53\n" BACKEND6 "  - address: 2001:DB8:0::53\n" BACKEND6,
	  "t.yaml:6:5: vips[1]: duplicate VIP 2001:db8::53 (vips[0], line 3)" },
	{ "duplicate_vip_name",
	  HEAD "  - address: 203.0.113.53\n    name: dns\n" BACKEND
	       "  - address: 203.0.113.54\n    name: dns\n" BACKEND,
	  "t.yaml:7:5: vips[1]: duplicate VIP name \"dns\" (vips[0], line 3)" },
	{ "table_size_not_prime", HEAD VIP "    table_size: 65536\n" BACKEND,
	  "t.yaml:4:17: vips[0].table_size: expected a prime 2..1048573, got \"65536\"" },
	{ "table_size_too_large", HEAD VIP "    table_size: 1048583\n" BACKEND,
	  "t.yaml:4:17: vips[0].table_size: expected a prime 2..1048573, got \"1048583\"" },
	{ "table_size_one", HEAD VIP "    table_size: 1\n" BACKEND,
	  "t.yaml:4:17: vips[0].table_size: expected a prime 2..1048573, got \"1\"" },
	{ "flow_table_not_bool", HEAD VIP "    flow_table: yes\n" BACKEND,
	  "t.yaml:4:17: vips[0].flow_table: expected true, false or a mapping, got \"yes\"" },
	{ "flow_table_size", HEAD VIP "    flow_table: {size: 0}\n" BACKEND,
	  "t.yaml:4:24: vips[0].flow_table.size: expected an integer 1..67108864, got \"0\"" },
	{ "min_healthy_too_large", HEAD VIP "    min_healthy: 2\n" BACKEND,
	  "t.yaml:4:18: vips[0].min_healthy: 2 exceeds the number of backends (1)" },
	{ "no_backend", HEAD VIP "    backends: []\n",
	  "t.yaml:4:15: vips[0].backends: expected a list of backends, got an empty list" },

	/* backends */
	{ "weight_not_integer",
	  HEAD VIP "    backends:\n"
		   "      - address: 198.18.1.2\n"
		   "      - address: 198.18.1.3\n"
		   "        weight: heavy\n",
	  "t.yaml:7:17: vips[0].backends[1].weight: expected an integer 0..65535, got \"heavy\"" },
	{ "weight_too_large",
	  HEAD VIP "    backends:\n      - {address: 198.18.1.2, weight: 65536}\n",
	  "t.yaml:5:39: vips[0].backends[0].weight: expected an integer 0..65535, got \"65536\"" },
	{ "duplicate_backend_address",
	  HEAD VIP "    backends:\n"
		   "      - address: 198.18.1.2\n"
		   "      - address: 198.18.1.3\n"
		   "      - address: ::ffff:198.18.1.2\n",
	  "t.yaml:7:18: vips[0].backends[2].address: duplicate backend address 198.18.1.2 "
	  "(backends[0], line 5)" },
	{ "duplicate_backend_name",
	  HEAD VIP "    backends:\n"
		   "      - {name: ns1, address: 198.18.1.2}\n"
		   "      - {name: ns1, address: 198.18.1.3}\n",
	  "t.yaml:6:16: vips[0].backends[1].name: duplicate backend name \"ns1\" (backends[0], "
	  "line 5)" },
	{ "duplicate_default_name",
	  HEAD VIP "    backends:\n"
		   "      - {name: 198.18.1.3, address: 198.18.1.2}\n"
		   "      - address: 198.18.1.3\n",
	  "t.yaml:6:9: vips[0].backends[1]: duplicate backend name \"198.18.1.3\" (backends[0], "
	  "line 5)" },

	/* checks */
	{ "check_not_a_mapping", HEAD VIP "    check: [icmp]\n" BACKEND,
	  "t.yaml:4:12: vips[0].check: expected a mapping, got a list" },
	{ "check_type", HEAD VIP "    check: {type: ping}\n" BACKEND,
	  "t.yaml:4:19: vips[0].check.type: expected one of: icmp, tcp, dns, http, https; got "
	  "\"ping\"" },
	{ "interval_too_short", HEAD VIP "    check: {interval: 5ms}\n" BACKEND,
	  "t.yaml:4:23: vips[0].check.interval: expected a duration 10ms..1h, got \"5ms\"" },
	{ "interval_too_long", HEAD VIP "    check: {interval: 61m}\n" BACKEND,
	  "t.yaml:4:23: vips[0].check.interval: expected a duration 10ms..1h, got \"61m\"" },
	{ "interval_not_duration", HEAD VIP "    check: {interval: fast}\n" BACKEND,
	  "t.yaml:4:23: vips[0].check.interval: expected a duration 10ms..1h, got \"fast\"" },
	{ "interval_fraction_of_ms", HEAD VIP "    check: {interval: 1.0005s}\n" BACKEND,
	  "t.yaml:4:23: vips[0].check.interval: expected a duration 10ms..1h, got \"1.0005s\"" },
	{ "timeout_over_interval", HEAD VIP "    check: {interval: 1s, timeout: 2s}\n" BACKEND,
	  "t.yaml:4:36: vips[0].check.timeout: timeout 2s exceeds the interval 1s" },
	{ "jitter_over_interval", HEAD VIP "    check: {interval: 100ms, jitter: 150ms}\n" BACKEND,
	  "t.yaml:4:38: vips[0].check.jitter: jitter 150ms exceeds the interval 100ms" },
	{ "override_interval_under_timeout",
	  HEAD VIP "    check: {timeout: 500ms}\n"
		   "    backends:\n"
		   "      - address: 198.18.1.2\n"
		   "        check: {interval: 100ms}\n",
	  "t.yaml:7:27: vips[0].backends[0].check.interval: timeout 500ms exceeds the interval "
	  "100ms" },
	{ "rise_zero", HEAD VIP "    check: {rise: 0}\n" BACKEND,
	  "t.yaml:4:19: vips[0].check.rise: expected an integer 1..1000, got \"0\"" },
	{ "fall_zero", HEAD VIP "    check:\n      fall: 0\n" BACKEND,
	  "t.yaml:5:13: vips[0].check.fall: expected an integer 1..1000, got \"0\"" },
	{ "initial", HEAD VIP "    check: {initial: maybe}\n" BACKEND,
	  "t.yaml:4:22: vips[0].check.initial: expected one of: down, up; got \"maybe\"" },
	{ "check_port_zero", HEAD VIP "    check: {type: tcp, port: 0}\n" BACKEND,
	  "t.yaml:4:30: vips[0].check.port: expected an integer 1..65535, got \"0\"" },
	{ "tcp_check_without_port", HEAD VIP "    check: {type: tcp}\n" BACKEND,
	  "t.yaml:4:19: vips[0].check.type: a tcp check needs a port (the VIP has none)" },
	{ "key_not_for_type", HEAD VIP "    check: {port: 53}\n" BACKEND,
	  "t.yaml:4:13: vips[0].check.port: not used by icmp checks" },
	{ "override_key_not_for_type",
	  HEAD VIP "    check: {type: dns, name: example.com.}\n"
		   "    backends:\n"
		   "      - address: 198.18.1.2\n"
		   "        check: {path: /healthz}\n",
	  "t.yaml:7:17: vips[0].backends[0].check.path: not used by dns checks" },
	{ "tls_verify_on_http", HEAD VIP "    check: {type: http, tls_verify: false}\n" BACKEND,
	  "t.yaml:4:25: vips[0].check.tls_verify: not used by http checks" },
	{ "dns_without_name", HEAD VIP "    check:\n      type: dns\n" BACKEND,
	  "t.yaml:5:7: vips[0].check: missing key \"name\": a dns check needs the name to query" },
	{ "dns_bad_name", HEAD VIP "    check: {type: dns, name: example..com}\n" BACKEND,
	  "t.yaml:4:30: vips[0].check.name: expected a DNS name, got \"example..com\"" },
	{ "dns_qtype", HEAD VIP "    check: {type: dns, name: example.com., qtype: AAA}\n" BACKEND,
	  "t.yaml:4:51: vips[0].check.qtype: expected a DNS record type (A, AAAA, SOA, TXT, ...), "
	  "got \"AAA\"" },
	{ "dns_rcode",
	  HEAD VIP "    check:\n"
		   "      type: dns\n"
		   "      name: example.com.\n"
		   "      rcodes: [NOERROR, NOPE]\n" BACKEND,
	  "t.yaml:7:25: vips[0].check.rcodes[1]: expected an rcode name (NOERROR, NXDOMAIN, "
	  "SERVFAIL, REFUSED, ...), got \"NOPE\"" },
	{ "dns_rcodes_not_list",
	  HEAD VIP "    check: {type: dns, name: example.com., rcodes: NOERROR}\n" BACKEND,
	  "t.yaml:4:52: vips[0].check.rcodes: expected a list of 1..64 rcode names, got "
	  "\"NOERROR\"" },
	{ "dns_transport",
	  HEAD VIP "    check: {type: dns, name: example.com., transport: quic}\n" BACKEND,
	  "t.yaml:4:55: vips[0].check.transport: expected one of: udp, tcp; got \"quic\"" },
	{ "http_status_high", HEAD VIP "    check: {type: http, statuses: [200, 600]}\n" BACKEND,
	  "t.yaml:4:41: vips[0].check.statuses[1]: expected an integer 100..599, got \"600\"" },
	{ "http_status_low", HEAD VIP "    check: {type: https, statuses: [99]}\n" BACKEND,
	  "t.yaml:4:37: vips[0].check.statuses[0]: expected an integer 100..599, got \"99\"" },
	{ "http_too_many_statuses",
	  HEAD VIP
	  "    check:\n"
	  "      type: http\n"
	  "      statuses: [200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, "
	  "303, 304, 307, 308]\n" BACKEND,
	  "t.yaml:6:17: vips[0].check.statuses: expected a list of 1..16 HTTP statuses, got a "
	  "list" },
	{ "http_path", HEAD VIP "    check: {type: http, path: healthz}\n" BACKEND,
	  "t.yaml:4:31: vips[0].check.path: expected a URL path starting with \"/\", without "
	  "spaces, got \"healthz\"" },
};

ParameterizedTestParameters(config, bad)
{
	static size_t idx[ARRAY_SIZE(bad_cases)];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(idx); i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, ARRAY_SIZE(idx));
}

ParameterizedTest(size_t *i, config, bad)
{
	const struct bad_case *t = &bad_cases[*i];
	char err[CONFIG_ERROR_MAX] = "";
	struct config cfg;
	int ret;

	ret = config_load_string("t.yaml", t->yaml, &cfg, err);
	cr_assert_eq(ret, -EINVAL, "%s: returned %d (%s)", t->name, ret, err);
	cr_assert_str_eq(err, t->error, "%s:\n got  %s\n want %s", t->name, err, t->error);
	cr_assert(!memcmp(&cfg, &zero_cfg, sizeof(cfg)), "%s: cfg not zeroed", t->name);
}

/* Anchors and aliases: libyaml's loader is quadratic in them, the file is refused first. */

/* "interfaces: [eth0]\nseed:\n" then @n lines "  - &aN N" (or "  - *x" after one "&x"). */
static char *anchored_seed_list(size_t n, bool aliases)
{
	char *yaml = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&yaml, &size);

	cr_assert_not_null(m);
	fputs("interfaces: [eth0]\nseed:\n", m);
	if (aliases)
		fputs("  - &x 0\n", m);
	for (size_t i = 0; i < n; i++) {
		if (aliases)
			fputs("  - *x\n", m);
		else
			fprintf(m, "  - &a%zu %zu\n", i, i);
	}
	cr_assert_eq(fclose(m), 0);
	return yaml;
}

static void expect_error(const char *yaml, const char *want)
{
	char err[CONFIG_ERROR_MAX] = "";
	struct config cfg;
	int ret;

	ret = config_load_string("t.yaml", yaml, &cfg, err);
	cr_assert_eq(ret, -EINVAL, "returned %d (%s)", ret, err);
	cr_assert_str_eq(err, want);
	cr_assert(!memcmp(&cfg, &zero_cfg, sizeof(cfg)), "cfg not zeroed");
}

#define SEED_LIST_ERROR "t.yaml:3:3: seed: expected an integer 0..4294967295, got a list"

Test(config, anchor_and_alias_limits)
{
	char *yaml;

	/* 1000 of each pass the count: the error is the seed's */
	yaml = anchored_seed_list(1000, false);
	expect_error(yaml, SEED_LIST_ERROR);
	free(yaml);
	yaml = anchored_seed_list(999, true); /* and the one anchor */
	expect_error(yaml, SEED_LIST_ERROR);
	free(yaml);
	yaml = anchored_seed_list(1000, true);
	expect_error(yaml, SEED_LIST_ERROR);
	free(yaml);
	/* the 1001st is refused where it is: line 3 + 1000 */
	yaml = anchored_seed_list(1001, false);
	expect_error(yaml,
		     "t.yaml:1003:5: more than 1000 YAML anchors (a configuration needs few)");
	free(yaml);
	yaml = anchored_seed_list(2000, false);
	expect_error(yaml,
		     "t.yaml:1003:5: more than 1000 YAML anchors (a configuration needs few)");
	free(yaml);
	/* the aliases after the anchor on line 3 */
	yaml = anchored_seed_list(2000, true);
	expect_error(yaml,
		     "t.yaml:1004:5: more than 1000 YAML aliases (a configuration needs few)");
	free(yaml);
}

/* As many anchors as the 4 MiB limit holds: refused at once, not after minutes. */
Test(config, anchor_flood_refused_quickly, .timeout = 30)
{
	const size_t n = 200000; /* about 3.8 MiB */
	char *yaml = anchored_seed_list(n, false);
	char err[CONFIG_ERROR_MAX] = "";
	struct timespec t0, t1;
	struct config cfg;
	double ms;

	cr_assert_lt(strlen(yaml), 4u << 20);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(config_load_string("t.yaml", yaml, &cfg, err), -EINVAL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	cr_assert_str_eq(err,
			 "t.yaml:1003:5: more than 1000 YAML anchors (a configuration needs few)");
	cr_assert_lt(ms, 1000., "refused after %.0f ms", ms);
	free(yaml);
}

/* Bytes of the file that reach a message: one line, printable ASCII, bounded. */

static void assert_printable(const char *err)
{
	for (const char *p = err; *p; p++)
		cr_assert((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f,
			  "byte 0x%02x at %zu of the message: %s", (unsigned char)*p,
			  (size_t)(p - err), err);
}

#define TOP_KEYS                                                                                   \
	"expected one of: interfaces, pin_dir, seed, state_dir, route, probe_routing, stats, "     \
	"control_socket, control_admin_group, "                                                    \
	"keep_dataplane, vips"

Test(config, unknown_key_quoted)
{
	char err[CONFIG_ERROR_MAX] = "";
	struct config cfg;

	/* an escape sequence and a newline that would forge a log line */
	cr_assert_eq(config_load_string("t.yaml",
					"interfaces: [eth0]\n"
					"\"\\x1b[31m\\nxdpcastd[1]: fake log line\": 1\n",
					&cfg, err),
		     -EINVAL);
	cr_assert_str_eq(err,
			 "t.yaml:2:1: unknown key \"?[31m?xdpcastd[1]: fake log line\"; " TOP_KEYS);
	assert_printable(err);
	/* a long key is cut after 40 bytes */
	cr_assert_eq(config_load_string("t.yaml",
					"interfaces: [eth0]\n"
					"k123456789012345678901234567890123456789_and_more: 1\n",
					&cfg, err),
		     -EINVAL);
	cr_assert_str_eq(err, "t.yaml:2:1: unknown key "
			      "\"k123456789012345678901234567890123456789...\"; " TOP_KEYS);
	/* a NUL in a key is no key name, quoted the same way */
	cr_assert_eq(
		config_load_string("t.yaml", "interfaces: [eth0]\n\"a\\0\\eb\": 1\n", &cfg, err),
		-EINVAL);
	cr_assert_str_eq(err, "t.yaml:2:1: expected a key name, got \"a??b\"");
	/* not ASCII: each byte shown as '?' */
	cr_assert_eq(config_load_string("t.yaml", "interfaces: [eth0]\n\xc3\xa9t\xc3\xa9: 1\n",
					&cfg, err),
		     -EINVAL);
	cr_assert_str_eq(err, "t.yaml:2:1: unknown key \"??t??\"; " TOP_KEYS);
}

/* A value cut after 40 bytes is never cut inside a character: no byte over 0x7f at all. */
Test(config, value_quoted_as_ascii)
{
	char err[CONFIG_ERROR_MAX] = "";
	struct config cfg;

	cr_assert_eq(config_load_string(
			     "t.yaml",
			     "interfaces: [eth0]\n"
			     "seed: a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n",
			     &cfg, err),
		     -EINVAL);
	cr_assert_str_eq(err, "t.yaml:2:7: seed: expected an integer 0..4294967295, got "
			      "\"a???????????????????????????????????????...\"");
	assert_printable(err);
}
