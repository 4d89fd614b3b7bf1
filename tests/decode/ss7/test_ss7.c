/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SS7 decoders: hex vectors with what each message says, the decoded fields
 * and the call record asserted; then bad input of every kind.  Vectors
 * marked with a capture name are that capture's bytes (tests/data/ss7 has
 * them all, checked against tshark by test_ss7_corpus).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <osmocom/core/utils.h>

#include <callfence/call.h>
#include <callfence/number.h>
#include <callfence/ss7.h>

#define BUF_MAX 2048

/* Hex to bytes; spaces and '|' separate fields for the reader. */
static size_t
h2b(const char *hex, uint8_t *out)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int v;

		if (*hex >= '0' && *hex <= '9')
			v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f')
			v = *hex - 'a' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			assert_true(n < BUF_MAX);
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	assert_int_equal(hi, -1);
	return n;
}

static const struct cf_numplan *
nanp(void)
{
	return cf_numplan_builtin("1");
}

/* Decode M3UA DATA, check the label, decode its ISUP. */
static void
m3ua_isup(const char *hex, struct cf_m3ua_msg *m3, struct cf_isup_msg *isup)
{
	static uint8_t b[BUF_MAX];
	size_t n = h2b(hex, b);
	int rc;

	rc = cf_m3ua_decode(b, n, m3);
	assert_int_equal(rc, n);
	assert_int_equal(m3->label.si, CF_MTP3_SI_ISUP);
	rc = cf_isup_decode(m3->user.data, m3->user.len, 0, isup);
	assert_true(rc > 0);
	assert_true((size_t)rc <= m3->user.len);
}

static void
assert_number(const struct cf_isup_number *n, const char *digits,
	      uint8_t nai, uint8_t npi, uint8_t apri, uint8_t si)
{
	assert_string_equal(n->digits, digits);
	assert_int_equal(n->ndigits, strlen(digits));
	assert_int_equal(n->nai, nai);
	assert_int_equal(n->npi, npi);
	assert_int_equal(n->apri, apri);
	assert_int_equal(n->si, si);
	assert_int_equal(n->err, 0);
}

static void
assert_party(const struct cf_call *c, enum cf_party_role r, const char *raw,
	     enum cf_num_err err, const char *e164, uint8_t pres)
{
	const struct cf_party *p = &c->party[r];

	assert_true(p->present);
	assert_string_equal(p->raw, raw);
	assert_int_equal(p->num.err, err);
	if (err == CF_NUM_OK)
		assert_string_equal(p->num.digits, e164);
	assert_int_equal(p->presentation, pres);
}

/* ------------------------------------------------------------------ */
/* Good messages */

/*
 * synthetic_isup_m3ua.pcap frame 1.  M3UA DATA, Protocol Data OPC 1101,
 * DPC 2202, SI 5 (ISUP), NI 2, SLS 0.  IAM on CIC 101: called
 * international 44 1632 960001 (even), calling international
 * 33 1 23 45 67 89 (odd, allowed, network provided), CPC 10 (ordinary).
 */
static const char synth_iam1[] =
	"01 00 01 01 00000038 | 0210 002e 0000044d 0000089a 05 02 00 00"
	"| 6500 01 | 00 0120 0a 00 | 02 0a"
	"| 08 04 10 446123690010"
	"| 0a 08 84 13 332143658709 | 00 | 0000";

static void
test_iam_international(void **state)
{
	struct cf_m3ua_msg m3;
	struct cf_isup_msg m;
	struct cf_call c;

	(void)state;
	m3ua_isup(synth_iam1, &m3, &m);
	assert_int_equal(m3.label.opc, 1101);
	assert_int_equal(m3.label.dpc, 2202);
	assert_int_equal(m3.label.ni, 2);
	assert_int_equal(m3.label.sls, 0);
	assert_false(m3.has_na || m3.has_rc || m3.has_corr_id);
	assert_int_equal(m.cic, 101);
	assert_int_equal(m.type, CF_ISUP_IAM);
	assert_int_equal(m.calling_category, 10);
	assert_int_equal(m.fwd_call_ind, 0x2001);
	assert_true(cf_isup_has(&m, CF_ISUP_NUM_CALLED));
	assert_number(&m.num[CF_ISUP_NUM_CALLED], "441632960001", 4, 1,
		      CF_ISUP_IND_ABSENT, CF_ISUP_IND_ABSENT);
	assert_int_equal(m.num[CF_ISUP_NUM_CALLED].inn, 0);
	assert_false(m.num[CF_ISUP_NUM_CALLED].odd);
	assert_number(&m.num[CF_ISUP_NUM_CALLING], "33123456789", 4, 1, 0, 3);
	assert_true(m.num[CF_ISUP_NUM_CALLING].odd);
	assert_int_equal(m.num[CF_ISUP_NUM_CALLING].ni, 0);
	assert_false(cf_isup_has(&m, CF_ISUP_NUM_REDIRECTING));
	assert_int_equal(m.n_opt, 2);	/* calling, end */

	assert_int_equal(cf_isup_to_call(&m, &m3.label, nanp(), &c), 1);
	assert_int_equal(c.proto, CF_PROTO_ISUP);
	assert_int_equal(c.event, CF_EVENT_SETUP);
	assert_int_equal(c.ref.isup.opc, 1101);
	assert_int_equal(c.ref.isup.dpc, 2202);
	assert_int_equal(c.ref.isup.cic, 101);
	assert_int_equal(c.src.point_code, 1101);
	assert_int_equal(c.calling_category, 10);
	assert_false(c.forwarded);
	assert_int_equal(c.presentation, CF_PRES_ALLOWED);
	assert_party(&c, CF_PARTY_CALLEE, "441632960001", CF_NUM_OK,
		     "441632960001", CF_PRES_UNKNOWN);
	assert_int_equal(c.party[CF_PARTY_CALLEE].nai, CF_NAI_INTERNATIONAL);
	assert_int_equal(c.party[CF_PARTY_CALLEE].npi, 1);
	assert_int_equal(c.party[CF_PARTY_CALLEE].screening, CF_IND_ABSENT);
	assert_party(&c, CF_PARTY_CALLER, "33123456789", CF_NUM_OK,
		     "33123456789", CF_PRES_ALLOWED);
	assert_false(c.party[CF_PARTY_CALLER].num.domestic);
	assert_int_equal(c.party[CF_PARTY_CALLER].screening, 3);
	assert_false(c.party[CF_PARTY_REDIRECTING].present);
	assert_false(c.party[CF_PARTY_GENERIC].present);
}

/*
 * synthetic frame 2: IAM CIC 102, called national 202 555 0143, calling
 * national 202 555 0199 presentation restricted (APRI 1), SI 1.
 */
static const char synth_iam2[] =
	"0100010100000034021000 2c0000044d0000089a05020000"
	"6600 01 00 0120 0a 00 02 09"
	"07 03 10 0252551034"
	"0a 07 03 15 0252551099 00";

static void
test_iam_restricted(void **state)
{
	struct cf_m3ua_msg m3;
	struct cf_isup_msg m;
	struct cf_call c;

	(void)state;
	m3ua_isup(synth_iam2, &m3, &m);
	assert_number(&m.num[CF_ISUP_NUM_CALLED], "2025550143", 3, 1,
		      CF_ISUP_IND_ABSENT, CF_ISUP_IND_ABSENT);
	assert_number(&m.num[CF_ISUP_NUM_CALLING], "2025550199", 3, 1, 1, 1);
	assert_int_equal(cf_isup_to_call(&m, &m3.label, nanp(), &c), 1);
	assert_int_equal(c.presentation, CF_PRES_RESTRICTED);
	assert_party(&c, CF_PARTY_CALLER, "2025550199", CF_NUM_OK,
		     "12025550199", CF_PRES_RESTRICTED);
	assert_true(c.party[CF_PARTY_CALLER].num.domestic);
	assert_party(&c, CF_PARTY_CALLEE, "2025550143", CF_NUM_OK,
		     "12025550143", CF_PRES_UNKNOWN);
}

