/* SPDX-License-Identifier: GPL-2.0-or-later */
/* N workers against one, call by call (quality_cmp.h). */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <callfence/hash.h>
#include <callfence/heur.h>
#include <callfence/plane.h>

#include "quality_cmp.h"

#define NONE		UINT32_MAX

/* One worker's distinct-callers counts the estimate is binned by. */
static const uint32_t est_bin_lo[QUALITY_EST_BINS] = {
	1, 10, 25, 50, 100, 200, 400, 800,
};

/*
 * A small open-addressing map, (key, tag) -> two counters; tag 0 marks a
 * free entry.  Callees are tag 1 (a: calls to the callee since it was
 * first hit by any rule, or since a flood's first call; b: 1 for a
 * flood's callee); victims are tag rule + 2 (a, b: the callee's call at
 * which the rule first hit it with one worker and with N).
 */
struct map_entry {
	uint64_t key;
	uint32_t tag;
	uint32_t a, b;
};

struct map {
	struct map_entry *e;
	size_t mask, used;
};

#define TAG_CALLEE	1u
#define TAG_RULE(r)	((uint32_t)(r) + 2u)

static size_t
hash_of(uint64_t key, uint32_t tag)
{
	return (size_t)cf_hash64(key ^ (uint64_t)tag << 48);
}

static size_t
map_slot(const struct map *m, uint64_t key, uint32_t tag)
{
	return hash_of(key, tag) & m->mask;
}

static struct map_entry *
map_find(const struct map *m, uint64_t key, uint32_t tag)
{
	size_t i;

	if (!m->e)
		return NULL;
	for (i = map_slot(m, key, tag); m->e[i].tag; i = (i + 1) & m->mask)
		if (m->e[i].key == key && m->e[i].tag == tag)
			return &m->e[i];
	return NULL;
}

static int
map_grow(struct map *m)
{
	size_t n = m->e ? 2 * (m->mask + 1) : 4096, i, j;
	struct map_entry *e = calloc(n, sizeof(*e));

	if (!e)
		return -ENOMEM;
	for (i = 0; m->e && i <= m->mask; i++) {
		if (!m->e[i].tag)
			continue;
		j = hash_of(m->e[i].key, m->e[i].tag) & (n - 1);
		while (e[j].tag)
			j = (j + 1) & (n - 1);
		e[j] = m->e[i];
	}
	free(m->e);
	m->e = e;
	m->mask = n - 1;
	return 0;
}

/* The entry of (@key, @tag), made with both counters NONE if new; NULL
 * with no memory. */
static struct map_entry *
map_get(struct map *m, uint64_t key, uint32_t tag)
{
	struct map_entry *e = map_find(m, key, tag);
	size_t i;

	if (e)
		return e;
	if ((!m->e || 2 * (m->used + 1) > m->mask + 1) && map_grow(m) < 0)
		return NULL;
	for (i = map_slot(m, key, tag); m->e[i].tag; i = (i + 1) & m->mask)
		;
	m->e[i] = (struct map_entry){ key, tag, NONE, NONE };
	m->used++;
	return &m->e[i];
}

struct quality_cmp {
	const struct cf_ruleset *rs;
	unsigned int n, n_rules;
	uint64_t calls, differing, trial_differing, trial_overflow;
	uint64_t actions[CF_ACTION__COUNT][CF_ACTION__COUNT];
	uint64_t legit_one[CF_ACTION__COUNT], legit_n[CF_ACTION__COUNT];
	struct quality_rule_cmp *rule;		/* n_rules + 1: the default */
	bool *trial;				/* seen as a monitor rule */
	struct quality_est *est;
	unsigned int n_est;
	struct map map;
	FILE *log;
};

static bool
is_legit(enum gen_class c)
{
	return c <= GEN_LEGIT_ROAMING;
}

