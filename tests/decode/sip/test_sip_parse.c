/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SIP message parser: start lines, every header form callfence reads,
 * bodies and Content-Length, and every error class.  Messages are text
 * with the line ends spelled out, so each vector reads as the wire does.
 */

#include "sip_test.h"

/* RFC 3261 §24.2-style INVITE: two Vias in one header and one more,
 * every header callfence reads, an SDP body of 31 bytes. */
static const char invite[] =
	"INVITE sip:+8613812345678@gw.example.net;user=phone SIP/2.0\r\n"
	"Via: SIP/2.0/UDP sbc1.example.net:5060;branch=z9hG4bK74bf9, "
	"SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds8\r\n"
	"Via: SIP/2.0/TCP [2001:db8::9]:5060;branch=z9hG4bK776asdhds\r\n"
	"Max-Forwards: 69\r\n"
	"From: \"Alice\" <sip:+8613900000001@carrier.example>;tag=1928301774\r\n"
	"To: <sip:+8613812345678@gw.example.net>\r\n"
	"Call-ID: a84b4c76e66710@pc33.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@192.0.2.4>\r\n"
	"P-Asserted-Identity: <sip:+8613900000001@carrier.example;user=phone>\r\n"
	"Privacy: none\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 31\r\n"
	"\r\n"
	"v=0\r\no=- 1 1 IN IP4 192.0.2.4\r\n";

static void
test_invite_all_fields(void **state)
{
	struct cf_sip_msg msg;
	char *b;
	ssize_t rc = parse_text(&msg, invite, &b);

	assert_int_equal(rc, (ssize_t)strlen(invite));
	assert_true(msg.request);
	assert_int_equal(msg.method, CF_SIP_METHOD_INVITE);
	assert_span(msg.method_name, "INVITE");
	assert_span(msg.ruri, "sip:+8613812345678@gw.example.net;user=phone");
	assert_int_equal(msg.n_via, 3);
	assert_span(msg.via[0],
		    "SIP/2.0/UDP sbc1.example.net:5060;branch=z9hG4bK74bf9");
	assert_span(msg.via[1], "SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds8");
	assert_span(msg.via[2],
		    "SIP/2.0/TCP [2001:db8::9]:5060;branch=z9hG4bK776asdhds");
	assert_true(msg.has_max_forwards);
	assert_int_equal(msg.max_forwards, 69);
	assert_span(msg.from,
		    "\"Alice\" <sip:+8613900000001@carrier.example>;tag=1928301774");
	assert_span(msg.to, "<sip:+8613812345678@gw.example.net>");
	assert_span(msg.call_id, "a84b4c76e66710@pc33.example.com");
	assert_int_equal(msg.cseq, 314159);
	assert_span(msg.cseq_method, "INVITE");
	assert_span(msg.contact, "<sip:alice@192.0.2.4>");
	assert_int_equal(msg.n_pai, 1);
	assert_span(msg.pai[0],
		    "<sip:+8613900000001@carrier.example;user=phone>");
	assert_int_equal(msg.n_privacy, 1);
	assert_span(msg.privacy[0], "none");
	assert_span(msg.content_type, "application/sdp");
	assert_true(msg.has_content_length);
	assert_int_equal(msg.content_length, 31);
	assert_span(msg.body, "v=0\r\no=- 1 1 IN IP4 192.0.2.4\r\n");
	assert_int_equal(msg.n_headers, 12);
	assert_int_equal(msg.hdr_len, strlen(invite) - 31);
	free(b);
}

/* RFC 3261 §7.3.3 compact forms, and names in any case with white space
 * before the colon (HCOLON). */
static void
test_compact_and_case(void **state)
{
	static const char m[] =
		"INVITE sip:bob@biloxi.example SIP/2.0\r\n"
		"v: SIP/2.0/UDP h1;branch=z9hG4bK1\r\n"
		"VIA   : SIP/2.0/UDP h2;branch=z9hG4bK2\r\n"
		"f: <sip:alice@atlanta.example>;tag=a\r\n"
		"t: sip:bob@biloxi.example\r\n"
		"i: compact-1@h1\r\n"
		"cseq: 1 INVITE\r\n"
		"m: <sip:alice@h1>, <sip:alice@h2>\r\n"
		"MAX-FORWARDS:70\r\n"
		"c: text/plain\r\n"
		"y: eyJhbGciOiJFUzI1NiJ9.e30.c2ln;info=<https://cert.example/c>\r\n"
		"p-asserted-IDENTITY: <tel:+15551234567>\r\n"
		"l: 2\r\n"
		"\r\n"
		"hi";
	struct cf_sip_msg msg;
	char *b;

	assert_int_equal(parse_text(&msg, m, &b), (ssize_t)strlen(m));
	assert_int_equal(msg.n_via, 2);
	assert_span(msg.via[1], "SIP/2.0/UDP h2;branch=z9hG4bK2");
	assert_span(msg.from, "<sip:alice@atlanta.example>;tag=a");
	assert_span(msg.to, "sip:bob@biloxi.example");
	assert_span(msg.call_id, "compact-1@h1");
	assert_span(msg.contact, "<sip:alice@h1>");
	assert_int_equal(msg.max_forwards, 70);
	assert_span(msg.content_type, "text/plain");
	assert_int_equal(msg.n_identity, 1);
	assert_span(msg.identity,
		    "eyJhbGciOiJFUzI1NiJ9.e30.c2ln;info=<https://cert.example/c>");
	assert_int_equal(msg.n_pai, 1);
	assert_span(msg.body, "hi");
	free(b);
}

