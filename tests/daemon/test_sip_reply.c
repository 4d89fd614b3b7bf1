/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stateless SIP replies (RFC 3261 §8.2.6): full expected texts. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <callfence/sip.h>
#include <callfence/sip_reply.h>

/* An INVITE through two proxies (two Via headers, one of them with two
 * comma-separated values), no To tag. */
static const char invite[] =
	"INVITE sip:+8613812345678@gw.example.net;user=phone SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-top;rport\r\n"
	"Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK-mid,\r\n"
	"  SIP/2.0/UDP 192.0.2.3;branch=z9hG4bK-low\r\n"
	"Max-Forwards: 68\r\n"
	"From: \"Alice\" <sip:+8617012345678@a.example>;tag=f1\r\n"
	"To: <sip:+8613812345678@gw.example.net>\r\n"
	"Call-ID: c1@192.0.2.1\r\n"
	"CSeq: 7 INVITE\r\n"
	"Contact: <sip:alice@192.0.2.1>\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

#define ECHO_HEAD \
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-top;rport\r\n" \
	"Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK-mid\r\n" \
	"Via: SIP/2.0/UDP 192.0.2.3;branch=z9hG4bK-low\r\n" \
	"From: \"Alice\" <sip:+8617012345678@a.example>;tag=f1\r\n" \
	"To: <sip:+8613812345678@gw.example.net>;tag="
#define ECHO_TAIL \
	"\r\nCall-ID: c1@192.0.2.1\r\n" \
	"CSeq: 7 INVITE\r\n"
#define CONTACT "Contact: <sip:+8613812345678@gw.example.net;user=phone>\r\n"

