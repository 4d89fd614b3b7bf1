/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callfence replay: read captures, decode every call set-up (SIP INVITE,
 * ISUP IAM), normalise its numbers and, with --rules, judge it.  One record
 * a set-up on stdout (JSON lines, or CSV with a header), a summary of what
 * was read and what could not be decoded, by reason, on stderr.
 */

#include <string.h>

#include <callfence/capture.h>
#include <callfence/record.h>
#include <callfence/sip.h>

#include "cli.h"
#include "replay.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: callfence replay [--rules RULES|COMPILED] "
		"[--format json|csv] CAPTURE...\n"
		"  --rules FILE                  judge every call (plan from the rules)\n"
		"  --list NAME=FILE              load list NAME from FILE instead\n"
		"  --format json|csv             JSON lines (default) or CSV with a header\n"
		"  --peer CIDR=CLASS             SIP sources in CIDR entered as CLASS\n"
		"                                (international, national, local)\n"
		"  --opc PC[-PC]=CLASS           ISUP calls from these point codes\n"
		"Without --rules the numbering plan comes from the options below.\n%s",
		plan_opts_help);
}

/* Frames SIP over TCP for the capture layer. */
static ssize_t
sip_framer(const uint8_t *buf, size_t len)
{
	return cf_sip_message_length((const char *)buf, len);
}

void
replay_emit(struct replay *r, struct cf_call *call, uint32_t frame)
{
	struct cf_record_meta meta = { .frame = frame };
	struct cf_verdict v;
	char line[2048];
	int n;

	call->ingress = (uint8_t)cf_ingress_classify(&r->ingress, call, NULL);
	r->calls[call->proto]++;
	if (r->rs) {
		cf_ruleset_judge(r->rs, r->scratch, call, &v);
		meta.verdict = cf_action_name(v.action);
		meta.rule = v.rule;
		r->verdicts[v.action]++;
	}
	if (r->csv)
		n = cf_record_csv(line, sizeof(line), call, &meta);
	else
		n = cf_record_json(line, sizeof(line), call, &meta);
	/* Records are bounded (raw texts are capped in the call record),
	 * so a line never comes near the buffer size. */
	if (n > 0 && (size_t)n < sizeof(line))
		puts(line);
}

void
replay_observe(struct replay *r, const struct cf_call *call)
{
	if (r->rs && call->event != CF_EVENT_SETUP)
		cf_ruleset_observe(r->rs, r->scratch, call);
}

static void
on_sip(struct replay *r, const struct cf_payload *p)
{
	struct cf_sip_msg msg;
	struct cf_call call;
	ssize_t len;
	int err;

	/* TCP hands over messages framed by Content-Length, which a stream
	 * transport must carry; a datagram or WebSocket frame is whole. */
	len = cf_sip_parse(&msg, (const char *)p->data, p->len,
			   p->transport == CF_TRANSPORT_TCP ? CF_SIP_STREAM : 0);
	if (len < 0) {
		r->sip_errors[-len < CF_SIP_ERR__COUNT ? -len : 0]++;
		return;
	}
	if (msg.request)
		r->sip_requests[msg.method]++;
	else
		r->sip_responses[msg.status / 100]++;
	cf_call_reset(&call);
	if (msg.request && msg.method == CF_SIP_METHOD_INVITE) {
		err = cf_sip_to_call(&msg, r->plan, &call);
		if (err < 0) {
			r->sip_errors[-err < CF_SIP_ERR__COUNT ? -err : 0]++;
		} else {
			call.rx_ns = p->ts_ns;
			call.src = p->src;
			replay_emit(r, &call, p->frame);
		}
	} else if (r->rs && cf_sip_to_call(&msg, r->plan, &call) == 0) {
		/* 200 to INVITE, CANCEL, BYE, failures: heuristics only. */
		call.rx_ns = p->ts_ns;
		replay_observe(r, &call);
	}
	/* SIP-I: the ISUP record follows its SIP record.  It is decoded
	 * even when the SIP headers did not make a record: the ISUP may
	 * still name the parties. */
	if (msg.body.len && msg.content_type.len)
		replay_sip_isup(r, p, &msg);
}

static void
on_payload(void *ctx, const struct cf_payload *p)
{
	struct replay *r = ctx;

	switch (p->kind) {
	case CF_PAYLOAD_SIP:
		on_sip(r, p);
		break;
	default:
		replay_ss7(r, p);
		break;
	}
}