/*
 * synthetic frame 3: IAM CIC 103, called subscriber 555 0100 (odd), calling
 * party number with no digits: NAI 0, APRI 2 (address not available).
 */
static const char synth_iam3[] =
	"0100010100000030021000260000044d0000089a05020000"
	"6700 01 00 0120 0a 00 02 08"
	"06 81 10 55050100"
	"0a 02 00 1b 00 0000";

static void
test_iam_not_available(void **state)
{
	struct cf_m3ua_msg m3;
	struct cf_isup_msg m;
	struct cf_call c;

	(void)state;
	m3ua_isup(synth_iam3, &m3, &m);
	assert_number(&m.num[CF_ISUP_NUM_CALLED], "5550100", 1, 1,
		      CF_ISUP_IND_ABSENT, CF_ISUP_IND_ABSENT);
	assert_true(cf_isup_has(&m, CF_ISUP_NUM_CALLING));
	assert_number(&m.num[CF_ISUP_NUM_CALLING], "", 0, 1, 2, 3);
	assert_int_equal(cf_isup_to_call(&m, &m3.label, nanp(), &c), 1);
	assert_int_equal(c.presentation, CF_PRES_NOT_AVAILABLE);
	assert_party(&c, CF_PARTY_CALLER, "", CF_NUM_EMPTY, "",
		     CF_PRES_NOT_AVAILABLE);
	/* Subscriber number, NANP plan has no area code. */
	assert_int_equal(c.party[CF_PARTY_CALLEE].num.err,
			 CF_NUM_NO_AREA_CODE);
}

/*
 * synthetic frame 4: IAM CIC 104, forwarded: Redirecting Number national
 * 312 555 0122, Original Called Number international 1 312 555 0133
 * restricted, Redirection Information: indicator 3 (call diverted), original
 * reason 1 (busy), counter 2, reason 2 (no reply).
 */
static const char synth_iam4[] =
	"010001010000004c021000430000044d0000089a05020000"
	"6800 01 00 0120 0a 00 02 09"
	"07 03 10 1352551011"
	"0a 07 03 13 1352551000"
	"0b 07 03 10 1352551022"
	"28 08 84 14 312155053103"
	"13 02 13 22 00 00";

static void
test_iam_forwarded(void **state)
{
	struct cf_m3ua_msg m3;
	struct cf_isup_msg m;
	struct cf_call c;

	(void)state;
	m3ua_isup(synth_iam4, &m3, &m);
	assert_number(&m.num[CF_ISUP_NUM_REDIRECTING], "3125550122", 3, 1, 0,
		      CF_ISUP_IND_ABSENT);
	assert_number(&m.num[CF_ISUP_NUM_ORIGINAL_CALLED], "13125550133", 4, 1,
		      1, CF_ISUP_IND_ABSENT);
	assert_true(cf_isup_has(&m, CF_ISUP_HAS_REDIR_INFO));
	assert_int_equal(m.redir.indicator, 3);
	assert_int_equal(m.redir.orig_reason, 1);
	assert_int_equal(m.redir.counter, 2);
	assert_int_equal(m.redir.reason, 2);
	assert_int_equal(cf_isup_to_call(&m, &m3.label, nanp(), &c), 1);
	assert_true(c.forwarded);
	assert_party(&c, CF_PARTY_REDIRECTING, "3125550122", CF_NUM_OK,
		     "13125550122", CF_PRES_ALLOWED);
	assert_party(&c, CF_PARTY_ORIGINAL_CALLED, "13125550133", CF_NUM_OK,
		     "13125550133", CF_PRES_RESTRICTED);
}

/*
 * synthetic frame 6: IAM CIC 106, calling international 49 30 123456
 * restricted, two Generic Numbers: NQI 6 (additional calling party number)
 * national 030 1234567, user provided verified and passed (SI 1), and NQI 8
 * (additional redirecting number) international 49 30 999999 restricted;
 * a Location Number 49 30 and a hop counter of 26.
 */
static const char synth_iam6[] =
	"0100010100000054021000490000044d0000089a05020000"
	"6a00 01 00 0120 0a 00 02 09"
	"07 03 10 2010325476"
	"0a 07 04 17 9403214365"
	"c0 08 06 03 11 3010325476"
	"c0 08 08 04 17 9403999999"
	"3f 04 04 13 9403"
	"3d 01 1a"
	"00 000000";

static void
test_iam_generic(void **state)
{
	struct cf_m3ua_msg m3;
	struct cf_isup_msg m;
	struct cf_call c;

	(void)state;
	m3ua_isup(synth_iam6, &m3, &m);
	assert_int_equal(m.n_generic, 2);
	assert_int_equal(m.generic[0].nqi, 6);
	assert_number(&m.generic[0], "0301234567", 3, 1, 0, 1);
	assert_int_equal(m.generic[0].ni, 0);
	assert_int_equal(m.generic[1].nqi, 8);
	assert_number(&m.generic[1], "4930999999", 4, 1, 1, 3);
	assert_int_equal(m.generic[1].ni, 0);
	assert_number(&m.num[CF_ISUP_NUM_LOCATION], "4930", 4, 1, 0, 3);
	assert_int_equal(m.num[CF_ISUP_NUM_LOCATION].inn, 0);
	assert_int_equal(m.hop_counter, 26);
	assert_int_equal(m.n_opt, 6);
	assert_memory_equal(m.opt_codes, "\x0a\xc0\xc0\x3f\x3d\x00", 6);

	assert_int_equal(cf_isup_to_call(&m, &m3.label, nanp(), &c), 1);
	/* NQI 6 is preferred; read with the NANP plan it is 10 digits. */
	assert_party(&c, CF_PARTY_GENERIC, "0301234567", CF_NUM_OK,
		     "10301234567", CF_PRES_ALLOWED);
	assert_int_equal(c.party[CF_PARTY_GENERIC].nai, CF_NAI_NATIONAL);
	assert_int_equal(c.party[CF_PARTY_GENERIC].screening, 1);
	assert_party(&c, CF_PARTY_CALLER, "4930123456", CF_NUM_OK,
		     "4930123456", CF_PRES_RESTRICTED);
}

/*
 * synthetic frame 7: called national 12345 then ST (even: 21 43 f5);
 * frame 8: called unknown "B12C" (codes 11 and 12), calling "99".
 */
static const char synth_iam7[] =
	"0100010100000034021000290000044d0000089a05020000"
	"6b00 01 00 0120 0a 00 02 07"
	"05 03 10 2143f5"
	"0a 06 83 13 67452301 00 000000";
static const char synth_iam8[] =
	"0100010100000030021000250000044d0000089a05020000"
	"6c00 01 00 0120 0a 00 02 06"
	"04 02 10 1bc2"
	"0a 03 02 13 99 00 000000";

static void
test_iam_st_and_hex(void **state)
{
	struct cf_m3ua_msg m3;
	struct cf_isup_msg m;
	struct cf_call c;

	(void)state;
	m3ua_isup(synth_iam7, &m3, &m);
	assert_number(&m.num[CF_ISUP_NUM_CALLED], "12345", 3, 1,
		      CF_ISUP_IND_ABSENT, CF_ISUP_IND_ABSENT);
	assert_true(m.num[CF_ISUP_NUM_CALLED].st);
	assert_number(&m.num[CF_ISUP_NUM_CALLING], "7654321", 3, 1, 0, 3);
	assert_false(m.num[CF_ISUP_NUM_CALLING].st);
	assert_int_equal(cf_isup_to_call(&m, &m3.label, nanp(), &c), 1);
	/* The ST marker is not part of the number. */
	assert_string_equal(c.party[CF_PARTY_CALLEE].raw, "12345");

	m3ua_isup(synth_iam8, &m3, &m);
	assert_number(&m.num[CF_ISUP_NUM_CALLED], "B12C", 2, 1,
		      CF_ISUP_IND_ABSENT, CF_ISUP_IND_ABSENT);
	assert_int_equal(m.num_err, 0);
	assert_int_equal(cf_isup_to_call(&m, &m3.label, nanp(), &c), 1);
	assert_party(&c, CF_PARTY_CALLEE, "B12C", CF_NUM_NON_DIGIT, "",
		     CF_PRES_UNKNOWN);
	assert_int_equal(c.party[CF_PARTY_CALLEE].nai, CF_NAI_UNKNOWN);
}

