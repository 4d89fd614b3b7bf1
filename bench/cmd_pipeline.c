/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callfence-bench pipeline: the whole in-process judgement of a call,
 * decode -> normalise -> rules -> heuristics -> verdict, per core, and
 * how it scales with 1 .. N workers handing calls over the lock-free
 * rings (callfence/handover.h) to the worker that owns the caller, as
 * callfenced does; latency per call in a log-linear histogram.
 *
 * Workload: a seeded pool of generated set-ups, SIP INVITEs and M3UA
 * IAMs mixed (`callfence-bench gen --proto mix`, fraud of every class
 * injected), encoded once before timing; the ruleset is
 * rules/examples/carrier.rules (or --rules) with the generator's lists,
 * as `callfence-bench quality` runs it.  The pool is replayed in cycles,
 * each shifted in time by the pool's span, so the heuristics see each
 * caller at the rate the generator gave it, not once per cycle.
 *
 * Each worker count runs in one of two modes:
 *  - inline: callfenced's screening workers with memory for sockets.
 *    Each worker thread gives its share of the pool, a burst as one
 *    recvmmsg would return it, to the engine's screening
 *    (callfence/screen.h: SIP datagrams as on a screening port, M3UA as
 *    captured payloads), which judges the calls it owns at once, builds
 *    the others on their owner's ring, answers every INVITE (the reply
 *    built and dropped), caches it for retransmissions; then it judges
 *    what the others handed it.  N threads on N cores.
 *  - split: a producer thread per worker decodes and steers every call
 *    over a ring, the worker thread only judges: decode and judgement on
 *    separate threads, 2N threads (on 2 cores, N = 2 shares each core
 *    between two busy threads: an oversubscribed machine, not scaling).
 * A full ring waits (counted), never drops: this measures throughput.
 *
 * Latency of a call: from the start of the burst its message came in
 * (the time one recvmmsg would have returned it) to its verdict, queueing
 * on rings included: at full load it is mostly waiting in the burst and
 * on the ring.  CPU ns per call: the CPU time of all threads over the
 * calls judged, the cost that does not depend on the scheduler.
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <callfence/events.h>
#include <callfence/handover.h>
#include <callfence/plane.h>
#include <callfence/ring.h>
#include <callfence/ruleset.h>
#include <callfence/screen.h>
#include <callfence/sip.h>
#include <callfence/ss7.h>

#include "bench.h"
#include "bench_out.h"
#include "bench_util.h"
#include "gen/encode.h"
#include "gen/gen.h"
#include "udp_hist.h"

#ifndef BENCH_SOURCE_ROOT
#define BENCH_SOURCE_ROOT "."
#endif
#define DEFAULT_RULES	BENCH_SOURCE_ROOT "/rules/examples/carrier.rules"

#define WORKERS_MAX	32	/* split mode: 2 hand-over endpoints each */
#define BURST		64	/* messages per burst, callfenced's CFD_BATCH */
#define MSG_MAX		2048
/* Generated calls per second of simulated time: the default generator
 * makes 1 M calls in a day. */
#define GEN_CALLS_PER_S	(1e6 / 86400.0)

enum mode {
	MODE_INLINE = 0,
	MODE_SPLIT,
	MODE__COUNT,
};

static const char *const mode_names[MODE__COUNT] = {
	[MODE_INLINE] = "inline",
	[MODE_SPLIT] = "split",
};

/* One encoded set-up of the pool. */
struct msg {
	uint32_t off, len;	/* in the arena */
	uint64_t rx_ns;		/* generator's time, first cycle */
	uint8_t proto;		/* enum cf_proto */
	uint8_t ingress;	/* enum cf_ingress, what a peer map would say */
	/* SIP: where the Call-ID's first CYCLE_DIGITS bytes are, rewritten
	 * every cycle so a replayed INVITE is a new transaction and not a
	 * retransmission; 0: none that long. */
	uint16_t cycle_at;
	union cf_sockaddr peer;	/* its gateway, as a socket would say */
};

#define CYCLE_DIGITS	8

struct pool {
	char *arena;
	size_t used, size;
	struct msg *msg;
	size_t n;
	uint64_t span_ns;	/* simulated time one cycle covers */
};

/* What travels on a ring: the call and when its burst arrived. */
struct job {
	uint64_t t0;
	struct cf_call call;
};

