/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Screening: what a worker core does with each message it receives, for
 * every front end that runs the data plane on live or recorded traffic
 * (callfenced's screening workers and its tap, `callfence replay`,
 * `callfence-bench pipeline`).  The front end owns the I/O (sockets,
 * captures, memory), the threads and the clocks; this module owns the
 * rest, behind a few callbacks:
 *
 *   a SIP datagram on a screening port
 *     -> access control (the peer map), one parse, the answer kind
 *        (RFC 3261 §8.2: OPTIONS 200, CANCEL/BYE 200, others 405, bad
 *        ones 400/505, responses and ACKs absorbed)
 *     -> an INVITE: its call (SIP-I parts merged), steered to the core
 *        that owns its caller, handed over with the echo block its reply
 *        needs, or judged here; an answer or release: to the core that
 *        judged its set-up
 *     -> on the owner: a retransmission answered from the cache, a new
 *        transaction judged (callfence/plane.h), its reply built and
 *        handed to the front end, its verdict reported
 *   a captured or mirrored payload (any protocol callfence/events.h
 *   decodes: the tap, replay, a HEP feed)
 *     -> its call events: set-ups judged (tap, replay) or left to the
 *        screening port (a HEP mirror), answers and releases learnt.
 *
 * A call that cannot be judged here and now (its owner's ring full, a
 * judge error, an INVITE that waited too long in the socket, one too big
 * to hand over) is answered by the configured policy and counted.
 *
 * One struct cf_screen_worker per worker thread, cache-aligned, written by
 * that thread alone (its counters are read by any thread through the
 * metrics registry).  Nothing here allocates, locks or logs per message.
 */
#ifndef CALLFENCE_SCREEN_H
#define CALLFENCE_SCREEN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <callfence/call.h>
#include <callfence/capture.h>
#include <callfence/events.h>
#include <callfence/hep.h>
#include <callfence/ingress.h>
#include <callfence/metrics.h>
#include <callfence/plane.h>
#include <callfence/sip.h>

/* The largest datagram a screening port takes, and the largest reply. */
#define CF_SCREEN_DGRAM_MAX	16384
#define CF_SCREEN_REPLY_MAX	16384
/* Echo block + Request-URI of one call: a datagram's worth (IMS sends
 * >= 32 Vias and 8 KB of echoed headers) and the To tag and Via names an
 * echo adds; at most half of a hand-over text lane. */
#define CF_SCREEN_TEXT_MAX	(CF_SCREEN_DGRAM_MAX + 2048)
/* Text a worker can be handed, per hand-over slot (its average). */
#define CF_SCREEN_TEXT_PER_JOB	2048
/* Jobs judged per cf_screen_drain() call at most. */
#define CF_SCREEN_DRAIN_MAX	64
/* No port: a job from a capture, answered to nobody. */
#define CF_SCREEN_NO_PORT	0xff

union cf_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* How a call that cannot be judged is answered. */
enum cf_screen_policy {
	CF_SCREEN_FAIL_OPEN = 0,	/* 302: the call goes on */
	CF_SCREEN_FAIL_CLOSED,		/* 503 with Retry-After */
	CF_SCREEN_DROP,			/* no answer: the SBC times out */
	CF_SCREEN_POLICY__COUNT,
};

extern const char *const cf_screen_policy_names[CF_SCREEN_POLICY__COUNT];

/* What happened to a SIP message on a screening port. */
enum cf_screen_msg {
	CF_SCREEN_MSG_INVITE = 0,	/* judged */
	CF_SCREEN_MSG_RETRANSMISSION,	/* answered from the cache */
	CF_SCREEN_MSG_TRANSACTION_REUSED, /* a judged call's transaction,
					   * another request: judged afresh */
	CF_SCREEN_MSG_OPTIONS,
	CF_SCREEN_MSG_ACK,		/* absorbed */
	CF_SCREEN_MSG_CANCEL,		/* answered 200, a release learnt */
	CF_SCREEN_MSG_BYE,		/* answered 200, a release learnt */
	CF_SCREEN_MSG_NOT_ALLOWED,	/* answered 405 */
	CF_SCREEN_MSG_RESPONSE,		/* to an INVITE: an answer or release
					 * learnt, never answered */
	CF_SCREEN_MSG_RESPONSE_IGNORED,	/* any other response */
	CF_SCREEN_MSG_BAD_INVITE,	/* parsed, but a URI did not (400),
					 * or too big to hand over (policy) */
	CF_SCREEN_MSG_BAD_REQUEST,	/* answered 400 or 505 */
	CF_SCREEN_MSG_OVERSIZE,		/* over CF_SCREEN_DGRAM_MAX */
	CF_SCREEN_MSG__COUNT,
};

