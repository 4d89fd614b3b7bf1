/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The worker: one thread per core, the I/O around the engine's screening
 * (callfence/screen.h).  A pass receives a burst on each of its sockets
 * (recvmmsg, up to CFD_BATCH datagrams) and gives each datagram to the
 * engine, which answers it, judges it here or hands it to the core that
 * owns its caller; the burst's hand-overs are published together, waking
 * a sleeping owner at most once.  Then it judges the calls handed to it,
 * sends every queued reply (one sendmmsg per socket), reads the clock
 * once for the latencies of the pass, hands verdict records to the logger
 * and announces an RCU quiescent state.  Idle, it goes RCU-offline and
 * sleeps in poll() on its sockets and its eventfd.
 *
 * Nothing here allocates, locks or logs per call; the system calls are
 * per burst: recvmmsg per socket, sendmmsg per socket with replies, an
 * eventfd write per sleeping owner, and poll() when there is nothing to
 * do.  The clocks are read through the vDSO, three times a pass.
 */

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "worker.h"

uint64_t
cfd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
cfd_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void
count(struct cf_worker *w, uint32_t slot)
{
	cf_metrics_count(w->m, slot, 1);
}

/* ---- Sending ------------------------------------------------------------ */

static socklen_t
addr_len(const union cf_sockaddr *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(a->in6) : sizeof(a->in);
}

static void
tx_flush(struct cf_worker *w, unsigned int li)
{
	struct cfd_tx *t = w->tx[li];
	unsigned int done = 0;

	while (done < t->n) {
		int n = sendmmsg(w->socks[li], t->msg + done, t->n - done,
				 MSG_DONTWAIT);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			/* A full socket buffer or an unreachable peer: the
			 * peer retransmits, and we count. */
			count(w, w->d->slots.tx_errors);
			done++;
			continue;
		}
		done += (unsigned int)n;
	}
	t->n = 0;
}

static void
tx_flush_all(struct cf_worker *w)
{
	unsigned int i;

	for (i = 0; i < w->n_socks; i++)
		if (w->tx[i] && w->tx[i]->n)
			tx_flush(w, i);
}

/* The next reply buffer of socket @li, flushing when the queue is full. */
static char *
tx_slot(struct cf_worker *w, unsigned int li)
{
	struct cfd_tx *t = w->tx[li];

	if (t->n == CFD_TX_MAX)
		tx_flush(w, li);
	return t->buf[t->n];
}

static void
tx_commit(struct cf_worker *w, unsigned int li, const union cf_sockaddr *peer,
	  int len)
{
	struct cfd_tx *t = w->tx[li];
	unsigned int i = t->n;

	if (len < 0 || len >= CFD_TX_SIZE) {
		count(w, w->d->slots.tx_errors);
		return;
	}
	/* The constant fields were set once at start (cfd_worker_new). */
	t->peer[i] = *peer;
	t->iov[i].iov_len = (size_t)len;
	t->msg[i].msg_hdr.msg_namelen = addr_len(peer);
	t->n++;
}

/* ---- Verdict log and latency ------------------------------------------------ */

static void
log_flush(struct cf_worker *w)
{
	uint32_t n;

	if (!w->n_logq)
		return;
	n = cf_ring_enqueue_burst(w->log, w->logq, w->n_logq);
	if (n < w->n_logq)
		/* The logger is behind: records go, calls never wait. */
		cf_metrics_count(w->m, w->d->slots.log_drops, w->n_logq - n);
	w->n_logq = 0;
}

/*
 * End of a pass (or CFD_JUDGED_MAX calls into it): send the replies,
 * read the clock once, and give every call judged since the last time
 * its latency, from the receipt of its burst to its reply handed to the
 * kernel, in the histogram and in its verdict log record.
 */
static void
pass_finish(struct cf_worker *w)
{
	unsigned int i;
	uint64_t now;

	tx_flush_all(w);
	if (w->n_judged) {
		now = cfd_now_ns();
		for (i = 0; i < w->n_judged; i++) {
			const struct cfd_judged *c = &w->judged[i];
			uint64_t lat = now - c->t0_ns;

			cf_metrics_observe(w->d->metrics, w->m,
					   w->d->slots.latency_id, lat);
			if (c->logrec >= 0)
				w->logq[c->logrec].latency_ns = lat;
		}
		w->n_judged = 0;
	}
	log_flush(w);
}

/* The engine judged a call (its reply queued): note it for
 * pass_finish(), with its log record. */
