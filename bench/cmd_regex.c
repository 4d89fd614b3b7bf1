/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callfence-bench regex: what number patterns cost per call, against how
 * many there are (10 to --max-patterns in decades), and what their
 * Hyperscan database costs to compile and to load.
 *
 * Patterns are generated, seeded, in the four shapes operators write:
 * number ranges (^8613812[0-4]\d{5}$), suffixes (\d{6}$ endings),
 * prefixes with character classes (^861[3578]1234[0-4]56), and blocks around
 * numbers that really call (^8613812345\d{3}$, one in 16 of the first
 * 1024, so about 1 % of calls match).  Every ruleset is built with the builder API, saved as a
 * compiled file and loaded back (the Hyperscan database deserialised, as
 * callfenced loads a compiled ruleset); the loaded one is judged.
 *
 * Two rulesets per count, because a pattern costs twice:
 *  - scan: all N patterns, one rule testing one of them.  Judging scans
 *    the caller once against the whole database: the Hyperscan cost.
 *  - chain: one rule per pattern (`caller matches /p/`), as a rules file
 *    with N patterns is written: the scan, then the rule chain, tried in
 *    order until a rule holds, one bit test per rule (up to --chain-max).
 * and, for comparison, what the ranges cost without regular expressions:
 *  - prefixes: N number prefixes of 8 to 11 digits in one prefix table
 *    (`caller prefix ...`, a number set per prefix length), one rule.
 * Calls are generated SIP set-ups (normalised +86 callers), judged on one
 * pinned core in rounds; the fastest round is reported, the median beside
 * it.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <callfence/numkey.h>
#include <callfence/ruleset.h>

#include "bench.h"
#include "bench_out.h"
#include "bench_util.h"
#include "gen/gen.h"

#define CALLS_POOL	4096
#define ROUND_CALLS	256
#define PATTERN_MAX	64

struct opts {
	uint64_t max_patterns;
	uint64_t chain_max;
	uint64_t only;		/* --patterns N: that count alone */
	unsigned kinds;		/* a bit per enum kind */
	uint64_t seed;
	double seconds;		/* of judging per row */
	int cpu;
	const char *csv;
};

struct calls {
	struct cf_call *call;
	size_t n;
};

static const char *const columns[] = {
	"patterns", "shape", "rules", "compile_ms", "file_KiB", "load_ms",
	"ns_per_call", "median_ns", "M_calls_per_s", "decided_pct",
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: callfence-bench regex [--max-patterns N] [--chain-max N] [--patterns N]\n"
		"                             [--kinds LIST] [--seconds S] [--seed N] [--cpu N]\n"
		"                             [--csv FILE]\n"
		"  --max-patterns N  10, 100, ... up to N patterns (default 100000)\n"
		"  --chain-max N     rule-per-pattern rulesets up to N patterns (default\n"
		"                    10000: the chain is linear, and each size compiles\n"
		"                    the patterns again)\n"
		"  --patterns N      one count only\n"
		"  --kinds LIST      shapes: range,suffix,prefix (default all three)\n"
		"  --seconds S       judging time per row (default 1)\n"
		"  --seed N          patterns and calls (default 1)\n"
		"  --cpu N           pin to CPU N (default 1)\n"
		"  --csv FILE        write the table as CSV too\n");
}

static void
digits(char *dst, unsigned n, uint64_t *rng)
{
	unsigned i;

	for (i = 0; i < n; i++)
		dst[i] = (char)('0' + bench_rand(rng) % 10);
	dst[n] = '\0';
}

/* A +86 mobile's first digits "861[3-9]" and @more random ones. */
static void
mobile_head(char *dst, unsigned more, uint64_t *rng)
{
	dst[0] = '8';
	dst[1] = '6';
	dst[2] = '1';
	dst[3] = (char)('3' + bench_rand(rng) % 7);
	digits(dst + 4, more, rng);
}

