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

#include <callfence/call.h>
#include <callfence/number.h>
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

/* ---- The 302 Contact ------------------------------------------------ */

struct contact_vec {
	const char *ruri;
	const char *contact;	/* NULL: refused */
};

static const struct contact_vec contacts[] = {
	/* Kept as they are. */
	{ "sip:+12025550170;npdi;rn=+12025550999@h;user=phone",
	  "sip:+12025550170;npdi;rn=+12025550999@h;user=phone" },
	{ "sips:bob@[2001:db8::1]:5061", "sips:bob@[2001:db8::1]:5061" },
	{ "sip:alice:secret@atlanta.example.com:5060;transport=tcp",
	  "sip:alice:secret@atlanta.example.com:5060;transport=tcp" },
	{ "SIP:gw_1.example.net", "SIP:gw_1.example.net" },
	{ "tel:+1-202-555-0100;phone-context=+1",
	  "tel:+1-202-555-0100;phone-context=+1" },
	{ "urn:service:sos", "urn:service:sos" },
	{ "sip:sips%3Auser%40example.com@example.net",
	  "sip:sips%3Auser%40example.com@example.net" },
	/* Headers are dropped (RFC 4475 escruri; ?Route= would be put
	 * into the INVITE the SBC sends on). */
	{ "sip:user@example.com?Route=%3Csip:example.com%3E",
	  "sip:user@example.com" },
	{ "sip:u@h;lr?Route=<sip:evil>&Call-ID=x", "sip:u@h;lr" },
	{ "http://x.example/y?z", "http://x.example/y" },
	/* Closing the brackets and a second URI: the host "b>" is no host. */
	{ "sip:a@b>;x,<sip:evil>", NULL },
	{ "sip:a@h;x,<sip:evil>", NULL },
	{ "sip:evil>,<sip:x@y", NULL },
	{ "sip:a,b@h", NULL },
	{ "sip:a?b@h", NULL },
	{ "tel:+1?Route=x", NULL },
	{ "foo:a,b", NULL },
	/* A '>' or quote that would not be structure is escaped. */
	{ "sip:a>b@h", "sip:a%3Eb@h" },
	{ "sip:a@h;x>", "sip:a@h;x%3E" },
	{ "sip:\"a\"@h", "sip:%22a%22@h" },
	{ "sip:a@h;p=\"x\"", "sip:a@h;p=%22x%22" },
	{ "foo:a\"b<c>", "foo:a%22b%3Cc%3E" },
	{ "sip:u%zz@h", "sip:u%25zz@h" },
	{ "sip:\xc3\xbc@h", "sip:%C3%BC@h" },
	/* Line breaks, raw or escaped, are refused; so is NUL. */
	{ "sip:a%0d%0aX-Evil:1@h", NULL },
	{ "sip:a%0D%0A@h", NULL },
	{ "sip:%00@h", NULL },
	{ "sip:a\rX:1@h", NULL },
	{ "sip:a\x01@h", NULL },
	{ "sip:a@h;x=%7f", NULL },
	/* Structure out of place, no host, no URI. */
	{ "sip:u:p:q@h", NULL },
	{ "sip:@h", NULL },
	{ "sip:h%zz", NULL },
	{ "<sip:user@example.com>", NULL },
	{ "sip:user@example.com; lr", NULL },
	{ "", NULL },
	/* A bare IPv6 host (captures) gets its brackets; the port it
	 * had is kept. */
	{ "sip:4321@fec0:0:0:0:216:d3ff:fe0d:22c:5060",
	  "sip:4321@[fec0:0:0:0:216:d3ff:fe0d:22c]:5060" },
};

