// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dnsload's reports: a summary for people (totals, answers per server, each
 * mark's before -> after pairs, and the flows that lost, were late or
 * changed server; every flow with --verbose) and the whole record as JSON
 * (json-c) for scripts: totals, servers, marks, and per flow its counts,
 * servers, changes, longest gap and its server before and after each mark.
 * Times are milliseconds since the first query (start_realtime: its epoch).
 */
#include <string.h>

#include <json-c/json.h>

#include "dnsload.h"

#define TEXT_FLOWS_MAX 40 /* flows listed without --verbose */

static double ms(const struct dl_run *r, uint64_t t)
{
	return t >= r->start_ns ? (double)(t - r->start_ns) / 1e6 : 0;
}

struct totals {
	uint64_t sent, answered, lost, late, unmatched, bad, errors;
	unsigned with_loss, with_late, changed;
	uint64_t max_gap_ns;
	long max_gap_flow;
};

static struct totals sum(const struct dl_run *r)
{
	struct totals t = { .max_gap_flow = -1 };
	unsigned i;

	for (i = 0; i < r->o.flows; i++) {
		const struct dl_flow *f = &r->flows[i];

		t.sent += f->sent;
		t.answered += f->answered;
		t.lost += f->lost;
		t.late += f->late;
		t.unmatched += f->unmatched;
		t.bad += f->bad;
		t.errors += f->errors;
		t.with_loss += f->lost > 0;
		t.with_late += f->late > 0;
		t.changed += f->changes_total > 0;
		if (f->max_gap_ns > t.max_gap_ns) {
			t.max_gap_ns = f->max_gap_ns;
			t.max_gap_flow = i;
		}
	}
	return t;
}

static const char *name_or_dash(const struct dl_run *r, int idx)
{
	const char *n = dl_server_name(r, idx);

	return n ? n : "-";
}

/* Matrix index of a server index (DL_NONE and DL_OTHER first). */
static unsigned slot(int idx)
{
	return (unsigned)(idx + 2);
}

static void text_mark(const struct dl_run *r, const struct dl_mark *m, FILE *out)
{
	static unsigned pairs[DL_MAX_SERVERS + 2][DL_MAX_SERVERS + 2];
	unsigned i, a, b, n = r->nservers + 2;

	memset(pairs, 0, sizeof(pairs));
	for (i = 0; i < r->o.flows; i++)
		pairs[slot(m->flows[i].before)][slot(m->flows[i].after)]++;
	fprintf(out, "  %9.1f ms  %-24s", ms(r, m->t_ns), m->label);
	for (a = 0; a < n; a++) {
		for (b = 0; b < n; b++) {
			if (pairs[a][b])
				fprintf(out, " %s->%s:%u", name_or_dash(r, (int)a - 2),
					name_or_dash(r, (int)b - 2), pairs[a][b]);
		}
	}
	fputc('\n', out);
}

static void text_flow(const struct dl_run *r, unsigned i, FILE *out)
{
	const struct dl_flow *f = &r->flows[i];

	fprintf(out, "%5u %5u %6llu %6llu %5llu %5llu  %-8s %-8s %7llu %9.1f %9.1f\n", i, f->port,
		(unsigned long long)f->sent, (unsigned long long)f->answered,
		(unsigned long long)f->lost, (unsigned long long)f->late,
		name_or_dash(r, f->answered ? f->first : DL_NONE),
		name_or_dash(r, f->answered ? f->last : DL_NONE),
		(unsigned long long)f->changes_total, (double)f->max_gap_ns / 1e6,
		f->first_lost_ns ? ms(r, f->first_lost_ns) : -1.0);
}