/* How the N patterns are put in a ruleset. */
enum shape {
	SHAPE_SCAN = 0,		/* one database, one rule */
	SHAPE_CHAIN,		/* one rule per pattern */
	SHAPE_PREFIXES,		/* N number prefixes, one rule, no regex */
	SHAPE__COUNT,
};

static const char *const shape_names[SHAPE__COUNT] = {
	[SHAPE_SCAN] = "scan",
	[SHAPE_CHAIN] = "chain",
	[SHAPE_PREFIXES] = "prefixes",
};

/* The shapes, for --kinds: which of them makes a large set expensive. */
enum kind {
	KIND_RANGE = 0,
	KIND_SUFFIX,
	KIND_PREFIX,
	KIND__COUNT,
};

static const char *const kind_names[KIND__COUNT] = {
	[KIND_RANGE] = "range",
	[KIND_SUFFIX] = "suffix",
	[KIND_PREFIX] = "prefix",
};

/*
 * Pattern @i of the set: a shape of @kinds (a bit per enum kind) chosen
 * by the seed, numbers random or, for one in 16 of the first 1024, the
 * block of a caller of @calls.  The digits are E.164 without '+': 13 for
 * a +86 mobile.
 */
static void
make_pattern(char *dst, size_t size, uint64_t i, uint64_t *rng,
	     const struct calls *calls, unsigned kinds)
{
	char head[16], tail[16];
	unsigned known, lo, kind;

	/* At most 64 of them: a hit rate that stays near 1 % whatever
	 * the count, as a blocking set's should. */
	if (i % 16 == 15 && i < 1024) {
		const struct cf_number *num = cf_call_number(
			&calls->call[bench_rand(rng) % calls->n],
			CF_PARTY_CALLER);

		if (num && num->len > 4) {
			snprintf(dst, size, "^%.*s\\d{3}$", (int)num->len - 3,
				 num->digits);
			return;
		}
	}
	do
		kind = (unsigned)(bench_rand(rng) % KIND__COUNT);
	while (!(kinds & (1u << kind)));
	switch ((enum kind)kind) {
	case KIND_RANGE:		/* a range of numbers: ^8613812[0-4]\d{5}$ */
		known = 4 + (unsigned)(bench_rand(rng) % 4);
		mobile_head(head, known, rng);
		lo = (unsigned)(bench_rand(rng) % 8);
		snprintf(dst, size, "^%s[%u-%u]\\d{%u}$", head, lo,
			 lo + 1 + (unsigned)(bench_rand(rng) % (9 - lo)),
			 13 - 4 - known - 1);
		break;
	case KIND_SUFFIX:	/* an ending: 6 digits, or a service number padded */
		if (bench_rand(rng) % 4 == 0) {
			digits(tail, 5, rng);
			snprintf(dst, size, "000(%s|%.3s)$", tail, tail + 2);
		} else {
			digits(tail, 6, rng);
			snprintf(dst, size, "\\d{4}%s$", tail);
		}
		break;
	case KIND_PREFIX:	/* a prefix with classes: ^861[3578]1234[0-4]56 */
	case KIND__COUNT:
		digits(head, 4 + (unsigned)(bench_rand(rng) % 3), rng);
		digits(tail, 2, rng);
		lo = (unsigned)(bench_rand(rng) % 5);
		snprintf(dst, size, "^861[3578]%s[%u-%u]%s", head, lo, lo + 4,
			 tail);
		break;
	}
}

/*
 * Prefix @i of a prefix table: what the range patterns say without a
 * regular expression, a +86 mobile head of 8 to 11 digits (blocks of
 * 100 000 down to 100 numbers); one in 16 of the first 1024 the block of
 * a caller of @calls, as make_pattern() does.
 */
