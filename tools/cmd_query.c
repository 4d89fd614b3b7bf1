/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callfence query: judge one call described on the command line and say
 * why: verdict, rule, reason, reply, and the list entry, prefix or pattern
 * that matched.  --json prints one JSON object instead.
 */

#include <string.h>

#include "cli.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: callfence query --rules RULES|COMPILED [--caller N] "
		"[OPTIONS]\n"
		"  --caller N                    the calling number (leave it out:\n"
		"                                a call without one, caller absent)\n"
		"  --callee N, --redirecting N   the other numbers of the call\n"
		"  --ingress CLASS               international, national, local\n"
		"  --proto sip|isup\n"
		"  --presentation restricted|allowed|not-available\n"
		"  --list NAME=FILE              load list NAME from FILE instead\n"
		"  --json                        machine-readable output\n");
}

static void
json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
print_text(const struct cf_ruleset *rs, const struct cf_call *call,
	   const struct cf_verdict *v)
{
	const struct cf_party *p = &call->party[v->match.party %
						 CF_PARTY__COUNT];
	const struct cf_reply_info *ri = cf_reply_info(v->reply);
	unsigned int i;

	printf("verdict: %s\nrule: %s\nreason: %s\n", cf_action_name(v->action),
	       v->rule, v->reason);
	if (v->reply != CF_REPLY_NONE && ri->reason_hdr)
		printf("reply: %u %s (Reason: %s)\n", ri->code, ri->phrase,
		       ri->reason_hdr);
	else if (v->reply != CF_REPLY_NONE)
		printf("reply: %u %s\n", ri->code, ri->phrase);
	switch (v->match.kind) {
	case CF_MATCH_LIST:
		printf("matched: %s %s in list %s", cf_party_name(v->match.party),
		       v->match.entry, v->match.what);
		if (v->match.label[0])
			printf(" (label %s)", v->match.label);
		printf("\n");
		break;
	case CF_MATCH_PREFIX:
		printf("matched: %s prefix %s\n", cf_party_name(v->match.party),
		       v->match.entry);
		break;
	case CF_MATCH_PATTERN:
		printf("matched: %s %s matches /%s/\n",
		       cf_party_name(v->match.party), v->match.entry,
		       v->match.what);
		break;
	case CF_MATCH_HEUR:
		printf("matched: %s %s: %s (measured %u, threshold %u)\n",
		       cf_party_name(v->match.party), v->match.entry,
		       v->match.what, v->match.measure, v->match.threshold);
		break;
	case CF_MATCH_INVALID:
		if (!p->present)
			printf("matched: %s absent: the call carries no %s "
			       "number\n", cf_party_name(v->match.party),
			       cf_party_name(v->match.party));
		else
			printf("matched: %s invalid: %s (\"%s\")\n",
			       cf_party_name(v->match.party), v->match.what,
			       p->raw);
		break;
	default:
		break;
	}
	for (i = 0; i < v->monitor_count && i < CF_VERDICT_MONITOR_MAX; i++)
		printf("monitor: %s would have matched\n",
		       cf_ruleset_rule_id(rs, v->monitor[i]));
}

static void
print_json(const struct cf_ruleset *rs, const struct cf_call *call,
	   const struct cf_verdict *v)
{
	const struct cf_party *p = &call->party[v->match.party %
						 CF_PARTY__COUNT];
	const struct cf_reply_info *ri = cf_reply_info(v->reply);
	unsigned int i;

	printf("{\"verdict\":\"%s\",\"rule\":", cf_action_name(v->action));
	json_str(v->rule);
	printf(",\"reason\":");
	json_str(v->reason);
	if (v->reply != CF_REPLY_NONE) {
		printf(",\"reply\":{\"code\":%u,\"phrase\":", ri->code);
		json_str(ri->phrase);
		if (ri->reason_hdr) {
			printf(",\"reason_header\":");
			json_str(ri->reason_hdr);
		}
		printf("}");
	}
	if (v->match.kind != CF_MATCH_NONE) {
		printf(",\"match\":{\"kind\":\"%s\",\"party\":\"%s\",\"entry\":\"%s\"",
		       cf_match_kind_name(v->match.kind),
		       cf_party_name(v->match.party), v->match.entry);
		if (v->match.what) {
			printf(",\"%s\":", v->match.kind == CF_MATCH_LIST ?
			       "list" : v->match.kind == CF_MATCH_HEUR ?
			       "heuristic" : v->match.kind == CF_MATCH_INVALID ?
			       "reason" : "pattern");
			json_str(v->match.what);
		}
		if (v->match.kind == CF_MATCH_HEUR)
			printf(",\"measure\":%u,\"threshold\":%u",
			       v->match.measure, v->match.threshold);
		if (v->match.kind == CF_MATCH_INVALID && p->present) {
			printf(",\"raw\":");
			json_str(p->raw);
		}
		if (v->match.label[0]) {
			printf(",\"label\":");
			json_str(v->match.label);
		}
		printf("}");
	}
	printf(",\"monitor\":[");
	for (i = 0; i < v->monitor_count && i < CF_VERDICT_MONITOR_MAX; i++) {
		if (i)
			putchar(',');
		json_str(cf_ruleset_rule_id(rs, v->monitor[i]));
	}
	printf("]}\n");
}

