/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callfence-bench udp: a SIP load generator for screening servers.
 *
 * Sends INVITEs over UDP to one address with sendmmsg, reads the answers
 * with recvmmsg, and tells how many calls were answered, how fast, with
 * which codes, how many were lost, and the latency of each call (send to
 * final response) in a log-linear histogram.  Open loop at a set rate, or
 * closed loop at the highest rate a bounded window of outstanding calls
 * allows.  One thread: pin it to a core the target does not use.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_out.h"
#include "bench_util.h"
#include "udp_load.h"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: callfence-bench udp --target ADDR:PORT [--rate CPS | --max]\n"
		"                           [--duration S] [--callers FILE] [--json]\n"
		"                           [--target-pid PID] [--window N] [--source-ports N]\n"
		"                           [--timeout S] [--calls N] [--batch N] [--cpu N]\n"
		"                           [--seed N] [--progress | --no-progress]\n"
		"  --target ADDR:PORT  the SIP server (IPv4, or [IPv6]:PORT)\n"
		"  --rate CPS          open loop: send CPS INVITEs/s whatever the answers\n"
		"  --max               closed loop: keep --window calls outstanding (default)\n"
		"  --duration S        seconds of sending (default 10)\n"
		"  --callers FILE      caller;callee lines in SIPp injection format\n"
		"                      (default: generated +86 mobiles, seeded)\n"
		"  --json              one JSON object on stdout instead of the table\n"
		"  --target-pid PID    report the CPU time PID used per answered call\n"
		"  --window N          closed loop: calls outstanding (default 1024)\n"
		"  --source-ports N    sockets, each its own source port (default 4)\n"
		"  --timeout S         a call unanswered after S seconds is lost (default 1)\n"
		"  --calls N           stop sending after N calls\n"
		"  --batch N           datagrams per sendmmsg/recvmmsg (default 32)\n"
		"  --cpu N             pin the generator to CPU N\n");
}

/* ---- options ------------------------------------------------------------- */

/* Returns 0, 1 (help printed) or 2 (usage error, said why). */
static int
parse_options(struct udp_opts *o, int argc, char **argv)
{
	bool have_rate = false, have_progress = false;
	uint64_t u;
	int i;

	udp_opts_default(o);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = 0;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 1;
		} else if (strcmp(a, "--max") == 0) {
			o->max = true;
			continue;
		} else if (strcmp(a, "--json") == 0) {
			o->json = true;
			continue;
		} else if (strcmp(a, "--progress") == 0) {
			o->progress = have_progress = true;
			continue;
		} else if (strcmp(a, "--no-progress") == 0) {
			o->progress = false;
			have_progress = true;
			continue;
		} else if (!v) {
			fprintf(stderr, "callfence-bench udp: %s: unknown option "
				"or missing value\n", a);
			usage(stderr);
			return 2;
		} else if (strcmp(a, "--target") == 0) {
			bad = udp_parse_target(o, v);
		} else if (strcmp(a, "--rate") == 0) {
			bad = bench_parse_double(v, 1, 1e8, &o->rate);
			have_rate = true;
		} else if (strcmp(a, "--duration") == 0) {
			bad = bench_parse_double(v, 0.01, 86400, &o->duration_s);
		} else if (strcmp(a, "--timeout") == 0) {
			bad = bench_parse_double(v, 0.001, 60, &o->timeout_s);
		} else if (strcmp(a, "--callers") == 0) {
			o->callers_path = v;
		} else if (strcmp(a, "--target-pid") == 0) {
			bad = bench_parse_u64(v, 1, 1u << 30, &u);
			o->target_pid = (long)u;
		} else if (strcmp(a, "--window") == 0) {
			bad = bench_parse_u64(v, 1, 1u << 20, &u);
			o->window = (unsigned)u;
		} else if (strcmp(a, "--source-ports") == 0) {
			bad = bench_parse_u64(v, 1, UDP_SOURCE_PORTS_MAX, &u);
			o->source_ports = (unsigned)u;
		} else if (strcmp(a, "--batch") == 0) {
			bad = bench_parse_u64(v, 1, UDP_BATCH_MAX, &u);
			o->batch = (unsigned)u;
		} else if (strcmp(a, "--calls") == 0) {
			bad = bench_parse_u64(v, 1, UINT64_MAX, &o->calls);
		} else if (strcmp(a, "--cpu") == 0) {
			bad = bench_parse_u64(v, 0, CPU_SETSIZE - 1, &u);
			o->cpu = (int)u;
		} else if (strcmp(a, "--seed") == 0) {
			bad = bench_parse_u64(v, 0, UINT64_MAX, &o->seed);
		} else {
			fprintf(stderr, "callfence-bench udp: unknown option %s\n", a);
			usage(stderr);
			return 2;
		}
		if (bad) {
			fprintf(stderr, "callfence-bench udp: bad value for %s: %s\n",
				a, v);
			return 2;
		}
		i++;
	}
	if (!o->target_str) {
		fprintf(stderr, "callfence-bench udp: --target ADDR:PORT is needed\n");
		usage(stderr);
		return 2;
	}
	if (have_rate && o->max) {
		fprintf(stderr, "callfence-bench udp: --rate and --max exclude "
			"each other\n");
		return 2;
	}
	if (!have_rate)
		o->max = true;
	if (!have_progress)
		o->progress = o->duration_s >= 5;
	return 0;
}/* ---- report -------------------------------------------------------------- */