static void
contact_rebuilt(void **state)
{
	char out[256], expect[300];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(contacts) / sizeof(contacts[0]); i++) {
		const struct contact_vec *v = &contacts[i];

		print_message("%s\n", v->ruri);
		n = cf_sip_reply_contact(out, sizeof(out), v->ruri,
					 strlen(v->ruri));
		if (!v->contact) {
			assert_int_equal(n, -1);
			assert_string_equal(out, "");
			continue;
		}
		assert_int_equal(n, (int)strlen(v->contact));
		assert_string_equal(out, v->contact);
		assert_true((size_t)n <= CF_SIP_REPLY_CONTACT_MAX(strlen(v->ruri)));
		/* Measured alike, and it parses back as the URI it is. */
		assert_int_equal(cf_sip_reply_contact(NULL, 0, v->ruri,
						      strlen(v->ruri)), n);
		snprintf(expect, sizeof(expect), "<%s>", out);
		{
			struct cf_sip_addr a;

			assert_int_equal(cf_sip_parse_addr(expect,
							   strlen(expect), &a),
					 0);
			assert_int_equal(a.uri.all.len, (uint32_t)n);
			assert_null(a.uri.headers.p);
		}
		assert_null(strpbrk(out, "<>\",? \t\r\n"));
	}
}

/* An INVITE whose Request-URI is @ruri (no CR/LF in it). */
static size_t
invite_to(char *buf, size_t size, const char *ruri)
{
	return (size_t)snprintf(buf, size,
		"INVITE %s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-i\r\n"
		"From: <sip:+441632960001@a.example>;tag=f\r\n"
		"To: <sip:+441632960002@b.example>\r\n"
		"Call-ID: inj@192.0.2.1\r\nCSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n", ruri);
}

/* Every CR of @n bytes at @s is followed by LF and every LF preceded
 * by CR: no line end but the builder's. */
