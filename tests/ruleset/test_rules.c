/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rules compiler and the ruleset: every construct, every error with its
 * line:col, rule order, first match, monitor rules, Hyperscan patterns, a
 * failed compile keeping the old ruleset, compiled files and corruption.
 */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <callfence/ruleset.h>

static char dir[] = "/tmp/cf-test-rules-XXXXXX";

static const char *
write_file(const char *name, const char *text)
{
	static char path[4][256];
	static unsigned int n;
	char *p = path[n++ % 4];
	FILE *f;

	snprintf(p, 256, "%s/%s", dir, name);
	f = fopen(p, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static const char plan_text[] =
	"plan {\n"
	"\tcountry-code 86\n"
	"\tnational-prefix 0\n"
	"\tinternational-prefix 00\n"
	"\tlengths 10-11\n"
	"\tservice-lengths 3, 5\n"
	"}\n";

/* Every construct of the language, once. */
static const char all_text[] =
	"list white \"white.txt\"\n"
	"list black \"black.txt\"\n"
	"list dno \"dno.txt\"\n"
	"list roaming \"roaming.txt\"\n"
	"rule r-white { priority 10 when caller in white action allow "
	"reason \"white\" }\n"
	"rule r-black {\n"
	"\tpriority 20\n"
	"\twhen caller in black\n"
	"\taction block reply 603-network-blocked\n"
	"\treason \"black\"\n"
	"}\n"
	"rule r-dno { priority 30 when caller in dno action block reply 608 "
	"reason \"dno\" }\n"
	"rule r-spoof { priority 40 when ingress international and caller "
	"domestic and not caller in roaming action block reply 403 "
	"reason \"spoof\" }\n"
	"rule r-look { priority 50 when caller matches /(110|95588)$/ and not "
	"caller in dno action hide reason \"lookalike\" }\n"
	"rule r-same { priority 60 when caller equals callee action suspect "
	"reason \"same\" }\n"
	"rule r-inval { priority 70 when caller invalid wrong-length action "
	"suspect reason \"invalid length\" }\n"
	"rule r-inval-any { priority 71 when caller invalid action suspect "
	"reason \"invalid\" }\n"
	"rule r-prem { priority 80 when callee prefix +882, 883, +9790 action "
	"block reason \"premium\" }\n"
	"rule r-isup { priority 90 when proto isup and presentation restricted "
	"and forwarded and redirecting prefix 8613 action suspect "
	"reason \"isup\" }\n"
	"rule r-callee-re { priority 95 when callee matches /^8640/ action "
	"suspect reason \"callee re\" }\n"
	"default allow reason \"fine\"\n";

static const struct cf_numplan *
plan86(void)
{
	return cf_numplan_builtin("86");
}

static int
compile(const char *text, const struct cf_rules_opts *opts,
	struct cf_ruleset **rs, struct cf_diag *d)
{
	char *full;
	int r;

	assert_true(asprintf(&full, "%s%s", plan_text, text) > 0);
	r = cf_rules_compile_text("t.rules", full, strlen(full), dir, opts, rs,
				  d);
	free(full);
	return r;
}

struct judged {
	struct cf_verdict v;
};

static struct cf_verdict
judge(const struct cf_ruleset *rs, const char *caller, const char *callee,
      enum cf_ingress ingress)
{
	struct cf_ruleset_scratch *s = cf_ruleset_scratch_alloc(rs);
	struct cf_verdict v;
	struct cf_call call;

	assert_non_null(s);
	cf_call_reset(&call);
	call.proto = CF_PROTO_SIP;
	call.ingress = (uint8_t)ingress;
	if (caller)
		cf_call_set_party(&call, CF_PARTY_CALLER, plan86(), caller,
				  strlen(caller), CF_NAI_UNKNOWN);
	if (callee)
		cf_call_set_party(&call, CF_PARTY_CALLEE, plan86(), callee,
				  strlen(callee), CF_NAI_UNKNOWN);
	assert_int_equal(cf_ruleset_judge(rs, s, &call, &v), 0);
	cf_ruleset_scratch_free(s);
	return v;
}

static void
every_construct(void **state)
{
	struct cf_ruleset *rs = NULL;
	struct cf_ruleset_scratch *s;
	struct cf_verdict v;
	struct cf_call call;
	struct cf_diag d;

	cf_diag_init(&d);
	assert_int_equal(compile(all_text, NULL, &rs, &d), 0);
	cf_diag_print(&d, stderr);
	assert_int_equal(d.count, 0);
	assert_int_equal(cf_ruleset_rule_count(rs), 11);
	assert_int_equal(cf_ruleset_pattern_count(rs), 2);

	v = judge(rs, "+8613800000001", NULL, CF_INGRESS_NATIONAL);
	assert_int_equal(v.action, CF_ACTION_ALLOW);
	assert_string_equal(v.rule, "r-white");
	assert_int_equal(v.match.kind, CF_MATCH_LIST);
	assert_string_equal(v.match.what, "white");
	assert_string_equal(v.match.entry, "8613800000001");

	v = judge(rs, "13800000002", NULL, CF_INGRESS_NATIONAL);
	assert_int_equal(v.action, CF_ACTION_BLOCK);
	assert_int_equal(v.reply, CF_REPLY_603_NETWORK_BLOCKED);
	assert_string_equal(v.rule, "r-black");
	assert_string_equal(v.reason, "black");
	assert_string_equal(v.match.label, "fraud");
	assert_int_equal(cf_reply_info(v.reply)->code, 603);
	assert_string_equal(cf_reply_info(v.reply)->reason_hdr,
			    "Q.850;cause=21");

	v = judge(rs, "95588", NULL, CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "r-dno");
	assert_int_equal(v.reply, CF_REPLY_608);

	v = judge(rs, "+8613900000000", NULL, CF_INGRESS_INTERNATIONAL);
	assert_string_equal(v.rule, "r-spoof");
	assert_int_equal(v.reply, CF_REPLY_403);
	/* A roaming subscriber is the exception. */
	v = judge(rs, "+8613912345678", NULL, CF_INGRESS_INTERNATIONAL);
	assert_string_equal(v.rule, "default");
	assert_int_equal(v.rule_index, -1);
	assert_string_equal(v.reason, "fine");
	/* A foreign caller on an international trunk is fine. */
	v = judge(rs, "+442079460958", NULL, CF_INGRESS_INTERNATIONAL);
	assert_string_equal(v.rule, "default");

	v = judge(rs, "+8613800095588", NULL, CF_INGRESS_NATIONAL);
	assert_int_equal(v.action, CF_ACTION_HIDE);
	assert_string_equal(v.rule, "r-look");
	assert_int_equal(v.match.kind, CF_MATCH_PATTERN);
	assert_string_equal(v.match.what, "(110|95588)$");

	v = judge(rs, "+8613811112222", "013811112222", CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "r-same");
	assert_int_equal(v.action, CF_ACTION_SUSPECT);

	v = judge(rs, "+861381", NULL, CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "r-inval");
	v = judge(rs, "12ab", NULL, CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "r-inval-any");
	/* Anonymous is withheld, not invalid. */
	v = judge(rs, "anonymous", NULL, CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "default");

	v = judge(rs, "+8613811112222", "+8823456789", CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "r-prem");
	assert_int_equal(v.reply, CF_REPLY_603);
	assert_int_equal(v.match.kind, CF_MATCH_PREFIX);
	assert_string_equal(v.match.entry, "882");
	v = judge(rs, "+8613811112222", "+97901234567", CF_INGRESS_NATIONAL);
	assert_string_equal(v.match.entry, "9790");

	v = judge(rs, "+8613811112222", "+864012345678", CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "r-callee-re");

	/* ISUP context conditions. */
	s = cf_ruleset_scratch_alloc(rs);
	cf_call_reset(&call);
	call.proto = CF_PROTO_ISUP;
	call.presentation = CF_PRES_RESTRICTED;
	call.forwarded = true;
	cf_call_set_party(&call, CF_PARTY_CALLER, plan86(), "+8613811112222",
			  14, CF_NAI_UNKNOWN);
	cf_call_set_party(&call, CF_PARTY_REDIRECTING, plan86(),
			  "+8613811113333", 14, CF_NAI_UNKNOWN);
	assert_int_equal(cf_ruleset_judge(rs, s, &call, &v), 0);
	assert_string_equal(v.rule, "r-isup");
	call.proto = CF_PROTO_SIP;
	assert_int_equal(cf_ruleset_judge(rs, s, &call, &v), 0);
	assert_string_equal(v.rule, "default");
	cf_ruleset_scratch_free(s);

	cf_ruleset_free(rs);
	cf_diag_free(&d);
}

static bool has_sub(const struct cf_diag *d, const char *sub);

static bool
has_msg(const struct cf_diag *d, const char *msg)
{
	size_t i;

	for (i = 0; i < d->count; i++)
		if (strcmp(d->msgs[i], msg) == 0)
			return true;
	return false;
}

/* Every error of a file, each with its line and column (the plan takes
 * lines 1-7, so the text below starts at line 8). */
static void
every_error_with_position(void **state)
{
	static const char bad[] =
		"list black \"black.txt\"\n"				/* 8 */
		"list black \"white.txt\"\n"				/* 9 */
		"rule a { priority 1 when caller in nolist action block }\n" /* 10 */
		"rule b { priority x action allow }\n"			/* 11 */
		"rule c { priority 2 when caller matches /(ab/ action allow }\n" /* 12 */
		"rule a { priority 3 action frobnicate }\n"		/* 13 */
		"rule d { priority 4 when ingress mars action allow }\n"	/* 14 */
		"rule e { priority 5 when callee prefix 12x action allow }\n" /* 15 */
		"rule f { priority 6 action allow reply 608 }\n"	/* 16 */
		"rule g { when caller domestic action allow }\n"	/* 17 */
		"rule h { priority 7 when proto h323 action block reply 999 }\n" /* 18 */
		"rule i { priority 8 when caller sings action allow frob }\n" /* 19 */
		"bogus\n"						/* 20 */
		"rule k { priority 9 when caller matches 12 action allow }\n" /* 21 */
		"rule l { priority 9 action allow $ }\n"		/* 22 */
		"rule j { priority 9 reason \"unterminated }\n";	/* 23 */
	struct cf_ruleset *rs = (struct cf_ruleset *)0x1;
	struct cf_diag d;

	cf_diag_init(&d);
	assert_int_equal(compile(bad, NULL, &rs, &d), -EINVAL);
	assert_ptr_equal(rs, (struct cf_ruleset *)0x1);
	cf_diag_print(&d, stderr);
	assert_true(has_msg(&d, "t.rules:9:6: error: list 'black' is declared "
			    "twice (first at line 8)"));
	assert_true(has_msg(&d, "t.rules:10:36: error: no list named 'nolist'"));
	assert_true(has_msg(&d, "t.rules:11:19: error: expected a whole number "
			    "after priority, found x"));
	assert_true(has_msg(&d, "t.rules:11:6: error: rule b has no priority"));
	assert_true(has_msg(&d, "t.rules:12:41: error: bad pattern /(ab/: "
			    "Missing close parenthesis for group started at "
			    "index 0."));
	assert_true(has_msg(&d, "t.rules:13:6: error: rule id 'a' is used twice "
			    "(first at line 10)"));
	assert_true(has_msg(&d, "t.rules:13:28: error: expected an action "
			    "(allow, block, suspect or hide), found frobnicate"));
	assert_true(has_msg(&d, "t.rules:13:6: error: rule a has no action"));
	assert_true(has_msg(&d, "t.rules:14:34: error: unknown ingress class "
			    "mars (expected international, national, local or "
			    "unknown)"));
	assert_true(has_msg(&d, "t.rules:15:40: error: prefix 12x: expected 1 "
			    "to 15 digits of an E.164 number, with or without "
			    "'+'"));
	assert_true(has_msg(&d, "t.rules:11:6: error: rule b has no action"));
	assert_true(has_msg(&d, "t.rules:16:40: error: a reply is only for "
			    "block, not allow"));
	assert_true(has_msg(&d, "t.rules:17:6: error: rule g has no priority"));
	assert_true(has_msg(&d, "t.rules:18:32: error: unknown protocol h323 "
			    "(expected sip or isup)"));
	assert_true(has_msg(&d, "t.rules:19:33: error: expected in, prefix, "
			    "matches, domestic, invalid, absent, equals or a "
			    "heuristic (calls, distinct-callees, ...) after "
			    "caller, found sings"));
	assert_true(has_msg(&d, "t.rules:20:1: error: expected plan, list, "
			    "heuristics, rule or default, found bogus"));
	assert_true(has_msg(&d, "t.rules:21:41: error: expected /regex/ after "
			    "matches, found 12"));
	assert_true(has_msg(&d, "t.rules:22:34: error: unexpected character "
			    "'$'"));
	assert_true(has_msg(&d, "t.rules:23:28: error: unterminated string"));
	assert_true(has_msg(&d, "t.rules:23:6: error: rule j is not closed "
			    "with '}'"));
	assert_true(has_msg(&d, "t.rules:24:1: error: no default action (end "
			    "the rules with e.g. 'default allow')"));
	cf_diag_free(&d);
}

static void
plan_errors(void **state)
{
	struct cf_ruleset *rs = NULL;
	struct cf_diag d;
	const char *t1 = "default allow\n";
	const char *t2 = "plan {\n country-code 86\n lengths 10-99\n colour red\n"
			 "}\ndefault allow\n";
	const char *t3 = "plan {\n national-prefix 0\n}\ndefault allow\n";

	cf_diag_init(&d);
	assert_int_equal(cf_rules_compile_text("p.rules", t1, strlen(t1), dir,
					       NULL, &rs, &d), -EINVAL);
	assert_true(has_msg(&d, "p.rules:1:1: error: no plan block: the rules "
			    "must declare their numbering plan (plan { "
			    "country-code 86 })"));
	cf_diag_free(&d);
	cf_diag_init(&d);
	assert_int_equal(cf_rules_compile_text("p.rules", t2, strlen(t2), dir,
					       NULL, &rs, &d), -EINVAL);
	assert_true(has_msg(&d, "p.rules:3:10: error: lengths 10-99: expected "
			    "lengths 1-15 such as 10-11 or 9,10"));
	assert_true(has_msg(&d, "p.rules:4:2: error: unknown plan setting "
			    "'colour' (expected country-code, national-prefix, "
			    "international-prefix, lengths, service-lengths, "
			    "area-code or trunk-after-cc)"));
	cf_diag_free(&d);
	cf_diag_init(&d);
	assert_int_equal(cf_rules_compile_text("p.rules", t3, strlen(t3), dir,
					       NULL, &rs, &d), -EINVAL);
	assert_true(has_msg(&d, "p.rules:1:1: error: the plan has no "
			    "country-code"));
	cf_diag_free(&d);
}

/* An ISUP call of caller, callee and redirecting number (NULL: absent),
 * read with @nai under @plan (NULL: the ruleset's own), judged. */
static struct cf_verdict
judge_isup(const struct cf_ruleset *rs, const struct cf_numplan *plan,
	   enum cf_nai nai, const char *caller, const char *callee,
	   const char *redirecting)
{
	struct cf_ruleset_scratch *s = cf_ruleset_scratch_alloc(rs);
	const char *num[] = { caller, callee, redirecting };
	struct cf_verdict v;
	struct cf_call call;
	int k;

	assert_non_null(s);
	cf_call_reset(&call);
	call.proto = CF_PROTO_ISUP;
	for (k = 0; k < 3; k++)
		if (num[k])
			cf_call_set_party(&call, (enum cf_party_role)k,
					  plan ? plan : cf_ruleset_plan(rs),
					  num[k], strlen(num[k]), nai);
	assert_int_equal(cf_ruleset_judge(rs, s, &call, &v), 0);
	cf_ruleset_scratch_free(s);
	return v;
}

static struct cf_verdict
judge_own_plan(const struct cf_ruleset *rs, const char *caller, enum cf_nai nai)
{
	return judge_isup(rs, NULL, nai, caller, NULL, NULL);
}

/*
 * A trunk prefix after the country code: an error of its own in lists and
 * calls, that `invalid trunk-after-cc` names; or, where the plan says
 * `trunk-after-cc strip`, removed, in lists, calls and compiled files.
 */
static void
trunk_after_cc(void **state)
{
	static const char rules[] =
		"list black \"trunk.txt\"\n"
		"rule black { priority 1 when caller in black action block }\n"
		"rule trunk { priority 2 when caller invalid trunk-after-cc "
		"action suspect }\n"
		"default allow\n";
	struct cf_ruleset *rs = NULL, *loaded = NULL;
	struct cf_verdict v;
	struct cf_diag d;
	const char *src;
	char *text, msg[512], path[300];

	write_file("trunk.txt", "+86 010 1234 5678\n");
	cf_diag_init(&d);
	src = "plan { country-code 86 }\nlist black \"trunk.txt\"\n"
	      "default allow\n";
	assert_int_equal(cf_rules_compile_text("t.rules", src, strlen(src),
					       dir, NULL, &rs, &d), -EINVAL);
	snprintf(msg, sizeof(msg), "%s/trunk.txt:1: error: +86 010 1234 5678: "
		 "trunk-after-cc", dir);
	assert_true(has_msg(&d, msg));
	cf_diag_free(&d);

	/* Rejected (the default): the call is invalid for that reason. */
	write_file("trunk.txt", "+86 10 1234 5678\n");
	cf_diag_init(&d);
	assert_int_equal(compile(rules, NULL, &rs, &d), 0);
	v = judge_own_plan(rs, "+8601012345678", CF_NAI_UNKNOWN);
	assert_string_equal(v.rule, "trunk");
	v = judge_own_plan(rs, "01012345678", CF_NAI_NATIONAL);
	assert_string_equal(v.rule, "trunk");
	v = judge_own_plan(rs, "1012345678", CF_NAI_NATIONAL);
	assert_string_equal(v.rule, "black");
	cf_ruleset_free(rs);

	/* Stripped: the list line and the calls are the listed number. */
	write_file("trunk.txt", "+86 010 1234 5678\n");
	assert_true(asprintf(&text, "plan { country-code 86 trunk-after-cc "
			     "strip }\n%s", rules) > 0);
	assert_int_equal(cf_rules_compile_text("t.rules", text, strlen(text),
					       dir, NULL, &rs, &d), 0);
	free(text);
	assert_true(cf_ruleset_plan(rs)->flags & CF_NUMPLAN_F_STRIP_TRUNK);
	v = judge_own_plan(rs, "+8601012345678", CF_NAI_UNKNOWN);
	assert_string_equal(v.rule, "black");
	assert_string_equal(v.match.entry, "861012345678");
	v = judge_own_plan(rs, "01012345678", CF_NAI_NATIONAL);
	assert_string_equal(v.rule, "black");
	snprintf(path, sizeof(path), "%s/trunk.cfr", dir);
	assert_int_equal(cf_ruleset_save(rs, path, &d), 0);
	cf_ruleset_free(rs);
	assert_int_equal(cf_ruleset_load(path, &loaded, &d), 0);
	assert_true(cf_ruleset_plan(loaded)->flags & CF_NUMPLAN_F_STRIP_TRUNK);
	v = judge_own_plan(loaded, "+8601012345678", CF_NAI_UNKNOWN);
	assert_string_equal(v.rule, "black");
	cf_ruleset_free(loaded);
	assert_int_equal(d.count, 0);

	src = "plan { country-code 86 trunk-after-cc maybe }\ndefault allow\n";
	assert_int_equal(cf_rules_compile_text("t.rules", src, strlen(src),
					       dir, NULL, &rs, &d), -EINVAL);
	assert_true(has_msg(&d, "t.rules:1:39: error: trunk-after-cc maybe: "
			    "expected reject or strip"));
	cf_diag_free(&d);
}

/* Judge a call with only the numbers given: NULL leaves a party absent. */
static struct cf_verdict
judge3(const struct cf_ruleset *rs, const char *caller, const char *callee,
       const char *redirecting)
{
	return judge_isup(rs, plan86(), CF_NAI_UNKNOWN, caller, callee,
			  redirecting);
}

static void
assert_invalid_match(const struct cf_verdict *v, const char *rule,
		     enum cf_party_role party, const char *reason)
{
	assert_string_equal(v->rule, rule);
	assert_int_equal(v->match.kind, CF_MATCH_INVALID);
	assert_int_equal(v->match.party, party);
	assert_string_equal(v->match.what, reason);
	assert_string_equal(cf_match_kind_name(v->match.kind), "invalid");
}

/*
 * A caller with no number (an IAM without Calling Party Number, a From
 * without a user part) is absent, and plain `caller invalid` covers it:
 * leaving the number out no longer gets past invalid-caller screening,
 * while an empty number already did not (issue 13).  A reason list is
 * exactly those reasons; `absent` is a reason and a condition of its own.
 */
static void
absent_caller(void **state)
{
	static const char plain[] =
		"rule redir { priority 1 when redirecting invalid action hide }\n"
		"rule inval { priority 2 when caller invalid action block }\n"
		"rule callee { priority 3 when callee invalid action suspect }\n"
		"default allow\n";
	static const char listed[] =
		"rule length { priority 1 when caller invalid wrong-length, "
		"trunk-after-cc action block }\n"
		"rule gone { priority 2 when caller absent and not callee absent "
		"action suspect }\n"
		"rule only { priority 3 when callee invalid absent action hide }\n"
		"rule fwd { priority 4 when not redirecting absent action block "
		"reply 608 }\n"
		"default allow\n";
	struct cf_ruleset *rs = NULL, *loaded = NULL;
	struct cf_verdict v;
	struct cf_diag d;
	char path[300];
	int round;

	cf_diag_init(&d);
	assert_int_equal(compile(plain, NULL, &rs, &d), 0);
	v = judge3(rs, NULL, "+8613800000000", NULL);
	assert_invalid_match(&v, "inval", CF_PARTY_CALLER, "absent");
	v = judge3(rs, "", "+8613800000000", NULL);
	assert_invalid_match(&v, "inval", CF_PARTY_CALLER, "empty");
	v = judge3(rs, "+8601012345678", "+8613800000000", NULL);
	assert_invalid_match(&v, "inval", CF_PARTY_CALLER, "trunk-after-cc");
	/* Withheld is not invalid; a call not forwarded has no redirecting
	 * number, and that is no fault. */
	v = judge3(rs, "anonymous", "+8613800000000", NULL);
	assert_string_equal(v.rule, "default");
	v = judge3(rs, "+8613811112222", "+8613800000000", NULL);
	assert_string_equal(v.rule, "default");
	assert_int_equal(v.match.kind, CF_MATCH_NONE);
	v = judge3(rs, "+8613811112222", NULL, NULL);
	assert_invalid_match(&v, "callee", CF_PARTY_CALLEE, "absent");
	v = judge3(rs, "+8613811112222", "+8613800000000", "12x");
	assert_invalid_match(&v, "redir", CF_PARTY_REDIRECTING, "non-digit");
	cf_ruleset_free(rs);

	assert_int_equal(compile(listed, NULL, &rs, &d), 0);
	snprintf(path, sizeof(path), "%s/absent.cfr", dir);
	assert_int_equal(cf_ruleset_save(rs, path, &d), 0);
	assert_int_equal(cf_ruleset_load(path, &loaded, &d), 0);
	assert_int_equal(d.count, 0);
	/* The same answers from the compiled file. */
	for (round = 0; round < 2; round++) {
		const struct cf_ruleset *r = round ? loaded : rs;

		v = judge3(r, "+861381", "+8613800000000", NULL);
		assert_invalid_match(&v, "length", CF_PARTY_CALLER,
				     "wrong-length");
		v = judge3(r, "+0123456789", "+8613800000000", NULL);
		assert_string_equal(v.rule, "default");	/* bad-country-code */
		v = judge3(r, "8601012345678", "+8613800000000", NULL);
		assert_string_equal(v.rule, "length");
		v = judge3(r, NULL, "+8613800000000", NULL);
		assert_invalid_match(&v, "gone", CF_PARTY_CALLER, "absent");
		v = judge3(r, NULL, NULL, NULL);
		assert_invalid_match(&v, "only", CF_PARTY_CALLEE, "absent");
		v = judge3(r, "+8613811112222", "12", NULL);
		assert_string_equal(v.rule, "default");
		v = judge3(r, "+8613811112222", "+8613800000000", "12x");
		assert_string_equal(v.rule, "fwd");
		assert_int_equal(v.match.kind, CF_MATCH_NONE);
	}
	cf_ruleset_free(loaded);
	cf_ruleset_free(rs);
	cf_diag_free(&d);
}

/* Reason lists: every name, and what is wrong with a bad one, where. */
static void
invalid_reason_errors(void **state)
{
	static const char bad[] =
		"rule a { priority 1 when caller invalid wrong-lenght action "
		"block }\n"						/* 8 */
		"rule b { priority 2 when caller invalid empty, action block }\n"
		"default allow\n";
	struct cf_ruleset *rs = NULL;
	struct cf_diag d;
	unsigned int e;
	char text[256];

	cf_diag_init(&d);
	assert_int_equal(compile(bad, NULL, &rs, &d), -EINVAL);
	cf_diag_print(&d, stderr);
	assert_true(has_sub(&d, "t.rules:8:41: error: unknown reason "
			    "wrong-lenght after invalid (expected absent, "
			    "empty, anonymous, "));
	assert_true(has_sub(&d, "or trunk-after-cc)"));
	assert_true(has_sub(&d, "t.rules:9:48: error: unknown reason action "));
	cf_diag_free(&d);
	for (e = CF_NUM_OK + 1; e < CF_NUM_ERR__COUNT; e++) {
		snprintf(text, sizeof(text), "rule r { priority 1 when caller "
			 "invalid absent, %s action block }\ndefault allow\n",
			 cf_num_err_name((enum cf_num_err)e));
		cf_diag_init(&d);
		assert_int_equal(compile(text, NULL, &rs, &d), 0);
		cf_ruleset_free(rs);
		cf_diag_free(&d);
	}
}

/*
 * Conditions that can never match a normalised number (E.164 digits,
 * country code first, no '+') are warned about with their position, and
 * the rules still build; what can match is not warned about.
 */
static void
never_matching_warnings(void **state)
{
	static const char text[] =
		"rule a { priority 1 when caller prefix 010, +8613, 0086138 "
		"action block }\n"					/* 8 */
		"rule b { priority 2 when callee prefix 8601 action block }\n"
		"rule c { priority 3 when caller matches /^\\+86/ action block }\n"
		"rule d { priority 4 when caller matches /^0138/ action block }\n"
		"rule e { priority 5 when caller matches /^86-138/ action block }\n"
		"rule f { priority 6 when caller matches /[+]86[0-9]+$/ action "
		"block }\n"						/* 13 */
		"default allow\n";
	/* Patterns and whether they can never match. */
	static const struct {
		const char *re;
		bool never;
	} patterns[] = {
		{ "^\\+?86", false }, { "^86(13|15)[0-9]{9}$", false },
		{ "000(110|95588)$", false }, { "^0?86", false },
		{ "\\+86|^86", false }, { "^(\\+|00)86", false },
		{ "^[^0-9]", false }, { "^86[0-9]+?1", false },
		{ "^8[0-9]{0,3}x?$", false }, { "(?i)86", false },
		{ "^\\x2b86", false }, { ".*0$", false },
		{ "^86\\d{3}\\s", true }, { "^86[0-9]+ ", true },
		{ "86a", true }, { "^[.-]", true }, { "^0[0-9]*$", true },
		{ "^(86)?\\+", true }, { "\\D", true },
	};
	struct cf_ruleset *rs = NULL;
	struct cf_diag d;
	char buf[256];
	size_t i;

	cf_diag_init(&d);
	assert_int_equal(compile(text, NULL, &rs, &d), 0);
	cf_diag_print(&d, stderr);
	assert_true(has_msg(&d, "t.rules:8:40: warning: prefix 010 can never "
			    "match: numbers are E.164 digits, country code "
			    "first, and no country code starts with 0 (did you "
			    "mean 8610?)"));
	assert_true(has_msg(&d, "t.rules:8:52: warning: prefix 0086138 can "
			    "never match: numbers are E.164 digits, country "
			    "code first, and no country code starts with 0 "
			    "(did you mean 86138?)"));
	assert_true(has_msg(&d, "t.rules:9:40: warning: prefix 8601 matches no "
			    "domestic number: normalised numbers never keep a "
			    "trunk prefix after the country code (did you mean "
			    "861?)"));
	assert_true(has_msg(&d, "t.rules:10:41: warning: pattern /^\\+86/ can "
			    "never match: it needs a '+', and numbers are "
			    "E.164 digits without '+'"));
	assert_true(has_msg(&d, "t.rules:11:41: warning: pattern /^0138/ can "
			    "never match: it needs a leading 0, and no E.164 "
			    "number starts with 0 (write the country code, not "
			    "a national prefix)"));
	assert_true(has_msg(&d, "t.rules:12:41: warning: pattern /^86-138/ can "
			    "never match: it needs a character that is not a "
			    "digit, and numbers are E.164 digits only"));
	assert_true(has_sub(&d, "t.rules:13:41: warning: pattern "
			    "/[+]86[0-9]+$/ can never match: it needs a '+'"));
	assert_int_equal(d.count, 7);
	cf_ruleset_free(rs);
	cf_diag_free(&d);

	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		snprintf(buf, sizeof(buf), "rule r { priority 1 when caller "
			 "matches /%s/ action block }\ndefault allow\n",
			 patterns[i].re);
		cf_diag_init(&d);
		assert_int_equal(compile(buf, NULL, &rs, &d), 0);
		if (d.count != patterns[i].never ||
		    (d.count && !strstr(d.msgs[0], "can never match")))
			fail_msg("/%s/: %s", patterns[i].re,
				 d.count ? d.msgs[0] : "no warning");
		cf_ruleset_free(rs);
		cf_diag_free(&d);
	}

	/* A build that fails says its errors first, then the warnings. */
	cf_diag_init(&d);
	assert_int_equal(compile("rule a { priority 1 when caller prefix 0138 "
				 "action block }\nrule b { priority 2 when "
				 "caller in nolist action block }\ndefault "
				 "allow\n", NULL, &rs, &d), -EINVAL);
	assert_int_equal(d.count, 2);
	assert_non_null(strstr(d.msgs[0], "error: no list named 'nolist'"));
	assert_non_null(strstr(d.msgs[1], "warning: prefix 0138"));
	cf_diag_free(&d);
}

/* A bad list line is reported with the list file's name and line. */
static void
list_errors_reported(void **state)
{
	struct cf_ruleset *rs = NULL;
	struct cf_diag d;
	char msg[512];

	write_file("badlist.txt", "+8613800000001\nnot-a-number 12\n");
	cf_diag_init(&d);
	assert_int_equal(compile("list b \"badlist.txt\"\n"
				 "list m \"missing.txt\"\ndefault allow\n",
				 NULL, &rs, &d), -EINVAL);
	snprintf(msg, sizeof(msg), "%s/badlist.txt:2: error: not-a-number 12: "
		 "not a number", dir);
	assert_true(has_msg(&d, msg));
	snprintf(msg, sizeof(msg), "%s/missing.txt: error: cannot open list: "
		 "No such file or directory", dir);
	assert_true(has_msg(&d, msg));
	cf_diag_free(&d);
}

/* Priorities, not file order, decide; equal priorities keep file order;
 * monitor rules are remembered and the chain goes on. */
static void
order_first_match_monitor(void **state)
{
	static const char text[] =
		"list black \"black.txt\"\n"
		"rule late { priority 50 when caller in black action suspect }\n"
		"rule trial { priority 5 when caller prefix 86 action block "
		"monitor }\n"
		"rule early { priority 10 when caller in black action block }\n"
		"rule tie1 { priority 20 when caller prefix 8613 action suspect }\n"
		"rule tie2 { priority 20 when caller prefix 8613 action hide }\n"
		"default allow\n";
	struct cf_ruleset *rs = NULL;
	struct cf_verdict v;
	struct cf_diag d;

	cf_diag_init(&d);
	assert_int_equal(compile(text, NULL, &rs, &d), 0);
	assert_string_equal(cf_ruleset_rule_id(rs, 0), "trial");
	assert_string_equal(cf_ruleset_rule_id(rs, 1), "early");
	assert_string_equal(cf_ruleset_rule_id(rs, 2), "tie1");
	assert_string_equal(cf_ruleset_rule_id(rs, 3), "tie2");
	assert_string_equal(cf_ruleset_rule_id(rs, 4), "late");

	v = judge(rs, "+8613800000002", NULL, CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "early");
	assert_int_equal(v.rule_index, 1);
	assert_int_equal(v.monitor_count, 1);
	assert_int_equal(v.monitor[0], 0);
	v = judge(rs, "+8613900000000", NULL, CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "tie1");
	assert_int_equal(v.monitor_count, 1);
	/* A monitor rule never decides. */
	v = judge(rs, "+8615900000000", NULL, CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "default");
	assert_int_equal(v.action, CF_ACTION_ALLOW);
	assert_int_equal(v.monitor_count, 1);
	v = judge(rs, "+442079460958", NULL, CF_INGRESS_NATIONAL);
	assert_int_equal(v.monitor_count, 0);
	cf_ruleset_free(rs);
	cf_diag_free(&d);
}

/* Many patterns in one database, on different parties. */
static void
hyperscan_patterns(void **state)
{
	static const char text[] =
		"rule p1 { priority 1 when caller matches /^86138/ and callee "
		"matches /0000$/ action block }\n"
		"rule p2 { priority 2 when caller matches /^86(13|15)[0-9]{9}$/ "
		"action suspect }\n"
		"rule p3 { priority 3 when not caller matches /^86/ action hide }\n"
		"rule p4 { priority 4 when callee matches /0000$/ action allow }\n"
		"default block\n";
	struct cf_ruleset *rs = NULL;
	struct cf_verdict v;
	struct cf_diag d;

	cf_diag_init(&d);
	assert_int_equal(compile(text, NULL, &rs, &d), 0);
	assert_int_equal(cf_ruleset_pattern_count(rs), 5);
	v = judge(rs, "+8613812345678", "+8613900000000", CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "p1");
	v = judge(rs, "+8613812345678", "+8613900000001", CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "p2");
	v = judge(rs, "+8615812345678", NULL, CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "p2");
	v = judge(rs, "+442079460958", NULL, CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "p3");
	assert_int_equal(v.match.kind, CF_MATCH_NONE);
	v = judge(rs, "+8618812345678", "+8613900000000", CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "p4");
	v = judge(rs, "+8618812345678", NULL, CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "default");
	assert_int_equal(v.action, CF_ACTION_BLOCK);
	assert_int_equal(v.reply, CF_REPLY_603);
	cf_ruleset_free(rs);
	cf_diag_free(&d);
}

/* A failed compile (or load) returns an error and leaves the caller's
 * ruleset in place and working. */
static void
failed_compile_keeps_old(void **state)
{
	struct cf_ruleset *current = NULL, *next;
	struct cf_diag d;
	struct cf_verdict v;
	const char *bad = write_file("bad.bin", "CFRULES\0garbage");

	cf_diag_init(&d);
	assert_int_equal(compile(all_text, NULL, &current, &d), 0);
	next = current;
	assert_int_equal(compile("rule x { priority 1 when caller matches /[/ "
				 "action block }\ndefault allow\n", NULL,
				 &next, &d), -EINVAL);
	assert_ptr_equal(next, current);
	assert_int_equal(cf_ruleset_load(bad, &next, &d), -EINVAL);
	assert_ptr_equal(next, current);
	assert_int_equal(cf_rules_compile("/nonexistent.rules", NULL, &next,
					  &d), -ENOENT);
	assert_ptr_equal(next, current);
	v = judge(current, "13800000002", NULL, CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "r-black");
	cf_ruleset_free(current);
	cf_diag_free(&d);
}

static void
list_override(void **state)
{
	struct cf_list_override ov[] = { { "black", NULL } };
	struct cf_rules_opts opts = { ov, 1 };
	struct cf_ruleset *rs = NULL;
	struct cf_verdict v;
	struct cf_diag d;

	ov[0].path = write_file("other.txt", "+8613700000000\n");
	cf_diag_init(&d);
	assert_int_equal(compile(all_text, &opts, &rs, &d), 0);
	v = judge(rs, "13800000002", NULL, CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "default");
	v = judge(rs, "13700000000", NULL, CF_INGRESS_NATIONAL);
	assert_string_equal(v.rule, "r-black");
	cf_ruleset_free(rs);
	ov[0].name = "nosuch";
	assert_int_equal(compile(all_text, &opts, &rs, &d), -EINVAL);
	assert_true(has_msg(&d, "t.rules: error: --list nosuch: the rules have "
			    "no list of that name"));
	cf_diag_free(&d);
}

static void
flip_byte(const char *path, off_t off)
{
	int fd = open(path, O_RDWR);
	unsigned char c;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, off), 1);
	c ^= 0x5a;
	assert_int_equal(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

static bool
has_sub(const struct cf_diag *d, const char *sub)
{
	size_t i;

	for (i = 0; i < d->count; i++)
		if (strstr(d->msgs[i], sub))
			return true;
	return false;
}

/* Save, load, judge the same; corrupt, truncated and wrong-version files
 * are refused. */
static void
compiled_file_round_trip(void **state)
{
	struct cf_ruleset *rs = NULL, *loaded = NULL;
	struct cf_diag d;
	struct cf_verdict a, b;
	struct stat st;
	char path[300], copy[700];
	static const char *const callers[] = {
		"+8613800000001", "13800000002", "95588", "+8613900000000",
		"+8613800095588", "+861381", "+442079460958",
	};
	size_t i;

	snprintf(path, sizeof(path), "%s/out.cfr", dir);
	cf_diag_init(&d);
	assert_int_equal(compile(all_text, NULL, &rs, &d), 0);
	assert_int_equal(cf_ruleset_save(rs, path, &d), 0);
	assert_true(cf_ruleset_file_is_compiled(path));
	assert_int_equal(cf_ruleset_load(path, &loaded, &d), 0);
	assert_int_equal(d.count, 0);
	assert_int_equal(cf_ruleset_rule_count(loaded), cf_ruleset_rule_count(rs));
	for (i = 0; i < sizeof(callers) / sizeof(callers[0]); i++) {
		a = judge(rs, callers[i], "+8613800000000",
			  CF_INGRESS_INTERNATIONAL);
		b = judge(loaded, callers[i], "+8613800000000",
			  CF_INGRESS_INTERNATIONAL);
		assert_string_equal(a.rule, b.rule);
		assert_int_equal(a.action, b.action);
		assert_int_equal(a.reply, b.reply);
		assert_int_equal(a.match.kind, b.match.kind);
		assert_string_equal(a.match.entry, b.match.entry);
	}
	cf_ruleset_free(loaded);
	cf_ruleset_free(rs);
	/* cf_rules_open() picks the loader by the magic. */
	assert_int_equal(cf_rules_open(path, NULL, &loaded, &d), 0);
	cf_ruleset_free(loaded);
	loaded = NULL;

	assert_int_equal(stat(path, &st), 0);
	snprintf(copy, sizeof(copy), "cp '%s' '%s.c'", path, path);
	/* One flipped byte deep inside: checksum. */
	assert_int_equal(system(copy), 0);
	snprintf(copy, sizeof(copy), "%s.c", path);
	flip_byte(copy, st.st_size / 2);
	assert_int_equal(cf_ruleset_load(copy, &loaded, &d), -EINVAL);
	assert_true(has_sub(&d, "checksum mismatch: the file is corrupt"));
	/* Truncated. */
	assert_int_equal(truncate(path, st.st_size - 64), 0);
	assert_int_equal(cf_ruleset_load(path, &loaded, &d), -EINVAL);
	assert_true(has_sub(&d, "truncated or extended compiled ruleset"));
	assert_int_equal(truncate(path, 10), 0);
	assert_int_equal(cf_ruleset_load(path, &loaded, &d), -EINVAL);
	assert_true(has_sub(&d, "not a compiled ruleset (too short)"));
	/* Another version: the version field is byte 8. */
	flip_byte(copy, st.st_size / 2);
	flip_byte(copy, 8);
	assert_int_equal(cf_ruleset_load(copy, &loaded, &d), -EINVAL);
	assert_true(has_sub(&d, "this build reads version 3: recompile the "
			    "rules"));
	flip_byte(copy, 0);
	assert_int_equal(cf_ruleset_load(copy, &loaded, &d), -EINVAL);
	assert_true(has_sub(&d, "not a compiled ruleset (bad magic)"));
	assert_null(loaded);
	cf_diag_free(&d);
}

static int
setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	write_file("white.txt", "+8613800000001\n");
	write_file("black.txt", "+8613800000002 fraud\n+8613800000003\n");
	write_file("dno.txt", "110 police\n95588 bank\n");
	write_file("roaming.txt", "+8613912345678\n");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A ruleset of nothing but its default is valid: every call gets the
 * default.  (fuzz_rules found the build sorting a NULL rule array.) */
static void
default_only(void **state)
{
	struct cf_ruleset *rs = NULL;
	struct cf_verdict v;
	struct cf_diag d;

	cf_diag_init(&d);
	assert_int_equal(compile("default block reason \"closed\"\n", NULL, &rs,
				 &d), 0);
	assert_int_equal(cf_ruleset_rule_count(rs), 0);
	v = judge(rs, "+8613800000001", NULL, CF_INGRESS_NATIONAL);
	assert_int_equal(v.action, CF_ACTION_BLOCK);
	assert_string_equal(v.rule, "default");
	cf_ruleset_free(rs);
	cf_diag_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_construct),
		cmocka_unit_test(default_only),
		cmocka_unit_test(every_error_with_position),
		cmocka_unit_test(plan_errors),
		cmocka_unit_test(list_errors_reported),
		cmocka_unit_test(trunk_after_cc),
		cmocka_unit_test(absent_caller),
		cmocka_unit_test(invalid_reason_errors),
		cmocka_unit_test(never_matching_warnings),
		cmocka_unit_test(order_first_match_monitor),
		cmocka_unit_test(hyperscan_patterns),
		cmocka_unit_test(failed_compile_keeps_old),
		cmocka_unit_test(list_override),
		cmocka_unit_test(compiled_file_round_trip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