/* Bare LF line ends (RFC 3261 §7.5 says to accept them) and a message
 * with no Content-Length over UDP: the body is the rest. */
static void
test_bare_lf_no_content_length(void **state)
{
	static const char m[] =
		"BYE sip:bob@192.0.2.7 SIP/2.0\n"
		"Via: SIP/2.0/UDP h1;branch=z9hG4bK3\n"
		"From: <sip:alice@a.example>;tag=1\n"
		"To: <sip:bob@b.example>;tag=2\n"
		"Call-ID: lf@h1\n"
		"CSeq: 2 BYE\n"
		"\n"
		"rest";
	struct cf_sip_msg msg;
	char *b;

	assert_int_equal(parse_text(&msg, m, &b), (ssize_t)strlen(m));
	assert_int_equal(msg.method, CF_SIP_METHOD_BYE);
	assert_span(msg.call_id, "lf@h1");
	assert_false(msg.has_content_length);
	assert_span(msg.body, "rest");
	free(b);

	/* The same on a stream: Content-Length is mandatory there. */
	assert_int_equal(cf_sip_parse(&msg, m, strlen(m), CF_SIP_STREAM),
			 -CF_SIP_ERR_MISSING_CONTENT_LENGTH);
}

/* Folded lines (RFC 3261 §7.3.1): a value goes on while the next line
 * starts with SP or HT; the span covers the folds. */
static void
test_folding(void **state)
{
	static const char m[] =
		"INVITE sip:bob@b.example SIP/2.0\r\n"
		"Via: SIP/2.0/UDP h1\r\n"
		"\t;branch=z9hG4bK4\r\n"
		"Subject: I know you're there,\r\n"
		"   pick up the phone\r\n"
		"   and talk to me!\r\n"
		"From: <sip:alice@a.example>\r\n"
		"  ;tag=9\r\n"
		"To: <sip:bob@b.example>\r\n"
		"Call-ID:\r\n fold@h1\r\n"
		"CSeq: 1 INVITE\r\n"
		"P-Asserted-Identity: <sip:+15551230000@a.example>,\r\n"
		" <tel:+15551230000>\r\n"
		"Content-Length: 0\r\n"
		"\r\n";
	struct cf_sip_msg msg;
	char *b;

	assert_int_equal(parse_text(&msg, m, &b), (ssize_t)strlen(m));
	assert_int_equal(msg.n_via, 1);
	assert_span(msg.via[0], "SIP/2.0/UDP h1\r\n\t;branch=z9hG4bK4");
	assert_span(msg.from, "<sip:alice@a.example>\r\n  ;tag=9");
	assert_span(msg.call_id, "fold@h1");
	assert_int_equal(msg.n_pai, 2);
	assert_span(msg.pai[1], "<tel:+15551230000>");
	assert_int_equal(msg.n_headers, 8);
	assert_null(msg.body.p);
	free(b);
}

