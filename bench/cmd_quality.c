/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callfence-bench quality: run labelled synthetic traffic through a ruleset
 * and say how well it catches each fraud class: per class the calls,
 * blocked, suspected and hidden, recall, and for fraud actors (robocallers,
 * scanners, sweepers, wangiri gangs) how many calls got through before the
 * first block and how many after it; over all, precision and the
 * false-positive rate on legitimate calls; per rule, its hits on fraud and
 * on legitimate calls.
 *
 * The traffic is generated in memory (no pcap), so ten million calls take
 * seconds; the generator's lists are written to a directory and replace
 * the rules' lists of the same names.  The data plane judges everything
 * (cf_plane_judge, as replay, the tap and the daemon do): set-ups through
 * the rules, answers and releases to the heuristics (cf_plane_observe),
 * a plane pass every 256 events a worker is given.  With --workers N it
 * has N workers, each set-up judged on the one that owns its caller's
 * block, all driven from this thread (quality_plane.h); with
 * --compare-workers N a one-worker plane judges the same traffic beside
 * it and every call is compared (quality_cmp.h); --floods N lays N
 * inbound floods over the traffic (quality_flood.h), for callee-keyed
 * rules to catch.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <callfence/plane.h>
#include <callfence/ruleset.h>

#include "bench.h"
#include "bench_util.h"
#include "quality_cmp.h"
#include "quality_flood.h"
#include "quality_plane.h"

#define MAX_LISTS	16

/* Per fraud actor: when it was first stopped. */
struct actor_state {
	uint32_t calls;
	uint32_t first_block;	/* calls before the first block; UINT32_MAX = never */
	uint32_t blocked_after;	/* blocked calls from the first block on */
};

struct tally {
	uint64_t calls[GEN_CLASS__COUNT];
	uint64_t action[GEN_CLASS__COUNT][CF_ACTION__COUNT];
	uint64_t *rule_fraud, *rule_legit;	/* per rule index + default */
	uint64_t *mon_fraud, *mon_legit;	/* monitor rules: would match */
	struct actor_state *actors[GEN_CLASS__COUNT];
	uint32_t n_actors[GEN_CLASS__COUNT];
};

static bool
is_legit(enum gen_class c)
{
	return c <= GEN_LEGIT_ROAMING;
}

static bool
is_actor_class(enum gen_class c)
{
	return c >= GEN_ROBOCALL;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: callfence-bench quality --rules RULES [GENERATOR OPTIONS]\n"
		"       [--lists DIR] [--use-gen-list NAME]... [--list NAME=FILE]...\n"
		"       [--csv FILE] [--workers N | --compare-workers N]\n"
		"       [--steer-seed S] [--diff-log FILE] [--misroute-every K]\n"
		"       [--floods N [--flood-rate PER_MIN] [--flood-duration S]]\n"
		"Generator options as for `callfence-bench gen` (--calls, --seed, ...).\n"
		"The generator's lists go to --lists DIR (default: a temporary\n"
		"directory); each --use-gen-list NAME (default: blacklist, dno,\n"
		"roaming) replaces the rules' list NAME with the generated one.\n"
		"--workers N judges on a data plane of N workers (default 1), each\n"
		"set-up on the owner of its caller's block, steered with a key drawn\n"
		"from --steer-seed S (default 1).  --compare-workers N does the same\n"
		"and judges the traffic on one worker beside it: calls, rules and\n"
		"callees that differ, and the callee distinct-callers estimate's\n"
		"error; --diff-log FILE lists each call that differs.\n"
		"--misroute-every K judges every K-th set-up off its owner: a\n"
		"self-check that the comparison sees a steering bug.\n"
		"--floods N adds N inbound floods: each a callee outside the\n"
		"population called by new callers at PER_MIN a minute (default\n"
		"120) for S seconds (default 300), starting within the span; they\n"
		"are not in the class table, and the comparison reports the call\n"
		"on which each rule first caught each flood.\n");
}

