/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compiled rulesets: the immutable snapshot a worker judges calls with.
 *
 * A ruleset holds a numbering plan, the operator's lists (number sets),
 * prefix tables, ONE Hyperscan block-mode database for every regular
 * expression, and the rule chain in priority order.  It is built off the
 * hot path (from a rules file by the compiler in rules/compiler, or from a
 * compiled file by cf_ruleset_load()), never changes afterwards, and is
 * published to workers by the daemon (RCU).  A build or load that fails
 * returns an error and touches nothing: the caller's old ruleset stays.
 *
 * Judging (cf_ruleset_judge) allocates nothing, locks nothing and logs
 * nothing; each worker thread brings its own scratch.
 */
#ifndef CALLFENCE_RULESET_H
#define CALLFENCE_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <callfence/call.h>
#include <callfence/heur.h>
#include <callfence/number.h>
#include <callfence/numset.h>

/* ---- Diagnostics: every error of a build, in order --------------------- */

/* Collected messages, each "file:line:col: error: ..." or similar. */
struct cf_diag {
	char **msgs;
	size_t count;
	size_t cap;
};

void cf_diag_init(struct cf_diag *diag);
/* Add one message (printf-like).  Control thread. */
void cf_diag_add(struct cf_diag *diag, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print every message, one a line. */
void cf_diag_print(const struct cf_diag *diag, FILE *f);
void cf_diag_free(struct cf_diag *diag);

/* ---- List files ---------------------------------------------------------- */

/* Errors reported per list file before the rest are only counted. */
#define CF_LIST_ERRORS_MAX	100

struct cf_list_stats {
	uint64_t lines;
	uint64_t numbers;	/* lines with a number, duplicates included */
	uint64_t duplicates;
	uint64_t errors;
	struct cf_numset_stats set;
};

/*
 * Load the list file @path: one number a line in any written form the
 * plan reads (visual separators and spaces allowed), an optional label
 * after it: after the first ';', ',' or tab, or else the last
 * space-separated word when it is not digits ("fraud-2024").  '#' starts
 * a comment, blank lines and CRLF line ends are fine.  Every number is
 * normalised with @plan; a number column holding anything but digits,
 * '+' and separators ("1380013800O"), a label of digits only, or a number
 * that does not normalise adds "path:line: error: TEXT: reason" to
 * @diag.  The file is streamed: only the keys are kept (8 bytes per
 * number, plus one per number once a label appears).  On success *@out is a new set and 0 is
 * returned; on any error nothing is returned but -errno or -EINVAL.
 * Control thread.
 */
int cf_list_load(const char *path, const struct cf_numplan *plan,
		 struct cf_numset **out, struct cf_list_stats *stats,
		 struct cf_diag *diag);

/* ---- Verdicts ------------------------------------------------------------- */

enum cf_action {
	CF_ACTION_ALLOW = 0,
	CF_ACTION_BLOCK,
	CF_ACTION_SUSPECT,	/* allow, marked for the operator */
	CF_ACTION_HIDE,		/* allow with the caller's number withheld */
	CF_ACTION__COUNT,
};

/* How a block is answered. */
enum cf_reply {
	CF_REPLY_NONE = 0,		/* not a block */
	CF_REPLY_603,			/* 603 Decline (the default) */
	CF_REPLY_603_NETWORK_BLOCKED,	/* ATIS-1000099 */
	CF_REPLY_608,			/* 608 Rejected, RFC 8688 */
	CF_REPLY_403,			/* 403 Forbidden */
	CF_REPLY__COUNT,
};

struct cf_reply_info {
	const char *name;	/* as rules write it: "603-network-blocked" */
	uint16_t code;		/* SIP status code */
	const char *phrase;	/* SIP reason phrase */
	const char *reason_hdr;	/* Reason header value, or NULL */
};

const char *cf_action_name(enum cf_action action);
int cf_action_parse(const char *name);		/* -1 if unknown */
const struct cf_reply_info *cf_reply_info(enum cf_reply reply);
int cf_reply_parse(const char *name);		/* -1 if unknown */

/* What made a rule match, for `query` and the verdict log. */
enum cf_match_kind {
	CF_MATCH_NONE = 0,	/* context conditions only */
	CF_MATCH_LIST,		/* party's number is in list @what */
	CF_MATCH_PREFIX,	/* party's number starts with @entry */
	CF_MATCH_PATTERN,	/* party's number matches regex @what */
	CF_MATCH_HEUR,		/* heuristic @what held: @measure vs @threshold */
	CF_MATCH_INVALID,	/* party has no usable number; @what is why:
				 * "absent" or a cf_num_err_name() */
	CF_MATCH__COUNT,
};

struct cf_match {
	uint8_t kind;		/* enum cf_match_kind */
	uint8_t party;		/* enum cf_party_role */
	const char *what;	/* list name, pattern or heuristic condition
				 * as written ("caller calls > 30 per 1m") */
	const char *label;	/* list entry's label, "" if none */
	char entry[CF_NUMKEY_MAX_DIGITS + 1];	/* number, prefix or the
						 * heuristic's key */
	uint32_t measure;	/* HEUR: what the state measured */
	uint32_t threshold;	/* HEUR: what the rule compares it with */
};

const char *cf_match_kind_name(enum cf_match_kind kind);

/* Monitor rules a verdict remembers (more are counted, not named). */
#define CF_VERDICT_MONITOR_MAX	4

/* The answer for one call.  Strings point into the ruleset: valid while
 * the ruleset is. */
struct cf_verdict {
	enum cf_action action;
	enum cf_reply reply;		/* CF_REPLY_NONE unless blocked */
	const char *rule;		/* the deciding rule's id, or "default" */
	const char *reason;
	int rule_index;			/* in priority order; -1 = default */
	struct cf_match match;
	/* Monitor rules that matched before the decision ("would block"). */
	unsigned int monitor_count;
	uint16_t monitor[CF_VERDICT_MONITOR_MAX];
};

/* ---- Rules: what the compiler hands to the builder ----------------------- */

/*
 * Condition kinds.  Extension point: a new condition adds a kind here, a
 * keyword in the compiler's condition table (rules/compiler/compile.c)
 * and a case in eval_cond() (engine/ruleset/ruleset.c); heuristics with
 * per-caller state are CF_COND_HEUR conditions whose tables live in the
 * scratch (struct cf_ruleset_scratch).
 */
enum cf_cond_kind {
	CF_COND_IN_LIST = 0,	/* party in list #arg */
	CF_COND_PREFIX,		/* party starts with a prefix of table #arg */
	CF_COND_MATCHES,	/* party matches pattern #arg */
	CF_COND_DOMESTIC,	/* party's number has the plan's country code */
	CF_COND_INVALID,	/* party absent or not normalised; arg: 0 =
				 * the default reasons (see below), else a
				 * mask of CF_INVALID_* */
	CF_COND_EQUALS,		/* party's number == party #arg's */
	CF_COND_INGRESS,	/* call's ingress class == arg */
	CF_COND_PROTO,		/* call's protocol == arg */
	CF_COND_PRESENTATION,	/* caller's presentation == arg */
	CF_COND_FORWARDED,	/* the call was forwarded */
	CF_COND_HEUR,		/* heuristic condition #arg (see below) */
	CF_COND_SIPI_MISMATCH,	/* SIP-I: the IAM and the SIP headers differ */
	CF_COND_ABSENT,		/* no number carried for party */
	CF_COND__COUNT,
};

/*
 * Reasons of an `invalid` condition, as a mask: one bit per enum
 * cf_num_err, and the bit of CF_NUM_OK (never a reason) for a party the
 * message did not carry at all.  Arg 0 is plain `PARTY invalid`: every
 * error but CF_NUM_ANONYMOUS (withheld is not invalid), and absent too
 * for the caller and the callee, which every set-up has (a missing
 * redirecting number is only a call that was not forwarded).
 */
#define CF_INVALID_ABSENT	(UINT32_C(1) << CF_NUM_OK)
#define CF_INVALID_REASON(err)	(UINT32_C(1) << (err))
#define CF_INVALID__ALL		((UINT32_C(1) << CF_NUM_ERR__COUNT) - 1)
_Static_assert(CF_NUM_ERR__COUNT < 32, "invalid reasons fit the arg");

/* The reasons plain `PARTY invalid` (arg 0) covers for @party. */
uint32_t cf_invalid_default(enum cf_party_role party);
/* "absent" for CF_INVALID_ABSENT's reason, else cf_num_err_name(). */
const char *cf_invalid_reason_name(enum cf_num_err err, bool present);

struct cf_cond {
	uint8_t kind;		/* enum cf_cond_kind */
	uint8_t party;		/* enum cf_party_role, where it applies */
	uint8_t negate;		/* `not` */
	uint8_t pad;
	uint32_t arg;
};

struct cf_rule_def {
	const char *id;
	const char *reason;
	int32_t priority;
	uint32_t line;		/* in the rules file, for tools */
	enum cf_action action;
	enum cf_reply reply;	/* block only; CF_REPLY_NONE = 603 */
	bool monitor;
};

/* ---- Heuristic conditions ----------------------------------------------- */

/* How a heuristic's measure is compared with the rule's number. */
enum cf_cmp {
	CF_CMP_GT = 0,		/* > */
	CF_CMP_GE,		/* >= */
	CF_CMP_LT,		/* < */
	CF_CMP_LE,		/* <= */
	CF_CMP_EQ,		/* = */
	CF_CMP__COUNT,
};

const char *cf_cmp_name(enum cf_cmp cmp);	/* ">", ... */

/*
 * A heuristic measure: what one struct cf_heur table per worker counts.
 * Conditions of a ruleset with equal specs share one table; the spec is
 * plain data, the same in memory and in a compiled file.  kind
 * CF_HEUR__COUNT is the stateless neighbour test (caller shares its
 * first `threshold` digits with the callee).
 */
struct cf_heur_spec {
	uint8_t kind;		/* enum cf_heur_kind */
	uint8_t key_digits;	/* 0 = the whole number */
	uint8_t range_digits;	/* RANGE: callee block length */
	uint8_t pad[5];
	uint64_t window_ns;	/* 0 where the kind has none */
	uint64_t short_ns;	/* SHORT_CALLS */
};

#define CF_HEUR_NEIGHBOUR		CF_HEUR__COUNT
/* Defaults of the rules' heuristics { } block. */
#define CF_HEUR_MEMORY_DEFAULT		(UINT64_C(64) << 20)
#define CF_HEUR_MAX_CALL_DEFAULT	(UINT64_C(4) * 3600 * 1000000000)

struct cf_heur_cond_def {
	struct cf_heur_spec spec;
	enum cf_cmp cmp;
	uint32_t threshold;	/* NEIGHBOUR: digits */
	const char *text;	/* as rules write it, for query and logs */
};

struct cf_ruleset;
struct cf_ruleset_builder;

/* All builder calls: control thread, one builder at a time per object. */
struct cf_ruleset_builder *cf_ruleset_builder_new(const struct cf_numplan *plan);
/* Free a builder that was not finished, with everything given to it. */
void cf_ruleset_builder_free(struct cf_ruleset_builder *b);
/* Add a list; takes @set.  Returns its index or a negative errno. */
int cf_ruleset_builder_add_list(struct cf_ruleset_builder *b,
				const char *name, const char *path,
				struct cf_numset *set,
				const struct cf_list_stats *stats);
/* Add a prefix table of @n prefix keys; returns its index or -errno. */
int cf_ruleset_builder_add_prefixes(struct cf_ruleset_builder *b,
				    const uint64_t *prefixes, size_t n);
/* Add a regular expression scanned over @party's E.164 digits; returns
 * its index (the Hyperscan id) or -errno. */
int cf_ruleset_builder_add_pattern(struct cf_ruleset_builder *b,
				   const char *regex,
				   enum cf_party_role party);
int cf_ruleset_builder_add_rule(struct cf_ruleset_builder *b,
				const struct cf_rule_def *def,
				const struct cf_cond *conds, size_t nconds);
int cf_ruleset_builder_set_default(struct cf_ruleset_builder *b,
				   enum cf_action action, const char *reason);
/*
 * Add a heuristic condition; returns its index (the arg of a CF_COND_HEUR
 * condition) or -errno (-EINVAL: @d's spec fails cf_heur_params_check()).
 * Equal specs share one table.
 */
int cf_ruleset_builder_add_heur(struct cf_ruleset_builder *b,
				const struct cf_heur_cond_def *d);
/* Heuristic memory per worker (split among the tables, fixed when a
 * scratch is allocated) and how long an open call is remembered. */
int cf_ruleset_builder_set_heur_config(struct cf_ruleset_builder *b,
				       uint64_t memory_per_core,
				       uint64_t max_call_ns);
/* The least memory_per_core that gives each table of @b its minimum. */
uint64_t cf_ruleset_builder_heur_memory_min(const struct cf_ruleset_builder *b);
/*
 * Order the rules by priority (file order among equals), compile the
 * patterns into one database, and make the ruleset.  Consumes @b whatever
 * the result.  Returns 0 with *@out set, or -errno with messages in @diag
 * and *@out untouched.
 */
int cf_ruleset_builder_finish(struct cf_ruleset_builder *b,
			      struct cf_ruleset **out, struct cf_diag *diag);

/*
 * Check one regular expression as the builder will compile it.  Returns 0,
 * or -EINVAL with Hyperscan's message in @msg (@size bytes).
 */
int cf_ruleset_pattern_check(const char *regex, char *msg, size_t size);

/* ---- Using a ruleset ------------------------------------------------------ */

/* Free a ruleset (NULL is fine).  After the daemon's grace period. */
void cf_ruleset_free(struct cf_ruleset *rs);

const struct cf_numplan *cf_ruleset_plan(const struct cf_ruleset *rs);
/* Rules in priority order, the default excluded. */
unsigned int cf_ruleset_rule_count(const struct cf_ruleset *rs);
const char *cf_ruleset_rule_id(const struct cf_ruleset *rs, unsigned int i);
unsigned int cf_ruleset_list_count(const struct cf_ruleset *rs);
const char *cf_ruleset_list_name(const struct cf_ruleset *rs, unsigned int i);
const struct cf_numset *cf_ruleset_list_set(const struct cf_ruleset *rs,
					    unsigned int i);
unsigned int cf_ruleset_pattern_count(const struct cf_ruleset *rs);
/* Heuristic tables (distinct specs) per worker, and their spec. */
unsigned int cf_ruleset_heur_count(const struct cf_ruleset *rs);
const struct cf_heur_spec *cf_ruleset_heur_spec(const struct cf_ruleset *rs,
						unsigned int i);
/* The heuristics { } settings. */
uint64_t cf_ruleset_heur_memory(const struct cf_ruleset *rs);
uint64_t cf_ruleset_heur_max_call(const struct cf_ruleset *rs);

/* Per-thread working memory for judging: one per worker. */
struct cf_ruleset_scratch;

/*
 * Scratch for judging with @rs (and any ruleset with no more patterns
 * after cf_ruleset_scratch_fit()).  It owns the worker's heuristic state:
 * one struct cf_heur per heuristic spec of @rs, their memory (at most the
 * ruleset's memory-per-core) taken here and never again.  Control thread;
 * NULL on failure.
 */
struct cf_ruleset_scratch *cf_ruleset_scratch_alloc(const struct cf_ruleset *rs);
/*
 * Grow @scratch to fit @rs too (before publishing @rs).  Heuristic state
 * is kept when @rs has the same heuristics (specs, memory, max-call) as
 * the ruleset the scratch was made for; otherwise the tables are made
 * afresh for @rs, and the scratch no longer fits the old ruleset.
 * 0 or -ENOMEM.
 */
int cf_ruleset_scratch_fit(struct cf_ruleset_scratch *scratch,
			   const struct cf_ruleset *rs);
void cf_ruleset_scratch_free(struct cf_ruleset_scratch *scratch);

/*
 * Carry heuristic state across a reload without a second set of tables.
 * cf_ruleset_scratch_alloc_after() makes a scratch for @rs; when @prev
 * (the same worker's scratch of the ruleset in force) has the same
 * heuristics (specs, memory, max-call), the new scratch uses @prev's
 * tables (*@shared set) instead of new ones, so the new ruleset goes on
 * counting where the old one stopped.  The two scratches then hold the
 * same tables: that is safe because both belong to one worker, which
 * judges with one of them at a time.  When the new ruleset is published,
 * cf_ruleset_scratch_heur_commit() hands the tables' ownership to @next,
 * so freeing @prev after the grace period leaves them alone; a reload
 * that is abandoned instead just frees @next (it never owned them).
 * Control thread, before @rs is published; NULL on failure.
 */
struct cf_ruleset_scratch *
cf_ruleset_scratch_alloc_after(const struct cf_ruleset *rs,
			       const struct cf_ruleset_scratch *prev,
			       bool *shared);
void cf_ruleset_scratch_heur_commit(struct cf_ruleset_scratch *next,
				    struct cf_ruleset_scratch *prev);

/*
 * The data plane steers calls to workers by the caller's block at the
 * shortest block length the heuristics key on (cf_ruleset_steer_digits()),
 * so every caller- and caller-block-keyed measure is exact whatever the
 * worker count.  A callee's callers are spread over the workers, though:
 * with @n workers a worker sees about 1/@n of them, and distinct-callers
 * is multiplied by @n, an estimate of the callee's total, before it is
 * compared.  Default 1.  Control thread, before the scratch is used.
 */
void cf_ruleset_scratch_set_shards(struct cf_ruleset_scratch *scratch,
				   unsigned int n);
/*
 * The caller digits calls must be steered by so that every caller-keyed
 * heuristic table of @rs sees all the calls of each of its keys: the
 * shortest block length (`caller block D`) its heuristics use, or 0 (the
 * whole number) when none keys on a block.
 */
unsigned int cf_ruleset_steer_digits(const struct cf_ruleset *rs);

/* Bytes of heuristic state the scratch holds, and table @i (tests,
 * metrics: read-only, from the owning worker or stale from others). */
size_t cf_ruleset_scratch_heur_memory(const struct cf_ruleset_scratch *s);
const struct cf_heur *cf_ruleset_scratch_heur(const struct cf_ruleset_scratch *s,
					      unsigned int i);

/*
 * Judge @call (a set-up): first every heuristic table of @scratch
 * observes it, so every attempt counts whichever rule decides; then the
 * rules in priority order, the first matching rule that is not a monitor
 * rule decides, otherwise the default.  Fills *@v and returns 0; -EINVAL
 * only for a scratch that does not fit @rs (a bug).  Worker threads, each
 * with its own @scratch, for the callers steered to it; call with the RCU
 * read side held on @rs.  No allocation, no locks.
 */
int cf_ruleset_judge(const struct cf_ruleset *rs,
		     struct cf_ruleset_scratch *scratch,
		     const struct cf_call *call, struct cf_verdict *v);

/*
 * Give @call (an answer or a release; a set-up that is not judged is
 * recorded too) to the heuristic tables: short-call and concurrent-call
 * measures need them.  The owning worker, as for cf_ruleset_judge().
 */
void cf_ruleset_observe(const struct cf_ruleset *rs,
			struct cf_ruleset_scratch *scratch,
			const struct cf_call *call);

/*
 * Forget calls whose release never came (older than max-call), looking
 * at @budget sets of each open-call table from where the last sweep
 * stopped: once per batch, so no call pays for a full sweep.  Owning
 * worker.
 */
void cf_ruleset_expire(const struct cf_ruleset *rs,
		       struct cf_ruleset_scratch *scratch, uint64_t now,
		       unsigned int budget);

/* ---- Compiled files ------------------------------------------------------- */

/* 2: heuristics; 3: invalid reason masks, absent, plan flags */
#define CF_RULESET_FILE_VERSION	3

/*
 * Write @rs to @path atomically: a temporary file beside it, fsync, rename,
 * fsync of the directory.  Returns 0 or -errno with a message in @diag; a
 * failed save leaves any old @path as it was.  Control thread.
 */
int cf_ruleset_save(const struct cf_ruleset *rs, const char *path,
		    struct cf_diag *diag);

/*
 * Map a compiled file and use it in place: lists straight from the map,
 * the Hyperscan database deserialised (never recompiled).  Wrong magic,
 * version, size, checksum or any inconsistent section is refused with a
 * message in @diag; then *@out is untouched.  Control thread.
 */
int cf_ruleset_load(const char *path, struct cf_ruleset **out,
		    struct cf_diag *diag);

/* Whether @path starts like a compiled ruleset (its magic). */
bool cf_ruleset_file_is_compiled(const char *path);

/* ---- The rules compiler (rules/compiler) ---------------------------------- */

/* `--list NAME=FILE`: use FILE for list NAME instead of the rules' path. */
struct cf_list_override {
	const char *name;
	const char *path;
};

struct cf_rules_opts {
	const struct cf_list_override *lists;
	size_t nlists;
};

/*
 * Compile the rules file @path (see rules/README.md): parse, load the
 * lists it names (paths relative to the rules file), check every pattern,
 * build.  Every error goes to @diag as "file:line:col: error: message";
 * returns 0 with *@out set, or -EINVAL / -errno with *@out untouched.
 * Control thread.
 */
int cf_rules_compile(const char *path, const struct cf_rules_opts *opts,
		     struct cf_ruleset **out, struct cf_diag *diag);

/* The same from @len bytes of @text; @name is used in messages and @dir
 * resolves relative list paths (NULL: the current directory). */
int cf_rules_compile_text(const char *name, const char *text, size_t len,
			  const char *dir, const struct cf_rules_opts *opts,
			  struct cf_ruleset **out, struct cf_diag *diag);

/* A compiled file (by its magic) is loaded, anything else compiled.
 * @opts apply to rules files only. */
int cf_rules_open(const char *path, const struct cf_rules_opts *opts,
		  struct cf_ruleset **out, struct cf_diag *diag);

#endif /* CALLFENCE_RULESET_H */