/* Repeated headers and comma lists, commas inside quotes and <> kept. */
static void
test_lists(void **state)
{
	static const char m[] =
		"INVITE sip:+4930555000@pbx.example SIP/2.0\r\n"
		"Via: SIP/2.0/UDP h1;branch=z9hG4bK5;x=\"a,b\"\r\n"
		"From: <sip:+4930555111@c.example>;tag=c3\r\n"
		"To: <sip:+4930555222@c.example>\r\n"
		"Call-ID: lists@h1\r\n"
		"CSeq: 1 INVITE\r\n"
		"P-Asserted-Identity: \"Doe, John\" <sip:+4930555111@c.example>,"
		" <tel:+4930555111>\r\n"
		"P-Asserted-Identity: <sip:+4930555999@c.example;a=b,c>\r\n"
		"P-Preferred-Identity: <sip:+4930555111@c.example>\r\n"
		"Remote-Party-ID: \"x\" <sip:1@c.example>;party=calling;privacy=full\r\n"
		"Diversion: <sip:+4930555222@c.example>;reason=no-answer;counter=1\r\n"
		"Diversion: <tel:+4930555333>;reason=user-busy, "
		"<sip:4930555444@pbx.example>;reason=unconditional\r\n"
		"History-Info: <sip:+4930555222@c.example>;index=1,"
		"<sip:+4930555000@pbx.example;cause=408>;index=1.1\r\n"
		"Privacy: id;header\r\n"
		"Privacy: user\r\n"
		"Identity: a.b.c;info=<https://x/1>\r\n"
		"Identity: d.e.f;info=<https://x/2>\r\n"
		"Content-Length: 0\r\n"
		"\r\n";
	struct cf_sip_msg msg;
	char *b;

	assert_int_equal(parse_text(&msg, m, &b), (ssize_t)strlen(m));
	assert_int_equal(msg.n_via, 1);
	assert_span(msg.via[0], "SIP/2.0/UDP h1;branch=z9hG4bK5;x=\"a,b\"");
	assert_int_equal(msg.n_pai, 3);
	assert_span(msg.pai[0], "\"Doe, John\" <sip:+4930555111@c.example>");
	assert_span(msg.pai[1], "<tel:+4930555111>");
	assert_span(msg.pai[2], "<sip:+4930555999@c.example;a=b,c>");
	assert_int_equal(msg.n_ppi, 1);
	assert_int_equal(msg.n_rpid, 1);
	assert_span(msg.rpid[0],
		    "\"x\" <sip:1@c.example>;party=calling;privacy=full");
	assert_int_equal(msg.n_diversion, 3);
	assert_span(msg.diversion[0],
		    "<sip:+4930555222@c.example>;reason=no-answer;counter=1");
	assert_span(msg.diversion[2],
		    "<sip:4930555444@pbx.example>;reason=unconditional");
	assert_int_equal(msg.n_history, 2);
	assert_span(msg.history[1],
		    "<sip:+4930555000@pbx.example;cause=408>;index=1.1");
	assert_int_equal(msg.n_privacy, 2);
	assert_span(msg.privacy[0], "id;header");
	assert_span(msg.privacy[1], "user");
	assert_int_equal(msg.n_identity, 2);
	assert_span(msg.identity, "a.b.c;info=<https://x/1>");
	free(b);
}

/* Responses: status, reason, and the method from CSeq. */
static void
test_responses(void **state)
{
	static const char ringing[] =
		"SIP/2.0 180 Ringing\r\n"
		"Via: SIP/2.0/UDP h1;branch=z9hG4bK6;received=192.0.2.1\r\n"
		"From: <sip:alice@a.example>;tag=1\r\n"
		"To: <sip:bob@b.example>;tag=2\r\n"
		"Call-ID: resp@h1\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n";
	static const char noreason[] =
		"sip/2.0 603\r\n"
		"Via: SIP/2.0/UDP h1\r\nFrom: <sip:a@a>;tag=1\r\n"
		"To: <sip:b@b>\r\nCall-ID: x\r\nCSeq: 7 BYE\r\n\r\n";
	struct cf_sip_msg msg;
	char *b;

	assert_true(parse_text(&msg, ringing, &b) > 0);
	assert_false(msg.request);
	assert_int_equal(msg.status, 180);
	assert_span(msg.reason, "Ringing");
	assert_int_equal(msg.method, CF_SIP_METHOD_INVITE);
	assert_span(msg.method_name, "INVITE");
	free(b);

	assert_true(parse_text(&msg, noreason, &b) > 0);
	assert_int_equal(msg.status, 603);
	assert_null(msg.reason.p);
	assert_int_equal(msg.method, CF_SIP_METHOD_BYE);
	assert_int_equal(msg.cseq, 7);
	free(b);
}

/* RFC 3261 §7.5: CRLFs before the start line are skipped and counted. */
static void
test_leading_crlf(void **state)
{
	static const char m[] =
		"\r\n\r\nOPTIONS sip:ping@h SIP/2.0\r\n"
		"Via: SIP/2.0/UDP h1\r\nFrom: <sip:a@a>;tag=1\r\n"
		"To: <sip:ping@h>\r\nCall-ID: ka\r\nCSeq: 1 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n";
	struct cf_sip_msg msg;
	char *b;

	assert_int_equal(parse_text(&msg, m, &b), (ssize_t)strlen(m));
	assert_int_equal(msg.method, CF_SIP_METHOD_OPTIONS);
	assert_int_equal(msg.len, strlen(m) - 4);
	assert_ptr_equal(msg.buf, b + 4);
	free(b);
}