/*
 * synthetic frame 9: IAM without optional part (pointer 0), CPC 15
 * (payphone), called national 800 555 010 (odd).
 */
static const char synth_iam9[] =
	"010001010000002c021000220000044d0000089a05020000"
	"6d00 01 00 0120 0f 00 02 00"
	"07 83 10 0850551000 0000";

static void
test_iam_no_optional(void **state)
{
	struct cf_m3ua_msg m3;
	struct cf_isup_msg m;
	struct cf_call c;

	(void)state;
	m3ua_isup(synth_iam9, &m3, &m);
	assert_int_equal(m.n_opt, 0);
	assert_number(&m.num[CF_ISUP_NUM_CALLED], "800555010", 3, 1,
		      CF_ISUP_IND_ABSENT, CF_ISUP_IND_ABSENT);
	assert_false(cf_isup_has(&m, CF_ISUP_NUM_CALLING));
	assert_int_equal(cf_isup_to_call(&m, &m3.label, nanp(), &c), 1);
	assert_int_equal(c.calling_category, 15);
	/* No Calling Party Number: the caller is absent (not an empty
	 * number), which rules read as `caller absent` and plain `caller
	 * invalid` covers. */
	assert_false(c.party[CF_PARTY_CALLER].present);
	assert_int_equal(c.party[CF_PARTY_CALLER].raw_len, 0);
	assert_int_equal(c.party[CF_PARTY_CALLER].num.key, CF_NUMKEY_NONE);
	assert_null(cf_call_number(&c, CF_PARTY_CALLER));
	assert_int_equal(c.party[CF_PARTY_CALLER].presentation, CF_PRES_UNKNOWN);
	assert_true(c.party[CF_PARTY_CALLEE].present);
	assert_int_equal(c.presentation, CF_PRES_UNKNOWN);
}

/*
 * synthetic frame 10: DATA with Network Appearance 7 and Routing Context
 * 100 before the Protocol Data.
 */
static const char synth_iam10[] =
	"0100010100000048 | 0200 0008 00000007 | 0006 0008 00000064"
	"| 0210002e0000044d0000089a05020000"
	"6e00 01 00 0120 0a 00 02 0a"
	"08 84 10 4151550501 00"
	"0a 08 84 13 4151550501 01 00 0000";

static void
test_m3ua_na_rc(void **state)
{
	struct cf_m3ua_msg m3;
	struct cf_isup_msg m;

	(void)state;
	m3ua_isup(synth_iam10, &m3, &m);
	assert_true(m3.has_na);
	assert_int_equal(m3.network_appearance, 7);
	assert_true(m3.has_rc);
	assert_int_equal(m3.routing_context, 100);
	assert_int_equal(m.cic, 110);
	assert_string_equal(m.num[CF_ISUP_NUM_CALLED].digits, "14155550100");
	assert_string_equal(m.num[CF_ISUP_NUM_CALLING].digits, "14155550101");
}

/* synthetic frame 11: DATA with SI 3 (SCCP, a UDT): never ISUP. */
static const char synth_sccp11[] =
	"01000101000000280210001f0000044d0000089a03020000"
	"09000305070242fe0242fe0301020300";

static void
test_sccp_not_isup(void **state)
{
	struct cf_ss7_stats st;
	uint8_t b[BUF_MAX];
	size_t n = h2b(synth_sccp11, b);
	struct cf_m3ua_msg m3;
	struct cf_call c;

	(void)state;
	assert_int_equal(cf_m3ua_decode(b, n, &m3), n);
	assert_int_equal(m3.label.si, CF_MTP3_SI_SCCP);
	memset(&st, 0, sizeof(st));
	c.proto = CF_PROTO_NONE;
	assert_int_equal(cf_ss7_m3ua_to_call(&st, b, n, nanp(), &c),
			 -CF_SS7_ERR_UNSUPPORTED_SI);
	assert_int_equal(c.proto, CF_PROTO_NONE);
	assert_int_equal(st.err[CF_SS7_ERR_UNSUPPORTED_SI], 1);
	assert_int_equal(st.m3ua_class[CF_M3UA_CLASS_TRANSFER], 1);
	assert_int_equal(st.calls, 0);
	assert_true(cf_ss7_err_is_skip(-CF_SS7_ERR_UNSUPPORTED_SI));
}

/*
 * synthetic frames 12 and 16: REL on CIC 101, cause 16 (normal clearing),
 * location 0 (user), ITU-T coding; REL on CIC 106 with coding standard 3
 * (national): cause value 3, location 1, not a Q.850 cause.
 */
static const char synth_rel12[] =
	"0100010100000020021000180000089a0000044d05020000"
	"6500 0c 02 00 | 02 80 90";
static const char synth_rel16[] =
	"0100010100000020021000180000089a0000044d05020000"
	"6a00 0c 02 00 | 02 e1 83";

static void
test_rel(void **state)
{
	struct cf_m3ua_msg m3;
	struct cf_isup_msg m;
	struct cf_call c;

	(void)state;
	m3ua_isup(synth_rel12, &m3, &m);
	assert_int_equal(m.type, CF_ISUP_REL);
	assert_true(cf_isup_has(&m, CF_ISUP_HAS_CAUSE));
	assert_int_equal(m.cause.value, 16);
	assert_int_equal(m.cause.location, 0);
	assert_int_equal(m.cause.coding, 0);
	assert_int_equal(cf_isup_to_call(&m, &m3.label, nanp(), &c), 1);
	assert_int_equal(c.event, CF_EVENT_RELEASE);
	assert_int_equal(c.release_cause, 16);
	assert_int_equal(c.ref.isup.opc, 2202);
	assert_int_equal(c.ref.isup.dpc, 1101);
	assert_int_equal(c.ref.isup.cic, 101);
	assert_false(c.party[CF_PARTY_CALLER].present);

	m3ua_isup(synth_rel16, &m3, &m);
	assert_int_equal(m.cause.coding, 3);
	assert_int_equal(m.cause.value, 3);
	assert_int_equal(m.cause.location, 1);
	assert_int_equal(cf_isup_to_call(&m, &m3.label, nanp(), &c), 1);
	assert_int_equal(c.event, CF_EVENT_RELEASE);
	assert_int_equal(c.release_cause, 0);
}

/*
 * wswiki_m3ua_isup.cap frames 77, 86, 87: IAM on CIC 1 (called unknown
 * 12345600 with INN 1, calling 12345678), then ACM (backward call
 * indicators 0x1416, optional part empty) and ANM (optional part empty).
 */
static const char ws_iam77[] =
	"01000101000000340210002a0000000100000002050200000100010020010a0302"
	"08060290214365000a06021321436587000000";
static const char ws_acm86[] =
	"0100010100000020021000170000000200000001050200000100061614010000";
static const char ws_anm87[] =
	"0100010100000020021000150000000200000001050200000100090100000000";

static void
test_wswiki_call(void **state)
{
	struct cf_m3ua_msg m3;
	struct cf_isup_msg m;
	struct cf_call c;

	(void)state;
	m3ua_isup(ws_iam77, &m3, &m);
	assert_int_equal(m3.label.opc, 1);
	assert_int_equal(m3.label.dpc, 2);
	assert_int_equal(m.cic, 1);
	assert_number(&m.num[CF_ISUP_NUM_CALLED], "12345600", 2, 1,
		      CF_ISUP_IND_ABSENT, CF_ISUP_IND_ABSENT);
	assert_int_equal(m.num[CF_ISUP_NUM_CALLED].inn, 1);
	assert_number(&m.num[CF_ISUP_NUM_CALLING], "12345678", 2, 1, 0, 3);

	m3ua_isup(ws_acm86, &m3, &m);
	assert_int_equal(m.type, CF_ISUP_ACM);
	assert_int_equal(m.bwd_call_ind, 0x1416);
	assert_int_equal(m.n_opt, 1);
	c.proto = CF_PROTO_NONE;
	assert_int_equal(cf_isup_to_call(&m, &m3.label, nanp(), &c), 0);
	assert_int_equal(c.proto, CF_PROTO_NONE);

	m3ua_isup(ws_anm87, &m3, &m);
	assert_int_equal(m.type, CF_ISUP_ANM);
	assert_int_equal(cf_isup_to_call(&m, &m3.label, nanp(), &c), 1);
	assert_int_equal(c.event, CF_EVENT_ANSWER);
	assert_int_equal(c.ref.isup.cic, 1);
	assert_int_equal(c.release_cause, 0);
}

