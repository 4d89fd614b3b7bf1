/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SIP body parts (RFC 2046 §5.1): multipart bodies as SIP-I sends them,
 * the edge cases a MIME reader meets (preamble, epilogue, quoted
 * boundaries, parts without headers, a missing close delimiter, lying
 * lengths, nesting), a single application/ISUP body, and the errors.
 * Bodies are heap copies of exactly their size, so ASan sees any read past
 * the end.
 */

#include <callfence/ss7.h>

#include "sip_test.h"

struct split {
	struct cf_sip_body out;
	char *copy;
	int rc;
};

static void
split_bytes(struct split *s, const char *ct, const char *body, size_t len)
{
	struct cf_sip_span c = { ct, ct ? (uint32_t)strlen(ct) : 0 };
	struct cf_sip_span b;

	s->copy = malloc(len ? len : 1);
	assert_non_null(s->copy);
	memcpy(s->copy, body, len);
	b.p = len ? s->copy : NULL;
	b.len = (uint32_t)len;
	s->rc = cf_sip_body_split(&c, &b, &s->out);
}

static void
split_text(struct split *s, const char *ct, const char *body)
{
	split_bytes(s, ct, body, strlen(body));
}

/* An empty body announced as multipart: no part, an error, and no
 * arithmetic on its NULL start (fuzz_sip found that under UBSan). */
static void
test_empty_multipart_body(void **state)
{
	struct split s;

	split_bytes(&s, "multipart/mixed;boundary=b1", "", 0);
	assert_int_equal(s.rc, -CF_SIP_ERR_BAD_MULTIPART);
	free(s.copy);
}

/* The SIP-I shape: SDP then ISUP, with a preamble and an epilogue. */
static void
test_two_parts_preamble_epilogue(void **state)
{
	struct split s;

	split_text(&s, "multipart/mixed;boundary=unique-boundary-1",
		   "This is the preamble, ignored.\r\n"
		   "--unique-boundary-1\r\n"
		   "Content-Type: application/sdp\r\n"
		   "\r\n"
		   "v=0\r\n"
		   "--unique-boundary-1\r\n"
		   "Content-Type: application/ISUP;version=itu-t92+\r\n"
		   "Content-Disposition: signal;handling=required\r\n"
		   "\r\n"
		   "ISUP-BYTES\r\n"
		   "--unique-boundary-1--\r\n"
		   "This is the epilogue, ignored too.\r\n");
	assert_int_equal(s.rc, 2);
	assert_true(s.out.multipart);
	assert_true(s.out.closed);
	assert_span(s.out.part[0].type, "application/sdp");
	assert_span(s.out.part[0].headers, "Content-Type: application/sdp");
	/* The CRLF before a delimiter belongs to the delimiter. */
	assert_span(s.out.part[0].body, "v=0");
	assert_span(s.out.part[1].content_type,
		    "application/ISUP;version=itu-t92+");
	assert_span(s.out.part[1].type, "application/ISUP");
	assert_span(s.out.part[1].type_params, "version=itu-t92+");
	assert_span(s.out.part[1].headers,
		    "Content-Type: application/ISUP;version=itu-t92+\r\n"
		    "Content-Disposition: signal;handling=required");
	assert_span(s.out.part[1].body, "ISUP-BYTES");
	assert_ptr_equal(cf_sip_body_find(&s.out, "application/isup"),
			 &s.out.part[1]);
	assert_null(cf_sip_body_find(&s.out, "application/pidf+xml"));
	free(s.copy);
}

static void
test_three_parts(void **state)
{
	struct split s;

	split_text(&s, "Multipart/Mixed; boundary=b3",
		   "--b3\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n"
		   "--b3\r\nContent-Type: application/pidf+xml\r\n\r\n<x/>\r\n"
		   "--b3\r\ncontent-type:APPLICATION/isup\r\n\r\nI\r\n"
		   "--b3--");
	assert_int_equal(s.rc, 3);
	assert_true(s.out.closed);
	assert_span(s.out.part[1].type, "application/pidf+xml");
	assert_span(s.out.part[1].body, "<x/>");
	/* Header names and media types compare without case. */
	assert_ptr_equal(cf_sip_body_find(&s.out, "application/isup"),
			 &s.out.part[2]);
	assert_span(s.out.part[2].body, "I");
	free(s.copy);
}

