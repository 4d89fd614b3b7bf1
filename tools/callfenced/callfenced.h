/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callfenced: the per-core SIP screening server.  Internal interfaces of
 * its modules (config, worker, steering, rules/reload, control, verdict
 * log, metrics endpoint, tap).
 *
 * Threads:
 *  - the control thread (main): configuration, signals, the control
 *    socket, rules loading and RCU publication, shutdown;
 *  - one worker per core: its sockets, receive/decode/steer/judge/reply;
 *  - the logger: verdict log records from the workers' rings to a file;
 *  - libmicrohttpd's thread: /metrics, reading counters only.
 */
#ifndef CALLFENCED_H
#define CALLFENCED_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* The short rcu_* names of the QSBR flavour (liburcu 0.13 API map). */
#include <urcu-qsbr.h>

#include <callfence/call.h>
#include <callfence/ingress.h>
#include <callfence/metrics.h>
#include <callfence/plane.h>
#include <callfence/ring.h>
#include <callfence/ruleset.h>
#include <callfence/screen.h>

#define CFD_WORKERS_MAX		CF_PLANE_WORKERS_MAX
#define CFD_LISTEN_MAX		8
#define CFD_SOCKS_MAX		(CFD_LISTEN_MAX + 1)	/* + hep-listen */
#define CFD_LISTS_MAX		64
#define CFD_BATCH		64	/* datagrams per recvmmsg, jobs per drain */
#define CFD_RX_SIZE		CF_SCREEN_DGRAM_MAX	/* bytes per datagram */
#define CFD_TX_SIZE		CF_SCREEN_REPLY_MAX	/* bytes per reply */
#define CFD_TX_MAX		128	/* replies queued per socket per pass */
#define CFD_RULE_NAME		CF_PLANE_RULE_NAME

/* ---- config.c ------------------------------------------------------------ */

struct cfd_config {
	char *rules;
	struct cf_list_override lists[CFD_LISTS_MAX];
	unsigned int n_lists;
	union cf_sockaddr listen[CFD_LISTEN_MAX];
	unsigned int n_listen;
	union cf_sockaddr hep_listen;	/* family 0: none */
	unsigned int workers;
	int cpus[CFD_WORKERS_MAX];	/* pinning; -1 = not given */
	unsigned int n_cpus;
	char *metrics;			/* ADDR:PORT, or NULL */
	union cf_sockaddr metrics_addr;
	char *peers[CF_INGRESS_MAP_MAX];
	unsigned int n_peers;
	char *point_codes[CF_INGRESS_MAP_MAX];
	unsigned int n_point_codes;
	char *verdict_log;
	char *control;			/* UNIX socket path, or NULL */
	char *tap;			/* capture file or interface */
	char *tap_filter;		/* BPF expression (live tap) */
	enum cf_screen_policy overload;
	/* An INVITE that waited longer in its socket is shed by the
	 * overload policy, unjudged; 0 = never. */
	uint64_t overload_delay_ns;
	int rcvbuf;			/* SO_RCVBUF(FORCE) bytes */
	uint32_t ring_size;		/* hand-over ring elements */
	uint32_t log_ring_size;
	uint32_t cache_size;		/* retransmission cache entries */
	bool foreground;
};

/* Read the config file named by -c (if any), then apply the command line
 * over it.  Returns 0, 1 when it printed help, or -1 after printing why.
 * Control thread, before anything starts. */
int cfd_config_load(struct cfd_config *cfg, int argc, char **argv);
void cfd_config_free(struct cfd_config *cfg);
/* "ADDR:PORT" or "[V6]:PORT" into @a.  0 or -1. */
int cfd_parse_addr(const char *s, union cf_sockaddr *a);
/* "ADDR:PORT" of @a into @buf. */
void cfd_format_addr(const union cf_sockaddr *a, char *buf, size_t size);

/* ---- The daemon ----------------------------------------------------------- */

struct cf_worker;
struct cfd_vlog;
struct cfd_http;

/* Counter slots, computed once at start: screening's (the engine's
 * families) and the daemon's own. */
struct cfd_slots {
	struct cf_screen_slots screen;
	int packets_id;			/* labelled by worker */
	uint32_t log_drops;
	uint32_t log_records;
	uint32_t tx_errors;
	uint32_t rx_drops;		/* kernel: socket buffer full */
	uint32_t reloads[2];		/* ok, failed */
	int latency_id;
	int generation_id, load_seconds_id, rules_id;
};

struct cfd {
	struct cfd_config cfg;
	struct cf_ingress_map ingress;	/* read-only once workers run */
	bool acl;			/* peers configured: refuse others */

	/* The data plane: the published ruleset (RCU), the workers'
	 * judge contexts and counters, steering. */
	struct cf_plane *plane;

	struct cf_metrics *metrics;	/* blocks: workers, logger, control */
	struct cfd_slots slots;
	unsigned int logger_block, control_block;