/*
 * xdrtester_isup_m2pa.pcap frame 1: M2PA User Data (BSN 51, FSN 71,
 * priority octet 0x3f), MTP3 SIO 0x85 (ISUP, national), label DPC 15392,
 * OPC 3684, SLS 15.  IAM CIC 15, CPC 0xe4 (national), called national
 * 908 420 0112 then ST, calling 499 681 0319.  Two octets follow the ISUP
 * message inside the M2PA length (a TDM FCS): they are not read.
 */
static const char xdr_iam1[] =
	"01 00 0b 01 00000035 | 00000033 00000047 | 3f"
	"| 85 203c99f3 | 0f00 01 11 2000 e4 00 02 0a"
	"08 83 90 0948021021 0f"
	"0a 07 03 13 9469183091 00 | 6100";
/* frame 5: REL cause 16, location 4 (public network, remote user). */
static const char xdr_rel5[] =
	"01000b01000000200000004c000000613f85640e08ff0f000c020002849097ca";

static void
test_m2pa(void **state)
{
	uint8_t b[BUF_MAX];
	size_t n = h2b(xdr_iam1, b);
	struct cf_mtp3_label l;
	struct cf_ss7_span user;
	struct cf_m2pa_msg m2;
	struct cf_isup_msg m;
	struct cf_ss7_stats st;
	struct cf_call c;
	int rc;

	(void)state;
	assert_int_equal(cf_m2pa_decode(b, n, &m2), n);
	assert_int_equal(m2.bsn, 51);
	assert_int_equal(m2.fsn, 71);
	assert_int_equal(m2.priority, 0);
	assert_int_equal(m2.msu.len, n - 17);
	assert_int_equal(cf_mtp3_decode(m2.msu.data, m2.msu.len, 0, &l, &user),
			 m2.msu.len);
	assert_int_equal(l.si, 5);
	assert_int_equal(l.ni, 2);
	assert_int_equal(l.dpc, 15392);
	assert_int_equal(l.opc, 3684);
	assert_int_equal(l.sls, 15);
	rc = cf_isup_decode(user.data, user.len, 0, &m);
	assert_int_equal(rc, user.len - 2);
	assert_int_equal(m.cic, 15);
	assert_int_equal(m.calling_category, 0xe4);
	assert_string_equal(m.num[CF_ISUP_NUM_CALLED].digits, "9084200112");
	assert_true(m.num[CF_ISUP_NUM_CALLED].st);
	assert_true(m.num[CF_ISUP_NUM_CALLED].odd);
	assert_string_equal(m.num[CF_ISUP_NUM_CALLING].digits, "4996810319");

	memset(&st, 0, sizeof(st));
	assert_int_equal(cf_ss7_m2pa_to_call(&st, b, n, 0, nanp(), &c), 1);
	assert_int_equal(c.src.point_code, 3684);
	assert_int_equal(c.calling_category, 0xe4);
	assert_party(&c, CF_PARTY_CALLEE, "9084200112", CF_NUM_OK,
		     "19084200112", CF_PRES_UNKNOWN);

	n = h2b(xdr_rel5, b);
	assert_int_equal(cf_ss7_m2pa_to_call(&st, b, n, 0, nanp(), &c), 1);
	assert_int_equal(c.event, CF_EVENT_RELEASE);
	assert_int_equal(c.release_cause, 16);
	assert_int_equal(st.calls, 2);
	assert_int_equal(st.isup_type[CF_ISUP_IAM], 1);
	assert_int_equal(st.isup_type[CF_ISUP_REL], 1);
	assert_int_equal(st.err[0], 2);
}

/*
 * wswiki_isup_load_generator.pcap frames 1 and 3: MTP2 MSUs (LI 32 and
 * 13) with the FCS after them.  IAM CIC 14 from OPC 1 to DPC 2, SLS 9:
 * called national 0483902899 (INN 1), calling 71375480; REL CIC 6 cause 19
 * (no answer), location 0.
 */
static const char lg_iam1[] =
	"1d 1d 20 | 85 02400090 | 0e00 01 11 0000 0a 03 02 09"
	"07 03 90 4038098299"
	"0a 06 03 13 17734508 00 | 7989";
static const char lg_rel3[] =
	"1f1e0d850240009006000c02000280930041";

static void
test_mtp2(void **state)
{
	uint8_t b[BUF_MAX];
	size_t n = h2b(lg_iam1, b);
	struct cf_mtp2_su su;
	struct cf_ss7_stats st;
	struct cf_call c;

	(void)state;
	assert_int_equal(cf_mtp2_decode(b, n, CF_MTP2_F_FCS, &su), n - 2);
	assert_int_equal(su.li, 32);
	assert_int_equal(su.msu.len, 32);
	assert_int_equal(su.bsn, 0x1d);
	assert_int_equal(su.fsn, 0x1d);

	memset(&st, 0, sizeof(st));
	assert_int_equal(cf_ss7_mtp2_to_call(&st, b, n, CF_MTP2_F_FCS, nanp(),
					     &c), 1);
	assert_int_equal(c.ref.isup.opc, 1);
	assert_int_equal(c.ref.isup.dpc, 2);
	assert_int_equal(c.ref.isup.cic, 14);
	assert_string_equal(c.party[CF_PARTY_CALLEE].raw, "0483902899");
	assert_string_equal(c.party[CF_PARTY_CALLER].raw, "71375480");

	n = h2b(lg_rel3, b);
	assert_int_equal(cf_ss7_mtp2_to_call(&st, b, n, CF_MTP2_F_FCS, nanp(),
					     &c), 1);
	assert_int_equal(c.release_cause, 19);
	assert_int_equal(c.ref.isup.cic, 6);

	/* FISU (LI 0) and LSSU (LI 1): not data. */
	n = h2b("1d1d00 aabb", b);
	assert_int_equal(cf_mtp2_decode(b, n, CF_MTP2_F_FCS, &su),
			 -CF_SS7_ERR_NOT_DATA);
	n = h2b("1d1d01 01 aabb", b);
	assert_int_equal(cf_ss7_mtp2_to_call(&st, b, n, CF_MTP2_F_FCS, nanp(),
					     &c), -CF_SS7_ERR_NOT_DATA);
	assert_int_equal(st.err[CF_SS7_ERR_NOT_DATA], 1);
	/* LI says 32, 10 octets follow. */
	n = h2b("1d1d20 85024000900e000111", b);
	assert_int_equal(cf_mtp2_decode(b, n, 0, &su), -CF_SS7_ERR_TRUNCATED);
	n = h2b("1d1d", b);
	assert_int_equal(cf_mtp2_decode(b, n, 0, &su), -CF_SS7_ERR_TRUNCATED);
}

/* LI 63 means "63 or more": the frame, less the FCS, bounds the MSU. */
static void
test_mtp2_long(void **state)
{
	uint8_t b[3 + 100 + 2];
	struct cf_mtp2_su su;

	(void)state;
	memset(b, 0x11, sizeof(b));
	b[2] = 63;
	assert_int_equal(cf_mtp2_decode(b, sizeof(b), CF_MTP2_F_FCS, &su),
			 sizeof(b) - 2);
	assert_int_equal(su.msu.len, 100);
	assert_int_equal(cf_mtp2_decode(b, sizeof(b), 0, &su), sizeof(b));
	assert_int_equal(su.msu.len, 102);
	/* LI 63 but fewer than 63 octets: the LI lies. */
	assert_int_equal(cf_mtp2_decode(b, 3 + 62 + 2, CF_MTP2_F_FCS, &su),
			 -CF_SS7_ERR_BAD_LENGTH);
	assert_int_equal(cf_mtp2_decode(b, 4, CF_MTP2_F_FCS, &su),
			 -CF_SS7_ERR_TRUNCATED);
}

