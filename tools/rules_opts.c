/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Options shared by the commands that take rules: --list NAME=FILE. */

#include <stdlib.h>
#include <string.h>

#include "cli.h"

int
rules_opts_take(struct rules_opts *o, int argc, char **argv, int *i)
{
	struct cf_list_override *l;
	char *eq;

	if (strcmp(argv[*i], "--list") != 0)
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "callfence: --list needs NAME=FILE\n");
		return -1;
	}
	eq = strchr(argv[*i + 1], '=');
	if (!eq || eq == argv[*i + 1] || !eq[1]) {
		fprintf(stderr, "callfence: --list %s: expected NAME=FILE\n",
			argv[*i + 1]);
		return -1;
	}
	l = realloc(o->lists, (o->opts.nlists + 1) * sizeof(*l));
	if (!l)
		return -1;
	o->lists = l;
	*eq = '\0';
	l[o->opts.nlists].name = argv[*i + 1];
	l[o->opts.nlists].path = eq + 1;
	o->opts.nlists++;
	o->opts.lists = o->lists;
	++*i;
	return 1;
}

void
rules_opts_free(struct rules_opts *o)
{
	free(o->lists);
}

int
rules_open(const char *path, const struct rules_opts *o,
	   struct cf_ruleset **rs)
{
	struct cf_diag diag;
	int r;

	cf_diag_init(&diag);
	r = cf_rules_open(path, &o->opts, rs, &diag);
	cf_diag_print(&diag, stderr);
	cf_diag_free(&diag);
	return r;
}
