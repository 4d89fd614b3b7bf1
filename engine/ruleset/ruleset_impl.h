/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside a ruleset.  The arrays are plain data with fixed-size fields, the
 * same in memory and in a compiled file, so a loaded ruleset points them
 * straight into the file's map.  Strings are offsets into one pool.
 */
#ifndef CALLFENCE_RULESET_IMPL_H
#define CALLFENCE_RULESET_IMPL_H

#include <hs/hs.h>

#include <callfence/ruleset.h>

struct rs_rule {
	uint32_t id;		/* string */
	uint32_t reason;	/* string */
	uint32_t first_cond;
	uint32_t ncond;
	int32_t priority;
	uint32_t line;
	uint8_t action;		/* enum cf_action */
	uint8_t reply;		/* enum cf_reply */
	uint8_t monitor;
	uint8_t pad[5];
};

struct rs_list {
	uint32_t name;		/* string */
	uint32_t path;		/* string */
	uint64_t entries;
	uint64_t duplicates;
};

struct rs_prefix {
	uint16_t lengths;
	uint8_t pad[6];
};

struct rs_pattern {
	uint32_t text;		/* string */
	uint8_t party;
	uint8_t pad[3];
};

/* A heuristic condition: measure of table @spec (RS_HEUR_NONE: the
 * stateless neighbour test) compared with @threshold. */
struct rs_hcond {
	uint32_t spec;
	uint32_t threshold;
	uint32_t text;		/* string: the condition as written */
	uint8_t cmp;		/* enum cf_cmp */
	uint8_t pad[3];
};

#define RS_HEUR_NONE	UINT32_MAX

/* The heuristics { } block. */
struct rs_heur_conf {
	uint64_t memory;	/* per worker, all tables together */
	uint64_t max_call_ns;
};

struct cf_ruleset {
	struct cf_numplan plan;
	const char *strings;
	uint32_t strings_len;
	uint32_t nrules;	/* the default is rules[nrules] */
	const struct rs_rule *rules;
	uint32_t nconds;
	const struct cf_cond *conds;
	uint32_t nlists;
	const struct rs_list *lists;
	const struct cf_numset **list_sets;
	uint32_t nprefixes;
	const struct rs_prefix *prefixes;
	const struct cf_numset **prefix_sets;
	uint32_t npatterns;
	const struct rs_pattern *patterns;
	uint8_t pattern_parties;	/* bit per party some pattern scans */
	hs_database_t *db;		/* NULL without patterns */
	hs_scratch_t *proto_scratch;	/* prototype to clone per thread */
	uint32_t nheurs;
	const struct cf_heur_spec *heurs;
	uint32_t nhconds;
	const struct rs_hcond *hconds;
	struct rs_heur_conf heur_conf;
	uint64_t heur_sig;		/* of heurs + heur_conf: scratch fit */

	/* Who owns what: a built ruleset owns heap copies; a loaded one
	 * its map (and the arrays of pointers). */
	void *map;
	size_t map_len;
	void *heap[8];
	struct cf_numset **owned_sets;
	uint32_t nowned;
};

static inline const char *
rs_str(const struct cf_ruleset *rs, uint32_t off)
{
	return rs->strings + off;
}

/* Compile the database of @rs's patterns (engine/ruleset/ruleset.c). */
int rs_compile_patterns(struct cf_ruleset *rs, struct cf_diag *diag);

/* Release a compiled file's map (engine/ruleset/rsfile.c). */
void rs_unmap(void *map, size_t len);

/* Whether condition @c refers only to things @rs has. */
bool rs_cond_valid(uint32_t nlists, uint32_t nprefixes, uint32_t npatterns,
		   uint32_t nhconds, const struct cf_cond *c);

/* Whether a heuristic spec is one the engine can make a table for. */
bool rs_heur_spec_valid(const struct cf_heur_spec *spec);

/* Set rs->heur_sig from the heuristics (after building or loading). */
void rs_heur_sign(struct cf_ruleset *rs);

#endif
