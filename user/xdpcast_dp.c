// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpcast-dp: the dataplane by hand, for labs, tests and debugging. Attaches
 * the program, writes VIPs, backends and Maglev tables straight into the
 * pinned maps, and prints the counters. No health checks, no policy: that is
 * xdpcastd's job. docs/xdpcast-dp.md is its manual.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <net/if_arp.h>
#include <unistd.h>

#include "dataplane.h"
#include "loader.h"
#include "log.h"
#include "maglev.h"
#include "xdpcast_dp_dump.h"
#include "version.h"

#define EXIT_USAGE 2

static const char *pin_dir = XDPCAST_PIN_DIR_DEFAULT;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xdpcast-dp [--pin DIR] [-v|-vv] COMMAND ...\n"
		"  attach DEV [--mode native|generic]   load, pin maps under DIR, attach to DEV\n"
		"  detach DEV                           detach xdpcast from DEV\n"
		"  unpin                                remove the pinned maps\n"
		"  seed N                               set the flow hash seed\n"
		"  egress add|del DEV                   allow/forbid redirects out of DEV\n"
		"  backend ID DEV MAC|unknown [--vlan N] [--state up|draining|down]\n"
		"  vip add ADDR --id N [--proto udp|tcp --port N] [--flow-table SIZE]\n"
		"  vip del ADDR [--proto udp|tcp --port N]\n"
		"  table ADDR [--proto udp|tcp --port N] [--size PRIME] ID[:WEIGHT]...\n"
		"  stats                                counters per reason, VIP and backend\n"
		"  dump MAP [--json] [--all|--limit N] [--per-cpu] [--slots]\n"
		"                                       a pinned map, decoded (unknown MAP: the "
		"list)\n"
		"  -V, --version                        print the version and exit\n"
		"DIR defaults to %s.\n",
		XDPCAST_PIN_DIR_DEFAULT);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "xdpcast-dp: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(xdpcast-dp --help for usage)\n");
	return EXIT_USAGE;
}

static int parse_u32(const char *s, unsigned long max, __u32 *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > max || s[0] == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_mac(const char *s, __u8 mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = b[i];
	}
	return 0;
}

static int interface_mac(const char *ifname, __u8 mac[6])
{
	struct ifreq ifr = {};
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

static int open_dp(struct xdpcast_dp *dp)
{
	int err = xdpcast_dp_open_pinned(dp, pin_dir);

	if (err)
		pr_warn("is xdpcast attached with --pin %s?\n", pin_dir);
	return err;
}

/* Options shared by the commands that name a VIP. */
struct vip_opts {
	const char *proto;
	__u32 port, id, flow_table, size;
	bool has_id;
};

static int parse_vip_opts(int argc, char **argv, struct vip_opts *o)
{
	static const struct option opts[] = {
		{ "proto", required_argument, NULL, 'p' },
		{ "port", required_argument, NULL, 'P' },
		{ "id", required_argument, NULL, 'i' },
		{ "flow-table", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' },
		{},
	};
	int c;

	o->size = XDPCAST_TABLE_SIZE_DEFAULT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->proto = optarg;
			break;
		case 'P':
			if (parse_u32(optarg, 65535, &o->port) || !o->port)
				return usage_error("bad --port '%s': expected 1-65535", optarg);
			break;
		case 'i':
			if (parse_u32(optarg, XDPCAST_MAX_VIPS - 1, &o->id))
				return usage_error("bad --id '%s': expected 0-1023", optarg);
			o->has_id = true;
			break;
		case 'f':
			if (parse_u32(optarg, 1 << 26, &o->flow_table))
				return usage_error("bad --flow-table '%s': expected a flow count",
						   optarg);
			break;
		case 's':
			if (parse_u32(optarg, XDPCAST_TABLE_SIZE_MAX, &o->size) ||
			    !maglev_is_prime(o->size))
				return usage_error("bad --size '%s': expected a prime <= 1048573",
						   optarg);
			break;
		default:
			return EXIT_USAGE;
		}
	}
	return 0;
}

static int vip_key(struct xdpcast_vip_key *key, const char *addr, const struct vip_opts *o)
{
	__u8 proto = 0;

	if (o->proto && !strcmp(o->proto, "udp"))
		proto = IPPROTO_UDP;
	else if (o->proto && !strcmp(o->proto, "tcp"))
		proto = IPPROTO_TCP;
	else if (o->proto)
		return usage_error("bad --proto '%s': expected udp or tcp", o->proto);
	if (o->port && !proto)
		return usage_error("%s: --port needs --proto", addr);
	if (xdpcast_vip_key_from_str(key, addr, proto, o->port))
		return usage_error("bad VIP address '%s': expected IPv4 or IPv6", addr);
	return 0;
}