static int
actor_slot(struct tally *t, enum gen_class cls, uint32_t actor)
{
	if (actor >= t->n_actors[cls]) {
		uint32_t n = actor + 1024;
		struct actor_state *a = realloc(t->actors[cls], n * sizeof(*a));

		if (!a)
			return -ENOMEM;
		memset(a + t->n_actors[cls], 0,
		       (n - t->n_actors[cls]) * sizeof(*a));
		for (uint32_t i = t->n_actors[cls]; i < n; i++)
			a[i].first_block = UINT32_MAX;
		t->actors[cls] = a;
		t->n_actors[cls] = n;
	}
	return 0;
}

static int
count(struct tally *t, const struct gen_label *l, const struct cf_verdict *v)
{
	enum gen_class c = l->cls;
	int r = v->rule_index + 1;	/* 0 = default */

	t->calls[c]++;
	t->action[c][v->action]++;
	if (v->action == CF_ACTION_BLOCK || v->action == CF_ACTION_SUSPECT ||
	    v->action == CF_ACTION_HIDE) {
		if (is_legit(c))
			t->rule_legit[r]++;
		else
			t->rule_fraud[r]++;
	}
	for (unsigned int i = 0; i < v->monitor_count &&
	     i < CF_VERDICT_MONITOR_MAX; i++) {
		if (is_legit(c))
			t->mon_legit[v->monitor[i] + 1]++;
		else
			t->mon_fraud[v->monitor[i] + 1]++;
	}
	if (is_actor_class(c)) {
		struct actor_state *a;

		if (actor_slot(t, c, l->actor) < 0)
			return -ENOMEM;
		a = &t->actors[c][l->actor];
		if (v->action == CF_ACTION_BLOCK) {
			if (a->first_block == UINT32_MAX)
				a->first_block = a->calls;
			a->blocked_after++;
		}
		a->calls++;
	}
	return 0;
}