/* What happened to a datagram of a HEP mirror. */
enum cf_screen_hep {
	CF_SCREEN_HEP_LEARNT = 0,	/* an answer or release, to its owner */
	CF_SCREEN_HEP_SETUP,		/* an INVITE: judged on the screening
					 * port, not here */
	CF_SCREEN_HEP_OTHER,		/* no call event (OPTIONS, 1xx, ...) */
	CF_SCREEN_HEP_UNDECODABLE,	/* HEP or SIP did not decode */
	CF_SCREEN_HEP__COUNT,
};

/* Counter slots in the front end's metrics registry (callfence/metrics.h),
 * found once with cf_screen_metrics_bind(). */
struct cf_screen_slots {
	uint32_t msgs[CF_SCREEN_MSG__COUNT];
	uint32_t decode_err[CF_SIP_ERR__COUNT];
	uint32_t acl_rejects;
	uint32_t ring_drops;		/* set-ups an owner's ring refused */
	uint32_t overload[CF_SCREEN_POLICY__COUNT];
	uint32_t shed;			/* INVITEs too old to judge */
	uint32_t handovers;
	uint32_t event_drops;		/* answers/releases a ring refused */
	uint32_t hep[CF_SCREEN_HEP__COUNT];
	uint32_t hep_err[CF_HEP_ERR__COUNT];
};

#define CF_SCREEN_FAMILIES	10

/* Add the screening metric families to @m (before cf_metrics_seal()),
 * their ids into @ids; then, once sealed, find the slots.  0 or -1. */
int cf_screen_metrics_add(struct cf_metrics *m, int ids[CF_SCREEN_FAMILIES]);
void cf_screen_metrics_bind(const struct cf_metrics *m,
			    const int ids[CF_SCREEN_FAMILIES],
			    struct cf_screen_slots *s);
/* For a front end with no metrics of its own (replay, benchmarks): a
 * sealed registry of @workers blocks holding screening's families alone,
 * their slots in @s.  NULL on no memory; cf_metrics_free() it. */
struct cf_metrics *cf_screen_metrics_new(unsigned int workers,
					 struct cf_screen_slots *s);

/*
 * A set-up on its way from the core that decoded it to the core that owns
 * its caller: the call, and what its reply needs from the request (the
 * echo block and the Request-URI), so the owner answers without the
 * datagram.  Pointer-free but for the text: it is copied through a ring.
 */
struct cf_screen_job {
	struct cf_call call;
	uint8_t kind;			/* enum cf_screen_job_kind */
	uint8_t port;			/* where to answer, or CF_SCREEN_NO_PORT */
	uint8_t from;			/* worker that decoded it */
	uint16_t echo_len;
	uint16_t ruri_len;
	uint32_t frame;			/* capture record, or 0 */
	uint64_t key;			/* transaction key, never 0 */
	uint64_t fp;			/* what its verdict depends on */
	uint64_t t0_ns;			/* monotonic time of its burst */
	union cf_sockaddr peer;
	/* The echo block, then the Request-URI: in the owner's text lane
	 * of the hand-over rings (given back with the job), or in the
	 * decoding worker's own text. */
	const char *text;
};

enum cf_screen_job_kind {
	CF_SCREEN_JOB_SETUP = 0,	/* judge (and answer) */
	CF_SCREEN_JOB_EVENT,		/* an answer or release: learn it */
};

/* The front end's side, per worker; every callback on that worker's
 * thread. */
struct cf_screen_io {
	void *ctx;
	/* A buffer of CF_SCREEN_REPLY_MAX bytes for the next reply on
	 * @port, then the reply built in it (@len bytes; < 0: none could
	 * be built, count it) to send to @peer.  NULL for a worker given
	 * captured payloads only. */
	char *(*reply_buf)(void *ctx, unsigned int port);
	void (*reply_send)(void *ctx, unsigned int port,
			   const union cf_sockaddr *peer, int len);
	/* A set-up judged (its reply, if any, handed over already): log it,
	 * take its latency.  @v's strings live as long as the pass.  May be
	 * NULL. */
	void (*judged)(void *ctx, const struct cf_screen_job *job,
		       const struct cf_verdict *v);
};

