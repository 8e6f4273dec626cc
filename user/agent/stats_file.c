// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The Prometheus text file (exposition format 0.0.4) for node_exporter's
 * textfile collector: the build, the last reload, the interfaces attached,
 * the route writes, dataplane counters by VIP and reason and by backend,
 * and the agent's view of each backend (its state, its checks by result
 * and their latency). docs/xdpcastd.md lists every series.
 * Written to a temporary file that mkstemp() makes in the same directory
 * and renamed over the file (atomic_file.h), so a reader never sees half of
 * it, and a user who may write the directory cannot have root write through
 * a symlink.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_file.h"
#include "routes.h"
#include "atomic_file.h"
#include "loader.h"
#include "log.h"
#include "prom.h"
#include "version.h"

#define LABELS_MAX 512
#define STATS_FILE_MODE 0644 /* node_exporter runs as another user */

/* The agent itself: its build, its last reload, its interfaces, its route writes. */
static void write_agent(FILE *f, struct agent *a)
{
	char version[128], name[2 * IF_NAMESIZE + 1];
	struct routes_counters rc = routes_counters(a->routes);

	prom_help(f, "xdpcast_build_info", "gauge",
		  "Always 1; the version of xdpcastd in a label.");
	fprintf(f, "xdpcast_build_info{version=\"%s\"} 1\n",
		prom_escape(version, sizeof(version), xdpcast_version()));
	prom_help(f, "xdpcast_last_reload_success", "gauge",
		  "1 if the last configuration load (start, SIGHUP, xdpcastctl reload) was applied "
		  "whole, 0 if it was refused or applied in part.");
	fprintf(f, "xdpcast_last_reload_success %d\n", a->last_reload_ok);
	prom_help(f, "xdpcast_last_reload_timestamp_seconds", "gauge",
		  "Unix time of the last configuration load, successful or not.");
	fprintf(f, "xdpcast_last_reload_timestamp_seconds %.3f\n", a->last_reload_at);

	prom_help(f, "xdpcast_interface_attached", "gauge",
		  "1 if xdpcast's XDP program is attached to the configured interface, with its "
		  "mode (native, generic, offload; none when it is not).");
	for (size_t i = 0; i < a->cfg.n_ifaces; i++) {
		int ifindex = (int)if_nametoindex(a->cfg.ifaces[i].name);
		enum xdp_attach_mode mode;
		bool attached = ifindex > 0 && !xdpcast_attached_mode(ifindex, &mode);

		fprintf(f, "xdpcast_interface_attached{interface=\"%s\",mode=\"%s\"} %d\n",
			prom_escape(name, sizeof(name), a->cfg.ifaces[i].name),
			attached ? xdpcast_mode_name(mode) : "none", attached);
	}

	prom_help(
		f, "xdpcast_route_repairs_total", "counter",
		"VIP routes put back after something else deleted or changed them in the kernel.");
	fprintf(f, "xdpcast_route_repairs_total %llu\n", (unsigned long long)rc.repairs);
	prom_help(f, "xdpcast_route_write_failures_total", "counter",
		  "Route writes (replace, delete) the kernel refused; each is retried every "
		  "reconcile, and counted again.");
	fprintf(f, "xdpcast_route_write_failures_total %llu\n",
		(unsigned long long)rc.write_failures);
}

/* The VIP's labels: its key (address, protocol, port) makes each series unique. */
static void vip_labels(char *buf, size_t len, const struct vip *v)
{
	char name[2 * CONFIG_NAME_MAX + 1];

	snprintf(buf, len, "vip=\"%s\",address=\"%s\",protocol=\"%s\",port=\"%u\"",
		 prom_escape(name, sizeof(name), v->cfg.name), v->cfg.addr.text,
		 vip_proto_name(v->cfg.proto), v->cfg.port);
}

static void backend_labels(char *buf, size_t len, const struct backend *b)
{
	char vip[LABELS_MAX], name[2 * CONFIG_NAME_MAX + 1];

	vip_labels(vip, sizeof(vip), b->vip);
	snprintf(buf, len, "%s,backend=\"%s\",backend_address=\"%s\"", vip,
		 prom_escape(name, sizeof(name), b->cfg.name), b->cfg.addr.text);
}