static void
print_table(const struct udp_run *r, const struct udp_figures *f)
{
	const struct udp_opts *o = r->o;
	const struct udp_counters *c = &r->c;
	unsigned i;

	bench_print_machine(stdout);
	printf("target: %s, %s, %u source ports, batch %u, %s\n", o->target_str,
	       o->max ? "closed loop" : "open loop", o->source_ports, o->batch,
	       o->callers_path ? o->callers_path : "generated +86 callers");
	if (o->max)
		printf("  window               %u calls outstanding\n", o->window);
	else
		printf("  rate                 %.0f calls/s asked, %.0f sent%s\n",
		       o->rate, f->sent_per_s,
		       f->rate_kept ? "" : "  ** SENDER COULD NOT KEEP THE RATE **");
	printf("  sending              %.2f s (answers until %.2f s)\n", f->send_s,
	       f->answer_s);
	printf("  sent                 %llu\n", (unsigned long long)c->sent);
	printf("  answered             %llu  (%.0f calls/s)\n",
	       (unsigned long long)c->answered, f->answered_per_s);
	printf("  lost                 %llu  (%.3f %%, no final answer in %.3g s)\n",
	       (unsigned long long)c->lost, f->loss_pct, o->timeout_s);
	printf("  codes               ");
	for (i = 0; i < sizeof(udp_named_codes) / sizeof(udp_named_codes[0]); i++)
		printf(" %u: %llu ", udp_named_codes[i],
		       (unsigned long long)c->codes[udp_named_codes[i]]);
	printf(" other: %llu\n", (unsigned long long)f->other_codes);
	if (f->other_codes) {
		printf("  other codes         ");
		for (i = 0; i < UDP_STATUS_MAX; i++) {
			unsigned k;
			bool named = false;

			for (k = 0; k < sizeof(udp_named_codes) / sizeof(udp_named_codes[0]); k++)
				named |= udp_named_codes[k] == i;
			if (c->codes[i] && !named)
				printf(" %u: %llu ", i, (unsigned long long)c->codes[i]);
		}
		printf("\n");
	}
	printf("  latency µs           p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n",
	       f->p50_us, f->p99_us, f->p999_us, f->max_us);
	printf("  provisional (1xx)    %llu\n", (unsigned long long)c->provisional);
	printf("  late / duplicate     %llu / %llu\n", (unsigned long long)c->late,
	       (unsigned long long)c->duplicates);
	printf("  unparseable / unmatched  %llu / %llu\n",
	       (unsigned long long)c->unparseable, (unsigned long long)c->unmatched);
	if (c->send_errors || c->recv_errors || c->stalls)
		printf("  errors               send %llu  receive %llu  table-full %llu\n",
		       (unsigned long long)c->send_errors,
		       (unsigned long long)c->recv_errors,
		       (unsigned long long)c->stalls);
	if (!o->max)
		printf("  sender lag max       %.1f µs\n", (double)r->lag_max_ns / 1e3);
	printf("  generator cpu        %.0f %% of a core\n", f->self_cpu_pct);
	if (f->have_target_cpu)
		printf("  target cpu           %.3f µs per answered call "
		       "(pid %ld, %.2f s, %.2f cores)\n", f->target_us_per_call,
		       o->target_pid, f->target_cpu_s, f->target_cores);
}

