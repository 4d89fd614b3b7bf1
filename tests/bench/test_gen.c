/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The traffic generator: deterministic for a seed, classes as configured,
 * every fraud class carrying the property that defines it, events in time
 * order, and every answer and release after its set-up.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <callfence/hash.h>

#include "gen/encode.h"
#include "gen/gen.h"

#define CALLS 20000

static struct gen *
make(uint64_t seed, enum cf_proto proto)
{
	struct gen_config cfg;
	struct gen *g;

	gen_config_default(&cfg);
	cfg.seed = seed;
	cfg.calls = CALLS;
	cfg.subscribers = 1000000;
	cfg.duration_s = 3600;
	cfg.proto = proto;
	g = gen_new(&cfg);
	assert_non_null(g);
	return g;
}

static uint64_t
digest(uint64_t seed)
{
	struct gen *g = make(seed, CF_PROTO_NONE);
	struct cf_call c;
	struct gen_label l;
	uint64_t h = 0;

	while (gen_next(g, &c, &l))
		h = cf_hash64(h ^ c.rx_ns ^ c.ref.hash ^
			      c.party[CF_PARTY_CALLER].num.key ^
			      c.party[CF_PARTY_CALLEE].num.key ^
			      ((uint64_t)l.cls << 56 | c.event));
	gen_free(g);
	return h;
}

static void
same_seed_same_traffic(void **state)
{
	assert_int_equal(digest(7), digest(7));
	assert_int_not_equal(digest(7), digest(8));
}

static void
classes_times_and_lifecycles(void **state)
{
	struct gen *g = make(3, CF_PROTO_NONE);
	uint64_t per_class[GEN_CLASS__COUNT] = { 0 }, last_t = 0, setups = 0;
	uint64_t *setup_t = calloc(CALLS, sizeof(*setup_t));
	uint8_t *ended = calloc(CALLS, 1);
	struct cf_call c;
	struct gen_label l;
	int i;

	assert_non_null(setup_t);
	assert_non_null(ended);
	while (gen_next(g, &c, &l)) {
		const struct cf_number *a = cf_call_number(&c, CF_PARTY_CALLER);
		const struct cf_number *b = cf_call_number(&c, CF_PARTY_CALLEE);

		assert_true(c.rx_ns >= last_t);
		last_t = c.rx_ns;
		assert_true(l.call < CALLS);
		if (c.event != CF_EVENT_SETUP) {
			/* After its own set-up, released once. */
			assert_true(setup_t[l.call] != 0 && c.rx_ns > setup_t[l.call]);
			assert_false(ended[l.call]);
			if (c.event == CF_EVENT_RELEASE)
				ended[l.call] = 1;
			if (l.cls == GEN_WANGIRI || l.cls == GEN_SCANNER) {
				/* Never answered, released within 3 s. */
				assert_int_equal(c.event, CF_EVENT_RELEASE);
				assert_true(c.rx_ns - setup_t[l.call] <= 3000000000ull);
			}
			continue;
		}
		setups++;
		per_class[l.cls]++;
		setup_t[l.call] = c.rx_ns ? c.rx_ns : 1;
		/* Every generated number normalises. */
		assert_non_null(a);
		assert_non_null(b);
		assert_true(b->domestic);
		switch (l.cls) {
		case GEN_SPOOFED:
		case GEN_LEGIT_ROAMING:
			assert_true(a->domestic);
			assert_int_equal(c.ingress, CF_INGRESS_INTERNATIONAL);
			break;
		case GEN_LEGIT_FOREIGN:
		case GEN_WANGIRI:
			assert_false(a->domestic);
			assert_int_equal(c.ingress, CF_INGRESS_INTERNATIONAL);
			break;
		case GEN_DNO:
			assert_true(a->len <= 7);	/* 86 + a short code */
			break;
		case GEN_LEGIT:
			assert_int_not_equal(c.ingress, CF_INGRESS_INTERNATIONAL);
			break;
		default:
			break;
		}
	}
	assert_int_equal(setups, CALLS);
	for (i = 0; i < CALLS; i++)
		assert_true(ended[i]);
	/* Shares as configured by default: 1% robocalls, 0.5% spoofed. */
	assert_int_equal(per_class[GEN_ROBOCALL], CALLS / 100);
	assert_int_equal(per_class[GEN_SPOOFED], CALLS / 200);
	free(setup_t);
	free(ended);
	gen_free(g);
}