struct run;

/*
 * One worker: its producer side (decoding its share of the pool, in
 * inline mode on the worker's own thread) and its judging side.  Written
 * by its own thread(s) only, read by the control thread after they are
 * joined.
 */
struct worker {
	struct run *run;
	unsigned id;
	pthread_t thread, producer;
	/* Producer side. */
	size_t next;			/* pool index, steps of n_workers */
	uint64_t cycle;
	unsigned from;			/* its hand-over endpoint as producer */
	struct cf_call call;		/* decode buffer */
	struct cf_sip_msg sip;
	struct cf_ss7_stats ss7;
	uint64_t decode_errors;
	uint64_t ring_waits;		/* bursts held back: a ring was full */
	uint64_t handed;		/* calls put on another worker's ring */
	uint64_t producer_cpu_ns;
	struct cf_events ev;		/* SIP-I, as the daemon decodes */
	/* Inline: the engine's screening, as callfenced's worker. */
	struct cf_screen_worker *sw;
	uint64_t replies, reply_errors;
	char reply[CF_SCREEN_REPLY_MAX];
	/* Judging side: the data plane's worker, as callfenced's. */
	struct cf_plane_worker *pw;
	uint64_t judged;
	uint64_t actions[CF_ACTION__COUNT];
	uint64_t last_rx_ns;
	uint64_t cpu_ns;
	struct udp_hist hist;
} __attribute__((aligned(64)));

struct run {
	const struct pool *pool;
	struct cf_plane *plane;		/* the daemon's data plane */
	const struct cf_ruleset *rs;	/* its ruleset: no reload here */
	enum mode mode;
	unsigned n;
	int ncpu;
	/* The daemon's hand-over rings.  Endpoints 0..n-1 are the judging
	 * workers; in split mode n+i is worker i's producer thread.
	 * Inline mode has no ring from a worker to itself: it judges its
	 * own calls at once. */
	struct cf_handover *handover;	/* split mode */
	struct cf_screen *screen;	/* inline mode */
	struct cf_metrics *metrics;	/* screening's counters */
	struct cf_screen_slots slots;
	struct cf_ingress_map ingress;	/* the generator's gateways */
	struct worker *w;
	int go, stop;			/* set by control, read by all */
	int producers_done;
};

struct opts {
	const char *rules;
	uint64_t pool, seed, ring;
	unsigned workers;
	double seconds;
	bool modes[MODE__COUNT];
	const char *csv, *cdf_csv;
};

/* ---- the pool ------------------------------------------------------------ */

static int
pool_add(struct pool *p, const void *data, size_t len, const struct cf_call *c)
{
	size_t at = (p->used + 63) & ~(size_t)63;

	if (at + len > p->size)
		return -1;
	memcpy(p->arena + at, data, len);
	p->msg[p->n] = (struct msg){
		.off = (uint32_t)at,
		.len = (uint32_t)len,
		.rx_ns = c->rx_ns,
		.proto = c->proto,
		.ingress = c->ingress,
	};
	if (c->proto == CF_PROTO_SIP) {
		const char *cid = memmem(data, len, "\r\nCall-ID: ", 11);
		struct sockaddr_in *in = &p->msg[p->n].peer.in;

		if (cid && (size_t)(cid - (const char *)data) + 11 +
			   CYCLE_DIGITS + 2 <= len &&
		    !memchr(cid + 11, '\r', CYCLE_DIGITS))
			p->msg[p->n].cycle_at = (uint16_t)(cid + 11 -
							   (const char *)data);
		in->sin_family = AF_INET;
		in->sin_port = htons(c->src.port);
		memcpy(&in->sin_addr, c->src.addr, 4);
	}
	p->n++;
	p->used = at + len;
	return 0;
}

