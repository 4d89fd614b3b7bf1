/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * From a SIP message to the call record: which header names which party,
 * events, presentation, and the synthetic edge captures end to end.
 */

#include <callfence/call.h>
#include <callfence/number.h>
#include <callfence/ss7.h>

#include "sip_test.h"

/* Headers every request below shares, then @extra, then the blank line. */
#define REQ(method, ruri, from, extra) \
	method " " ruri " SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKt\r\n" \
	"From: " from ";tag=f\r\n" \
	"To: <sip:callee@b.example>\r\n" \
	"Call-ID: call-1@192.0.2.1\r\n" \
	"CSeq: 1 " method "\r\n" extra "Content-Length: 0\r\n\r\n"

#define RESP(status, method) \
	"SIP/2.0 " status "\r\n" \
	"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKt\r\n" \
	"From: <sip:+12025550100@a.example>;tag=f\r\n" \
	"To: <sip:+12025550199@b.example>;tag=t\r\n" \
	"Call-ID: call-1@192.0.2.1\r\n" \
	"CSeq: 1 " method "\r\nContent-Length: 0\r\n\r\n"

struct expect {
	const char *what;
	const char *text;
	const char *cc;		/* numbering plan */
	int rc;			/* 0 or a negated enum cf_sip_err */
	enum cf_event event;
	uint16_t cause;
	/* For each of caller, callee, redirecting: NULL = absent, else the
	 * raw text and the E.164 digits ("" when normalising fails, with
	 * err saying why). */
	const char *raw[3];
	const char *e164[3];
	enum cf_num_err err[3];
	enum cf_presentation pres;
	bool forwarded;
};

#define NONE { NULL, NULL, NULL }
#define NOERR { CF_NUM_OK, CF_NUM_OK, CF_NUM_OK }

