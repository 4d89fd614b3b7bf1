/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callfence normalise: show how numbers normalise under a numbering plan,
 * one line each: the input, then the E.164 digits, how the input was read
 * and whether it is domestic; or "invalid" and why.
 */

#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	enum cf_nai nai;
} nai_names[] = {
	{ "unknown", CF_NAI_UNKNOWN },
	{ "subscriber", CF_NAI_SUBSCRIBER },
	{ "national", CF_NAI_NATIONAL },
	{ "international", CF_NAI_INTERNATIONAL },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: callfence normalise --country-code CC [--nai NAI] "
		"[NUMBER...]\n"
		"Reads numbers from the arguments, or one a line from stdin.\n"
		"  --nai unknown|subscriber|national|international\n"
		"                               read as ISUP nature of address "
		"(default: unknown, any written form)\n%s", plan_opts_help);
}

static void
show(const struct cf_numplan *plan, enum cf_nai nai, const char *text,
     size_t len)
{
	struct cf_number num;

	if (cf_number_normalise(plan, text, len, nai, &num) == CF_NUM_OK)
		printf("%.*s\t%s\t%s\t%s\n", (int)len, text, num.digits,
		       cf_num_form_name(num.form),
		       num.domestic ? "domestic" : "foreign");
	else
		printf("%.*s\tinvalid\t%s\n", (int)len, text,
		       cf_num_err_name(num.err));
}

int
cmd_normalise(int argc, char **argv)
{
	struct plan_opts opts = { 0 };
	struct cf_numplan plan;
	enum cf_nai nai = CF_NAI_UNKNOWN;
	int i, first = argc;

	for (i = 1; i < argc; i++) {
		int r = plan_opts_take(&opts, argc, argv, &i);

		if (r < 0)
			return CLI_USAGE;
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--nai") == 0 && i + 1 < argc) {
			size_t k;

			i++;
			for (k = 0; k < sizeof(nai_names) / sizeof(nai_names[0]); k++)
				if (strcmp(argv[i], nai_names[k].name) == 0)
					break;
			if (k == sizeof(nai_names) / sizeof(nai_names[0])) {
				fprintf(stderr, "callfence: unknown --nai %s\n", argv[i]);
				return CLI_USAGE;
			}
			nai = nai_names[k].nai;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return CLI_OK;
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			fprintf(stderr, "callfence: unknown option %s\n", argv[i]);
			usage(stderr);
			return CLI_USAGE;
		} else {
			first = i;
			break;
		}
	}
	if (plan_opts_build(&opts, &plan) < 0)
		return CLI_USAGE;

	if (first < argc) {
		for (i = first; i < argc; i++)
			show(&plan, nai, argv[i], strlen(argv[i]));
	} else {
		char line[512];

		while (fgets(line, sizeof(line), stdin)) {
			size_t len = strcspn(line, "\r\n");

			if (len == 0 || line[0] == '#')
				continue;
			show(&plan, nai, line, len);
		}
	}
	return ferror(stdout) || fflush(stdout) ? CLI_FAIL : CLI_OK;
}