/* @want set-ups of the generator @g, encoded. */
static int
pool_fill(struct pool *p, struct gen *g, size_t want, double span_s)
{
	char buf[MSG_MAX];
	struct gen_label lab;
	struct cf_call call;
	int len;

	p->size = want * 1024;
	p->arena = aligned_alloc(64, p->size);
	p->msg = calloc(want, sizeof(*p->msg));
	if (!p->arena || !p->msg)
		return -1;
	while (p->n < want && gen_next(g, &call, &lab)) {
		if (call.event != CF_EVENT_SETUP)
			continue;
		if (call.proto == CF_PROTO_SIP)
			len = gen_encode_sip(&call, lab.call, false, buf,
					     sizeof(buf));
		else
			len = gen_encode_m3ua_isup(&call, (uint8_t *)buf,
						   sizeof(buf));
		if (len < 0 || pool_add(p, buf, (size_t)len, &call) < 0)
			return -1;
	}
	p->span_ns = (uint64_t)(span_s * 1e9);
	return p->n == want ? 0 : -1;
}

/* ---- decode, steer, judge ------------------------------------------------- */

/* The next message of @w's share: the pool in steps of the worker
 * count, cycle after cycle. */
static void
advance(struct worker *w)
{
	w->next += w->run->n;
	if (w->next >= w->run->pool->n) {
		w->next = w->id;
		w->cycle++;
	}
}

/* Split mode: decode the next message of @w's share into w->call; false
 * when it did not decode (counted). */
static bool
decode_next(struct worker *w)
{
	const struct run *r = w->run;
	const struct pool *p = r->pool;
	const struct msg *m = &p->msg[w->next];
	const char *data = p->arena + m->off;
	const struct cf_numplan *plan = cf_ruleset_plan(r->rs);
	bool ok;

	if (m->proto == CF_PROTO_SIP) {
		cf_call_reset(&w->call);
		ok = cf_sip_parse(&w->sip, data, m->len, 0) >= 0 &&
		     cf_events_sip(&w->ev, &w->sip, plan, &w->call) == 1;
	} else {
		ok = cf_ss7_m3ua_to_call(&w->ss7, (const uint8_t *)data,
					 m->len, plan, &w->call) == 1;
	}
	w->call.rx_ns = m->rx_ns + w->cycle * p->span_ns;
	w->call.ingress = m->ingress;
	advance(w);
	if (!ok)
		w->decode_errors++;
	return ok;
}

static void
judge(struct worker *w, const struct cf_call *call, uint64_t t0)
{
	struct cf_verdict v;

	/* The daemon's judge step; an error is a bug of this program. */
	if (cf_plane_judge(w->pw, call, &v) < 0)
		abort();
	w->actions[v.action]++;
	w->judged++;
	w->last_rx_ns = call->rx_ns;
	udp_hist_record(&w->hist, bench_now_ns() - t0);
}

/* The end of a judging pass, as callfenced's: a few expired open calls
 * swept; the next pass begins at once (no reload in a benchmark). */
static void
end_pass(struct worker *w)
{
	cf_plane_end(w->pw, w->last_rx_ns);
	cf_plane_begin(w->pw);
}

/* Judge what producers handed @w, in place on the rings; returns the
 * calls taken. */
static void
judge_handed(void *ctx, void *elem)
{
	const struct job *j = elem;

	judge(ctx, &j->call, j->t0);
}

static unsigned
drain(struct worker *w)
{
	unsigned total;

	total = cf_handover_drain(w->run->handover, w->id, BURST,
				  judge_handed, w);
	if (total)
		end_pass(w);
	return total;
}

/* Nobody sleeps here: workers spin and yield, so the wake-ups the
 * daemon would send are not needed. */
static void
publish(struct worker *w)
{
	if (w->run->handover)
		cf_handover_flush(w->run->handover, w->from);
}

/* Split mode: a slot on @owner's ring for the next call, waiting while
 * it is full; the burst so far is published first (the owner may be
 * waiting for it). */
static struct job *
claim(struct worker *w, unsigned owner)
{
	struct run *r = w->run;
	struct job *j;
	bool waited = false;

	while (!(j = cf_handover_claim(r->handover, w->from, owner))) {
		if (!waited)
			w->ring_waits++;
		waited = true;
		publish(w);
		sched_yield();
	}
	return j;
}

/* Split mode: one burst of the worker's share decoded and steered. */
static void
produce(struct worker *w)
{
	struct run *r = w->run;
	uint64_t t0 = bench_now_ns();
	unsigned k, owner;

	for (k = 0; k < BURST; k++) {
		struct job *j;

		if (!decode_next(w))
			continue;
		owner = cf_plane_steer(r->plane, &w->call);
		j = claim(w, owner);
		j->t0 = t0;
		memcpy(&j->call, &w->call, sizeof(j->call));
		w->handed += owner != w->id;
	}
	publish(w);
}

