/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The verdict on DNS replies (probe_dns_judge()): replies crafted with ldns
 * (or broken by hand) against a check, each with its exact verdict and
 * reason. No sockets: the live probes are in test_probe.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <ldns/ldns.h>

#include "probe_dns.h"

#define QNAME "www.example.test"
#define QID 0x1234
#define MAX_ANSWERS 4

/* A reply: header bits, the question ("owner class type" or NULL: none) and answer RRs. */
struct reply {
	uint16_t id;
	bool query; /* QR clear */
	bool tc;
	uint8_t rcode;
	const char *question;
	const char *answers[MAX_ANSWERS];
};

static struct check_config dns_check(uint16_t type, const char *expect)
{
	struct check_config c = {
		.type = CHECK_DNS,
		.timeout_ms = 500,
		.dns_type = type,
		.dns_rcodes = 1u << LDNS_RCODE_NOERROR,
	};

	snprintf(c.dns_name, sizeof(c.dns_name), "%s", QNAME);
	snprintf(c.dns_expect, sizeof(c.dns_expect), "%s", expect);
	return c;
}

/* The wire form of @r (free() it); its length in @len. */
static uint8_t *build(const struct reply *r, size_t *len)
{
	ldns_pkt *pkt = ldns_pkt_new();
	uint8_t *wire = NULL;
	ldns_rr *rr;
	size_t i;

	cr_assert_not_null(pkt);
	ldns_pkt_set_id(pkt, r->id);
	ldns_pkt_set_qr(pkt, !r->query);
	ldns_pkt_set_aa(pkt, true);
	ldns_pkt_set_tc(pkt, r->tc);
	ldns_pkt_set_rcode(pkt, r->rcode);
	if (r->question) {
		cr_assert_eq(ldns_rr_new_question_frm_str(&rr, r->question, NULL, NULL),
			     LDNS_STATUS_OK, "question %s", r->question);
		ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, rr);
	}
	for (i = 0; i < MAX_ANSWERS && r->answers[i]; i++) {
		cr_assert_eq(ldns_rr_new_frm_str(&rr, r->answers[i], 0, NULL, NULL), LDNS_STATUS_OK,
			     "answer %s", r->answers[i]);
		ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr);
	}
	cr_assert_eq(ldns_pkt2wire(&wire, pkt, len), LDNS_STATUS_OK);
	ldns_pkt_free(pkt);
	return wire;
}

static void expect_bytes(const struct check_config *c, const uint8_t *wire, size_t len, bool ok,
			 const char *reason)
{
	char got[PROBE_REASON_MAX];

	memset(got, 'x', sizeof(got));
	cr_expect_eq(probe_dns_judge(c, QID, wire, len, got), ok, "verdict: want %s (%s)",
		     ok ? "pass" : "fail", got);
	cr_expect_str_eq(got, reason);
}

static void expect(const struct check_config *c, const struct reply *r, bool ok, const char *reason)
{
	size_t len;
	uint8_t *wire = build(r, &len);

	expect_bytes(c, wire, len, ok, reason);
	free(wire);
}

#define Q_A QNAME ". IN A"
#define A_1 QNAME ". 60 IN A 198.18.1.1"
#define A_2 QNAME ". 60 IN A 198.18.1.2"

Test(probe_dns, good_reply)
{
	struct check_config c = dns_check(LDNS_RR_TYPE_A, "");

	expect(&c, &(struct reply){ .id = QID, .question = Q_A, .answers = { A_2 } }, true, "");
	/* no answer is fine when none is expected (an SOA query's NODATA...) */
	expect(&c, &(struct reply){ .id = QID, .question = Q_A }, true, "");
}

Test(probe_dns, wrong_id)
{
	struct check_config c = dns_check(LDNS_RR_TYPE_A, "");

	expect(&c, &(struct reply){ .id = QID + 1, .question = Q_A, .answers = { A_2 } }, false,
	       "dns: wrong id");
}

