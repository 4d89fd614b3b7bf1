/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Passive tap: judge the call set-ups of a capture file or a live
 * interface (libpcap) and write their verdicts to the verdict log,
 * replying to nobody.  SIP (UDP, TCP, WebSocket, SCTP) and ISUP in M3UA,
 * M2PA or MTP2 all come through callfence/capture.h.
 *
 * The tap is the daemon's only worker: worker 0 without sockets (its
 * struct cf_worker gives it a metrics block, a verdict log ring and rule
 * hit counters), fed by libpcap instead of recvmmsg, on its own thread.
 * It is an RCU QSBR reader like a worker: one snapshot per batch of
 * records, a quiescent state after it, offline while it waits for
 * packets, so SIGHUP and `callfence reload` work as in SIP mode.
 *
 * A file is read as fast as the logger writes: when the logger's ring is
 * full the tap waits for room, so the log has every set-up of the file.
 * A live interface cannot wait: records the logger has no room for are
 * dropped and counted, as in SIP mode.  When a file ends the tap tells
 * the control loop (done_fd) and the daemon stops as on SIGTERM.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include <callfence/capture.h>

#include "worker.h"

#define TAP_BATCH	256	/* records between two quiescent states */
/* A logger that takes no record for this long is stuck. */
#define TAP_LOG_STALL_NS	(UINT64_C(2) * 1000000000)

struct cfd_tap {
	/* Set by the control thread before the tap thread starts. */
	struct cfd *d;
	struct cf_worker *w;		/* worker 0: counters, log ring */
	bool live;
	pthread_t thread;
	bool started;
	/* The tap thread's own. */
	struct cf_capture *cap;
	pcap_t *pcap;			/* live interface, or NULL */
	int linktype;
	uint32_t frame;
	struct cf_screen_worker *sw;	/* the engine's: payloads to verdicts */
	bool log_stalled;	/* the logger took nothing for a while */
	int rc;
};

static bool
stopping(const struct cfd_tap *t)
{
	return __atomic_load_n(&t->d->stop, __ATOMIC_ACQUIRE);
}

/* Hand the staged records to the logger: a file waits for room, a live
 * capture drops and counts what does not fit.  Tap thread. */
static void
tap_log_flush(struct cfd_tap *t)
{
	struct cf_worker *w = t->w;
	const struct timespec nap = { 0, 200000 };
	uint64_t since = cfd_now_ns();
	unsigned int done = 0, n;

	while (done < w->n_logq) {
		n = cf_ring_enqueue_burst(w->log, w->logq + done,
					  w->n_logq - done);
		done += n;
		if (n) {
			since = cfd_now_ns();
			t->log_stalled = false;
		}
		if (done == w->n_logq)
			break;
		/*
		 * Live, told to stop, or a logger that took nothing for
		 * TAP_LOG_STALL_NS (its disk or pipe is stuck): the records
		 * go, counted.  The tap holds a snapshot while it waits, so
		 * waiting for ever would hang reloads and shutdown too.
		 */
		if (!t->log_stalled && cfd_now_ns() - since > TAP_LOG_STALL_NS) {
			t->log_stalled = true;
			cfd_log("tap: the verdict log takes no records; "
				"dropping them until it does");
		}
		if (t->live || stopping(t) || t->log_stalled) {
			cf_metrics_count(w->m, t->d->slots.log_drops,
					 w->n_logq - done);
			break;
		}
		nanosleep(&nap, NULL);
	}
	w->n_logq = 0;
}

/* The engine judged a set-up of the capture: stage its verdict record.
 * Tap thread, in a plane pass. */
static void
tap_judged(void *ctx, const struct cf_screen_job *j, const struct cf_verdict *v)
{
	struct cfd_tap *t = ctx;
	struct cf_worker *w = t->w;
	struct cfd_logrec *rec;
	uint64_t now;

	if (!w->log)
		return;
	if (w->n_logq == CFD_JUDGED_MAX)
		tap_log_flush(t);
	rec = &w->logq[w->n_logq++];
	rec->call = j->call;
	/* Live: capture to verdict; a file has no such thing. */
	now = t->live ? cfd_wall_ns() : 0;
	rec->latency_ns = now > j->call.rx_ns ? now - j->call.rx_ns : 0;
	rec->generation = cf_plane_pass_generation(w->pw);
	rec->frame = j->frame;
	/* A judge error (counted by the plane) says rule "error": the tap
	 * answers nobody. */
	rec->action = (uint8_t)v->action;
	snprintf(rec->rule, sizeof(rec->rule), "%s",
		 v->rule ? v->rule : "default");
	cfd_logrec_monitor(rec, w->pw, v);
}

/* Capture callback: one payload, to the engine.  Tap thread. */
static void
on_payload(void *ctx, const struct cf_payload *p)
{
	struct cfd_tap *t = ctx;

	cf_screen_payload(t->sw, p);
}

static ssize_t
sip_framer(const uint8_t *buf, size_t len)
{
	return cf_sip_message_length((const char *)buf, len);
}

/* libpcap callback (live): one record into the capture layer. */
static void
on_record(u_char *ctx, const struct pcap_pkthdr *h, const u_char *data)
{
	struct cfd_tap *t = (struct cfd_tap *)ctx;

	cf_capture_packet(t->cap, t->linktype, data, h->caplen, h->len,
			  (uint64_t)h->ts.tv_sec * 1000000000u +
				  (uint64_t)h->ts.tv_usec * 1000u,
			  ++t->frame);
}

/* The end of a batch: calls whose release never came forgotten (a few
 * sets), records to the logger, then a quiescent state. */
static void
tap_batch_end(struct cfd_tap *t)
{
	tap_log_flush(t);
	cf_screen_end(t->sw);
}