/* ---- inline: the engine's screening ------------------------------------------ */

/* Replies are built as callfenced builds them, then dropped. */
static char *
mem_reply_buf(void *ctx, unsigned int port)
{
	struct worker *w = ctx;

	(void)port;
	return w->reply;
}

static void
mem_reply_send(void *ctx, unsigned int port, const union cf_sockaddr *peer,
	       int len)
{
	struct worker *w = ctx;

	(void)port;
	(void)peer;
	if (len > 0)
		w->replies++;
	else
		w->reply_errors++;
}

static void
on_judged(void *ctx, const struct cf_screen_job *j, const struct cf_verdict *v)
{
	struct worker *w = ctx;

	w->actions[v->action]++;
	w->judged++;
	udp_hist_record(&w->hist, bench_now_ns() - j->t0_ns);
}

/* The cycle number into a Call-ID, in hex: a new transaction each cycle. */
static void
stamp_cycle(char *at, uint64_t cycle)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = CYCLE_DIGITS - 1; i >= 0; i--, cycle >>= 4)
		at[i] = hex[cycle & 15];
}

/* One pass of a screening worker: a burst of its share (the pool's
 * messages are its own: it may stamp them), the hand-overs published,
 * what others handed it judged.  The pass's clock is the simulated
 * time of the newest message. */
static void
screen_pass(struct worker *w)
{
	const struct pool *p = w->run->pool;
	unsigned k;

	cf_screen_begin(w->sw, bench_now_ns(), w->last_rx_ns);
	for (k = 0; k < BURST; k++) {
		const struct msg *m = &p->msg[w->next];
		char *data = p->arena + m->off;
		uint64_t rx = m->rx_ns + w->cycle * p->span_ns;

		if (m->proto == CF_PROTO_SIP) {
			if (m->cycle_at)
				stamp_cycle(data + m->cycle_at, w->cycle);
			cf_screen_sip(w->sw, 0, data, m->len, &m->peer, rx,
				      false);
		} else {
			struct cf_payload pl = {
				.kind = CF_PAYLOAD_M3UA,
				.transport = CF_TRANSPORT_SCTP,
				.sctp_ppid = 3,
				.ts_ns = rx,
				.data = (const uint8_t *)data,
				.len = m->len,
			};

			if (cf_screen_payload(w->sw, &pl) < 0)
				w->decode_errors++;
		}
		w->last_rx_ns = rx;
		advance(w);
	}
	cf_screen_flush(w->sw);
	cf_screen_drain(w->sw);
	cf_screen_end(w->sw);
}

/* Stopped: judge what is still on the rings once every worker has
 * published its last burst. */
static void
screen_finish(struct worker *w)
{
	struct run *r = w->run;

	__atomic_add_fetch(&r->producers_done, 1, __ATOMIC_ACQ_REL);
	for (;;) {
		bool all = __atomic_load_n(&r->producers_done,
					   __ATOMIC_ACQUIRE) == (int)r->n;
		unsigned did;

		cf_screen_begin(w->sw, bench_now_ns(), w->last_rx_ns);
		did = cf_screen_drain(w->sw);
		cf_screen_end(w->sw);
		if (all && !did && !cf_screen_pending(w->sw))
			break;
	}
}