static int cmd_attach(int argc, char **argv)
{
	enum xdp_attach_mode mode = XDP_MODE_NATIVE;
	struct xdpcast_attachment a;

	if (argc == 4 && !strcmp(argv[2], "--mode")) {
		if (!strcmp(argv[3], "generic"))
			mode = XDP_MODE_SKB;
		else if (strcmp(argv[3], "native"))
			return usage_error("bad --mode '%s': expected native or generic", argv[3]);
	} else if (argc != 2) {
		return usage_error("%s: expected DEV [--mode native|generic]", "attach");
	}
	if (xdpcast_attach(&a, pin_dir, argv[1], mode))
		return EXIT_FAILURE;
	xdpcast_attachment_release(&a);
	return 0;
}

static int cmd_detach(int argc, char **argv)
{
	int err;

	if (argc != 2)
		return usage_error("%s: expected DEV", "detach");
	err = xdpcast_detach(argv[1]);
	if (err == -ENOENT)
		pr_warn("%s: no xdpcast program attached\n", argv[1]);
	return err ? EXIT_FAILURE : 0;
}

static int cmd_seed(struct xdpcast_dp *dp, int argc, char **argv)
{
	__u32 seed;

	if (argc != 2 || parse_u32(argv[1], 0xffffffffUL, &seed))
		return usage_error("%s: expected a 32-bit number", "seed");
	return xdpcast_dp_set_seed(dp, seed) ? EXIT_FAILURE : 0;
}

static int cmd_egress(struct xdpcast_dp *dp, int argc, char **argv)
{
	__u32 ifindex;

	if (argc != 3 || (strcmp(argv[1], "add") && strcmp(argv[1], "del")))
		return usage_error("%s: expected add|del DEV", "egress");
	ifindex = if_nametoindex(argv[2]);
	if (!ifindex) {
		pr_warn("egress: interface %s: %s\n", argv[2], strerror(errno));
		return EXIT_FAILURE;
	}
	if (!strcmp(argv[1], "add"))
		return xdpcast_dp_set_egress(dp, ifindex) ? EXIT_FAILURE : 0;
	return xdpcast_dp_del_egress(dp, ifindex) ? EXIT_FAILURE : 0;
}

static int parse_state(const char *s, __u8 *state)
{
	if (!strcmp(s, "up"))
		*state = XDPCAST_BACKEND_UP;
	else if (!strcmp(s, "draining"))
		*state = XDPCAST_BACKEND_DRAINING;
	else if (!strcmp(s, "down"))
		*state = XDPCAST_BACKEND_DOWN;
	else
		return -EINVAL;
	return 0;
}

static int cmd_backend(struct xdpcast_dp *dp, int argc, char **argv)
{
	struct xdpcast_backend b = { .state = XDPCAST_BACKEND_UP };
	__u32 id, vlan;
	int i, err;

	if (argc < 4 || parse_u32(argv[1], XDPCAST_MAX_BACKENDS - 1, &id))
		return usage_error("%s: expected ID (0-4095) DEV MAC|unknown [options]", "backend");
	b.ifindex = if_nametoindex(argv[2]);
	if (!b.ifindex) {
		pr_warn("backend: interface %s: %s\n", argv[2], strerror(errno));
		return EXIT_FAILURE;
	}
	if (strcmp(argv[3], "unknown")) {
		if (parse_mac(argv[3], b.dst_mac))
			return usage_error("backend: bad MAC '%s': expected xx:xx:xx:xx:xx:xx",
					   argv[3]);
		b.flags |= XDPCAST_BACKEND_F_MAC_KNOWN;
	}
	for (i = 4; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--vlan")) {
			if (parse_u32(argv[i + 1], 4094, &vlan))
				return usage_error("backend: bad --vlan '%s': expected 0-4094",
						   argv[i + 1]);
			b.vlan = vlan;
		} else if (!strcmp(argv[i], "--state")) {
			if (parse_state(argv[i + 1], &b.state))
				return usage_error("backend: bad --state '%s': expected up, "
						   "draining or down",
						   argv[i + 1]);
		} else {
			return usage_error("backend: unknown option '%s'", argv[i]);
		}
	}
	if (i != argc)
		return usage_error("backend: option '%s' needs a value", argv[i]);
	err = interface_mac(argv[2], b.src_mac);
	if (err) {
		pr_warn("backend: MAC of %s: %s\n", argv[2], strerror(-err));
		return EXIT_FAILURE;
	}
	return xdpcast_dp_set_backend(dp, id, &b) ? EXIT_FAILURE : 0;
}