struct quality_cmp *
quality_cmp_new(const struct cf_ruleset *rs, unsigned int n)
{
	struct quality_cmp *c = calloc(1, sizeof(*c));
	unsigned int i, h = cf_ruleset_heur_count(rs);

	if (!c)
		return NULL;
	c->rs = rs;
	c->n = n;
	c->n_rules = cf_ruleset_rule_count(rs);
	c->rule = calloc(c->n_rules + 1, sizeof(*c->rule));
	c->trial = calloc(c->n_rules + 1, sizeof(*c->trial));
	c->est = calloc(h ? h : 1, sizeof(*c->est));
	if (!c->rule || !c->trial || !c->est) {
		quality_cmp_free(c);
		return NULL;
	}
	for (i = 0; i < h; i++) {
		const struct cf_heur_spec *sp = cf_ruleset_heur_spec(rs, i);
		struct quality_est *e;
		unsigned int b;

		if (sp->kind != CF_HEUR_DISTINCT_CALLERS)
			continue;
		e = &c->est[c->n_est++];
		e->heur = i;
		e->spec = *sp;
		for (b = 0; b < QUALITY_EST_BINS; b++)
			e->bin[b].lo = est_bin_lo[b];
	}
	return c;
}

void
quality_cmp_free(struct quality_cmp *c)
{
	if (!c)
		return;
	free(c->map.e);
	free(c->rule);
	free(c->trial);
	free(c->est);
	free(c);
}

void
quality_cmp_set_log(struct quality_cmp *c, FILE *log)
{
	c->log = log;
}

/* The rules @v says matched: its deciding rule (the default is
 * n_rules) and its named trial rules, in priority order. */
static unsigned int
matched(const struct quality_cmp *c, const struct cf_verdict *v,
	unsigned int *out)
{
	unsigned int i, k = 0;
	unsigned int d = v->rule_index < 0 ? c->n_rules :
					     (unsigned int)v->rule_index;
	unsigned int m = v->monitor_count < CF_VERDICT_MONITOR_MAX ?
			 v->monitor_count : CF_VERDICT_MONITOR_MAX;

	for (i = 0; i < m; i++)
		out[k++] = v->monitor[i];
	out[k++] = d;
	return k;
}

static bool
has(const unsigned int *set, unsigned int n, unsigned int r)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (set[i] == r)
			return true;
	return false;
}

/* Count @call towards the first-detection figures of the rules it hit. */
static int
track_victims(struct quality_cmp *c, const struct cf_call *call, bool flood,
	      const unsigned int *m1, unsigned int k1,
	      const unsigned int *mn, unsigned int kn)
{
	const struct cf_number *callee = cf_call_number(call, CF_PARTY_CALLEE);
	struct map_entry *e, *v;
	unsigned int i, j;

	if (!callee)
		return 0;
	e = map_find(&c->map, callee->key, TAG_CALLEE);
	if (e) {
		e->a++;
	} else if (flood) {
		e = map_get(&c->map, callee->key, TAG_CALLEE);
		if (!e)
			return -ENOMEM;
		e->a = 0;
		e->b = 1;
	}
	for (j = 0; j < 2; j++) {
		const unsigned int *m = j ? mn : m1;
		unsigned int k = j ? kn : k1;

		for (i = 0; i < k; i++) {
			if (m[i] >= c->n_rules)
				continue;	/* the default hits anyone */
			if (!e) {
				e = map_get(&c->map, callee->key, TAG_CALLEE);
				if (!e)
					return -ENOMEM;
				e->a = 0;
				e->b = 0;
			}
			/* Growing the map moves entries: the callee's
			 * count is read again after. */
			v = map_get(&c->map, callee->key, TAG_RULE(m[i]));
			if (!v)
				return -ENOMEM;
			e = map_find(&c->map, callee->key, TAG_CALLEE);
			if (j == 0 && v->a == NONE)
				v->a = e->a;
			if (j == 1 && v->b == NONE)
				v->b = e->a;
		}
	}
	return 0;
}

