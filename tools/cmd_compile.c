/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callfence compile: rules and lists -> one compiled ruleset file, written
 * atomically (a failed compile leaves any old OUT as it was).
 */

#include <string.h>

#include "cli.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: callfence compile [--list NAME=FILE]... RULES -o OUT\n"
		"  -o, --output OUT   the compiled ruleset to write\n"
		"  --list NAME=FILE   load list NAME from FILE instead\n");
}

int
cmd_compile(int argc, char **argv)
{
	struct rules_opts ro = { 0 };
	struct cf_ruleset *rs = NULL;
	const char *path = NULL, *out = NULL;
	struct cf_diag diag;
	int a, r;

	for (a = 1; a < argc; a++) {
		r = rules_opts_take(&ro, argc, argv, &a);
		if (r < 0)
			goto usage;
		if (r > 0)
			continue;
		if ((strcmp(argv[a], "-o") == 0 ||
		     strcmp(argv[a], "--output") == 0) && a + 1 < argc) {
			out = argv[++a];
		} else if (strcmp(argv[a], "-h") == 0 ||
			   strcmp(argv[a], "--help") == 0) {
			usage(stdout);
			rules_opts_free(&ro);
			return CLI_OK;
		} else if (argv[a][0] == '-' || path) {
			goto usage;
		} else {
			path = argv[a];
		}
	}
	if (!path || !out)
		goto usage;
	r = rules_open(path, &ro, &rs);
	rules_opts_free(&ro);
	if (r < 0)
		return CLI_FAIL;
	cf_diag_init(&diag);
	r = cf_ruleset_save(rs, out, &diag);
	cf_diag_print(&diag, stderr);
	cf_diag_free(&diag);
	cf_ruleset_free(rs);
	return r < 0 ? CLI_FAIL : CLI_OK;
usage:
	rules_opts_free(&ro);
	usage(stderr);
	return CLI_USAGE;
}
