/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rulesets: building the snapshot, per-thread scratch, and judging a call.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <callfence/hash.h>
#include <callfence/prefix.h>
#include <callfence/ruleset.h>

#include "ruleset_impl.h"

/* ---- Names --------------------------------------------------------------- */

static const char *const action_names[CF_ACTION__COUNT] = {
	[CF_ACTION_ALLOW]	= "allow",
	[CF_ACTION_BLOCK]	= "block",
	[CF_ACTION_SUSPECT]	= "suspect",
	[CF_ACTION_HIDE]	= "hide",
};

/* Replies a block can carry.  603 Network Blocked: ATIS-1000099 (the
 * network, not the callee, refused; Q.850 cause 21 "call rejected").
 * 608 Rejected: RFC 8688 (an intermediary's call-analytics rejection). */
static const struct cf_reply_info reply_infos[CF_REPLY__COUNT] = {
	[CF_REPLY_NONE]	= { "none", 0, "", NULL },
	[CF_REPLY_603]	= { "603", 603, "Decline", NULL },
	[CF_REPLY_603_NETWORK_BLOCKED] = { "603-network-blocked", 603,
					   "Network Blocked",
					   "Q.850;cause=21" },
	[CF_REPLY_608]	= { "608", 608, "Rejected", NULL },
	[CF_REPLY_403]	= { "403", 403, "Forbidden", NULL },
};

static const char *const match_kind_names[CF_MATCH__COUNT] = {
	[CF_MATCH_NONE]		= "none",
	[CF_MATCH_LIST]		= "list",
	[CF_MATCH_PREFIX]	= "prefix",
	[CF_MATCH_PATTERN]	= "pattern",
	[CF_MATCH_HEUR]		= "heuristic",
	[CF_MATCH_INVALID]	= "invalid",
};

static const char *const cmp_names[CF_CMP__COUNT] = {
	[CF_CMP_GT] = ">", [CF_CMP_GE] = ">=", [CF_CMP_LT] = "<",
	[CF_CMP_LE] = "<=", [CF_CMP_EQ] = "=",
};

const char *
cf_cmp_name(enum cf_cmp cmp)
{
	return (unsigned int)cmp < CF_CMP__COUNT ? cmp_names[cmp] : "?";
}

const char *
cf_action_name(enum cf_action action)
{
	return (unsigned int)action < CF_ACTION__COUNT ?
	       action_names[action] : "?";
}

int
cf_action_parse(const char *name)
{
	int i;

	for (i = 0; i < CF_ACTION__COUNT; i++)
		if (strcmp(name, action_names[i]) == 0)
			return i;
	return -1;
}

const struct cf_reply_info *
cf_reply_info(enum cf_reply reply)
{
	return &reply_infos[(unsigned int)reply < CF_REPLY__COUNT ?
			    reply : CF_REPLY_NONE];
}

int
cf_reply_parse(const char *name)
{
	int i;

	for (i = CF_REPLY_NONE + 1; i < CF_REPLY__COUNT; i++)
		if (strcmp(name, reply_infos[i].name) == 0)
			return i;
	return -1;
}

const char *
cf_match_kind_name(enum cf_match_kind kind)
{
	return (unsigned int)kind < CF_MATCH__COUNT ?
	       match_kind_names[kind] : "?";
}

/* ---- Builder ------------------------------------------------------------- */

struct pending_rule {
	struct rs_rule r;
	uint32_t order;
};

struct cf_ruleset_builder {
	struct cf_numplan plan;
	char *strings;
	size_t strings_len, strings_cap;
	struct pending_rule *rules;
	size_t nrules, rules_cap;
	struct cf_cond *conds;
	size_t nconds, conds_cap;
	struct rs_list *lists;
	struct cf_numset **list_sets;
	size_t nlists, lists_cap;
	struct rs_prefix *prefixes;
	struct cf_numset **prefix_sets;
	size_t nprefixes, prefixes_cap;
	struct rs_pattern *patterns;
	size_t npatterns, patterns_cap;
	struct cf_heur_spec *heurs;
	size_t nheurs, heurs_cap;
	struct rs_hcond *hconds;
	size_t nhconds, hconds_cap;
	struct rs_heur_conf heur_conf;
	struct rs_rule dflt;
	bool has_default;
	bool failed;		/* an allocation failed: finish refuses */
};

/* Make room for one more of @size bytes in *@arr; false if out of memory. */
static bool
grow(void *arrp, size_t *cap, size_t n, size_t size)
{
	void **arr = arrp;
	void *p;
	size_t c;

	if (n < *cap)
		return true;
	c = *cap ? 2 * *cap : 8;
	p = realloc(*arr, c * size);
	if (!p)
		return false;
	*arr = p;
	*cap = c;
	return true;
}

static uint32_t
add_string(struct cf_ruleset_builder *b, const char *s)
{
	size_t len = strlen(s) + 1;
	uint32_t off;

	while (b->strings_len + len > b->strings_cap) {
		size_t c = b->strings_cap ? 2 * b->strings_cap : 1024;
		char *p = realloc(b->strings, c);

		if (!p) {
			b->failed = true;
			return 0;
		}
		b->strings = p;
		b->strings_cap = c;
	}
	off = (uint32_t)b->strings_len;
	memcpy(b->strings + off, s, len);
	b->strings_len += len;
	return off;
}

struct cf_ruleset_builder *
cf_ruleset_builder_new(const struct cf_numplan *plan)
{
	struct cf_ruleset_builder *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->plan = *plan;
	b->heur_conf.memory = CF_HEUR_MEMORY_DEFAULT;
	b->heur_conf.max_call_ns = CF_HEUR_MAX_CALL_DEFAULT;
	add_string(b, "");	/* offset 0: the empty string */
	b->dflt.id = add_string(b, "default");
	b->dflt.reason = add_string(b, "no rule matched");
	return b;
}