static const struct expect cases[] = {
	{ "PAI carrying a number wins over From",
	  REQ("INVITE", "sip:+12025550199@b.example;user=phone",
	      "<sip:+12025550111@a.example>",
	      "P-Asserted-Identity: <sip:+12025550100@a.example;user=phone>\r\n"),
	  "1", 0, CF_EVENT_SETUP, 0,
	  { "+12025550100", "+12025550199", NULL },
	  { "12025550100", "12025550199", NULL }, NOERR, CF_PRES_ALLOWED,
	  false },
	{ "first PAI names a user: the tel: one is the caller",
	  REQ("INVITE", "sip:+12025550199@b.example",
	      "<sip:+12025550111@a.example>",
	      "P-Asserted-Identity: \"Alice\" <sip:alice@a.example>, "
	      "<tel:+1-202-555-0100>\r\n"),
	  "1", 0, CF_EVENT_SETUP, 0,
	  { "+1-202-555-0100", "+12025550199", NULL },
	  { "12025550100", "12025550199", NULL }, NOERR, CF_PRES_ALLOWED,
	  false },
	{ "no PAI: From user part, national form",
	  REQ("INVITE", "sip:02079460958@b.example",
	      "\"Bob\" <sip:07911123456@a.example>", ""),
	  "44", 0, CF_EVENT_SETUP, 0,
	  { "07911123456", "02079460958", NULL },
	  { "447911123456", "442079460958", NULL }, NOERR, CF_PRES_ALLOWED,
	  false },
	{ "anonymous From, no PAI: caller present, withheld",
	  REQ("INVITE", "sip:+12025550199@b.example",
	      "\"Anonymous\" <sip:anonymous@anonymous.invalid>",
	      "Privacy: id\r\n"),
	  "1", 0, CF_EVENT_SETUP, 0,
	  { "anonymous", "+12025550199", NULL }, { "", "12025550199", NULL },
	  { CF_NUM_ANONYMOUS, CF_NUM_OK, CF_NUM_OK }, CF_PRES_RESTRICTED,
	  false },
	{ "anonymous From with PAI: PAI, presentation restricted",
	  REQ("INVITE", "sip:+12025550199@b.example",
	      "<sip:anonymous@anonymous.invalid>",
	      "P-Asserted-Identity: <tel:+12025550100>\r\n"
	      "Privacy: header;id\r\n"),
	  "1", 0, CF_EVENT_SETUP, 0,
	  { "+12025550100", "+12025550199", NULL },
	  { "12025550100", "12025550199", NULL }, NOERR, CF_PRES_RESTRICTED,
	  false },
	{ "Privacy: user alone restricts; compact From",
	  "INVITE sip:+12025550199@b SIP/2.0\r\nv: x\r\n"
	  "f: sip:+12025550100@a;tag=1\r\nt: sip:x@b\r\ni: call-1@192.0.2.1\r\n"
	  "CSeq: 1 INVITE\r\nPrivacy: user\r\n\r\n",
	  "1", 0, CF_EVENT_SETUP, 0,
	  { "+12025550100", "+12025550199", NULL },
	  { "12025550100", "12025550199", NULL }, NOERR, CF_PRES_RESTRICTED,
	  false },
	{ "Privacy: none, session: allowed",
	  REQ("INVITE", "sip:+12025550199@b.example",
	      "<sip:+12025550100@a.example>", "Privacy: none\r\n"
	      "Privacy: session\r\n"),
	  "1", 0, CF_EVENT_SETUP, 0,
	  { "+12025550100", "+12025550199", NULL },
	  { "12025550100", "12025550199", NULL }, NOERR, CF_PRES_ALLOWED,
	  false },
	{ "Request-URI without user: callee from To",
	  REQ("INVITE", "sip:b.example", "<sip:+12025550100@a.example>", ""),
	  "1", 0, CF_EVENT_SETUP, 0,
	  { "+12025550100", "callee", NULL }, { "12025550100", "", NULL },
	  { CF_NUM_OK, CF_NUM_NON_DIGIT, CF_NUM_OK }, CF_PRES_ALLOWED, false },
	{ "tel: Request-URI with phone-context; raw is the local number",
	  REQ("INVITE", "tel:5550180;phone-context=+1202",
	      "<sip:+12025550100@a.example>", ""),
	  "1", 0, CF_EVENT_SETUP, 0,
	  { "+12025550100", "5550180", NULL },
	  { "12025550100", "12025550180", NULL }, NOERR, CF_PRES_ALLOWED,
	  false },
	{ "a national number with its trunk prefix under phone-context=+86",
	  REQ("INVITE", "sip:01065529988;phone-context=+86@gw.example;"
	      "user=phone", "<tel:010-6552-9988;phone-context=+86>", ""),
	  "86", 0, CF_EVENT_SETUP, 0,
	  { "010-6552-9988", "01065529988", NULL },
	  { "861065529988", "861065529988", NULL }, NOERR, CF_PRES_ALLOWED,
	  false },
	{ "%2B in the Request-URI user: raw as received",
	  REQ("INVITE", "sip:%2B1-202-555-0160@sbc.example;user=phone",
	      "<sip:+12025550100@a.example>", ""),
	  "1", 0, CF_EVENT_SETUP, 0,
	  { "+12025550100", "%2B1-202-555-0160", NULL },
	  { "12025550100", "12025550160", NULL }, NOERR, CF_PRES_ALLOWED,
	  false },
	{ "user parameters are not part of the number",
	  REQ("INVITE", "sip:+12025550199;npdi;rn=+12025559999@b.example",
	      "<sip:+12025550100;cpc=payphone@a.example;user=phone>", ""),
	  "1", 0, CF_EVENT_SETUP, 0,
	  { "+12025550100", "+12025550199", NULL },
	  { "12025550100", "12025550199", NULL }, NOERR, CF_PRES_ALLOWED,
	  false },
	{ "topmost Diversion is the redirecting number",
	  REQ("INVITE", "sip:+12025550199@b.example",
	      "<sip:+12025550100@a.example>",
	      "Diversion: <sip:+12025550150@b.example>;reason=no-answer,"
	      " <tel:+12025550151>\r\n"
	      "Diversion: <tel:+12025550152>\r\n"
	      "History-Info: <sip:+12025550160@b>;index=1,"
	      "<sip:+12025550199@b>;index=1.1\r\n"),
	  "1", 0, CF_EVENT_SETUP, 0,
	  { "+12025550100", "+12025550199", "+12025550150" },
	  { "12025550100", "12025550199", "12025550150" }, NOERR,
	  CF_PRES_ALLOWED, true },
	{ "no Diversion: first of several History-Info entries",
	  REQ("INVITE", "sip:+12025550199@b.example",
	      "<sip:+12025550100@a.example>",
	      "History-Info: <sip:+12025550160@b>;index=1\r\n"
	      "History-Info: <sip:+12025550199@b;cause=302>;index=1.1\r\n"),
	  "1", 0, CF_EVENT_SETUP, 0,
	  { "+12025550100", "+12025550199", "+12025550160" },
	  { "12025550100", "12025550199", "12025550160" }, NOERR,
	  CF_PRES_ALLOWED, true },
	{ "one History-Info entry is not a redirection",
	  REQ("INVITE", "sip:+12025550199@b.example",
	      "<sip:+12025550100@a.example>",
	      "History-Info: <sip:+12025550199@b>;index=1\r\n"),
	  "1", 0, CF_EVENT_SETUP, 0,
	  { "+12025550100", "+12025550199", NULL },
	  { "12025550100", "12025550199", NULL }, NOERR, CF_PRES_ALLOWED,
	  false },
	{ "BYE is a release",
	  REQ("BYE", "sip:+12025550199@b.example",
	      "<sip:+12025550100@a.example>", ""),
	  "1", 0, CF_EVENT_RELEASE, 16,
	  { "+12025550100", "+12025550199", NULL },
	  { "12025550100", "12025550199", NULL }, NOERR, CF_PRES_ALLOWED,
	  false },
	{ "CANCEL is a release",
	  REQ("CANCEL", "sip:+12025550199@b.example",
	      "<sip:+12025550100@a.example>", ""),
	  "1", 0, CF_EVENT_RELEASE, 16,
	  { "+12025550100", "+12025550199", NULL },
	  { "12025550100", "12025550199", NULL }, NOERR, CF_PRES_ALLOWED,
	  false },
	{ "200 to INVITE is an answer; callee from To",
	  RESP("200 OK", "INVITE"), "1", 0, CF_EVENT_ANSWER, 0,
	  { "+12025550100", "+12025550199", NULL },
	  { "12025550100", "12025550199", NULL }, NOERR, CF_PRES_ALLOWED,
	  false },
	{ "486 to INVITE is a release, Q.850 cause 17",
	  RESP("486 Busy Here", "INVITE"), "1", 0, CF_EVENT_RELEASE, 17,
	  { "+12025550100", "+12025550199", NULL },
	  { "12025550100", "12025550199", NULL }, NOERR, CF_PRES_ALLOWED,
	  false },
	{ "608 (RFC 8688) to INVITE is a release",
	  RESP("608 Rejected", "INVITE"), "1", 0, CF_EVENT_RELEASE, 21,
	  { "+12025550100", "+12025550199", NULL },
	  { "12025550100", "12025550199", NULL }, NOERR, CF_PRES_ALLOWED,
	  false },
	{ "180 is not a call event", RESP("180 Ringing", "INVITE"), "1",
	  -CF_SIP_ERR_NO_CALL_EVENT, 0, 0, NONE, NONE, NOERR, 0, false },
	{ "200 to BYE is not a call event", RESP("200 OK", "BYE"), "1",
	  -CF_SIP_ERR_NO_CALL_EVENT, 0, 0, NONE, NONE, NOERR, 0, false },
	{ "OPTIONS is not a call event",
	  REQ("OPTIONS", "sip:b.example", "<sip:a@a.example>", ""), "1",
	  -CF_SIP_ERR_NO_CALL_EVENT, 0, 0, NONE, NONE, NOERR, 0, false },
	{ "From that does not parse, no PAI",
	  REQ("INVITE", "sip:+12025550199@b.example", "<sip:a@a.example", ""),
	  "1", -CF_SIP_ERR_BAD_URI, 0, 0, NONE, NONE, NOERR, 0, false },
	{ "Request-URI that does not parse",
	  REQ("INVITE", "sip:+1@", "<sip:+12025550100@a.example>", ""),
	  "1", -CF_SIP_ERR_BAD_URI, 0, 0, NONE, NONE, NOERR, 0, false },
	{ "a bad PAI is passed over",
	  REQ("INVITE", "sip:+12025550199@b.example",
	      "<sip:+12025550100@a.example>",
	      "P-Asserted-Identity: <sip:+12025550111@a.example\r\n"),
	  "1", 0, CF_EVENT_SETUP, 0,
	  { "+12025550100", "+12025550199", NULL },
	  { "12025550100", "12025550199", NULL }, NOERR, CF_PRES_ALLOWED,
	  false },
	{ "20 digits: present, too long",
	  REQ("INVITE", "sip:+12025550199@b.example",
	      "<sip:+12345678901234567890@a.example>", ""),
	  "1", 0, CF_EVENT_SETUP, 0,
	  { "+12345678901234567890", "+12025550199", NULL },
	  { "", "12025550199", NULL },
	  { CF_NUM_TOO_LONG, CF_NUM_OK, CF_NUM_OK }, CF_PRES_ALLOWED, false },
};

