/* SPDX-License-Identifier: GPL-2.0-or-later */
/* List files and longest-prefix match. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <callfence/numkey.h>
#include <callfence/prefix.h>
#include <callfence/ruleset.h>

static char dir[] = "/tmp/cf-test-lists-XXXXXX";

static const char *
write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static uint64_t
key(const char *digits)
{
	return cf_numkey_pack(digits, strlen(digits));
}

static bool
has_msg(const struct cf_diag *d, const char *msg)
{
	size_t i;

	for (i = 0; i < d->count; i++)
		if (strstr(d->msgs[i], msg))
			return true;
	return false;
}

static const struct cf_numplan *
plan86(void)
{
	return cf_numplan_builtin("86");
}

static void
good_list_with_labels_comments_crlf(void **state)
{
	const char *path = write_file("good.txt",
		"# a comment\r\n"
		"\r\n"
		"+86 138 1234 5678   fraud\r\n"
		"013912345678\tspam # trailing comment\r\n"
		"   110\r\n"
		"+8613812345678,other-label\r\n"
		"008613700000000");
	struct cf_list_stats st;
	struct cf_numset *set = NULL;
	struct cf_diag d;

	cf_diag_init(&d);
	assert_int_equal(cf_list_load(path, plan86(), &set, &st, &d), 0);
	assert_int_equal(d.count, 0);
	assert_int_equal(st.lines, 7);
	assert_int_equal(st.numbers, 5);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(cf_numset_count(set), 4);
	assert_string_equal(cf_numset_label_name(set,
		cf_numset_lookup(set, key("8613812345678"))), "fraud");
	assert_string_equal(cf_numset_label_name(set,
		cf_numset_lookup(set, key("8613912345678"))), "spam");
	assert_int_equal(cf_numset_lookup(set, key("86110")), 0);
	assert_int_equal(cf_numset_lookup(set, key("8613700000000")), 0);
	assert_int_equal(cf_numset_lookup(set, key("8613700000001")),
			 CF_NUMSET_ABSENT);
	cf_numset_free(set);
	cf_diag_free(&d);
}

/* Every bad line is reported with file:line, and nothing is returned. */
static void
bad_lines(void **state)
{
	const char *path = write_file("bad.txt",
		"+8613812345678\n"
		"12ab34\n"
		"+86 12\n"
		"\n"
		"1234567890123456\n"
		"anonymous\n"
		"+8613812345678\n");
	struct cf_list_stats st;
	struct cf_numset *set = NULL;
	struct cf_diag d;
	char msg[512];

	cf_diag_init(&d);
	assert_int_equal(cf_list_load(path, plan86(), &set, &st, &d), -EINVAL);
	assert_null(set);
	assert_int_equal(st.errors, 4);
	assert_int_equal(d.count, 4);
	/* A letter inside the number breaks it; it starts no label. */
	snprintf(msg, sizeof(msg), "%s:2: error: 12ab34: not a number", path);
	assert_string_equal(d.msgs[0], msg);
	snprintf(msg, sizeof(msg), "%s:3: error: +86 12: wrong-length", path);
	assert_string_equal(d.msgs[1], msg);
	/* 16 digits: longer than E.164 allows. */
	snprintf(msg, sizeof(msg), "%s:5: error: 1234567890123456: too-long",
		 path);
	assert_string_equal(d.msgs[2], msg);
	snprintf(msg, sizeof(msg), "%s:6: error: anonymous: not a number", path);
	assert_string_equal(d.msgs[3], msg);
	cf_diag_free(&d);
}

/*
 * Typos inside a number are errors, not a shorter number with the rest as
 * its label (issue 13): "+86 138 abc 0000" loaded as 86138 labelled
 * "abc 0000", and "1380013800O" (a letter O) as 861380013800 labelled "O".
 */