void
cf_ruleset_builder_free(struct cf_ruleset_builder *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->nlists; i++)
		cf_numset_free(b->list_sets[i]);
	for (i = 0; i < b->nprefixes; i++)
		cf_numset_free(b->prefix_sets[i]);
	free(b->strings);
	free(b->rules);
	free(b->conds);
	free(b->lists);
	free(b->list_sets);
	free(b->prefixes);
	free(b->prefix_sets);
	free(b->patterns);
	free(b->heurs);
	free(b->hconds);
	free(b);
}

int
cf_ruleset_builder_add_list(struct cf_ruleset_builder *b, const char *name,
			    const char *path, struct cf_numset *set,
			    const struct cf_list_stats *stats)
{
	size_t cap = b->lists_cap;

	if (!grow(&b->lists, &cap, b->nlists, sizeof(*b->lists)) ||
	    !grow(&b->list_sets, &b->lists_cap, b->nlists,
		  sizeof(*b->list_sets))) {
		cf_numset_free(set);
		b->failed = true;
		return -ENOMEM;
	}
	/* Both arrays grew to the same capacity. */
	if (cap != b->lists_cap) {
		struct rs_list *l = realloc(b->lists, b->lists_cap * sizeof(*l));

		if (!l) {
			cf_numset_free(set);
			b->failed = true;
			return -ENOMEM;
		}
		b->lists = l;
	}
	memset(&b->lists[b->nlists], 0, sizeof(b->lists[0]));
	b->lists[b->nlists].name = add_string(b, name);
	b->lists[b->nlists].path = add_string(b, path ? path : "");
	b->lists[b->nlists].entries = cf_numset_count(set);
	b->lists[b->nlists].duplicates = stats ? stats->duplicates : 0;
	b->list_sets[b->nlists] = set;
	return (int)b->nlists++;
}

int
cf_ruleset_builder_add_prefixes(struct cf_ruleset_builder *b,
				const uint64_t *prefixes, size_t n)
{
	struct cf_numset *set;
	size_t cap = b->prefixes_cap;
	int r;

	r = cf_numset_build(prefixes, NULL, n, NULL, 0, NULL, &set, NULL);
	if (r < 0)
		return r;
	if (!grow(&b->prefixes, &cap, b->nprefixes, sizeof(*b->prefixes)) ||
	    !grow(&b->prefix_sets, &b->prefixes_cap, b->nprefixes,
		  sizeof(*b->prefix_sets))) {
		cf_numset_free(set);
		b->failed = true;
		return -ENOMEM;
	}
	if (cap != b->prefixes_cap) {
		struct rs_prefix *p = realloc(b->prefixes,
					      b->prefixes_cap * sizeof(*p));

		if (!p) {
			cf_numset_free(set);
			b->failed = true;
			return -ENOMEM;
		}
		b->prefixes = p;
	}
	memset(&b->prefixes[b->nprefixes], 0, sizeof(b->prefixes[0]));
	b->prefixes[b->nprefixes].lengths = cf_prefix_lengths(prefixes, n);
	b->prefix_sets[b->nprefixes] = set;
	return (int)b->nprefixes++;
}

int
cf_ruleset_builder_add_pattern(struct cf_ruleset_builder *b,
			       const char *regex, enum cf_party_role party)
{
	if ((unsigned int)party >= CF_PARTY__COUNT)
		return -EINVAL;
	if (!grow(&b->patterns, &b->patterns_cap, b->npatterns,
		  sizeof(*b->patterns))) {
		b->failed = true;
		return -ENOMEM;
	}
	memset(&b->patterns[b->npatterns], 0, sizeof(b->patterns[0]));
	b->patterns[b->npatterns].text = add_string(b, regex);
	b->patterns[b->npatterns].party = (uint8_t)party;
	return (int)b->npatterns++;
}

/* ---- Heuristics: specs, memory split ---------------------------------- */

/* Bytes of a table per key it holds: the memory of a ruleset's tables is
 * split in these proportions, so every table holds about as many keys
 * (what decides whether an active caller is evicted). */
static uint64_t
heur_weight(const struct cf_heur_spec *spec)
{
	switch (spec->kind) {
	case CF_HEUR_DISTINCT:
	case CF_HEUR_DISTINCT_CALLERS:
		return 96;
	case CF_HEUR_SHORT_CALLS:
	case CF_HEUR_CONCURRENT:
		return 64;	/* a counter and an open call */
	default:
		return 32;
	}
}

/* Kept back per table for the struct cf_heur around its slots. */
#define HEUR_TABLE_OVERHEAD	1024
/* The least memory cf_heur_params_check() accepts for one table. */
#define HEUR_TABLE_MIN		(2 * 8 * 96)

static void
heur_params(const struct cf_heur_spec *spec, const struct rs_heur_conf *conf,
	    uint64_t memory, struct cf_heur_params *p)
{
	memset(p, 0, sizeof(*p));
	p->kind = (enum cf_heur_kind)spec->kind;
	p->window_ns = spec->window_ns;
	p->key_digits = spec->key_digits;
	p->range_digits = spec->range_digits;
	p->short_ns = spec->short_ns;
	p->max_call_ns = conf->max_call_ns;
	p->memory = (size_t)memory;
}

/* Table @i's share of @conf->memory. */
static uint64_t
heur_share(const struct cf_heur_spec *specs, size_t n, size_t i,
	   const struct rs_heur_conf *conf)
{
	uint64_t sum = 0, room;
	size_t k;

	for (k = 0; k < n; k++)
		sum += heur_weight(&specs[k]);
	if (conf->memory <= n * HEUR_TABLE_OVERHEAD || sum == 0)
		return 0;
	room = conf->memory - n * HEUR_TABLE_OVERHEAD;
	/* room * weight fits 64 bits for any memory below 2^56. */
	return room / sum * heur_weight(&specs[i]) +
	       room % sum * heur_weight(&specs[i]) / sum;
}