/*
 * ANSI routing label: SIO 0x85, DPC 3-2-1 (network 3, cluster 2, member 1),
 * OPC 6-5-4, SLS 7.  The label reads; ANSI ISUP is refused by the stack.
 */
static void
test_mtp3_ansi(void **state)
{
	uint8_t b[BUF_MAX];
	size_t n = h2b("85 010203 040506 07 | 0100 01", b);
	struct cf_mtp3_label l;
	struct cf_ss7_span user;
	struct cf_ss7_stats st;
	struct cf_call c;

	(void)state;
	assert_int_equal(cf_mtp3_decode(b, n, CF_MTP3_F_ANSI, &l, &user), n);
	assert_true(l.ansi);
	assert_int_equal(l.dpc, 0x030201);
	assert_int_equal(l.opc, 0x060504);
	assert_int_equal(l.sls, 7);
	assert_int_equal(user.len, 3);
	assert_int_equal(cf_mtp3_decode(b, 7, CF_MTP3_F_ANSI, &l, &user),
			 -CF_SS7_ERR_TRUNCATED);
	assert_int_equal(cf_mtp3_decode(b, 0, 0, &l, &user),
			 -CF_SS7_ERR_TRUNCATED);
	assert_int_equal(cf_mtp3_decode(b, 4, 0, &l, &user),
			 -CF_SS7_ERR_TRUNCATED);

	/* The same MSU behind M2PA, read as ANSI. */
	n = h2b("01000b01 0000001d 00000000 00000000 00"
		"85 010203 040506 07 | 0100 01 00", b);
	memset(&st, 0, sizeof(st));
	assert_int_equal(cf_ss7_m2pa_to_call(&st, b, n, CF_MTP3_F_ANSI,
					     nanp(), &c), -CF_SS7_ERR_ANSI);
	assert_int_equal(st.err[CF_SS7_ERR_ANSI], 1);
}

/*
 * heplify_sip_sctp.pcap frame 2: the ISUP body of a SIP-I INVITE (no CIC).
 * IAM: called national 9275890000 then ST, calling 9171969136, Redirecting
 * Number 9275685122 restricted, Redirection Information (indicator 3,
 * counter 1, reason 1), Original Called Number 9275685122 restricted,
 * Called IN Number international 79275890000, and parameters we skip
 * (0x1d, 0x31, 0x39).
 */
static const char sipi_iam[] =
	"01 00 2001 0a 00 02 0a"
	"08 83 10 2957980000 0f"
	"0a 07 03 13 1917691963"
	"0b 07 03 14 2957861522"
	"13 02 03 11"
	"28 07 03 14 2957861522"
	"1d 03 8090a3"
	"31 02 005a"
	"6f 08 84 14 9772850900 00"
	"39 04 31d06fc0 00";

static void
test_sip_i(void **state)
{
	uint8_t b[BUF_MAX];
	size_t n = h2b(sipi_iam, b);
	struct cf_isup_msg m;
	struct cf_call c;

	(void)state;
	assert_int_equal(cf_isup_decode(b, n, CF_ISUP_F_NO_CIC, &m), n);
	assert_false(m.has_cic);
	assert_int_equal(m.type, CF_ISUP_IAM);
	assert_string_equal(m.num[CF_ISUP_NUM_CALLED].digits, "9275890000");
	assert_true(m.num[CF_ISUP_NUM_CALLED].st);
	assert_number(&m.num[CF_ISUP_NUM_REDIRECTING], "9275685122", 3, 1, 1,
		      CF_ISUP_IND_ABSENT);
	assert_number(&m.num[CF_ISUP_NUM_ORIGINAL_CALLED], "9275685122", 3, 1,
		      1, CF_ISUP_IND_ABSENT);
	assert_number(&m.num[CF_ISUP_NUM_CALLED_IN], "79275890000", 4, 1, 1,
		      CF_ISUP_IND_ABSENT);
	assert_int_equal(m.redir.indicator, 3);
	assert_int_equal(m.redir.counter, 1);
	assert_int_equal(m.redir.reason, 1);
	assert_int_equal(m.n_opt, 9);

	assert_int_equal(cf_isup_to_call(&m, NULL, cf_numplan_builtin("7"), &c),
			 1);
	assert_true(c.forwarded);
	assert_party(&c, CF_PARTY_CALLER, "9171969136", CF_NUM_OK,
		     "79171969136", CF_PRES_ALLOWED);
	assert_party(&c, CF_PARTY_CALLEE, "9275890000", CF_NUM_OK,
		     "79275890000", CF_PRES_UNKNOWN);
	assert_party(&c, CF_PARTY_REDIRECTING, "9275685122", CF_NUM_OK,
		     "79275685122", CF_PRES_RESTRICTED);
	assert_int_equal(c.ref.hash, 0);
	assert_int_equal(c.src.point_code, 0);
}

/* ------------------------------------------------------------------ */
/* M3UA and M2PA headers */

static void
test_m3ua_not_data(void **state)
{
	static const struct {
		const char *hex;
		int rc;
		uint8_t cls;
	} v[] = {
		/* ASPUP, ASPAC, NTFY, DUNA, REG REQ: skipped by class. */
		{ "01000301 00000008", -CF_SS7_ERR_NOT_DATA, 3 },
		{ "01000401 00000010 000b0008 00000002", -CF_SS7_ERR_NOT_DATA,
		  4 },
		{ "01000001 00000008", -CF_SS7_ERR_NOT_DATA, 0 },
		{ "01000201 00000008", -CF_SS7_ERR_NOT_DATA, 2 },
		{ "01000901 00000008", -CF_SS7_ERR_NOT_DATA, 9 },
		/* Transfer class, type 2: no such message. */
		{ "01000102 00000008", -CF_SS7_ERR_BAD_CLASS, 1 },
		/* Class 6 is M2UA's MAUP, not M3UA. */
		{ "01000601 00000008", -CF_SS7_ERR_BAD_CLASS, 6 },
		/* Version 2 does not exist. */
		{ "02000101 00000008", -CF_SS7_ERR_BAD_VERSION, 1 },
	};
	struct cf_ss7_stats st;
	uint8_t b[BUF_MAX];
	struct cf_m3ua_msg m3;
	struct cf_call c;
	size_t i, n;

	(void)state;
	memset(&st, 0, sizeof(st));
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = h2b(v[i].hex, b);
		assert_int_equal(cf_m3ua_decode(b, n, &m3), v[i].rc);
		assert_int_equal(m3.msg_class, v[i].cls);
		assert_int_equal(cf_ss7_m3ua_to_call(&st, b, n, nanp(), &c),
				 v[i].rc);
	}
	assert_int_equal(st.err[CF_SS7_ERR_NOT_DATA], 5);
	assert_int_equal(st.m3ua_class[CF_M3UA_CLASS_ASPSM], 1);
	assert_int_equal(st.m3ua_class[CF_M3UA_CLASS_ASPTM], 1);
	assert_int_equal(st.m3ua_class[CF_M3UA_CLASS_RKM], 1);
	assert_int_equal(st.err[CF_SS7_ERR_BAD_CLASS], 2);
	assert_int_equal(st.err[CF_SS7_ERR_BAD_VERSION], 1);
	assert_string_equal(cf_m3ua_class_name(CF_M3UA_CLASS_ASPSM), "aspsm");
	assert_string_equal(cf_m3ua_class_name(7), "?");
}

/* wswiki_isup_m3ua_draft6.cap frame 1: draft M3UA, protocol data tag
 * 0x0002 holding a whole MSU.  Rejected with its own reason. */