int
cmd_query(int argc, char **argv)
{
	const char *num[CF_PARTY__COUNT] = { 0 };
	const char *rules = NULL, *ingress = NULL, *proto = NULL, *pres = NULL;
	struct rules_opts ro = { 0 };
	struct cf_ruleset_scratch *scratch;
	struct cf_ruleset *rs = NULL;
	struct cf_verdict v;
	struct cf_call call;
	bool json = false;
	int a, r, k;

	for (a = 1; a < argc; a++) {
		const char *o = argv[a];

		r = rules_opts_take(&ro, argc, argv, &a);
		if (r < 0)
			goto usage;
		if (r > 0)
			continue;
		if (strcmp(o, "--json") == 0) {
			json = true;
		} else if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
			usage(stdout);
			rules_opts_free(&ro);
			return CLI_OK;
		} else if (a + 1 >= argc) {
			goto usage;
		} else if (strcmp(o, "--rules") == 0) {
			rules = argv[++a];
		} else if (strcmp(o, "--caller") == 0) {
			num[CF_PARTY_CALLER] = argv[++a];
		} else if (strcmp(o, "--callee") == 0) {
			num[CF_PARTY_CALLEE] = argv[++a];
		} else if (strcmp(o, "--redirecting") == 0) {
			num[CF_PARTY_REDIRECTING] = argv[++a];
		} else if (strcmp(o, "--ingress") == 0) {
			ingress = argv[++a];
		} else if (strcmp(o, "--proto") == 0) {
			proto = argv[++a];
		} else if (strcmp(o, "--presentation") == 0) {
			pres = argv[++a];
		} else {
			goto usage;
		}
	}
	if (!rules)
		goto usage;

	cf_call_reset(&call);
	call.event = CF_EVENT_SETUP;
	call.proto = CF_PROTO_SIP;
	if (ingress) {
		k = cf_ingress_parse(ingress);
		if (k < 0) {
			fprintf(stderr, "callfence: unknown --ingress %s\n", ingress);
			goto usage;
		}
		call.ingress = (uint8_t)k;
	}
	if (proto) {
		if (strcmp(proto, "sip") == 0)
			call.proto = CF_PROTO_SIP;
		else if (strcmp(proto, "isup") == 0)
			call.proto = CF_PROTO_ISUP;
		else {
			fprintf(stderr, "callfence: unknown --proto %s\n", proto);
			goto usage;
		}
	}
	if (pres) {
		for (k = CF_PRES_ALLOWED; k < CF_PRES__COUNT; k++)
			if (strcmp(pres, cf_presentation_name(k)) == 0)
				break;
		if (k == CF_PRES__COUNT) {
			fprintf(stderr, "callfence: unknown --presentation %s\n",
				pres);
			goto usage;
		}
		call.presentation = (uint8_t)k;
	}

	r = rules_open(rules, &ro, &rs);
	rules_opts_free(&ro);
	if (r < 0)
		return CLI_FAIL;
	for (k = 0; k < CF_PARTY__COUNT; k++)
		if (num[k])
			cf_call_set_party(&call, k, cf_ruleset_plan(rs), num[k],
					  strlen(num[k]), CF_NAI_UNKNOWN);
	call.forwarded = num[CF_PARTY_REDIRECTING] != NULL;
	scratch = cf_ruleset_scratch_alloc(rs);
	if (!scratch || cf_ruleset_judge(rs, scratch, &call, &v) < 0) {
		fprintf(stderr, "callfence: cannot judge the call\n");
		cf_ruleset_scratch_free(scratch);
		cf_ruleset_free(rs);
		return CLI_FAIL;
	}
	if (json)
		print_json(rs, &call, &v);
	else
		print_text(rs, &call, &v);
	cf_ruleset_scratch_free(scratch);
	cf_ruleset_free(rs);
	return ferror(stdout) || fflush(stdout) ? CLI_FAIL : CLI_OK;
usage:
	rules_opts_free(&ro);
	usage(stderr);
	return CLI_USAGE;
}