void dl_report_text(const struct dl_run *r, FILE *out)
{
	struct totals t = sum(r);
	unsigned i, listed = 0, interesting = 0;

	fprintf(out,
		"dnsload: %s port %u, %s %s %s, %u flows, %.0f q/s for %.1f s%s (timeout %.0f ms, "
		"late %.0f ms)\n",
		r->o.server, r->o.port, r->question.class_name, r->question.type_name,
		r->question.name, r->o.flows, r->o.rate,
		(double)(r->end_send_ns - r->start_ns) / 1e9,
		r->interrupted ? " (interrupted)" : "", r->o.timeout_ms, r->o.late_ms);
	fprintf(out,
		"sent %llu  answered %llu  lost %llu  late %llu  unmatched %llu  bad %llu  errors "
		"%llu  skipped %llu\n",
		(unsigned long long)t.sent, (unsigned long long)t.answered,
		(unsigned long long)t.lost, (unsigned long long)t.late,
		(unsigned long long)t.unmatched, (unsigned long long)t.bad,
		(unsigned long long)t.errors, (unsigned long long)r->skipped);
	fprintf(out, "answered by:");
	for (i = 0; i < r->nservers; i++)
		fprintf(out, " %s %llu", r->servers[i], (unsigned long long)r->server_answers[i]);
	if (r->other_answers)
		fprintf(out, " other %llu", (unsigned long long)r->other_answers);
	fprintf(out, "%s\n", r->nservers ? "" : " nobody");
	fprintf(out, "flows %u: %u lost queries, %u had late answers, %u changed server",
		r->o.flows, t.with_loss, t.with_late, t.changed);
	if (t.max_gap_flow >= 0)
		fprintf(out, "; longest gap %.1f ms (flow %ld)", (double)t.max_gap_ns / 1e6,
			t.max_gap_flow);
	fputc('\n', out);
	if (r->nmarks) {
		fprintf(out, "marks (per flow: last answer before -> first answer after):\n");
		for (i = 0; i < r->nmarks; i++)
			text_mark(r, &r->marks[i], out);
	}
	if (r->marks_dropped)
		fprintf(out, "marks dropped (more than %d): %llu\n", DL_MAX_MARKS,
			(unsigned long long)r->marks_dropped);
	for (i = 0; i < r->o.flows; i++) {
		const struct dl_flow *f = &r->flows[i];

		interesting += f->lost || f->late || f->changes_total || f->unmatched || f->bad;
	}
	if (!r->o.verbose && !interesting)
		return;
	fprintf(out, "%5s %5s %6s %6s %5s %5s  %-8s %-8s %7s %9s %9s\n", "FLOW", "PORT", "SENT",
		"ANSWER", "LOST", "LATE", "FIRST", "LAST", "CHANGES", "MAXGAP_MS", "LOST_AT_MS");
	for (i = 0; i < r->o.flows; i++) {
		const struct dl_flow *f = &r->flows[i];

		if (!r->o.verbose &&
		    !(f->lost || f->late || f->changes_total || f->unmatched || f->bad))
			continue;
		if (!r->o.verbose && listed == TEXT_FLOWS_MAX) {
			fprintf(out, "(%u more flows: --verbose or --json)\n",
				interesting - listed);
			break;
		}
		text_flow(r, i, out);
		listed++;
	}
}

static void add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

static void add_ms(json_object *o, const char *key, double v)
{
	json_object_object_add(o, key, json_object_new_double(v));
}

static void add_name(json_object *o, const char *key, const struct dl_run *r, int idx)
{
	const char *n = dl_server_name(r, idx);

	json_object_object_add(o, key, n ? json_object_new_string(n) : NULL);
}