static void
on_judged(void *ctx, const struct cf_screen_job *j, const struct cf_verdict *v)
{
	struct cf_worker *w = ctx;
	struct cfd_judged *c;
	struct cfd_logrec *r;

	if (w->n_judged == CFD_JUDGED_MAX)
		pass_finish(w);
	c = &w->judged[w->n_judged++];
	c->t0_ns = j->t0_ns;
	c->logrec = -1;
	if (!w->log)
		return;
	/* logq holds CFD_JUDGED_MAX records: it fills no faster. */
	c->logrec = (int32_t)w->n_logq;
	r = &w->logq[w->n_logq++];
	r->call = j->call;
	r->latency_ns = 0;
	r->frame = 0;
	r->generation = cf_plane_pass_generation(w->pw);
	r->action = (uint8_t)v->action;
	snprintf(r->rule, sizeof(r->rule), "%s", v->rule ? v->rule : "default");
	cfd_logrec_monitor(r, w->pw, v);
}

/* The engine's reply buffer of socket @port and its sending. */
static char *
reply_buf(void *ctx, unsigned int port)
{
	return tx_slot(ctx, port);
}

static void
reply_send(void *ctx, unsigned int port, const union cf_sockaddr *peer,
	   int len)
{
	tx_commit(ctx, port, peer, len);
}

/* What the kernel says of one datagram. */
struct rx_meta {
	uint32_t ovfl;		/* the socket's drop counter (SO_RXQ_OVFL) */
	uint64_t rx_ns;		/* its receive time (SO_TIMESTAMPNS), or 0 */
};

static void
rx_meta(const struct msghdr *h, struct rx_meta *m)
{
	struct cmsghdr *c;
	struct timespec ts;

	m->ovfl = 0;
	m->rx_ns = 0;
	for (c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR((struct msghdr *)h, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SO_RXQ_OVFL) {
			memcpy(&m->ovfl, CMSG_DATA(c), sizeof(m->ovfl));
		} else if (c->cmsg_type == SO_TIMESTAMPNS) {
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			m->rx_ns = (uint64_t)ts.tv_sec * 1000000000u +
				   (uint64_t)ts.tv_nsec;
		}
	}
}