static void
broken_numbers_are_not_labels(void **state)
{
	static const struct {
		const char *line, *msg;
	} bad[] = {
		{ "+86 138 abc 0000", "+86 138 abc 0000: not a number" },
		{ "1380013800O", "1380013800O: not a number" },
		{ "1380013800O fraud", "1380013800O: not a number" },
		{ "+8613800138000fraud", "+8613800138000fraud: not a number" },
		{ "+86 138 0013 8000 fraud case",
		  "+86 138 0013 8000 fraud: not a number" },
		{ "+86 138 O013 8000;fraud", "+86 138 O013 8000: not a number" },
		{ "138,0013,8000", "138,0013,8000: a label of digits only" },
		{ "+86 138;0013 8000", "+86 138;0013 8000: a label of digits only" },
		{ "+86 138\t0013", "+86 138\t0013: a label of digits only" },
		{ ";fraud", ";fraud: not a number" },
		{ "+86 138 0013 8000 0", "+86 138 0013 8000 0: wrong-length" },
	};
	struct cf_numset *set = NULL;
	struct cf_diag d;
	char text[64], msg[512];
	const char *path;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "+8613800000001 ok\n%s\n",
			 bad[i].line);
		path = write_file("typo.txt", text);
		cf_diag_init(&d);
		if (cf_list_load(path, plan86(), &set, NULL, &d) != -EINVAL)
			fail_msg("'%s' loaded", bad[i].line);
		assert_null(set);
		snprintf(msg, sizeof(msg), "%s:2: error: %s", path, bad[i].msg);
		if (d.count != 1 || strncmp(d.msgs[0], msg, strlen(msg)) != 0)
			fail_msg("'%s': got '%s', want '%s'", bad[i].line,
				 d.count ? d.msgs[0] : "", msg);
		cf_diag_free(&d);
	}
}

/* Where the label starts, and what a number column may hold: every
 * visual separator the normaliser skips, spaces included. */
static void
label_columns(void **state)
{
	static const struct {
		const char *line, *e164, *label;
	} good[] = {
		{ "+86 138 0013 8000 fraud-2024", "8613800138000", "fraud-2024" },
		{ "+86 (138) 0013-8000.", "8613800138000", "" },
		{ "+86 138 0013 8000", "8613800138000", "" },
		{ "+86 138 0013 8000;fraud case 12", "8613800138000",
		  "fraud case 12" },
		{ "+86 138 0013 8000\tcase 7", "8613800138000", "case 7" },
		{ "138-0013-8000 , bank ", "8613800138000", "bank" },
		{ "+8613800138000 ;", "8613800138000", "" },
		{ "110 police", "86110", "police" },
	};
	struct cf_numset *set = NULL;
	struct cf_diag d;
	char text[64];
	const char *path;
	size_t i;
	int r;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "%s\n", good[i].line);
		path = write_file("cols.txt", text);
		cf_diag_init(&d);
		if (cf_list_load(path, plan86(), &set, NULL, &d) != 0)
			fail_msg("'%s': %s", good[i].line,
				 d.count ? d.msgs[0] : "?");
		r = cf_numset_lookup(set, key(good[i].e164));
		assert_true(r >= 0);
		assert_string_equal(cf_numset_label_name(set, (unsigned int)r),
				    good[i].label);
		cf_numset_free(set);
		set = NULL;
		cf_diag_free(&d);
	}
}

/* 15 digits is the longest valid number; 16 is not. */
static void
sixteen_digits(void **state)
{
	const char *path = write_file("long.txt",
		"+442079460958123\n"
		"+4420794609581234\n");
	struct cf_numset *set = NULL;
	struct cf_diag d;

	cf_diag_init(&d);
	assert_int_equal(cf_list_load(path, plan86(), &set, NULL, &d), -EINVAL);
	assert_int_equal(d.count, 1);
	assert_non_null(strstr(d.msgs[0], ":2: error: +4420794609581234: "
				"too-long"));
	cf_diag_free(&d);
	path = write_file("long15.txt", "+442079460958123\n");
	cf_diag_init(&d);
	assert_int_equal(cf_list_load(path, plan86(), &set, NULL, &d), 0);
	assert_int_equal(cf_numset_lookup(set, key("442079460958123")), 0);
	cf_numset_free(set);
	cf_diag_free(&d);
}