/* Build "INVITE ... <n Via headers> ..." into @out. */
static size_t
build_vias(char *out, size_t size, unsigned n)
{
	size_t len;
	unsigned i;

	len = (size_t)snprintf(out, size, "INVITE sip:b@h SIP/2.0\r\n");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, size - len,
					"Via: SIP/2.0/UDP p%u;branch=z9hG4bK%u\r\n",
					i, i);
	len += (size_t)snprintf(out + len, size - len,
				"From: <sip:a@a>;tag=1\r\nTo: <sip:b@h>\r\n"
				"Call-ID: v\r\nCSeq: 1 INVITE\r\n"
				"Content-Length: 0\r\n\r\n");
	return len;
}

/* Arrays are bounded: CF_SIP_VIA_MAX Vias fit, one more is an error,
 * nothing is written past the array (ASan would see it). */
static void
test_via_bound(void **state)
{
	struct cf_sip_msg msg;
	char buf[8192];
	size_t len;

	len = build_vias(buf, sizeof(buf), CF_SIP_VIA_MAX);
	assert_int_equal(cf_sip_parse(&msg, buf, len, 0), (ssize_t)len);
	assert_int_equal(msg.n_via, CF_SIP_VIA_MAX);
	assert_span(msg.via[15], "SIP/2.0/UDP p15;branch=z9hG4bK15");
	assert_span(msg.via[CF_SIP_VIA_MAX - 1],
		    CF_SIP_VIA_MAX == 64 ? "SIP/2.0/UDP p63;branch=z9hG4bK63" :
					   "(bound changed: fix this test)");

	len = build_vias(buf, sizeof(buf), CF_SIP_VIA_MAX + 1);
	assert_int_equal(cf_sip_parse(&msg, buf, len, 0),
			 -CF_SIP_ERR_TOO_MANY_HEADERS);
}

/* What IMS sends: an INVITE through both networks' CSCFs, ASs and IBCFs
 * carries more than 16 Vias (RFC 4475 longreq has 34); 32 at least must
 * parse. */
static void
test_ims_vias(void **state)
{
	struct cf_sip_msg msg;
	char buf[8192];
	size_t len;

	assert_true(CF_SIP_VIA_MAX >= 32);
	len = build_vias(buf, sizeof(buf), 34);
	assert_int_equal(cf_sip_parse(&msg, buf, len, 0), (ssize_t)len);
	assert_int_equal(msg.n_via, 34);
	assert_span(msg.via[33], "SIP/2.0/UDP p33;branch=z9hG4bK33");
}

/* A quoted-pair may escape a NUL (RFC 3261 §25.1; RFC 4475 intmeth has
 * "NUL:\<NUL>" in a display name); a bare one is still refused. */
static void
test_escaped_nul(void **state)
{
	static const char ok[] =
		"OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		"From: <sip:a@a>;tag=1\r\n"
		"To: \"NUL:\\\0 BEL:\\\a\" <sip:b@h>\r\n"
		"Call-ID: e\r\nCSeq: 1 OPTIONS\r\n\r\n";
	static const char bare[] =
		"OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		"From: <sip:a@a>;tag=1\r\n"
		"To: \"NUL:\\\\\0\" <sip:b@h>\r\n"
		"Call-ID: e\r\nCSeq: 1 OPTIONS\r\n\r\n";
	struct cf_sip_msg msg;
	char *b;

	b = malloc(sizeof(ok) - 1);
	assert_non_null(b);
	memcpy(b, ok, sizeof(ok) - 1);
	assert_int_equal(cf_sip_parse(&msg, b, sizeof(ok) - 1, 0),
			 (ssize_t)sizeof(ok) - 1);
	assert_int_equal(msg.to.len,
			 sizeof("\"NUL:\\\0 BEL:\\\a\" <sip:b@h>") - 1);
	free(b);
	/* "\\" is an escaped backslash: the NUL after it is bare. */
	b = malloc(sizeof(bare) - 1);
	assert_non_null(b);
	memcpy(b, bare, sizeof(bare) - 1);
	assert_int_equal(cf_sip_parse(&msg, b, sizeof(bare) - 1, 0),
			 -CF_SIP_ERR_NUL_BYTE);
	free(b);
}

/* A minimal valid request around one extra header line @extra. */
#define WITH(extra) \
	"INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n" \
	"From: <sip:a@a>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: e\r\n" \
	"CSeq: 1 INVITE\r\n" extra "\r\n"

struct bad {
	const char *what;
	const char *text;
	size_t len;		/* 0: strlen */
	enum cf_sip_err err;
};