static bool
crlf_only(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((s[i] == '\r' && (i + 1 == n || s[i + 1] != '\n')) ||
		    (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')))
			return false;
	return true;
}

/* Count the lines of @reply starting with @name ("Contact:"). */
static int
lines(const char *reply, const char *name)
{
	const char *p = reply;
	int n = 0;

	while (p && *p) {
		if (!strncmp(p, name, strlen(name)))
			n++;
		p = strstr(p, "\r\n");
		if (p)
			p += 2;
	}
	return n;
}

/* Injection through the Request-URI: the 302 has one Contact, no header
 * the builder did not write, or there is no 302 (finish() says -1 and
 * cf_sip_answer_kind() says 400). */
static void
contact_injection(void **state)
{
	static const char *const ruris[] = {
		"sip:a@b>;x,<sip:evil>",
		"sip:u@h?Route=%3Csip:evil%3E",
		"sip:u@h;lr?Route=<sip:evil@x>",
		"sip:a%0d%0aRoute:<sip:evil>@h",
		"sip:\"a\r\nX:1\"@h",
		"sip:\"a\"@h>,\"b\"<sip:evil>",
		"sip:a@h;x=\"\r\nContact: <sip:evil>\"",
	};
	struct cf_sip_reply_params p;
	struct cf_sip_msg m, r;
	char req[1024], out[2048];
	size_t i, len;
	int n, err;

	(void)state;
	cf_sip_reply_allow(&p);
	for (i = 0; i < sizeof(ruris) / sizeof(ruris[0]); i++) {
		print_message("%s\n", ruris[i]);
		len = invite_to(req, sizeof(req), ruris[i]);
		if (cf_sip_parse(&m, req, len, 0) < 0)
			continue;	/* a CR or LF cut the line itself */
		n = cf_sip_reply(out, sizeof(out), &m, &p);
		if (n < 0) {
			assert_int_equal(cf_sip_answer_kind(req, len, &m, NULL,
							    NULL, &err),
					 CF_SIP_ANSWER_BAD_REQUEST);
			continue;
		}
		assert_int_equal(cf_sip_parse(&r, out, (size_t)n, 0), n);
		assert_false(r.request);
		assert_int_equal(lines(out, "Contact:"), 1);
		assert_int_equal(lines(out, "Route:"), 0);
		assert_int_equal(lines(out, "X:"), 0);
		assert_null(strstr(out, "evil"));
		assert_true(crlf_only(out, (size_t)n));
	}
	/* The message parsed but R-URI and headers are refused: finish()
	 * refuses, and the decision is 400 bad-uri. */
	len = invite_to(req, sizeof(req), "sip:a@b>;x,<sip:evil>");
	assert_true(cf_sip_parse(&m, req, len, 0) > 0);
	assert_int_equal(cf_sip_reply_finish(out, sizeof(out), "", 0,
					     m.ruri.p, m.ruri.len, &p), -1);
	assert_string_equal(out, "");
	assert_int_equal(cf_sip_answer_kind(req, len, &m, NULL, NULL, &err),
			 CF_SIP_ANSWER_BAD_REQUEST);
	assert_int_equal(err, CF_SIP_ERR_BAD_URI);
	/* A block reply needs no Contact. */
	cf_sip_reply_for_verdict(&p, CF_ACTION_BLOCK, CF_REPLY_603, "r");
	assert_true(cf_sip_reply(out, sizeof(out), &m, &p) > 0);
}

/* The caller's strings cannot end their line either. */
static void
caller_strings(void **state)
{
	struct fixture *f = *state;
	struct cf_sip_reply_params p;

	cf_sip_reply_for_verdict(&p, CF_ACTION_SUSPECT, CF_REPLY_NONE,
				 "wan\r\nX-Evil: 1");
	check(f, &p, "SIP/2.0 302 Moved Temporarily",
	      CONTACT "X-Callfence-Verdict: suspect; rule=wanX-Evil: 1\r\n");
}

/* ---- 400 and 505 ---------------------------------------------------- */

/* A request that cf_sip_parse() refuses: two Call-IDs and a Content-
 * Length longer than the body.  The 400 takes the first of each. */
static const char dup[] =
	"INVITE sip:+441632960002@b.example SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-d1,\r\n"
	" SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK-d2\r\n"
	"v: SIP/2.0/TCP 192.0.2.3;branch=z9hG4bK-d3\r\n"
	"From: <sip:+441632960001@a.example>;tag=f\r\n"
	"To: <sip:+441632960002@b.example>\r\n"
	"Call-ID: first@192.0.2.1\r\n"
	"i: second@192.0.2.1\r\n"
	"Not a header line\r\n"
	"CSeq: 0009 INVITE\r\n"
	"Content-Length: 99\r\n\r\nshort";

static void
bad_request_from_bytes(void **state)
{
	struct cf_sip_msg m, r;
	char out[2048], tag[17], expect[2048];
	ssize_t rc;
	int n;

	(void)state;
	rc = cf_sip_parse(&m, dup, strlen(dup), 0);
	assert_int_equal(rc, -CF_SIP_ERR_DUPLICATE_HEADER);
	n = cf_sip_reply_bad_request(out, sizeof(out), dup, strlen(dup),
				     (int)rc);
	assert_true(n > 0);
	/* The tag is the one the parsed request would get. */
	{
		static const char one[] =
			"INVITE sip:b SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-d1\r\n"
			"From: <sip:+441632960001@a.example>;tag=f\r\n"
			"To: <sip:x>\r\nCall-ID: first@192.0.2.1\r\n"
			"CSeq: 9 INVITE\r\n\r\n";

		assert_true(cf_sip_parse(&r, one, strlen(one), 0) > 0);
		cf_sip_reply_tag(&r, tag);
	}
	snprintf(expect, sizeof(expect),
		 "SIP/2.0 400 Bad Request\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-d1\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK-d2\r\n"
		 "Via: SIP/2.0/TCP 192.0.2.3;branch=z9hG4bK-d3\r\n"
		 "From: <sip:+441632960001@a.example>;tag=f\r\n"
		 "To: <sip:+441632960002@b.example>;tag=%s\r\n"
		 "Call-ID: first@192.0.2.1\r\n"
		 "CSeq: 9 INVITE\r\n"
		 "Warning: 399 callfence \"duplicate-header\"\r\n"
		 "Content-Length: 0\r\n\r\n", tag);
	assert_string_equal(out, expect);
	assert_int_equal(n, (int)strlen(expect));
	assert_int_equal(cf_sip_parse(&r, out, (size_t)n, 0), n);
	assert_int_equal(r.status, 400);
	assert_int_equal(r.n_via, 3);
	/* Either sign of the error, and snprintf semantics. */
	assert_int_equal(cf_sip_reply_bad_request(out, sizeof(out), dup,
						  strlen(dup),
						  CF_SIP_ERR_DUPLICATE_HEADER),
			 n);
	assert_int_equal(cf_sip_reply_bad_request(NULL, 0, dup, strlen(dup),
						  (int)rc), n);
	assert_int_equal(cf_sip_reply_bad_request(out, 20, dup, strlen(dup),
						  (int)rc), n);
	assert_string_equal(out, "SIP/2.0 400 Bad Req");
	assert_true((size_t)n <= CF_SIP_REPLY_ECHO_BOUND(strlen(dup), 3) +
					 CF_SIP_REPLY_FIXED_MAX);
}

/* What cannot be answered, and what is answered 505. */
static void
bad_request_limits(void **state)
{
	static const struct {
		const char *what, *text;
		int want;	/* 0: -1, else the status */
	} v[] = {
		{ "response", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\n"
		  "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\n"
		  "CSeq: 1 INVITE\r\n\r\n", 0 },
		{ "ACK", "ACK sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		  "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\n"
		  "CSeq: 1 ACK\r\nl: -1\r\n\r\n", 0 },
		{ "no Via", "INVITE sip:b@h SIP/2.0\r\n"
		  "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\n"
		  "CSeq: 1 INVITE\r\n\r\n", 0 },
		{ "no CSeq", "INVITE sip:b@h SIP/2.0\r\n"
		  "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nl: 0\r\n\r\n", 0 },
		{ "no Via, no From, To or Call-ID", "INVITE sip:b@h SIP/2.0\r\n"
		  "CSeq: 1 INVITE\r\nl: 0\r\n\r\n", 0 },
		{ "CSeq without method", "INVITE sip:b@h SIP/2.0\r\n"
		  "Via: SIP/2.0/UDP h\r\nFrom: <sip:a@h>;tag=1\r\n"
		  "To: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1\r\n\r\n", 0 },
		{ "HTTP", "GET / HTTP/1.1\r\nVia: SIP/2.0/UDP h\r\n"
		  "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\n"
		  "CSeq: 1 GET\r\n\r\n", 0 },
		{ "no version (RFC 4475 test)", "INVITE sip:b@h\r\n"
		  "Via: SIP/2.0/UDP h\r\nFrom: <sip:a@h>;tag=1\r\n"
		  "To: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n", 0 },
		{ "no line end", "INVITE sip:b@h SIP/2.0", 0 },
		{ "SIP/7.0 (RFC 4475 badvers)",
		  "OPTIONS sip:b@h SIP/7.0\r\nVia: SIP/7.0/UDP h\r\n"
		  "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\n"
		  "CSeq: 1 OPTIONS\r\n\r\n", 505 },
		{ "trailing SP (RFC 4475 trws)",
		  "OPTIONS sip:b@h SIP/2.0  \r\nVia: SIP/2.0/UDP h\r\n"
		  "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\n"
		  "CSeq: 1 OPTIONS\r\n\r\n", 400 },
		{ "no blank line", "BYE sip:b@h SIP/2.0\r\n"
		  "Via: SIP/2.0/UDP h\r\nFrom: <sip:a@h>;tag=1\r\n"
		  "To: <sip:b@h>;tag=2\r\nCall-ID: c\r\nCSeq: 2 BYE\r\n", 400 },
	};
	struct cf_sip_msg m, r;
	char out[2048];
	size_t i, len;
	ssize_t rc;
	int n;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		print_message("%s\n", v[i].what);
		len = strlen(v[i].text);
		rc = cf_sip_parse(&m, v[i].text, len, 0);
		if (rc > 0)
			rc = -CF_SIP_ERR_BAD_URI;
		n = cf_sip_reply_bad_request(out, sizeof(out), v[i].text, len,
					     (int)rc);
		if (!v[i].want) {
			assert_int_equal(n, -1);
			assert_string_equal(out, "");
			continue;
		}
		assert_true(n > 0);
		assert_int_equal(cf_sip_parse(&r, out, (size_t)n, 0), n);
		assert_int_equal(r.status, v[i].want);
	}
}

/* RFC 4475 §3.1.2.17 (insuf): a request without Call-ID, From or To
 * "should" get a 400.  Its Vias and CSeq are what the client matches the
 * response on (§17.1.3): they are echoed, the rest is left out, and a To
 * that is there gets its tag (§8.2.6.2). */
static void
bad_request_missing_fields(void **state)
{
	static const char insuf[] =
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"CSeq: 193942 INVITE\r\n"
		"Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf\r\n"
		"Content-Type: application/sdp\r\n"
		"l: 0\r\n\r\n";
	static const char insuf_400[] =
		"SIP/2.0 400 Bad Request\r\n"
		"Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf\r\n"
		"CSeq: 193942 INVITE\r\n"
		"Warning: 399 callfence \"missing-from\"\r\n"
		"Content-Length: 0\r\n\r\n";
	/* Only a To: it keeps its place and gets the tag the request would
	 * get were its Call-ID and From tag empty. */
	static const char to_only[] =
		"OPTIONS sip:b@h SIP/2.0\r\n"
		"Via: SIP/2.0/UDP h;branch=z9hG4bK2\r\n"
		"To: <sip:b@h>\r\n"
		"CSeq: 5 OPTIONS\r\n\r\n";
	/* No Call-ID, a To already tagged: nothing is added to it. */
	static const char no_call_id[] =
		"INVITE sip:b@h SIP/2.0\r\n"
		"Via: SIP/2.0/UDP h;branch=z9hG4bK3\r\n"
		"From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\n"
		"CSeq: 1 INVITE\r\n\r\n";
	static const char no_call_id_400[] =
		"SIP/2.0 400 Bad Request\r\n"
		"Via: SIP/2.0/UDP h;branch=z9hG4bK3\r\n"
		"From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\n"
		"CSeq: 1 INVITE\r\n"
		"Warning: 399 callfence \"missing-call-id\"\r\n"
		"Content-Length: 0\r\n\r\n";
	/* A field cut by the end of the bytes is dropped, as absent. */
	static const char cut[] =
		"INVITE sip:b@h SIP/2.0\r\n"
		"Via: SIP/2.0/UDP h\r\nFrom: <sip:a@h>;tag=1\r\n"
		"To: <sip:b@h>;tag=2\r\nCSeq: 1 INVITE\r\nCall-ID: c";
	static const char cut_400[] =
		"SIP/2.0 400 Bad Request\r\n"
		"Via: SIP/2.0/UDP h\r\nFrom: <sip:a@h>;tag=1\r\n"
		"To: <sip:b@h>;tag=2\r\nCSeq: 1 INVITE\r\n"
		"Warning: 399 callfence \"truncated\"\r\n"
		"Content-Length: 0\r\n\r\n";
	struct cf_sip_msg m;
	char out[1024], expect[1024];
	enum cf_sip_answer k;
	int n, err;

	(void)state;
	n = cf_sip_reply_bad_request(out, sizeof(out), cut, strlen(cut),
				     -CF_SIP_ERR_TRUNCATED);
	assert_string_equal(out, cut_400);
	assert_int_equal(n, (int)strlen(cut_400));
	/* What the screening server decides, and what it sends. */
	k = cf_sip_answer_kind(insuf, strlen(insuf), &m, NULL, NULL, &err);
	assert_int_equal(k, CF_SIP_ANSWER_BAD_REQUEST);
	assert_int_equal(err, CF_SIP_ERR_MISSING_FROM);
	assert_int_equal(m.len, 0);
	n = cf_sip_answer_reply(out, sizeof(out), k, insuf, strlen(insuf), &m,
				err);
	assert_string_equal(out, insuf_400);
	assert_int_equal(n, (int)strlen(insuf_400));
	assert_true(crlf_only(out, (size_t)n));
	/* Our parser wants the fields back in a response too. */
	assert_int_equal(cf_sip_parse(&m, out, (size_t)n, 0),
			 -CF_SIP_ERR_MISSING_FROM);
	assert_true((size_t)n <= CF_SIP_REPLY_ECHO_BOUND(strlen(insuf), 1) +
					 CF_SIP_REPLY_FIXED_MAX);

	n = cf_sip_reply_bad_request(out, sizeof(out), to_only,
				     strlen(to_only), -CF_SIP_ERR_MISSING_FROM);
	{
		static const char same[] =
			"OPTIONS sip:b@h SIP/2.0\r\n"
			"Via: SIP/2.0/UDP h;branch=z9hG4bK2\r\n"
			"From: x\r\nTo: <sip:b@h>\r\nCall-ID: \r\n"
			"CSeq: 5 OPTIONS\r\n\r\n";
		struct cf_sip_msg r = { 0 };
		struct cf_sip_span none = { NULL, 0 };
		char tag[17];

		/* The tag mixes absent spans: build one by hand. */
		assert_int_equal(cf_sip_parse(&r, same, strlen(same), 0),
				 -CF_SIP_ERR_MISSING_CALL_ID);
		r.request = true;
		r.call_id = none;
		r.from = none;
		cf_sip_reply_tag(&r, tag);
		snprintf(expect, sizeof(expect),
			 "SIP/2.0 400 Bad Request\r\n"
			 "Via: SIP/2.0/UDP h;branch=z9hG4bK2\r\n"
			 "To: <sip:b@h>;tag=%s\r\n"
			 "CSeq: 5 OPTIONS\r\n"
			 "Warning: 399 callfence \"missing-from\"\r\n"
			 "Content-Length: 0\r\n\r\n", tag);
	}
	assert_string_equal(out, expect);
	assert_int_equal(n, (int)strlen(expect));

	k = cf_sip_answer_kind(no_call_id, strlen(no_call_id), &m, NULL, NULL,
			       &err);
	assert_int_equal(k, CF_SIP_ANSWER_BAD_REQUEST);
	assert_int_equal(err, CF_SIP_ERR_MISSING_CALL_ID);
	n = cf_sip_answer_reply(out, sizeof(out), k, no_call_id,
				strlen(no_call_id), &m, err);
	assert_string_equal(out, no_call_id_400);
	assert_int_equal(n, (int)strlen(no_call_id_400));
	/* Short buffers as snprintf. */
	assert_int_equal(cf_sip_reply_bad_request(NULL, 0, insuf,
						  strlen(insuf),
						  CF_SIP_ERR_MISSING_FROM),
			 (int)strlen(insuf_400));
}

/* Bytes that could end a line in a value of a request that did not
 * parse are not echoed as such: a bare CR becomes a space; a field with
 * a bare NUL is as absent (a Via: no answer; another header: skipped). */
static void
bad_request_sanitised(void **state)
{
	static const char cr[] =
		"INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"From: <sip:a@h>;tag=1\rX-Evil: 1\r\nTo: <sip:b@h>\r\n"
		"Call-ID: c\r\nCSeq: 1 INVITE\r\nl: x\r\n\r\n";
	static const char nul_via[] =
		"INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\0;x\r\n"
		"From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"
		"Call-ID: c\r\nCSeq: 1 INVITE\r\n\r\n";
	static const char nul_other[] =
		"INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		"X-A: a\0\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"
		"Call-ID: c\r\nCSeq: 1 INVITE\r\n\r\n";
	struct cf_sip_msg r;
	char out[1024];
	int n;

	(void)state;
	n = cf_sip_reply_bad_request(out, sizeof(out), cr, sizeof(cr) - 1,
				     CF_SIP_ERR_BAD_CONTENT_LENGTH);
	assert_true(n > 0);
	assert_non_null(strstr(out, "\r\nFrom: <sip:a@h>;tag=1 X-Evil: 1\r\n"));
	assert_int_equal(lines(out, "X-Evil"), 0);
	assert_true(crlf_only(out, (size_t)n));
	assert_int_equal(cf_sip_parse(&r, out, (size_t)n, 0), n);
	assert_int_equal(cf_sip_reply_bad_request(out, sizeof(out), nul_via,
						  sizeof(nul_via) - 1,
						  CF_SIP_ERR_NUL_BYTE), -1);
	n = cf_sip_reply_bad_request(out, sizeof(out), nul_other,
				     sizeof(nul_other) - 1, CF_SIP_ERR_NUL_BYTE);
	assert_true(n > 0);
	assert_int_equal(cf_sip_parse(&r, out, (size_t)n, 0), n);
	assert_null(memchr(out, '\0', (size_t)n));
	assert_non_null(strstr(out, "Warning: 399 callfence \"nul-byte\"\r\n"));
}

/* A request that parses but is refused later: the same text from the
 * parsed message and from its bytes; a To that does not parse (RFC 4475
 * quotbal) is echoed as it came, without a tag. */
static void
bad_msg_parsed(void **state)
{
	static const char quotbal[] =
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"To: \"Mr. J. User <sip:j.user@example.com>\r\n"
		"From: sip:caller@example.net;tag=93334\r\n"
		"Call-ID: quotbal.aksdj\r\n"
		"CSeq: 8 INVITE\r\n"
		"Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234\r\n"
		"Content-Length: 0\r\n\r\n";
	static const char expect[] =
		"SIP/2.0 400 Bad Request\r\n"
		"Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234\r\n"
		"From: sip:caller@example.net;tag=93334\r\n"
		"To: \"Mr. J. User <sip:j.user@example.com>\r\n"
		"Call-ID: quotbal.aksdj\r\n"
		"CSeq: 8 INVITE\r\n"
		"Warning: 399 callfence \"bad-uri\"\r\n"
		"Content-Length: 0\r\n\r\n";
	struct fixture *f = *state;
	struct cf_sip_msg m;
	char a[2048], b[2048];
	int n;

	assert_true(cf_sip_parse(&m, quotbal, strlen(quotbal), 0) > 0);
	n = cf_sip_reply_bad_msg(a, sizeof(a), &m, -CF_SIP_ERR_BAD_URI);
	assert_string_equal(a, expect);
	assert_int_equal(n, (int)strlen(expect));
	assert_int_equal(cf_sip_reply_bad_request(b, sizeof(b), quotbal,
						  strlen(quotbal),
						  CF_SIP_ERR_BAD_URI), n);
	assert_string_equal(a, b);
	/* The fixture's INVITE: To gets its tag, as in every reply. */
	n = cf_sip_reply_bad_msg(a, sizeof(a), &f->msg, CF_SIP_ERR_BAD_URI);
	assert_int_equal(cf_sip_reply_bad_request(b, sizeof(b), invite,
						  strlen(invite),
						  CF_SIP_ERR_BAD_URI), n);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, f->tag));
	assert_non_null(strstr(a, "\r\nCSeq: 7 INVITE\r\n"));
	/* Not for a response. */
	{
		static const char r200[] =
			"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\n"
			"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\n"
			"Call-ID: r\r\nCSeq: 1 INVITE\r\n\r\n";

		assert_true(cf_sip_parse(&m, r200, strlen(r200), 0) > 0);
		assert_int_equal(cf_sip_reply_bad_msg(a, sizeof(a), &m, 0), -1);
	}
}