/* The estimate of every distinct-callers table against one worker's. */
static void
track_estimates(struct quality_cmp *c, const struct cf_call *call,
		struct quality_plane *p1, struct quality_plane *pn,
		unsigned int wn)
{
	const struct cf_plane_worker *w1 = quality_plane_worker(p1, 0);
	const struct cf_plane_worker *w = quality_plane_worker(pn, wn);
	unsigned int i, b;

	for (i = 0; i < c->n_est; i++) {
		struct quality_est *e = &c->est[i];
		uint32_t one = cf_heur_peek(cf_plane_heur(w1, e->heur), call);
		double est, err;
		struct quality_est_bin *bin;
		size_t h;

		if (one == 0)
			continue;	/* no callee to count */
		est = (double)c->n *
		      (double)cf_heur_peek(cf_plane_heur(w, e->heur), call);
		err = (est - one) / one;
		for (b = QUALITY_EST_BINS - 1; b > 0 && one < e->bin[b].lo; b--)
			;
		bin = &e->bin[b];
		bin->samples++;
		bin->ref_sum += one;
		bin->err_sum += err;
		bin->err_sq_sum += err * err;
		h = (size_t)(fabs(err) / 0.005);
		bin->hist[h < QUALITY_EST_HIST ? h : QUALITY_EST_HIST]++;
	}
}

static void
log_verdict(FILE *f, const struct quality_cmp *c, const struct cf_verdict *v)
{
	unsigned int i, m = v->monitor_count < CF_VERDICT_MONITOR_MAX ?
			    v->monitor_count : CF_VERDICT_MONITOR_MAX;

	fprintf(f, "%s by %s", cf_action_name(v->action), v->rule);
	for (i = 0; i < m; i++)
		fprintf(f, "%s%s", i ? " " : " (trial: ",
			cf_ruleset_rule_id(c->rs, v->monitor[i]));
	if (m)
		fputc(')', f);
}

static void
log_call(const struct quality_cmp *c, const struct cf_call *call,
	 const struct gen_label *l, const struct cf_verdict *one,
	 const struct cf_verdict *vn, unsigned int wn)
{
	const struct cf_party *a = &call->party[CF_PARTY_CALLER];
	const struct cf_party *b = &call->party[CF_PARTY_CALLEE];

	if (l)
		fprintf(c->log, "call %llu %s ", (unsigned long long)l->call,
			gen_class_name(l->cls));
	else
		fprintf(c->log, "flood call ");
	fprintf(c->log, "%s -> %s: 1 worker ",
		a->num.err == CF_NUM_OK ? a->num.digits : a->raw,
		b->num.err == CF_NUM_OK ? b->num.digits : b->raw);
	log_verdict(c->log, c, one);
	fprintf(c->log, "; %u workers ", c->n);
	log_verdict(c->log, c, vn);
	fprintf(c->log, " on worker %u\n", wn);
}

int
quality_cmp_call(struct quality_cmp *c, const struct cf_call *call,
		 const struct gen_label *l, const struct cf_verdict *one,
		 struct quality_plane *p1, const struct cf_verdict *vn,
		 struct quality_plane *pn, unsigned int wn)
{
	unsigned int m1[CF_VERDICT_MONITOR_MAX + 1];
	unsigned int mn[CF_VERDICT_MONITOR_MAX + 1];
	unsigned int k1 = matched(c, one, m1), kn = matched(c, vn, mn);
	unsigned int d1 = m1[k1 - 1], dn = mn[kn - 1], top, i, j;
	bool legit = l && is_legit(l->cls), same, trial_same;
	bool overflow = one->monitor_count > CF_VERDICT_MONITOR_MAX ||
			vn->monitor_count > CF_VERDICT_MONITOR_MAX;

