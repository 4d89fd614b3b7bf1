/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Call records as JSON lines and CSV rows: fields, escaping, bounds. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <callfence/record.h>

static void
sip_call(struct cf_call *c, const char *caller)
{
	const struct cf_numplan *cn = cf_numplan_builtin("86");

	cf_call_reset(c);
	c->proto = CF_PROTO_SIP;
	c->presentation = CF_PRES_RESTRICTED;
	cf_call_set_sip_ref(c, "abc@host", 8);
	cf_call_set_party(c, CF_PARTY_CALLER, cn, caller, strlen(caller),
			  CF_NAI_UNKNOWN);
	cf_call_set_party(c, CF_PARTY_CALLEE, cn, "13900000000", 11,
			  CF_NAI_UNKNOWN);
}

static void
json_has_every_field_in_order(void **state)
{
	struct cf_record_meta meta = { .frame = 7, .verdict = "block",
				       .rule = "blacklisted" };
	struct cf_call c;
	char buf[1024];
	int n;

	sip_call(&c, "+8613812345678");
	n = cf_record_json(buf, sizeof(buf), &c, &meta);
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf,
		"{\"frame\":7,\"proto\":\"sip\",\"call_ref\":\"abc@host\","
		"\"caller\":\"8613812345678\",\"callee\":\"8613900000000\","
		"\"redirecting\":\"\",\"original_called\":\"\",\"generic\":\"\","
		"\"caller_raw\":\"+8613812345678\",\"callee_raw\":\"13900000000\","
		"\"presentation\":\"restricted\",\"verdict\":\"block\","
		"\"rule\":\"blacklisted\",\"monitor\":[]}");
}

static void
hostile_raw_text_is_escaped(void **state)
{
	struct cf_call c;
	char buf[1024];

	/* Invalid numbers keep their raw text: it must not break out. */
	sip_call(&c, "a\"b\\c,d\n\x01");
	cf_record_json(buf, sizeof(buf), &c, NULL);
	assert_non_null(strstr(buf, "\"caller\":\"\","));
	assert_non_null(strstr(buf, "\"caller_raw\":\"a\\\"b\\\\c,d\\u000a\\u0001\""));
	cf_record_csv(buf, sizeof(buf), &c, NULL);
	assert_string_equal(buf,
		"0,sip,abc@host,,8613900000000,,,,\"a\"\"b\\c,d\n\x01\","
		"13900000000,restricted");
}

static void
isup_reference_and_header(void **state)
{
	struct cf_call c;
	char buf[512];

	cf_call_reset(&c);
	c.proto = CF_PROTO_ISUP;
	cf_call_set_isup_ref(&c, 1101, 2202, 101);
	cf_record_call_ref(buf, sizeof(buf), &c);
	assert_string_equal(buf, "1101:2202:101");
	assert_string_equal(cf_record_csv_header(false),
		"frame,proto,call_ref,caller,callee,redirecting,original_called,"
		"generic,caller_raw,callee_raw,presentation");
}

static void
truncation_is_reported_like_snprintf(void **state)
{
	struct cf_call c;
	char full[1024], small[20];
	int n;

	sip_call(&c, "+8613812345678");
	n = cf_record_json(full, sizeof(full), &c, NULL);
	assert_int_equal(cf_record_json(small, sizeof(small), &c, NULL), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, full, sizeof(small) - 1);
	assert_int_equal(cf_record_csv(NULL, 0, &c, NULL),
			 cf_record_csv(full, sizeof(full), &c, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_has_every_field_in_order),
		cmocka_unit_test(hostile_raw_text_is_escaped),
		cmocka_unit_test(isup_reference_and_header),
		cmocka_unit_test(truncation_is_reported_like_snprintf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
