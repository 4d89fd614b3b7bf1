/* SPDX-License-Identifier: GPL-2.0-or-later */
/* callfence-bench: workloads and measurements, one subcommand a question. */

#include <stdio.h>
#include <string.h>

#include "bench.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *what;
} commands[] = {
	{ "gen", cmd_gen, "write labelled synthetic traffic (pcap, labels, lists)" },
	{ "quality", cmd_quality, "detection quality of a ruleset on labelled traffic" },
	{ "udp", cmd_udp, "SIP load generator: answered calls/s, codes, losses, latency" },
	{ "decode", cmd_decode, "SIP INVITEs/s and ISUP IAMs/s decoded per core" },
	{ "lookup", cmd_lookup, "list look-ups/s per core against list size, bytes per number" },
	{ "regex", cmd_regex, "Hyperscan cost per call against pattern count; compile, load" },
	{ "pipeline", cmd_pipeline, "decode to verdict per core; scaling over workers; latency" },
	{ "reload", cmd_reload, "callfenced latency and losses while rules reload under load" },
	{ "report", cmd_report, "run a set, write CSVs, summary.md and plots to a directory" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: callfence-bench COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "callfence-bench: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