static json_object *json_flow(const struct dl_run *r, unsigned i)
{
	const struct dl_flow *f = &r->flows[i];
	json_object *o = json_object_new_object(), *a;
	unsigned k;

	add_u64(o, "flow", i);
	add_u64(o, "port", f->port);
	add_u64(o, "sent", f->sent);
	add_u64(o, "answered", f->answered);
	add_u64(o, "lost", f->lost);
	add_u64(o, "late", f->late);
	add_u64(o, "unmatched", f->unmatched);
	add_u64(o, "bad", f->bad);
	add_u64(o, "errors", f->errors);
	add_name(o, "first", r, f->answered ? f->first : DL_NONE);
	add_name(o, "last", r, f->answered ? f->last : DL_NONE);
	a = json_object_new_array();
	for (k = 0; k < r->nservers; k++) {
		if (f->servers_mask & (1ull << k))
			json_object_array_add(a, json_object_new_string(r->servers[k]));
	}
	json_object_object_add(o, "servers", a);
	add_u64(o, "changes_total", f->changes_total);
	a = json_object_new_array();
	for (k = 0; k < f->changes_kept; k++) {
		json_object *c = json_object_new_object();

		add_ms(c, "t_ms", ms(r, f->changes[k].t_ns));
		add_name(c, "from", r, f->changes[k].from);
		add_name(c, "to", r, f->changes[k].to);
		json_object_array_add(a, c);
	}
	json_object_object_add(o, "changes", a);
	add_ms(o, "max_gap_ms", (double)f->max_gap_ns / 1e6);
	add_ms(o, "max_gap_end_ms", f->max_gap_end_ns ? ms(r, f->max_gap_end_ns) : 0);
	json_object_object_add(o, "first_lost_ms",
			       f->first_lost_ns ? json_object_new_double(ms(r, f->first_lost_ns))
						: NULL);
	json_object_object_add(o, "last_lost_ms",
			       f->last_lost_ns ? json_object_new_double(ms(r, f->last_lost_ns))
					       : NULL);
	add_ms(o, "rtt_avg_ms",
	       f->answered ? (double)f->rtt_sum_ns / (double)f->answered / 1e6 : 0);
	add_ms(o, "rtt_max_ms", (double)f->rtt_max_ns / 1e6);
	a = json_object_new_array();
	for (k = 0; k < r->nmarks; k++) {
		json_object *m = json_object_new_object();

		add_name(m, "before", r, r->marks[k].flows[i].before);
		add_name(m, "after", r, r->marks[k].flows[i].after);
		json_object_array_add(a, m);
	}
	json_object_object_add(o, "marks", a);
	return o;
}

int dl_report_json(const struct dl_run *r, const char *path)
{
	struct totals t = sum(r);
	json_object *top = json_object_new_object(), *o, *a;
	unsigned i;
	int err;

	json_c_set_serialization_double_format("%.3f", JSON_C_OPTION_GLOBAL);
	json_object_object_add(top, "server", json_object_new_string(r->o.server));
	add_u64(top, "port", r->o.port);
	json_object_object_add(top, "name", json_object_new_string(r->question.name));
	json_object_object_add(top, "class", json_object_new_string(r->question.class_name));
	json_object_object_add(top, "type", json_object_new_string(r->question.type_name));
	add_u64(top, "flows", r->o.flows);
	add_ms(top, "rate", r->o.rate);
	add_ms(top, "duration_ms", (double)(r->end_send_ns - r->start_ns) / 1e6);
	add_ms(top, "timeout_ms", r->o.timeout_ms);
	add_ms(top, "late_ms", r->o.late_ms);
	add_ms(top, "start_realtime", r->start_realtime);
	json_object_object_add(top, "interrupted", json_object_new_boolean(r->interrupted));

	o = json_object_new_object();
	add_u64(o, "sent", t.sent);
	add_u64(o, "answered", t.answered);
	add_u64(o, "lost", t.lost);
	add_u64(o, "late", t.late);
	add_u64(o, "unmatched", t.unmatched);
	add_u64(o, "bad", t.bad);
	add_u64(o, "errors", t.errors);
	add_u64(o, "skipped", r->skipped);
	add_u64(o, "flows_with_loss", t.with_loss);
	add_u64(o, "flows_changed", t.changed);
	add_ms(o, "max_gap_ms", (double)t.max_gap_ns / 1e6);
	json_object_object_add(top, "totals", o);

	o = json_object_new_object();
	for (i = 0; i < r->nservers; i++)
		add_u64(o, r->servers[i], r->server_answers[i]);
	if (r->other_answers)
		add_u64(o, "other", r->other_answers);
	json_object_object_add(top, "servers", o);

	a = json_object_new_array();
	for (i = 0; i < r->nmarks; i++) {
		o = json_object_new_object();
		add_ms(o, "t_ms", ms(r, r->marks[i].t_ns));
		add_ms(o, "realtime", r->start_realtime + ms(r, r->marks[i].t_ns) / 1e3);
		json_object_object_add(o, "label", json_object_new_string(r->marks[i].label));
		json_object_array_add(a, o);
	}
	json_object_object_add(top, "marks", a);
	add_u64(top, "marks_dropped", r->marks_dropped);

	a = json_object_new_array();
	for (i = 0; i < r->o.flows; i++)
		json_object_array_add(a, json_flow(r, i));
	json_object_object_add(top, "flows", a);

	err = json_object_to_file_ext(path, top, JSON_C_TO_STRING_PLAIN);
	json_object_put(top);
	return err;
}