Test(probe_dns, malformed)
{
	static const uint8_t garbage[] = { 0x12, 0x34, 0x81, 0x80, 0xff, 0xff, 0x00 };
	struct check_config c = dns_check(LDNS_RR_TYPE_A, "");
	struct reply r = { .id = QID, .question = Q_A, .answers = { A_2 } };
	size_t len, cut;
	uint8_t *wire = build(&r, &len);

	expect_bytes(&c, garbage, sizeof(garbage), false, "dns: malformed reply");
	expect_bytes(&c, wire, 0, false, "dns: malformed reply");
	/* every cut inside the header, the question or the answer */
	for (cut = 1; cut < len; cut++)
		expect_bytes(&c, wire, cut, false, "dns: malformed reply");
	/* counts promising more than there is */
	wire[7] = 2; /* ANCOUNT 2 */
	expect_bytes(&c, wire, len, false, "dns: malformed reply");
	free(wire);
}

Test(probe_dns, not_a_response)
{
	struct check_config c = dns_check(LDNS_RR_TYPE_A, "");

	expect(&c, &(struct reply){ .id = QID, .query = true, .question = Q_A }, false,
	       "dns: not a response");
}

Test(probe_dns, question_mismatch)
{
	struct check_config c = dns_check(LDNS_RR_TYPE_A, "");

	expect(&c, &(struct reply){ .id = QID, .question = "other.example.test. IN A" }, false,
	       "dns: question mismatch");
	expect(&c, &(struct reply){ .id = QID, .question = QNAME ". IN AAAA" }, false,
	       "dns: question mismatch");
	expect(&c, &(struct reply){ .id = QID, .question = QNAME ". CH A" }, false,
	       "dns: question mismatch");
	/* no question in a NOERROR reply */
	expect(&c, &(struct reply){ .id = QID, .answers = { A_2 } }, false,
	       "dns: question mismatch");
	/* names compare without regard to case */
	expect(&c, &(struct reply){ .id = QID, .question = "WWW.Example.TEST. IN A" }, true, "");
}

Test(probe_dns, truncated)
{
	struct check_config c = dns_check(LDNS_RR_TYPE_A, "");
	struct reply r = { .id = QID, .tc = true, .question = Q_A };

	expect(&c, &r, false, "dns: truncated");
	/* over TCP the flag means nothing */
	c.dns_tcp = true;
	expect(&c, &r, true, "");
}

Test(probe_dns, rcodes_not_accepted)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMPL", "REFUSED", "YXDOMAIN", "YXRRSET",
					     "NXRRSET", "NOTAUTH", "NOTZONE" };
	struct check_config c = dns_check(LDNS_RR_TYPE_A, "");
	char want[PROBE_REASON_MAX];
	uint8_t rcode;

	for (rcode = 1; rcode < 16; rcode++) {
		if (rcode < sizeof(names) / sizeof(names[0]))
			snprintf(want, sizeof(want), "dns: rcode %s", names[rcode]);
		else
			snprintf(want, sizeof(want), "dns: rcode %u", rcode);
		expect(&c, &(struct reply){ .id = QID, .rcode = rcode, .question = Q_A }, false,
		       want);
	}
	/* an error reply without its question is judged on its rcode */
	expect(&c, &(struct reply){ .id = QID, .rcode = LDNS_RCODE_SERVFAIL }, false,
	       "dns: rcode SERVFAIL");
}

Test(probe_dns, rcodes_accepted_by_bitmask)
{
	struct check_config c = dns_check(LDNS_RR_TYPE_A, "");

	c.dns_rcodes = 1u << LDNS_RCODE_NOERROR | 1u << LDNS_RCODE_NXDOMAIN;
	expect(&c, &(struct reply){ .id = QID, .rcode = LDNS_RCODE_NXDOMAIN, .question = Q_A },
	       true, "");
	expect(&c, &(struct reply){ .id = QID, .question = Q_A }, true, "");
	expect(&c, &(struct reply){ .id = QID, .rcode = LDNS_RCODE_REFUSED, .question = Q_A },
	       false, "dns: rcode REFUSED");
	/* NOERROR is accepted only when its bit is set */
	c.dns_rcodes = 1u << LDNS_RCODE_NXDOMAIN;
	expect(&c, &(struct reply){ .id = QID, .question = Q_A }, false, "dns: rcode NOERROR");
}

