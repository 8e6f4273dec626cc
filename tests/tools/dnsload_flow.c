// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dnsload's accounting: each flow's queries in flight (a ring in sent
 * order, so that the oldest is the first to time out), what became of each
 * one (answered, late, lost), which server answered and when that changed,
 * the longest time without an answer, and, for every mark, the flow's last
 * answer before it and first answer after it (by the queries' sent times).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnsload.h"

uint64_t dl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int dl_server_index(struct dl_run *r, const char *ident)
{
	unsigned i;

	for (i = 0; i < r->nservers; i++) {
		if (!strcmp(r->servers[i], ident))
			return (int)i;
	}
	if (r->nservers == DL_MAX_SERVERS)
		return DL_OTHER;
	snprintf(r->servers[r->nservers], DL_IDENT_LEN, "%s", ident);
	return (int)r->nservers++;
}

const char *dl_server_name(const struct dl_run *r, int idx)
{
	if (idx == DL_OTHER)
		return "other";
	if (idx < 0 || (unsigned)idx >= r->nservers)
		return NULL;
	return r->servers[idx];
}

static double ms_since(const struct dl_run *r, uint64_t t)
{
	return t >= r->start_ns ? (double)(t - r->start_ns) / 1e6 : 0;
}

static void log_query(struct dl_run *r, const struct dl_flow *f, const struct dl_query *q,
		      const char *status, int srv, uint64_t now)
{
	const char *name = dl_server_name(r, srv);

	if (!r->queries)
		return;
	fprintf(r->queries, "%td %u %.3f %s %s %.3f\n", f - r->flows, q->seq,
		ms_since(r, q->sent_ns), status, name ? name : "-",
		srv == DL_NONE ? -1.0 : (double)(now - q->sent_ns) / 1e6);
}

/* The done queries at the head of the ring leave it. */
static void pop_done(struct dl_flow *f)
{
	while (f->count && !f->q[f->head].pending) {
		f->head = (f->head + 1) % DL_MAX_INFLIGHT;
		f->count--;
	}
}

static void lose(struct dl_run *r, struct dl_flow *f, struct dl_query *q, uint64_t now)
{
	f->lost++;
	if (!f->first_lost_ns)
		f->first_lost_ns = q->sent_ns;
	f->last_lost_ns = q->sent_ns;
	q->pending = false;
	log_query(r, f, q, "lost", DL_NONE, now);
}

struct dl_query *dl_flow_push(struct dl_run *r, struct dl_flow *f, uint16_t id, uint64_t now)
{
	struct dl_query *q;

	if (f->count == DL_MAX_INFLIGHT) { /* not with the rates main() accepts */
		lose(r, f, &f->q[f->head], now);
		pop_done(f);
	}
	q = &f->q[(f->head + f->count) % DL_MAX_INFLIGHT];
	q->sent_ns = now;
	q->seq = (uint32_t)f->sent;
	q->id = id;
	q->pending = true;
	f->count++;
	f->sent++;
	if (!f->start_ns)
		f->start_ns = now;
	return q;
}

static struct dl_query *find_pending(const struct dl_flow *f, uint16_t id)
{
	unsigned i;

	for (i = 0; i < f->count; i++) {
		const struct dl_query *q = &f->q[(f->head + i) % DL_MAX_INFLIGHT];

		if (q->pending && q->id == id)
			return (struct dl_query *)q;
	}
	return NULL;
}

bool dl_flow_id_pending(const struct dl_flow *f, uint16_t id)
{
	return find_pending(f, id) != NULL;
}

/*
 * Marks see the answer to a query sent at @ts: the last answer before a mark
 * is the one sent latest before it, the first after it the one sent earliest
 * after it. Going back from the newest mark, once a mark already has an
 * answer after it sent no later than @ts, so do all older marks.
 */
static void marks_see(struct dl_run *r, size_t fi, uint64_t ts, int srv)
{
	unsigned i;

	for (i = r->nmarks; i-- > 0;) {
		struct dl_mark_flow *mf = &r->marks[i].flows[fi];

		if (ts < r->marks[i].t_ns) {
			if (ts > mf->before_sent_ns) {
				mf->before = (int16_t)srv;
				mf->before_sent_ns = ts;
			}
			continue;
		}
		if (mf->after_sent_ns && mf->after_sent_ns <= ts)
			break;
		mf->after = (int16_t)srv;
		mf->after_sent_ns = ts;
	}
}

static void answer(struct dl_run *r, struct dl_flow *f, struct dl_query *q, int srv, uint64_t now)
{
	uint64_t rtt = now - q->sent_ns;
	uint64_t prev = f->last_answer_ns ? f->last_answer_ns : f->start_ns;
	bool late = rtt > (uint64_t)(r->o.late_ms * 1e6);

	f->answered++;
	f->rtt_sum_ns += rtt;
	if (rtt > f->rtt_max_ns)
		f->rtt_max_ns = rtt;
	if (late)
		f->late++;
	if (now > prev && now - prev > f->max_gap_ns) {
		f->max_gap_ns = now - prev;
		f->max_gap_end_ns = now;
	}
	if (now > f->last_answer_ns)
		f->last_answer_ns = now;
	if (srv >= 0) {
		r->server_answers[srv]++;
		f->servers_mask |= 1ull << srv;
	} else {
		r->other_answers++;
	}
	if (f->answered == 1) {
		f->first = f->last = (int16_t)srv;
		f->last_sent_ns = q->sent_ns;
	} else if (q->sent_ns > f->last_sent_ns) {
		if (srv != f->last) {
			if (f->changes_kept < DL_MAX_CHANGES)
				f->changes[f->changes_kept++] = (struct dl_change){
					.t_ns = q->sent_ns, .from = f->last, .to = (int16_t)srv
				};
			f->changes_total++;
			f->last = (int16_t)srv;
		}
		f->last_sent_ns = q->sent_ns;
	}
	marks_see(r, (size_t)(f - r->flows), q->sent_ns, srv);
	q->pending = false;
	log_query(r, f, q, late ? "late" : "ok", srv, now);
}

void dl_flow_reply(struct dl_run *r, struct dl_flow *f, uint16_t id, const char *ident,
		   uint64_t now)
{
	struct dl_query *q = find_pending(f, id);

	if (!q) {
		f->unmatched++;
		return;
	}
	answer(r, f, q, dl_server_index(r, ident), now);
	pop_done(f);
}

void dl_flow_expire(struct dl_run *r, struct dl_flow *f, uint64_t now, bool all)
{
	uint64_t timeout = (uint64_t)(r->o.timeout_ms * 1e6);

	pop_done(f);
	while (f->count) {
		struct dl_query *q = &f->q[f->head];

		if (!all && q->sent_ns + timeout > now)
			break;
		lose(r, f, q, now);
		pop_done(f);
	}
}

void dl_flow_finish(const struct dl_run *r, struct dl_flow *f)
{
	uint64_t prev = f->last_answer_ns ? f->last_answer_ns : f->start_ns;

	if (f->start_ns && r->end_send_ns > prev && r->end_send_ns - prev > f->max_gap_ns) {
		f->max_gap_ns = r->end_send_ns - prev;
		f->max_gap_end_ns = r->end_send_ns;
	}
}

int dl_mark_add(struct dl_run *r, const char *label, uint64_t now)
{
	struct dl_mark *m;
	unsigned i;

	if (r->nmarks == DL_MAX_MARKS) {
		r->marks_dropped++;
		return -1;
	}
	m = &r->marks[r->nmarks];
	m->flows = calloc(r->o.flows, sizeof(*m->flows));
	if (!m->flows) {
		r->marks_dropped++;
		return -1;
	}
	m->t_ns = now;
	snprintf(m->label, sizeof(m->label), "%s", label);
	for (i = 0; i < r->o.flows; i++) {
		m->flows[i].before = r->flows[i].answered ? r->flows[i].last : DL_NONE;
		m->flows[i].before_sent_ns = r->flows[i].answered ? r->flows[i].last_sent_ns : 0;
		m->flows[i].after = DL_NONE;
	}
	r->nmarks++;
	return 0;
}