struct cf_screen_cfg {
	struct cf_plane *plane;		/* its worker count is ours */
	const struct cf_ingress_map *ingress;	/* read-only while running */
	bool acl;			/* refuse sources the map does not know */
	enum cf_screen_policy policy;
	/* What a full owner's ring does: false, the policy answers the
	 * call (a live port: nothing waits); true, the producer waits,
	 * judging what it is handed meanwhile (a file, a benchmark:
	 * nothing is lost). */
	bool ring_wait;
	uint32_t ring_size;		/* set-ups each worker can be handed */
	uint32_t cache_size;		/* retransmission cache entries per
					 * worker (a power of two >= 4) */
	struct cf_metrics *metrics;
	const struct cf_screen_slots *slots;
	/* Wake worker @worker that sleeps (cf_screen_sleep()).  Any thread. */
	void (*wake)(void *ctx, unsigned int worker);
	void *wake_ctx;
};

struct cf_screen;
struct cf_screen_worker;

/* NULL on a bad argument or no memory.  Control thread. */
struct cf_screen *cf_screen_new(const struct cf_screen_cfg *cfg);
/* After every worker thread has stopped.  NULL is fine. */
void cf_screen_free(struct cf_screen *s);
/* Worker @id's context, with its I/O; NULL on no memory.  Control
 * thread, before the worker runs. */
struct cf_screen_worker *cf_screen_worker(struct cf_screen *s, unsigned int id,
					  const struct cf_screen_io *io);
/* Hand-over ring memory, in bytes (0 with one worker). */
size_t cf_screen_handover_memory(const struct cf_screen *s);

/* ---- A worker thread's side ------------------------------------------ */

/*
 * A pass: cf_screen_begin() (a plane pass: the snapshot judged with, and
 * the clocks: @mono_ns for latencies, @wall_ns the time of what the pass
 * learns when a message carries none and of the pass's end; 0 for a
 * capture, whose clock is its newest event's time), messages, cf_screen_flush() after
 * each receive burst, cf_screen_drain(), cf_screen_end().  The worker
 * registers with the plane (cf_plane_register()) on its thread first.
 */
void cf_screen_begin(struct cf_screen_worker *w, uint64_t mono_ns,
		     uint64_t wall_ns);
void cf_screen_end(struct cf_screen_worker *w);

/* One datagram of screening port @port from @peer, received at @rx_ns
 * (wall clock; 0: the pass's).  @late: it waited in the socket longer
 * than the front end allows, an INVITE is answered by policy unjudged. */
void cf_screen_sip(struct cf_screen_worker *w, unsigned int port,
		   const char *buf, size_t len, const union cf_sockaddr *peer,
		   uint64_t rx_ns, bool late);
/* A datagram over CF_SCREEN_DGRAM_MAX: counted, not answered. */
void cf_screen_oversize(struct cf_screen_worker *w);
/* One datagram of a HEP mirror (the SBC's signalling as Kamailio's
 * siptrace or heplify send it): answers and releases learnt, nothing
 * judged or answered. */
void cf_screen_hep(struct cf_screen_worker *w, const char *buf, size_t len,
		   const union cf_sockaddr *peer, uint64_t rx_ns);
/* One captured payload (the tap, replay): set-ups judged and reported
 * through io->judged, never answered; answers and releases learnt.
 * Returns the call events it held, or the decoder's negative error. */
int cf_screen_payload(struct cf_screen_worker *w, const struct cf_payload *p);

/* Publish the hand-overs of the burst and wake their sleeping owners. */
void cf_screen_flush(struct cf_screen_worker *w);
/* Judge what other workers handed us, in place on the rings: up to
 * CF_SCREEN_DRAIN_MAX jobs; returns how many. */
unsigned int cf_screen_drain(struct cf_screen_worker *w);
/* Whether any ring into @w holds jobs. */
bool cf_screen_pending(const struct cf_screen_worker *w);
/* About to sleep: false when a hand-over is waiting (do not sleep).
 * After the sleep (or false), cf_screen_awake(). */
bool cf_screen_sleep(struct cf_screen_worker *w);
void cf_screen_awake(struct cf_screen_worker *w);

/* Set-ups judged by this worker so far (retransmissions not included),
 * and what its decoders saw. */
uint64_t cf_screen_judged(const struct cf_screen_worker *w);
const struct cf_events_stats *
cf_screen_events_stats(const struct cf_screen_worker *w);

#endif /* CALLFENCE_SCREEN_H */