Test(probe_dns, no_answer)
{
	struct check_config c = dns_check(LDNS_RR_TYPE_A, "198.18.1.2");

	expect(&c, &(struct reply){ .id = QID, .question = Q_A }, false, "dns: no answer");
	/* answers of another type (here a CNAME without its target) do not count */
	expect(&c,
	       &(struct reply){ .id = QID,
				.question = Q_A,
				.answers = { QNAME ". 60 IN CNAME alias.example.test." } },
	       false, "dns: no answer");
}

Test(probe_dns, wrong_answer)
{
	struct check_config c = dns_check(LDNS_RR_TYPE_A, "198.18.1.2");

	expect(&c, &(struct reply){ .id = QID, .question = Q_A, .answers = { A_1 } }, false,
	       "dns: answer 198.18.1.1 not 198.18.1.2");
	/* the first answer is the one quoted */
	expect(&c,
	       &(struct reply){ .id = QID,
				.question = Q_A,
				.answers = { A_1, QNAME ". 60 IN A 198.18.1.3" } },
	       false, "dns: answer 198.18.1.1 not 198.18.1.2");
}

Test(probe_dns, right_answer)
{
	struct check_config c = dns_check(LDNS_RR_TYPE_A, "198.18.1.2");

	expect(&c, &(struct reply){ .id = QID, .question = Q_A, .answers = { A_2 } }, true, "");
	/* any answer of the type may match, after a CNAME too */
	expect(&c,
	       &(struct reply){ .id = QID,
				.question = Q_A,
				.answers = { QNAME ". 60 IN CNAME web.example.test.", A_1,
					     "web.example.test. 60 IN A 198.18.1.2" } },
	       true, "");
}

Test(probe_dns, other_types_text)
{
	struct check_config c = dns_check(LDNS_RR_TYPE_AAAA, "2001:DB8::1");

	/* AAAA: case-insensitive */
	expect(&c,
	       &(struct reply){ .id = QID,
				.question = QNAME ". IN AAAA",
				.answers = { QNAME ". 60 IN AAAA 2001:db8::1" } },
	       true, "");
	/* MX: fields separated by a space, the final dot optional */
	c = dns_check(LDNS_RR_TYPE_MX, "10 mail.example.test");
	expect(&c,
	       &(struct reply){ .id = QID,
				.question = QNAME ". IN MX",
				.answers = { QNAME ". 60 IN MX 10 mail.example.test." } },
	       true, "");
	expect(&c,
	       &(struct reply){ .id = QID,
				.question = QNAME ". IN MX",
				.answers = { QNAME ". 60 IN MX 20 mail.example.test." } },
	       false, "dns: answer 20 mail.example.test. not 10 mail.example.test");
}

Test(probe_dns, txt_expect)
{
	struct check_config c = dns_check(LDNS_RR_TYPE_TXT, "v=spf1 -all");
	struct reply r = { .id = QID, .question = QNAME ". IN TXT" };

	r.answers[0] = QNAME ". 60 IN TXT \"v=spf1 -all\"";
	expect(&c, &r, true, "");
	/* character-strings concatenate, unquoted and unescaped */
	snprintf(c.dns_expect, sizeof(c.dns_expect), "say \"hi\" there");
	r.answers[0] = QNAME ". 60 IN TXT \"say \\\"hi\" \"\\\" there\"";
	expect(&c, &r, true, "");
	/* TXT compares byte for byte: case matters */
	snprintf(c.dns_expect, sizeof(c.dns_expect), "V=SPF1 -ALL");
	r.answers[0] = QNAME ". 60 IN TXT \"v=spf1 -all\"";
	expect(&c, &r, false, "dns: answer v=spf1 -all not V=SPF1 -ALL");
	/* unprintable bytes are not copied into the reason */
	r.answers[0] = QNAME ". 60 IN TXT \"a\\010b\"";
	expect(&c, &r, false, "dns: answer a?b not V=SPF1 -ALL");
}