/* A message cut before "--b--": the parts so far, the last to the end. */
static void
test_missing_close_delimiter(void **state)
{
	struct split s;

	split_text(&s, "multipart/mixed;boundary=b",
		   "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n"
		   "--b\r\nContent-Type: application/isup\r\n\r\nI-CUT");
	assert_int_equal(s.rc, 2);
	assert_false(s.out.closed);
	assert_span(s.out.part[1].body, "I-CUT");
	free(s.copy);

	/* A delimiter line that ends the body starts no part. */
	split_text(&s, "multipart/mixed;boundary=b",
		   "--b\r\n\r\nonly\r\n--b");
	assert_int_equal(s.rc, 1);
	assert_false(s.out.closed);
	assert_span(s.out.part[0].body, "only");
	free(s.copy);
}

/* RFC 2046 boundaries may hold characters that need quoting (' ' ':'
 * '='); a boundary another one starts with is not a delimiter. */
static void
test_boundary_quoted_and_prefix(void **state)
{
	struct split s;

	split_text(&s, "multipart/mixed; boundary=\"gc0p4Jq0M:2Yt08j=34 0\"",
		   "--gc0p4Jq0M:2Yt08j=34 0\r\n\r\none\r\n"
		   "--gc0p4Jq0M:2Yt08j=34 0x\r\n"
		   "--gc0p4Jq0M:2Yt08j=34 0  \r\n\r\ntwo\r\n"
		   "--gc0p4Jq0M:2Yt08j=34 0--");
	assert_int_equal(s.rc, 2);
	/* The longer line is content, and padding after a delimiter is
	 * allowed. */
	assert_span(s.out.part[0].body, "one\r\n--gc0p4Jq0M:2Yt08j=34 0x");
	assert_span(s.out.part[1].body, "two");
	free(s.copy);

	/* A delimiter inside a line is content too. */
	split_text(&s, "multipart/mixed;boundary=b",
		   "--b\r\n\r\nx --b y\r\n--b--\r\n");
	assert_int_equal(s.rc, 1);
	assert_span(s.out.part[0].body, "x --b y");
	free(s.copy);
}

/* A part starting with the blank line has no headers: text/plain by
 * default (RFC 2046 §5.1.1), an empty type here. */
static void
test_part_without_headers(void **state)
{
	struct split s;

	split_text(&s, "multipart/mixed;boundary=b",
		   "--b\r\n\r\nplain\r\n--b\r\nContent-Type: x/y\r\n--b--");
	assert_int_equal(s.rc, 2);
	assert_null(s.out.part[0].headers.p);
	assert_null(s.out.part[0].type.p);
	assert_span(s.out.part[0].body, "plain");
	/* Headers without a blank line: all headers, no body. */
	assert_span(s.out.part[1].type, "x/y");
	assert_null(s.out.part[1].body.p);
	free(s.copy);
}

/* Folded part headers, bare LF line ends, lines without a colon. */
static void
test_folded_and_lf(void **state)
{
	struct split s;

	split_text(&s, "multipart/related;type=\"application/sdp\";boundary=z",
		   "--z\n"
		   "garbage line\n"
		   "Content-Type:\n application/ISUP;\n\tversion=nsp-isup\n"
		   "\n"
		   "I\n"
		   "--z--\n");
	assert_int_equal(s.rc, 1);
	assert_span(s.out.part[0].type, "application/ISUP");
	assert_span(s.out.part[0].type_params, "version=nsp-isup");
	assert_span(s.out.part[0].body, "I");
	free(s.copy);
}

/* A part's own Content-Length is ignored: the delimiters bound parts. */
static void
test_part_content_length_lies(void **state)
{
	struct split s;

	split_text(&s, "multipart/mixed;boundary=b",
		   "--b\r\nContent-Type: application/isup\r\n"
		   "Content-Length: 999\r\n\r\nIAM\r\n--b--");
	assert_int_equal(s.rc, 1);
	assert_span(s.out.part[0].body, "IAM");
	free(s.copy);

	split_text(&s, "multipart/mixed;boundary=b",
		   "--b\r\nContent-Type: application/isup\r\n"
		   "Content-Length: 1\r\n\r\nIAM\r\n--b--");
	assert_int_equal(s.rc, 1);
	assert_span(s.out.part[0].body, "IAM");
	free(s.copy);
}

/* The message's Content-Length shorter than the multipart: the body is
 * what Content-Length says, so the close delimiter is lost and the ISUP
 * part is cut.  Longer than the datagram: the message is truncated. */
static const char sipi_head[] =
	"INVITE sip:+12025550100@gw.example SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK1\r\n"
	"From: <sip:+12025550111@example>;tag=1\r\n"
	"To: <sip:+12025550100@gw.example>\r\n"
	"Call-ID: sipi-1\r\n"
	"CSeq: 1 INVITE\r\n"
	"Content-Type: multipart/mixed;boundary=bb\r\n";
