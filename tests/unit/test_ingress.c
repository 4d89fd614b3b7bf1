/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ingress classification: networks by longest prefix, point code ranges,
 * and clear errors for bad specifications. */

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <callfence/ingress.h>

static struct cf_call *
sip_from(const char *addr)
{
	static struct cf_call c;

	cf_call_reset(&c);
	c.proto = CF_PROTO_SIP;
	if (inet_pton(AF_INET, addr, c.src.addr) == 1)
		c.src.family = AF_INET;
	else if (inet_pton(AF_INET6, addr, c.src.addr) == 1)
		c.src.family = AF_INET6;
	return &c;
}

static void
networks_longest_prefix_wins(void **state)
{
	static struct cf_ingress_map map;
	const char *why = NULL;
	bool known;

	assert_int_equal(cf_ingress_map_add_net(&map, "10.0.0.0/8=national", &why), 0);
	assert_int_equal(cf_ingress_map_add_net(&map, "10.1.2.0/23=international", &why), 0);
	assert_int_equal(cf_ingress_map_add_net(&map, "2001:db8::/32=local", &why), 0);
	assert_int_equal(cf_ingress_map_add_net(&map, "192.0.2.7=international", &why), 0);

	assert_int_equal(cf_ingress_classify(&map, sip_from("10.9.9.9"), &known),
			 CF_INGRESS_NATIONAL);
	assert_true(known);
	assert_int_equal(cf_ingress_classify(&map, sip_from("10.1.3.255"), NULL),
			 CF_INGRESS_INTERNATIONAL);
	assert_int_equal(cf_ingress_classify(&map, sip_from("10.1.4.0"), NULL),
			 CF_INGRESS_NATIONAL);
	assert_int_equal(cf_ingress_classify(&map, sip_from("2001:db8:ffff::1"), NULL),
			 CF_INGRESS_LOCAL);
	assert_int_equal(cf_ingress_classify(&map, sip_from("192.0.2.7"), NULL),
			 CF_INGRESS_INTERNATIONAL);
	/* Outside every network: unknown, and not a known peer. */
	assert_int_equal(cf_ingress_classify(&map, sip_from("192.0.2.8"), &known),
			 CF_INGRESS_UNKNOWN);
	assert_false(known);
	/* An IPv4 address never matches an IPv6 network and back. */
	assert_int_equal(cf_ingress_classify(&map, sip_from("::ffff:10.0.0.1"), NULL),
			 CF_INGRESS_UNKNOWN);
}

static void
point_code_ranges(void **state)
{
	static struct cf_ingress_map map;
	const char *why = NULL;
	struct cf_call c;
	bool known;

	assert_int_equal(cf_ingress_map_add_pc(&map, "1000-1063=international", &why), 0);
	assert_int_equal(cf_ingress_map_add_pc(&map, "2000=national", &why), 0);
	cf_call_reset(&c);
	c.proto = CF_PROTO_ISUP;
	cf_call_set_isup_ref(&c, 1063, 256, 1);
	assert_int_equal(cf_ingress_classify(&map, &c, &known), CF_INGRESS_INTERNATIONAL);
	assert_true(known);
	cf_call_set_isup_ref(&c, 2000, 256, 1);
	assert_int_equal(cf_ingress_classify(&map, &c, NULL), CF_INGRESS_NATIONAL);
	cf_call_set_isup_ref(&c, 1064, 256, 1);
	assert_int_equal(cf_ingress_classify(&map, &c, &known), CF_INGRESS_UNKNOWN);
	assert_false(known);
}

static void
bad_specifications_say_why(void **state)
{
	static const char *const nets[] = {
		"10.0.0.0/8", "10.0.0.0/8=", "=national", "10.0.0.0/33=local",
		"10.0.0.1/8=local", "300.0.0.0/8=local", "10.0.0.0/8=unknown",
		"10.0.0.0/8=galactic", "10.0.0.0/x=local", "2001:db8::1/32=local",
	};
	static const char *const pcs[] = {
		"1000", "x=local", "20-10=local", "-5=local", "1-=local",
		"16777216=local", "5=nowhere",
	};
	static struct cf_ingress_map map;
	size_t i;

	for (i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		const char *why = NULL;

		if (cf_ingress_map_add_net(&map, nets[i], &why) != -1)
			fail_msg("'%s' accepted", nets[i]);
		assert_non_null(why);
	}
	for (i = 0; i < sizeof(pcs) / sizeof(pcs[0]); i++) {
		const char *why = NULL;

		if (cf_ingress_map_add_pc(&map, pcs[i], &why) != -1)
			fail_msg("'%s' accepted", pcs[i]);
		assert_non_null(why);
	}
	assert_int_equal(map.n_nets, 0);
	assert_int_equal(map.n_pcs, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(networks_longest_prefix_wins),
		cmocka_unit_test(point_code_ranges),
		cmocka_unit_test(bad_specifications_say_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