static void
report(FILE *out, const struct tally *t, const struct cf_ruleset *rs,
       unsigned int n_rules, bool csv)
{
	uint64_t legit = 0, legit_flagged = 0, legit_blocked = 0;
	uint64_t fraud_blocked = 0, blocked = 0;
	int c;

	if (csv)
		fprintf(out, "class,calls,blocked,suspected,hidden,recall,"
			"actors,detected,delay_mean,delay_max,blocked_after_detection\n");
	else
		fprintf(out, "%-14s %10s %9s %9s %7s %8s  %s\n", "class", "calls",
			"blocked", "suspected", "hidden", "recall",
			"actors: detected, calls before first block (mean/max), blocked after");
	for (c = 0; c < GEN_CLASS__COUNT; c++) {
		const uint64_t *a = t->action[c];
		uint64_t flagged = a[CF_ACTION_BLOCK] + a[CF_ACTION_SUSPECT] +
				   a[CF_ACTION_HIDE];
		double recall = t->calls[c] ? (double)a[CF_ACTION_BLOCK] / (double)t->calls[c] : 0;
		uint32_t detected = 0, actors = 0, delay_max = 0;
		uint64_t delay_sum = 0, after = 0, after_blocked = 0;
		uint32_t i;

		blocked += a[CF_ACTION_BLOCK];
		if (is_legit(c)) {
			legit += t->calls[c];
			legit_flagged += flagged;
			legit_blocked += a[CF_ACTION_BLOCK];
		} else {
			fraud_blocked += a[CF_ACTION_BLOCK];
		}
		for (i = 0; i < t->n_actors[c]; i++) {
			const struct actor_state *s = &t->actors[c][i];

			if (s->calls == 0)
				continue;
			actors++;
			if (s->first_block == UINT32_MAX)
				continue;
			detected++;
			delay_sum += s->first_block;
			if (s->first_block > delay_max)
				delay_max = s->first_block;
			after += s->calls - s->first_block;
			after_blocked += s->blocked_after;
		}
		if (t->calls[c] == 0)
			continue;
		if (csv) {
			fprintf(out, "%s,%llu,%llu,%llu,%llu,%.6f,%u,%u,%.2f,%u,%.6f\n",
				gen_class_name(c), (unsigned long long)t->calls[c],
				(unsigned long long)a[CF_ACTION_BLOCK],
				(unsigned long long)a[CF_ACTION_SUSPECT],
				(unsigned long long)a[CF_ACTION_HIDE],
				is_legit(c) ? 0.0 : recall, actors, detected,
				detected ? (double)delay_sum / detected : 0.0, delay_max,
				after ? (double)after_blocked / (double)after : 0.0);
			continue;
		}
		fprintf(out, "%-14s %10llu %9llu %9llu %7llu %7.2f%%",
			gen_class_name(c), (unsigned long long)t->calls[c],
			(unsigned long long)a[CF_ACTION_BLOCK],
			(unsigned long long)a[CF_ACTION_SUSPECT],
			(unsigned long long)a[CF_ACTION_HIDE],
			is_legit(c) ? 0.0 : 100.0 * recall);
		if (actors)
			fprintf(out, "  %u/%u, %.1f/%u, %.2f%%", detected, actors,
				detected ? (double)delay_sum / detected : 0.0,
				delay_max,
				after ? 100.0 * (double)after_blocked / (double)after : 0.0);
		fprintf(out, "\n");
	}
	if (csv)
		return;
	fprintf(out, "\nprecision (blocked calls that were fraud): %.4f%%\n",
		blocked ? 100.0 * (double)fraud_blocked / (double)blocked : 100.0);
	fprintf(out, "false-positive rate (legitimate calls blocked): %.4f%% (%llu of %llu)\n",
		legit ? 100.0 * (double)legit_blocked / (double)legit : 0.0,
		(unsigned long long)legit_blocked, (unsigned long long)legit);
	fprintf(out, "legitimate calls marked (suspected or hidden, still connected): %.4f%% (%llu)\n",
		legit ? 100.0 * (double)(legit_flagged - legit_blocked) / (double)legit : 0.0,
		(unsigned long long)(legit_flagged - legit_blocked));
	fprintf(out, "\n%-24s %12s %12s\n", "rule", "fraud hits", "legit hits");
	for (unsigned int r = 0; r <= n_rules; r++) {
		if (!t->rule_fraud[r] && !t->rule_legit[r] &&
		    !t->mon_fraud[r] && !t->mon_legit[r])
			continue;
		if (t->mon_fraud[r] || t->mon_legit[r])
			fprintf(out, "%-24s %12llu %12llu  (monitor: would "
				"have matched)\n",
				cf_ruleset_rule_id(rs, r - 1),
				(unsigned long long)t->mon_fraud[r],
				(unsigned long long)t->mon_legit[r]);
		else
			fprintf(out, "%-24s %12llu %12llu\n",
				r ? cf_ruleset_rule_id(rs, r - 1) : "default",
				(unsigned long long)t->rule_fraud[r],
				(unsigned long long)t->rule_legit[r]);
	}
}

/* The rules with the generated lists in place of theirs. */
static int
load_rules(const char *rules, const struct cf_list_override *lists,
	   size_t n_lists, struct cf_ruleset **out, struct cf_diag *diag)
{
	if (cf_rules_open(rules, &(struct cf_rules_opts){ lists, n_lists },
			  out, diag) < 0) {
		cf_diag_print(diag, stderr);
		return -1;
	}
	return 0;
}