static void
check_party(const struct cf_call *call, enum cf_party_role role,
	    const char *raw, const char *e164, enum cf_num_err err)
{
	const struct cf_party *p = &call->party[role];

	print_message("  %s\n", cf_party_name(role));
	if (!raw) {
		assert_false(p->present);
		return;
	}
	assert_true(p->present);
	assert_string_equal(p->raw, raw);
	assert_int_equal(p->num.err, err);
	if (err == CF_NUM_OK)
		assert_string_equal(p->num.digits, e164);
}

static void
test_cases(void **state)
{
	struct cf_sip_msg msg;
	struct cf_call call;
	size_t i;
	ssize_t n;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct expect *c = &cases[i];

		print_message("%s\n", c->what);
		n = cf_sip_parse(&msg, c->text, strlen(c->text), 0);
		if (n < 0)
			fail_msg("parse: %s",
				 cf_sip_err_name((enum cf_sip_err)-n));
		cf_call_reset(&call);
		rc = cf_sip_to_call(&msg, cf_numplan_builtin(c->cc), &call);
		assert_int_equal(rc, c->rc);
		if (rc == -CF_SIP_ERR_NO_CALL_EVENT)
			assert_int_equal(call.proto, CF_PROTO_NONE);
		if (rc < 0)
			continue;
		assert_int_equal(call.proto, CF_PROTO_SIP);
		assert_int_equal(call.event, c->event);
		assert_int_equal(call.release_cause, c->cause);
		assert_string_equal(call.ref.sip.call_id, "call-1@192.0.2.1");
		check_party(&call, CF_PARTY_CALLER, c->raw[0], c->e164[0],
			    c->err[0]);
		check_party(&call, CF_PARTY_CALLEE, c->raw[1], c->e164[1],
			    c->err[1]);
		check_party(&call, CF_PARTY_REDIRECTING, c->raw[2], c->e164[2],
			    c->err[2]);
		assert_int_equal(call.presentation, c->pres);
		assert_int_equal(call.party[CF_PARTY_CALLER].presentation,
				 c->pres);
		assert_int_equal(call.forwarded, c->forwarded);
	}
}