static int cmd_vip(struct xdpcast_dp *dp, int argc, char **argv)
{
	struct xdpcast_vip_key key;
	struct vip_opts o = {};
	const char *addr;
	int err;

	if (argc < 3 || (strcmp(argv[1], "add") && strcmp(argv[1], "del")))
		return usage_error("%s: expected add|del ADDR [options]", "vip");
	addr = argv[2];
	err = parse_vip_opts(argc - 2, argv + 2, &o);
	if (!err && optind != argc - 2)
		err = usage_error("vip: unexpected argument '%s'", argv[2 + optind]);
	if (!err)
		err = vip_key(&key, addr, &o);
	if (err)
		return err;
	if (!strcmp(argv[1], "del")) {
		err = xdpcast_dp_del_vip(dp, &key);
		if (err == -ENOENT)
			pr_warn("vip del: %s is not a VIP\n", addr);
		return err ? EXIT_FAILURE : 0;
	}
	if (!o.has_id)
		return usage_error("vip add %s: --id is required", addr);
	err = xdpcast_dp_add_vip(dp, &key, o.id, o.flow_table);
	if (err == -EEXIST)
		pr_warn("vip add: %s is already a VIP\n", addr);
	return err ? EXIT_FAILURE : 0;
}

/* "ID[:WEIGHT]" -> a Maglev backend whose identity is its id. */
static int parse_member(const char *s, struct maglev_backend *m, __u32 *key)
{
	char buf[32], *colon;

	snprintf(buf, sizeof(buf), "%s", s);
	colon = strchr(buf, ':');
	m->weight = 1;
	if (colon) {
		*colon = '\0';
		if (parse_u32(colon + 1, 1 << 16, &m->weight))
			return -EINVAL;
	}
	if (parse_u32(buf, XDPCAST_MAX_BACKENDS - 1, &m->id))
		return -EINVAL;
	*key = m->id;
	m->key = key;
	m->key_len = sizeof(*key);
	return 0;
}

static int cmd_table(struct xdpcast_dp *dp, int argc, char **argv)
{
	struct maglev_backend *members = NULL;
	struct xdpcast_vip_key key;
	struct vip_opts o = {};
	__u32 *keys = NULL, *slots = NULL, seed;
	int i, n, err;

	if (argc < 2)
		return usage_error("%s: expected ADDR [options] ID[:WEIGHT]...", "table");
	err = parse_vip_opts(argc - 1, argv + 1, &o);
	if (!err)
		err = vip_key(&key, argv[1], &o);
	if (err)
		return err;
	n = argc - 1 - optind;
	members = calloc(n ? n : 1, sizeof(*members));
	keys = calloc(n ? n : 1, sizeof(*keys));
	slots = calloc(o.size, sizeof(*slots));
	if (!members || !keys || !slots) {
		err = EXIT_FAILURE;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (parse_member(argv[1 + optind + i], &members[i], &keys[i])) {
			err = usage_error("table: bad backend '%s': expected ID[:WEIGHT]",
					  argv[1 + optind + i]);
			goto out;
		}
	}
	if (xdpcast_dp_get_seed(dp, &seed)) {
		err = EXIT_FAILURE;
		goto out;
	}
	err = n ? maglev_build(members, n, seed, slots, o.size) : -ENOENT;
	if (err == -ENOENT) /* no backend with a weight: the VIP passes to the kernel */
		err = xdpcast_dp_write_table(dp, &key, NULL, 0);
	else if (!err)
		err = xdpcast_dp_write_table(dp, &key, slots, o.size);
	if (err == -ENOENT)
		pr_warn("table: %s is not a VIP\n", argv[1]);
	err = err ? EXIT_FAILURE : 0;
out:
	free(members);
	free(keys);
	free(slots);
	return err;
}

static void print_counter(const char *kind, const char *name, const struct xdpcast_counter *c)
{
	printf("%-8s %-24s %12llu packets %14llu bytes\n", kind, name,
	       (unsigned long long)c->packets, (unsigned long long)c->bytes);
}

static void vip_name(const struct xdpcast_vip_key *key, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	if (key->addr[0] == 0 && key->addr[1] == 0 && key->addr[2] == htonl(0xffff))
		inet_ntop(AF_INET, &key->addr[3], addr, sizeof(addr));
	else
		inet_ntop(AF_INET6, key->addr, addr, sizeof(addr));
	snprintf(buf, len, "%s/%s/%u", addr,
		 key->proto == IPPROTO_UDP   ? "udp"
		 : key->proto == IPPROTO_TCP ? "tcp"
					     : "any",
		 ntohs(key->port));
}