static const struct bad bad[] = {
	{ "empty", "", 0, CF_SIP_ERR_EMPTY },
	{ "only CRLF", "\r\n\r\n", 0, CF_SIP_ERR_EMPTY },
	{ "no line end", "INVITE sip:b@h SIP/2.0", 0, CF_SIP_ERR_TRUNCATED },
	{ "no blank line", WITH("Content-Length: 0") "X: y", 0,
	  CF_SIP_ERR_TRUNCATED },
	{ "no method", " sip:b@h SIP/2.0\r\n\r\n", 0,
	  CF_SIP_ERR_BAD_START_LINE },
	{ "one word", "INVITE\r\n\r\n", 0, CF_SIP_ERR_BAD_START_LINE },
	{ "no URI", "INVITE  SIP/2.0\r\n\r\n", 0, CF_SIP_ERR_BAD_START_LINE },
	{ "method not token", "INV<TE sip:b@h SIP/2.0\r\n\r\n", 0,
	  CF_SIP_ERR_BAD_START_LINE },
	{ "HTTP", "GET / HTTP/1.1\r\n\r\n", 0, CF_SIP_ERR_BAD_VERSION },
	{ "SIP/3.0", "INVITE sip:b@h SIP/3.0\r\n\r\n", 0,
	  CF_SIP_ERR_BAD_VERSION },
	/* More white space is a bad line (400), not a version (505). */
	{ "SP after the version", "OPTIONS sip:b@h SIP/2.0  \r\n\r\n", 0,
	  CF_SIP_ERR_BAD_START_LINE },
	{ "SP in the URI", "INVITE sip:b@h; lr SIP/2.0\r\n\r\n", 0,
	  CF_SIP_ERR_BAD_START_LINE },
	{ "no version", "INVITE sip:b@h \r\n\r\n", 0,
	  CF_SIP_ERR_BAD_START_LINE },
	{ "status 99", "SIP/2.0 099 Odd\r\n\r\n", 0, CF_SIP_ERR_BAD_STATUS },
	{ "status 700", "SIP/2.0 700 Odd\r\n\r\n", 0, CF_SIP_ERR_BAD_STATUS },
	{ "status 4 digits", "SIP/2.0 2000 OK\r\n\r\n", 0,
	  CF_SIP_ERR_BAD_STATUS },
	{ "status letters", "SIP/2.0 2x0 OK\r\n\r\n", 0,
	  CF_SIP_ERR_BAD_STATUS },
	{ "header without colon", WITH("Content-Length 0\r\n"), 0,
	  CF_SIP_ERR_NO_COLON },
	{ "colon on the folded line only", WITH("X-Foo\r\n :bar\r\n"), 0,
	  CF_SIP_ERR_NO_COLON },
	{ "empty header name", WITH(": x\r\n"), 0,
	  CF_SIP_ERR_BAD_HEADER_NAME },
	{ "space in header name", WITH("X Foo: x\r\n"), 0,
	  CF_SIP_ERR_BAD_HEADER_NAME },
	{ "CR in header name", WITH("Call\rID: x\r\n"), 0,
	  CF_SIP_ERR_BAD_HEADER_NAME },
	{ "fold after start line", "INVITE sip:b@h SIP/2.0\r\n x: y\r\n\r\n",
	  0, CF_SIP_ERR_BAD_FOLDING },
	{ "NUL in start line", "INVITE sip:b\0@h SIP/2.0\r\n\r\n", 26,
	  CF_SIP_ERR_NUL_BYTE },
	{ "NUL in a value", WITH("X-A: a\0b\r\n"), sizeof(WITH("X-A: a\0b\r\n")) - 1,
	  CF_SIP_ERR_NUL_BYTE },
	{ "NUL in a name", WITH("X-\0: ab\r\n"), sizeof(WITH("X-\0: ab\r\n")) - 1,
	  CF_SIP_ERR_NUL_BYTE },
	{ "two Call-IDs", WITH("i: other\r\n"), 0,
	  CF_SIP_ERR_DUPLICATE_HEADER },
	{ "two Froms", WITH("From: <sip:x@x>\r\n"), 0,
	  CF_SIP_ERR_DUPLICATE_HEADER },
	{ "two CSeqs", WITH("CSeq: 2 INVITE\r\n"), 0,
	  CF_SIP_ERR_DUPLICATE_HEADER },
	{ "Content-Length letters", WITH("Content-Length: 1O\r\n"), 0,
	  CF_SIP_ERR_BAD_CONTENT_LENGTH },
	{ "Content-Length negative", WITH("l: -1\r\n"), 0,
	  CF_SIP_ERR_BAD_CONTENT_LENGTH },
	{ "Content-Length empty", WITH("l:\r\n"), 0,
	  CF_SIP_ERR_BAD_CONTENT_LENGTH },
	{ "Content-Length huge", WITH("l: 99999999999\r\n"), 0,
	  CF_SIP_ERR_BAD_CONTENT_LENGTH },
	{ "Content-Length over 64 KiB", WITH("l: 65537\r\n"), 0,
	  CF_SIP_ERR_BAD_CONTENT_LENGTH },
	{ "two Content-Lengths", WITH("l: 0\r\nContent-Length: 4\r\n") "abcd",
	  0, CF_SIP_ERR_BAD_CONTENT_LENGTH },
	{ "Content-Length lies (long)", WITH("l: 10\r\n") "short", 0,
	  CF_SIP_ERR_TRUNCATED },
	{ "CSeq without method", "INVITE sip:b@h SIP/2.0\r\nVia: x\r\n"
	  "f: <sip:a@a>\r\nt: <sip:b@h>\r\ni: e\r\nCSeq: 1\r\n\r\n", 0,
	  CF_SIP_ERR_BAD_CSEQ },
	{ "CSeq not a number", "INVITE sip:b@h SIP/2.0\r\nVia: x\r\n"
	  "f: <sip:a@a>\r\nt: <sip:b@h>\r\ni: e\r\nCSeq: x INVITE\r\n\r\n", 0,
	  CF_SIP_ERR_BAD_CSEQ },
	{ "CSeq 2**31", "INVITE sip:b@h SIP/2.0\r\nVia: x\r\n"
	  "f: <sip:a@a>\r\nt: <sip:b@h>\r\ni: e\r\nCSeq: 2147483648 INVITE\r\n"
	  "\r\n", 0, CF_SIP_ERR_BAD_CSEQ },
	{ "CSeq method mismatch", "INVITE sip:b@h SIP/2.0\r\nVia: x\r\n"
	  "f: <sip:a@a>\r\nt: <sip:b@h>\r\ni: e\r\nCSeq: 1 BYE\r\n\r\n", 0,
	  CF_SIP_ERR_BAD_CSEQ },
	{ "Max-Forwards 256", WITH("Max-Forwards: 256\r\n"), 0,
	  CF_SIP_ERR_BAD_MAX_FORWARDS },
	{ "two Max-Forwards", WITH("Max-Forwards: 1\r\nMax-Forwards: 1\r\n"),
	  0, CF_SIP_ERR_DUPLICATE_HEADER },
	{ "no Via", "INVITE sip:b@h SIP/2.0\r\nf: <sip:a@a>\r\nt: <sip:b@h>\r\n"
	  "i: e\r\nCSeq: 1 INVITE\r\n\r\n", 0, CF_SIP_ERR_MISSING_VIA },
	{ "no From", "INVITE sip:b@h SIP/2.0\r\nv: x\r\nt: <sip:b@h>\r\n"
	  "i: e\r\nCSeq: 1 INVITE\r\n\r\n", 0, CF_SIP_ERR_MISSING_FROM },
	{ "no To", "INVITE sip:b@h SIP/2.0\r\nv: x\r\nf: <sip:a@a>\r\n"
	  "i: e\r\nCSeq: 1 INVITE\r\n\r\n", 0, CF_SIP_ERR_MISSING_TO },
	{ "no Call-ID", "INVITE sip:b@h SIP/2.0\r\nv: x\r\nf: <sip:a@a>\r\n"
	  "t: <sip:b@h>\r\nCSeq: 1 INVITE\r\n\r\n", 0,
	  CF_SIP_ERR_MISSING_CALL_ID },
	{ "empty Call-ID", "INVITE sip:b@h SIP/2.0\r\nv: x\r\nf: <sip:a@a>\r\n"
	  "t: <sip:b@h>\r\ni:   \r\nCSeq: 1 INVITE\r\n\r\n", 0,
	  CF_SIP_ERR_MISSING_CALL_ID },
	{ "no CSeq", "INVITE sip:b@h SIP/2.0\r\nv: x\r\nf: <sip:a@a>\r\n"
	  "t: <sip:b@h>\r\ni: e\r\n\r\n", 0, CF_SIP_ERR_MISSING_CSEQ },
};