/*
 * A caller with no number: a From without a user part, or an empty one,
 * and no PAI that carries a number.  The caller party is absent exactly
 * as an ISUP IAM without a Calling Party Number leaves it (the record is
 * compared field by field with the one cf_isup_to_call() makes of such
 * an IAM): not present, no raw text, no number, presentation, NAI, NPI
 * and screening unknown.  A user part that is there but is no number is
 * something else: present, and invalid.
 */
static const struct {
	const char *what;
	const char *from;
	const char *extra;
	bool present;
	enum cf_num_err err;
} no_number[] = {
	{ "From without a user part", "<sip:gw.example>", "", false, 0 },
	{ "addr-spec without a user part", "sip:gw.example", "", false, 0 },
	{ "display name, no user, PAI naming a user",
	  "\"Bank\" <sip:bank.example>",
	  "P-Asserted-Identity: <sip:support@bank.example>\r\n", false, 0 },
	{ "empty user part", "<sip:@gw.example>", "", false, 0 },
	{ "empty user part with a context: not the context's digits",
	  "<sip:;phone-context=+1202@gw.example;user=phone>", "", false, 0 },
	{ "empty user part, Privacy: id", "<sip:gw.example>",
	  "Privacy: id\r\n", false, 0 },
	{ "a user that is no number is present, invalid",
	  "<sip:alice@gw.example>", "", true, CF_NUM_NON_DIGIT },
	{ "separators only: present, empty", "<sip:-@gw.example>", "", true,
	  CF_NUM_EMPTY },
};

