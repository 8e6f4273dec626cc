/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dnsload: a DNS load client for the netns tests and the soak. Many flows
 * (one UDP socket, so one source port, each) query one server at a fixed
 * total rate; every query is accounted to its flow: answered (by which
 * server identity), late, lost, or a reply that does not match. Marks
 * (SIGUSR1, or lines written to a FIFO) record, per flow, which server
 * answered last before and first after them. This header is the shared
 * model of the tool's parts: the message codec (dnsload_msg.c), the
 * accounting (dnsload_flow.c), the reports (dnsload_report.c) and the
 * event loop (dnsload.c).
 */
#ifndef XDPCAST_DNSLOAD_H
#define XDPCAST_DNSLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ldns/ldns.h>

#define DL_MAX_FLOWS 4096
#define DL_MAX_SERVERS 64 /* distinct identities; one bit each in a flow's mask */
#define DL_MAX_INFLIGHT 64 /* queries of one flow awaiting a reply */
#define DL_MAX_CHANGES 64 /* changes of server kept per flow (all are counted) */
#define DL_MAX_MARKS 1024
#define DL_IDENT_LEN 64
#define DL_LABEL_LEN 64
#define DL_NONE (-1) /* no server (no answer) */
#define DL_OTHER (-2) /* an identity past DL_MAX_SERVERS */

/* The question every query asks, and its wire form (id patched per query). */
struct dl_question {
	char name[256];
	uint16_t qclass;
	uint16_t qtype;
	char class_name[16]; /* "CH" */
	char type_name[16]; /* "TXT" */
	ldns_rdf *qname; /* owned */
	uint8_t wire[512];
	size_t wire_len;
};

enum dl_reply {
	DL_REPLY_OK,
	DL_REPLY_MALFORMED, /* not a DNS message, or not a response */
	DL_REPLY_QUESTION, /* a response to another question */
};

struct dl_query {
	uint64_t sent_ns;
	uint32_t seq;
	uint16_t id;
	bool pending;
};

struct dl_change {
	uint64_t t_ns; /* when the query answered by the new server was sent */
	int16_t from;
	int16_t to;
};

/* A flow's last answer before a mark and first answer after it (by sent time). */
struct dl_mark_flow {
	int16_t before;
	int16_t after;
	uint64_t before_sent_ns;
	uint64_t after_sent_ns;
};

struct dl_mark {
	uint64_t t_ns;
	char label[DL_LABEL_LEN];
	struct dl_mark_flow *flows; /* one per flow */
};

struct dl_flow {
	int fd;
	uint16_t port; /* local (source) port */
	struct dl_query q[DL_MAX_INFLIGHT]; /* a ring in sent order */
	unsigned head;
	unsigned count;
	uint64_t sent, answered, lost, late;
	uint64_t unmatched; /* a reply with no pending query of that id (e.g. after its timeout) */
	uint64_t bad; /* malformed, or another question */
	uint64_t errors; /* socket errors (ICMP unreachable...) */
	int16_t first, last; /* servers of the first and last answers (by sent time) */
	uint64_t last_sent_ns; /* sent time of the last answer */
	uint64_t servers_mask;
	struct dl_change changes[DL_MAX_CHANGES];
	unsigned changes_kept;
	uint64_t changes_total;
	uint64_t start_ns; /* first query sent */
	uint64_t last_answer_ns; /* arrival of the last answer */
	uint64_t max_gap_ns;
	uint64_t max_gap_end_ns; /* where the longest gap ended */
	uint64_t first_lost_ns, last_lost_ns; /* sent times; 0: none */
	uint64_t rtt_sum_ns, rtt_max_ns;
};

struct dl_opts {
	const char *server;
	uint16_t port;
	const char *bind_addr;
	uint16_t base_port; /* 0: ephemeral ports */
	unsigned flows;
	double rate; /* queries per second, all flows together */
	double duration_s;
	double timeout_ms;
	double late_ms;
	const char *json_path;
	const char *queries_path;
	const char *marks_path;
	bool verbose;
	uint64_t seed;
};

struct dl_run {
	struct dl_opts o;
	struct dl_question question;
	struct dl_flow *flows;
	char servers[DL_MAX_SERVERS][DL_IDENT_LEN];
	uint64_t server_answers[DL_MAX_SERVERS];
	unsigned nservers;
	uint64_t other_answers; /* by identities past DL_MAX_SERVERS (counted, not named) */
	struct dl_mark marks[DL_MAX_MARKS];
	unsigned nmarks;
	uint64_t marks_dropped;
	uint64_t start_ns; /* CLOCK_MONOTONIC */
	double start_realtime; /* seconds since the epoch at start_ns */
	uint64_t end_send_ns; /* when sending stopped */
	uint64_t end_ns;
	uint64_t skipped; /* queries not sent because the loop fell behind */
	bool interrupted;
	FILE *queries; /* one line per query once resolved, or NULL */
	uint64_t rng;
};

/* dnsload_msg.c */
int dl_question_init(struct dl_question *q, const char *name, const char *qclass,
		     const char *qtype);
void dl_question_free(struct dl_question *q);
void dl_query_wire(const struct dl_question *q, uint16_t id, uint8_t *out);
enum dl_reply dl_reply_parse(const struct dl_question *q, const uint8_t *buf, size_t len,
			     uint16_t *id, char *ident, size_t ident_len);

/* dnsload_flow.c */
uint64_t dl_now_ns(void);
int dl_server_index(struct dl_run *r, const char *ident);
const char *dl_server_name(const struct dl_run *r, int idx);
struct dl_query *dl_flow_push(struct dl_run *r, struct dl_flow *f, uint16_t id, uint64_t now);
bool dl_flow_id_pending(const struct dl_flow *f, uint16_t id);
void dl_flow_reply(struct dl_run *r, struct dl_flow *f, uint16_t id, const char *ident,
		   uint64_t now);
void dl_flow_expire(struct dl_run *r, struct dl_flow *f, uint64_t now, bool all);
void dl_flow_finish(const struct dl_run *r, struct dl_flow *f);
int dl_mark_add(struct dl_run *r, const char *label, uint64_t now);

/* dnsload_report.c */
void dl_report_text(const struct dl_run *r, FILE *out);
int dl_report_json(const struct dl_run *r, const char *path);

#endif