static void
test_bad_input(void **state)
{
	struct cf_sip_msg msg;
	size_t i, len;
	ssize_t rc;
	char *b;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = bad[i].len ? bad[i].len : strlen(bad[i].text);
		b = malloc(len + 1);
		assert_non_null(b);
		memcpy(b, bad[i].text, len);
		rc = cf_sip_parse(&msg, b, len, 0);
		if (rc != -(ssize_t)bad[i].err)
			fail_msg("%s: got %s, want %s", bad[i].what,
				 rc < 0 ? cf_sip_err_name((enum cf_sip_err)-rc) :
					  "ok",
				 cf_sip_err_name(bad[i].err));
		free(b);
		/* The next message still decodes: no state is kept. */
		assert_int_equal(cf_sip_parse(&msg, invite, strlen(invite), 0),
				 (ssize_t)strlen(invite));
		assert_span(msg.call_id, "a84b4c76e66710@pc33.example.com");
	}
}

/* Content-Length shorter than the datagram: the rest is dropped (RFC 3261
 * §18.3) and the return value says where the message ended. */
static void
test_content_length_short(void **state)
{
	static const char m[] = WITH("Content-Length: 3\r\n") "abcdef";
	struct cf_sip_msg msg;
	char *b;

	assert_int_equal(parse_text(&msg, m, &b), (ssize_t)strlen(m) - 3);
	assert_span(msg.body, "abc");
	free(b);
}

