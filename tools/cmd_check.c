/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callfence check: compile a rules file and its lists without writing
 * anything.  Every error goes to stderr as file:line:col: error: ...;
 * exit 0 if there is none, 1 otherwise.
 */

#include <string.h>

#include "cli.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: callfence check [--list NAME=FILE]... RULES\n"
		"  --list NAME=FILE   load list NAME from FILE instead\n");
}

int
cmd_check(int argc, char **argv)
{
	struct rules_opts ro = { 0 };
	struct cf_ruleset *rs = NULL;
	const char *path = NULL;
	unsigned int i, numbers = 0;
	int a, r;

	for (a = 1; a < argc; a++) {
		r = rules_opts_take(&ro, argc, argv, &a);
		if (r < 0)
			goto usage;
		if (r > 0)
			continue;
		if (strcmp(argv[a], "-h") == 0 || strcmp(argv[a], "--help") == 0) {
			usage(stdout);
			rules_opts_free(&ro);
			return CLI_OK;
		}
		if (argv[a][0] == '-' || path)
			goto usage;
		path = argv[a];
	}
	if (!path)
		goto usage;
	r = rules_open(path, &ro, &rs);
	rules_opts_free(&ro);
	if (r < 0)
		return CLI_FAIL;
	for (i = 0; i < cf_ruleset_list_count(rs); i++)
		numbers += (unsigned int)cf_numset_count(cf_ruleset_list_set(rs, i));
	printf("%s: ok: %u rules, %u lists (%u numbers), %u patterns\n", path,
	       cf_ruleset_rule_count(rs), cf_ruleset_list_count(rs), numbers,
	       cf_ruleset_pattern_count(rs));
	cf_ruleset_free(rs);
	return CLI_OK;
usage:
	rules_opts_free(&ro);
	usage(stderr);
	return CLI_USAGE;
}
