/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer entry: the rules compiler on arbitrary text, then a few calls
 * judged with what it built.
 *
 * So that list declarations get past the parser into the list loader, the
 * number set builder, the Hyperscan compile and the judge, the seed lists
 * (tests/fuzz/corpus/lists) are written once, at start-up, to a private
 * directory under /tmp as lists/<name>.txt: the seed rules name exactly
 * those paths.  Nothing is written per input.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <callfence/call.h>
#include <callfence/ruleset.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char list_dir[64];

static const struct {
	const char *name;
	const char *text;
} seed_lists[] = {
	{ "whitelist", "10010 operator-hotline\n+8613800138000 operator\n" },
	{ "blacklist", "+8617012345678 fraud-2024\n+8616512340001 robocall\n"
		       "008617155550000\r\n# comment\n\n" },
	{ "dno", "110 police\n119 fire\n95588 bank\n12366 tax\n" },
	{ "roaming", "+8613912345678\n+8618611112222\n" },
	{ "list", "+8613800000001\n" },
};

/* Remove the list directory at exit: the fuzzer may run for hours, but
 * it should not leave files behind. */
static void
cleanup(void)
{
	char path[128];
	size_t i;

	for (i = 0; i < sizeof(seed_lists) / sizeof(seed_lists[0]); i++) {
		snprintf(path, sizeof(path), "%s/lists/%s.txt", list_dir,
			 seed_lists[i].name);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/lists", list_dir);
	rmdir(path);
	rmdir(list_dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[128];
	size_t i;

	snprintf(list_dir, sizeof(list_dir), "/tmp/fuzz-rules-XXXXXX");
	if (!mkdtemp(list_dir))
		abort();
	snprintf(path, sizeof(path), "%s/lists", list_dir);
	if (mkdir(path, 0700) < 0)
		abort();
	for (i = 0; i < sizeof(seed_lists) / sizeof(seed_lists[0]); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/lists/%s.txt", list_dir,
			 seed_lists[i].name);
		f = fopen(path, "w");
		if (!f || fputs(seed_lists[i].text, f) < 0 || fclose(f) != 0)
			abort();
	}
	atexit(cleanup);
	return 0;
}

/* Judge a few calls so the conditions the input built are evaluated. */
static void
judge_some(const struct cf_ruleset *rs)
{
	static const char *const numbers[] = {
		"+8617012345678", "110", "+8613912345678", "+12025550123",
		"013800138000", "",
	};
	struct cf_ruleset_scratch *s = cf_ruleset_scratch_alloc(rs);
	const struct cf_numplan *plan = cf_ruleset_plan(rs);
	size_t i, n = sizeof(numbers) / sizeof(numbers[0]);

	if (!s)
		return;
	for (i = 0; i < n; i++) {
		const char *caller = numbers[i], *callee = numbers[(i + 1) % n];
		struct cf_verdict v;
		struct cf_call call;

		cf_call_reset(&call);
		call.proto = (uint8_t)(i & 1 ? CF_PROTO_ISUP : CF_PROTO_SIP);
		call.ingress = (uint8_t)(i % 3);
		cf_call_set_party(&call, CF_PARTY_CALLER, plan, caller,
				  strlen(caller), CF_NAI_UNKNOWN);
		cf_call_set_party(&call, CF_PARTY_CALLEE, plan, callee,
				  strlen(callee), CF_NAI_UNKNOWN);
		if (i & 2)
			cf_call_set_party(&call, CF_PARTY_REDIRECTING, plan,
					  callee, strlen(callee),
					  CF_NAI_UNKNOWN);
		if (cf_ruleset_judge(rs, s, &call, &v) != 0)
			abort();	/* a scratch from this ruleset fits */
	}
	cf_ruleset_scratch_free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cf_ruleset *rs = NULL;
	struct cf_diag diag;

	cf_diag_init(&diag);
	if (cf_rules_compile_text("fuzz.rules", (const char *)data, size,
				  list_dir, NULL, &rs, &diag) == 0) {
		judge_some(rs);
		cf_ruleset_free(rs);
	}
	cf_diag_free(&diag);
	return 0;
}
