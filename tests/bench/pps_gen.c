// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The traffic generator of scripts/bench-pps.sh (build/xdpcast-pps-gen), run
 * in the client's network namespace: BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES runs bpf/bench/pps_gen.bpf.c on frames of 60
 * bytes (64 on a wire) from a kernel page pool, and each XDP_TX leaves
 * through DEV to its veth peer, the router, without a socket or an skb. The
 * process pins itself to one CPU (the generator's, never the router's) and
 * runs for SECONDS or until SIGTERM/SIGINT; it prints on stderr how many
 * frames it offered (those the router's ring had no room for are dropped
 * there: the generator outruns the router on purpose).
 *
 * xdpcast-pps-gen DEV DST_MAC SRC_IP DST_IP CPU SECONDS [FLOWS [PORT_BASE]]
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/types.h>
#include <linux/udp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/pps.h"
#include "bench/pps_gen.skel.h"
#include "log.h"

#define REPEAT (1 << 18) /* frames per call: about 30-100 ms here */
#define BATCH 64 /* frames per page-pool batch (the kernel's default) */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int read_mac(const char *dev, __u8 mac[ETH_ALEN])
{
	char path[64], line[32];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/class/net/%s/address", dev);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fgets(line, sizeof(line), f) &&
	     sscanf(line, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3],
		    &mac[4], &mac[5]) == ETH_ALEN;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

static __u16 ip_checksum(const void *hdr, int len)
{
	const __u16 *w = hdr;
	__u32 sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* Ethernet + IPv4 + UDP to port 53, UDP checksum 0 (none, as IPv4 allows),
 * so that the per-frame source port needs no checksum update. */
static int build_frame(__u8 *frame, const char *dev, const char *dst_mac, const char *src,
		       const char *dst)
{
	struct ethhdr *eth = (void *)frame;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	int err;

	memset(frame, 0, PPS_FRAME_LEN);
	if (sscanf(dst_mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &eth->h_dest[0], &eth->h_dest[1],
		   &eth->h_dest[2], &eth->h_dest[3], &eth->h_dest[4],
		   &eth->h_dest[5]) != ETH_ALEN) {
		pr_warn("bad MAC address '%s'\n", dst_mac);
		return -EINVAL;
	}
	err = read_mac(dev, eth->h_source);
	if (err)
		return log_err(err, dev);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(PPS_FRAME_LEN - sizeof(*eth));
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	if (inet_pton(AF_INET, src, &ip->saddr) != 1 || inet_pton(AF_INET, dst, &ip->daddr) != 1) {
		pr_warn("bad IPv4 address '%s' or '%s'\n", src, dst);
		return -EINVAL;
	}
	ip->check = ip_checksum(ip, sizeof(*ip));
	udp->dest = htons(53);
	udp->len = htons(PPS_FRAME_LEN - sizeof(*eth) - sizeof(*ip));
	return 0;
}

static int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

int main(int argc, char **argv)
{
	__u8 frame[PPS_FRAME_LEN];
	struct xdp_md ctx = { .data_end = PPS_FRAME_LEN };
	struct pps_gen *skel = NULL;
	unsigned long long frames = 0;
	int cpu, flows = 4096, port_base = 10000, err;
	double seconds, t0, t;

	log_set_prefix("xdpcast-pps-gen");
	log_install_lib_hooks();
	if (argc < 7 || argc > 9) {
		fprintf(stderr,
			"usage: %s DEV DST_MAC SRC_IP DST_IP CPU SECONDS [FLOWS [PORT_BASE]]\n",
			argv[0]);
		return 2;
	}
	cpu = atoi(argv[5]);
	seconds = atof(argv[6]);
	if (argc > 7)
		flows = atoi(argv[7]);
	if (argc > 8)
		port_base = atoi(argv[8]);
	if (flows < 1 || flows > 32768 || (flows & (flows - 1)) || port_base < 1 ||
	    port_base + flows > 65536 || seconds <= 0 || seconds > 600 || cpu < 0) {
		fprintf(stderr,
			"%s: FLOWS a power of two up to 32768, PORT_BASE + FLOWS <= 65536, "
			"SECONDS in (0, 600]\n",
			argv[0]);
		return 2;
	}
	ctx.ingress_ifindex = if_nametoindex(argv[1]);
	if (!ctx.ingress_ifindex) {
		log_err(-errno, argv[1]);
		return 1;
	}
	if (build_frame(frame, argv[1], argv[2], argv[3], argv[4]))
		return 1;
	err = pin_cpu(cpu);
	if (err) {
		log_err(err, "pin to the generator's CPU");
		return 1;
	}

	skel = pps_gen__open();
	if (!skel) {
		log_err(-errno, "open pps_gen");
		return 1;
	}
	memcpy((void *)skel->rodata->hdr, frame, PPS_HDR_LEN);
	skel->rodata->port_base = port_base;
	skel->rodata->flow_mask = flows - 1;
	err = pps_gen__load(skel);
	if (err) {
		log_err(err, "load pps_gen");
		goto out;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		    .repeat = REPEAT, .batch_size = BATCH);
	t0 = now_s();
	for (t = t0; !stop && t - t0 < seconds; t = now_s()) {
		err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.pps_gen), &opts);
		if (err == -EINTR || (err && stop))
			break;
		if (err) {
			log_err(err, "BPF_PROG_TEST_RUN (live frames)");
			goto out;
		}
		frames += REPEAT;
	}
	t = now_s();
	err = 0;
	fprintf(stderr, "xdpcast-pps-gen: cpu %d: %llu frames offered in %.2f s (%.2f Mpps)\n", cpu,
		frames, t - t0, frames / (t - t0) / 1e6);
out:
	pps_gen__destroy(skel);
	return err ? 1 : 0;
}