static void
print_json(const struct udp_run *r, const struct udp_figures *f)
{
	const struct udp_opts *o = r->o;
	const struct udp_counters *c = &r->c;
	const char *sep = "";
	unsigned i;

	printf("{\"target\":\"%s\",\"mode\":\"%s\",", o->target_str,
	       o->max ? "max" : "rate");
	if (o->max)
		printf("\"window\":%u,", o->window);
	else
		printf("\"rate\":%.0f,\"rate_kept\":%s,\"sender_lag_max_us\":%.1f,",
		       o->rate, f->rate_kept ? "true" : "false",
		       (double)r->lag_max_ns / 1e3);
	printf("\"source_ports\":%u,\"batch\":%u,\"send_s\":%.3f,\"answer_s\":%.3f,"
	       "\"sent\":%llu,\"sent_per_s\":%.0f,\"answered\":%llu,"
	       "\"answered_per_s\":%.0f,\"lost\":%llu,\"loss_pct\":%.4f,"
	       "\"late\":%llu,\"duplicates\":%llu,\"provisional\":%llu,"
	       "\"unparseable\":%llu,\"unmatched\":%llu,\"send_errors\":%llu,"
	       "\"recv_errors\":%llu,\"table_full\":%llu,\"codes\":{",
	       o->source_ports, o->batch, f->send_s, f->answer_s,
	       (unsigned long long)c->sent, f->sent_per_s,
	       (unsigned long long)c->answered, f->answered_per_s,
	       (unsigned long long)c->lost, f->loss_pct,
	       (unsigned long long)c->late, (unsigned long long)c->duplicates,
	       (unsigned long long)c->provisional,
	       (unsigned long long)c->unparseable,
	       (unsigned long long)c->unmatched,
	       (unsigned long long)c->send_errors,
	       (unsigned long long)c->recv_errors,
	       (unsigned long long)c->stalls);
	for (i = 0; i < sizeof(udp_named_codes) / sizeof(udp_named_codes[0]); i++) {
		printf("%s\"%u\":%llu", sep, udp_named_codes[i],
		       (unsigned long long)c->codes[udp_named_codes[i]]);
		sep = ",";
	}
	for (i = 0; i < UDP_STATUS_MAX; i++) {
		unsigned k;
		bool named = false;

		for (k = 0; k < sizeof(udp_named_codes) / sizeof(udp_named_codes[0]); k++)
			named |= udp_named_codes[k] == i;
		if (c->codes[i] && !named)
			printf(",\"%u\":%llu", i, (unsigned long long)c->codes[i]);
	}
	printf("},\"other_codes\":%llu,\"latency_us\":{\"p50\":%.2f,\"p99\":%.2f,"
	       "\"p99.9\":%.2f,\"max\":%.2f},\"generator_cpu_pct\":%.1f",
	       (unsigned long long)f->other_codes, f->p50_us, f->p99_us,
	       f->p999_us, f->max_us, f->self_cpu_pct);
	if (f->have_target_cpu)
		printf(",\"target_pid\":%ld,\"target_cpu_s\":%.3f,"
		       "\"target_cpu_us_per_call\":%.4f,\"target_cores\":%.3f",
		       o->target_pid, f->target_cpu_s, f->target_us_per_call,
		       f->target_cores);
	printf("}\n");
}

int
cmd_udp(int argc, char **argv)
{
	struct udp_opts o;
	struct udp_figures f;
	struct udp_run *r;
	long long t0 = -1, t1 = -1;
	uint64_t c0, c1, end_ns;
	int rc;

	rc = parse_options(&o, argc, argv);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (o.cpu >= 0 && bench_pin(o.cpu) < 0)
		fprintf(stderr, "callfence-bench udp: cannot pin to cpu %d: %s\n",
			o.cpu, strerror(errno));
	/* The run holds the batches and the message being parsed: too big
	 * for the stack. */
	r = malloc(sizeof(*r));
	if (!r) {
		fprintf(stderr, "callfence-bench udp: out of memory\n");
		return 1;
	}
	if (udp_run_setup(r, &o) < 0) {
		udp_run_free(r);
		free(r);
		return 1;
	}
	if (o.target_pid) {
		t0 = udp_tree_cpu_ticks(o.target_pid);
		if (t0 < 0) {
			fprintf(stderr, "callfence-bench udp: cannot read "
				"/proc/%ld/stat\n", o.target_pid);
			udp_run_free(r);
			free(r);
			return 1;
		}
	}
	c0 = udp_self_cpu_ns();
	udp_run_loop(r);
	end_ns = bench_now_ns();
	c1 = udp_self_cpu_ns();
	if (o.target_pid) {
		t1 = udp_tree_cpu_ticks(o.target_pid);
		if (t1 < 0)
			fprintf(stderr, "callfence-bench udp: pid %ld gone before "
				"the end of the run\n", o.target_pid);
	}
	udp_compute(r, end_ns, c1 - c0, t1 >= 0 ? t1 - t0 : -1, &f);
	if (o.json)
		print_json(r, &f);
	else
		print_table(r, &f);
	if (!f.rate_kept)
		fprintf(stderr, "callfence-bench udp: the sender could not keep "
			"%.0f calls/s (sent %.0f/s, lag up to %.1f µs)\n", o.rate,
			f.sent_per_s, (double)r->lag_max_ns / 1e3);
	udp_run_free(r);
	free(r);
	return 0;
}
