/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * URIs and name-addr values: every form callfence meets in From, To, PAI,
 * Diversion and History-Info, one table row per form.
 */

#include "sip_test.h"

struct uri_vec {
	const char *in;
	enum cf_sip_scheme scheme;
	const char *user;	/* "(absent)" when the URI has no user part */
	const char *user_params;
	const char *host;
	uint16_t port;
	const char *params;
	bool user_phone;
	const char *number;	/* cf_sip_uri_number(), NULL if -1 */
};

#define A "(absent)"

static const struct uri_vec uris[] = {
	/* Plain sip: with port and parameters. */
	{ "sip:alice@atlanta.example.com:5060;transport=tcp",
	  CF_SIP_SCHEME_SIP, "alice", A, "atlanta.example.com", 5060,
	  "transport=tcp", false, "alice" },
	/* user=phone, E.164 user. */
	{ "sip:+8613812345678@gw.example;user=phone", CF_SIP_SCHEME_SIP,
	  "+8613812345678", A, "gw.example", 0, "user=phone", true,
	  "+8613812345678" },
	/* Case-insensitive scheme and parameter names. */
	{ "SIP:+1@h;User=Phone", CF_SIP_SCHEME_SIP, "+1", A, "h", 0,
	  "User=Phone", true, "+1" },
	/* sips:, IPv6 reference with port (RFC 3261 §19.1.1, RFC 5954). */
	{ "sips:bob@[2001:db8::1]:5061", CF_SIP_SCHEME_SIPS, "bob", A,
	  "[2001:db8::1]", 5061, A, false, "bob" },
	{ "sip:[::1]", CF_SIP_SCHEME_SIP, A, A, "[::1]", 0, A, false, NULL },
	/* RFC 4694 user parameters: the number is before ';'. */
	{ "sip:+12025550170;cpc=payphone@carrier.example;user=phone",
	  CF_SIP_SCHEME_SIP, "+12025550170", "cpc=payphone",
	  "carrier.example", 0, "user=phone", true, "+12025550170" },
	{ "sip:+12025550170;npdi;rn=+12025550999@h;user=phone",
	  CF_SIP_SCHEME_SIP, "+12025550170", "npdi;rn=+12025550999", "h", 0,
	  "user=phone", true, "+12025550170" },
	/* %2B escapes: kept in the user span, decoded in the number. */
	{ "sip:%2B1-202-555-0160@sbc.example;user=phone", CF_SIP_SCHEME_SIP,
	  "%2B1-202-555-0160", A, "sbc.example", 0, "user=phone", true,
	  "+1-202-555-0160" },
	{ "sip:%2b44%20207@h", CF_SIP_SCHEME_SIP, "%2b44%20207", A, "h", 0, A,
	  false, "+44 207" },
	/* A bad escape stays as it is. */
	{ "sip:%zz1@h", CF_SIP_SCHEME_SIP, "%zz1", A, "h", 0, A, false,
	  "%zz1" },
	/* Password, and headers after '?'. */
	{ "sip:alice:secret@h:5070?subject=hi", CF_SIP_SCHEME_SIP, "alice", A,
	  "h", 5070, A, false, "alice" },
	/* '?' is user-unreserved: the first '@' ends userinfo, '?' after
	 * it starts headers (RFC 4475 intmeth's Request-URI). */
	{ "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,"
	  "weird!*pas$wo~d_too.(doesn't-it)@example.com", CF_SIP_SCHEME_SIP,
	  "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/", ";*",
	  "example.com", 0, A, false,
	  "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/" },
	{ "sip:a?b@h;lr?Route=x", CF_SIP_SCHEME_SIP, "a?b", A, "h", 0, "lr",
	  false, "a?b" },
	/* Anonymous (RFC 3323 §4.1.1.3). */
	{ "sip:anonymous@anonymous.invalid", CF_SIP_SCHEME_SIP, "anonymous",
	  A, "anonymous.invalid", 0, A, false, "anonymous" },
	/* No user part; an empty one ("sip:@h", seen in a scanner). */
	{ "sip:10.0.1.199", CF_SIP_SCHEME_SIP, A, A, "10.0.1.199", 0, A,
	  false, NULL },
	{ "sip:@127.0.0.1", CF_SIP_SCHEME_SIP, "", A, "127.0.0.1", 0, A,
	  false, "" },
	/* Bare IPv6 without brackets (not RFC 3261, but in captures): the
	 * port is split off only when the last group is all digits. */
	{ "sip:4321@fec0:0:0:0:216:d3ff:fe0d:22c:5060", CF_SIP_SCHEME_SIP,
	  "4321", A, "fec0:0:0:0:216:d3ff:fe0d:22c", 5060, A, false, "4321" },
	{ "sip:9876@fe80:0:0:0:21a:a0ff:fe07:32e0", CF_SIP_SCHEME_SIP, "9876",
	  A, "fe80:0:0:0:21a:a0ff:fe07:32e0", 0, A, false, "9876" },
	/* tel: (RFC 3966): global number with visual separators. */
	{ "tel:+1-202-555-0100", CF_SIP_SCHEME_TEL, "+1-202-555-0100", A, A,
	  0, A, false, "+1-202-555-0100" },
	/* tel: local number, global phone-context: the context prefixes. */
	{ "tel:5550180;phone-context=+1202;npdi;rn=+12025550999",
	  CF_SIP_SCHEME_TEL, "5550180", A, A, 0,
	  "phone-context=+1202;npdi;rn=+12025550999", false, "+12025550180" },
	{ "tel:5550180;phone-context=+1-202", CF_SIP_SCHEME_TEL, "5550180",
	  A, A, 0, "phone-context=+1-202", false, "+12025550180" },
	/* A national number written with its trunk prefix under a country
	 * code context: the prefix goes (+86 10..., not +86 010...). */
	{ "tel:010-6552-9988;phone-context=+86", CF_SIP_SCHEME_TEL,
	  "010-6552-9988", A, A, 0, "phone-context=+86", false,
	  "+8610-6552-9988" },
	{ "sip:%301065529988;phone-context=%2B86@gw;user=phone",
	  CF_SIP_SCHEME_SIP, "%301065529988", "phone-context=%2B86", "gw", 0,
	  "user=phone", true, "01065529988" },
	{ "sip:01065529988;phone-context=+86@gw;user=phone",
	  CF_SIP_SCHEME_SIP, "01065529988", "phone-context=+86", "gw", 0,
	  "user=phone", true, "+861065529988" },
	{ "tel:1-202-555-0100;phone-context=+1", CF_SIP_SCHEME_TEL,
	  "1-202-555-0100", A, A, 0, "phone-context=+1", false,
	  "+1202-555-0100" },
	{ "tel:(0)20-7946-0000;phone-context=+44", CF_SIP_SCHEME_TEL,
	  "(0)20-7946-0000", A, A, 0, "phone-context=+44", false,
	  "+4420-7946-0000" },
	/* Without it, or when what is left is no national number, the
	 * context only prefixes: Russia's trunk 8 starts numbers too; a
	 * context longer than a country code is an area, not a country. */
	{ "tel:1065529988;phone-context=+86", CF_SIP_SCHEME_TEL, "1065529988",
	  A, A, 0, "phone-context=+86", false, "+861065529988" },
	{ "tel:8121234567;phone-context=+7", CF_SIP_SCHEME_TEL, "8121234567",
	  A, A, 0, "phone-context=+7", false, "+78121234567" },
	{ "tel:88121234567;phone-context=+7", CF_SIP_SCHEME_TEL, "88121234567",
	  A, A, 0, "phone-context=+7", false, "+78121234567" },
	{ "tel:065529988;phone-context=+8610", CF_SIP_SCHEME_TEL, "065529988",
	  A, A, 0, "phone-context=+8610", false, "+8610065529988" },
	{ "tel:0123;phone-context=+999", CF_SIP_SCHEME_TEL, "0123", A, A, 0,
	  "phone-context=+999", false, "+9990123" },
	/* A domain context says nothing about digits: left alone. */
	{ "tel:7042;phone-context=example.com", CF_SIP_SCHEME_TEL, "7042", A,
	  A, 0, "phone-context=example.com", false, "7042" },
	/* The same inside a sip: user part (RFC 3261 §19.1.6). */
	{ "sip:5550180;phone-context=+1202@gw;user=phone", CF_SIP_SCHEME_SIP,
	  "5550180", "phone-context=+1202", "gw", 0, "user=phone", true,
	  "+12025550180" },
	/* An empty local number is no number, context or not. */
	{ "sip:;phone-context=+1202@gw;user=phone", CF_SIP_SCHEME_SIP, "",
	  "phone-context=+1202", "gw", 0, "user=phone", true, "" },
	/* Other schemes are kept whole. */
	{ "urn:service:sos", CF_SIP_SCHEME_OTHER, A, A, A, 0, A, false, NULL },
};