static uint64_t
heur_memory_min(const struct cf_heur_spec *specs, size_t n)
{
	uint64_t sum = 0, wmin = UINT64_MAX;
	size_t k;

	for (k = 0; k < n; k++) {
		sum += heur_weight(&specs[k]);
		if (heur_weight(&specs[k]) < wmin)
			wmin = heur_weight(&specs[k]);
	}
	if (n == 0)
		return 0;
	return n * HEUR_TABLE_OVERHEAD + (HEUR_TABLE_MIN * sum + wmin - 1) / wmin;
}

bool
rs_heur_spec_valid(const struct cf_heur_spec *spec)
{
	struct rs_heur_conf conf = { 1u << 20, CF_HEUR_MAX_CALL_DEFAULT };
	struct cf_heur_params p;

	if (spec->kind == CF_HEUR_NEIGHBOUR)
		return true;
	heur_params(spec, &conf, conf.memory, &p);
	return cf_heur_params_check(&p) == NULL;
}

void
rs_heur_sign(struct cf_ruleset *rs)
{
	uint64_t h = cf_hash64(rs->nheurs + 1);
	uint32_t i;

	h = cf_hash64(h ^ rs->heur_conf.memory);
	h = cf_hash64(h ^ rs->heur_conf.max_call_ns);
	for (i = 0; i < rs->nheurs; i++) {
		const struct cf_heur_spec *sp = &rs->heurs[i];

		h = cf_hash64(h ^ ((uint64_t)sp->kind << 16 |
				   (uint64_t)sp->key_digits << 8 |
				   sp->range_digits));
		h = cf_hash64(h ^ sp->window_ns);
		h = cf_hash64(h ^ sp->short_ns);
	}
	rs->heur_sig = h;
}

static bool
spec_equal(const struct cf_heur_spec *a, const struct cf_heur_spec *b)
{
	return a->kind == b->kind && a->key_digits == b->key_digits &&
	       a->range_digits == b->range_digits &&
	       a->window_ns == b->window_ns && a->short_ns == b->short_ns;
}

int
cf_ruleset_builder_add_heur(struct cf_ruleset_builder *b,
			    const struct cf_heur_cond_def *d)
{
	struct cf_heur_spec spec = d->spec;
	struct rs_hcond *hc;
	uint32_t si = RS_HEUR_NONE;
	size_t i;

	memset(spec.pad, 0, sizeof(spec.pad));
	if ((unsigned int)d->cmp >= CF_CMP__COUNT ||
	    spec.kind > CF_HEUR_NEIGHBOUR || !rs_heur_spec_valid(&spec))
		return -EINVAL;
	if (spec.kind != CF_HEUR_NEIGHBOUR) {
		for (i = 0; i < b->nheurs; i++)
			if (spec_equal(&b->heurs[i], &spec))
				break;
		if (i == b->nheurs) {
			if (!grow(&b->heurs, &b->heurs_cap, b->nheurs,
				  sizeof(*b->heurs))) {
				b->failed = true;
				return -ENOMEM;
			}
			b->heurs[b->nheurs++] = spec;
		}
		si = (uint32_t)i;
	} else if (d->threshold < 1 || d->threshold > CF_NUMKEY_MAX_DIGITS) {
		return -EINVAL;
	}
	if (!grow(&b->hconds, &b->hconds_cap, b->nhconds, sizeof(*b->hconds))) {
		b->failed = true;
		return -ENOMEM;
	}
	hc = &b->hconds[b->nhconds];
	memset(hc, 0, sizeof(*hc));
	hc->spec = si;
	hc->threshold = d->threshold;
	hc->cmp = (uint8_t)d->cmp;
	hc->text = add_string(b, d->text ? d->text : "heuristic");
	return (int)b->nhconds++;
}

int
cf_ruleset_builder_set_heur_config(struct cf_ruleset_builder *b,
				   uint64_t memory_per_core,
				   uint64_t max_call_ns)
{
	if (memory_per_core == 0 || memory_per_core > (UINT64_C(1) << 48) ||
	    max_call_ns == 0)
		return -EINVAL;
	b->heur_conf.memory = memory_per_core;
	b->heur_conf.max_call_ns = max_call_ns;
	return 0;
}

uint64_t
cf_ruleset_builder_heur_memory_min(const struct cf_ruleset_builder *b)
{
	return heur_memory_min(b->heurs, b->nheurs);
}

bool
rs_cond_valid(uint32_t nlists, uint32_t nprefixes, uint32_t npatterns,
	      uint32_t nhconds, const struct cf_cond *c)
{
	if (c->party >= CF_PARTY__COUNT)
		return false;
	switch ((enum cf_cond_kind)c->kind) {
	case CF_COND_IN_LIST:
		return c->arg < nlists;
	case CF_COND_PREFIX:
		return c->arg < nprefixes;
	case CF_COND_MATCHES:
		return c->arg < npatterns;
	case CF_COND_INVALID:
		return (c->arg & ~CF_INVALID__ALL) == 0;
	case CF_COND_ABSENT:
		return c->arg == 0;
	case CF_COND_EQUALS:
		return c->arg < CF_PARTY__COUNT;
	case CF_COND_INGRESS:
		return c->arg < CF_INGRESS__COUNT;
	case CF_COND_PROTO:
		return c->arg < CF_PROTO__COUNT;
	case CF_COND_PRESENTATION:
		return c->arg < CF_PRES__COUNT;
	case CF_COND_HEUR:
		return c->arg < nhconds;
	case CF_COND_DOMESTIC:
	case CF_COND_FORWARDED:
	case CF_COND_SIPI_MISMATCH:
		return true;
	case CF_COND__COUNT:
		break;
	}
	return false;
}