	c->calls++;
	c->actions[one->action][vn->action]++;
	if (legit) {
		c->legit_one[one->action]++;
		c->legit_n[vn->action]++;
	}
	same = one->action == vn->action && d1 == dn;
	/* The trial rules: all but the last of each set. */
	trial_same = k1 == kn &&
		     memcmp(m1, mn, (k1 - 1) * sizeof(m1[0])) == 0 &&
		     one->monitor_count == vn->monitor_count;
	if (!same)
		c->differing++;
	if (!trial_same)
		c->trial_differing++;
	if (overflow)
		c->trial_overflow++;
	for (i = 0; i + 1 < k1; i++)
		c->trial[m1[i]] = true;
	for (i = 0; i + 1 < kn; i++)
		c->trial[mn[i]] = true;
	for (i = 0; i < k1; i++)
		c->rule[m1[i]].hits_one++;
	for (i = 0; i < kn; i++)
		c->rule[mn[i]].hits_n++;

	/* Rules up to the higher of the two deciding rules were evaluated
	 * in both runs; those below it in one run only.  Trial rules
	 * beyond a verdict's room are not named: such calls compare only
	 * their deciding rules. */
	top = d1 < dn ? d1 : dn;
	for (j = 0; j < 2; j++) {
		const unsigned int *m = j ? mn : m1, *o = j ? m1 : mn;
		unsigned int k = j ? kn : k1, ko = j ? k1 : kn;

		for (i = 0; i < k; i++) {
			struct quality_rule_cmp *r = &c->rule[m[i]];

			if (m[i] > top) {
				r->masked++;
				continue;
			}
			if (has(o, ko, m[i]) || (overflow && m[i] < top))
				continue;
			if (j) {
				r->extra++;
				r->legit_extra += legit;
			} else {
				r->missed++;
				r->legit_missed += legit;
			}
		}
	}
	if (c->log && (!same || !trial_same))
		log_call(c, call, l, one, vn, wn);
	track_estimates(c, call, p1, pn, wn);
	return track_victims(c, call, !l, m1, k1, mn, kn);
}

void
quality_cmp_finish(struct quality_cmp *c)
{
	size_t i;

	for (i = 0; c->map.e && i <= c->map.mask; i++) {
		const struct map_entry *e = &c->map.e[i], *callee;
		struct quality_victims *r;
		int64_t d;

		if (e->tag < TAG_RULE(0))
			continue;
		callee = map_find(&c->map, e->key, TAG_CALLEE);
		r = callee && callee->b == 1 ?
		    &c->rule[e->tag - TAG_RULE(0)].floods :
		    &c->rule[e->tag - TAG_RULE(0)].callees;
		if (e->a == NONE) {
			r->n_only++;
			continue;
		}
		if (e->b == NONE) {
			r->one_only++;
			continue;
		}
		d = (int64_t)e->b - (int64_t)e->a;
		if (r->both == 0 || d < r->delay_min)
			r->delay_min = d;
		if (r->both == 0 || d > r->delay_max)
			r->delay_max = d;
		r->both++;
		r->delay_sum += d;
		r->delay_abs_sum += (uint64_t)(d < 0 ? -d : d);
		r->first_one_sum += e->a;
		r->first_n_sum += e->b;
	}
}

uint64_t
quality_cmp_calls(const struct quality_cmp *c)
{
	return c->calls;
}

uint64_t
quality_cmp_differing(const struct quality_cmp *c)
{
	return c->differing;
}

uint64_t
quality_cmp_trial_differing(const struct quality_cmp *c)
{
	return c->trial_differing;
}

const struct quality_rule_cmp *
quality_cmp_rule(const struct quality_cmp *c, unsigned int i)
{
	return i <= c->n_rules ? &c->rule[i] : NULL;
}

uint64_t
quality_cmp_actions(const struct quality_cmp *c, enum cf_action from,
		    enum cf_action to)
{
	return c->actions[from][to];
}

unsigned int
quality_cmp_est_count(const struct quality_cmp *c)
{
	return c->n_est;
}