/* Scanners dial consecutive numbers: each call one above the last. */
static void
scanners_dial_in_sequence(void **state)
{
	struct gen *g = make(5, CF_PROTO_SIP);
	uint64_t last[64] = { 0 };
	struct cf_call c;
	struct gen_label l;
	int checked = 0;

	while (gen_next(g, &c, &l)) {
		uint64_t v;

		if (c.event != CF_EVENT_SETUP || l.cls != GEN_SCANNER || l.actor >= 64)
			continue;
		v = strtoull(c.party[CF_PARTY_CALLEE].num.digits, NULL, 10);
		if (l.seq > 0) {
			assert_int_equal(v, last[l.actor] + 1);
			checked++;
		}
		last[l.actor] = v;
	}
	assert_true(checked > 50);
	gen_free(g);
}

/* The CRC32c check values of RFC 3720 appendix B.4 (the same CRC SCTP
 * uses): 32 bytes of zeros, 32 bytes of ones. */
static void
crc32c_matches_the_rfc(void **state)
{
	uint8_t zeros[32] = { 0 }, ones[32];

	memset(ones, 0xff, sizeof(ones));
	assert_int_equal(gen_crc32c(zeros, sizeof(zeros)), 0x8a9136aa);
	assert_int_equal(gen_crc32c(ones, sizeof(ones)), 0x62a8ab43);
}

static void
isup_iam_layout(void **state)
{
	const struct cf_numplan *cn = cf_numplan_builtin("86");
	uint8_t buf[256];
	struct cf_call c;
	int n;

	cf_call_reset(&c);
	c.proto = CF_PROTO_ISUP;
	c.event = CF_EVENT_SETUP;
	c.calling_category = 10;
	cf_call_set_isup_ref(&c, 0x1234, 0x100, 0x567);
	cf_call_set_party(&c, CF_PARTY_CALLER, cn, "13812345678", 11, CF_NAI_NATIONAL);
	cf_call_set_party(&c, CF_PARTY_CALLEE, cn, "8613900000001", 13, CF_NAI_INTERNATIONAL);
	n = gen_encode_m3ua_isup(&c, buf, sizeof(buf));
	/* M3UA: version 1, transfer DATA, length a multiple of 4. */
	assert_true(n > 32);
	assert_int_equal(n % 4, 0);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[2], 1);
	assert_int_equal(buf[3], 1);
	assert_int_equal(buf[4] << 24 | buf[5] << 16 | buf[6] << 8 | buf[7], n);
	/* Protocol data: OPC, DPC, SI 5. */
	assert_int_equal(buf[22] << 8 | buf[23], 0x1234);
	assert_int_equal(buf[28], 5);
	/* ISUP: CIC low byte first, IAM, called party via pointer 2. */
	assert_int_equal(buf[32], 0x67);
	assert_int_equal(buf[33], 0x05);
	assert_int_equal(buf[34], 0x01);
	assert_int_equal(buf[40], 2);
	/* Called: 13 digits -> odd, NAI 4; BCD low nibble first, filler 0. */
	assert_int_equal(buf[42], 2 + 7);
	assert_int_equal(buf[43], 0x80 | 4);
	assert_int_equal(buf[45], 0x68);
	assert_int_equal(buf[51], 0x01);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_seed_same_traffic),
		cmocka_unit_test(classes_times_and_lifecycles),
		cmocka_unit_test(scanners_dial_in_sequence),
		cmocka_unit_test(crc32c_matches_the_rfc),
		cmocka_unit_test(isup_iam_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
