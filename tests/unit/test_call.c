/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The call record: reset, parties, references, names. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <callfence/call.h>
#include <callfence/record.h>

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
	assert_int_equal(ca.ref.kind, CF_REF_SIP);
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
	assert_int_equal(c.ref.kind, CF_REF_ISUP);
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

/* A record with every field written, and every text at its longest. */
static void
fill_everything(struct cf_call *c)
{
	const struct cf_numplan *cn = cf_numplan_builtin("86");
	char id[200];
	int i;

	memset(c, 0xa5, sizeof(*c));
	cf_call_reset(c);
	memset(id, 'c', sizeof(id));
	c->rx_ns = 123456789;
	c->proto = CF_PROTO_SIP;
	c->event = CF_EVENT_RELEASE;
	c->ingress = CF_INGRESS_INTERNATIONAL;
	c->presentation = CF_PRES_RESTRICTED;
	c->calling_category = 10;
	c->forwarded = true;
	c->release_cause = 17;
	c->src.family = 10;
	c->src.port = 5060;
	c->src.point_code = 4242;
	memset(c->src.addr, 0x20, sizeof(c->src.addr));
	cf_call_set_sip_ref(c, id, sizeof(id));
	for (i = 0; i < CF_PARTY__COUNT; i++) {
		cf_call_set_party(c, i, cn, "+86 138 1234 5678 9999 9999 9999 "
				  "9999 9999 9999 9999 9999 9999 9999 9999", 77,
				  CF_NAI_INTERNATIONAL);
		cf_call_set_party(c, i, cn, "+8613812345678", 14,
				  CF_NAI_INTERNATIONAL);
		c->party[i].npi = 1;
		c->party[i].screening = 3;
		c->party[i].presentation = CF_PRES_NOT_AVAILABLE;
		c->party[i].raw_truncated = true;
	}
}

/* Everything a reader can see of a record, through the accessors and
 * the formatters: equal for a reused record and a fresh one. */
static void
assert_reads_alike(const struct cf_call *a, const struct cf_call *b)
{
	struct cf_record_meta meta = { .frame = 3, .verdict = "allow",
				       .rule = "r1" };
	char ja[2048], jb[2048];
	int i;

	assert_int_equal(a->rx_ns, b->rx_ns);
	assert_int_equal(a->proto, b->proto);
	assert_int_equal(a->event, b->event);
	assert_int_equal(a->ingress, b->ingress);
	assert_int_equal(a->presentation, b->presentation);
	assert_int_equal(a->calling_category, b->calling_category);
	assert_int_equal(a->forwarded, b->forwarded);
	assert_int_equal(a->release_cause, b->release_cause);
	assert_memory_equal(&a->src, &b->src, sizeof(a->src));
	assert_int_equal(a->ref.hash, b->ref.hash);
	assert_string_equal(a->ref.sip.call_id, b->ref.sip.call_id);
	assert_int_equal(a->ref.sip.len, b->ref.sip.len);
	assert_int_equal(a->ref.sip.truncated, b->ref.sip.truncated);
	assert_int_equal(a->ref.isup.opc, b->ref.isup.opc);
	assert_int_equal(a->ref.isup.dpc, b->ref.isup.dpc);
	assert_int_equal(a->ref.isup.cic, b->ref.isup.cic);
	for (i = 0; i < CF_PARTY__COUNT; i++) {
		const struct cf_party *pa = &a->party[i], *pb = &b->party[i];

		assert_null(cf_call_number(a, i));
		assert_int_equal(pa->present, pb->present);
		assert_string_equal(pa->raw, pb->raw);
		assert_int_equal(pa->raw_len, pb->raw_len);
		assert_int_equal(pa->raw_truncated, pb->raw_truncated);
		assert_int_equal(pa->nai, pb->nai);
		assert_int_equal(pa->npi, pb->npi);
		assert_int_equal(pa->presentation, pb->presentation);
		assert_int_equal(pa->screening, pb->screening);
		assert_int_equal(pa->num.key, pb->num.key);
		assert_string_equal(pa->num.digits, pb->num.digits);
		assert_int_equal(pa->num.len, pb->num.len);
		assert_int_equal(pa->num.err, pb->num.err);
		assert_int_equal(pa->num.form, pb->num.form);
		assert_int_equal(pa->num.domestic, pb->num.domestic);
	}
	assert_int_equal(cf_record_json(ja, sizeof(ja), a, &meta),
			 cf_record_json(jb, sizeof(jb), b, &meta));
	assert_string_equal(ja, jb);
	assert_int_equal(cf_record_json(ja, sizeof(ja), a, NULL),
			 cf_record_json(jb, sizeof(jb), b, NULL));
	assert_string_equal(ja, jb);
	cf_record_csv(ja, sizeof(ja), a, &meta);
	cf_record_csv(jb, sizeof(jb), b, &meta);
	assert_string_equal(ja, jb);
}

/*
 * cf_call_reset() writes only what makes a record empty: a record reused
 * after every field and every text was written at its longest reads, and
 * formats, exactly like one zeroed first.  Also read as ISUP (the
 * reference union's other member) and as SIP.
 */
static void
reset_after_full_record_reads_as_fresh(void **state)
{
	struct cf_call used, fresh;

	fill_everything(&used);
	cf_call_reset(&used);
	memset(&fresh, 0, sizeof(fresh));
	cf_call_reset(&fresh);
	assert_reads_alike(&used, &fresh);
	assert_int_equal(used.calling_category, CF_IND_ABSENT);
	assert_int_equal(used.party[CF_PARTY_CALLER].npi, CF_IND_ABSENT);
	assert_int_equal(used.party[CF_PARTY_CALLER].nai, CF_NAI_UNKNOWN);

	used.proto = fresh.proto = CF_PROTO_ISUP;
	assert_reads_alike(&used, &fresh);
	used.proto = fresh.proto = CF_PROTO_SIP;
	assert_reads_alike(&used, &fresh);

	/* From garbage rather than a written record: the same. */
	fresh.proto = CF_PROTO_NONE;
	memset(&used, 0xff, sizeof(used));
	cf_call_reset(&used);
	assert_reads_alike(&used, &fresh);
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
		cmocka_unit_test(reset_after_full_record_reads_as_fresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