/* IAM, CIC 109: called national 800 555 010, no optional part, so no
 * Calling Party Number (tests/decode/ss7 synthetic frame 9's ISUP). */
static const uint8_t iam_no_calling[] = {
	0x6d, 0x00, 0x01, 0x00, 0x01, 0x20, 0x0f, 0x00, 0x02, 0x00,
	0x07, 0x83, 0x10, 0x08, 0x50, 0x55, 0x10, 0x00,
};

static void
test_no_caller_number(void **state)
{
	const struct cf_numplan *plan = cf_numplan_builtin("1");
	const struct cf_party *s, *i;
	struct cf_isup_msg isup;
	struct cf_call iam, call;
	struct cf_sip_msg msg;
	char text[1024];
	size_t k;

	assert_true(cf_isup_decode(iam_no_calling, sizeof(iam_no_calling), 0,
				   &isup) > 0);
	assert_int_equal(cf_isup_to_call(&isup, NULL, plan, &iam), 1);
	i = &iam.party[CF_PARTY_CALLER];
	assert_false(i->present);

	for (k = 0; k < sizeof(no_number) / sizeof(no_number[0]); k++) {
		print_message("%s\n", no_number[k].what);
		snprintf(text, sizeof(text),
			 REQ("INVITE", "sip:+12025550199@b.example", "%s",
			     "%s"), no_number[k].from, no_number[k].extra);
		assert_true(cf_sip_parse(&msg, text, strlen(text), 0) > 0);
		cf_call_reset(&call);
		assert_int_equal(cf_sip_to_call(&msg, plan, &call), 0);
		s = &call.party[CF_PARTY_CALLER];
		assert_null(cf_call_number(&call, CF_PARTY_CALLER));
		assert_int_equal(s->present, no_number[k].present);
		if (s->present) {
			assert_int_equal(s->num.err, no_number[k].err);
			continue;
		}
		assert_int_equal(s->raw_len, i->raw_len);
		assert_string_equal(s->raw, i->raw);
		assert_int_equal(s->raw_truncated, i->raw_truncated);
		assert_int_equal(s->num.key, i->num.key);
		assert_int_equal(s->num.len, i->num.len);
		assert_string_equal(s->num.digits, i->num.digits);
		assert_int_equal(s->num.err, i->num.err);
		assert_int_equal(s->num.form, i->num.form);
		assert_int_equal(s->num.domestic, i->num.domestic);
		assert_int_equal(s->nai, i->nai);
		assert_int_equal(s->npi, i->npi);
		assert_int_equal(s->presentation, i->presentation);
		assert_int_equal(s->screening, i->screening);
		/* The call's presentation is still Privacy's. */
		assert_int_equal(call.presentation,
				 strstr(no_number[k].extra, "Privacy") ?
				 CF_PRES_RESTRICTED : CF_PRES_ALLOWED);
	}
}