static void
print_summary(const struct replay *r, const struct cf_capture *cap)
{
	char stats[4096];
	unsigned int i;

	fprintf(stderr, "replay: %u file(s)\n", r->files);
	cf_capture_stats_print(cf_capture_stats(cap), stats, sizeof(stats));
	fprintf(stderr, "capture:\n%s", stats);
	fprintf(stderr, "sip requests:");
	for (i = 0; i < CF_SIP_METHOD__COUNT; i++)
		if (r->sip_requests[i])
			fprintf(stderr, " %s %llu", cf_sip_method_name(i),
				(unsigned long long)r->sip_requests[i]);
	fprintf(stderr, "\nsip responses:");
	for (i = 1; i < 7; i++)
		if (r->sip_responses[i])
			fprintf(stderr, " %uxx %llu", i,
				(unsigned long long)r->sip_responses[i]);
	fprintf(stderr, "\nsip-i isup parts: %llu\n",
		(unsigned long long)r->sip_isup);
	replay_ss7_summary(r);
	fprintf(stderr, "calls: sip %llu, isup %llu\n",
		(unsigned long long)r->calls[CF_PROTO_SIP],
		(unsigned long long)r->calls[CF_PROTO_ISUP]);
	if (r->rs) {
		fprintf(stderr, "verdicts:");
		for (i = 0; i < CF_ACTION__COUNT; i++)
			fprintf(stderr, " %s %llu", cf_action_name(i),
				(unsigned long long)r->verdicts[i]);
		fprintf(stderr, "\n");
	}
	fprintf(stderr, "decode errors:");
	for (i = 1; i < CF_SIP_ERR__COUNT; i++)
		if (r->sip_errors[i] && i != CF_SIP_ERR_NO_CALL_EVENT)
			fprintf(stderr, " sip:%s %llu", cf_sip_err_name(i),
				(unsigned long long)r->sip_errors[i]);
	replay_ss7_errors(r);
	fprintf(stderr, "\n");
}

int
cmd_replay(int argc, char **argv)
{
	struct rules_opts ropts = { 0 };
	struct plan_opts popts = { 0 };
	struct replay r = { 0 };
	struct cf_numplan plan;
	struct cf_capture *cap = NULL;
	const char *rules = NULL;
	int i, rc = CLI_USAGE, first = argc;

	for (i = 1; i < argc; i++) {
		int k;

		if ((k = plan_opts_take(&popts, argc, argv, &i)) != 0 ||
		    (k = rules_opts_take(&ropts, argc, argv, &i)) != 0) {
			if (k < 0)
				goto out;
			continue;
		}
		if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc) {
			rules = argv[++i];
		} else if ((strcmp(argv[i], "--peer") == 0 ||
			    strcmp(argv[i], "--opc") == 0) && i + 1 < argc) {
			const char *why;
			int err = argv[i][2] == 'p' ?
				cf_ingress_map_add_net(&r.ingress, argv[i + 1], &why) :
				cf_ingress_map_add_pc(&r.ingress, argv[i + 1], &why);

			if (err < 0) {
				fprintf(stderr, "callfence: %s %s: %s\n", argv[i],
					argv[i + 1], why);
				goto out;
			}
			i++;
		} else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "csv") == 0) {
				r.csv = true;
			} else if (strcmp(argv[i], "json") != 0) {
				fprintf(stderr, "callfence: unknown --format %s\n", argv[i]);
				goto out;
			}
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			rc = CLI_OK;
			goto out;
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			fprintf(stderr, "callfence: unknown option %s\n", argv[i]);
			usage(stderr);
			goto out;
		} else {
			first = i;
			break;
		}
	}
	if (first >= argc) {
		usage(stderr);
		goto out;
	}
	if (rules) {
		if (popts.cc)
			fprintf(stderr, "callfence: --rules given: the plan comes "
				"from the rules, --country-code is ignored\n");
		if (rules_open(rules, &ropts, &r.rs) < 0) {
			rc = CLI_FAIL;
			goto out;
		}
		r.scratch = cf_ruleset_scratch_alloc(r.rs);
		if (!r.scratch) {
			fprintf(stderr, "callfence: cannot allocate rule scratch\n");
			rc = CLI_FAIL;
			goto out;
		}
		r.plan = cf_ruleset_plan(r.rs);
	} else {
		if (plan_opts_build(&popts, &plan) < 0)
			goto out;
		r.plan = &plan;
	}
	cap = cf_capture_new(&(struct cf_capture_cfg){
		.on_payload = on_payload, .ctx = &r, .framer = sip_framer,
	});
	if (!cap) {
		fprintf(stderr, "callfence: out of memory\n");
		rc = CLI_FAIL;
		goto out;
	}
	if (r.csv)
		puts(cf_record_csv_header(r.rs != NULL));
	rc = CLI_OK;
	for (i = first; i < argc; i++) {
		if (cf_capture_open(cap, argv[i]) < 0) {
			fprintf(stderr, "callfence: %s: %s\n", argv[i],
				cf_capture_error(cap));
			rc = CLI_FAIL;
			continue;
		}
		r.files++;
		if (cf_capture_run(cap, 0) < 0) {
			/* What came before the error was replayed. */
			fprintf(stderr, "callfence: %s: %s\n", argv[i],
				cf_capture_error(cap));
			rc = CLI_FAIL;
		}
		cf_capture_close(cap);
		/* Streams do not continue into the next file. */
		cf_capture_flush(cap);
	}
	print_summary(&r, cap);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "callfence: write error on stdout\n");
		rc = CLI_FAIL;
	}
out:
	cf_capture_free(cap);
	cf_ruleset_scratch_free(r.scratch);
	cf_ruleset_free(r.rs);
	rules_opts_free(&ropts);
	return rc;
}