const struct quality_est *
quality_cmp_est(const struct quality_cmp *c, unsigned int i)
{
	return i < c->n_est ? &c->est[i] : NULL;
}

double
quality_est_quantile(const struct quality_est_bin *b, double q)
{
	uint64_t want = (uint64_t)ceil(q * (double)b->samples), sum = 0;
	unsigned int i;

	if (b->samples == 0)
		return 0;
	for (i = 0; i <= QUALITY_EST_HIST; i++) {
		sum += b->hist[i];
		if (sum >= want)
			return 0.005 * (i + 1);
	}
	return 0.005 * (QUALITY_EST_HIST + 1);
}

static const char *
rule_name(const struct quality_cmp *c, unsigned int r)
{
	return r < c->n_rules ? cf_ruleset_rule_id(c->rs, r) : "default";
}

/* A window as rules write it: 1m, 10m, 30s. */
static void
window_text(uint64_t ns, char *buf, size_t size)
{
	uint64_t s = ns / 1000000000u;

	if (s && s % 3600 == 0)
		snprintf(buf, size, "%lluh", (unsigned long long)(s / 3600));
	else if (s && s % 60 == 0)
		snprintf(buf, size, "%llum", (unsigned long long)(s / 60));
	else
		snprintf(buf, size, "%llus", (unsigned long long)s);
}

static double
pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

static void
report_rules(const struct quality_cmp *c, FILE *out)
{
	unsigned int r;
	bool any = false;

	fprintf(out, "\n%-24s %10s %10s %8s %8s %12s %8s\n", "rule",
		"hits 1", "hits N", "extra", "missed", "legit +/-", "masked");
	for (r = 0; r <= c->n_rules; r++) {
		const struct quality_rule_cmp *q = &c->rule[r];
		char name[64], legit[32];

		if (!q->hits_one && !q->hits_n)
			continue;
		snprintf(name, sizeof(name), "%s%s", rule_name(c, r),
			 c->trial[r] ? " (trial)" : "");
		snprintf(legit, sizeof(legit), "+%llu/-%llu",
			 (unsigned long long)q->legit_extra,
			 (unsigned long long)q->legit_missed);
		fprintf(out, "%-24s %10llu %10llu %8llu %8llu %12s %8llu\n",
			name, (unsigned long long)q->hits_one,
			(unsigned long long)q->hits_n,
			(unsigned long long)q->extra,
			(unsigned long long)q->missed, legit,
			(unsigned long long)q->masked);
	}
	for (r = 0; r < c->n_rules; r++) {
		const struct quality_rule_cmp *q = &c->rule[r];
		unsigned int f;

		if (!q->extra && !q->missed && !q->floods.both &&
		    !q->floods.one_only && !q->floods.n_only)
			continue;
		if (!any)
			fprintf(out, "\nfirst hit per callee, rules that "
				"differ or caught a flood (delay d: N workers "
				"minus 1, in calls to the callee)\n"
				"%-24s %-8s %8s %8s "
				"%7s %7s %9s %9s %8s %6s %6s\n", "rule",
				"callees", "hit", "both", "1 only", "N only",
				"before 1", "before N", "mean |d|", "min",
				"max");
		any = true;
		for (f = 0; f < 2; f++) {
			const struct quality_victims *v = f ? &q->floods :
							      &q->callees;
			double both = v->both ? (double)v->both : 1.0;

			if (!v->both && !v->one_only && !v->n_only)
				continue;
			fprintf(out, "%-24s %-8s %8llu %8llu %7llu %7llu "
				"%9.1f %9.1f %8.2f %6lld %6lld\n",
				rule_name(c, r), f ? "floods" : "others",
				(unsigned long long)(v->both + v->one_only +
						     v->n_only),
				(unsigned long long)v->both,
				(unsigned long long)v->one_only,
				(unsigned long long)v->n_only,
				(double)v->first_one_sum / both,
				(double)v->first_n_sum / both,
				(double)v->delay_abs_sum / both,
				(long long)v->delay_min,
				(long long)v->delay_max);
		}
	}
}

