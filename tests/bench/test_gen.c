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

#include <callfence/events.h>
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
digest_of(struct gen *g)
{
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

static uint64_t
digest(uint64_t seed)
{
	return digest_of(make(seed, CF_PROTO_NONE));
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

/* --actor-calls and --actor-rate: every actor makes its quota, at the
 * pace of its class times the rate. */
static void
actor_quota_and_rate(void **state)
{
	struct gen_config cfg;
	struct gen *g;
	struct cf_call c;
	struct gen_label l;
	uint32_t calls[GEN_CLASS__COUNT][64] = { { 0 } };
	uint64_t first[GEN_CLASS__COUNT][64] = { { 0 } };
	uint64_t last[GEN_CLASS__COUNT][64] = { { 0 } };
	double gaps = 0;
	unsigned int robocallers = 0, a, k;

	gen_config_default(&cfg);
	cfg.seed = 4;
	cfg.calls = 4000;
	cfg.subscribers = 100000;
	cfg.duration_s = 30;
	cfg.share[GEN_ROBOCALL] = 0.1;		/* 400 calls: 10 actors */
	cfg.calls_per_actor = 40;
	cfg.actor_rate = 4;
	g = gen_new(&cfg);
	assert_non_null(g);
	while (gen_next(g, &c, &l)) {
		if (c.event != CF_EVENT_SETUP || l.cls < GEN_ROBOCALL)
			continue;
		assert_true(l.actor >= 1 && l.actor < 64);
		assert_int_equal(l.seq, calls[l.cls][l.actor]);
		if (calls[l.cls][l.actor]++ == 0)
			first[l.cls][l.actor] = c.rx_ns;
		last[l.cls][l.actor] = c.rx_ns;
	}
	gen_free(g);
	for (k = GEN_ROBOCALL; k < GEN_CLASS__COUNT; k++)
		for (a = 1; a < 64; a++)
			if (calls[k][a])
				assert_true(calls[k][a] == 40 ||
					    /* the last actor takes the rest */
					    calls[k][a + 1 < 64 ? a + 1 : a] == 0);
	for (a = 1; a < 64; a++) {
		if (calls[GEN_ROBOCALL][a] != 40)
			continue;
		robocallers++;
		gaps += (double)(last[GEN_ROBOCALL][a] - first[GEN_ROBOCALL][a]) /
			1e9 / 39;
	}
	assert_int_equal(robocallers, 10);
	/* One call a second, four times faster: a mean gap of 0.25 s
	 * (390 exponential gaps: within 15%). */
	gaps /= robocallers;
	assert_true(gaps > 0.25 * 0.85 && gaps < 0.25 * 1.15);
}

/* --sipi: which INVITEs carry their IAM, never what the calls are. */
static void
sipi_share_leaves_traffic_alone(void **state)
{
	struct gen_config cfg;
	struct gen *g;
	struct cf_call c;
	struct gen_label l;
	uint64_t sip = 0, sipi = 0, plain;

	plain = digest(9);
	gen_config_default(&cfg);
	cfg.seed = 9;
	cfg.calls = CALLS;
	cfg.subscribers = 1000000;
	cfg.duration_s = 3600;
	cfg.sipi = 0.3;
	assert_int_equal(digest_of(gen_new(&cfg)), plain);
	g = gen_new(&cfg);
	assert_non_null(g);
	while (gen_next(g, &c, &l)) {
		if (c.event != CF_EVENT_SETUP)
			continue;
		if (c.proto != CF_PROTO_SIP) {
			assert_false(gen_call_sipi(g, l.call));
			continue;
		}
		sip++;
		sipi += gen_call_sipi(g, l.call);
	}
	gen_free(g);
	assert_true(sip > CALLS / 3);
	assert_true(sipi > sip * 27 / 100 && sipi < sip * 33 / 100);
}

/* A SIP-I INVITE is one call whose parties are its IAM's: the engine's
 * decoder reads the generator's numbers from the ISUP part (national on
 * domestic ingress, international otherwise), with no mismatch. */
static void
sipi_invite_decodes_to_its_iam(void **state)
{
	const struct cf_numplan *plan = cf_numplan_builtin("86");
	struct gen *g = make(12, CF_PROTO_SIP);
	static struct cf_events ev;
	struct cf_call c, got;
	struct gen_label l;
	char buf[2048];
	int n, checked = 0, intl = 0;

	cf_events_init(&ev);
	while (gen_next(g, &c, &l) && checked < 2000) {
		const struct cf_party *a = &got.party[CF_PARTY_CALLER];

		if (c.event != CF_EVENT_SETUP)
			continue;
		n = gen_encode_sipi(&c, l.call, buf, sizeof(buf));
		assert_true(n > 0);
		assert_true(cf_sip_parse(&ev.msg, buf, (size_t)n, 0) == n);
		cf_call_reset(&got);
		assert_int_equal(cf_events_sip(&ev, &ev.msg, plan, &got), 1);
		assert_int_equal(got.event, CF_EVENT_SETUP);
		assert_true(got.sipi);
		assert_false(got.sipi_mismatch);
		assert_string_equal(got.ref.sip.call_id, c.ref.sip.call_id);
		assert_int_equal(a->num.key, c.party[CF_PARTY_CALLER].num.key);
		assert_int_equal(got.party[CF_PARTY_CALLEE].num.key,
				 c.party[CF_PARTY_CALLEE].num.key);
		/* The IAM's text, not the SIP header's "+86...". */
		assert_int_not_equal(a->raw[0], '+');
		assert_int_equal(a->nai, c.ingress == CF_INGRESS_INTERNATIONAL ||
				 a->num.len <= 7 || !a->num.domestic ?
				 CF_NAI_INTERNATIONAL : CF_NAI_NATIONAL);
		intl += a->nai == CF_NAI_INTERNATIONAL;
		checked++;
	}
	gen_free(g);
	assert_int_equal(checked, 2000);
	assert_true(intl > 0 && intl < checked);
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
		cmocka_unit_test(actor_quota_and_rate),
		cmocka_unit_test(sipi_share_leaves_traffic_alone),
		cmocka_unit_test(sipi_invite_decodes_to_its_iam),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