/*
 * History-Info (RFC 7044): entries ordered by index, the last diverting
 * party as redirecting, the first entry as original called after two
 * diversions.  Numbers: +1202555 then 0160 the number first called,
 * 0170, 0180, 0190 the targets it went on to.
 */
#define HI(entries) \
	REQ("INVITE", "sip:+12025550199@b.example", \
	    "<sip:+12025550100@a.example>", "History-Info: " entries "\r\n")
#define N(x) "<sip:+1202555" x "@b.example>"
#define NC(x, cause) "<sip:+1202555" x "@b.example;cause=" cause ">"

static const struct hi_expect {
	const char *what;
	const char *text;
	const char *redirecting;	/* E.164, or NULL: absent */
	const char *original;
	bool forwarded;
} hi_cases[] = {
	{ "one hop: the first entry diverted",
	  HI(N("0160") ";index=1," NC("0170", "302") ";index=1.1;mp=1"),
	  "12025550160", NULL, true },
	{ "two hops: the second diverting party; original is the first",
	  HI(N("0160") ";index=1," NC("0170", "486") ";index=1.1;mp=1,"
	     NC("0180", "302") ";index=1.1.1;mp=1.1"),
	  "12025550170", "12025550160", true },
	{ "three hops",
	  HI(N("0160") ";index=1," NC("0170", "486") ";index=1.1;mp=1,"
	     NC("0180", "408") ";index=1.1.1;mp=1.1,"
	     NC("0190", "302") ";index=1.1.1.1;mp=1.1.1"),
	  "12025550180", "12025550160", true },
	{ "two hops out of order: read by index",
	  HI(NC("0180", "302") ";index=1.1.1;mp=1.1," N("0160") ";index=1,"
	     NC("0170", "486") ";index=1.1;mp=1"),
	  "12025550170", "12025550160", true },
	{ "index numbers compare as numbers: 1.10 after 1.2",
	  HI(N("0160") ";index=1," NC("0180", "302") ";index=1.10;mp=1,"
	     NC("0170", "486") ";index=1.2;mp=1,"
	     NC("0190", "302") ";index=1.2.1;mp=1.2"),
	  "12025550160", NULL, true },
	{ "numbers past 254 compare as text: 1.300 after 1.4",
	  HI(N("0160") ";index=1," NC("0180", "302") ";index=1.300;mp=1,"
	     NC("0170", "486") ";index=1.4;mp=1,"
	     NC("0190", "302") ";index=1.4.1;mp=1.4"),
	  "12025550160", NULL, true },
	{ "nine levels deep, out of order",
	  HI(N("0169") ";index=1.1.1.1.1.1.1.1.1," N("0161") ";index=1,"
	     N("0162") ";index=1.1," N("0163") ";index=1.1.1,"
	     N("0164") ";index=1.1.1.1," N("0165") ";index=1.1.1.1.1,"
	     N("0166") ";index=1.1.1.1.1.1,"
	     N("0168") ";index=1.1.1.1.1.1.1.1,"
	     N("0167") ";index=1.1.1.1.1.1.1"),
	  "12025550168", "12025550161", true },
	{ "mp then rc: the contact of the user diverted to is no hop",
	  HI(N("0160") ";index=1," NC("0170", "302") ";index=1.1;mp=1,"
	     "<sip:+12025550170@192.0.2.7>;index=1.1.1;rc=1.1"),
	  "12025550160", NULL, true },
	{ "rc alone: delivered to the callee's own contact, no forwarding",
	  HI(N("0160") ";index=1,"
	     "<sip:+12025550160@192.0.2.7>;index=1.1;rc=1"),
	  NULL, NULL, false },
	{ "np then mp: the unchanged entry is the diverting one",
	  HI(N("0160") ";index=1," N("0160") ";index=1.1;np=1,"
	     NC("0180", "302") ";index=1.1.1;mp=1.1"),
	  "12025550160", NULL, true },
	{ "mp names the party retargeted from, past a contact",
	  HI(N("0160") ";index=1,"
	     "<sip:+12025550170@192.0.2.7>;index=1.1;rc=1,"
	     NC("0180", "302") ";index=1.1.1;mp=1"),
	  "12025550160", NULL, true },
	{ "a failed branch is not on the path of the request",
	  HI(N("0160") ";index=1,"
	     "<sip:+12025550170@b.example?Reason=SIP%3Bcause%3D486>"
	     ";index=1.1;mp=1,"
	     NC("0180", "408") ";index=1.1.1;mp=1.1,"
	     NC("0190", "486") ";index=1.2;mp=1"),
	  "12025550160", NULL, true },
	{ "cause without tags (RFC 4458) marks the diversion",
	  HI(N("0160") ";index=1," NC("0170", "486") ";index=1.1,"
	     NC("0180", "302") ";index=1.1.1"),
	  "12025550170", "12025550160", true },
	{ "no tags (RFC 4244): every entry a hop",
	  HI(N("0160") ";index=1," N("0170") ";index=1.1,"
	     N("0180") ";index=1.1.1"),
	  "12025550170", "12025550160", true },
	{ "no index: the order of the message",
	  HI(N("0160") "," N("0170") "," N("0180")),
	  "12025550170", "12025550160", true },
	{ "flat numbering: 1, 2, 3 as a chain",
	  HI(N("0160") ";index=1," NC("0170", "486") ";index=2;mp=1,"
	     NC("0180", "302") ";index=3;mp=2"),
	  "12025550170", "12025550160", true },
	{ "entries that do not parse: retargeted, nobody named",
	  HI(N("0160") "x;index=1," N("0170") "y;index=1.1;mp=1"),
	  NULL, NULL, true },
	{ "Diversion comes first: History-Info is not read",
	  REQ("INVITE", "sip:+12025550199@b.example",
	      "<sip:+12025550100@a.example>",
	      "Diversion: <tel:+12025550150>;reason=no-answer\r\n"
	      "History-Info: " N("0160") ";index=1," NC("0170", "486")
	      ";index=1.1;mp=1," NC("0180", "302") ";index=1.1.1;mp=1.1\r\n"),
	  "12025550150", NULL, true },
};