/* A batch begins: the capture's events are its clock. */
static void
tap_batch_begin(struct cfd_tap *t)
{
	cf_screen_begin(t->sw, cfd_now_ns(), 0);
}

static void
tap_file(struct cfd_tap *t)
{
	long n;

	do {
		tap_batch_begin(t);
		n = cf_capture_run(t->cap, TAP_BATCH);
		tap_batch_end(t);
	} while (n > 0 && !stopping(t));
	if (n < 0) {
		cfd_log("tap %s: %s", t->d->cfg.tap, cf_capture_error(t->cap));
		t->rc = -1;
	}
	cf_capture_close(t->cap);
}

static void
tap_live(struct cfd_tap *t)
{
	struct pollfd pfd = { .fd = pcap_get_selectable_fd(t->pcap),
			      .events = POLLIN };

	while (!stopping(t)) {
		int n;

		/* Offline while waiting: a reload does not wait for us. */
		cf_plane_offline(t->w->pw);
		poll(&pfd, 1, 100);
		cf_plane_online(t->w->pw);
		tap_batch_begin(t);
		n = pcap_dispatch(t->pcap, TAP_BATCH, on_record, (u_char *)t);
		tap_batch_end(t);
		if (n < 0 && n != PCAP_ERROR_BREAK) {
			cfd_log("tap %s: %s", t->d->cfg.tap,
				pcap_geterr(t->pcap));
			t->rc = -1;
			break;
		}
	}
}

static void *
tap_main(void *arg)
{
	const struct cf_events_stats *st;
	struct cfd_tap *t = arg;
	uint64_t one = 1;

	pthread_setname_np(pthread_self(), "cfd-tap");
	cf_plane_register(t->w->pw);
	if (t->live)
		tap_live(t);
	else
		tap_file(t);
	/* Streams still held in reassembly end here. */
	tap_batch_begin(t);
	cf_capture_flush(t->cap);
	tap_batch_end(t);
	cf_plane_unregister(t->w->pw);
	st = cf_screen_events_stats(t->sw);
	cfd_log("tap %s: %s; %llu set-ups judged, %llu answers, %llu "
		"releases", t->d->cfg.tap, t->live ? "stopped" : "end of file",
		(unsigned long long)cf_screen_judged(t->sw),
		(unsigned long long)st->events[CF_EVENT_ANSWER],
		(unsigned long long)st->events[CF_EVENT_RELEASE]);
	/* Tell the control loop: a file is done, the daemon stops. */
	if (write(t->d->done_fd, &one, sizeof(one)) < 0)
		cfd_log("tap: cannot signal the end: %s", strerror(errno));
	return NULL;
}

/* Open a live interface: promiscuous, immediate delivery, non-blocking
 * reads driven by poll(). */
static pcap_t *
open_live(const char *iface, const char *filter)
{
	char err[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	pcap_t *p = pcap_create(iface, err);

	if (!p) {
		cfd_log("tap %s: %s", iface, err);
		return NULL;
	}
	pcap_set_snaplen(p, 65535);
	pcap_set_promisc(p, 1);
	pcap_set_immediate_mode(p, 1);
	pcap_set_buffer_size(p, 16 << 20);
	if (pcap_activate(p) < 0 || pcap_setnonblock(p, 1, err) < 0 ||
	    pcap_get_selectable_fd(p) < 0) {
		cfd_log("tap %s: %s", iface, pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	if (filter) {
		if (pcap_compile(p, &prog, filter, 1,
				 PCAP_NETMASK_UNKNOWN) < 0 ||
		    pcap_setfilter(p, &prog) < 0) {
			cfd_log("tap-filter '%s': %s", filter, pcap_geterr(p));
			pcap_close(p);
			return NULL;
		}
		pcap_freecode(&prog);
	}
	return p;
}

struct cfd_tap *
cfd_tap_new(struct cfd *d, struct cf_worker *w)
{
	struct cfd_tap *t = calloc(1, sizeof(*t));
	struct stat st;

	if (!t)
		return NULL;
	t->d = d;
	t->w = w;
	t->sw = cf_screen_worker(d->screen, 0, &(struct cf_screen_io){
		.ctx = t, .judged = tap_judged,
	});
	if (!t->sw)
		goto fail;
	t->cap = cf_capture_new(&(struct cf_capture_cfg){
		.on_payload = on_payload, .ctx = t, .framer = sip_framer,
	});
	if (!t->cap)
		goto fail;
	/* A file when there is one by that name, else an interface. */
	if (stat(d->cfg.tap, &st) == 0 && !S_ISCHR(st.st_mode)) {
		if (cf_capture_open(t->cap, d->cfg.tap) < 0) {
			cfd_log("tap %s: %s", d->cfg.tap,
				cf_capture_error(t->cap));
			goto fail;
		}
	} else {
		t->live = true;
		t->pcap = open_live(d->cfg.tap, d->cfg.tap_filter);
		if (!t->pcap)
			goto fail;
		t->linktype = pcap_datalink(t->pcap);
	}
	return t;
fail:
	cfd_tap_free(t);
	return NULL;
}

int
cfd_tap_start(struct cfd_tap *t)
{
	if (pthread_create(&t->thread, NULL, tap_main, t) != 0)
		return -1;
	t->started = true;
	return 0;
}

int
cfd_tap_join(struct cfd_tap *t)
{
	if (!t)
		return 0;
	if (t->started)
		pthread_join(t->thread, NULL);
	t->started = false;
	return t->rc;
}

void
cfd_tap_free(struct cfd_tap *t)
{
	if (!t)
		return;
	cfd_tap_join(t);
	cf_capture_free(t->cap);
	if (t->pcap)
		pcap_close(t->pcap);
	free(t);
}