static void
empty_and_missing(void **state)
{
	const char *path = write_file("empty.txt", "");
	struct cf_list_stats st;
	struct cf_numset *set = NULL;
	struct cf_diag d;

	cf_diag_init(&d);
	assert_int_equal(cf_list_load(path, plan86(), &set, &st, &d), 0);
	assert_int_equal(cf_numset_count(set), 0);
	assert_int_equal(st.numbers, 0);
	cf_numset_free(set);
	set = NULL;
	assert_int_equal(cf_list_load("/nonexistent/list.txt", plan86(), &set,
				      &st, &d), -ENOENT);
	assert_null(set);
	assert_true(has_msg(&d, "/nonexistent/list.txt: error: cannot open "
			    "list: No such file or directory"));
	cf_diag_free(&d);
}

/* Many bad lines: the first 100 shown, the rest counted. */
static void
error_cap(void **state)
{
	char *text = malloc(200 * 6 + 1), *p = text;
	struct cf_list_stats st;
	struct cf_numset *set = NULL;
	struct cf_diag d;
	int i;

	for (i = 0; i < 200; i++)
		p += sprintf(p, "x%d\n", i);
	cf_diag_init(&d);
	assert_int_equal(cf_list_load(write_file("many.txt", text), plan86(),
				      &set, &st, &d), -EINVAL);
	free(text);
	assert_int_equal(st.errors, 200);
	assert_int_equal(d.count, CF_LIST_ERRORS_MAX + 1);
	assert_true(has_msg(&d, "100 more bad lines not shown"));
	cf_diag_free(&d);
}

static void
longest_prefix_match(void **state)
{
	uint64_t pfx[] = { key("86"), key("8613"), key("861381"), key("1"),
			   key("882") };
	uint16_t lengths = cf_prefix_lengths(pfx, 5);
	struct cf_numset *set;
	uint64_t m = 0;
	char out[16];

	assert_int_equal(lengths, (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) |
				  (1 << 6));
	assert_int_equal(cf_numset_build(pfx, NULL, 5, NULL, 0, NULL, &set,
					 NULL), 0);
	assert_int_equal(cf_prefix_match(set, lengths, key("8613812345678"), &m),
			 0);
	cf_numkey_unpack(m, out, sizeof(out));
	assert_string_equal(out, "861381");
	assert_int_equal(cf_prefix_match(set, lengths, key("8613912345678"), &m),
			 0);
	cf_numkey_unpack(m, out, sizeof(out));
	assert_string_equal(out, "8613");
	assert_int_equal(cf_prefix_match(set, lengths, key("8610123"), &m), 0);
	cf_numkey_unpack(m, out, sizeof(out));
	assert_string_equal(out, "86");
	assert_int_equal(cf_prefix_match(set, lengths, key("12025550170"), &m),
			 0);
	cf_numkey_unpack(m, out, sizeof(out));
	assert_string_equal(out, "1");
	/* A number shorter than a prefix never matches it. */
	assert_int_equal(cf_prefix_match(set, lengths, key("88"), NULL),
			 CF_NUMSET_ABSENT);
	assert_int_equal(cf_prefix_match(set, lengths, key("442079460958"),
					 NULL), CF_NUMSET_ABSENT);
	assert_int_equal(cf_prefix_match(set, lengths, CF_NUMKEY_NONE, NULL),
			 CF_NUMSET_ABSENT);
	cf_numset_free(set);
}

static int
setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_list_with_labels_comments_crlf),
		cmocka_unit_test(bad_lines),
		cmocka_unit_test(broken_numbers_are_not_labels),
		cmocka_unit_test(label_columns),
		cmocka_unit_test(sixteen_digits),
		cmocka_unit_test(empty_and_missing),
		cmocka_unit_test(error_cap),
		cmocka_unit_test(longest_prefix_match),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