static void
report_estimates(const struct quality_cmp *c, FILE *out)
{
	unsigned int i, b;

	for (i = 0; i < c->n_est; i++) {
		const struct quality_est *e = &c->est[i];
		char win[16], key[16] = "";

		window_text(e->spec.window_ns, win, sizeof(win));
		if (e->spec.key_digits)
			snprintf(key, sizeof(key), " block %u",
				 e->spec.key_digits);
		fprintf(out, "\ncallee%s distinct-callers per %s: %u x the "
			"judging worker's count against 1 worker's, every "
			"set-up\n%-12s %10s %8s %8s %8s %8s %8s %14s\n", key,
			win, c->n, "1 worker", "set-ups", "mean", "bias",
			"rms", "p95", "p99", "sqrt((N-1)/n)");
		for (b = 0; b < QUALITY_EST_BINS; b++) {
			const struct quality_est_bin *s = &e->bin[b];
			char range[24];
			double mean, bias, rms;

			if (!s->samples)
				continue;
			if (b + 1 < QUALITY_EST_BINS)
				snprintf(range, sizeof(range), "%u-%u", s->lo,
					 e->bin[b + 1].lo - 1);
			else
				snprintf(range, sizeof(range), "%u+", s->lo);
			mean = s->ref_sum / (double)s->samples;
			bias = s->err_sum / (double)s->samples;
			rms = sqrt(s->err_sq_sum / (double)s->samples);
			fprintf(out, "%-12s %10llu %8.1f %7.1f%% %7.1f%% "
				"%7.1f%% %7.1f%% %13.1f%%\n", range,
				(unsigned long long)s->samples, mean,
				100 * bias, 100 * rms,
				100 * quality_est_quantile(s, 0.95),
				100 * quality_est_quantile(s, 0.99),
				100 * sqrt((double)(c->n - 1) / mean));
		}
	}
}

void
quality_cmp_report(const struct quality_cmp *c, FILE *out)
{
	unsigned int a, b;
	bool any = false;

	fprintf(out, "\n%u workers against 1, the same traffic: %llu set-ups, "
		"%llu (%.4f%%) with another verdict or deciding rule, %llu "
		"(%.4f%%) with other trial rules\n", c->n,
		(unsigned long long)c->calls,
		(unsigned long long)c->differing, pct(c->differing, c->calls),
		(unsigned long long)c->trial_differing,
		pct(c->trial_differing, c->calls));
	for (a = 0; a < CF_ACTION__COUNT; a++)
		for (b = 0; b < CF_ACTION__COUNT; b++) {
			if (a == b || !c->actions[a][b])
				continue;
			fprintf(out, "%s%s -> %s %llu", any ? ", " :
				"verdicts (1 worker -> N): ",
				cf_action_name(a), cf_action_name(b),
				(unsigned long long)c->actions[a][b]);
			any = true;
		}
	if (any)
		fputc('\n', out);
	fprintf(out, "legitimate calls blocked: %llu with 1 worker, %llu with "
		"%u; marked (suspect, hide): %llu, %llu\n",
		(unsigned long long)c->legit_one[CF_ACTION_BLOCK],
		(unsigned long long)c->legit_n[CF_ACTION_BLOCK], c->n,
		(unsigned long long)(c->legit_one[CF_ACTION_SUSPECT] +
				     c->legit_one[CF_ACTION_HIDE]),
		(unsigned long long)(c->legit_n[CF_ACTION_SUSPECT] +
				     c->legit_n[CF_ACTION_HIDE]));
	if (c->trial_overflow)
		fprintf(out, "%llu set-ups matched more trial rules than a "
			"verdict names: compared by deciding rule only\n",
			(unsigned long long)c->trial_overflow);
	report_rules(c, out);
	report_estimates(c, out);
}