static uint64_t
make_prefix(uint64_t i, uint64_t *rng, const struct calls *calls)
{
	char head[16];
	unsigned len = 8 + (unsigned)(bench_rand(rng) % 4);

	if (i % 16 == 15 && i < 1024) {
		const struct cf_number *num = cf_call_number(
			&calls->call[bench_rand(rng) % calls->n],
			CF_PARTY_CALLER);

		if (num && num->len > 4)
			return cf_numkey_pack(num->digits, num->len - 3);
	}
	mobile_head(head, len - 4, rng);
	return cf_numkey_pack(head, len);
}

/* Generated SIP set-ups, normalised as a decoder leaves them. */
static int
make_calls(struct calls *c, uint64_t seed)
{
	struct gen_config cfg;
	struct gen_label lab;
	struct gen *g;

	gen_config_default(&cfg);
	cfg.seed = seed;
	cfg.calls = CALLS_POOL;
	cfg.proto = CF_PROTO_SIP;
	cfg.with_releases = false;
	c->call = calloc(CALLS_POOL, sizeof(*c->call));
	g = gen_new(&cfg);
	if (!c->call || !g) {
		gen_free(g);
		return -1;
	}
	c->n = 0;
	while (c->n < CALLS_POOL && gen_next(g, &c->call[c->n], &lab))
		if (c->call[c->n].event == CF_EVENT_SETUP)
			c->n++;
	gen_free(g);
	return c->n ? 0 : -1;
}

/*
 * Build the ruleset of @n patterns in @shape ("scan" or "chain"), save
 * it to @path; the build time in *@compile_s.  0, or -1 with the
 * builder's messages printed.
 */
static int
build(uint64_t n, enum shape shape, const struct opts *o,
      const struct calls *calls, const char *path, double *compile_s)
{
	struct cf_ruleset_builder *b = cf_ruleset_builder_new(
		cf_numplan_builtin("86"));
	struct cf_ruleset *rs = NULL;
	uint64_t rng = o->seed ^ 0x7e6e, i, t0;
	char re[PATTERN_MAX], id[32];
	uint64_t *keys = NULL;
	struct cf_diag diag;
	int rc = -1, table = 0;

	cf_diag_init(&diag);
	if (!b)
		goto out;
	if (shape == SHAPE_PREFIXES) {
		keys = calloc(n, sizeof(*keys));
		if (!keys)
			goto bad;
		for (i = 0; i < n; i++)
			keys[i] = make_prefix(i, &rng, calls);
		table = cf_ruleset_builder_add_prefixes(b, keys, n);
		if (table < 0)
			goto bad;
	}
	for (i = 0; shape != SHAPE_PREFIXES && i < n; i++) {
		make_pattern(re, sizeof(re), i, &rng, calls, o->kinds);
		if (cf_ruleset_builder_add_pattern(b, re, CF_PARTY_CALLER) < 0)
			goto bad;
	}
	for (i = shape == SHAPE_CHAIN ? 0 : n - 1; i < n; i++) {
		struct cf_cond c = {
			.kind = shape == SHAPE_PREFIXES ? CF_COND_PREFIX :
							  CF_COND_MATCHES,
			.party = CF_PARTY_CALLER,
			.arg = shape == SHAPE_PREFIXES ? (uint32_t)table :
							 (uint32_t)i,
		};
		struct cf_rule_def d = {
			.id = id,
			.reason = "number pattern",
			.priority = (int32_t)i,
			.action = CF_ACTION_BLOCK,
		};

		snprintf(id, sizeof(id), "pattern-%llu", (unsigned long long)i);
		if (cf_ruleset_builder_add_rule(b, &d, &c, 1) < 0)
			goto bad;
	}
	if (cf_ruleset_builder_set_default(b, CF_ACTION_ALLOW, NULL) < 0)
		goto bad;
	/* What `callfence compile` and a reload of a rules file pay:
	 * mostly hs_compile_multi(). */
	t0 = bench_now_ns();
	if (cf_ruleset_builder_finish(b, &rs, &diag) < 0) {
		b = NULL;
		goto bad;
	}
	b = NULL;
	*compile_s = (double)(bench_now_ns() - t0) / 1e9;
	if (cf_ruleset_save(rs, path, &diag) < 0)
		goto bad;
	rc = 0;
	goto out;
bad:
	fprintf(stderr, "callfence-bench regex: cannot build %llu patterns\n",
		(unsigned long long)n);
	cf_diag_print(&diag, stderr);
out:
	cf_ruleset_builder_free(b);
	cf_ruleset_free(rs);
	cf_diag_free(&diag);
	free(keys);
	return rc;
}