int
cf_ruleset_builder_add_rule(struct cf_ruleset_builder *b,
			    const struct cf_rule_def *def,
			    const struct cf_cond *conds, size_t nconds)
{
	struct pending_rule *p;
	size_t i;

	if ((unsigned int)def->action >= CF_ACTION__COUNT ||
	    (unsigned int)def->reply >= CF_REPLY__COUNT || !def->id)
		return -EINVAL;
	for (i = 0; i < nconds; i++)
		if (!rs_cond_valid((uint32_t)b->nlists, (uint32_t)b->nprefixes,
				   (uint32_t)b->npatterns, (uint32_t)b->nhconds,
				   &conds[i]) ||
		    conds[i].negate > 1)
			return -EINVAL;
	if (!grow(&b->rules, &b->rules_cap, b->nrules, sizeof(*b->rules))) {
		b->failed = true;
		return -ENOMEM;
	}
	while (b->nconds + nconds > b->conds_cap) {
		size_t c = b->conds_cap ? 2 * b->conds_cap : 32;
		struct cf_cond *n = realloc(b->conds, c * sizeof(*n));

		if (!n) {
			b->failed = true;
			return -ENOMEM;
		}
		b->conds = n;
		b->conds_cap = c;
	}
	if (nconds)
		memcpy(b->conds + b->nconds, conds, nconds * sizeof(*conds));
	p = &b->rules[b->nrules];
	memset(p, 0, sizeof(*p));
	p->r.id = add_string(b, def->id);
	p->r.reason = add_string(b, def->reason ? def->reason : "");
	p->r.first_cond = (uint32_t)b->nconds;
	p->r.ncond = (uint32_t)nconds;
	p->r.priority = def->priority;
	p->r.line = def->line;
	p->r.action = (uint8_t)def->action;
	p->r.reply = (uint8_t)(def->action == CF_ACTION_BLOCK ?
			       (def->reply ? def->reply : CF_REPLY_603) :
			       CF_REPLY_NONE);
	p->r.monitor = def->monitor;
	p->order = (uint32_t)b->nrules;
	b->nconds += nconds;
	b->nrules++;
	return 0;
}

int
cf_ruleset_builder_set_default(struct cf_ruleset_builder *b,
			       enum cf_action action, const char *reason)
{
	if ((unsigned int)action >= CF_ACTION__COUNT)
		return -EINVAL;
	b->dflt.action = (uint8_t)action;
	b->dflt.reply = action == CF_ACTION_BLOCK ? CF_REPLY_603 :
						    CF_REPLY_NONE;
	if (reason)
		b->dflt.reason = add_string(b, reason);
	b->has_default = true;
	return 0;
}

static int
rule_order(const void *pa, const void *pb)
{
	const struct pending_rule *a = pa, *b = pb;

	if (a->r.priority != b->r.priority)
		return a->r.priority < b->r.priority ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

int
rs_compile_patterns(struct cf_ruleset *rs, struct cf_diag *diag)
{
	const char **exprs;
	unsigned int *flags, *ids, i;
	hs_compile_error_t *err = NULL;
	int r = 0;

	rs->pattern_parties = 0;
	if (rs->npatterns == 0)
		return 0;
	exprs = calloc(rs->npatterns, sizeof(*exprs));
	flags = calloc(rs->npatterns, sizeof(*flags));
	ids = calloc(rs->npatterns, sizeof(*ids));
	if (!exprs || !flags || !ids) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < rs->npatterns; i++) {
		exprs[i] = rs_str(rs, rs->patterns[i].text);
		/* One hit decides a condition: stop reporting after it. */
		flags[i] = HS_FLAG_SINGLEMATCH;
		ids[i] = i;
		rs->pattern_parties |= (uint8_t)(1u << rs->patterns[i].party);
	}
	if (hs_compile_multi(exprs, flags, ids, rs->npatterns, HS_MODE_BLOCK,
			     NULL, &rs->db, &err) != HS_SUCCESS) {
		if (err && err->expression >= 0)
			cf_diag_add(diag, "error: pattern /%s/: %s",
				    exprs[err->expression], err->message);
		else
			cf_diag_add(diag, "error: patterns: %s",
				    err ? err->message : "compile failed");
		hs_free_compile_error(err);
		rs->db = NULL;
		r = -EINVAL;
		goto out;
	}
	if (hs_alloc_scratch(rs->db, &rs->proto_scratch) != HS_SUCCESS) {
		cf_diag_add(diag, "error: cannot allocate Hyperscan scratch");
		r = -ENOMEM;
	}
out:
	free(exprs);
	free(flags);
	free(ids);
	return r;
}

int
cf_ruleset_pattern_check(const char *regex, char *msg, size_t size)
{
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *err = NULL;

	if (hs_expression_info(regex, HS_FLAG_SINGLEMATCH, &info, &err) !=
	    HS_SUCCESS) {
		snprintf(msg, size, "%s", err ? err->message : "bad pattern");
		hs_free_compile_error(err);
		return -EINVAL;
	}
	free(info);
	return 0;
}

int
cf_ruleset_builder_finish(struct cf_ruleset_builder *b,
			  struct cf_ruleset **out, struct cf_diag *diag)
{
	struct cf_ruleset *rs = NULL;
	struct rs_rule *rules = NULL;
	size_t i;
	int r;

	if (b->failed) {
		cf_diag_add(diag, "error: out of memory building the ruleset");
		r = -ENOMEM;
		goto fail;
	}
	if (!b->has_default) {
		cf_diag_add(diag, "error: the ruleset has no default action");
		r = -EINVAL;
		goto fail;
	}
	if (b->nheurs && b->heur_conf.memory <
	    heur_memory_min(b->heurs, b->nheurs)) {
		cf_diag_add(diag, "error: heuristic memory-per-core %llu is too "
			    "small for %zu tables (at least %llu)",
			    (unsigned long long)b->heur_conf.memory, b->nheurs,
			    (unsigned long long)heur_memory_min(b->heurs,
								b->nheurs));
		r = -EINVAL;
		goto fail;
	}
	rs = calloc(1, sizeof(*rs));
	rules = calloc(b->nrules + 1, sizeof(*rules));
	if (!rs || !rules) {
		r = -ENOMEM;
		goto fail;
	}
	/* A ruleset of only its default has no rule array at all. */
	if (b->nrules > 1)
		qsort(b->rules, b->nrules, sizeof(*b->rules), rule_order);
	for (i = 0; i < b->nrules; i++)
		rules[i] = b->rules[i].r;
	rules[b->nrules] = b->dflt;