static const char sipi_body[] =
	"--bb\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n"
	"--bb\r\nContent-Type: application/ISUP;version=itu-t92+\r\n\r\n"
	/* IAM, no CIC: NCI, FCI, CPC 10, TMR, ptrs 2/6, called 3 digits
	 * 123 (NAI 3), optional calling 4567 NAI 3, end. */
	"\x01\x00\x60\x01\x0a\x00\x02\x06\x04\x83\x10\x21\x03"
	"\x0a\x04\x03\x13\x54\x76\x00"
	"\r\n--bb--\r\n";
#define IAM_LEN 20

static void
build_sipi(char *dst, size_t size, long content_length, size_t *len)
{
	size_t hl = strlen(sipi_head), bl = sizeof(sipi_body) - 1;
	int n;

	memcpy(dst, sipi_head, hl);
	n = snprintf(dst + hl, size - hl, "Content-Length: %ld\r\n\r\n",
		     content_length < 0 ? (long)bl : content_length);
	memcpy(dst + hl + (size_t)n, sipi_body, bl);
	*len = hl + (size_t)n + bl;
}

static void
test_sipi_message_and_lying_content_length(void **state)
{
	const struct cf_sip_part *isup;
	struct cf_isup_msg imsg;
	struct cf_sip_body body;
	struct cf_sip_msg msg;
	char text[1024];
	size_t len;
	char *b;

	build_sipi(text, sizeof(text), -1, &len);
	b = malloc(len);
	memcpy(b, text, len);
	assert_int_equal(cf_sip_parse(&msg, b, len, 0), (ssize_t)len);
	assert_int_equal(cf_sip_body_parts(&msg, &body), 2);
	assert_true(body.closed);
	isup = cf_sip_body_find(&body, "application/isup");
	assert_non_null(isup);
	assert_int_equal(isup->body.len, IAM_LEN);
	assert_int_equal(cf_isup_decode((const uint8_t *)isup->body.p,
					isup->body.len, CF_ISUP_F_NO_CIC, &imsg),
			 IAM_LEN);
	assert_int_equal(imsg.type, CF_ISUP_IAM);
	assert_false(imsg.has_cic);
	assert_string_equal(imsg.num[CF_ISUP_NUM_CALLED].digits, "123");
	assert_string_equal(imsg.num[CF_ISUP_NUM_CALLING].digits, "4567");
	free(b);

	/* Content-Length 12 bytes short: the close delimiter and the last
	 * two bytes of the IAM are lost. */
	build_sipi(text, sizeof(text), (long)sizeof(sipi_body) - 1 - 12, &len);
	b = malloc(len);
	memcpy(b, text, len);
	assert_int_equal(cf_sip_parse(&msg, b, len, 0), (ssize_t)len - 12);
	assert_int_equal(cf_sip_body_parts(&msg, &body), 2);
	assert_false(body.closed);
	isup = cf_sip_body_find(&body, "application/isup");
	assert_non_null(isup);
	assert_int_equal(isup->body.len, IAM_LEN - 2);
	assert_int_equal(cf_isup_decode((const uint8_t *)isup->body.p,
					isup->body.len, CF_ISUP_F_NO_CIC, &imsg),
			 -CF_SS7_ERR_BAD_LENGTH);
	free(b);

	/* Longer than the datagram: no message at all. */
	build_sipi(text, sizeof(text), (long)sizeof(sipi_body) - 1 + 10, &len);
	b = malloc(len);
	memcpy(b, text, len);
	assert_int_equal(cf_sip_parse(&msg, b, len, 0), -CF_SIP_ERR_TRUNCATED);
	free(b);
}

/* Nesting is not descended into: the outer part is returned with its
 * multipart type, and its caller may split it again. */
static void
test_nested_multipart(void **state)
{
	const struct cf_sip_part *inner_part;
	struct cf_sip_body inner;
	struct split s;

	split_text(&s, "multipart/mixed;boundary=outer",
		   "--outer\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n"
		   "--outer\r\nContent-Type: multipart/mixed;boundary=inner\r\n\r\n"
		   "--inner\r\nContent-Type: application/isup\r\n\r\nI\r\n"
		   "--inner--\r\n"
		   "--outer--\r\n");
	assert_int_equal(s.rc, 2);
	assert_span(s.out.part[1].type, "multipart/mixed");
	assert_null(cf_sip_body_find(&s.out, "application/isup"));
	assert_int_equal(cf_sip_body_split(&s.out.part[1].content_type,
					   &s.out.part[1].body, &inner), 1);
	inner_part = cf_sip_body_find(&inner, "application/isup");
	assert_non_null(inner_part);
	assert_span(inner_part->body, "I");
	free(s.copy);
}