struct judge_ctx {
	const struct cf_ruleset *rs;
	struct cf_ruleset_scratch *scratch;
	const struct calls *calls;
	uint64_t decided;		/* by a rule, not the default */
};

static int
judge_round(void *arg, uint64_t start, uint64_t n, uint64_t *sink)
{
	struct judge_ctx *c = arg;
	size_t k = (size_t)(start % c->calls->n);
	struct cf_verdict v;
	uint64_t i;

	for (i = 0; i < n; i++) {
		if (cf_ruleset_judge(c->rs, c->scratch, &c->calls->call[k],
				     &v) < 0)
			return -1;
		c->decided += v.rule_index >= 0;
		*sink += (uint64_t)v.rule_index;
		if (++k == c->calls->n)
			k = 0;
	}
	return 0;
}

/* One row: build, save, load, judge. */
static int
row(struct bench_table *tab, const struct opts *o, const struct calls *calls,
    uint64_t n, enum shape shape, const char *path)
{
	struct judge_ctx c = { .calls = calls };
	struct bench_timing t;
	struct cf_ruleset *rs = NULL;
	struct cf_diag diag;
	double compile_s, load_s;
	uint64_t t0, sink = 0, count;
	struct stat st;
	int rc = -1;

	bench_progress("regex: %llu patterns, %s: compiling",
		       (unsigned long long)n, shape_names[shape]);
	if (build(n, shape, o, calls, path, &compile_s) < 0)
		return -1;
	cf_diag_init(&diag);
	t0 = bench_now_ns();
	if (cf_ruleset_load(path, &rs, &diag) < 0) {
		cf_diag_print(&diag, stderr);
		goto out;
	}
	load_s = (double)(bench_now_ns() - t0) / 1e9;
	if (stat(path, &st) < 0)
		st.st_size = 0;
	c.rs = rs;
	c.scratch = cf_ruleset_scratch_alloc(rs);
	if (!c.scratch)
		goto out;
	/* A round to warm up and to size the run to --seconds. */
	if (bench_rounds(judge_round, &c, ROUND_CALLS, ROUND_CALLS, &t,
			 &sink) < 0)
		goto out;
	count = (uint64_t)(o->seconds * 1e9 / (t.median_ns > 1 ? t.median_ns : 1));
	if (count < 8 * ROUND_CALLS)
		count = 8 * ROUND_CALLS;
	bench_progress("regex: %llu patterns, %s: judging %llu calls",
		       (unsigned long long)n, shape_names[shape],
		       (unsigned long long)count);
	c.decided = 0;
	if (bench_rounds(judge_round, &c, count, ROUND_CALLS, &t, &sink) < 0)
		goto out;
	bench_table_cell(tab, "%llu", (unsigned long long)n);
	bench_table_cell(tab, "%s", shape_names[shape]);
	bench_table_cell(tab, "%u", cf_ruleset_rule_count(rs));
	bench_table_cell(tab, "%.3f", compile_s * 1e3);
	bench_table_cell(tab, "%.0f", (double)st.st_size / 1024.0);
	bench_table_cell(tab, "%.2f", load_s * 1e3);
	bench_table_cell(tab, "%.1f", t.ns);
	bench_table_cell(tab, "%.1f", t.median_ns);
	bench_table_cell(tab, "%.3f", 1e3 / t.ns);
	bench_table_cell(tab, "%.2f", 100.0 * (double)c.decided /
			 (double)((count + ROUND_CALLS - 1) / ROUND_CALLS *
				  ROUND_CALLS));
	rc = 0;
out:
	if (rc < 0)
		fprintf(stderr, "callfence-bench regex: %llu patterns failed\n",
			(unsigned long long)n);
	cf_ruleset_scratch_free(c.scratch);
	cf_ruleset_free(rs);
	cf_diag_free(&diag);
	unlink(path);
	return rc;
}