static void
pin_thread(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void
wait_go(struct run *r)
{
	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void *
producer_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->run;
	uint64_t c0;

	pin_thread((int)(2 * w->id) % r->ncpu);
	wait_go(r);
	c0 = bench_thread_cpu_ns();
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
		produce(w);
	w->producer_cpu_ns = bench_thread_cpu_ns() - c0;
	__atomic_add_fetch(&r->producers_done, 1, __ATOMIC_ACQ_REL);
	return NULL;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->run;
	uint64_t c0;

	pin_thread(r->mode == MODE_INLINE ? (int)w->id % r->ncpu :
		   (int)(2 * w->id + 1) % r->ncpu);
	wait_go(r);
	c0 = bench_thread_cpu_ns();
	if (r->mode == MODE_INLINE) {
		while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
			screen_pass(w);
		screen_finish(w);
		w->cpu_ns = bench_thread_cpu_ns() - c0;
		return NULL;
	}
	cf_plane_begin(w->pw);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
		if (!drain(w))
			sched_yield();
	/* Stopped: judge what is still on the rings once every producer
	 * has published its last burst. */
	for (;;) {
		bool all = __atomic_load_n(&r->producers_done,
					   __ATOMIC_ACQUIRE) == (int)r->n;

		if (!drain(w) && all)
			break;
	}
	cf_plane_end(w->pw, w->last_rx_ns);
	w->cpu_ns = bench_thread_cpu_ns() - c0;
	return NULL;
}

/* ---- one configuration ----------------------------------------------------- */

struct result {
	uint64_t judged, decode_errors, ring_waits, handed;
	uint64_t replies, reply_errors;		/* inline: SIP answers built */
	uint64_t actions[CF_ACTION__COUNT];
	double seconds, cpu_s;
	struct udp_hist hist;
};

/* The compiled ruleset @cfr on a data plane of @n workers, heuristic
 * state afresh for every configuration; the steering key from the seed,
 * so runs repeat. */
static struct cf_plane *
plane_for(const struct opts *o, const char *cfr, unsigned n)
{
	const uint64_t secret[2] = { o->seed, ~o->seed };
	struct cf_plane *p = cf_plane_new(&(struct cf_plane_cfg){
		.workers = n, .secret = secret });
	struct cf_ruleset *rs = NULL;
	struct cf_diag diag;

	cf_diag_init(&diag);
	if (!p || cf_ruleset_load(cfr, &rs, &diag) < 0 ||
	    cf_plane_publish(p, rs) < 0) {
		cf_diag_print(&diag, stderr);
		cf_plane_free(p);
		p = NULL;
	}
	cf_diag_free(&diag);
	return p;
}

/* Inline mode: the engine's screening on the plane, as callfenced sets
 * it up (retransmission cache, ring room per worker), with a full ring
 * waiting instead of answering by policy: this measures throughput. */
static int
screen_setup(struct run *r, const struct opts *o)
{
	if (gen_ingress_map(&r->ingress) < 0)
		return -1;
	r->metrics = cf_screen_metrics_new(r->n, &r->slots);
	if (!r->metrics)
		return -1;
	r->screen = cf_screen_new(&(struct cf_screen_cfg){
		.plane = r->plane,
		.ingress = &r->ingress,
		.policy = CF_SCREEN_FAIL_OPEN,
		.ring_wait = true,
		.ring_size = (uint32_t)o->ring * (r->n > 1 ? r->n - 1 : 1),
		.cache_size = 4096,	/* callfenced's default */
		.metrics = r->metrics,
		.slots = &r->slots,
	});
	return r->screen ? 0 : -1;
}

/* What screening counted: hand-overs, and every message it could not
 * decode or judge (none with the generator's traffic; a retransmission
 * would mean a cycle's stamp did not make a new transaction). */
static void
screen_results(const struct run *r, struct result *res)
{
	const struct cf_screen_slots *s = &r->slots;
	unsigned int i;

	res->handed = cf_metrics_read(r->metrics, s->handovers);
	for (i = 1; i < CF_SIP_ERR__COUNT; i++)
		res->decode_errors += cf_metrics_read(r->metrics,
						      s->decode_err[i]);
	res->decode_errors += cf_metrics_read(r->metrics,
		s->msgs[CF_SCREEN_MSG_RETRANSMISSION]);
	for (i = 0; i < r->n; i++) {
		res->reply_errors += r->w[i].reply_errors;
		res->replies += r->w[i].replies;
	}
}

static int
run_one(const struct opts *o, const struct pool *pool, const char *cfr,
	enum mode mode, unsigned n, struct result *res)
{
	struct run r = {
		.pool = pool, .mode = mode, .n = n,
		.ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN),
	};
	struct cf_plane_worker *w0;
	unsigned i, a, eps;
	uint64_t t0;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	r.plane = plane_for(o, cfr, n);
	if (!r.plane)
		return -1;
	w0 = cf_plane_worker(r.plane, 0);
	cf_plane_begin(w0);
	r.rs = cf_plane_ruleset(w0);
	cf_plane_end(w0, 0);
	udp_hist_init(&res->hist);
	if (r.ncpu < 1)
		r.ncpu = 1;
	r.w = aligned_alloc(64, n * sizeof(*r.w));
	if (!r.w)
		goto out;
	memset(r.w, 0, n * sizeof(*r.w));
	if (mode == MODE_SPLIT) {
		eps = 2 * n;
		/* --ring elements on every ring, as each one used to have. */
		r.handover = cf_handover_new(eps, (uint32_t)o->ring * (eps - 1),
					     sizeof(struct job), 0);
		if (!r.handover)
			goto out;
	} else if (screen_setup(&r, o) < 0) {
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct worker *w = &r.w[i];

		w->run = &r;
		w->id = i;
		w->next = i;
		udp_hist_init(&w->hist);
		cf_events_init(&w->ev);
		w->pw = cf_plane_worker(r.plane, i);
		w->from = n + i;
		if (mode == MODE_INLINE) {
			w->sw = cf_screen_worker(r.screen, i,
				&(struct cf_screen_io){
					.ctx = w,
					.reply_buf = mem_reply_buf,
					.reply_send = mem_reply_send,
					.judged = on_judged,
				});
			if (!w->sw)
				goto out;
		}
	}
	for (i = 0; i < n; i++) {
		if (pthread_create(&r.w[i].thread, NULL, worker_main, &r.w[i]))
			goto out;
		if (mode == MODE_SPLIT &&
		    pthread_create(&r.w[i].producer, NULL, producer_main,
				   &r.w[i]))
			abort();	/* threads already running: no unwinding */
	}
	t0 = bench_now_ns();
	__atomic_store_n(&r.go, 1, __ATOMIC_RELEASE);
	usleep((useconds_t)(o->seconds * 1e6));
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++) {
		if (mode == MODE_SPLIT)
			pthread_join(r.w[i].producer, NULL);
		pthread_join(r.w[i].thread, NULL);
	}
	res->seconds = (double)(bench_now_ns() - t0) / 1e9;
	for (i = 0; i < n; i++) {
		struct worker *w = &r.w[i];

		res->judged += w->judged;
		res->decode_errors += w->decode_errors;
		res->ring_waits += w->ring_waits;
		res->handed += w->handed;
		res->cpu_s += (double)(w->cpu_ns + w->producer_cpu_ns) / 1e9;
		for (a = 0; a < CF_ACTION__COUNT; a++)
			res->actions[a] += w->actions[a];
		udp_hist_merge(&res->hist, &w->hist);
	}
	if (mode == MODE_INLINE)
		screen_results(&r, res);
	if (res->reply_errors)
		fprintf(stderr, "callfence-bench pipeline: %llu replies could "
			"not be built\n", (unsigned long long)res->reply_errors);
	rc = 0;
