/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The operator CLI: one function per subcommand, shared option helpers. */
#ifndef CALLFENCE_TOOLS_CLI_H
#define CALLFENCE_TOOLS_CLI_H

#include <stdio.h>

#include <callfence/number.h>
#include <callfence/ruleset.h>

/* Exit codes of every subcommand. */
enum {
	CLI_OK = 0,
	CLI_FAIL = 1,	/* the input was bad: errors were printed */
	CLI_USAGE = 2,	/* the command line was bad */
};

/* Numbering-plan options shared by the commands that read numbers without
 * a rules file: --country-code, --national-prefix, --international-prefix,
 * --nsn-lengths, --service-lengths, --area-code, --trunk-after-cc. */
struct plan_opts {
	const char *cc;
	const char *national_prefix;
	const char *intl_prefix;
	const char *nsn_lengths;
	const char *service_lengths;
	const char *area_code;
	const char *trunk_after_cc;	/* "strip" or "reject" */
};

/*
 * If argv[*i] is a plan option, take it (and its value) and return 1; 0 if
 * it is not one; -1 (after printing why) if its value is missing.
 */
int plan_opts_take(struct plan_opts *o, int argc, char **argv, int *i);

/* Build the plan: the built-in plan of the country code with any option
 * overriding it, or the default plan for a country without one. */
int plan_opts_build(const struct plan_opts *o, struct cf_numplan *plan);

extern const char plan_opts_help[];

/* --list NAME=FILE (repeatable), for every command that takes rules. */
struct rules_opts {
	struct cf_rules_opts opts;
	struct cf_list_override *lists;
};

/* Like plan_opts_take(); rules_opts_free() when done. */
int rules_opts_take(struct rules_opts *o, int argc, char **argv, int *i);
void rules_opts_free(struct rules_opts *o);
/* Open rules or a compiled ruleset; every error printed on stderr. */
int rules_open(const char *path, const struct rules_opts *o,
	       struct cf_ruleset **rs);

int cmd_normalise(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_reload(int argc, char **argv);

#endif