/* "range,suffix" into a bit per kind; 0 or -1. */
static int
parse_kinds(const char *v, unsigned *kinds)
{
	char list[64], *tok, *save = NULL;
	unsigned k;

	snprintf(list, sizeof(list), "%s", v);
	*kinds = 0;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < KIND__COUNT && strcmp(tok, kind_names[k]); k++)
			;
		if (k == KIND__COUNT)
			return -1;
		*kinds |= 1u << k;
	}
	return *kinds ? 0 : -1;
}

int
cmd_regex(int argc, char **argv)
{
	struct opts o = { 100000, 10000, 0, 7, 1, 1.0, 1, NULL };
	char dir[] = "/tmp/callfence-bench-regex-XXXXXX", path[64];
	struct calls calls = { NULL, 0 };
	struct bench_table *tab = NULL;
	struct bench_env env;
	uint64_t u, n;
	int i, rc = 1;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = 0;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (!v) {
			bad = -1;
		} else if (strcmp(a, "--max-patterns") == 0) {
			bad = bench_parse_u64(v, 10, 10000000, &o.max_patterns);
		} else if (strcmp(a, "--chain-max") == 0) {
			bad = bench_parse_u64(v, 0, 10000000, &o.chain_max);
		} else if (strcmp(a, "--kinds") == 0) {
			bad = parse_kinds(v, &o.kinds);
		} else if (strcmp(a, "--patterns") == 0) {
			bad = bench_parse_u64(v, 1, 10000000, &o.only);
		} else if (strcmp(a, "--seconds") == 0) {
			bad = bench_parse_double(v, 0.001, 3600, &o.seconds);
		} else if (strcmp(a, "--seed") == 0) {
			bad = bench_parse_u64(v, 0, UINT64_MAX, &o.seed);
		} else if (strcmp(a, "--cpu") == 0) {
			bad = bench_parse_u64(v, 0, CPU_SETSIZE - 1, &u);
			o.cpu = (int)u;
		} else if (strcmp(a, "--csv") == 0) {
			o.csv = v;
		} else {
			bad = -1;
		}
		if (bad) {
			fprintf(stderr, "callfence-bench regex: bad option %s%s%s\n",
				a, v ? " " : "", v ? v : "");
			usage(stderr);
			return 2;
		}
		i++;
	}
	if (bench_pin(o.cpu) < 0)
		fprintf(stderr, "callfence-bench regex: cannot pin to cpu %d, "
			"running unpinned\n", o.cpu);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "callfence-bench regex: %s: %s\n", dir,
			strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/rules.cfr", dir);
	if (make_calls(&calls, o.seed) < 0) {
		fprintf(stderr, "callfence-bench regex: cannot generate calls\n");
		goto out;
	}
	bench_env_init(&env, argc, argv);
	tab = bench_table_open(&env, o.csv, columns,
			       sizeof(columns) / sizeof(columns[0]), false);
	if (!tab)
		goto out;
	rc = 0;
	for (n = o.only ? o.only : 10;
	     n <= (o.only ? o.only : o.max_patterns) && rc == 0; n *= 10) {
		rc = row(tab, &o, &calls, n, SHAPE_SCAN, path) < 0;
		if (rc == 0 && n <= o.chain_max)
			rc = row(tab, &o, &calls, n, SHAPE_CHAIN, path) < 0;
		if (rc == 0)
			rc = row(tab, &o, &calls, n, SHAPE_PREFIXES, path) < 0;
	}
out:
	if (tab && bench_table_close(tab) < 0)
		rc = 1;
	rmdir(dir);
	free(calls.call);
	return rc;
}
