/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cf_sip_check(): the grammar a server holds a request to before it
 * answers.  One header line per row, put into an otherwise valid
 * OPTIONS in place of the header it names; the forms come from RFC 3261
 * §25.1, RFC 4475 and captures.
 */

#include "sip_test.h"

struct row {
	const char *via, *from, *to, *contact, *ruri;
	enum cf_sip_err err;
};

#define VIA "SIP/2.0/UDP h.example.com;branch=z9hG4bK1"
#define FROM "<sip:a@example.com>;tag=1"
#define TO "<sip:b@example.com>"

static const struct row rows[] = {
	/* Good: the plain forms, then the unusual valid ones. */
	{ VIA, FROM, TO, NULL, "sip:b@example.com", CF_SIP_OK },
	{ "SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw",
	  "\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n"
	  "  ;\r\n  tag = 98asjd8",
	  "sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n",
	  "\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n"
	  "      newvalue ;\r\n  secondparam ; q = 0.33",
	  "sip:vivekg@chair-dnrc.example.com;unknownparam", CF_SIP_OK },
	{ "SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~",
	  "token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;"
	  "fromParam''~+*_!.-%=\"\xd1\x80\xd0\xb0\";tag=_token~1'+`*%!-.",
	  "\"BEL:\\\a DEL:\\\x7f\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/"
	  "crazy?,/;;*@example.com>", NULL,
	  "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,"
	  "weird!*pas$wo~d_too.(doesn't-it)@example.com", CF_SIP_OK },
	{ "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK;rport;received="
	  "2001:db8::9", "caller<sip:caller@example.com>;tag=323",
	  "isbn:2983792873", "<sip:u@h?Route=%3Csip:x%3E>",
	  "nobodyKnowsThisScheme:totallyopaquecontent", CF_SIP_OK },
	/* Captures: a bare IPv6 sent-by, an underscore in a host. */
	{ "SIP/2.0/UDP fe80:0:0:0:21a:a0ff:fe07:32e0:5060;branch=z9hG4bK2",
	  FROM, TO, "*", "sip:b@example.com", CF_SIP_OK },
	{ "SIP/2.0/UDP my_host.example.com : 5060 ;branch=z9hG4bK2", FROM,
	  "sip:+16505552222@ss1.example.net;user=phone",
	  "sip:+19725552222@gw1.example.net;unknownparam",
	  "soap.beep://192.0.2.103:3002", CF_SIP_OK },

	/* Vias: empty parameters (RFC 4475 badinv01), no sent-by, no
	 * transport, a bad port. */
	{ "SIP/2.0/UDP 192.0.2.15;;", FROM, TO, NULL, "sip:b@h",
	  CF_SIP_ERR_BAD_VIA },
	{ ";", FROM, TO, NULL, "sip:b@h", CF_SIP_ERR_BAD_VIA },
	{ "SIP/2.0/UDP", FROM, TO, NULL, "sip:b@h", CF_SIP_ERR_BAD_VIA },
	{ "SIP/2.0 h", FROM, TO, NULL, "sip:b@h", CF_SIP_ERR_BAD_VIA },
	{ "SIP/2.0/UDP h:506000", FROM, TO, NULL, "sip:b@h",
	  CF_SIP_ERR_BAD_VIA },
	{ "SIP/2.0/UDP h;branch=", FROM, TO, NULL, "sip:b@h",
	  CF_SIP_ERR_BAD_VIA },
	{ "SIP/2.0/UDP h;branch=\"open", FROM, TO, NULL, "sip:b@h",
	  CF_SIP_ERR_BAD_VIA },
	{ "SIP/2.0/UDP h x", FROM, TO, NULL, "sip:b@h", CF_SIP_ERR_BAD_VIA },

	/* Addresses: unquoted display with a comma (baddn), white space
	 * inside <> (badaspec), an unclosed quote (quotbal), an addr-spec
	 * with '?' (regbadct) or ',', empty parameters, two values. */
	{ VIA, "Bell, Alexander <sip:a.g.bell@example.com>;tag=43", TO, NULL,
	  "sip:b@h", CF_SIP_ERR_BAD_URI },
	{ VIA, FROM, "\"Watson, Thomas\" < sip:t.watson@example.org >", NULL,
	  "sip:b@h", CF_SIP_ERR_BAD_URI },
	{ VIA, FROM, "\"Mr. J. User <sip:j.user@example.com>", NULL,
	  "sip:b@h", CF_SIP_ERR_BAD_URI },
	{ VIA, FROM, TO, "sip:user@example.com?Route=%3Csip:sip.example.com%3E",
	  "sip:b@h", CF_SIP_ERR_BAD_URI },
	{ VIA, FROM, "sip:a,b@h", NULL, "sip:b@h", CF_SIP_ERR_BAD_URI },
	{ VIA, FROM, TO, "\"Joe\" <sip:joe@example.org>;;;;", "sip:b@h",
	  CF_SIP_ERR_BAD_URI },
	{ VIA, "<sip:a@h>;tag=1;", TO, NULL, "sip:b@h", CF_SIP_ERR_BAD_URI },
	{ VIA, FROM, "<sip:a@h>, <sip:c@h>", NULL, "sip:b@h",
	  CF_SIP_ERR_BAD_URI },
	{ VIA, "a <sip:a@h>;tag=x y", TO, NULL, "sip:b@h", CF_SIP_ERR_BAD_URI },
	{ VIA, FROM, TO, "**", "sip:b@h", CF_SIP_ERR_BAD_URI },

	/* Request-URI: headers (escruri), angle brackets (ltgtruri). */
	{ VIA, FROM, TO, NULL, "sip:user@example.com?Route=%3Csip:example.com%3E",
	  CF_SIP_ERR_BAD_URI },
	{ VIA, FROM, TO, NULL, "<sip:user@example.com>", CF_SIP_ERR_BAD_URI },
	{ VIA, FROM, TO, NULL, "sip:u@h?", CF_SIP_ERR_BAD_URI },
};