static void
test_uris(void **state)
{
	struct cf_sip_uri u;
	char num[64];
	size_t i;
	int n;

	for (i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
		const struct uri_vec *v = &uris[i];

		print_message("%s\n", v->in);
		assert_int_equal(cf_sip_parse_uri(v->in, strlen(v->in), &u), 0);
		assert_int_equal(u.scheme, v->scheme);
		assert_span(u.all, v->in);
		assert_span(u.user, v->user);
		assert_span(u.user_params, v->user_params);
		assert_span(u.host, v->host);
		assert_int_equal(u.port, v->port);
		assert_span(u.params, v->params);
		assert_int_equal(u.user_phone, v->user_phone);
		n = cf_sip_uri_number(&u, num, sizeof(num));
		if (!v->number) {
			assert_int_equal(n, -1);
		} else {
			assert_int_equal(n, (int)strlen(v->number));
			assert_string_equal(num, v->number);
		}
	}
}

/* The headers component: after the '?' that follows userinfo. */
static void
test_uri_headers(void **state)
{
	static const struct {
		const char *in, *host, *headers;
	} v[] = {
		{ "sip:a?b@h;lr?Route=x", "h", "Route=x" },
		{ "sip:user@example.com?Route=%3Csip:example.com%3E",
		  "example.com", "Route=%3Csip:example.com%3E" },
		{ "sip:h?X=a", "h", "X=a" },
		{ "sip:h;p?", "h", "" },
		{ "sip:u@h", "h", A },
	};
	struct cf_sip_uri u;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		print_message("%s\n", v[i].in);
		assert_int_equal(cf_sip_parse_uri(v[i].in, strlen(v[i].in), &u),
				 0);
		assert_span(u.host, v[i].host);
		assert_span(u.headers, v[i].headers);
	}
}