static void
test_history_info(void **state)
{
	struct cf_sip_msg msg;
	struct cf_call call;
	size_t i;

	for (i = 0; i < sizeof(hi_cases) / sizeof(hi_cases[0]); i++) {
		const struct hi_expect *c = &hi_cases[i];
		const struct cf_party *r, *o;

		print_message("%s\n", c->what);
		assert_true(cf_sip_parse(&msg, c->text, strlen(c->text),
					 0) > 0);
		cf_call_reset(&call);
		assert_int_equal(cf_sip_to_call(&msg, cf_numplan_builtin("1"),
						&call), 0);
		r = &call.party[CF_PARTY_REDIRECTING];
		o = &call.party[CF_PARTY_ORIGINAL_CALLED];
		assert_int_equal(r->present, c->redirecting != NULL);
		if (c->redirecting)
			assert_string_equal(r->num.digits, c->redirecting);
		assert_int_equal(o->present, c->original != NULL);
		if (c->original)
			assert_string_equal(o->num.digits, c->original);
		assert_int_equal(call.forwarded, c->forwarded);
		/* The callee is the Request-URI's, whatever the history. */
		assert_string_equal(call.party[CF_PARTY_CALLEE].num.digits,
				    "12025550199");
	}
}

/*
 * The synthetic edge capture, end to end, against what its truth file
 * says and what callfence adds on top (normalised numbers).
 */