static int
parse_count(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int
cmd_quality(int argc, char **argv)
{
	struct cf_list_override lists[MAX_LISTS];
	static const char *const default_gen_lists[] = { "blacklist", "dno", "roaming" };
	const char *gen_lists[MAX_LISTS];
	char paths[MAX_LISTS][4096], tmpdir[] = "/tmp/callfence-quality-XXXXXX";
	const char *rules = NULL, *lists_dir = NULL, *csv_path = NULL;
	const char *diff_path = NULL;
	struct quality_flood_cfg fcfg = { .per_min = 120, .duration_s = 300 };
	struct quality_flood *flood = NULL;
	size_t n_lists = 0, n_gen = 0, k;
	struct quality_plane_cfg pcfg = { .workers = 1, .steer_seed = 1 };
	struct quality_plane *plane = NULL, *ref = NULL;
	struct quality_cmp *cmp = NULL;
	struct cf_ruleset *loaded = NULL;
	const struct cf_ruleset *rs = NULL;
	struct tally t = { 0 };
	struct gen_config cfg;
	struct cf_diag diag;
	struct gen *g = NULL;
	FILE *diff_log = NULL;
	unsigned int n_rules = 0;
	uint64_t t0, t1, events = 0, v64;
	struct quality_traffic traffic = { 0 };
	bool compare = false;
	int i, rc = 2;

	gen_config_default(&cfg);
	cf_diag_init(&diag);
	for (i = 1; i < argc; i++) {
		int r = bench_parse_gen_option(&cfg, argc, argv, &i);

		if (r < 0) {
			fprintf(stderr, "callfence-bench quality: bad value for %s\n", argv[i]);
			goto out;
		}
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc) {
			rules = argv[++i];
		} else if (strcmp(argv[i], "--lists") == 0 && i + 1 < argc) {
			lists_dir = argv[++i];
		} else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
			csv_path = argv[++i];
		} else if ((strcmp(argv[i], "--workers") == 0 ||
			    strcmp(argv[i], "--compare-workers") == 0) &&
			   i + 1 < argc) {
			if (strcmp(argv[i], "--compare-workers") == 0)
				compare = true;
			if (parse_count(argv[i + 1], CF_PLANE_WORKERS_MAX,
					&v64) < 0 || v64 == 0) {
				fprintf(stderr, "callfence-bench quality: %s: "
					"1 to %u workers\n", argv[i],
					CF_PLANE_WORKERS_MAX);
				goto out;
			}
			pcfg.workers = (unsigned int)v64;
			i++;
		} else if (strcmp(argv[i], "--steer-seed") == 0 && i + 1 < argc) {
			if (parse_count(argv[++i], UINT64_MAX, &pcfg.steer_seed) < 0) {
				fprintf(stderr, "callfence-bench quality: bad value for --steer-seed\n");
				goto out;
			}
		} else if (strcmp(argv[i], "--misroute-every") == 0 && i + 1 < argc) {
			if (parse_count(argv[++i], UINT64_MAX, &pcfg.misroute_every) < 0) {
				fprintf(stderr, "callfence-bench quality: bad value for --misroute-every\n");
				goto out;
			}
		} else if (strcmp(argv[i], "--diff-log") == 0 && i + 1 < argc) {
			diff_path = argv[++i];
		} else if (strcmp(argv[i], "--floods") == 0 && i + 1 < argc) {
			if (parse_count(argv[++i], 10000, &v64) < 0) {
				fprintf(stderr, "callfence-bench quality: --floods: 0 to 10000\n");
				goto out;
			}
			fcfg.floods = (unsigned int)v64;
		} else if (strcmp(argv[i], "--flood-rate") == 0 && i + 1 < argc) {
			fcfg.per_min = strtod(argv[++i], NULL);
		} else if (strcmp(argv[i], "--flood-duration") == 0 && i + 1 < argc) {
			fcfg.duration_s = strtod(argv[++i], NULL);
		} else if (strcmp(argv[i], "--use-gen-list") == 0 && i + 1 < argc &&
			   n_gen < MAX_LISTS) {
			gen_lists[n_gen++] = argv[++i];
		} else if (strcmp(argv[i], "--list") == 0 && i + 1 < argc &&
			   n_lists < MAX_LISTS) {
			char *eq = strchr(argv[++i], '=');

			if (!eq) {
				fprintf(stderr, "callfence-bench quality: --list NAME=FILE\n");
				goto out;
			}
			*eq = '\0';
			lists[n_lists++] = (struct cf_list_override){ argv[i], eq + 1 };
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			rc = 0;
			goto out;
		} else {
			fprintf(stderr, "callfence-bench quality: unknown option %s\n", argv[i]);
			usage(stderr);
			goto out;
		}
	}
	if (!rules || (diff_path && !compare)) {
		usage(stderr);
		goto out;
	}
	rc = 1;
	g = gen_new(&cfg);
	if (!g) {
		fprintf(stderr, "callfence-bench quality: unusable generator configuration\n");
		goto out;
	}
	if (fcfg.floods) {
		fcfg.span_s = cfg.duration_s;
		fcfg.seed = cfg.seed;
		flood = quality_flood_new(&fcfg, gen_plan(g));
		if (!flood) {
			fprintf(stderr, "callfence-bench quality: unusable flood configuration\n");
			goto out;
		}
	}
	if (!lists_dir) {
		if (!mkdtemp(tmpdir)) {
			fprintf(stderr, "callfence-bench quality: %s: %s\n", tmpdir, strerror(errno));
			goto out;
		}
		lists_dir = tmpdir;
	}
	if ((i = gen_write_lists(g, lists_dir)) < 0) {
		fprintf(stderr, "callfence-bench quality: %s: %s\n", lists_dir, strerror(-i));
		goto out;
	}
	if (n_gen == 0)
		for (; n_gen < sizeof(default_gen_lists) / sizeof(default_gen_lists[0]); n_gen++)
			gen_lists[n_gen] = default_gen_lists[n_gen];
	for (k = 0; k < n_gen && n_lists < MAX_LISTS; k++) {
		snprintf(paths[k], sizeof(paths[k]), "%s/%s.txt", lists_dir, gen_lists[k]);
		lists[n_lists++] = (struct cf_list_override){ gen_lists[k], paths[k] };
	}
	if (load_rules(rules, lists, n_lists, &loaded, &diag) < 0)
		goto out;
	/* The data plane every front end runs: its judge step, heuristics
	 * and passes, as replay and the daemon. */
	plane = quality_plane_new(&pcfg, loaded);
	if (!plane) {
		fprintf(stderr, "callfence-bench quality: out of memory\n");
		goto out;
	}
	rs = quality_plane_ruleset(plane);
	n_rules = cf_ruleset_rule_count(rs);
	if (compare) {
		/* What replay does: the same rules on one worker. */
		if (load_rules(rules, lists, n_lists, &loaded, &diag) < 0)
			goto out;
		ref = quality_plane_new(&(struct quality_plane_cfg){
			.workers = 1, .steer_seed = pcfg.steer_seed }, loaded);
		cmp = ref ? quality_cmp_new(rs, pcfg.workers) : NULL;
		if (!cmp) {
			fprintf(stderr, "callfence-bench quality: out of memory\n");
			goto out;
		}
		if (diff_path) {
			diff_log = fopen(diff_path, "w");
			if (!diff_log) {
				fprintf(stderr, "callfence-bench quality: %s: %s\n",
					diff_path, strerror(errno));
				goto out;
			}
			quality_cmp_set_log(cmp, diff_log);
		}
	}
	t.rule_fraud = calloc(n_rules + 1, sizeof(uint64_t));
	t.rule_legit = calloc(n_rules + 1, sizeof(uint64_t));
	t.mon_fraud = calloc(n_rules + 1, sizeof(uint64_t));
	t.mon_legit = calloc(n_rules + 1, sizeof(uint64_t));
	if (!t.rule_fraud || !t.rule_legit || !t.mon_fraud || !t.mon_legit) {
		fprintf(stderr, "callfence-bench quality: out of memory\n");
		goto out;
	}

	bench_print_machine(stderr);
	fprintf(stderr, "heuristic state: %u tables, %.1f MiB of %.1f MiB "
		"memory-per-core", cf_ruleset_heur_count(rs),
		(double)quality_plane_heur_memory(plane) / (1 << 20),
		(double)cf_ruleset_heur_memory(rs) / (1 << 20));
	if (pcfg.workers > 1)
		fprintf(stderr, ", on each of %u workers (steering seed %llu)",
			pcfg.workers, (unsigned long long)pcfg.steer_seed);
	fputc('\n', stderr);
	t0 = bench_now_ns();
	traffic.gen = g;
	traffic.flood = flood;
	for (;;) {
		const struct gen_label *l;
		const struct cf_call *c = quality_traffic_next(&traffic, &l);
		struct cf_verdict v, v1;
		int on;

		if (!c)
			break;
		events++;
		on = quality_plane_event(plane, c, &v);
		if (ref)
			quality_plane_event(ref, c, &v1);
		/* Flood calls (no label) are outside the class table. */
		if (on >= 0 && ((l && count(&t, l, &v) < 0) ||
				(cmp && quality_cmp_call(cmp, c, l, &v1, ref,
					&v, plane, (unsigned int)on) < 0))) {
			fprintf(stderr, "callfence-bench quality: out of memory\n");
			goto out;
		}
	}
	t1 = bench_now_ns();
	fprintf(stderr, "%llu events (%llu calls) generated and judged in %.1f s "
		"(seed %llu, rules %s)\n", (unsigned long long)events,
		(unsigned long long)cfg.calls, (double)(t1 - t0) / 1e9,
		(unsigned long long)cfg.seed, rules);
	{
		uint64_t evicted, expired;

		quality_plane_heur_stats(plane, &evicted, &expired);
		fprintf(stderr, "heuristic keys evicted %llu, open calls "
			"expired %llu", (unsigned long long)evicted,
			(unsigned long long)expired);
		if (ref) {
			quality_plane_heur_stats(ref, &evicted, &expired);
			fprintf(stderr, " (1 worker: %llu, %llu)",
				(unsigned long long)evicted,
				(unsigned long long)expired);
		}
		if (quality_plane_misrouted(plane))
			fprintf(stderr, "; %llu set-ups misrouted on purpose",
				(unsigned long long)quality_plane_misrouted(plane));
		fputc('\n', stderr);
	}
	if (flood)
		fprintf(stderr, "%u inbound floods laid over the traffic: %llu "
			"set-ups at %g a minute for %g s each, not in the "
			"class table\n", fcfg.floods,
			(unsigned long long)quality_flood_calls(flood),
			fcfg.per_min, fcfg.duration_s);
	report(stdout, &t, rs, n_rules, false);
	if (cmp) {
		quality_cmp_finish(cmp);
		quality_cmp_report(cmp, stdout);
	}
	if (csv_path) {
		FILE *f = fopen(csv_path, "w");

		if (!f) {
			fprintf(stderr, "callfence-bench quality: %s: %s\n", csv_path, strerror(errno));
			goto out;
		}
		report(f, &t, rs, n_rules, true);
		if (fclose(f) != 0)
			goto out;
	}
	rc = 0;
out:
	if (lists_dir == tmpdir) {
		gen_remove_lists(tmpdir);
		rmdir(tmpdir);
	}
	for (i = 0; i < GEN_CLASS__COUNT; i++)
		free(t.actors[i]);
	free(t.rule_fraud);
	free(t.rule_legit);
	free(t.mon_fraud);
	free(t.mon_legit);
	if (diff_log && fclose(diff_log) != 0 && rc == 0) {
		fprintf(stderr, "callfence-bench quality: %s: %s\n", diff_path,
			strerror(errno));
		rc = 1;
	}
	quality_cmp_free(cmp);
	quality_flood_free(flood);
	quality_plane_free(ref);
	quality_plane_free(plane);
	cf_diag_free(&diag);
	gen_free(g);
	return rc;
}
