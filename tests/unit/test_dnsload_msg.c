/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dnsload's DNS codec (tests/tools/dnsload_msg.c): the query's wire form
 * with its id, and the verdict on replies crafted with ldns: the id given
 * back, another question or a query refused, the server's identity taken
 * from the TXT answer, an rcode, an empty answer or another type, and
 * unprintable bytes never passed on.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "../tools/dnsload.h"

static struct dl_question q;

static void setup(void)
{
	cr_assert_eq(dl_question_init(&q, "id.server", "CH", "TXT"), 0);
}

static void teardown(void)
{
	dl_question_free(&q);
}

/* A reply to "@question" (owner class type), id @id, QR set unless @query. */
static uint8_t *reply(uint16_t id, bool query, uint8_t rcode, const char *question,
		      const char *answer, size_t *len)
{
	ldns_pkt *pkt = ldns_pkt_new();
	uint8_t *wire = NULL;
	ldns_rr *rr;

	cr_assert_not_null(pkt);
	ldns_pkt_set_id(pkt, id);
	ldns_pkt_set_qr(pkt, !query);
	ldns_pkt_set_rcode(pkt, rcode);
	cr_assert_eq(ldns_rr_new_question_frm_str(&rr, question, NULL, NULL), LDNS_STATUS_OK);
	ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, rr);
	if (answer) {
		cr_assert_eq(ldns_rr_new_frm_str(&rr, answer, 0, NULL, NULL), LDNS_STATUS_OK, "%s",
			     answer);
		ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr);
	}
	cr_assert_eq(ldns_pkt2wire(&wire, pkt, len), LDNS_STATUS_OK);
	ldns_pkt_free(pkt);
	return wire;
}

static void expect(const char *question, const char *answer, uint8_t rcode, bool query,
		   enum dl_reply want, const char *ident)
{
	char got[DL_IDENT_LEN] = "unset";
	uint16_t id = 0;
	size_t len;
	uint8_t *wire = reply(0xbeef, query, rcode, question, answer, &len);

	cr_expect_eq(dl_reply_parse(&q, wire, len, &id, got, sizeof(got)), want, "%s / %s",
		     question, answer ? answer : "no answer");
	cr_expect_eq(id, 0xbeef);
	if (ident)
		cr_expect_str_eq(got, ident);
	free(wire);
}

Test(dnsload_msg, query_wire_has_the_id_and_question, .init = setup, .fini = teardown)
{
	uint8_t wire[sizeof(q.wire)];
	ldns_pkt *pkt = NULL;
	const ldns_rr *rr;

	dl_query_wire(&q, 0xa55a, wire);
	cr_assert_eq(ldns_wire2pkt(&pkt, wire, q.wire_len), LDNS_STATUS_OK);
	cr_expect_eq(ldns_pkt_id(pkt), 0xa55a);
	cr_expect(!ldns_pkt_qr(pkt) && !ldns_pkt_rd(pkt));
	cr_assert_eq(ldns_pkt_qdcount(pkt), 1);
	rr = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	cr_expect_eq(ldns_rr_get_class(rr), LDNS_RR_CLASS_CH);
	cr_expect_eq(ldns_rr_get_type(rr), LDNS_RR_TYPE_TXT);
	cr_expect_eq(ldns_dname_compare(ldns_rr_owner(rr), q.qname), 0);
	cr_expect_str_eq(q.class_name, "CH");
	cr_expect_str_eq(q.type_name, "TXT");
	ldns_pkt_free(pkt);
}

Test(dnsload_msg, identity_from_txt, .init = setup, .fini = teardown)
{
	expect("id.server. CH TXT", "id.server. 0 CH TXT \"b1\"", 0, false, DL_REPLY_OK, "b1");
	/* names compare without case */
	expect("ID.Server. CH TXT", "id.server. 0 CH TXT \"b2\"", 0, false, DL_REPLY_OK, "b2");
}

Test(dnsload_msg, another_question, .init = setup, .fini = teardown)
{
	expect("id.server. IN TXT", "id.server. 0 IN TXT \"b1\"", 0, false, DL_REPLY_QUESTION,
	       NULL);
	expect("id.server. CH A", NULL, 0, false, DL_REPLY_QUESTION, NULL);
	expect("hostname.bind. CH TXT", "hostname.bind. 0 CH TXT \"b1\"", 0, false,
	       DL_REPLY_QUESTION, NULL);
}

Test(dnsload_msg, a_query_is_no_reply, .init = setup, .fini = teardown)
{
	expect("id.server. CH TXT", NULL, 0, true, DL_REPLY_MALFORMED, NULL);
}

Test(dnsload_msg, rcode_and_empty_answers, .init = setup, .fini = teardown)
{
	expect("id.server. CH TXT", NULL, LDNS_RCODE_REFUSED, false, DL_REPLY_OK, "rcode:REFUSED");
	expect("id.server. CH TXT", NULL, 0, false, DL_REPLY_OK, "empty");
}

Test(dnsload_msg, unprintable_identity_bytes_replaced, .init = setup, .fini = teardown)
{
	expect("id.server. CH TXT", "id.server. 0 CH TXT \"a\\027b c\\\"d\"", 0, false, DL_REPLY_OK,
	       "a?b?c?d");
}

Test(dnsload_msg, other_types_give_their_data, .init = setup, .fini = teardown)
{
	struct dl_question a;
	char got[DL_IDENT_LEN];
	uint16_t id;
	size_t len;
	uint8_t *wire;

	cr_assert_eq(dl_question_init(&a, "www.anycast.test", "IN", "A"), 0);
	wire = reply(7, false, 0, "www.anycast.test. IN A",
		     "www.anycast.test. 60 IN A 203.0.113.53", &len);
	cr_expect_eq(dl_reply_parse(&a, wire, len, &id, got, sizeof(got)), DL_REPLY_OK);
	cr_expect_str_eq(got, "203.0.113.53");
	free(wire);
	dl_question_free(&a);
}

Test(dnsload_msg, short_or_garbage, .init = setup, .fini = teardown)
{
	static const uint8_t junk[] = { 0xbe, 0xef, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'i' };
	char got[DL_IDENT_LEN];
	uint16_t id;

	cr_expect_eq(dl_reply_parse(&q, junk, 5, &id, got, sizeof(got)), DL_REPLY_MALFORMED);
	cr_expect_eq(dl_reply_parse(&q, junk, sizeof(junk), &id, got, sizeof(got)),
		     DL_REPLY_MALFORMED);
}

Test(dnsload_msg, bad_questions_refused, .init = setup, .fini = teardown)
{
	struct dl_question x;

	cr_expect_neq(dl_question_init(&x, "id.server", "NOCLASS", "TXT"), 0);
	cr_expect_neq(dl_question_init(&x, "id.server", "CH", "NOTYPE"), 0);
	cr_expect_neq(dl_question_init(&x, "a..b", "IN", "A"), 0);
}