	rs->plan = b->plan;
	rs->strings = b->strings;
	rs->strings_len = (uint32_t)b->strings_len;
	rs->rules = rules;
	rs->nrules = (uint32_t)b->nrules;
	rs->conds = b->conds;
	rs->nconds = (uint32_t)b->nconds;
	rs->lists = b->lists;
	rs->list_sets = (const struct cf_numset **)b->list_sets;
	rs->nlists = (uint32_t)b->nlists;
	rs->prefixes = b->prefixes;
	rs->prefix_sets = (const struct cf_numset **)b->prefix_sets;
	rs->nprefixes = (uint32_t)b->nprefixes;
	rs->patterns = b->patterns;
	rs->npatterns = (uint32_t)b->npatterns;
	rs->heurs = b->heurs;
	rs->nheurs = (uint32_t)b->nheurs;
	rs->hconds = b->hconds;
	rs->nhconds = (uint32_t)b->nhconds;
	rs->heur_conf = b->heur_conf;
	rs_heur_sign(rs);
	r = rs_compile_patterns(rs, diag);
	if (r < 0)
		goto fail;

	/* From here the ruleset owns the builder's arrays and sets. */
	rs->heap[0] = b->strings;
	rs->heap[1] = rules;
	rs->heap[2] = b->conds;
	rs->heap[3] = b->lists;
	rs->heap[4] = b->prefixes;
	rs->heap[5] = b->patterns;
	rs->heap[6] = b->heurs;
	rs->heap[7] = b->hconds;
	rs->owned_sets = calloc(b->nlists + b->nprefixes + 1,
				sizeof(*rs->owned_sets));
	if (!rs->owned_sets) {
		r = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < b->nlists; i++)
		rs->owned_sets[rs->nowned++] = b->list_sets[i];
	for (i = 0; i < b->nprefixes; i++)
		rs->owned_sets[rs->nowned++] = b->prefix_sets[i];
	free(b->rules);
	free(b);
	*out = rs;
	return 0;

fail:
	if (rs) {
		hs_free_scratch(rs->proto_scratch);
		hs_free_database(rs->db);
	}
	free(rs);
	free(rules);
	cf_ruleset_builder_free(b);
	return r;
}

/* ---- Using it ------------------------------------------------------------ */

void
cf_ruleset_free(struct cf_ruleset *rs)
{
	size_t i;

	if (!rs)
		return;
	hs_free_scratch(rs->proto_scratch);
	hs_free_database(rs->db);
	for (i = 0; i < rs->nowned; i++)
		cf_numset_free(rs->owned_sets[i]);
	free(rs->owned_sets);
	for (i = 0; i < sizeof(rs->heap) / sizeof(rs->heap[0]); i++)
		free(rs->heap[i]);
	free((void *)rs->list_sets);
	free((void *)rs->prefix_sets);
	if (rs->map)
		rs_unmap(rs->map, rs->map_len);
	free(rs);
}

const struct cf_numplan *
cf_ruleset_plan(const struct cf_ruleset *rs)
{
	return &rs->plan;
}

unsigned int
cf_ruleset_rule_count(const struct cf_ruleset *rs)
{
	return rs->nrules;
}

const char *
cf_ruleset_rule_id(const struct cf_ruleset *rs, unsigned int i)
{
	return i <= rs->nrules ? rs_str(rs, rs->rules[i].id) : NULL;
}

unsigned int
cf_ruleset_list_count(const struct cf_ruleset *rs)
{
	return rs->nlists;
}

const char *
cf_ruleset_list_name(const struct cf_ruleset *rs, unsigned int i)
{
	return i < rs->nlists ? rs_str(rs, rs->lists[i].name) : NULL;
}

const struct cf_numset *
cf_ruleset_list_set(const struct cf_ruleset *rs, unsigned int i)
{
	return i < rs->nlists ? rs->list_sets[i] : NULL;
}

unsigned int
cf_ruleset_pattern_count(const struct cf_ruleset *rs)
{
	return rs->npatterns;
}

unsigned int
cf_ruleset_heur_count(const struct cf_ruleset *rs)
{
	return rs->nheurs;
}

const struct cf_heur_spec *
cf_ruleset_heur_spec(const struct cf_ruleset *rs, unsigned int i)
{
	return i < rs->nheurs ? &rs->heurs[i] : NULL;
}

uint64_t
cf_ruleset_heur_memory(const struct cf_ruleset *rs)
{
	return rs->heur_conf.memory;
}

uint64_t
cf_ruleset_heur_max_call(const struct cf_ruleset *rs)
{
	return rs->heur_conf.max_call_ns;
}

/* ---- Scratch and judging ------------------------------------------------- */

/*
 * One per worker.  Written by its worker alone while judging; allocated,
 * fitted and freed by the control thread while no worker uses it.
 */
struct cf_ruleset_scratch {
	hs_scratch_t *hs;
	uint32_t words;		/* bitmap words per party */
	uint8_t scanned;	/* parties scanned for the current call */
	uint64_t *bits;		/* CF_PARTY__COUNT * words */
	/* Heuristic state: a table per spec of the ruleset whose
	 * signature is heur_sig, and the measures of the current call. */
	uint32_t nheur;
	uint64_t heur_sig;
	struct cf_heur **heur;
	uint32_t *measure;
	/* Whether this scratch frees the tables: a scratch made for a
	 * reload shares its predecessor's tables (both used by one worker,
	 * one pass at a time) and takes them over when the reload is
	 * committed (cf_ruleset_scratch_heur_commit()). */
	bool heur_owned;
	uint32_t shards;	/* distinct-callers scale, see set_shards */
	size_t heur_memory;
};