/* Totals per reason, then per VIP with its reasons, then per backend. */
static int cmd_stats(struct xdpcast_dp *dp)
{
	struct xdpcast_vip_key key, *prev = NULL;
	struct xdpcast_vip_counters *rows;
	struct xdpcast_counter c, total;
	struct xdpcast_vip vip;
	char name[96];
	__u32 id, row;
	int r;

	rows = calloc(XDPCAST_STATS_ROWS, sizeof(*rows));
	if (!rows || xdpcast_dp_read_stats(dp, rows)) {
		free(rows);
		return EXIT_FAILURE;
	}
	for (r = 0; r < XDPCAST_REASON_MAX; r++) {
		total = (struct xdpcast_counter){ 0 };
		for (row = 0; row < XDPCAST_STATS_ROWS; row++) {
			total.packets += rows[row].reason[r].packets;
			total.bytes += rows[row].reason[r].bytes;
		}
		print_counter("reason", xdpcast_reason_name(r), &total);
	}
	while (!bpf_map_get_next_key(dp->vips, prev, &key)) {
		prev = &key;
		if (xdpcast_dp_get_vip(dp, &key, &vip) || vip.id >= XDPCAST_MAX_VIPS)
			continue;
		vip_name(&key, name, sizeof(name));
		total = (struct xdpcast_counter){ 0 };
		for (r = 0; r < XDPCAST_REASON_MAX; r++) {
			total.packets += rows[vip.id].reason[r].packets;
			total.bytes += rows[vip.id].reason[r].bytes;
		}
		print_counter("vip", name, &total);
		for (r = 0; r < XDPCAST_REASON_MAX; r++) {
			if (!rows[vip.id].reason[r].packets)
				continue;
			snprintf(name, sizeof(name), "  %s", xdpcast_reason_name(r));
			print_counter("", name, &rows[vip.id].reason[r]);
		}
	}
	free(rows);
	for (id = 0; id < XDPCAST_MAX_BACKENDS; id++) {
		if (xdpcast_dp_read_backend_stats(dp, id, &c))
			return EXIT_FAILURE;
		if (!c.packets)
			continue;
		snprintf(name, sizeof(name), "%u", id);
		print_counter("backend", name, &c);
	}
	return 0;
}

static int run_map_command(int argc, char **argv)
{
	struct xdpcast_dp dp;
	int ret;

	if (open_dp(&dp))
		return EXIT_FAILURE;
	if (!strcmp(argv[0], "seed"))
		ret = cmd_seed(&dp, argc, argv);
	else if (!strcmp(argv[0], "egress"))
		ret = cmd_egress(&dp, argc, argv);
	else if (!strcmp(argv[0], "backend"))
		ret = cmd_backend(&dp, argc, argv);
	else if (!strcmp(argv[0], "vip"))
		ret = cmd_vip(&dp, argc, argv);
	else if (!strcmp(argv[0], "table"))
		ret = cmd_table(&dp, argc, argv);
	else
		ret = cmd_stats(&dp);
	xdpcast_dp_close(&dp);
	return ret;
}

int main(int argc, char **argv)
{
	static const char *const map_commands[] = { "seed",    "vip",	"table", "egress",
						    "backend", "stats", NULL };
	int i;

	log_set_prefix("xdpcast-dp");
	log_install_lib_hooks();
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--pin") && i + 1 < argc) {
			pin_dir = argv[++i];
		} else if (!strcmp(argv[i], "-v")) {
			log_set_level(LOG_LEVEL_INFO);
		} else if (!strcmp(argv[i], "-vv")) {
			log_set_level(LOG_LEVEL_DEBUG);
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("xdpcast-dp %s\n", xdpcast_version());
			return 0;
		} else {
			return usage_error("unknown option '%s'", argv[i]);
		}
	}
	if (i == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	argc -= i;
	argv += i;
	if (!strcmp(argv[0], "attach"))
		return cmd_attach(argc, argv);
	if (!strcmp(argv[0], "detach"))
		return cmd_detach(argc, argv);
	if (!strcmp(argv[0], "unpin"))
		return xdpcast_unpin(pin_dir) ? EXIT_FAILURE : 0;
	if (!strcmp(argv[0], "dump"))
		return xdpcast_dp_dump(pin_dir, argc, argv);
	for (i = 0; map_commands[i]; i++)
		if (!strcmp(argv[0], map_commands[i]))
			return run_map_command(argc, argv);
	return usage_error("unknown command '%s'", argv[0]);
}
