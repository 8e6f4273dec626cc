// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpcast-difftest: random and mutated frames through the XDP program
 * (BPF_PROG_TEST_RUN) and through the reference model (model.c), over random
 * map states; every frame's verdict, reason, counters, backend, bytes out
 * and flow table writes must agree. The model mirrors the program's flow
 * table writes (each frame's set is compared, all sets at the end of each
 * state) instead of resetting the table per frame, so that hits, repoints
 * and replacements of flows the program itself recorded are checked too.
 * A state changes three times on the way (backend states, new tables, a
 * torn flow entry), between frames.
 * Usage: xdpcast-difftest [--frames N] [--seed S] [--per-state K]; exit 1 on
 * any mismatch. The seed is printed: the same seed replays the same run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/bpf.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "gen.h"
#include "log.h"
#include "model.h"
#include "world.h"

#define MAX_REPORTS 10

struct run {
	__u64 seed, frames, per_state;
	__u64 mismatches, done;
	__u64 by_reason[XDPCAST_REASON_MAX];
	__u64 by_flow_op[MODEL_FLOW_OPS];
	struct xdpcast_vip_counters rows[XDPCAST_STATS_ROWS]; /* expected */
	struct xdpcast_counter backends[XDPCAST_MAX_BACKENDS]; /* expected */
};

static struct run run;
static struct model_state model;

static const char *action_name(int a)
{
	return a == XDP_PASS ? "PASS" : a == XDP_TX ? "TX" : a == XDP_REDIRECT ? "REDIRECT" : "?";
}

static void hex(const char *what, const __u8 *p, __u32 n)
{
	__u32 i;

	fprintf(stderr, "  %s (%u bytes):", what, n);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n    ", p[i]);
	fprintf(stderr, "\n");
}

/* The reason whose counter moved, from the whole map, for a report: the one
 * above what the model expects (which counts the frame under its own). */
static int actual_reason(struct world *w, __u32 *row_out)
{
	static struct xdpcast_vip_counters rows[XDPCAST_STATS_ROWS];
	__u32 row, i;

	if (xdpcast_dp_read_stats(w->dp, rows))
		return -1;
	for (row = 0; row < XDPCAST_STATS_ROWS; row++)
		for (i = 0; i < XDPCAST_REASON_MAX; i++)
			if (rows[row].reason[i].packets > run.rows[row].reason[i].packets) {
				*row_out = row;
				return (int)i;
			}
	return -1;
}

static void report(struct world *w, __u64 state, __u64 n, const struct gen_frame *f,
		   const struct model_out *e, int action, const __u8 *out, __u32 out_len,
		   const char *what)
{
	__u32 i, row = 0;
	int reason;

	run.mismatches++;
	if (run.mismatches > MAX_REPORTS)
		return;
	reason = actual_reason(w, &row);
	fprintf(stderr,
		"MISMATCH (%s): seed %llu, state %llu, frame %llu (ingress ifindex %u)\n"
		"  expected %s %s row %u backend %d, %u bytes out\n"
		"  actual   %s %s row %u, %u bytes out\n",
		what, (unsigned long long)run.seed, (unsigned long long)state,
		(unsigned long long)n, f->ifindex, action_name(e->action),
		xdpcast_reason_name(e->reason), e->row, e->backend, e->len, action_name(action),
		reason < 0 ? "(no counter moved)" : xdpcast_reason_name(reason), row, out_len);
	hex("frame in", f->data, f->len);
	if (out_len != e->len || memcmp(out, e->frame, e->len)) {
		hex("expected out", e->frame, e->len);
		hex("actual out", out, out_len);
		for (i = 0; i < out_len && i < e->len; i++)
			if (out[i] != e->frame[i])
				fprintf(stderr, "  byte %u: expected %02x, actual %02x\n", i,
					e->frame[i], out[i]);
	}
}