/* One recvmmsg() burst from socket @li; returns datagrams received. */
static unsigned int
rx(struct cf_worker *w, unsigned int li)
{
	const struct cfd_slots *s = &w->d->slots;
	uint64_t delay = w->d->cfg.overload_delay_ns, now;
	struct rx_meta meta;
	unsigned int i;
	int n;

	for (i = 0; i < CFD_BATCH; i++) {
		w->rx_msg[i].msg_hdr.msg_namelen = sizeof(w->rx_peer[i]);
		w->rx_msg[i].msg_hdr.msg_controllen = sizeof(w->rx_ctl[i]);
		w->rx_msg[i].msg_hdr.msg_flags = 0;
	}
	n = recvmmsg(w->socks[li], w->rx_msg, CFD_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	cf_metrics_count(w->m, w->packets_slot, (uint64_t)n);
	/* The burst's age is taken now, not at the start of the pass: the
	 * thread may have been off the CPU in between. */
	now = delay ? cfd_wall_ns() : 0;
	/* The counter is the socket's running total: the last datagram
	 * of the burst has the newest (0 until the first drop). */
	rx_meta(&w->rx_msg[n - 1].msg_hdr, &meta);
	if (meta.ovfl != w->rxq_ovfl[li]) {
		cf_metrics_count(w->m, s->rx_drops, meta.ovfl - w->rxq_ovfl[li]);
		w->rxq_ovfl[li] = meta.ovfl;
	}
	for (i = 0; i < (unsigned int)n; i++) {
		bool late;

		if (w->rx_msg[i].msg_hdr.msg_flags & MSG_TRUNC) {
			cf_screen_oversize(w->sw);
			continue;
		}
		/* Older than overload-delay: the worker is behind; answer
		 * by policy before the socket buffer overflows. */
		rx_meta(&w->rx_msg[i].msg_hdr, &meta);
		late = delay && meta.rx_ns && now > meta.rx_ns &&
		       now - meta.rx_ns > delay;
		/* The call's time is when the kernel received it: the
		 * clock a capture of the same traffic shows, whatever the
		 * worker was doing then (0: the pass's). */
		if ((int)li == w->hep)
			cf_screen_hep(w->sw, w->rx_buf[i], w->rx_msg[i].msg_len,
				      &w->rx_peer[i], meta.rx_ns);
		else
			cf_screen_sip(w->sw, li, w->rx_buf[i],
				      w->rx_msg[i].msg_len, &w->rx_peer[i],
				      meta.rx_ns, late);
	}
	return (unsigned int)n;
}

/* Nothing to do: sleep until a datagram, a hand-over or shutdown. */
static void
idle(struct cf_worker *w)
{
	struct pollfd pfd[CFD_SOCKS_MAX + 1];
	unsigned int i;
	uint64_t v;

	for (i = 0; i < w->n_socks; i++)
		pfd[i] = (struct pollfd){ .fd = w->socks[i], .events = POLLIN };
	pfd[i] = (struct pollfd){ .fd = w->wake_fd, .events = POLLIN };
	/* Marked sleeping before the last look at the rings (see
	 * callfence/handover.h): no hand-over is missed. */
	if (cf_screen_sleep(w->sw) &&
	    !__atomic_load_n(&w->d->stop, __ATOMIC_ACQUIRE)) {
		/* Offline: a reload's grace period does not wait for us. */
		cf_plane_offline(w->pw);
		poll(pfd, w->n_socks + 1, 200);
		cf_plane_online(w->pw);
	}
	cf_screen_awake(w->sw);
	if (pfd[w->n_socks].revents & POLLIN)
		if (read(w->wake_fd, &v, sizeof(v)) < 0)
			v = 0;
}

static void
pin(struct cf_worker *w)
{
	char name[16];
	cpu_set_t set;

	snprintf(name, sizeof(name), "cfd-worker%u", w->id);
	pthread_setname_np(pthread_self(), name);
	if (w->cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		cfd_log("worker %u: cannot pin to cpu %d", w->id, w->cpu);
}

static void *
worker_main(void *arg)
{
	struct cf_worker *w = arg;
	struct cfd *d = w->d;
	unsigned int i, work;

	pin(w);
	cf_plane_register(w->pw);
	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
		/* One snapshot per pass: between two quiescent states. */
		w->pass_ns = cfd_now_ns();
		cf_screen_begin(w->sw, w->pass_ns, cfd_wall_ns());
		work = 0;
		for (i = 0; i < w->n_socks; i++)
			work += rx(w, i);
		cf_screen_flush(w->sw);
		work += cf_screen_drain(w->sw);
		pass_finish(w);
		cf_screen_end(w->sw);
		if (!work)
			idle(w);
	}
	/* Shutdown: stop receiving, then judge what others handed us until
	 * every worker has stopped producing and our rings are empty. */
	__atomic_add_fetch(&d->draining, 1, __ATOMIC_ACQ_REL);
	for (;;) {
		bool all = __atomic_load_n(&d->draining, __ATOMIC_ACQUIRE) ==
			   (int)d->n_workers;

		w->pass_ns = cfd_now_ns();
		cf_screen_begin(w->sw, w->pass_ns, cfd_wall_ns());
		work = cf_screen_drain(w->sw);
		pass_finish(w);
		cf_screen_end(w->sw);
		if (all && !work && !cf_screen_pending(w->sw))
			break;
		if (!work)
			sched_yield();
	}
	cf_plane_unregister(w->pw);
	return NULL;
}

/* ---- Life cycle (control thread) ------------------------------------------------ */

void
cfd_worker_wake(struct cf_worker *w)
{
	uint64_t one = 1;

	/* EAGAIN: the counter is already non-zero, the owner will wake. */
	if (write(w->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		cfd_log("worker %u: wake: %s", w->id, strerror(errno));
}

/* A producer published to worker @id, which sleeps. */
static void
wake_worker(void *ctx, unsigned int id)
{
	struct cfd *d = ctx;

	cfd_worker_wake(d->workers[id]);
}

int
cfd_screen_setup(struct cfd *d)
{
	d->screen = cf_screen_new(&(struct cf_screen_cfg){
		.plane = d->plane,
		.ingress = &d->ingress,
		.acl = d->acl,
		.policy = d->cfg.overload,
		/* A file waits for its judge; a port never does. */
		.ring_wait = d->cfg.tap != NULL,
		.ring_size = d->cfg.ring_size,
		.cache_size = d->cfg.cache_size,
		.metrics = d->metrics,
		.slots = &d->slots.screen,
		.wake = wake_worker,
		.wake_ctx = d,
	});
	return d->screen ? 0 : -1;
}

static int
open_socket(const union cf_sockaddr *a, int rcvbuf)
{
	int fd, one = 1;

	fd = socket(a->sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -1;
	/* Every worker binds the same address; the kernel spreads
	 * datagrams over the sockets by flow hash. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    (a->sa.sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0))
		goto fail;
	/* Bursts wait in the socket buffer, not in our memory.  FORCE
	 * passes net.core.rmem_max with CAP_NET_ADMIN; without it the
	 * kernel caps the size, which is fine. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/* The kernel's receive time with each datagram: how long it
	 * waited, for the overload policy. */
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	/* Datagrams the kernel dropped for a full buffer, with each one
	 * received: counted as callfence_udp_rx_drops_total. */
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	if (bind(fd, &a->sa, addr_len(a)) < 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* The fields of a reply queue that never change. */
static void
tx_init(struct cfd_tx *t)
{
	unsigned int i;

	for (i = 0; i < CFD_TX_MAX; i++) {
		t->iov[i].iov_base = t->buf[i];
		t->msg[i].msg_hdr.msg_name = &t->peer[i];
		t->msg[i].msg_hdr.msg_iov = &t->iov[i];
		t->msg[i].msg_hdr.msg_iovlen = 1;
	}
}

struct cf_worker *
cfd_worker_new(struct cfd *d, unsigned int id)
{
	struct cf_worker *w;
	unsigned int i;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (posix_memalign((void **)&w, 64, sizeof(*w)) != 0)
		return NULL;
	memset(w, 0, sizeof(*w));
	w->d = d;
	w->id = id;
	w->wake_fd = -1;
	w->hep = -1;
	for (i = 0; i < CFD_SOCKS_MAX; i++)
		w->socks[i] = -1;
	w->cpu = d->cfg.n_cpus ? d->cfg.cpus[id % d->cfg.n_cpus] :
		 (int)(id % (unsigned long)(ncpu > 0 ? ncpu : 1));
	w->m = cf_metrics_block(d->metrics, id);
	w->pw = cf_plane_worker(d->plane, id);
	w->packets_slot = cf_metrics_slot(d->metrics, d->slots.packets_id,
					  id, 0);
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->rx_buf = calloc(CFD_BATCH, CFD_RX_SIZE);
	/* The tap is worker 0 of a passive daemon, with its own I/O. */
	if (!d->cfg.tap)
		w->sw = cf_screen_worker(d->screen, id, &(struct cf_screen_io){
			.ctx = w,
			.reply_buf = reply_buf,
			.reply_send = reply_send,
			.judged = on_judged,
		});
	if (w->wake_fd < 0 || !w->rx_buf || (!d->cfg.tap && !w->sw))
		goto fail;
	if (d->vlog) {
		w->log = cfd_vlog_ring(d->vlog, id);
		w->logq = calloc(CFD_JUDGED_MAX, sizeof(*w->logq));
		if (!w->logq)
			goto fail;
	}
	for (i = 0; i < d->cfg.n_listen; i++) {
		char a[64];

		w->tx[i] = calloc(1, sizeof(*w->tx[i]));
		w->socks[i] = open_socket(&d->cfg.listen[i], d->cfg.rcvbuf);
		if (!w->tx[i] || w->socks[i] < 0) {
			cfd_format_addr(&d->cfg.listen[i], a, sizeof(a));
			cfd_log("sip-listen %s: %s", a, strerror(errno));
			goto fail;
		}
		tx_init(w->tx[i]);
		w->n_socks++;
	}
	if (d->cfg.hep_listen.sa.sa_family) {
		char a[64];

		w->socks[w->n_socks] = open_socket(&d->cfg.hep_listen, d->cfg.rcvbuf);
		if (w->socks[w->n_socks] < 0) {
			cfd_format_addr(&d->cfg.hep_listen, a, sizeof(a));
			cfd_log("hep-listen %s: %s", a, strerror(errno));
			goto fail;
		}
		w->hep = (int)w->n_socks++;
	}
	for (i = 0; i < CFD_BATCH; i++) {
		w->rx_iov[i].iov_base = w->rx_buf[i];
		w->rx_iov[i].iov_len = CFD_RX_SIZE;
		w->rx_msg[i].msg_hdr.msg_name = &w->rx_peer[i];
		w->rx_msg[i].msg_hdr.msg_iov = &w->rx_iov[i];
		w->rx_msg[i].msg_hdr.msg_iovlen = 1;
		w->rx_msg[i].msg_hdr.msg_control = w->rx_ctl[i];
	}
	return w;
fail:
	cfd_worker_free(w);
	return NULL;
}

int
cfd_worker_start(struct cf_worker *w)
{
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return -1;
	w->started = true;
	return 0;
}

void
cfd_worker_join(struct cf_worker *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = false;
}

void
cfd_worker_free(struct cf_worker *w)
{
	unsigned int i;

	if (!w)
		return;
	for (i = 0; i < CFD_SOCKS_MAX; i++) {
		if (w->socks[i] >= 0)
			close(w->socks[i]);
		free(w->tx[i]);
	}
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	free(w->rx_buf);
	free(w->logq);
	free(w);
}
