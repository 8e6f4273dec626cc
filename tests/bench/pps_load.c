// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Attaches scripts/bench-pps.sh's small XDP programs natively (driver mode)
 * in the current network namespace (build/xdpcast-pps-load):
 *
 *   xdpcast-pps-load sink DEV
 *       a backend: bpf/bench/pps_sink.bpf.c drops the IPv4 UDP frames it
 *       receives (the kernel counts them per queue in `ethtool -S DEV`)
 *   xdpcast-pps-load floor DEV EGRESS=MAC EGRESS=MAC ...
 *       the router of `pps_floor`: bpf/bench/pps_floor.bpf.c on DEV, its
 *       next-hop slots spread in turn over the egress veths (up to 8), each
 *       with the next hop's MAC and the egress's own MAC as source
 *
 * The attachment outlives the process (netlink XDP, no link): the script
 * removes it with `ip link set DEV xdp off` or with the namespace. Maps are
 * never pinned.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/types.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "bench/pps.h"
#include "bench/pps_floor.skel.h"
#include "bench/pps_sink.skel.h"
#include "log.h"

static int parse_mac(const char *s, __u8 mac[6])
{
	char end;

	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx%c", &mac[0], &mac[1], &mac[2], &mac[3],
		      &mac[4], &mac[5], &end) == 6
		       ? 0
		       : -EINVAL;
}

static int read_mac(const char *dev, __u8 mac[6])
{
	char path[64], line[32];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "/sys/class/net/%s/address", dev);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	err = fgets(line, sizeof(line), f) ? parse_mac(strtok(line, "\n"), mac) : -EIO;
	fclose(f);
	return err;
}

static int attach(const char *dev, int prog_fd)
{
	int ifindex = if_nametoindex(dev), err;

	if (!ifindex)
		return log_err(-errno, dev);
	err = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE, NULL);
	if (err) {
		pr_warn("attach to %s (native XDP) failed\n", dev);
		return log_err(err, dev);
	}
	return 0;
}

static int sink(const char *dev)
{
	struct pps_sink *skel = pps_sink__open_and_load();
	int err;

	if (!skel)
		return log_err(-errno, "load pps_sink");
	err = attach(dev, bpf_program__fd(skel->progs.pps_sink));
	pps_sink__destroy(skel);
	return err;
}

/* One egress "DEV=MAC" into devmap slot @port. */
static int floor_port(struct pps_floor *skel, __u32 port, const char *arg,
		      struct pps_floor_nexthop *nh)
{
	char dev[IF_NAMESIZE + 1];
	const char *eq = strchr(arg, '=');
	__u32 ifindex;
	int err;

	if (!eq || eq == arg || eq - arg > IF_NAMESIZE || parse_mac(eq + 1, nh->dst_mac)) {
		pr_warn("'%s': expected EGRESS=MAC\n", arg);
		return -EINVAL;
	}
	memcpy(dev, arg, eq - arg);
	dev[eq - arg] = 0;
	ifindex = if_nametoindex(dev);
	if (!ifindex)
		return log_err(-errno, dev);
	err = read_mac(dev, nh->src_mac);
	if (err)
		return log_err(err, dev);
	nh->port = port;
	err = bpf_map__update_elem(skel->maps.pps_floor_ports, &port, sizeof(port), &ifindex,
				   sizeof(ifindex), BPF_ANY);
	return err ? log_err(err, "devmap pps_floor_ports") : 0;
}

static int floor_fwd(const char *dev, int n, char **egress)
{
	struct pps_floor_nexthop nh[PPS_FLOOR_PORTS] = {};
	struct pps_floor *skel;
	__u32 slot;
	int err = 0, i;

	if (n < 1 || n > PPS_FLOOR_PORTS) {
		pr_warn("floor: 1 to %d egress interfaces\n", PPS_FLOOR_PORTS);
		return -EINVAL;
	}
	skel = pps_floor__open_and_load();
	if (!skel)
		return log_err(-errno, "load pps_floor");
	for (i = 0; i < n && !err; i++)
		err = floor_port(skel, i, egress[i], &nh[i]);
	for (slot = 0; slot < PPS_FLOOR_SLOTS && !err; slot++)
		err = bpf_map__update_elem(skel->maps.pps_floor_nexthops, &slot, sizeof(slot),
					   &nh[slot % n], sizeof(nh[0]), BPF_ANY);
	if (err)
		log_err(err, "floor maps");
	else
		err = attach(dev, bpf_program__fd(skel->progs.pps_floor));
	pps_floor__destroy(skel);
	return err;
}

int main(int argc, char **argv)
{
	log_set_prefix("xdpcast-pps-load");
	log_install_lib_hooks();
	if (argc == 3 && !strcmp(argv[1], "sink"))
		return sink(argv[2]) ? 1 : 0;
	if (argc >= 4 && !strcmp(argv[1], "floor"))
		return floor_fwd(argv[2], argc - 3, argv + 3) ? 1 : 0;
	fprintf(stderr, "usage: %s sink DEV | floor DEV EGRESS=MAC...\n", argv[0]);
	return 2;
}
