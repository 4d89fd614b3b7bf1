/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The verdict log: one JSON line per judged call, the fields of
 * `callfence replay` (cf_record_json) plus timestamp, latency_ns,
 * ingress, source and ruleset generation.
 *
 * Workers never write files: each hands its records to the logger thread
 * on its own bounded SPSC ring, and when a ring is full the records are
 * dropped and counted (the calls are not delayed).  The logger drains
 * the rings into a buffered FILE, flushes when it runs dry, and reopens
 * the file when asked (SIGUSR1, for log rotation).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include <callfence/record.h>

#include "callfenced.h"

struct cfd_vlog {
	/* Set by the control thread before the logger starts. */
	struct cfd *d;
	char *path;
	struct cf_ring *rings[CFD_WORKERS_MAX];	/* worker i -> logger */
	unsigned int n_rings;
	uint64_t *m;			/* the logger's metrics block */
	pthread_t thread;
	bool started;
	/* Set by the control thread, read by the logger. */
	int stop;
	int reopen;
	bool stalled;			/* control: the logger never stopped */
	/* The logger's: records of its batch not yet written; read by
	 * the control thread when the logger is stuck. */
	unsigned int inflight;
	/* The logger's own. */
	FILE *f;
	struct cfd_logrec *buf;
	char monitor[CF_VERDICT_MONITOR_MAX * CF_PLANE_RULE_NAME];
	char line[4096];
};

void
cfd_logrec_monitor(struct cfd_logrec *r, const struct cf_plane_worker *pw,
		   const struct cf_verdict *v)
{
	unsigned int i;

	r->n_monitor = (uint8_t)(v->monitor_count < CF_VERDICT_MONITOR_MAX ?
				 v->monitor_count : CF_VERDICT_MONITOR_MAX);
	for (i = 0; i < r->n_monitor; i++)
		r->monitor[i] = (uint16_t)cf_plane_monitor_slot(pw, v, i);
}

static FILE *
open_log(const char *path)
{
	FILE *f = fopen(path, "a");

	if (!f)
		cfd_log("verdict-log %s: %s", path, strerror(errno));
	else
		setvbuf(f, NULL, _IOFBF, 1 << 16);
	return f;
}

static void
format_source(const struct cf_source *s, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (s->family == AF_INET6) {
		inet_ntop(AF_INET6, s->addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, s->port);
	} else if (s->family == AF_INET) {
		inet_ntop(AF_INET, s->addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, s->port);
	} else if (s->point_code) {
		snprintf(buf, size, "pc:%u", s->point_code);
	} else {
		buf[0] = '\0';
	}
}

/* One record as a line into l->line; returns its length or -1. */
static int
format(struct cfd_vlog *l, const struct cfd_logrec *r)
{
	struct cf_record_meta meta = {
		.verdict = cf_action_name((enum cf_action)r->action),
		.rule = r->rule,
		.frame = r->frame,
		.monitor = l->monitor,
	};
	char src[64], ts[32];
	time_t sec = (time_t)(r->call.rx_ns / 1000000000u);
	struct tm tm;
	int n, m;

	cf_plane_rule_names(l->d->plane, r->monitor, r->n_monitor, l->monitor,
			    sizeof(l->monitor));
	n = cf_record_json(l->line, sizeof(l->line), &r->call, &meta);
	if (n < 2 || (size_t)n >= sizeof(l->line) || l->line[n - 1] != '}')
		return -1;
	gmtime_r(&sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	format_source(&r->call.src, src, sizeof(src));
	/* Extend the replay object: drop its closing brace. */
	m = snprintf(l->line + n - 1, sizeof(l->line) - (size_t)n + 1,
		     ",\"timestamp\":\"%s.%09lluZ\",\"latency_ns\":%llu,"
		     "\"ingress\":\"%s\",\"source\":\"%s\","
		     "\"generation\":%llu}\n", ts,
		     (unsigned long long)(r->call.rx_ns % 1000000000u),
		     (unsigned long long)r->latency_ns,
		     cf_ingress_name((enum cf_ingress)r->call.ingress), src,
		     (unsigned long long)r->generation);
	if (m < 0 || (size_t)m >= sizeof(l->line) - (size_t)n + 1)
		return -1;
	return n - 1 + m;
}

/* Take what is waiting on every ring; returns records taken. */
static unsigned int
drain(struct cfd_vlog *l)
{
	const struct cfd_slots *s = &l->d->slots;
	unsigned int i, k, total = 0;
	uint32_t n;

	for (i = 0; i < l->n_rings; i++) {
		n = cf_ring_dequeue_burst(l->rings[i], l->buf, CFD_BATCH);
		/* Taken, not yet written or counted: a shutdown that finds
		 * the logger stuck counts these as dropped too. */
		__atomic_store_n(&l->inflight, n, __ATOMIC_RELEASE);
		for (k = 0; k < n; k++) {
			int len = format(l, &l->buf[k]);

			if (len < 0 || !l->f ||
			    fwrite(l->line, 1, (size_t)len, l->f) != (size_t)len)
				cf_metrics_count(l->m, s->log_drops, 1);
			else
				cf_metrics_count(l->m, s->log_records, 1);
			__atomic_store_n(&l->inflight, n - k - 1,
					 __ATOMIC_RELEASE);
		}
		total += n;
	}
	return total;
}

static void *
logger_main(void *arg)
{
	struct cfd_vlog *l = arg;
	const struct timespec nap = { 0, 2000000 };

	pthread_setname_np(pthread_self(), "cfd-logger");
	while (!__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE)) {
		if (__atomic_exchange_n(&l->reopen, 0, __ATOMIC_ACQ_REL)) {
			if (l->f)
				fclose(l->f);
			l->f = open_log(l->path);
		}
		if (drain(l) == 0) {
			if (l->f)
				fflush(l->f);
			nanosleep(&nap, NULL);
		}
	}
	/* The workers are gone: what is left on the rings is all there is. */
	while (drain(l) > 0)
		;
	if (l->f)
		fflush(l->f);
	return NULL;
}