static const char *const bad_uris[] = {
	"", "   ", "nocolon", ":x", "sip:", "sip:a@", "sip:a@:5060",
	"sip:a@[::1", "sip:a@[]", "sip:a@[::1]x", "sip:a@[::1]:",
	"sip:a@h:99999", "sip:a@h:123456", "sip:a@h:50x0", "sip:a b@h",
	"tel:", "tel:;phone-context=+1", "si p:a@h",
	"sip:a@h\r\n;x=y",
};

static void
test_bad_uris(void **state)
{
	struct cf_sip_uri u;
	size_t i;

	for (i = 0; i < sizeof(bad_uris) / sizeof(bad_uris[0]); i++) {
		print_message("\"%s\"\n", bad_uris[i]);
		assert_int_equal(cf_sip_parse_uri(bad_uris[i],
						  strlen(bad_uris[i]), &u),
				 -CF_SIP_ERR_BAD_URI);
	}
}

struct addr_vec {
	const char *in;
	const char *display;
	const char *uri;
	const char *user;
	const char *tag;
	const char *params;
	bool angle;
};

static const struct addr_vec addrs[] = {
	/* Quoted display with escaped quotes, '<' and '>' inside. */
	{ "\"Display \\\"quoted <>\\\"\" <sip:user@host;maddr=x>;tag=x",
	  "Display \\\"quoted <>\\\"", "sip:user@host;maddr=x", "user", "x",
	  "tag=x", true },
	/* Token display name, spaces kept inside. */
	{ "Bob Smith <sip:bob@b.example>;tag=2;x", "Bob Smith",
	  "sip:bob@b.example", "bob", "2", "tag=2;x", true },
	/* No display, no params. */
	{ "<tel:+4930555111>", A, "tel:+4930555111", "+4930555111", A, A,
	  true },
	/* Display quoted with a comma, no space before '<'. */
	{ "\"Doe, John\"<sip:+1@h>", "Doe, John", "sip:+1@h", "+1", A, A,
	  true },
	/* Bare addr-spec: ';' parameters belong to the header (§20), so
	 * ;user=phone is not a URI parameter here (as tshark reads it). */
	{ "sip:+33123456780@gw.example;user=phone;tag=t1", A,
	  "sip:+33123456780@gw.example", "+33123456780", "t1",
	  "user=phone;tag=t1", false },
	{ "sip:alice@atlanta.example", A, "sip:alice@atlanta.example", "alice",
	  A, A, false },
	/* Folded value: CR LF and HT are white space. */
	{ "\"A\"\r\n <sip:a@h>\r\n\t;tag=9", "A", "sip:a@h", "a", "9", "tag=9",
	  true },
	/* Quoted tag value, and a parameter with ';' in quotes. */
	{ "<sip:a@h>;x=\"1;2\";tag=\"q\"", A, "sip:a@h", "a", "\"q\"",
	  "x=\"1;2\";tag=\"q\"", true },
	/* Empty display quotes. */
	{ "\"\" <sip:anonymous@anonymous.invalid>;tag=d4", "",
	  "sip:anonymous@anonymous.invalid", "anonymous", "d4", "tag=d4",
	  true },
	/* A Diversion entry. */
	{ "<tel:+4930555333>;reason=user-busy;counter=1", A, "tel:+4930555333",
	  "+4930555333", A, "reason=user-busy;counter=1", true },
};

