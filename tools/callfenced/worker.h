/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The per-core worker context, shared by worker.c and tap.c. */
#ifndef CALLFENCED_WORKER_H
#define CALLFENCED_WORKER_H

#include <sys/socket.h>
#include <sys/uio.h>

#include <callfence/screen.h>

#include "callfenced.h"

/* Replies queued on one socket, sent with one sendmmsg() per pass. */
struct cfd_tx {
	unsigned int n;
	struct mmsghdr msg[CFD_TX_MAX];
	struct iovec iov[CFD_TX_MAX];
	union cf_sockaddr peer[CFD_TX_MAX];
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
	struct cf_screen_worker *sw;	/* the engine's screening context */
	uint64_t pass_ns;		/* monotonic time of the pass */
	struct cfd_tx *tx[CFD_SOCKS_MAX];	/* NULL for the HEP socket */
	struct cfd_logrec *logq;	/* staged for the logger */
	unsigned int n_logq;
	struct cfd_judged judged[CFD_JUDGED_MAX];
	unsigned int n_judged;
	uint32_t rxq_ovfl[CFD_SOCKS_MAX];	/* kernel drops seen so far */

	struct mmsghdr rx_msg[CFD_BATCH];
	struct iovec rx_iov[CFD_BATCH];
	union cf_sockaddr rx_peer[CFD_BATCH];
	/* SO_RXQ_OVFL: the socket's drop counter with each datagram;
	 * SO_TIMESTAMPNS: when the kernel received it. */
	char rx_ctl[CFD_BATCH][CMSG_SPACE(sizeof(uint32_t)) +
			       CMSG_SPACE(sizeof(struct timespec))]
		__attribute__((aligned(8)));
	char (*rx_buf)[CFD_RX_SIZE];
};

#endif /* CALLFENCED_WORKER_H */