static const char draft6_iam[] =
	"010001010000005400020049c583af405bd5000100a0010a02020705819084190f"
	"0a070317933393798008018003057c038890a61d038890a6310200643f06039300"
	"060010f4056476c328813902f49000000000";

static void
test_m3ua_draft(void **state)
{
	uint8_t b[BUF_MAX];
	size_t n = h2b(draft6_iam, b);
	struct cf_m3ua_msg m3;

	(void)state;
	assert_int_equal(cf_m3ua_decode(b, n, &m3), -CF_SS7_ERR_M3UA_DRAFT);
	assert_string_equal(cf_ss7_err_name(-CF_SS7_ERR_M3UA_DRAFT),
			    "m3ua-draft");
	assert_false(cf_ss7_err_is_skip(-CF_SS7_ERR_M3UA_DRAFT));
}

static void
test_m3ua_lies(void **state)
{
	static const struct {
		const char *hex;
		int rc;
	} v[] = {
		/* Message length 0x40, 32 bytes here. */
		{ "01000101 00000040 0210 0014 00000001 00000002 05020000 "
		  "01000000", -CF_SS7_ERR_TRUNCATED },
		/* Message length 4: shorter than the header. */
		{ "01000101 00000004", -CF_SS7_ERR_BAD_LENGTH },
		/* Protocol Data says 0x30 bytes, the message has 24. */
		{ "01000101 00000020 0210 0030 00000001 00000002 05020000 "
		  "01000000 00000000", -CF_SS7_ERR_BAD_LENGTH },
		/* Parameter length 2: less than its own header. */
		{ "01000101 00000010 0210 0002 00000000",
		  -CF_SS7_ERR_BAD_LENGTH },
		/* Protocol Data shorter than OPC..SLS. */
		{ "01000101 00000014 0210 000c 00000001 00000002",
		  -CF_SS7_ERR_BAD_LENGTH },
		/* Network Appearance of 2 bytes. */
		{ "01000101 00000024 0200 0006 0007 0000 "
		  "0210 0014 00000001 00000002 05020000 01000000",
		  -CF_SS7_ERR_BAD_LENGTH },
		/* Routing Context list in DATA (must be one). */
		{ "01000101 00000028 0006 000c 00000001 00000002 "
		  "0210 0014 00000001 00000002 05020000 01000000",
		  -CF_SS7_ERR_BAD_LENGTH },
		/* Two Protocol Data parameters. */
		{ "01000101 00000030 0210 0014 00000001 00000002 05020000 "
		  "01000000 0210 0014 00000001 00000002 05020000 01000000",
		  -CF_SS7_ERR_BAD_LENGTH },
		/* 2 stray bytes after the last parameter. */
		{ "01000101 0000001e 0210 0014 00000001 00000002 05020000 "
		  "01000000 0000", -CF_SS7_ERR_BAD_LENGTH },
		/* No Protocol Data, only a Correlation ID. */
		{ "01000101 00000010 0013 0008 00000005",
		  -CF_SS7_ERR_MISSING_PARAM },
		/* Header only. */
		{ "01000101", -CF_SS7_ERR_TRUNCATED },
	};
	uint8_t b[BUF_MAX];
	struct cf_m3ua_msg m3;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = h2b(v[i].hex, b);
		if (cf_m3ua_decode(b, n, &m3) != v[i].rc)
			fail_msg("vector %zu: %s, expected %s", i,
				 cf_ss7_err_name(cf_m3ua_decode(b, n, &m3)),
				 cf_ss7_err_name(v[i].rc));
	}

	/* Correlation ID and an unknown tag are fine; the final parameter
	 * may leave its padding off (message length 0x2b). */
	n = h2b("01000101 0000002b 0013 0008 00000005 0777 0005 aa000000 "
		"0210 0013 00000001 00000002 05020000 010001", b);
	assert_int_equal(cf_m3ua_decode(b, n, &m3), n);
	assert_true(m3.has_corr_id);
	assert_int_equal(m3.correlation_id, 5);
	assert_int_equal(m3.user.len, 3);
}

static void
test_m2pa_headers(void **state)
{
	static const struct {
		const char *hex;
		int rc;
	} v[] = {
		/* Link Status (Ready): not data. */
		{ "01000b02 00000014 00000000 00000000 00000004",
		  -CF_SS7_ERR_NOT_DATA },
		/* User Data without data: an acknowledgement. */
		{ "01000b01 00000010 00000005 00000006", -CF_SS7_ERR_NOT_DATA },
		{ "02000b01 00000010 00000005 00000006",
		  -CF_SS7_ERR_BAD_VERSION },
		{ "01000a01 00000010 00000005 00000006",
		  -CF_SS7_ERR_BAD_CLASS },
		{ "01000b07 00000010 00000005 00000006",
		  -CF_SS7_ERR_BAD_CLASS },
		{ "01000b01 00000030 00000005 00000006", -CF_SS7_ERR_TRUNCATED },
		{ "01000b01 00000008 00000005 00000006",
		  -CF_SS7_ERR_BAD_LENGTH },
		/* Priority octet and SIO only: no SIF. */
		{ "01000b01 00000012 00000005 00000006 0085",
		  -CF_SS7_ERR_BAD_LENGTH },
		{ "01000b", -CF_SS7_ERR_TRUNCATED },
	};
	uint8_t b[BUF_MAX];
	struct cf_m2pa_msg m2;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = h2b(v[i].hex, b);
		if (cf_m2pa_decode(b, n, &m2) != v[i].rc)
			fail_msg("vector %zu: %s, expected %s", i,
				 cf_ss7_err_name(cf_m2pa_decode(b, n, &m2)),
				 cf_ss7_err_name(v[i].rc));
	}
}

/* ------------------------------------------------------------------ */
/* ISUP: pointers, lengths and digits that lie */

/* The ISUP of synth_iam1 on its own, to corrupt field by field:
 * [0-1] CIC, [2] type, [3-7] fixed, [8] called ptr, [9] optional ptr,
 * [10] called len, [11-18] called, [19] 0x0a, [20] calling len,
 * [21-28] calling, [29] end. */
static const char iam1_isup[] =
	"6500 01 00 0120 0a 00 02 0a"
	"08 04 10 446123690010"
	"0a 08 84 13 332143658709 00";

static int
decode_patched(size_t at, uint8_t v, struct cf_isup_msg *m)
{
	uint8_t b[BUF_MAX];
	size_t n = h2b(iam1_isup, b);

	assert_int_equal(n, 30);
	b[at] = v;
	return cf_isup_decode(b, n, 0, m);
}

static void
test_isup_bad_pointers(void **state)
{
	struct cf_isup_msg m;

	(void)state;
	assert_int_equal(decode_patched(0, 0x65, &m), 30);
	/* Called party pointer 0, into the pointers, past the end. */
	assert_int_equal(decode_patched(8, 0x00, &m), -CF_SS7_ERR_BAD_POINTER);
	assert_int_equal(decode_patched(8, 0x01, &m), -CF_SS7_ERR_BAD_POINTER);
	assert_int_equal(decode_patched(8, 0x16, &m), -CF_SS7_ERR_BAD_POINTER);
	assert_int_equal(decode_patched(8, 0xff, &m), -CF_SS7_ERR_BAD_POINTER);
	/* Optional part pointer past the end. */
	assert_int_equal(decode_patched(9, 0x15, &m), -CF_SS7_ERR_BAD_POINTER);
	assert_int_equal(decode_patched(9, 0xff, &m), -CF_SS7_ERR_BAD_POINTER);
	/* Optional part pointer at the last octet, which is not 0 here:
	 * the list runs off the end. */
	assert_int_equal(decode_patched(9, 0x13, &m), -CF_SS7_ERR_TRUNCATED);
}

