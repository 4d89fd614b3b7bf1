/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Payloads to call events (callfence/events.h): a SIP-I INVITE is one
 * call whose parties are the IAM's, with the mismatch flagged and judged
 * by `sip-i-mismatch`; SIP answers and releases become events; a BYE
 * says the call was answered.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <callfence/events.h>
#include <callfence/ruleset.h>

/*
 * An IAM without its CIC, as SIP-I carries it (Q.763): type 0x01, nature
 * of connection 0x00, forward call indicators 0x6001, calling party's
 * category 0x0a (ordinary), transmission medium 0x00; pointers 2 and 10;
 * Called Party Number 13912345678 (odd, national, ISDN); optional part:
 * Calling Party Number 13800000001 (odd, national, ISDN, presentation
 * allowed, network provided), end of optional parameters.
 */
static const unsigned char iam[] = {
	0x01, 0x00, 0x60, 0x01, 0x0a, 0x00, 0x02, 0x0a,
	0x08, 0x83, 0x10, 0x31, 0x19, 0x32, 0x54, 0x76, 0x08,
	0x0a, 0x08, 0x83, 0x13, 0x31, 0x08, 0x00, 0x00, 0x00, 0x01,
	0x00,
};

/* A SIP-I INVITE from @from (the SIP caller) with the IAM above. */
static size_t
sipi_invite(char *buf, size_t size, const char *from)
{
	static const char head[] =
		"INVITE sip:+8613912345678@gw SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKsipi\r\n"
		"From: <sip:%s@gw;user=phone>;tag=1\r\n"
		"To: <sip:+8613912345678@gw;user=phone>\r\n"
		"Call-ID: sipi-1\r\nCSeq: 1 INVITE\r\n"
		"Content-Type: multipart/mixed;boundary=b\r\n"
		"Content-Length: %zu\r\n\r\n";
	static const char pre[] = "--b\r\nContent-Type: application/sdp\r\n\r\n"
		"v=0\r\n--b\r\nContent-Type: application/ISUP;version=itu-t92+"
		"\r\n\r\n";
	static const char post[] = "\r\n--b--\r\n";
	size_t body = strlen(pre) + sizeof(iam) + strlen(post);
	int n = snprintf(buf, size, head, from, body);

	assert_true(n > 0 && (size_t)n + body < size);
	memcpy(buf + n, pre, strlen(pre));
	memcpy(buf + n + strlen(pre), iam, sizeof(iam));
	memcpy(buf + n + strlen(pre) + sizeof(iam), post, strlen(post));
	return (size_t)n + body;
}

struct seen {
	unsigned int n;
	struct cf_call call;
};

static void
on_event(void *ctx, struct cf_call *call, const struct cf_payload *p)
{
	struct seen *s = ctx;

	s->n++;
	s->call = *call;
}

static struct seen
events_of(const char *msg, size_t len)
{
	static struct cf_events e;
	struct cf_payload p = {
		.kind = CF_PAYLOAD_SIP, .transport = CF_TRANSPORT_UDP,
		.data = (const uint8_t *)msg, .len = len, .ts_ns = 7,
	};
	struct seen s = { 0 };

	cf_events_init(&e);
	cf_events_payload(&e, &p, cf_numplan_builtin("86"), on_event, &s);
	return s;
}

static void
sipi_is_one_call(void **state)
{
	char buf[2048];
	struct seen s;

	/* Both layers agree. */
	s = events_of(buf, sipi_invite(buf, sizeof(buf), "+8613800000001"));
	assert_int_equal(s.n, 1);
	assert_int_equal(s.call.event, CF_EVENT_SETUP);
	assert_int_equal(s.call.proto, CF_PROTO_SIP);
	assert_true(s.call.sipi);
	assert_false(s.call.sipi_mismatch);
	assert_string_equal(s.call.party[CF_PARTY_CALLER].num.digits,
			    "8613800000001");
	assert_string_equal(s.call.ref.sip.call_id, "sipi-1");
	assert_int_equal(s.call.rx_ns, 7);

	/* The SIP header names another caller: the IAM's wins, flagged. */
	s = events_of(buf, sipi_invite(buf, sizeof(buf), "+8613700000002"));
	assert_int_equal(s.n, 1);
	assert_true(s.call.sipi_mismatch);
	assert_string_equal(s.call.party[CF_PARTY_CALLER].num.digits,
			    "8613800000001");
	assert_string_equal(s.call.party[CF_PARTY_CALLER].raw, "13800000001");
}

/* The blacklisted ISUP caller is blocked though the SIP From is clean,
 * and sip-i-mismatch judges the disagreement. */
static void
sipi_judged_by_its_iam(void **state)
{
	static const char text[] =
		"plan { country-code 86 }\n"
		"rule black { priority 1 when caller prefix 8613800000001 "
		"action block }\n"
		"rule layers { priority 2 when sip-i-mismatch action suspect }\n"
		"default allow\n";
	struct cf_ruleset *rs = NULL;
	struct cf_ruleset_scratch *sc;
	struct cf_verdict v;
	struct cf_diag d;
	char buf[2048];
	struct seen s;

	cf_diag_init(&d);
	assert_int_equal(cf_rules_compile_text("e.rules", text, strlen(text),
					       NULL, NULL, &rs, &d), 0);
	sc = cf_ruleset_scratch_alloc(rs);
	s = events_of(buf, sipi_invite(buf, sizeof(buf), "+8613700000002"));
	cf_ruleset_judge(rs, sc, &s.call, &v);
	assert_string_equal(v.rule, "black");
	s.call.party[CF_PARTY_CALLER].num.key = 0;	/* not the blacklisted */
	cf_ruleset_judge(rs, sc, &s.call, &v);
	assert_string_equal(v.rule, "layers");
	cf_ruleset_scratch_free(sc);
	cf_ruleset_free(rs);
	cf_diag_free(&d);
}

static void
releases_and_answers(void **state)
{
	static const char bye[] =
		"BYE sip:a@gw SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKb\r\n"
		"From: <sip:+8613912345678@gw>;tag=2\r\n"
		"To: <sip:+8613800000001@gw>;tag=1\r\n"
		"Call-ID: sipi-1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
	static const char cancel[] =
		"CANCEL sip:a@gw SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKc\r\n"
		"From: <sip:+8613800000001@gw>;tag=1\r\n"
		"To: <sip:+8613912345678@gw>\r\n"
		"Call-ID: sipi-1\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n";
	static const char ok[] =
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\n"
		"From: <sip:+8613800000001@gw>;tag=1\r\n"
		"To: <sip:+8613912345678@gw>;tag=3\r\n"
		"Call-ID: sipi-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	static const char options[] =
		"OPTIONS sip:gw SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKo\r\n"
		"From: <sip:a@gw>;tag=1\r\nTo: <sip:gw>\r\n"
		"Call-ID: o\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	struct seen s;

	s = events_of(bye, strlen(bye));
	assert_int_equal(s.n, 1);
	assert_int_equal(s.call.event, CF_EVENT_RELEASE);
	assert_true(s.call.answered);
	s = events_of(cancel, strlen(cancel));
	assert_int_equal(s.call.event, CF_EVENT_RELEASE);
	assert_false(s.call.answered);
	s = events_of(ok, strlen(ok));
	assert_int_equal(s.call.event, CF_EVENT_ANSWER);
	s = events_of(options, strlen(options));
	assert_int_equal(s.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sipi_is_one_call),
		cmocka_unit_test(sipi_judged_by_its_iam),
		cmocka_unit_test(releases_and_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