struct fixture {
	struct cf_sip_msg msg;
	char tag[17];
	char expect[4096];
	char out[4096];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_true(cf_sip_parse(&f->msg, invite, strlen(invite), 0) > 0);
	cf_sip_reply_tag(&f->msg, f->tag);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

static void
check(struct fixture *f, const struct cf_sip_reply_params *p,
      const char *status, const char *extra)
{
	int n, m;

	snprintf(f->expect, sizeof(f->expect), "%s\r\n" ECHO_HEAD "%s"
		 ECHO_TAIL "%sContent-Length: 0\r\n\r\n", status, f->tag,
		 extra);
	n = cf_sip_reply(f->out, sizeof(f->out), &f->msg, p);
	assert_string_equal(f->out, f->expect);
	assert_int_equal(n, (int)strlen(f->expect));
	/* The reply is itself a valid SIP response. */
	{
		struct cf_sip_msg r;

		assert_int_equal(cf_sip_parse(&r, f->out, (size_t)n, 0), n);
		assert_false(r.request);
		assert_int_equal(r.n_via, 3);
		assert_int_equal(r.cseq, 7);
	}
	/* Two steps give the same bytes. */
	{
		char echo[2048];
		int e = cf_sip_reply_echo(echo, sizeof(echo), &f->msg);

		assert_true(e > 0);
		m = cf_sip_reply_finish(f->out, sizeof(f->out), echo,
					(size_t)e, f->msg.ruri.p,
					f->msg.ruri.len, p);
		assert_int_equal(m, n);
		assert_string_equal(f->out, f->expect);
	}
}

static void
allow_is_302_with_contact(void **state)
{
	struct cf_sip_reply_params p;

	cf_sip_reply_for_verdict(&p, CF_ACTION_ALLOW, CF_REPLY_NONE, "r");
	check(*state, &p, "SIP/2.0 302 Moved Temporarily", CONTACT);
}

static void
block_replies(void **state)
{
	struct cf_sip_reply_params p;

	cf_sip_reply_for_verdict(&p, CF_ACTION_BLOCK, CF_REPLY_NONE, "r");
	check(*state, &p, "SIP/2.0 603 Decline", "");
	cf_sip_reply_for_verdict(&p, CF_ACTION_BLOCK, CF_REPLY_603, "r");
	check(*state, &p, "SIP/2.0 603 Decline", "");
	cf_sip_reply_for_verdict(&p, CF_ACTION_BLOCK,
				 CF_REPLY_603_NETWORK_BLOCKED, "r");
	check(*state, &p, "SIP/2.0 603 Network Blocked",
	      "Reason: Q.850;cause=21\r\n");
	cf_sip_reply_for_verdict(&p, CF_ACTION_BLOCK, CF_REPLY_608, "r");
	check(*state, &p, "SIP/2.0 608 Rejected", "");
	cf_sip_reply_for_verdict(&p, CF_ACTION_BLOCK, CF_REPLY_403, "r");
	check(*state, &p, "SIP/2.0 403 Forbidden", "");
}

static void
suspect_and_hide(void **state)
{
	struct cf_sip_reply_params p;

	cf_sip_reply_for_verdict(&p, CF_ACTION_SUSPECT, CF_REPLY_NONE,
				 "wangiri");
	check(*state, &p, "SIP/2.0 302 Moved Temporarily",
	      CONTACT "X-Callfence-Verdict: suspect; rule=wangiri\r\n");
	cf_sip_reply_for_verdict(&p, CF_ACTION_HIDE, CF_REPLY_NONE, "x");
	check(*state, &p, "SIP/2.0 302 Moved Temporarily",
	      CONTACT "Privacy: id\r\n");
}

static void
fixed_replies(void **state)
{
	struct cf_sip_reply_params p;

	cf_sip_reply_options(&p);
	check(*state, &p, "SIP/2.0 200 OK",
	      "Allow: INVITE, ACK, CANCEL, OPTIONS\r\n");
	cf_sip_reply_not_allowed(&p);
	check(*state, &p, "SIP/2.0 405 Method Not Allowed",
	      "Allow: INVITE, ACK, CANCEL, OPTIONS\r\n");
	cf_sip_reply_unavailable(&p);
	check(*state, &p, "SIP/2.0 503 Service Unavailable", "");
	cf_sip_reply_allow(&p);
	check(*state, &p, "SIP/2.0 302 Moved Temporarily", CONTACT);
}

/* The tag depends on Call-ID, From tag and top branch only: the same for
 * a retransmission, different for another call. */
static void
tag_is_deterministic(void **state)
{
	struct fixture *f = *state;
	struct cf_sip_msg m2;
	char again[sizeof(invite) + 64], tag2[17];
	char *p;

	memcpy(again, invite, sizeof(invite));
	assert_true(cf_sip_parse(&m2, again, strlen(again), 0) > 0);
	cf_sip_reply_tag(&m2, tag2);
	assert_string_equal(tag2, f->tag);
	assert_int_equal(strlen(tag2), 16);
	/* Another branch (a new transaction) gives another tag. */
	p = strstr(again, "z9hG4bK-top");
	p[8] = 'X';
	assert_true(cf_sip_parse(&m2, again, strlen(again), 0) > 0);
	cf_sip_reply_tag(&m2, tag2);
	assert_string_not_equal(tag2, f->tag);
}

/* A To that has a tag keeps it, and no second one is added. */
static void
to_tag_kept(void **state)
{
	static const char req[] =
		"OPTIONS sip:gw.example.net SIP/2.0\r\n"
		"v: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1\r\n"
		"f: <sip:ping@a.example>;tag=a\r\n"
		"t: <sip:gw.example.net>;tag=given\r\n"
		"i: opt-1\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"\r\n";
	static const char expect[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1\r\n"
		"From: <sip:ping@a.example>;tag=a\r\n"
		"To: <sip:gw.example.net>;tag=given\r\n"
		"Call-ID: opt-1\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"Allow: INVITE, ACK, CANCEL, OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n";
	struct cf_sip_reply_params p;
	struct cf_sip_msg m;
	char out[1024];

	(void)state;
	assert_true(cf_sip_parse(&m, req, strlen(req), 0) > 0);
	cf_sip_reply_options(&p);
	assert_int_equal(cf_sip_reply(out, sizeof(out), &m, &p),
			 (int)strlen(expect));
	assert_string_equal(out, expect);
}

/* Folded header values are sent unfolded. */
static void
folded_values_unfolded(void **state)
{
	static const char req[] =
		"OPTIONS sip:gw SIP/2.0\r\n"
		"Via: SIP/2.0/UDP h1;branch=z9hG4bKf\r\n"
		"From: <sip:a@b>\r\n"
		"  ;tag=x\r\n"
		"To: <sip:gw>;tag=y\r\n"
		"Call-ID: f\r\n"
		"CSeq: 2\r\n\tOPTIONS\r\n"
		"\r\n";
	struct cf_sip_reply_params p;
	struct cf_sip_msg m;
	char out[1024];

	(void)state;
	assert_true(cf_sip_parse(&m, req, strlen(req), 0) > 0);
	cf_sip_reply_not_allowed(&p);
	assert_true(cf_sip_reply(out, sizeof(out), &m, &p) > 0);
	assert_non_null(strstr(out, "\r\nFrom: <sip:a@b> ;tag=x\r\n"));
	assert_non_null(strstr(out, "\r\nCSeq: 2 OPTIONS\r\n"));
}

/* snprintf semantics: the length is always the full length, a short
 * buffer holds a NUL-terminated prefix, a NULL/0 buffer is measured. */
static void
short_buffers(void **state)
{
	struct fixture *f = *state;
	struct cf_sip_reply_params p;
	char small[40];
	int full, n;
	size_t sz;

	cf_sip_reply_for_verdict(&p, CF_ACTION_ALLOW, CF_REPLY_NONE, NULL);
	full = cf_sip_reply(f->out, sizeof(f->out), &f->msg, &p);
	assert_true(full > 100);
	assert_int_equal(cf_sip_reply(NULL, 0, &f->msg, &p), full);
	for (sz = 1; sz <= (size_t)full + 1; sz += 7) {
		char *b = malloc(sz);

		assert_non_null(b);
		n = cf_sip_reply(b, sz, &f->msg, &p);
		assert_int_equal(n, full);
		assert_true(strlen(b) < sz);
		free(b);
	}
	n = cf_sip_reply(small, sizeof(small), &f->msg, &p);
	assert_int_equal(n, full);
	assert_true(strlen(small) < sizeof(small));
}

static void
bad_arguments(void **state)
{
	struct fixture *f = *state;
	struct cf_sip_reply_params p;
	struct cf_sip_msg resp;
	static const char r200[] =
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKr\r\n"
		"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\n"
		"Call-ID: r\r\nCSeq: 1 INVITE\r\n\r\n";
	char out[512];

	cf_sip_reply_options(&p);
	p.code = 99;
	assert_int_equal(cf_sip_reply(out, sizeof(out), &f->msg, &p), -1);
	p.code = 700;
	assert_int_equal(cf_sip_reply(out, sizeof(out), &f->msg, &p), -1);
	/* A response is not answered. */
	assert_true(cf_sip_parse(&resp, r200, strlen(r200), 0) > 0);
	cf_sip_reply_options(&p);
	assert_int_equal(cf_sip_reply(out, sizeof(out), &resp, &p), -1);
	/* A Contact needs a Request-URI. */
	cf_sip_reply_allow(&p);
	assert_int_equal(cf_sip_reply_finish(out, sizeof(out), "", 0, NULL,
					     0, &p), -1);
	assert_string_equal(cf_sip_reply_phrase(608), "Rejected");
	assert_string_equal(cf_sip_reply_phrase(299), "Unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(allow_is_302_with_contact,
						setup, teardown),
		cmocka_unit_test_setup_teardown(block_replies, setup,
						teardown),
		cmocka_unit_test_setup_teardown(suspect_and_hide, setup,
						teardown),
		cmocka_unit_test_setup_teardown(fixed_replies, setup,
						teardown),
		cmocka_unit_test_setup_teardown(tag_is_deterministic, setup,
						teardown),
		cmocka_unit_test(to_tag_kept),
		cmocka_unit_test(folded_values_unfolded),
		cmocka_unit_test_setup_teardown(short_buffers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bad_arguments, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