struct cfd_vlog *
cfd_vlog_new(struct cfd *d, const char *path)
{
	struct cfd_vlog *l = calloc(1, sizeof(*l));
	unsigned int i;

	if (!l)
		return NULL;
	l->d = d;
	l->path = strdup(path);
	l->m = cf_metrics_block(d->metrics, d->logger_block);
	l->buf = calloc(CFD_BATCH, sizeof(*l->buf));
	l->f = open_log(path);
	if (!l->path || !l->buf || !l->f)
		goto fail;
	for (i = 0; i < d->n_workers; i++) {
		l->rings[i] = cf_ring_new(d->cfg.log_ring_size,
					  sizeof(struct cfd_logrec));
		if (!l->rings[i])
			goto fail;
		l->n_rings++;
	}
	return l;
fail:
	cfd_vlog_free(l);
	return NULL;
}

struct cf_ring *
cfd_vlog_ring(struct cfd_vlog *l, unsigned int id)
{
	return l && id < l->n_rings ? l->rings[id] : NULL;
}

int
cfd_vlog_start(struct cfd_vlog *l)
{
	if (pthread_create(&l->thread, NULL, logger_main, l) != 0)
		return -1;
	l->started = true;
	return 0;
}

void
cfd_vlog_reopen(struct cfd_vlog *l)
{
	if (l)
		__atomic_store_n(&l->reopen, 1, __ATOMIC_RELEASE);
}

/* How long shutdown waits for the logger to write what is left. */
#define VLOG_STOP_NS	(UINT64_C(5) * 1000000000)

bool
cfd_vlog_stop(struct cfd_vlog *l)
{
	struct timespec until;
	uint64_t left = 0;
	unsigned int i;

	if (!l || !l->started)
		return l && l->stalled;
	__atomic_store_n(&l->stop, 1, __ATOMIC_RELEASE);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += VLOG_STOP_NS / 1000000000;
	if (pthread_timedjoin_np(l->thread, NULL, &until) == 0) {
		l->started = false;
		return false;
	}
	/*
	 * The logger is stuck in a write (a full pipe, a dead NFS server):
	 * shutdown does not wait for it.  What it still holds is counted
	 * as dropped; the thread, its file and its rings are left to the
	 * exit, since it may be inside them.
	 */
	left = __atomic_load_n(&l->inflight, __ATOMIC_ACQUIRE);
	for (i = 0; i < l->n_rings; i++)
		left += cf_ring_count(l->rings[i]);
	cf_metrics_count(cf_metrics_block(l->d->metrics, l->d->control_block),
			 l->d->slots.log_drops, left);
	cfd_log("verdict-log %s: the writer is stuck; %llu records not "
		"written", l->path, (unsigned long long)left);
	pthread_detach(l->thread);
	l->stalled = true;
	l->started = false;
	return true;
}

void
cfd_vlog_free(struct cfd_vlog *l)
{
	unsigned int i;

	if (!l)
		return;
	cfd_vlog_stop(l);
	if (l->stalled)
		return;
	for (i = 0; i < l->n_rings; i++)
		cf_ring_free(l->rings[i]);
	if (l->f)
		fclose(l->f);
	free(l->buf);
	free(l->path);
	free(l);
}
