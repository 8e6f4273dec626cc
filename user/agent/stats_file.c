// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The Prometheus text file (exposition format 0.0.4) for node_exporter's
 * textfile collector: dataplane counters by VIP and reason and by backend,
 * and the agent's view of each backend (its checks, by result too).
 * Written to a temporary file that mkstemp() makes in the same directory
 * and renamed over the file (atomic_file.h), so a reader never sees half of
 * it, and a user who may write the directory cannot have root write through
 * a symlink.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_file.h"
#include "routes.h"
#include "atomic_file.h"
#include "log.h"

#define LABELS_MAX 512
#define STATS_FILE_MODE 0644 /* node_exporter runs as another user */

static void help(FILE *f, const char *name, const char *type, const char *text)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

/* A label value as the exposition format wants it: \\, \" and \n escaped. */
static const char *escape(char *buf, size_t len, const char *value)
{
	size_t n = 0;

	for (; *value && n + 3 < len; value++) {
		if (*value == '\\' || *value == '"' || *value == '\n') {
			buf[n++] = '\\';
			buf[n++] = *value == '\n' ? 'n' : *value;
		} else {
			buf[n++] = *value;
		}
	}
	buf[n] = '\0';
	return buf;
}

/* The VIP's labels: its key (address, protocol, port) makes each series unique. */
static void vip_labels(char *buf, size_t len, const struct vip *v)
{
	char name[2 * CONFIG_NAME_MAX + 1];

	snprintf(buf, len, "vip=\"%s\",address=\"%s\",protocol=\"%s\",port=\"%u\"",
		 escape(name, sizeof(name), v->cfg.name), v->cfg.addr.text,
		 vip_proto_name(v->cfg.proto), v->cfg.port);
}

static void backend_labels(char *buf, size_t len, const struct backend *b)
{
	char vip[LABELS_MAX], name[2 * CONFIG_NAME_MAX + 1];

	vip_labels(vip, sizeof(vip), b->vip);
	snprintf(buf, len, "%s,backend=\"%s\",backend_address=\"%s\"", vip,
		 escape(name, sizeof(name), b->cfg.name), b->cfg.addr.text);
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

		help(f, metric, "counter",
		     bytes ? "Bytes for each VIP by verdict reason."
			   : "Packets for each VIP by verdict reason.");
		for (size_t i = 0; i < a->n_vips; i++) {
			vip_labels(labels, sizeof(labels), a->vips[i]);
			write_reason_rows(f, metric, labels, &rows[a->vips[i]->id], bytes);
		}
	}
	help(f, "xdpcast_other_packets_total", "counter",
	     "Packets not for any VIP, by verdict reason.");
	write_reason_rows(f, "xdpcast_other_packets_total", "", &rows[XDPCAST_STATS_NO_VIP], false);
}

static void write_vip_gauges(FILE *f, struct agent *a)
{
	char labels[LABELS_MAX];

	help(f, "xdpcast_vip_in_service", "gauge",
	     "1 while at least min_healthy backends take new flows (else its packets go to the "
	     "kernel).");
	for (size_t i = 0; i < a->n_vips; i++) {
		vip_labels(labels, sizeof(labels), a->vips[i]);
		fprintf(f, "xdpcast_vip_in_service{%s} %d\n", labels, a->vips[i]->usable);
	}
	help(f, "xdpcast_vip_route_announced", "gauge",
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
static double probes(const struct backend_sample *s)
{
	return (double)s->b->probes;
}
static double failures(const struct backend_sample *s)
{
	return (double)s->b->probe_failures;
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
	{ "xdpcast_backend_checks_total", "counter", "Health probes completed.", probes },
	{ "xdpcast_backend_check_failures_total", "counter", "Health probes failed.", failures },
	{ "xdpcast_backend_check_latency_seconds", "gauge", "Duration of the last probe.",
	  latency },
};

/* Every backend's probes by outcome, a row for each outcome (zeros too). */
static void write_check_results(FILE *f, const struct backend_sample *samples, size_t n)
{
	static const char metric[] = "xdpcast_backend_check_results_total";
	char labels[2 * LABELS_MAX];

	help(f, metric, "counter",
	     "Health probes completed, by result (ok, timeout, refused, unreachable, bad_reply, "
	     "error).");
	for (size_t k = 0; k < n; k++) {
		backend_labels(labels, sizeof(labels), samples[k].b);
		for (int o = 0; o < PROBE_OUTCOME_MAX; o++)
			fprintf(f, "%s{%s,result=\"%s\"} %llu\n", metric, labels,
				probe_outcome_name((enum probe_outcome)o),
				(unsigned long long)samples[k].b->results[o]);
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
		help(f, backend_metrics[m].name, backend_metrics[m].type, backend_metrics[m].help);
		for (size_t k = 0; k < n; k++) {
			backend_labels(labels, sizeof(labels), samples[k].b);
			fprintf(f, "%s{%s} %.17g\n", backend_metrics[m].name, labels,
				backend_metrics[m].value(&samples[k]));
		}
	}
	write_check_results(f, samples, n);
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
