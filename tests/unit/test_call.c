/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The call record: reset, parties, references, names. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <callfence/call.h>

static void
reset_marks_everything_absent(void **state)
{
	struct cf_call call;
	int i;

	memset(&call, 0x5a, sizeof(call));
	cf_call_reset(&call);
	assert_int_equal(call.proto, CF_PROTO_NONE);
	assert_int_equal(call.calling_category, CF_IND_ABSENT);
	for (i = 0; i < CF_PARTY__COUNT; i++) {
		assert_false(call.party[i].present);
		assert_int_equal(call.party[i].npi, CF_IND_ABSENT);
		assert_null(cf_call_number(&call, i));
	}
}

static void
set_party_keeps_raw_and_normalises(void **state)
{
	const struct cf_numplan *cn = cf_numplan_builtin("86");
	struct cf_call call;
	const struct cf_number *n;

	cf_call_reset(&call);
	assert_int_equal(cf_call_set_party(&call, CF_PARTY_CALLER, cn,
					   "+86 138 1234 5678", 17,
					   CF_NAI_UNKNOWN), CF_NUM_OK);
	assert_string_equal(call.party[CF_PARTY_CALLER].raw, "+86 138 1234 5678");
	assert_int_equal(call.party[CF_PARTY_CALLER].raw_len, 17);
	assert_false(call.party[CF_PARTY_CALLER].raw_truncated);
	n = cf_call_number(&call, CF_PARTY_CALLER);
	assert_non_null(n);
	assert_string_equal(n->digits, "8613812345678");

	/* An invalid number is present, but has no usable number. */
	assert_int_equal(cf_call_set_party(&call, CF_PARTY_CALLEE, cn,
					   "anonymous", 9, CF_NAI_UNKNOWN),
			 CF_NUM_ANONYMOUS);
	assert_true(call.party[CF_PARTY_CALLEE].present);
	assert_null(cf_call_number(&call, CF_PARTY_CALLEE));
}

static void
set_party_truncates_long_raw_text(void **state)
{
	const struct cf_numplan *cn = cf_numplan_builtin("86");
	char text[100];
	struct cf_call call;

	memset(text, '1', sizeof(text));
	cf_call_reset(&call);
	assert_int_equal(cf_call_set_party(&call, CF_PARTY_REDIRECTING, cn,
					   text, sizeof(text), CF_NAI_UNKNOWN),
			 CF_NUM_TOO_LONG);
	assert_int_equal(call.party[CF_PARTY_REDIRECTING].raw_len, CF_RAW_MAX - 1);
	assert_true(call.party[CF_PARTY_REDIRECTING].raw_truncated);
	assert_int_equal(strlen(call.party[CF_PARTY_REDIRECTING].raw), CF_RAW_MAX - 1);
}

static void
sip_ref_hash_covers_the_whole_call_id(void **state)
{
	char a[200], b[200];
	struct cf_call ca, cb;

	memset(a, 'x', sizeof(a));
	memcpy(b, a, sizeof(b));
	b[199] = 'y';	/* differs only past what is kept */
	cf_call_reset(&ca);
	cf_call_reset(&cb);
	cf_call_set_sip_ref(&ca, a, sizeof(a));
	cf_call_set_sip_ref(&cb, b, sizeof(b));
	assert_true(ca.ref.sip.truncated);
	assert_string_equal(ca.ref.sip.call_id, cb.ref.sip.call_id);
	assert_int_not_equal(ca.ref.hash, cb.ref.hash);

	cf_call_set_sip_ref(&ca, "abc@host", 8);
	assert_false(ca.ref.sip.truncated);
	assert_string_equal(ca.ref.sip.call_id, "abc@host");
	assert_int_equal(ca.ref.sip.len, 8);
}

/* Either direction of one circuit is one call: a REL from the called side
 * has OPC and DPC swapped.  Any other difference is another call. */
static void
isup_ref_names_the_circuit_in_either_direction(void **state)
{
	struct cf_call c;
	uint64_t h[4];

	cf_call_reset(&c);
	cf_call_set_isup_ref(&c, 100, 200, 7);
	h[0] = c.ref.hash;
	assert_int_equal(c.ref.isup.opc, 100);
	assert_int_equal(c.ref.isup.dpc, 200);
	assert_int_equal(c.ref.isup.cic, 7);
	cf_call_set_isup_ref(&c, 200, 100, 7);
	h[1] = c.ref.hash;
	cf_call_set_isup_ref(&c, 100, 200, 8);
	h[2] = c.ref.hash;
	cf_call_set_isup_ref(&c, 101, 200, 7);
	h[3] = c.ref.hash;
	assert_int_equal(h[0], h[1]);
	assert_int_equal(c.ref.isup.opc, 101);
	assert_int_not_equal(h[0], h[2]);
	assert_int_not_equal(h[0], h[3]);
}

static void
names_and_ingress_parsing(void **state)
{
	int i;

	for (i = 0; i < CF_INGRESS__COUNT; i++)
		assert_int_equal(cf_ingress_parse(cf_ingress_name(i)), i);
	assert_int_equal(cf_ingress_parse("interstellar"), -1);
	assert_string_equal(cf_proto_name(CF_PROTO_ISUP), "isup");
	assert_string_equal(cf_party_name(CF_PARTY_ORIGINAL_CALLED), "original_called");
	assert_string_equal(cf_event_name(CF_EVENT_RELEASE), "release");
	assert_string_equal(cf_presentation_name(CF_PRES_RESTRICTED), "restricted");
	assert_string_equal(cf_proto_name(CF_PROTO__COUNT), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reset_marks_everything_absent),
		cmocka_unit_test(set_party_keeps_raw_and_normalises),
		cmocka_unit_test(set_party_truncates_long_raw_text),
		cmocka_unit_test(sip_ref_hash_covers_the_whole_call_id),
		cmocka_unit_test(isup_ref_names_the_circuit_in_either_direction),
		cmocka_unit_test(names_and_ingress_parsing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