static void
scratch_heur_free(struct cf_ruleset_scratch *s)
{
	uint32_t i;

	if (s->heur_owned) {
		for (i = 0; i < s->nheur; i++)
			cf_heur_free(s->heur[i]);
		free(s->heur);
		free(s->measure);
	}
	s->heur = NULL;
	s->measure = NULL;
	s->nheur = 0;
	s->heur_memory = 0;
}

/* Make the tables of @rs's heuristics, all or none. */
static int
scratch_heur_make(struct cf_ruleset_scratch *s, const struct cf_ruleset *rs)
{
	struct cf_heur **heur;
	uint32_t *measure, i;
	size_t total = 0;

	heur = calloc(rs->nheurs + 1, sizeof(*heur));
	measure = calloc(rs->nheurs + 1, sizeof(*measure));
	if (!heur || !measure)
		goto fail;
	for (i = 0; i < rs->nheurs; i++) {
		struct cf_heur_params p;

		heur_params(&rs->heurs[i], &rs->heur_conf,
			    heur_share(rs->heurs, rs->nheurs, i, &rs->heur_conf),
			    &p);
		heur[i] = cf_heur_new(&p);
		if (!heur[i])
			goto fail;
		total += cf_heur_memory(heur[i]);
	}
	scratch_heur_free(s);
	s->heur = heur;
	s->measure = measure;
	s->nheur = rs->nheurs;
	s->heur_sig = rs->heur_sig;
	s->heur_memory = total;
	s->heur_owned = true;
	return 0;
fail:
	if (heur)
		for (i = 0; i < rs->nheurs; i++)
			cf_heur_free(heur[i]);
	free(heur);
	free(measure);
	return -ENOMEM;
}

static bool
scratch_heur_fits(const struct cf_ruleset_scratch *s,
		  const struct cf_ruleset *rs)
{
	return s->nheur == rs->nheurs &&
	       (rs->nheurs == 0 || s->heur_sig == rs->heur_sig);
}

int
cf_ruleset_scratch_fit(struct cf_ruleset_scratch *s,
		       const struct cf_ruleset *rs)
{
	uint32_t words = (rs->npatterns + 63) / 64;

	if (rs->db && hs_alloc_scratch(rs->db, &s->hs) != HS_SUCCESS)
		return -ENOMEM;
	if (words > s->words) {
		uint64_t *bits = calloc((size_t)words * CF_PARTY__COUNT,
					sizeof(*bits));

		if (!bits)
			return -ENOMEM;
		free(s->bits);
		s->bits = bits;
		s->words = words;
	}
	if (!scratch_heur_fits(s, rs) && scratch_heur_make(s, rs) < 0)
		return -ENOMEM;
	return 0;
}

/* A scratch for @rs without heuristic tables yet. */
static struct cf_ruleset_scratch *
scratch_new(const struct cf_ruleset *rs)
{
	struct cf_ruleset_scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->shards = 1;
	if (rs->proto_scratch &&
	    hs_clone_scratch(rs->proto_scratch, &s->hs) != HS_SUCCESS) {
		free(s);
		return NULL;
	}
	return s;
}

struct cf_ruleset_scratch *
cf_ruleset_scratch_alloc(const struct cf_ruleset *rs)
{
	struct cf_ruleset_scratch *s = scratch_new(rs);

	if (s && cf_ruleset_scratch_fit(s, rs) < 0) {
		cf_ruleset_scratch_free(s);
		return NULL;
	}
	return s;
}

struct cf_ruleset_scratch *
cf_ruleset_scratch_alloc_after(const struct cf_ruleset *rs,
			       const struct cf_ruleset_scratch *prev,
			       bool *shared)
{
	struct cf_ruleset_scratch *s;

	*shared = false;
	/* The signature covers the specs and the heuristics { } block:
	 * equal signatures make equal tables. */
	if (!prev || rs->nheurs == 0 || !scratch_heur_fits(prev, rs))
		return cf_ruleset_scratch_alloc(rs);
	s = scratch_new(rs);
	if (!s)
		return NULL;
	/* The same tables, not owned until the reload is committed. */
	s->heur = prev->heur;
	s->measure = prev->measure;
	s->nheur = prev->nheur;
	s->heur_sig = prev->heur_sig;
	s->heur_memory = prev->heur_memory;
	s->shards = prev->shards;
	if (cf_ruleset_scratch_fit(s, rs) < 0) {
		cf_ruleset_scratch_free(s);
		return NULL;
	}
	*shared = true;
	return s;
}

void
cf_ruleset_scratch_heur_commit(struct cf_ruleset_scratch *next,
			       struct cf_ruleset_scratch *prev)
{
	if (!prev || next->heur != prev->heur || !prev->heur_owned)
		return;
	prev->heur_owned = false;
	next->heur_owned = true;
}

void
cf_ruleset_scratch_free(struct cf_ruleset_scratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->hs);
	free(s->bits);
	scratch_heur_free(s);
	free(s);
}

void
cf_ruleset_scratch_set_shards(struct cf_ruleset_scratch *s, unsigned int n)
{
	s->shards = n ? n : 1;
}

size_t
cf_ruleset_scratch_heur_memory(const struct cf_ruleset_scratch *s)
{
	return s->heur_memory;
}

const struct cf_heur *
cf_ruleset_scratch_heur(const struct cf_ruleset_scratch *s, unsigned int i)
{
	return i < s->nheur ? s->heur[i] : NULL;
}

/* Whether a worker sees only its share of a key's calls: calls are
 * steered by the caller (cf_ruleset_steer_digits()), so only a callee's
 * callers are spread over the workers. */