static void
test_isup_bad_lengths(void **state)
{
	struct cf_isup_msg m;
	uint8_t b[BUF_MAX];
	size_t n;

	(void)state;
	/* Called party length 0x20: past the message. */
	assert_int_equal(decode_patched(10, 0x20, &m), -CF_SS7_ERR_BAD_LENGTH);
	/* Called party length 1: less than NAI + NPI octets. */
	assert_int_equal(decode_patched(10, 0x01, &m), -CF_SS7_ERR_BAD_LENGTH);
	/* Calling party length 0x30, and 1. */
	assert_int_equal(decode_patched(20, 0x30, &m), -CF_SS7_ERR_BAD_LENGTH);
	assert_int_equal(decode_patched(20, 0x01, &m), -CF_SS7_ERR_BAD_LENGTH);
	/* End of optional parameters missing. */
	n = h2b(iam1_isup, b);
	assert_int_equal(cf_isup_decode(b, n - 1, 0, &m),
			 -CF_SS7_ERR_TRUNCATED);
	/* Cause of one octet; cause with octet 1a but no value. */
	n = h2b("6500 0c 02 00 01 80", b);
	assert_int_equal(cf_isup_decode(b, n, 0, &m), -CF_SS7_ERR_BAD_LENGTH);
	n = h2b("6500 0c 02 00 02 00 80", b);
	assert_int_equal(cf_isup_decode(b, n, 0, &m), -CF_SS7_ERR_BAD_LENGTH);
	/* ... with octet 1a and the value: fine. */
	n = h2b("6500 0c 02 00 03 02 80 9f", b);
	assert_int_equal(cf_isup_decode(b, n, 0, &m), n);
	assert_int_equal(m.cause.value, 31);
	assert_int_equal(m.cause.location, 2);
	/* Generic Number of 2 octets (needs NQI, NAI, NPI). */
	n = h2b("6500 09 01 | c0 02 06 03 00", b);
	assert_int_equal(cf_isup_decode(b, n, 0, &m), -CF_SS7_ERR_BAD_LENGTH);
	/* Empty Redirection Information. */
	n = h2b("6500 09 01 | 13 00 00", b);
	assert_int_equal(cf_isup_decode(b, n, 0, &m), -CF_SS7_ERR_BAD_LENGTH);
	/* Unknown message type: type and CIC still given for counting. */
	n = h2b("0504 2a 00", b);
	assert_int_equal(cf_isup_decode(b, n, 0, &m),
			 -CF_SS7_ERR_UNSUPPORTED_MSG);
	assert_int_equal(m.cic, 0x405);
	assert_int_equal(m.type, 0x2a);
	assert_string_equal(cf_isup_msg_name(m.type), "CQM");
	assert_string_equal(cf_isup_msg_name(0xfe), "?");
	/* Empty and one-byte messages. */
	assert_int_equal(cf_isup_decode(b, 0, 0, &m), -CF_SS7_ERR_TRUNCATED);
	assert_int_equal(cf_isup_decode(b, 2, 0, &m), -CF_SS7_ERR_TRUNCATED);
	assert_int_equal(cf_isup_decode(b, 0, CF_ISUP_F_NO_CIC, &m),
			 -CF_SS7_ERR_TRUNCATED);
}

static void
test_isup_bad_bcd(void **state)
{
	struct cf_isup_msg m;
	struct cf_call c;
	struct cf_mtp3_label l = { .opc = 1, .dpc = 2, .si = 5 };

	(void)state;
	/* Called "4A16...": signal 10 is spare.  The message decodes, the
	 * number is marked, the call record is still made. */
	assert_int_equal(decode_patched(13, 0xa4, &m), 30);
	assert_int_equal(m.num[CF_ISUP_NUM_CALLED].err, CF_SS7_ERR_BAD_BCD);
	assert_int_equal(m.num_err, CF_SS7_ERR_BAD_BCD);
	assert_string_equal(m.num[CF_ISUP_NUM_CALLED].digits, "4A1632960001");
	assert_int_equal(m.num[CF_ISUP_NUM_CALLING].err, 0);
	assert_int_equal(cf_isup_to_call(&m, &l, nanp(), &c), 1);
	assert_int_equal(c.party[CF_PARTY_CALLEE].num.err, CF_NUM_NON_DIGIT);
	assert_int_equal(c.party[CF_PARTY_CALLER].num.err, CF_NUM_OK);
	/* Signals 13 and 14. */
	assert_int_equal(decode_patched(14, 0xd1, &m), 30);
	assert_int_equal(m.num[CF_ISUP_NUM_CALLED].err, CF_SS7_ERR_BAD_BCD);
	assert_int_equal(decode_patched(26, 0xe5, &m), 30);
	assert_int_equal(m.num[CF_ISUP_NUM_CALLING].err, CF_SS7_ERR_BAD_BCD);
	/* ST in the middle of a number. */
	assert_int_equal(decode_patched(15, 0xf9, &m), 30);
	assert_int_equal(m.num[CF_ISUP_NUM_CALLED].err, CF_SS7_ERR_BAD_BCD);
	/* Odd number: the filler nibble is not a signal, whatever it is. */
	assert_int_equal(decode_patched(28, 0xa9, &m), 30);
	assert_int_equal(m.num[CF_ISUP_NUM_CALLING].err, 0);
	assert_string_equal(m.num[CF_ISUP_NUM_CALLING].digits, "33123456789");
	/* Even number ending in ST: the ST is not a digit. */
	assert_int_equal(decode_patched(18, 0xf0, &m), 30);
	assert_int_equal(m.num[CF_ISUP_NUM_CALLED].err, 0);
	assert_true(m.num[CF_ISUP_NUM_CALLED].st);
	assert_string_equal(m.num[CF_ISUP_NUM_CALLED].digits, "44163296000");
}

/* Every octet value, odd and even, against libosmocore's osmo_bcd2str(). */
static void
test_isup_digits_vs_osmo(void **state)
{
	uint8_t b[BUF_MAX];
	struct cf_isup_msg m;
	char want[16];
	unsigned int v, odd;

	(void)state;
	for (v = 0; v < 256; v++) {
		for (odd = 0; odd < 2; odd++) {
			/* Called: v, v, 0x21 (last signal never ST). */
			size_t n = h2b("6500 01 00 0120 0a 00 02 00"
				       "05 03 10 000021", b);
			const uint8_t *d = b + 13;
			int nib = odd ? 5 : 6;

			b[11] = (uint8_t)(odd << 7 | 3);
			b[13] = b[14] = (uint8_t)v;
			if (odd)
				b[15] = 0x01;
			assert_int_equal(cf_isup_decode(b, n, 0, &m), n);
			assert_int_equal(osmo_bcd2str(want, sizeof(want), d, 0,
						      nib, true), nib);
			assert_string_equal(m.num[CF_ISUP_NUM_CALLED].digits,
					    want);
			assert_int_equal(m.num[CF_ISUP_NUM_CALLED].err != 0,
					 osmo_bcd2str(want, sizeof(want), d, 0,
						      nib, false) < 0 &&
					 strpbrk(want, "ADEF") != NULL);
		}
	}
}

/* Calling party number with @nsig address signals of '1'..'9' cycling. */
static size_t
long_number_iam(uint8_t *b, unsigned int nsig)
{
	size_t n = h2b("6500 01 00 0120 0a 00 02 06 | 03 04 10 214300", b);
	size_t octets = (nsig + 1) / 2, i;

	/* The calling party number goes in the optional part. */
	b[n - 1] = 0x0a;
	b[n++] = (uint8_t)(2 + octets);
	b[n++] = (uint8_t)((nsig & 1) << 7 | 3);
	b[n++] = 0x13;
	for (i = 0; i < octets; i++) {
		uint8_t lo = (uint8_t)(1 + (2 * i) % 9);
		uint8_t hi = (uint8_t)(2 * i + 1 < nsig ? 1 + (2 * i + 1) % 9 : 0);

		b[n++] = (uint8_t)(hi << 4 | lo);
	}
	b[n++] = 0x00;
	return n;
}