static void
test_addrs(void **state)
{
	struct cf_sip_addr a;
	size_t i;

	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		const struct addr_vec *v = &addrs[i];

		print_message("%s\n", v->in);
		assert_int_equal(cf_sip_parse_addr(v->in, strlen(v->in), &a), 0);
		assert_span(a.display, v->display);
		assert_span(a.uri.all, v->uri);
		assert_span(a.uri.user, v->user);
		assert_span(a.tag, v->tag);
		assert_span(a.params, v->params);
		assert_int_equal(a.angle, v->angle);
	}
}

static const char *const bad_addrs[] = {
	"", "<sip:a@h", "\"unterminated <sip:a@h>", "\"x\" sip:a@h",
	"<sip:a@h> junk", "<>", "<nocolon>", "\"a\\\"",
};

static void
test_bad_addrs(void **state)
{
	struct cf_sip_addr a;
	size_t i;

	for (i = 0; i < sizeof(bad_addrs) / sizeof(bad_addrs[0]); i++) {
		print_message("\"%s\"\n", bad_addrs[i]);
		assert_int_equal(cf_sip_parse_addr(bad_addrs[i],
						   strlen(bad_addrs[i]), &a),
				 -CF_SIP_ERR_BAD_URI);
	}
}

static void
test_params(void **state)
{
	static const char p[] = "transport=udp; Lr ;maddr = 10.0.0.1;"
				"x=\"a;b\";TAG=abc;;empty=";
	struct cf_sip_span params = { p, sizeof(p) - 1 }, v;
	struct cf_sip_span none = { NULL, 0 };

	assert_true(cf_sip_param(&params, "transport", &v));
	assert_span(v, "udp");
	assert_true(cf_sip_param(&params, "lr", &v));
	assert_int_equal(v.len, 0);
	assert_true(cf_sip_param(&params, "maddr", &v));
	assert_span(v, "10.0.0.1");
	assert_true(cf_sip_param(&params, "x", &v));
	assert_span(v, "\"a;b\"");
	assert_true(cf_sip_param(&params, "tag", &v));
	assert_span(v, "abc");
	assert_true(cf_sip_param(&params, "empty", &v));
	assert_int_equal(v.len, 0);
	assert_false(cf_sip_param(&params, "b\"", &v));
	assert_false(cf_sip_param(&params, "trans", &v));
	assert_false(cf_sip_param(&none, "tag", &v));
}

/* The number buffer is bounded; the return value is the full length. */
static void
test_number_buffer(void **state)
{
	struct cf_sip_uri u;
	char small[5];

	assert_int_equal(cf_sip_parse_uri("tel:5550180;phone-context=+1202",
					  31, &u), 0);
	assert_int_equal(cf_sip_uri_number(&u, small, sizeof(small)), 12);
	assert_string_equal(small, "+120");
	assert_int_equal(cf_sip_uri_number(&u, small, 0), 12);
}

static void
test_has_number(void **state)
{
	static const struct {
		const char *uri;
		bool yes;
	} v[] = {
		{ "sip:+1-202-555-0100@h", true },
		{ "sip:%2B12025550100@h", true },
		{ "sip:(010)1234.5678@h", true },
		{ "sip:+12025550170;cpc=payphone@h", true },
		{ "tel:+4930555111", true },
		{ "sip:alice@h", false },
		{ "sip:anonymous@anonymous.invalid", false },
		{ "sip:+-.@h", false },
		{ "sip:@h", false },
		{ "sip:h", false },
		{ "sip:1%zz@h", false },
	};
	struct cf_sip_uri u;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		print_message("%s\n", v[i].uri);
		assert_int_equal(cf_sip_parse_uri(v[i].uri, strlen(v[i].uri),
						  &u), 0);
		assert_int_equal(cf_sip_uri_has_number(&u), v[i].yes);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uris),
		cmocka_unit_test(test_uri_headers),
		cmocka_unit_test(test_bad_uris),
		cmocka_unit_test(test_addrs),
		cmocka_unit_test(test_bad_addrs),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_number_buffer),
		cmocka_unit_test(test_has_number),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