out:
	cf_screen_free(r.screen);
	cf_metrics_free(r.metrics);
	cf_plane_free(r.plane);
	cf_handover_free(r.handover);
	free(r.w);
	return rc;
}

/* ---- the command ------------------------------------------------------------ */

static const char *const columns[] = {
	"mode", "workers", "threads", "calls", "seconds", "calls_per_s",
	"calls_per_s_per_worker", "cpu_ns_per_call", "p50_ns", "p99_ns",
	"p999_ns", "max_ns", "blocked_pct", "flagged_pct", "handed_over_pct",
	"ring_waits", "decode_errors",
};

static const char *const cdf_columns[] = {
	"mode", "workers", "percentile", "latency_ns",
};

/* Where the latency CDF is drawn: dense in the tail. */
static const double cdf_points[] = {
	0.1, 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97, 98, 99, 99.5,
	99.8, 99.9, 99.95, 99.99, 100,
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: callfence-bench pipeline [--workers N] [--mode inline|split|both]\n"
		"                                [--seconds S] [--pool N] [--ring N]\n"
		"                                [--rules FILE] [--seed N] [--csv FILE]\n"
		"                                [--cdf-csv FILE]\n"
		"  --workers N    1 .. N workers (default: the online CPUs)\n"
		"  --mode M       inline (decode and judge on each worker, as\n"
		"                 callfenced), split (a producer thread per worker),\n"
		"                 or both (default)\n"
		"  --seconds S    per configuration (default 3)\n"
		"  --pool N       generated set-ups replayed (default 16384)\n"
		"  --ring N       hand-over ring elements (default 1024)\n"
		"  --rules FILE   ruleset (default rules/examples/carrier.rules of\n"
		"                 the source tree, with the generator's lists)\n"
		"  --csv FILE     the table as CSV\n"
		"  --cdf-csv FILE latency percentiles of every configuration\n");
}