/* Counters and flow sets of the model taken from the maps again after a mismatch. */
static void resync(struct world *w)
{
	__u32 id;
	int vi;
	__u32 s;

	xdpcast_dp_read_stats(w->dp, run.rows);
	for (id = 0; id < 64; id++) /* the world's backend ids are below */
		xdpcast_dp_read_backend_stats(w->dp, id, &run.backends[id]);
	for (vi = 0; vi < model.nvips; vi++)
		for (s = 0; model.vips[vi].flows && s < model.vips[vi].flow_sets; s++)
			world_read_flow_set(w, &model, vi, s, &model.vips[vi].flows[s]);
}

static bool same_flow_set(struct world *w, int vi, __u32 set)
{
	struct xdpcast_flow_set k;

	return !world_read_flow_set(w, &model, vi, set, &k) &&
	       !memcmp(&k, &model.vips[vi].flows[set], sizeof(k));
}

static void count(struct xdpcast_counter *c, __u32 len)
{
	c->packets++;
	c->bytes += len;
}

static void one_frame(struct world *w, struct rng *r, __u64 state, __u64 n)
{
	static struct model_out e;
	static __u8 out[4096];
	struct gen_frame f;
	struct xdpcast_vip_counters row;
	struct xdpcast_counter bc;
	struct xdp_md ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_out = out, .data_size_out = sizeof(out),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	const char *what = NULL;

	gen_frame(r, w, &f);
	ctx.data_end = f.len;
	ctx.ingress_ifindex = f.ifindex;
	opts.data_in = f.data;
	opts.data_size_in = f.len;
	model_run(&model, f.data, f.len, f.ifindex, &e);
	count(&run.rows[e.row].reason[e.reason], f.len);
	if (e.backend >= 0)
		count(&run.backends[e.backend], f.len);
	run.by_reason[e.reason]++;
	run.by_flow_op[e.flow_op]++;

	if (bpf_prog_test_run_opts(w->prog_fd, &opts)) {
		what = "test run failed";
	} else if ((int)opts.retval != e.action) {
		what = "verdict";
	} else if (opts.data_size_out != e.len || memcmp(out, e.frame, e.len)) {
		what = "bytes out";
	} else if (xdpcast_dp_read_vip_row(w->dp, e.row, &row) ||
		   memcmp(&row, &run.rows[e.row], sizeof(row))) {
		what = "reason counters";
	} else if (e.backend >= 0 && (xdpcast_dp_read_backend_stats(w->dp, e.backend, &bc) ||
				      memcmp(&bc, &run.backends[e.backend], sizeof(bc)))) {
		what = "backend counter";
	} else if (e.flow_vip >= 0 && !same_flow_set(w, e.flow_vip, e.flow_set)) {
		what = "flow table write";
	}
	if (what) {
		report(w, state, n, &f, &e, (int)opts.retval, out, opts.data_size_out, what);
		resync(w);
	}
}

/* End of a state: every counter and every flow set as the model has them. */
static void check_all(struct world *w, __u64 state)
{
	static struct xdpcast_vip_counters rows[XDPCAST_STATS_ROWS];
	struct xdpcast_counter bc;
	__u32 id, s;
	int vi;

	if (xdpcast_dp_read_stats(w->dp, rows) || memcmp(rows, run.rows, sizeof(rows))) {
		fprintf(stderr, "MISMATCH: seed %llu state %llu: stats_vips differ\n",
			(unsigned long long)run.seed, (unsigned long long)state);
		run.mismatches++;
	}
	for (id = 0; id < 64; id++)
		if (xdpcast_dp_read_backend_stats(w->dp, id, &bc) ||
		    memcmp(&bc, &run.backends[id], sizeof(bc))) {
			fprintf(stderr, "MISMATCH: seed %llu state %llu: backend %u counter\n",
				(unsigned long long)run.seed, (unsigned long long)state, id);
			run.mismatches++;
		}
	for (vi = 0; vi < model.nvips; vi++)
		for (s = 0; model.vips[vi].flows && s < model.vips[vi].flow_sets; s++)
			if (!same_flow_set(w, vi, s)) {
				fprintf(stderr,
					"MISMATCH: seed %llu state %llu: VIP %u flow set %u\n",
					(unsigned long long)run.seed, (unsigned long long)state,
					model.vips[vi].vip.id, s);
				run.mismatches++;
			}
}