/* IMS: 40 Vias of 200 bytes, an echo over 8 KB, every Via in order. */
static void
big_echo(void **state)
{
	static char req[16384], echo[16384], out[20000];
	struct cf_sip_reply_params p;
	struct cf_sip_msg m, r;
	size_t len = 0;
	int i, e, n;

	(void)state;
	assert_true(CF_SIP_VIA_MAX >= 40);
	len += (size_t)snprintf(req + len, sizeof(req) - len,
				"INVITE sip:+441632960002@ibcf.example SIP/2.0\r\n");
	for (i = 0; i < 40; i++)
		len += (size_t)snprintf(req + len, sizeof(req) - len,
			"Via: SIP/2.0/UDP scscf%02d.ims.mnc001.mcc234.3gppnetwork."
			"org:5060;branch=z9hG4bK%02d-%0120d;lr\r\n", i, i, i);
	len += (size_t)snprintf(req + len, sizeof(req) - len,
		"From: <sip:+441632960001@ims.example>;tag=f\r\n"
		"To: <tel:+441632960002>\r\nCall-ID: ims-big\r\n"
		"CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(cf_sip_parse(&m, req, len, 0), (ssize_t)len);
	assert_int_equal(m.n_via, 40);
	e = cf_sip_reply_echo(echo, sizeof(echo), &m);
	assert_true(e >= 8192);
	assert_true((size_t)e <= CF_SIP_REPLY_ECHO_BOUND(m.hdr_len, m.n_via));
	assert_true(CF_SIP_REPLY_ECHO_MAX >= 65536);
	cf_sip_reply_allow(&p);
	n = cf_sip_reply_finish(out, sizeof(out), echo, (size_t)e, m.ruri.p,
				m.ruri.len, &p);
	assert_true(n > e);
	assert_int_equal(cf_sip_parse(&r, out, (size_t)n, 0), n);
	assert_int_equal(r.n_via, 40);
	for (i = 0; i < 40; i++)
		assert_memory_equal(r.via[i].p, m.via[i].p, m.via[i].len);
	assert_int_equal(cf_sip_reply(out, sizeof(out), &m, &p), n);
}

/* The decision and the fixed answers, one request of each kind. */
static void
answers(void **state)
{
	static const struct {
		const char *text;
		enum cf_sip_answer kind;
		int status;
	} v[] = {
		{ "OPTIONS sip:gw SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:gw>\r\nCall-ID: o\r\n"
		  "CSeq: 1 OPTIONS\r\n\r\n", CF_SIP_ANSWER_OPTIONS, 200 },
		{ "CANCEL sip:gw SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:gw>\r\nCall-ID: o\r\n"
		  "CSeq: 1 CANCEL\r\n\r\n", CF_SIP_ANSWER_CANCEL, 200 },
		{ "BYE sip:gw SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:gw>;tag=2\r\nCall-ID: o\r\n"
		  "CSeq: 2 BYE\r\n\r\n", CF_SIP_ANSWER_NOT_ALLOWED, 405 },
		{ "ACK sip:gw SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:gw>;tag=2\r\nCall-ID: o\r\n"
		  "CSeq: 1 ACK\r\n\r\n", CF_SIP_ANSWER_NONE, 0 },
		{ "BYE sip:gw SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1;;\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:gw>;tag=2\r\nCall-ID: o\r\n"
		  "CSeq: 2 BYE\r\n\r\n", CF_SIP_ANSWER_BAD_REQUEST, 400 },
		{ "OPTIONS sip:gw SIP/3.0\r\nVia: SIP/3.0/UDP h;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:gw>\r\nCall-ID: o\r\n"
		  "CSeq: 1 OPTIONS\r\n\r\n", CF_SIP_ANSWER_BAD_VERSION, 505 },
		{ "\r\n\r\n", CF_SIP_ANSWER_NONE, 0 },
		{ "garbage", CF_SIP_ANSWER_NONE, 0 },
	};
	struct cf_numplan plan;
	struct cf_call call;
	struct cf_sip_msg m, r;
	char out[2048];
	size_t i, len;
	int err, n;

	assert_int_equal(cf_numplan_default(&plan, "44", NULL), 0);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		enum cf_sip_answer k;

		len = strlen(v[i].text);
		k = cf_sip_answer_kind(v[i].text, len, &m, &plan, &call, &err);
		print_message("%zu: %s %s\n", i, cf_sip_answer_name(k),
			      cf_sip_err_name((enum cf_sip_err)err));
		assert_int_equal(k, v[i].kind);
		n = cf_sip_answer_reply(out, sizeof(out), k, v[i].text, len,
					&m, err);
		if (!v[i].status) {
			assert_int_equal(n, -1);
			continue;
		}
		assert_int_equal(cf_sip_parse(&r, out, (size_t)n, 0), n);
		assert_int_equal(r.status, v[i].status);
	}
	/* An INVITE is judged, its call filled. */
	{
		struct fixture *f = *state;
		enum cf_sip_answer k;

		k = cf_sip_answer_kind(invite, strlen(invite), &m, &plan, &call,
				       &err);
		assert_int_equal(k, CF_SIP_ANSWER_JUDGE);
		assert_int_equal(err, 0);
		assert_int_equal(call.event, CF_EVENT_SETUP);
		assert_int_equal(cf_sip_answer_reply(out, sizeof(out), k, invite,
						     strlen(invite), &m, err), -1);
		assert_string_equal(cf_sip_answer_name(k), "judge");
		assert_string_equal(cf_sip_answer_name(CF_SIP_ANSWER__COUNT), "?");
		(void)f;
	}
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
		cmocka_unit_test(contact_rebuilt),
		cmocka_unit_test(contact_injection),
		cmocka_unit_test_setup_teardown(caller_strings, setup,
						teardown),
		cmocka_unit_test(bad_request_from_bytes),
		cmocka_unit_test(bad_request_limits),
		cmocka_unit_test(bad_request_missing_fields),
		cmocka_unit_test(bad_request_sanitised),
		cmocka_unit_test_setup_teardown(bad_msg_parsed, setup,
						teardown),
		cmocka_unit_test(big_echo),
		cmocka_unit_test_setup_teardown(answers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