static bool
heur_sharded(const struct cf_heur_spec *sp)
{
	return sp->kind == CF_HEUR_DISTINCT_CALLERS;
}

unsigned int
cf_ruleset_steer_digits(const struct cf_ruleset *rs)
{
	unsigned int d = 0;
	uint32_t i;

	for (i = 0; i < rs->nheurs; i++) {
		const struct cf_heur_spec *sp = &rs->heurs[i];

		if (heur_sharded(sp) || sp->key_digits == 0)
			continue;
		if (d == 0 || sp->key_digits < d)
			d = sp->key_digits;
	}
	return d;
}

/* Every table sees @call; the measures of a set-up are kept for the
 * conditions.  Sharded measures are scaled to the whole key (see
 * cf_ruleset_scratch_set_shards()). */
static void
heur_observe_all(const struct cf_ruleset *rs, struct cf_ruleset_scratch *s,
		 const struct cf_call *call)
{
	uint32_t i;

	for (i = 0; i < s->nheur; i++) {
		uint64_t m = cf_heur_observe(s->heur[i], call);

		if (heur_sharded(&rs->heurs[i]))
			m *= s->shards;
		s->measure[i] = m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
	}
}

void
cf_ruleset_observe(const struct cf_ruleset *rs, struct cf_ruleset_scratch *s,
		   const struct cf_call *call)
{
	if (!scratch_heur_fits(s, rs))
		return;
	heur_observe_all(rs, s, call);
}

void
cf_ruleset_expire(const struct cf_ruleset *rs, struct cf_ruleset_scratch *s,
		  uint64_t now, unsigned int budget)
{
	uint32_t i;

	if (!scratch_heur_fits(s, rs))
		return;
	for (i = 0; i < s->nheur; i++)
		cf_heur_expire(s->heur[i], now, budget);
}

struct scan_ctx {
	uint64_t *bits;
	uint32_t nbits;
};

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
	 unsigned int flags, void *ctx)
{
	struct scan_ctx *sc = ctx;

	/* Ids come from the database: never trust them past the bitmap. */
	if (id < sc->nbits)
		sc->bits[id / 64] |= UINT64_C(1) << (id % 64);
	return 0;
}

static void
set_match(struct cf_match *m, enum cf_match_kind kind,
	  enum cf_party_role party, const char *what, const char *label,
	  const char *entry)
{
	if (m->kind != CF_MATCH_NONE)
		return;		/* the first explaining condition stays */
	m->kind = (uint8_t)kind;
	m->party = (uint8_t)party;
	m->what = what;
	m->label = label;
	snprintf(m->entry, sizeof(m->entry), "%s", entry);
}

static bool
compare(uint32_t v, enum cf_cmp cmp, uint32_t t)
{
	switch (cmp) {
	case CF_CMP_GT:
		return v > t;
	case CF_CMP_GE:
		return v >= t;
	case CF_CMP_LT:
		return v < t;
	case CF_CMP_LE:
		return v <= t;
	case CF_CMP_EQ:
		return v == t;
	default:
		return false;
	}
}

/* Leading digits @a and @b share. */
static uint32_t
shared_digits(const struct cf_number *a, const struct cf_number *b)
{
	uint32_t i, n = a->len < b->len ? a->len : b->len;

	for (i = 0; i < n && a->digits[i] == b->digits[i]; i++)
		;
	return i;
}

/* A heuristic condition: the measure the scratch took for this call. */
static bool
eval_heur(const struct cf_ruleset *rs, const struct cf_ruleset_scratch *s,
	  const struct cf_call *call, const struct rs_hcond *hc, bool negate,
	  struct cf_match *m)
{
	const struct cf_number *num;
	const struct cf_heur_spec *sp;
	enum cf_party_role party = CF_PARTY_CALLER;
	uint32_t measure;
	unsigned int d;

	if (hc->spec == RS_HEUR_NONE) {
		const struct cf_number *callee;

		if (!cf_heur_neighbour(call, hc->threshold))
			return false;
		num = cf_call_number(call, CF_PARTY_CALLER);
		callee = cf_call_number(call, CF_PARTY_CALLEE);
		measure = shared_digits(num, callee);
		d = 0;
	} else {
		sp = &rs->heurs[hc->spec];
		measure = s->measure[hc->spec];
		if (!compare(measure, (enum cf_cmp)hc->cmp, hc->threshold))
			return false;
		if (sp->kind == CF_HEUR_DISTINCT_CALLERS)
			party = CF_PARTY_CALLEE;
		num = cf_call_number(call, party);
		d = sp->key_digits;
	}
	if (!negate && m->kind == CF_MATCH_NONE) {
		set_match(m, CF_MATCH_HEUR, party, rs_str(rs, hc->text), "",
			  num ? num->digits : "");
		if (d && d < sizeof(m->entry))
			m->entry[d] = '\0';	/* the block, not the number */
		m->measure = measure;
		m->threshold = hc->threshold;
	}
	return true;
}

uint32_t
cf_invalid_default(enum cf_party_role party)
{
	uint32_t m = CF_INVALID__ALL & ~CF_INVALID_ABSENT &
		     ~CF_INVALID_REASON(CF_NUM_ANONYMOUS);

	if (party == CF_PARTY_CALLER || party == CF_PARTY_CALLEE)
		m |= CF_INVALID_ABSENT;
	return m;
}

const char *
cf_invalid_reason_name(enum cf_num_err err, bool present)
{
	return present ? cf_num_err_name(err) : "absent";
}

/* `PARTY invalid [REASON, ...]`: the party has no usable number, for one
 * of the condition's reasons. */
static bool
eval_invalid(const struct cf_cond *c, const struct cf_party *p,
	     struct cf_match *m)
{
	uint32_t reasons = c->arg ? c->arg :
			   cf_invalid_default((enum cf_party_role)c->party);
	uint32_t bit;