/* Every prefix of a valid INVITE is an error or a shorter consistent
 * parse, from an exactly-sized buffer (ASan finds any over-read). */
static void
test_truncated_every_offset(void **state)
{
	size_t full = strlen(invite), n;
	struct cf_sip_msg msg;
	ssize_t rc;
	char *b;

	for (n = 0; n <= full; n++) {
		b = malloc(n ? n : 1);
		assert_non_null(b);
		memcpy(b, invite, n);
		rc = cf_sip_parse(&msg, b, n, 0);
		if (n < full) {
			assert_true(rc < 0);
			assert_true(rc == -CF_SIP_ERR_TRUNCATED ||
				    rc == -CF_SIP_ERR_EMPTY);
		} else {
			assert_int_equal(rc, (ssize_t)full);
		}
		rc = cf_sip_message_length(b, n);
		assert_int_equal(rc, n < full ? 0 : (ssize_t)full);
		rc = cf_sip_parse(&msg, b, n, CF_SIP_STREAM);
		assert_true(n < full ? rc < 0 : rc == (ssize_t)full);
		free(b);
	}
}

/* A message of exactly CF_SIP_MSG_MAX bytes parses; one byte more does
 * not, whether the excess is in the headers or the body. */
static void
test_64k(void **state)
{
	static const char head[] =
		"INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		"From: <sip:a@a>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: big\r\n"
		"CSeq: 1 INVITE\r\nX-Pad: ";
	struct cf_sip_msg msg;
	size_t len, pad;
	char *b;

	/* Headers filling 64 KiB with one long header, no body. */
	len = CF_SIP_MSG_MAX;
	b = malloc(len + 1);
	assert_non_null(b);
	memcpy(b, head, strlen(head));
	pad = len - strlen(head) - 4;
	memset(b + strlen(head), 'x', pad);
	memcpy(b + len - 4, "\r\n\r\n", 4);
	assert_int_equal(cf_sip_parse(&msg, b, len, 0), (ssize_t)len);
	assert_int_equal(msg.hdr_len, len);
	assert_null(msg.body.p);
	free(b);

	/* One byte more of header. */
	len = CF_SIP_MSG_MAX + 1;
	b = malloc(len);
	assert_non_null(b);
	memcpy(b, head, strlen(head));
	memset(b + strlen(head), 'x', len - strlen(head) - 4);
	memcpy(b + len - 4, "\r\n\r\n", 4);
	assert_int_equal(cf_sip_parse(&msg, b, len, 0), -CF_SIP_ERR_TOO_LONG);
	assert_int_equal(cf_sip_message_length(b, len), -CF_SIP_ERR_TOO_LONG);
	free(b);

	/* A 64 KiB datagram whose body has no Content-Length, then the same
	 * plus one byte. */
	len = CF_SIP_MSG_MAX + 1;
	b = malloc(len);
	assert_non_null(b);
	memcpy(b, invite, strlen(invite));
	memset(b + strlen(invite), 'b', len - strlen(invite));
	/* Content-Length: 31 in @invite: the rest is dropped. */
	assert_int_equal(cf_sip_parse(&msg, b, len, 0),
			 (ssize_t)strlen(invite));
	free(b);
}