static void write_reason_rows(FILE *f, const char *metric, const char *labels,
			      const struct xdpcast_vip_counters *row, bool bytes)
{
	for (int r = 0; r < XDPCAST_REASON_MAX; r++) {
		const struct xdpcast_counter *c = &row->reason[r];

		fprintf(f, "%s{%s%sreason=\"%s\"} %llu\n", metric, labels, labels[0] ? "," : "",
			xdpcast_reason_name(r),
			(unsigned long long)(bytes ? c->bytes : c->packets));
	}
}

static void write_vip_counters(FILE *f, struct agent *a, const struct xdpcast_vip_counters *rows)
{
	char labels[LABELS_MAX];

	for (int bytes = 0; bytes <= 1; bytes++) {
		const char *metric =
			bytes ? "xdpcast_vip_bytes_total" : "xdpcast_vip_packets_total";

		prom_help(f, metric, "counter",
			  bytes ? "Bytes for each VIP by verdict reason."
				: "Packets for each VIP by verdict reason.");
		for (size_t i = 0; i < a->n_vips; i++) {
			vip_labels(labels, sizeof(labels), a->vips[i]);
			write_reason_rows(f, metric, labels, &rows[a->vips[i]->id], bytes);
		}
	}
	prom_help(f, "xdpcast_other_packets_total", "counter",
		  "Packets not for any VIP, by verdict reason.");
	write_reason_rows(f, "xdpcast_other_packets_total", "", &rows[XDPCAST_STATS_NO_VIP], false);
}

static void write_vip_gauges(FILE *f, struct agent *a)
{
	char labels[LABELS_MAX];

	prom_help(
		f, "xdpcast_vip_in_service", "gauge",
		"1 while at least min_healthy backends take new flows (else its packets go to the "
		"kernel).");
	for (size_t i = 0; i < a->n_vips; i++) {
		vip_labels(labels, sizeof(labels), a->vips[i]);
		fprintf(f, "xdpcast_vip_in_service{%s} %d\n", labels, a->vips[i]->usable);
	}
	prom_help(f, "xdpcast_vip_route_announced", "gauge",
		  "1 while the kernel has xdpcastd's route for the VIP's address (every VIP at the "
		  "address in service), for the routing daemon to announce.");
	for (size_t i = 0; i < a->n_vips; i++) {
		vip_labels(labels, sizeof(labels), a->vips[i]);
		fprintf(f, "xdpcast_vip_route_announced{%s} %d\n", labels,
			routes_announced(a->routes, &a->vips[i]->cfg.addr));
	}
}

/* A backend as one scrape sees it: its counters read once. */
struct backend_sample {
	const struct backend *b;
	struct xdpcast_counter fwd;
};

static double packets(const struct backend_sample *s)
{
	return (double)s->fwd.packets;
}
static double bytes(const struct backend_sample *s)
{
	return (double)s->fwd.bytes;
}
static double up(const struct backend_sample *s)
{
	return s->b->health.up;
}
static double in_table(const struct backend_sample *s)
{
	return backend_in_table(s->b);
}
static double weight(const struct backend_sample *s)
{
	return backend_weight(s->b);
}
static double state_since(const struct backend_sample *s)
{
	return s->b->state_since;
}
static double latency(const struct backend_sample *s)
{
	return s->b->last.latency_ms / 1000.0;
}

static const struct {
	const char *name, *type, *help;
	double (*value)(const struct backend_sample *s);
} backend_metrics[] = {
	{ "xdpcast_backend_packets_total", "counter", "Packets forwarded to the backend.",
	  packets },
	{ "xdpcast_backend_bytes_total", "counter", "Bytes forwarded to the backend.", bytes },
	{ "xdpcast_backend_up", "gauge", "1 if the backend's health check says up.", up },
	{ "xdpcast_backend_in_table", "gauge", "1 if the backend takes new flows.", in_table },
	{ "xdpcast_backend_weight", "gauge", "Weight in force (0: drained), the operator's if set.",
	  weight },
	{ "xdpcast_backend_state_change_timestamp_seconds", "gauge",
	  "Unix time of the backend's last state change (or of its creation or adoption).",
	  state_since },
	{ "xdpcast_backend_check_latency_seconds", "gauge", "Duration of the last probe.",
	  latency },
};