	if (!p->present)
		bit = CF_INVALID_ABSENT;
	else if (p->num.err != CF_NUM_OK && p->num.err < CF_NUM_ERR__COUNT)
		bit = CF_INVALID_REASON(p->num.err);
	else
		return false;
	if (!(reasons & bit))
		return false;
	if (!c->negate)
		set_match(m, CF_MATCH_INVALID, c->party,
			  cf_invalid_reason_name(p->num.err, p->present), "",
			  "");
	return true;
}

/* One condition, before `not`.  @m collects what matched. */
static bool
eval_cond(const struct cf_ruleset *rs, struct cf_ruleset_scratch *s,
	  const struct cf_call *call, const struct cf_cond *c,
	  struct cf_match *m, int *err)
{
	const struct cf_number *num = cf_call_number(call, c->party);
	const struct cf_party *p = &call->party[c->party];
	const struct cf_number *other;
	uint64_t *bits;
	uint64_t pk;
	int r;

	switch ((enum cf_cond_kind)c->kind) {
	case CF_COND_IN_LIST:
		if (!num)
			return false;
		r = cf_numset_lookup(rs->list_sets[c->arg], num->key);
		if (r == CF_NUMSET_ABSENT)
			return false;
		if (!c->negate)
			set_match(m, CF_MATCH_LIST, c->party,
				  rs_str(rs, rs->lists[c->arg].name),
				  cf_numset_label_name(rs->list_sets[c->arg],
						       (unsigned int)r),
				  num->digits);
		return true;
	case CF_COND_PREFIX:
		if (!num)
			return false;
		if (cf_prefix_match(rs->prefix_sets[c->arg],
				    rs->prefixes[c->arg].lengths, num->key,
				    &pk) == CF_NUMSET_ABSENT)
			return false;
		if (!c->negate) {
			char digits[CF_NUMKEY_MAX_DIGITS + 1];

			cf_numkey_unpack(pk, digits, sizeof(digits));
			set_match(m, CF_MATCH_PREFIX, c->party, NULL, "",
				  digits);
		}
		return true;
	case CF_COND_MATCHES:
		if (!num)
			return false;
		bits = s->bits + (size_t)c->party * s->words;
		if (!(s->scanned & (1u << c->party))) {
			struct scan_ctx sc = { bits, s->words * 64 };

			memset(bits, 0, s->words * sizeof(*bits));
			if (hs_scan(rs->db, num->digits, num->len, 0, s->hs,
				    on_match, &sc) != HS_SUCCESS) {
				*err = -EINVAL;
				return false;
			}
			s->scanned |= (uint8_t)(1u << c->party);
		}
		if (!(bits[c->arg / 64] & (UINT64_C(1) << (c->arg % 64))))
			return false;
		if (!c->negate)
			set_match(m, CF_MATCH_PATTERN, c->party,
				  rs_str(rs, rs->patterns[c->arg].text), "",
				  num->digits);
		return true;
	case CF_COND_DOMESTIC:
		return num && num->domestic;
	case CF_COND_INVALID:
		return eval_invalid(c, p, m);
	case CF_COND_ABSENT:
		if (p->present)
			return false;
		if (!c->negate)
			set_match(m, CF_MATCH_INVALID, c->party, "absent", "",
				  "");
		return true;
	case CF_COND_EQUALS:
		other = cf_call_number(call, c->arg);
		return num && other && num->key == other->key;
	case CF_COND_INGRESS:
		return call->ingress == c->arg;
	case CF_COND_PROTO:
		return call->proto == c->arg;
	case CF_COND_PRESENTATION:
		return call->presentation == c->arg;
	case CF_COND_FORWARDED:
		return call->forwarded;
	case CF_COND_SIPI_MISMATCH:
		return call->sipi_mismatch;
	case CF_COND_HEUR:
		return eval_heur(rs, s, call, &rs->hconds[c->arg], c->negate, m);
	case CF_COND__COUNT:
		break;
	}
	return false;
}

static void
decide(const struct cf_ruleset *rs, const struct rs_rule *rule, int index,
       struct cf_verdict *v)
{
	v->action = rule->action;
	v->reply = rule->action == CF_ACTION_BLOCK ? rule->reply :
						     CF_REPLY_NONE;
	v->rule = rs_str(rs, rule->id);
	v->reason = rs_str(rs, rule->reason);
	v->rule_index = index;
}

int
cf_ruleset_judge(const struct cf_ruleset *rs,
		 struct cf_ruleset_scratch *s, const struct cf_call *call,
		 struct cf_verdict *v)
{
	uint32_t i, k;
	int err = 0;

	memset(v, 0, sizeof(*v));
	v->match.label = "";
	if (rs->npatterns > (uint64_t)s->words * 64 || (rs->db && !s->hs) ||
	    !scratch_heur_fits(s, rs)) {
		decide(rs, &rs->rules[rs->nrules], -1, v);
		return -EINVAL;
	}
	s->scanned = 0;
	/* Before any rule: every attempt counts, whichever rule decides. */
	heur_observe_all(rs, s, call);
	for (i = 0; i < rs->nrules; i++) {
		const struct rs_rule *rule = &rs->rules[i];
		struct cf_match m = { .label = "" };
		bool all = true;

		for (k = 0; k < rule->ncond && all; k++) {
			const struct cf_cond *c = &rs->conds[rule->first_cond + k];

			all = eval_cond(rs, s, call, c, &m, &err) != c->negate;
			if (err) {
				decide(rs, &rs->rules[rs->nrules], -1, v);
				return err;
			}
		}
		if (!all)
			continue;
		if (rule->monitor) {
			if (v->monitor_count < CF_VERDICT_MONITOR_MAX)
				v->monitor[v->monitor_count] = (uint16_t)i;
			v->monitor_count++;
			continue;
		}
		decide(rs, rule, (int)i, v);
		v->match = m;
		return 0;
	}
	decide(rs, &rs->rules[rs->nrules], -1, v);
	return 0;
}
