// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dnsload's DNS messages, with ldns: the query's wire form (built once, its
 * id patched per query) and the check of a reply: a response to our
 * question (name, class, type), its id, and the identity of the server that
 * answered (the first TXT string, as `CH TXT id.server` gives; the first
 * answer's data otherwise; `rcode:NAME` or `empty` when there is none).
 */
#include <string.h>

#include "dnsload.h"

int dl_question_init(struct dl_question *q, const char *name, const char *qclass, const char *qtype)
{
	ldns_rr_class c = ldns_get_rr_class_by_name(qclass);
	ldns_rr_type t = ldns_get_rr_type_by_name(qtype);
	ldns_rdf *dname;
	ldns_pkt *pkt;
	uint8_t *wire = NULL;
	char *text;
	size_t len = 0;
	int err = -1;

	memset(q, 0, sizeof(*q));
	if (!c || !t || strlen(name) >= sizeof(q->name))
		return -1;
	dname = ldns_dname_new_frm_str(name);
	if (!dname)
		return -1;
	q->qname = ldns_rdf_clone(dname);
	pkt = ldns_pkt_query_new(dname, t, c, 0); /* takes dname; no RD: an authority is asked */
	if (!pkt || !q->qname)
		goto out;
	ldns_pkt_set_id(pkt, 0);
	if (ldns_pkt2wire(&wire, pkt, &len) != LDNS_STATUS_OK || len > sizeof(q->wire))
		goto out;
	memcpy(q->wire, wire, len);
	q->wire_len = len;
	q->qclass = c;
	q->qtype = t;
	text = ldns_rr_class2str(c);
	snprintf(q->class_name, sizeof(q->class_name), "%s", text ? text : "?");
	free(text);
	text = ldns_rr_type2str(t);
	snprintf(q->type_name, sizeof(q->type_name), "%s", text ? text : "?");
	free(text);
	strcpy(q->name, name);
	err = 0;
out:
	free(wire);
	ldns_pkt_free(pkt);
	if (err)
		dl_question_free(q);
	return err;
}

void dl_question_free(struct dl_question *q)
{
	ldns_rdf_deep_free(q->qname);
	q->qname = NULL;
}

void dl_query_wire(const struct dl_question *q, uint16_t id, uint8_t *out)
{
	memcpy(out, q->wire, q->wire_len);
	out[0] = id >> 8;
	out[1] = id & 0xff;
}

/* @in (@n bytes) as a printable word: anything else becomes '?'. */
static void copy_printable(char *out, size_t size, const uint8_t *in, size_t n)
{
	size_t i;

	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		out[i] = (in[i] > ' ' && in[i] < 0x7f && in[i] != '"' && in[i] != '\\') ? in[i]
											: '?';
	out[n] = '\0';
}

static void answer_identity(const ldns_pkt *pkt, char *ident, size_t len)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	const ldns_rr *rr = an && ldns_rr_list_rr_count(an) ? ldns_rr_list_rr(an, 0) : NULL;
	const ldns_rdf *rdf = rr && ldns_rr_rd_count(rr) ? ldns_rr_rdf(rr, 0) : NULL;
	char *text;

	if (ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR) {
		const ldns_lookup_table *lt =
			ldns_lookup_by_id(ldns_rcodes, (int)ldns_pkt_get_rcode(pkt));
		char name[32];

		snprintf(name, sizeof(name), "rcode:%s", lt ? lt->name : "?");
		copy_printable(ident, len, (const uint8_t *)name, strlen(name));
		return;
	}
	if (!rdf) {
		copy_printable(ident, len, (const uint8_t *)"empty", 5);
		return;
	}
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_TXT && ldns_rdf_size(rdf) >= 1 &&
	    ldns_rdf_data(rdf)[0] <= ldns_rdf_size(rdf) - 1) {
		copy_printable(ident, len, ldns_rdf_data(rdf) + 1, ldns_rdf_data(rdf)[0]);
		if (ident[0])
			return;
	}
	text = ldns_rdf2str(rdf);
	copy_printable(ident, len, (const uint8_t *)(text ? text : "?"), text ? strlen(text) : 1);
	free(text);
}

enum dl_reply dl_reply_parse(const struct dl_question *q, const uint8_t *buf, size_t len,
			     uint16_t *id, char *ident, size_t ident_len)
{
	enum dl_reply verdict = DL_REPLY_MALFORMED;
	const ldns_rr *qr;
	ldns_pkt *pkt = NULL;

	if (len < 12 || ldns_wire2pkt(&pkt, buf, len) != LDNS_STATUS_OK)
		return DL_REPLY_MALFORMED;
	*id = ldns_pkt_id(pkt);
	if (!ldns_pkt_qr(pkt) || ldns_pkt_get_opcode(pkt) != LDNS_PACKET_QUERY)
		goto out;
	verdict = DL_REPLY_QUESTION;
	qr = ldns_pkt_qdcount(pkt) == 1 ? ldns_rr_list_rr(ldns_pkt_question(pkt), 0) : NULL;
	if (!qr || ldns_rr_get_type(qr) != q->qtype || ldns_rr_get_class(qr) != q->qclass ||
	    ldns_dname_compare(ldns_rr_owner(qr), q->qname) != 0)
		goto out;
	answer_identity(pkt, ident, ident_len);
	verdict = DL_REPLY_OK;
out:
	ldns_pkt_free(pkt);
	return verdict;
}