/* Tear one recorded flow of the model's (and the kernel's) flow tables, if any. */
static void tear_one(struct world *w, struct rng *r)
{
	int vi = model.nvips ? (int)rng_below(r, model.nvips) : 0, way;
	struct model_vip *v = &model.vips[vi];
	__u32 set;

	if (!model.nvips || !v->flows)
		return;
	set = rng_below(r, v->flow_sets);
	for (way = 0; way < XDPCAST_FLOW_WAYS; way++)
		if (v->flows[set].way[way].state != XDPCAST_FLOW_EMPTY) {
			world_tear_flow(w, &model, vi, set, way);
			return;
		}
}

static int one_state(struct world *w, __u64 state, __u64 frames)
{
	struct rng r = { run.seed ^ (state * 0x9e3779b97f4a7c15ull) };
	__u64 i;
	int err;

	err = world_load_random(w, &r, &model);
	if (!err) /* the copy's counters so far: this state's expectations start there */
		resync(w);
	if (err) {
		fprintf(stderr, "state %llu: cannot set up: %d\n", (unsigned long long)state, err);
		world_unload(w, &model);
		return err;
	}
	for (i = 0; i < frames; i++) {
		/* three changes in a state, as the agent makes them under traffic */
		if (frames >= 4 && i && i % (frames / 4) == 0 && i / (frames / 4) < 4) {
			err = world_change(w, &r, &model);
			if (err)
				break;
			tear_one(w, &r);
		}
		one_frame(w, &r, state, run.done + i);
	}
	check_all(w, state);
	world_unload(w, &model);
	run.done += frames;
	return err;
}

static __u64 arg(int argc, char **argv, const char *name, __u64 dflt)
{
	int i;

	for (i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return strtoull(argv[i + 1], NULL, 0);
	return dflt;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct world w;
	__u64 state = 0, n;
	double secs;
	int err, i;

	run.frames = arg(argc, argv, "--frames", 100000);
	run.per_state = arg(argc, argv, "--per-state", 2000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run.seed = arg(argc, argv, "--seed", (__u64)t0.tv_nsec ^ (__u64)t0.tv_sec << 20);
	log_set_prefix("xdpcast-difftest");
	log_install_lib_hooks();
	printf("difftest: seed %llu, %llu frames, a new map state every %llu\n",
	       (unsigned long long)run.seed, (unsigned long long)run.frames,
	       (unsigned long long)run.per_state);
	fflush(stdout);
	err = world_setup(&w);
	if (err) {
		fprintf(stderr, "difftest: cannot set up the namespace and the program: %d\n", err);
		world_destroy(&w);
		return 1;
	}
	while (!err && run.done < run.frames) {
		n = run.frames - run.done < run.per_state ? run.frames - run.done : run.per_state;
		err = one_state(&w, state++, n);
	}
	world_destroy(&w);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("difftest: frames by expected reason:");
	for (i = 0; i < XDPCAST_REASON_MAX; i++)
		printf(" %s %llu", xdpcast_reason_name(i), (unsigned long long)run.by_reason[i]);
	printf("\ndifftest: flow table: hit %llu repoint %llu insert %llu evict %llu",
	       (unsigned long long)run.by_flow_op[MODEL_FLOW_HIT],
	       (unsigned long long)run.by_flow_op[MODEL_FLOW_REPOINT],
	       (unsigned long long)run.by_flow_op[MODEL_FLOW_INSERT],
	       (unsigned long long)run.by_flow_op[MODEL_FLOW_EVICT]);
	printf("\ndifftest: seed %llu: %llu frames, %llu map states, %llu mismatches, %.1f s\n",
	       (unsigned long long)run.seed, (unsigned long long)run.done,
	       (unsigned long long)state, (unsigned long long)run.mismatches, secs);
	if (run.mismatches)
		printf("difftest: replay with: xdpcast-difftest --seed %llu --frames %llu "
		       "--per-state %llu\n",
		       (unsigned long long)run.seed, (unsigned long long)run.frames,
		       (unsigned long long)run.per_state);
	return err || run.mismatches ? 1 : 0;
}