/* Every backend's probes by outcome, a row for each outcome (zeros too). */
static void write_check_results(FILE *f, const struct backend_sample *samples, size_t n)
{
	static const char metric[] = "xdpcast_backend_checks_total";
	char labels[2 * LABELS_MAX];

	prom_help(f, metric, "counter",
		  "Health probes completed, by result (ok, timeout, refused, unreachable, "
		  "bad_reply, error).");
	for (size_t k = 0; k < n; k++) {
		backend_labels(labels, sizeof(labels), samples[k].b);
		for (int o = 0; o < PROBE_OUTCOME_MAX; o++)
			fprintf(f, "%s{%s,result=\"%s\"} %llu\n", metric, labels,
				probe_outcome_name((enum probe_outcome)o),
				(unsigned long long)samples[k].b->results[o]);
	}
}

/* A series per state the backend can be in: 1 for its state, 0 for the others. */
static void write_states(FILE *f, const struct backend_sample *samples, size_t n)
{
	char labels[2 * LABELS_MAX];

	prom_help(
		f, "xdpcast_backend_state", "gauge",
		"1 for the backend's state (up, down, draining, up-unresolved), 0 for the others.");
	for (size_t k = 0; k < n; k++) {
		const char *state = backend_state_name(samples[k].b);

		backend_labels(labels, sizeof(labels), samples[k].b);
		for (const char *const *s = backend_state_names; *s; s++)
			fprintf(f, "xdpcast_backend_state{%s,state=\"%s\"} %d\n", labels, *s,
				!strcmp(*s, state));
	}
}

static void write_check_durations(FILE *f, const struct backend_sample *samples, size_t n)
{
	static const char metric[] = "xdpcast_backend_check_duration_seconds";
	char labels[2 * LABELS_MAX];

	prom_help(f, metric, "histogram",
		  "Health probes' duration from start to verdict (a timeout's is its timeout).");
	for (size_t k = 0; k < n; k++) {
		backend_labels(labels, sizeof(labels), samples[k].b);
		prom_histogram(f, metric, labels, &samples[k].b->check_duration);
	}
}

static int write_backends(FILE *f, struct agent *a)
{
	struct backend_sample *samples;
	char labels[2 * LABELS_MAX];
	size_t n = 0;

	for (size_t i = 0; i < a->n_vips; i++)
		n += a->vips[i]->n_backends;
	samples = calloc(n ? n : 1, sizeof(*samples));
	if (!samples)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < a->n_vips; i++) {
		for (size_t j = 0; j < a->vips[i]->n_backends; j++, n++) {
			samples[n].b = a->vips[i]->backends[j];
			xdpcast_dp_read_backend_stats(&a->dp, samples[n].b->id, &samples[n].fwd);
		}
	}
	for (size_t m = 0; m < sizeof(backend_metrics) / sizeof(backend_metrics[0]); m++) {
		prom_help(f, backend_metrics[m].name, backend_metrics[m].type,
			  backend_metrics[m].help);
		for (size_t k = 0; k < n; k++) {
			backend_labels(labels, sizeof(labels), samples[k].b);
			fprintf(f, "%s{%s} %.17g\n", backend_metrics[m].name, labels,
				backend_metrics[m].value(&samples[k]));
		}
	}
	write_states(f, samples, n);
	write_check_results(f, samples, n);
	write_check_durations(f, samples, n);
	free(samples);
	return 0;
}

int stats_file_write(struct agent *a)
{
	struct xdpcast_vip_counters *rows = calloc(XDPCAST_STATS_ROWS, sizeof(*rows));
	struct atomic_file af;
	int err;

	if (!rows)
		return -ENOMEM;
	err = xdpcast_dp_read_stats(&a->dp, rows);
	if (err) {
		pr_warn("stats file: cannot read the dataplane's counters: %s\n", strerror(-err));
		free(rows);
		return err;
	}
	err = atomic_file_begin(&af, a->cfg.stats_file);
	if (err) {
		pr_warn("stats file %s: cannot create a temporary file beside it: %s\n",
			a->cfg.stats_file, strerror(-err));
		free(rows);
		return err;
	}
	write_agent(af.f, a);
	write_vip_counters(af.f, a, rows);
	write_vip_gauges(af.f, a);
	err = write_backends(af.f, a);
	free(rows);
	/* a partial file is never renamed into place */
	if (err)
		atomic_file_abort(&af);
	else
		err = atomic_file_commit(&af, STATS_FILE_MODE);
	if (err)
		pr_warn("stats file %s: %s\n", a->cfg.stats_file, strerror(-err));
	return err;
}