/* TCP reassembly: the length of the first complete message. */
static void
test_message_length(void **state)
{
	static const char two[] =
		"\r\n"
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP h\r\nFrom: <sip:a@a>;tag=1\r\n"
		"To: <sip:b@b>;tag=2\r\nCall-ID: s\r\nCSeq: 1 INVITE\r\n"
		"l: 4\r\n\r\nbodyINVITE sip:b@h SIP/2.0\r\n";
	size_t first = strlen(two) - strlen("INVITE sip:b@h SIP/2.0\r\n");
	struct cf_sip_msg msg;
	ssize_t rc;

	assert_int_equal(cf_sip_message_length(two, strlen(two)),
			 (ssize_t)first);
	rc = cf_sip_parse(&msg, two, strlen(two), CF_SIP_STREAM);
	assert_int_equal(rc, (ssize_t)first);
	assert_span(msg.body, "body");
	/* The rest is the start of the next message: need more. */
	assert_int_equal(cf_sip_message_length(two + first,
					       strlen(two) - first), 0);
	assert_int_equal(cf_sip_parse(&msg, two + first, strlen(two) - first,
				      CF_SIP_STREAM), -CF_SIP_ERR_TRUNCATED);

	/* Not SIP: decided from the first bytes. */
	assert_int_equal(cf_sip_message_length("\x16\x03\x01\x02", 4),
			 -CF_SIP_ERR_BAD_START_LINE);
	assert_int_equal(cf_sip_message_length("GET / HTTP/1.1\r\n", 16),
			 -CF_SIP_ERR_BAD_START_LINE);
	assert_int_equal(cf_sip_message_length("INVITE \x01", 8),
			 -CF_SIP_ERR_BAD_START_LINE);
	assert_int_equal(cf_sip_message_length("INVI", 4), 0);
	assert_int_equal(cf_sip_message_length("\r\n\r\n", 4), 0);
	assert_int_equal(cf_sip_message_length("", 0), 0);
	/* Complete headers, no Content-Length: never complete on a stream. */
	assert_int_equal(cf_sip_message_length("BYE sip:b@h SIP/2.0\r\n"
					       "Via: x\r\n\r\n", 31),
			 -CF_SIP_ERR_MISSING_CONTENT_LENGTH);
	assert_int_equal(cf_sip_message_length("BYE sip:b@h SIP/2.0\r\n"
					       "l: x\r\n\r\n", 29),
			 -CF_SIP_ERR_BAD_CONTENT_LENGTH);
	assert_int_equal(cf_sip_message_length("BYE sip:b@h SIP/2.0\r\n"
					       "Foo\r\n\r\n", 28),
			 -CF_SIP_ERR_NO_COLON);
}

static void
test_names(void **state)
{
	int i;

	for (i = 0; i < CF_SIP_ERR__COUNT; i++)
		assert_string_not_equal(cf_sip_err_name((enum cf_sip_err)i), "?");
	assert_string_equal(cf_sip_err_name(CF_SIP_ERR_NO_COLON), "no-colon");
	assert_string_equal(cf_sip_err_name(CF_SIP_ERR__COUNT), "?");
	for (i = 0; i < CF_SIP_METHOD__COUNT; i++)
		assert_string_not_equal(
			cf_sip_method_name((enum cf_sip_method)i), "?");
	assert_string_equal(cf_sip_method_name(CF_SIP_METHOD_PRACK), "PRACK");
	assert_string_equal(cf_sip_scheme_name(CF_SIP_SCHEME_TEL), "tel");
	assert_string_equal(cf_sip_scheme_name(CF_SIP_SCHEME__COUNT), "?");
}

/* Methods are case-sensitive; unknown ones are kept by name. */
static void
test_methods(void **state)
{
	static const struct {
		const char *name;
		enum cf_sip_method m;
	} v[] = {
		{ "ACK", CF_SIP_METHOD_ACK }, { "BYE", CF_SIP_METHOD_BYE },
		{ "CANCEL", CF_SIP_METHOD_CANCEL },
		{ "OPTIONS", CF_SIP_METHOD_OPTIONS },
		{ "REGISTER", CF_SIP_METHOD_REGISTER },
		{ "PRACK", CF_SIP_METHOD_PRACK },
		{ "UPDATE", CF_SIP_METHOD_UPDATE },
		{ "INFO", CF_SIP_METHOD_INFO },
		{ "SUBSCRIBE", CF_SIP_METHOD_SUBSCRIBE },
		{ "NOTIFY", CF_SIP_METHOD_NOTIFY },
		{ "REFER", CF_SIP_METHOD_REFER },
		{ "MESSAGE", CF_SIP_METHOD_MESSAGE },
		{ "PUBLISH", CF_SIP_METHOD_PUBLISH },
		{ "invite", CF_SIP_METHOD_OTHER },
		{ "FOO", CF_SIP_METHOD_OTHER },
	};
	struct cf_sip_msg msg;
	char buf[512];
	size_t i;
	int len;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		len = snprintf(buf, sizeof(buf),
			       "%s sip:b@h SIP/2.0\r\nVia: x\r\nf: <sip:a@a>\r\n"
			       "t: <sip:b@h>\r\ni: m\r\nCSeq: 1 %s\r\n\r\n",
			       v[i].name, v[i].name);
		assert_int_equal(cf_sip_parse(&msg, buf, (size_t)len, 0), len);
		assert_int_equal(msg.method, v[i].m);
		assert_span(msg.method_name, v[i].name);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invite_all_fields),
		cmocka_unit_test(test_compact_and_case),
		cmocka_unit_test(test_bare_lf_no_content_length),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_leading_crlf),
		cmocka_unit_test(test_via_bound),
		cmocka_unit_test(test_ims_vias),
		cmocka_unit_test(test_escaped_nul),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_content_length_short),
		cmocka_unit_test(test_truncated_every_offset),
		cmocka_unit_test(test_64k),
		cmocka_unit_test(test_message_length),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_methods),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
