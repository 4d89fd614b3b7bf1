/* SPDX-License-Identifier: GPL-2.0-or-later */
/* callfence: the operator's command-line tool. */

#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *what;
} commands[] = {
	{ "normalise", cmd_normalise, "show how numbers normalise under a plan" },
	{ "check", cmd_check, "check a rules file and its lists, show every error" },
	{ "compile", cmd_compile, "compile rules and lists into one ruleset file" },
	{ "query", cmd_query, "judge one call: verdict, rule, what matched" },
	{ "replay", cmd_replay, "decode (and judge) the call set-ups in captures" },
	{ "reload", cmd_reload, "make a running callfenced reload its rules" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: callfence COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\n'callfence COMMAND --help' describes a command.\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "callfence: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_USAGE;
}