static void
test_rows(void **state)
{
	struct cf_sip_msg msg;
	char text[2048];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		char *b;

		snprintf(text, sizeof(text),
			 "OPTIONS %s SIP/2.0\r\nVia: %s\r\nFrom: %s\r\n"
			 "To: %s\r\n%s%s%sCall-ID: c\r\nCSeq: 1 OPTIONS\r\n"
			 "\r\n", r->ruri, r->via, r->from, r->to,
			 r->contact ? "Contact: " : "",
			 r->contact ? r->contact : "", r->contact ? "\r\n" : "");
		print_message("row %zu\n", i);
		assert_int_equal(parse_text(&msg, text, &b), (ssize_t)strlen(text));
		rc = cf_sip_check(&msg);
		if (rc != -(int)r->err)
			fail_msg("row %zu: got %s, want %s", i,
				 cf_sip_err_name((enum cf_sip_err)-rc),
				 cf_sip_err_name(r->err));
		free(b);
	}
}

/* A response is checked the same way, without a Request-URI. */
static void
test_response(void **state)
{
	static const char ok[] =
		"SIP/2.0 200 OK\r\nVia: " VIA "\r\nFrom: " FROM "\r\n"
		"To: " TO ";tag=2\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n";
	static const char bad[] =
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;;\r\nFrom: " FROM "\r\n"
		"To: " TO ";tag=2\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n";
	struct cf_sip_msg msg;
	char *b;

	assert_true(parse_text(&msg, ok, &b) > 0);
	assert_int_equal(cf_sip_check(&msg), 0);
	free(b);
	assert_true(parse_text(&msg, bad, &b) > 0);
	assert_int_equal(cf_sip_check(&msg), -CF_SIP_ERR_BAD_VIA);
	free(b);
	assert_string_equal(cf_sip_err_name(CF_SIP_ERR_BAD_VIA), "bad-via");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_response),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
