/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The per-core worker context, shared by worker.c and steer.c. */
#ifndef CALLFENCED_WORKER_H
#define CALLFENCED_WORKER_H

#include <sys/socket.h>
#include <sys/uio.h>

#include <callfence/events.h>
#include <callfence/handover.h>
#include <callfence/sip.h>
#include <callfence/sip_reply.h>

#include "callfenced.h"

enum cfd_job_kind {
	CFD_JOB_SETUP = 0,		/* judge and answer */
	CFD_JOB_EVENT,			/* an answer or release: learn it */
};

/*
 * A call event on its way from the core that decoded it to the core that
 * owns its caller: the call record, and for a set-up what the reply needs
 * from the request (the echo block and the Request-URI) so the owner
 * answers without the datagram.  Pointer-free: it is copied through a
 * ring.
 */
struct cfd_job {
	struct cf_call call;
	uint8_t kind;			/* enum cfd_job_kind */
	uint64_t key;			/* transaction key, never 0 */
	uint64_t fp;			/* what its verdict depends on */
	uint64_t t0_ns;			/* monotonic receive time */
	union cfd_addr peer;
	uint8_t listen;			/* socket index it came to */
	uint8_t from;			/* worker that decoded it */
	uint16_t echo_len;
	uint16_t ruri_len;
	/* The echo block, then the Request-URI: in the owner's text lane
	 * of the hand-over rings (given back with the job), or in the
	 * worker's own text for a job judged where it was decoded. */
	const char *text;
};

/* The answer given to one INVITE transaction, for its retransmissions. */
struct cfd_cache_entry {
	uint64_t key;			/* 0 = empty */
	uint64_t fp;			/* of the request answered */
	uint8_t action;			/* enum cf_action */
	uint8_t reply;			/* enum cf_reply */
	char rule[CFD_RULE_NAME];
};

/* Replies queued on one socket, sent with one sendmmsg() per pass. */
struct cfd_tx {
	unsigned int n;
	struct mmsghdr msg[CFD_TX_MAX];
	struct iovec iov[CFD_TX_MAX];
	union cfd_addr peer[CFD_TX_MAX];
	char buf[CFD_TX_MAX][CFD_TX_SIZE];
};

/* A call judged this pass whose latency is taken when the pass ends. */
struct cfd_judged {
	uint64_t t0_ns;			/* its batch's receive time */
	int32_t logrec;			/* its record in logq, or -1 */
};

#define CFD_JUDGED_MAX	256	/* calls judged between two clock reads */

struct cf_worker {
	/* Set by the control thread before the thread starts; read-only
	 * afterwards (by this worker, and by producers for wake_fd). */
	struct cfd *d;
	unsigned int id;
	int cpu;			/* -1: not pinned */
	/* One SO_REUSEPORT socket per listen address, then the HEP
	 * socket (hep-listen) when there is one. */
	int socks[CFD_SOCKS_MAX];
	unsigned int n_socks;
	int hep;			/* index of the HEP socket, or -1 */
	int wake_fd;			/* eventfd: producers wake us */
	struct cf_ring *log;		/* to the logger, or NULL */
	struct cf_plane_worker *pw;	/* our judge context */
	uint64_t *m;			/* our metrics block */
	uint32_t packets_slot;		/* our label of the packets family */
	pthread_t thread;
	bool started;

	/* Everything below: this worker only. */
	uint64_t pass_ns;		/* monotonic time of the pass */
	uint64_t wall_ns;		/* wall time of the pass */
	uint64_t rx_ns;			/* kernel receive time of the datagram
					 * at hand (SO_TIMESTAMPNS) */
	struct cf_sip_msg msg;		/* the datagram being decoded */
	struct cf_events ev;		/* its SIP-I part, decoder counters */
	struct cf_call call;		/* its call, before it is steered */
	struct cf_call acl_call;	/* source only, for the ACL */
	struct cfd_job job;		/* a call judged here or refused */
	char text[CFD_TEXT_MAX];	/* its echo block and Request-URI */
	struct cfd_tx *tx[CFD_SOCKS_MAX];	/* NULL for the HEP socket */
	struct cfd_cache_entry *cache;
	uint32_t cache_mask;
	uint32_t cache_clock;
	struct cfd_logrec *logq;	/* staged for the logger */
	unsigned int n_logq;
	struct cfd_judged judged[CFD_JUDGED_MAX];
	unsigned int n_judged;
	uint32_t rxq_ovfl[CFD_SOCKS_MAX];	/* kernel drops seen so far */

	struct mmsghdr rx_msg[CFD_BATCH];
	struct iovec rx_iov[CFD_BATCH];
	union cfd_addr rx_peer[CFD_BATCH];
	/* SO_RXQ_OVFL: the socket's drop counter with each datagram;
	 * SO_TIMESTAMPNS: when the kernel received it. */
	char rx_ctl[CFD_BATCH][CMSG_SPACE(sizeof(uint32_t)) +
			       CMSG_SPACE(sizeof(struct timespec))]
		__attribute__((aligned(8)));
	char (*rx_buf)[CFD_RX_SIZE];
};

/* steer.c */
/* A slot on worker @owner's ring to build a job in, or NULL when the
 * ring is full.  The job travels at the next cfd_steer_flush().  Worker
 * thread that produces on that ring. */
struct cfd_job *cfd_steer_claim(struct cf_worker *w, unsigned int owner);
/* Give back the slot claimed last for @owner (the job was not made). */
void cfd_steer_unclaim(struct cf_worker *w, unsigned int owner);
/* Publish the jobs claimed this burst, one release store per ring, and
 * wake the owners that sleep: once per receive burst, owning worker. */
void cfd_steer_flush(struct cf_worker *w);
/* Whether any ring into @w holds jobs.  Owning worker. */
bool cfd_steer_pending(const struct cf_worker *w);

#endif /* CALLFENCED_WORKER_H */