static void
test_isup_long_numbers(void **state)
{
	uint8_t b[BUF_MAX];
	struct cf_isup_msg m;
	struct cf_call c;
	struct cf_mtp3_label l = { .opc = 1, .dpc = 2, .si = 5 };
	size_t n;

	(void)state;
	/* 19 signals: a valid ISUP number, too long for E.164. */
	n = long_number_iam(b, 19);
	assert_int_equal(cf_isup_decode(b, n, 0, &m), n);
	assert_int_equal(m.num[CF_ISUP_NUM_CALLING].err, 0);
	assert_int_equal(m.num[CF_ISUP_NUM_CALLING].ndigits, 19);
	assert_string_equal(m.num[CF_ISUP_NUM_CALLING].digits,
			    "1234567891234567891");
	assert_int_equal(cf_isup_to_call(&m, &l, nanp(), &c), 1);
	assert_int_equal(c.party[CF_PARTY_CALLER].num.err, CF_NUM_TOO_LONG);

	/* 20 signals: too many. */
	n = long_number_iam(b, 20);
	assert_int_equal(cf_isup_decode(b, n, 0, &m), n);
	assert_int_equal(m.num[CF_ISUP_NUM_CALLING].err,
			 CF_SS7_ERR_TOO_MANY_DIGITS);
	assert_int_equal(m.num_err, CF_SS7_ERR_TOO_MANY_DIGITS);
	assert_int_equal(m.num[CF_ISUP_NUM_CALLING].ndigits, 20);
	assert_int_equal(cf_isup_to_call(&m, &l, nanp(), &c), 1);
	assert_int_equal(c.party[CF_PARTY_CALLER].num.err, CF_NUM_TOO_LONG);

	/* 500 signals (250 octets): kept to CF_ISUP_DIGITS_KEEP. */
	n = long_number_iam(b, 500);
	assert_int_equal(cf_isup_decode(b, n, 0, &m), n);
	assert_int_equal(m.num[CF_ISUP_NUM_CALLING].err,
			 CF_SS7_ERR_TOO_MANY_DIGITS);
	assert_int_equal(m.num[CF_ISUP_NUM_CALLING].ndigits, 255);
	assert_int_equal(strlen(m.num[CF_ISUP_NUM_CALLING].digits),
			 CF_ISUP_DIGITS_KEEP);
	assert_int_equal(cf_isup_to_call(&m, &l, nanp(), &c), 1);
	assert_true(c.party[CF_PARTY_CALLER].present);
	assert_int_equal(c.party[CF_PARTY_CALLER].num.err, CF_NUM_TOO_LONG);
}

/* The pipeline counts a number error and still fills the call. */
static void
test_pipeline_counts(void **state)
{
	uint8_t b[BUF_MAX];
	size_t n = h2b(synth_iam1, b);
	struct cf_ss7_stats st;
	struct cf_call c;

	(void)state;
	memset(&st, 0, sizeof(st));
	b[8 + 16 + 13] = 0xd4;		/* called "4D16..." */
	assert_int_equal(cf_ss7_m3ua_to_call(&st, b, n, nanp(), &c), 1);
	assert_int_equal(st.err[CF_SS7_ERR_BAD_BCD], 1);
	assert_int_equal(st.err[0], 1);
	assert_int_equal(st.calls, 1);
	assert_int_equal(c.party[CF_PARTY_CALLEE].num.err, CF_NUM_NON_DIGIT);
	assert_string_equal(cf_ss7_err_name(CF_SS7_ERR_BAD_BCD), "bad-bcd");
	assert_string_equal(cf_ss7_err_name(-CF_SS7_ERR_TOO_MANY_DIGITS),
			    "too-many-digits");
	assert_string_equal(cf_ss7_err_name(CF_SS7_ERR__COUNT), "?");
}

/* ------------------------------------------------------------------ */
/* Truncation at every offset */

/* Numbers present in a shorter parse must equal the full parse's. */
static void
assert_consistent(const struct cf_isup_msg *full, const struct cf_isup_msg *m)
{
	unsigned int i;

	assert_int_equal(m->cic, full->cic);
	assert_int_equal(m->type, full->type);
	assert_int_equal(m->present & ~full->present, 0);
	for (i = 0; i < CF_ISUP_NUM__COUNT; i++)
		if (cf_isup_has(m, i))
			assert_string_equal(m->num[i].digits,
					    full->num[i].digits);
	assert_true(m->n_generic <= full->n_generic);
}

static void
truncate_all(const char *hex)
{
	static uint8_t b[BUF_MAX];
	size_t n = h2b(hex, b), k;
	struct cf_ss7_stats st;
	struct cf_m3ua_msg m3;
	struct cf_isup_msg full, m;
	struct cf_call c;
	size_t isup_off, isup_len;
	int rc;

	assert_int_equal(cf_m3ua_decode(b, n, &m3), n);
	isup_off = (size_t)(m3.user.data - b);
	isup_len = m3.user.len;
	assert_true(cf_isup_decode(m3.user.data, isup_len, 0, &full) > 0);
	memset(&st, 0, sizeof(st));

	for (k = 0; k < n; k++) {
		/* The bytes end early: every layer must notice. */
		uint8_t *cut = malloc(k ? k : 1);

		assert_non_null(cut);
		memcpy(cut, b, k);
		assert_true(cf_m3ua_decode(cut, k, &m3) < 0);
		assert_true(cf_ss7_m3ua_to_call(&st, cut, k, nanp(), &c) < 0);
		free(cut);
	}
	for (k = 0; k < isup_len; k++) {
		/* The ISUP ends early inside a consistent M3UA message. */
		uint8_t *cut = malloc(isup_off + k + 1);
		size_t mlen = isup_off + k;

		assert_non_null(cut);
		memcpy(cut, b, mlen);
		cut[4] = (uint8_t)(mlen >> 24);
		cut[5] = (uint8_t)(mlen >> 16);
		cut[6] = (uint8_t)(mlen >> 8);
		cut[7] = (uint8_t)mlen;
		cut[isup_off - 14] = (uint8_t)((mlen - isup_off + 16) >> 8);
		cut[isup_off - 13] = (uint8_t)(mlen - isup_off + 16);
		rc = cf_m3ua_decode(cut, mlen, &m3);
		assert_int_equal(rc, mlen);
		assert_int_equal(m3.user.len, k);
		rc = cf_isup_decode(m3.user.data, m3.user.len, 0, &m);
		if (rc >= 0) {
			assert_true((size_t)rc <= k);
			assert_consistent(&full, &m);
		} else {
			assert_false(cf_ss7_err_is_skip(rc));
		}
		rc = cf_ss7_m3ua_to_call(&st, cut, mlen, nanp(), &c);
		assert_true(rc <= 1);
		free(cut);
	}
	assert_int_equal(st.calls, 0);
}

static void
test_truncate_every_offset(void **state)
{
	(void)state;
	truncate_all(synth_iam1);
	truncate_all(synth_iam4);
	truncate_all(synth_iam6);
	truncate_all(synth_iam10);
	truncate_all(synth_rel12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iam_international),
		cmocka_unit_test(test_iam_restricted),
		cmocka_unit_test(test_iam_not_available),
		cmocka_unit_test(test_iam_forwarded),
		cmocka_unit_test(test_iam_generic),
		cmocka_unit_test(test_iam_st_and_hex),
		cmocka_unit_test(test_iam_no_optional),
		cmocka_unit_test(test_m3ua_na_rc),
		cmocka_unit_test(test_sccp_not_isup),
		cmocka_unit_test(test_rel),
		cmocka_unit_test(test_wswiki_call),
		cmocka_unit_test(test_m2pa),
		cmocka_unit_test(test_mtp2),
		cmocka_unit_test(test_mtp2_long),
		cmocka_unit_test(test_mtp3_ansi),
		cmocka_unit_test(test_sip_i),
		cmocka_unit_test(test_m3ua_not_data),
		cmocka_unit_test(test_m3ua_draft),
		cmocka_unit_test(test_m3ua_lies),
		cmocka_unit_test(test_m2pa_headers),
		cmocka_unit_test(test_isup_bad_pointers),
		cmocka_unit_test(test_isup_bad_lengths),
		cmocka_unit_test(test_isup_bad_bcd),
		cmocka_unit_test(test_isup_digits_vs_osmo),
		cmocka_unit_test(test_isup_long_numbers),
		cmocka_unit_test(test_pipeline_counts),
		cmocka_unit_test(test_truncate_every_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
