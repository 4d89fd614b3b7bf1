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

/* Print one call set-up, with its verdict @v when judging. */
static void
emit(struct replay *r, const struct cf_call *call, uint32_t frame,
     const struct cf_verdict *v)
{
	struct cf_record_meta meta = { .frame = frame };
	char line[2048], monitor[512];
	int n;

	r->calls[call->proto]++;
	if (v) {
		uint16_t slots[CF_VERDICT_MONITOR_MAX];
		unsigned int i, k;

		k = v->monitor_count < CF_VERDICT_MONITOR_MAX ?
		    v->monitor_count : CF_VERDICT_MONITOR_MAX;
		for (i = 0; i < k; i++)
			slots[i] = (uint16_t)cf_plane_monitor_slot(r->w, v, i);
		cf_plane_rule_names(r->plane, slots, k, monitor,
				    sizeof(monitor));
		meta.verdict = cf_action_name(v->action);
		meta.rule = v->rule;
		meta.monitor = monitor;
		r->verdicts[v->action]++;
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

/* Judging: the engine judged a set-up of the capture. */
static void
on_judged(void *ctx, const struct cf_screen_job *j, const struct cf_verdict *v)
{
	emit(ctx, &j->call, j->frame, v);
}

/* Decoding only: every set-up printed, its ingress as a judge would
 * see it. */
static void
on_event(void *ctx, struct cf_call *call, const struct cf_payload *p)
{
	struct replay *r = ctx;

	if (call->event != CF_EVENT_SETUP)
		return;
	call->ingress = (uint8_t)cf_ingress_classify(&r->ingress, call, NULL);
	emit(r, call, p->frame, NULL);
}

static void
on_payload(void *ctx, const struct cf_payload *p)
{
	struct replay *r = ctx;

	if (r->sw)
		cf_screen_payload(r->sw, p);
	else
		cf_events_payload(&r->events, p, r->plan, on_event, r);
}

/* Replay one open capture in passes of the data plane, as the tap does:
 * the clock of the pass is the newest event's time.  Returns 0 or -1. */
#define REPLAY_PASS	256	/* records between two plane passes */

static void
pass_begin(struct replay *r)
{
	if (r->sw)
		cf_screen_begin(r->sw, 0, 0);
}

static void
pass_end(struct replay *r)
{
	if (r->sw)
		cf_screen_end(r->sw);
}

static int
run_capture(struct replay *r, struct cf_capture *cap)
{
	long n;

	do {
		pass_begin(r);
		n = cf_capture_run(cap, REPLAY_PASS);
		pass_end(r);
	} while (n > 0);
	return n < 0 ? -1 : 0;
}

/* Streams still held in reassembly end with the file. */
static void
flush_capture(struct replay *r, struct cf_capture *cap)
{
	pass_begin(r);
	cf_capture_flush(cap);
	pass_end(r);
}

/*
 * The daemon's data plane with one worker and the engine's screening in
 * front of it, as the tap runs them: the same decoding, ingress, judge
 * step, counters and heuristics.  Takes @rs.  0, or -1 (out of memory).
 */
static int
judge_setup(struct replay *r, struct cf_ruleset *rs)
{
	r->plane = cf_plane_new(&(struct cf_plane_cfg){ .workers = 1 });
	if (!r->plane) {
		cf_ruleset_free(rs);
		return -1;
	}
	if (cf_plane_publish(r->plane, rs) < 0)
		return -1;
	r->w = cf_plane_worker(r->plane, 0);
	r->metrics = cf_screen_metrics_new(1, &r->slots);
	if (!r->metrics)
		return -1;
	r->screen = cf_screen_new(&(struct cf_screen_cfg){
		.plane = r->plane,
		.ingress = &r->ingress,
		.policy = CF_SCREEN_FAIL_OPEN,
		.ring_wait = true,
		.cache_size = 4,
		.metrics = r->metrics,
		.slots = &r->slots,
	});
	if (!r->screen)
		return -1;
	r->sw = cf_screen_worker(r->screen, 0, &(struct cf_screen_io){
		.ctx = r, .judged = on_judged,
	});
	if (!r->sw)
		return -1;
	cf_plane_begin(r->w);
	r->plan = cf_ruleset_plan(cf_plane_ruleset(r->w));
	cf_plane_end(r->w, 0);
	r->stats = cf_screen_events_stats(r->sw);
	return 0;
}

int
cmd_replay(int argc, char **argv)
{
	struct rules_opts ropts = { 0 };
	struct plan_opts popts = { 0 };
	struct replay r = { 0 };
	struct cf_ruleset *rs = NULL;
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
		if (rules_open(rules, &ropts, &rs) < 0) {
			rc = CLI_FAIL;
			goto out;
		}
		if (judge_setup(&r, rs) < 0) {
			fprintf(stderr, "callfence: out of memory\n");
			rc = CLI_FAIL;
			goto out;
		}
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
	cf_events_init(&r.events);
	if (!r.sw)
		r.stats = &r.events.stats;
	if (r.csv)
		puts(cf_record_csv_header(r.plane != NULL));
	rc = CLI_OK;
	for (i = first; i < argc; i++) {
		if (cf_capture_open(cap, argv[i]) < 0) {
			fprintf(stderr, "callfence: %s: %s\n", argv[i],
				cf_capture_error(cap));
			rc = CLI_FAIL;
			continue;
		}
		r.files++;
		if (run_capture(&r, cap) < 0) {
			/* What came before the error was replayed. */
			fprintf(stderr, "callfence: %s: %s\n", argv[i],
				cf_capture_error(cap));
			rc = CLI_FAIL;
		}
		cf_capture_close(cap);
		/* Streams do not continue into the next file. */
		flush_capture(&r, cap);
	}
	replay_summary(&r, cap);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "callfence: write error on stdout\n");
		rc = CLI_FAIL;
	}
out:
	cf_capture_free(cap);
	cf_screen_free(r.screen);
	cf_plane_free(r.plane);
	cf_metrics_free(r.metrics);
	rules_opts_free(&ropts);
	return rc;
}
