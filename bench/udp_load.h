/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SIP load generator behind `callfence-bench udp` and `reload`.
 *
 * Sends INVITEs over UDP to one address with sendmmsg, reads the answers
 * with recvmmsg, and counts how many calls were answered, how fast, with
 * which codes, how many were lost, and the latency of each call (send to
 * final response) in a log-linear histogram.  Open loop at a set rate, or
 * closed loop at the highest rate a bounded window of outstanding calls
 * allows.  One thread per run: pin it to a core the target does not use.
 */
#ifndef CALLFENCE_BENCH_UDP_LOAD_H
#define CALLFENCE_BENCH_UDP_LOAD_H

#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <callfence/sip.h>

#include "udp_callers.h"
#include "udp_hist.h"

#define UDP_SOURCE_PORTS_MAX	64
#define UDP_BATCH_MAX		256
#define UDP_SEND_BUF		1024	/* an INVITE: < 700 bytes with 32-char users */
#define UDP_RECV_BUF		4096	/* a response; longer ones are counted bad */
#define UDP_GENERATED_PAIRS	65536
#define UDP_STATUS_MAX		700
#define UDP_NAMED_CODES		5

/* The answer codes a screening server gives, named in the report:
 * 302, 603, 608, 403, 503. */
extern const uint16_t udp_named_codes[UDP_NAMED_CODES];

/* What a run does; udp_opts_default() first, then the options. */
struct udp_opts {
	struct sockaddr_storage target;
	socklen_t target_len;
	const char *target_str;
	double rate;			/* calls/s; 0 with --max */
	bool max;
	double duration_s;
	double timeout_s;		/* a call unanswered this long is lost */
	uint64_t calls;			/* stop after this many; 0 = no cap */
	const char *callers_path;
	bool json;
	long target_pid;		/* 0 = none */
	unsigned window;
	unsigned source_ports;
	unsigned batch;
	int cpu;			/* -1 = not pinned */
	uint64_t seed;
	bool progress;
};

void udp_opts_default(struct udp_opts *o);

/* "1.2.3.4:5060" or "[::1]:5060" into @o's target; numeric only, so
 * nothing is resolved.  0 or -1. */
int udp_parse_target(struct udp_opts *o, const char *s);

enum udp_slot_state {
	UDP_SLOT_FREE = 0,
	UDP_SLOT_PENDING,
	UDP_SLOT_ANSWERED,
	UDP_SLOT_LOST,
};

/* One call in flight or just resolved, at index seq & mask. */
struct udp_slot {
	uint64_t sent_ns;
	uint32_t seq;			/* low bits: tells a reused slot */
	uint16_t status;
	uint8_t state;			/* enum udp_slot_state */
};

struct udp_counters {
	uint64_t sent;
	uint64_t answered;
	uint64_t lost;
	uint64_t late;			/* final answer after the call was lost */
	uint64_t duplicates;		/* second final answer to a call */
	uint64_t provisional;		/* 1xx */
	uint64_t unparseable;		/* not a SIP response */
	uint64_t unmatched;		/* not an answer to a call we sent */
	uint64_t send_errors;
	uint64_t recv_errors;
	uint64_t stalls;		/* sends held back: table full */
	uint64_t codes[UDP_STATUS_MAX];
};

/* One run: too big for a stack (the batches, the message being parsed). */
struct udp_run {
	const struct udp_opts *o;
	struct udp_callers callers;
	uint64_t rng;
	uint32_t id;			/* in every Call-ID: tells other runs' answers */
	char id_hex[9];

	int fd[UDP_SOURCE_PORTS_MAX];
	struct pollfd pfd[UDP_SOURCE_PORTS_MAX];
	char local_host[INET6_ADDRSTRLEN + 2];	/* IPv6 in [] */
	char target_host[INET6_ADDRSTRLEN + 2];
	uint16_t local_port[UDP_SOURCE_PORTS_MAX];
	unsigned next_fd;

	struct udp_slot *slots;
	uint64_t mask;
	uint64_t next_seq;		/* = calls sent */
	uint64_t oldest;		/* calls below are resolved */
	uint64_t pending;

	uint64_t start_ns;
	uint64_t send_end_ns;		/* when the last call was sent */
	uint64_t last_answer_ns;
	uint64_t lag_max_ns;		/* open loop: worst delay behind schedule */
	struct udp_counters c;
	struct udp_hist hist;

	struct mmsghdr smsg[UDP_BATCH_MAX];
	struct iovec siov[UDP_BATCH_MAX];
	char (*sbuf)[UDP_SEND_BUF];
	struct mmsghdr rmsg[UDP_BATCH_MAX];
	struct iovec riov[UDP_BATCH_MAX];
	char (*rbuf)[UDP_RECV_BUF];
	struct cf_sip_msg msg;
};

/* Callers, call table, buffers and sockets for a run of @o (which must
 * outlive @r).  0, or -1 after saying why; udp_run_free() either way. */
int udp_run_setup(struct udp_run *r, const struct udp_opts *o);
void udp_run_free(struct udp_run *r);

/* Send for the duration (or until --calls), then wait for the last
 * answers until every call is answered or has timed out. */
void udp_run_loop(struct udp_run *r);

/*
 * CPU time, in clock ticks, of process @root and every process descended
 * from it (a server of several processes is measured whole).  Reads all
 * of /proc: outside the run.  -1 when @root is not readable.
 */
long long udp_tree_cpu_ticks(long root);

/* This process's CPU time, ns. */
uint64_t udp_self_cpu_ns(void);

/* The figures of a finished run. */
struct udp_figures {
	double send_s;			/* start to last send */
	double answer_s;		/* start to last answer */
	double answered_per_s;
	double sent_per_s;
	double loss_pct;
	double p50_us, p99_us, p999_us, max_us;
	double self_cpu_pct;		/* of one core, over the whole run */
	bool rate_kept;
	bool have_target_cpu;
	double target_cpu_s;
	double target_us_per_call;
	double target_cores;
	uint64_t other_codes;
};

/* Figures of run @r that ended at @end_ns, having used @self_ns of CPU;
 * @target_ticks the target's CPU ticks over the run, or -1. */
void udp_compute(const struct udp_run *r, uint64_t end_ns, uint64_t self_ns,
		 long long target_ticks, struct udp_figures *f);

#endif