static int
parse(struct opts *o, int argc, char **argv)
{
	uint64_t u;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = 0;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 1;
		} else if (!v) {
			bad = -1;
		} else if (strcmp(a, "--workers") == 0) {
			bad = bench_parse_u64(v, 1, WORKERS_MAX, &u);
			o->workers = (unsigned)u;
		} else if (strcmp(a, "--mode") == 0) {
			o->modes[MODE_INLINE] = strcmp(v, "split") != 0;
			o->modes[MODE_SPLIT] = strcmp(v, "inline") != 0;
			bad = strcmp(v, "inline") && strcmp(v, "split") &&
			      strcmp(v, "both");
		} else if (strcmp(a, "--seconds") == 0) {
			bad = bench_parse_double(v, 0.05, 3600, &o->seconds);
		} else if (strcmp(a, "--pool") == 0) {
			bad = bench_parse_u64(v, 64, 1u << 22, &o->pool);
		} else if (strcmp(a, "--ring") == 0) {
			bad = bench_parse_u64(v, 2, 1u << 20, &o->ring) ||
			      (o->ring & (o->ring - 1));
		} else if (strcmp(a, "--rules") == 0) {
			o->rules = v;
		} else if (strcmp(a, "--seed") == 0) {
			bad = bench_parse_u64(v, 0, UINT64_MAX, &o->seed);
		} else if (strcmp(a, "--csv") == 0) {
			o->csv = v;
		} else if (strcmp(a, "--cdf-csv") == 0) {
			o->cdf_csv = v;
		} else {
			bad = -1;
		}
		if (bad) {
			fprintf(stderr, "callfence-bench pipeline: bad option "
				"%s%s%s\n", a, v ? " " : "", v ? v : "");
			usage(stderr);
			return 2;
		}
		i++;
	}
	return 0;
}

static void
row(struct bench_table *tab, struct bench_table *cdf, enum mode mode,
    unsigned n, const struct result *res)
{
	double calls = res->judged ? (double)res->judged : 1;
	size_t i;

	bench_table_cell(tab, "%s", mode_names[mode]);
	bench_table_cell(tab, "%u", n);
	bench_table_cell(tab, "%u", mode == MODE_SPLIT ? 2 * n : n);
	bench_table_cell(tab, "%llu", (unsigned long long)res->judged);
	bench_table_cell(tab, "%.2f", res->seconds);
	bench_table_cell(tab, "%.0f", (double)res->judged / res->seconds);
	bench_table_cell(tab, "%.0f", (double)res->judged / res->seconds / n);
	bench_table_cell(tab, "%.1f", res->cpu_s * 1e9 / calls);
	bench_table_cell(tab, "%llu", (unsigned long long)
			 udp_hist_percentile(&res->hist, 50));
	bench_table_cell(tab, "%llu", (unsigned long long)
			 udp_hist_percentile(&res->hist, 99));
	bench_table_cell(tab, "%llu", (unsigned long long)
			 udp_hist_percentile(&res->hist, 99.9));
	bench_table_cell(tab, "%llu", (unsigned long long)res->hist.max);
	bench_table_cell(tab, "%.3f", 100.0 *
			 (double)res->actions[CF_ACTION_BLOCK] / calls);
	bench_table_cell(tab, "%.3f", 100.0 *
			 (double)(res->actions[CF_ACTION_SUSPECT] +
				  res->actions[CF_ACTION_HIDE]) / calls);
	bench_table_cell(tab, "%.1f", 100.0 * (double)res->handed / calls);
	bench_table_cell(tab, "%llu", (unsigned long long)res->ring_waits);
	bench_table_cell(tab, "%llu", (unsigned long long)res->decode_errors);
	for (i = 0; cdf && i < sizeof(cdf_points) / sizeof(cdf_points[0]); i++) {
		bench_table_cell(cdf, "%s", mode_names[mode]);
		bench_table_cell(cdf, "%u", n);
		bench_table_cell(cdf, "%g", cdf_points[i]);
		bench_table_cell(cdf, "%llu", (unsigned long long)
				 udp_hist_percentile(&res->hist, cdf_points[i]));
	}
}