/* Not multipart: the whole body is the part, whatever its type says. */
static void
test_single_part(void **state)
{
	struct split s;

	split_bytes(&s, " Application/ISUP ; version=itu-t92+ ; base=itu-t92+",
		    "\x01\x00\x00", 3);
	assert_int_equal(s.rc, 1);
	assert_false(s.out.multipart);
	assert_span(s.out.part[0].type, "Application/ISUP");
	assert_span(s.out.part[0].type_params,
		    "version=itu-t92+ ; base=itu-t92+");
	assert_int_equal(s.out.part[0].body.len, 3);
	assert_non_null(cf_sip_body_find(&s.out, "application/isup"));
	{
		struct cf_sip_span v;

		assert_true(cf_sip_param(&s.out.part[0].type_params,
					 "version", &v));
		assert_span(v, "itu-t92+");
	}
	free(s.copy);

	split_text(&s, "application/sdp", "");
	assert_int_equal(s.rc, 0);
	free(s.copy);
	/* No Content-Type: one part of no type. */
	split_text(&s, NULL, "x");
	assert_int_equal(s.rc, 1);
	assert_null(s.out.part[0].type.p);
	free(s.copy);
}

static void
test_errors(void **state)
{
	char many[512] = "";
	struct split s;
	int i;

	split_text(&s, "multipart/mixed", "--b\r\n\r\nx\r\n--b--");
	assert_int_equal(s.rc, -CF_SIP_ERR_BAD_MULTIPART);
	free(s.copy);
	split_text(&s, "multipart/mixed;boundary=\"\"", "--\r\n\r\nx\r\n");
	assert_int_equal(s.rc, -CF_SIP_ERR_BAD_MULTIPART);
	free(s.copy);
	split_text(&s, "multipart/mixed;boundary="
		   "12345678901234567890123456789012345678901234567890"
		   "123456789012345678901", "x");
	assert_int_equal(s.rc, -CF_SIP_ERR_BAD_MULTIPART);
	free(s.copy);
	split_text(&s, "multipart/mixed;boundary=b", "no delimiter at all");
	assert_int_equal(s.rc, -CF_SIP_ERR_BAD_MULTIPART);
	free(s.copy);
	split_text(&s, "multipart/mixed;boundary=b", "");
	assert_int_equal(s.rc, -CF_SIP_ERR_BAD_MULTIPART);
	free(s.copy);

	for (i = 0; i < CF_SIP_PARTS_MAX; i++)
		strcat(many, "--b\r\n\r\np\r\n");
	strcat(many, "--b--");
	split_text(&s, "multipart/mixed;boundary=b", many);
	assert_int_equal(s.rc, CF_SIP_PARTS_MAX);
	free(s.copy);
	strcpy(many + strlen(many) - 5, "--b\r\n\r\np\r\n--b--");
	split_text(&s, "multipart/mixed;boundary=b", many);
	assert_int_equal(s.rc, -CF_SIP_ERR_TOO_MANY_PARTS);
	free(s.copy);
	assert_string_equal(cf_sip_err_name(CF_SIP_ERR_BAD_MULTIPART),
			    "bad-multipart");
	assert_string_equal(cf_sip_err_name(CF_SIP_ERR_TOO_MANY_PARTS),
			    "too-many-parts");
}

/* Every prefix of a multipart body splits without reading past it, and
 * every part stays inside it. */
static void
test_every_truncation(void **state)
{
	const char *body = sipi_body;
	size_t full = sizeof(sipi_body) - 1, cut;
	unsigned int i;
	struct split s;

	for (cut = 0; cut <= full; cut++) {
		split_bytes(&s, "multipart/mixed;boundary=bb", body, cut);
		assert_true(s.rc == -CF_SIP_ERR_BAD_MULTIPART ||
			    (s.rc >= 0 && s.rc <= 2));
		for (i = 0; s.rc > 0 && i < (unsigned int)s.rc; i++) {
			const struct cf_sip_part *p = &s.out.part[i];

			if (p->body.p)
				assert_true(p->body.p >= s.copy &&
					    p->body.p + p->body.len <= s.copy + cut);
		}
		free(s.copy);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_parts_preamble_epilogue),
		cmocka_unit_test(test_three_parts),
		cmocka_unit_test(test_missing_close_delimiter),
		cmocka_unit_test(test_boundary_quoted_and_prefix),
		cmocka_unit_test(test_part_without_headers),
		cmocka_unit_test(test_empty_multipart_body),
		cmocka_unit_test(test_folded_and_lf),
		cmocka_unit_test(test_part_content_length_lies),
		cmocka_unit_test(test_sipi_message_and_lying_content_length),
		cmocka_unit_test(test_nested_multipart),
		cmocka_unit_test(test_single_part),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_every_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