	/* Screening: the engine's per-core work on every message, the
	 * hand-over rings between the workers. */
	struct cf_screen *screen;
	struct cf_worker *workers[CFD_WORKERS_MAX];
	unsigned int n_workers;
	int stop;			/* set by control; read by all */
	int draining;			/* workers that stopped producing */

	struct cfd_vlog *vlog;
	struct cfd_http *http;
	struct cfd_tap *tap;		/* passive mode, or NULL */
	/* eventfd: written by any thread to stop the daemon as SIGTERM
	 * would (the tap at the end of its file); read by control. */
	int done_fd;
	int control_fd;			/* listening, or -1 */
};

/* ---- rules.c --------------------------------------------------------------- */

/*
 * Load the configured rules (compiled or source) and publish them on the
 * data plane.  On failure the old ruleset stays and @why (@size bytes)
 * says why.  Control thread only (it may block in synchronize_rcu()).
 */
int cfd_rules_reload(struct cfd *d, char *why, size_t size);

/* ---- worker.c -------------------------------------------------------------- */

/* Create worker @id with its sockets and buffers.  Control thread. */
struct cf_worker *cfd_worker_new(struct cfd *d, unsigned int id);
/* Screening for the configured workers (the hand-over rings between
 * them): before the first worker is made.  Control thread. */
int cfd_screen_setup(struct cfd *d);
int cfd_worker_start(struct cf_worker *w);
void cfd_worker_join(struct cf_worker *w);
void cfd_worker_free(struct cf_worker *w);
/* Wake a worker blocked in poll() (shutdown).  Any thread. */
void cfd_worker_wake(struct cf_worker *w);

/* ---- vlog.c: verdict log ---------------------------------------------------- */

/* A verdict log record, as it crosses from a worker to the logger. */
struct cfd_logrec {
	struct cf_call call;
	uint64_t latency_ns;
	uint64_t generation;
	uint32_t frame;			/* capture record (tap), else 0 */
	uint8_t action;			/* enum cf_action */
	uint8_t n_monitor;		/* trial rules that matched */
	uint16_t monitor[CF_VERDICT_MONITOR_MAX];	/* their rule slots */
	char rule[CFD_RULE_NAME];
};

/* Fill @r's trial rules from verdict @v, judged by @pw in this pass. */
void cfd_logrec_monitor(struct cfd_logrec *r, const struct cf_plane_worker *pw,
			const struct cf_verdict *v);

struct cfd_vlog *cfd_vlog_new(struct cfd *d, const char *path);
/* The ring worker @id feeds (NULL when there is no log). */
struct cf_ring *cfd_vlog_ring(struct cfd_vlog *l, unsigned int id);
int cfd_vlog_start(struct cfd_vlog *l);
/* Ask the logger to reopen its file (SIGUSR1).  Any thread. */
void cfd_vlog_reopen(struct cfd_vlog *l);
/* Drain every ring, flush, stop the logger: after the workers joined.
 * A logger stuck in a write is given a few seconds, then left behind:
 * returns true then, and the process must leave with _exit(), since
 * exit() would flush the stuck stream again. */
bool cfd_vlog_stop(struct cfd_vlog *l);
void cfd_vlog_free(struct cfd_vlog *l);

/* ---- http.c: metrics ---------------------------------------------------------- */

/* Register the metric families (before workers start).  Control thread. */
int cfd_metrics_setup(struct cfd *d);
/* Everything /metrics serves, into @out.  Any thread. */
int cfd_metrics_write(struct cfd *d, FILE *out);
int cfd_http_start(struct cfd *d);
void cfd_http_stop(struct cfd *d);

/* ---- control.c ----------------------------------------------------------------- */

/* Listen on the control socket (when one is configured): before the
 * daemon says it is ready, so a client may connect once it has.
 * Control thread. */
int cfd_control_open(struct cfd *d);
void cfd_control_close(struct cfd *d);
/* The control loop: signals and the control socket, until SIGTERM or
 * done_fd.  Control thread. */
int cfd_control_run(struct cfd *d);

/* ---- tap.c --------------------------------------------------------------------- */

struct cfd_tap;

/* Open the capture file or live interface of `tap` for worker @w (the
 * tap's counters and log ring; it has no sockets).  NULL after logging
 * why.  Control thread. */
struct cfd_tap *cfd_tap_new(struct cfd *d, struct cf_worker *w);
/* Judge and log on the tap thread until the file ends (then done_fd is
 * written) or d->stop.  Control thread. */
int cfd_tap_start(struct cfd_tap *t);
/* Wait for the tap thread (after d->stop): 0, or -1 when the capture
 * failed.  Control thread. */
int cfd_tap_join(struct cfd_tap *t);
void cfd_tap_free(struct cfd_tap *t);

/* A line on stderr (journald with the systemd unit): errors and rare
 * events only, never per call. */
void cfd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Monotonic and wall clocks in ns (vDSO: no system call). */
uint64_t cfd_now_ns(void);
uint64_t cfd_wall_ns(void);

#endif /* CALLFENCED_H */
