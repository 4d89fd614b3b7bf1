/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Numbering-plan options of the CLI. */

#include <stddef.h>
#include <string.h>

#include "cli.h"

const char plan_opts_help[] =
	"numbering plan:\n"
	"  --country-code CC            home country code (required), e.g. 86\n"
	"  --national-prefix DIGITS     trunk prefix (built-in plan, else 0)\n"
	"  --international-prefix DIGITS  (built-in plan, else 00)\n"
	"  --nsn-lengths LIST           national number lengths, e.g. 10-11\n"
	"  --service-lengths LIST       short service codes, e.g. 3,5\n"
	"  --area-code DIGITS           prepended to ISUP subscriber numbers\n"
	"  --trunk-after-cc reject|strip  a trunk prefix after the country code\n"
	"                               (+860..., NAI national 0...): an error\n"
	"                               (trunk-after-cc, the default) or removed\n";

int
plan_opts_take(struct plan_opts *o, int argc, char **argv, int *i)
{
	static const struct {
		const char *name;
		size_t offset;
	} opts[] = {
		{ "--country-code", offsetof(struct plan_opts, cc) },
		{ "--national-prefix", offsetof(struct plan_opts, national_prefix) },
		{ "--international-prefix", offsetof(struct plan_opts, intl_prefix) },
		{ "--nsn-lengths", offsetof(struct plan_opts, nsn_lengths) },
		{ "--service-lengths", offsetof(struct plan_opts, service_lengths) },
		{ "--area-code", offsetof(struct plan_opts, area_code) },
		{ "--trunk-after-cc", offsetof(struct plan_opts, trunk_after_cc) },
	};
	size_t k;

	for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
		if (strcmp(argv[*i], opts[k].name) != 0)
			continue;
		if (*i + 1 >= argc) {
			fprintf(stderr, "callfence: %s needs a value\n", opts[k].name);
			return -1;
		}
		*(const char **)((char *)o + opts[k].offset) = argv[++*i];
		return 1;
	}
	return 0;
}

int
plan_opts_build(const struct plan_opts *o, struct cf_numplan *plan)
{
	const struct cf_numplan *builtin;
	struct cf_numplan base;
	uint16_t nsn, service;
	const char *why = NULL;

	if (!o->cc) {
		fprintf(stderr, "callfence: --country-code is required\n");
		return -1;
	}
	builtin = cf_numplan_builtin(o->cc);
	if (builtin) {
		base = *builtin;
	} else if (cf_numplan_default(&base, o->cc, &why) < 0) {
		fprintf(stderr, "callfence: --country-code %s: %s\n", o->cc, why);
		return -1;
	}
	nsn = base.nsn_lengths;
	service = base.service_lengths;
	if (o->nsn_lengths && cf_numplan_parse_lengths(o->nsn_lengths, &nsn) < 0) {
		fprintf(stderr, "callfence: --nsn-lengths %s: expected lengths 1-15 "
			"such as 10-11 or 9,10\n", o->nsn_lengths);
		return -1;
	}
	if (o->service_lengths &&
	    cf_numplan_parse_lengths(o->service_lengths, &service) < 0) {
		fprintf(stderr, "callfence: --service-lengths %s: expected lengths "
			"1-15 such as 3,5\n", o->service_lengths);
		return -1;
	}
	if (cf_numplan_init(plan, base.cc,
			    o->national_prefix ? o->national_prefix : base.national_prefix,
			    o->intl_prefix ? o->intl_prefix : base.intl_prefix,
			    nsn, service, o->area_code, &why) < 0) {
		fprintf(stderr, "callfence: numbering plan: %s\n", why);
		return -1;
	}
	if (o->trunk_after_cc &&
	    cf_numplan_parse_trunk_after_cc(o->trunk_after_cc,
					    &plan->flags) < 0) {
		fprintf(stderr, "callfence: --trunk-after-cc %s: expected reject "
			"or strip\n", o->trunk_after_cc);
		return -1;
	}
	return 0;
}