int
cmd_pipeline(int argc, char **argv)
{
	struct opts o = {
		.rules = DEFAULT_RULES, .pool = 16384, .seed = 1, .ring = 1024,
		.seconds = 3, .modes = { true, true },
	};
	static const char *const gen_lists[] = { "blacklist", "dno", "roaming" };
	char dir[] = "/tmp/callfence-bench-pipeline-XXXXXX", paths[3][96];
	char cfr[128];
	struct cf_list_override lists[3];
	struct bench_table *tab = NULL, *cdf = NULL;
	struct cf_ruleset *rs = NULL;
	struct pool pool = { 0 };
	struct gen_config cfg;
	struct bench_env env;
	struct result res;
	struct cf_diag diag;
	struct gen *g = NULL;
	bool have_dir = false;
	unsigned n, i;
	int m, rc;

	o.workers = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	if (o.workers < 1 || o.workers > WORKERS_MAX)
		o.workers = 1;
	rc = parse(&o, argc, argv);
	if (rc)
		return rc == 1 ? 0 : rc;
	rc = 1;
	cf_diag_init(&diag);
	gen_config_default(&cfg);
	cfg.seed = o.seed;
	cfg.calls = o.pool;
	cfg.with_releases = false;
	cfg.duration_s = (double)o.pool / GEN_CALLS_PER_S;
	g = gen_new(&cfg);
	if (!g || !mkdtemp(dir)) {
		fprintf(stderr, "callfence-bench pipeline: cannot start the "
			"generator\n");
		goto out;
	}
	have_dir = true;
	if (gen_write_lists(g, dir) < 0) {
		fprintf(stderr, "callfence-bench pipeline: cannot write lists\n");
		goto out;
	}
	for (i = 0; i < 3; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s.txt", dir,
			 gen_lists[i]);
		lists[i] = (struct cf_list_override){ gen_lists[i], paths[i] };
	}
	bench_progress("pipeline: generating %llu set-ups, loading %s",
		       (unsigned long long)o.pool, o.rules);
	if (pool_fill(&pool, g, o.pool, cfg.duration_s) < 0) {
		fprintf(stderr, "callfence-bench pipeline: cannot generate "
			"the pool\n");
		goto out;
	}
	/* Compiled once, mapped afresh for each configuration. */
	snprintf(cfr, sizeof(cfr), "%s/pipeline.cfr", dir);
	if (cf_rules_open(o.rules, &(struct cf_rules_opts){ lists, 3 }, &rs,
			  &diag) < 0 || cf_ruleset_save(rs, cfr, &diag) < 0) {
		cf_diag_print(&diag, stderr);
		goto out;
	}
	bench_env_init(&env, argc, argv);
	tab = bench_table_open(&env, o.csv, columns,
			       sizeof(columns) / sizeof(columns[0]), false);
	if (!tab)
		goto out;
	if (o.cdf_csv) {
		cdf = bench_table_open(&env, o.cdf_csv, cdf_columns,
				       sizeof(cdf_columns) /
				       sizeof(cdf_columns[0]), true);
		if (!cdf)
			goto out;
	}
	for (m = 0; m < MODE__COUNT; m++) {
		if (!o.modes[m])
			continue;
		for (n = 1; n <= o.workers; n++) {
			bench_progress("pipeline: %s, %u worker%s, %.1f s",
				       mode_names[m], n, n > 1 ? "s" : "",
				       o.seconds);
			if (run_one(&o, &pool, cfr, (enum mode)m, n, &res) < 0) {
				fprintf(stderr, "callfence-bench pipeline: "
					"cannot set up the data plane\n");
				goto out;
			}
			row(tab, cdf, (enum mode)m, n, &res);
		}
	}
	rc = 0;
out:
	if (cdf && bench_table_close(cdf) < 0)
		rc = 1;
	if (tab && bench_table_close(tab) < 0)
		rc = 1;
	if (have_dir) {
		gen_remove_lists(dir);
		unlink(cfr);
		rmdir(dir);
	}
	cf_ruleset_free(rs);
	cf_diag_free(&diag);
	gen_free(g);
	free(pool.arena);
	free(pool.msg);
	return rc;
}