struct synth {
	const char *file;
	const char *cc;
	const char *call_id;
	const char *raw[3];
	const char *e164[3];
	enum cf_num_err err[3];
	enum cf_presentation pres;
	bool forwarded;
};

static const struct synth synth[] = {
	/* tel: everywhere; two PAI values in one header; Privacy: id. */
	{ "corpus_synthetic_sip_edge_f1.sip", "44", "syn1@192.0.2.30",
	  { "+12025550150", "+441632960002", NULL },
	  { "12025550150", "441632960002", NULL }, NOERR, CF_PRES_RESTRICTED,
	  false },
	/* Compact headers, no PAI: caller from f:. */
	{ "corpus_synthetic_sip_edge_f2.sip", "33", "syn2@192.0.2.30",
	  { "+33123456781", "+33123456780", NULL },
	  { "33123456781", "33123456780", NULL }, NOERR, CF_PRES_ALLOWED,
	  false },
	/* Two Diversion headers (three entries) and History-Info. */
	{ "corpus_synthetic_sip_edge_f3.sip", "49", "syn3@192.0.2.30",
	  { "+4930555111", "+4930555000", "+4930555222" },
	  { "4930555111", "4930555000", "4930555222" }, NOERR,
	  CF_PRES_ALLOWED, true },
	/* Anonymous From, PAI with cpc user parameter, %2B R-URI. */
	{ "corpus_synthetic_sip_edge_f4.sip", "1", "syn4@192.0.2.30",
	  { "+12025550170", "%2B1-202-555-0160", NULL },
	  { "12025550170", "12025550160", NULL }, NOERR, CF_PRES_RESTRICTED,
	  false },
	/* tel: local number with phone-context; PPI is not PAI. */
	{ "corpus_synthetic_sip_edge_f5.sip", "1", "syn5@192.0.2.30",
	  { "+12025550190", "5550180", NULL },
	  { "12025550190", "12025550180", NULL }, NOERR, CF_PRES_ALLOWED,
	  false },
};

static char *
read_file(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *b;

	snprintf(path, sizeof(path), "%s/%s", SIP_DATA_DIR, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	b = malloc(65536);
	assert_non_null(b);
	*len = fread(b, 1, 65536, f);
	fclose(f);
	return b;
}

static void
test_synthetic(void **state)
{
	struct cf_sip_msg msg;
	struct cf_call call;
	size_t i, len;
	char *b;

	for (i = 0; i < sizeof(synth) / sizeof(synth[0]); i++) {
		const struct synth *s = &synth[i];

		print_message("%s\n", s->file);
		b = read_file(s->file, &len);
		assert_int_equal(cf_sip_parse(&msg, b, len, 0), (ssize_t)len);
		cf_call_reset(&call);
		assert_int_equal(cf_sip_to_call(&msg,
						cf_numplan_builtin(s->cc),
						&call), 0);
		assert_int_equal(call.event, CF_EVENT_SETUP);
		assert_string_equal(call.ref.sip.call_id, s->call_id);
		check_party(&call, CF_PARTY_CALLER, s->raw[0], s->e164[0],
			    s->err[0]);
		check_party(&call, CF_PARTY_CALLEE, s->raw[1], s->e164[1],
			    s->err[1]);
		check_party(&call, CF_PARTY_REDIRECTING, s->raw[2], s->e164[2],
			    s->err[2]);
		assert_int_equal(call.presentation, s->pres);
		assert_int_equal(call.forwarded, s->forwarded);
		free(b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_synthetic),
		cmocka_unit_test(test_history_info),
		cmocka_unit_test(test_no_caller_number),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
