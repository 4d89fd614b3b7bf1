/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Screening (callfence/screen.h): a message in, its answer, verdict and
 * counts out, on the worker that owns the caller.  A datagram is parsed
 * once, classified once (cf_sip_answer_kind()), and an INVITE's job is
 * built where it will be judged: here, or in place on its owner's ring
 * with the echo block in the ring's text lane, published with the rest of
 * the burst at cf_screen_flush().
 */

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <callfence/sip_reply.h>

#include "screen_impl.h"

static inline void
count(struct cf_screen_worker *w, uint32_t slot)
{
	cf_metrics_count(w->m, slot, 1);
}

static unsigned int
err_slot(int err)
{
	return err < 0 && -err < CF_SIP_ERR__COUNT ? (unsigned int)-err : 0;
}

/* ---- Answers ------------------------------------------------------------- */

/* Answer the request just parsed from its message (decoding core). */
static void
reply_msg(struct cf_screen_worker *w, unsigned int port,
	  const union cf_sockaddr *peer, const struct cf_sip_reply_params *p)
{
	char *b = w->io.reply_buf(w->io.ctx, port);

	w->io.reply_send(w->io.ctx, port, peer,
			 cf_sip_reply(b, CF_SCREEN_REPLY_MAX, &w->msg, p));
}

/* The engine's answer of @kind to datagram @buf (not a verdict's). */
static void
reply_answer(struct cf_screen_worker *w, unsigned int port,
	     const union cf_sockaddr *peer, enum cf_sip_answer kind,
	     const char *buf, size_t len, int err)
{
	char *b = w->io.reply_buf(w->io.ctx, port);

	w->io.reply_send(w->io.ctx, port, peer,
			 cf_sip_answer_reply(b, CF_SCREEN_REPLY_MAX, kind, buf,
					     len, &w->msg, err));
}

/* Answer a call from its job (owning core, or the policy on the
 * decoder); a job from a capture is answered to nobody. */
static void
reply_job(struct cf_screen_worker *w, const struct cf_screen_job *j,
	  const struct cf_sip_reply_params *p)
{
	char *b;

	if (j->port == CF_SCREEN_NO_PORT)
		return;
	b = w->io.reply_buf(w->io.ctx, j->port);
	w->io.reply_send(w->io.ctx, j->port, &j->peer,
			 cf_sip_reply_finish(b, CF_SCREEN_REPLY_MAX, j->text,
					     j->echo_len, j->text + j->echo_len,
					     j->ruri_len, p));
}

/* How the configured policy answers a call that cannot be judged here
 * and now (counted); false: it gets no answer. */
static bool
policy_reply(struct cf_screen_worker *w, struct cf_sip_reply_params *p)
{
	enum cf_screen_policy pol = w->s->cfg.policy;

	count(w, w->slots->overload[pol]);
	if (pol == CF_SCREEN_FAIL_OPEN) {
		cf_sip_reply_allow(p);
		return true;
	}
	if (pol == CF_SCREEN_FAIL_CLOSED) {
		cf_sip_reply_unavailable(p);
		/* RFC 3261 §21.5.4: when to try this server again. */
		p->retry_after = 1;
		return true;
	}
	return false;
}

static void
apply_policy(struct cf_screen_worker *w, const struct cf_screen_job *j)
{
	struct cf_sip_reply_params p;

	if (policy_reply(w, &p))
		reply_job(w, j, &p);
}

/* ---- Judging (owning core) --------------------------------------------------- */

static void
judge(struct cf_screen_worker *w, const struct cf_screen_job *j)
{
	const struct cf_screen_slots *s = w->slots;
	const struct screen_cache_entry *e = NULL;
	struct cf_sip_reply_params p;
	struct cf_verdict v;

	if (j->kind == CF_SCREEN_JOB_EVENT) {
		/* Answers and releases only feed the heuristics. */
		cf_plane_observe(w->pw, &j->call);
		return;
	}
	if (j->key) {
		e = screen_cache_find(w, j->key);
		if (e && e->fp != j->fp) {
			/* The transaction of a judged call, another
			 * request: not a retransmission. */
			count(w, s->msgs[CF_SCREEN_MSG_TRANSACTION_REUSED]);
			e = NULL;
		}
	}
	if (e) {
		count(w, s->msgs[CF_SCREEN_MSG_RETRANSMISSION]);
		cf_sip_reply_for_verdict(&p, (enum cf_action)e->action,
					 (enum cf_reply)e->reply, e->rule);
		reply_job(w, j, &p);
		return;
	}
	if (j->port != CF_SCREEN_NO_PORT)
		count(w, s->msgs[CF_SCREEN_MSG_INVITE]);
	/*
	 * The data plane's judge step, on the owning core and once per
	 * call (retransmissions returned above): every heuristic table
	 * counts the set-up, then the rules decide.
	 */
	w->judged++;
	if (cf_plane_judge(w->pw, &j->call, &v) < 0 &&
	    j->port != CF_SCREEN_NO_PORT) {
		/* Counted by the plane; a live call gets the policy.  A
		 * captured one is reported with rule "error". */
		apply_policy(w, j);
		return;
	}
	if (j->key)
		screen_cache_put(w, j->key, j->fp, &v);
	cf_sip_reply_for_verdict(&p, v.action, v.reply, v.rule);
	reply_job(w, j, &p);
	if (w->io.judged)
		w->io.judged(w->io.ctx, j, &v);
}

/* ---- Steering (decoding core) ------------------------------------------------ */

/* Give back a job built in place on @owner's ring (it was not made). */
static void
unclaim(struct cf_screen_worker *w, unsigned int owner)
{
	cf_handover_unclaim(w->s->handover, w->id, owner);
}

static void
judge_handed(void *ctx, void *job)
{
	judge(ctx, job);
}

unsigned int
cf_screen_drain(struct cf_screen_worker *w)
{
	if (!w->s->handover)
		return 0;
	return cf_handover_drain(w->s->handover, w->id, CF_SCREEN_DRAIN_MAX,
				 judge_handed, w);
}

/*
 * A slot on @owner's ring, and @tlen bytes of text beside it (0: none);
 * NULL when there is no room and nothing waits (the policy's case).  In
 * ring_wait mode the burst so far is published and what others handed us
 * judged while we wait, so two workers waiting on each other both move.
 */
static struct cf_screen_job *
claim(struct cf_screen_worker *w, unsigned int owner, size_t tlen,
      char **text)
{
	struct cf_handover *h = w->s->handover;
	struct cf_screen_job *j;

	for (;;) {
		j = cf_handover_claim(h, w->id, owner);
		*text = NULL;
		if (j && tlen) {
			*text = cf_handover_claim_text(h, w->id, owner, tlen);
			if (!*text) {
				unclaim(w, owner);
				j = NULL;
			}
		}
		if (j || !w->s->cfg.ring_wait)
			return j;
		cf_screen_flush(w);
		if (!cf_screen_drain(w))
			sched_yield();
	}
}

/* Where a set-up goes. */
enum fate {
	FATE_HERE,		/* judged on this core */
	FATE_HANDED,		/* built on its owner's ring */
	FATE_REFUSED,		/* its owner has no room: the policy */
};

/*
 * The job of set-up @call, whose text (@tlen bytes) is in w->text: in
 * place on its owner's ring, text copied to the ring's lane, published
 * with the rest of the burst; or w->job, to judge here or to refuse.  The
 * owner is noted for the call's answers and releases.
 */
static struct cf_screen_job *
setup_job(struct cf_screen_worker *w, const struct cf_call *call,
	  size_t tlen, enum fate *fate)
{
	unsigned int owner = cf_plane_owner(w->pw, call);
	struct cf_screen_job *j;
	char *text;

	cf_plane_note_owner(w->pw, call, owner);
	*fate = FATE_HERE;
	if (owner == w->id)
		return &w->job;
	j = claim(w, owner, tlen, &text);
	if (!j) {
		*fate = FATE_REFUSED;
		return &w->job;
	}
	*fate = FATE_HANDED;
	if (tlen)
		memcpy(text, w->text, tlen);
	j->text = text;
	return j;
}

/* The job filled in: judge it, or count it handed, or refuse it. */
static void
setup_done(struct cf_screen_worker *w, struct cf_screen_job *j,
	   enum fate fate)
{
	if (fate == FATE_HANDED) {
		count(w, w->slots->handovers);
	} else if (fate == FATE_REFUSED) {
		/* The owner's ring (or its text lane) has no room. */
		count(w, w->slots->ring_drops);
		apply_policy(w, j);
	} else {
		judge(w, j);
	}
}

/* An answer or release: to the core that judged its set-up, or to every
 * core when that is not known. */
static void
hand_event(struct cf_screen_worker *w, const struct cf_call *call)
{
	int owner = cf_plane_event_owner(w->pw, call);
	unsigned int i;
	char *none;

	for (i = 0; i < w->s->n_workers; i++) {
		struct cf_screen_job *j;

		if (owner != CF_PLANE_ALL && (unsigned int)owner != i)
			continue;
		if (i == w->id) {
			cf_plane_observe(w->pw, call);
			continue;
		}
		j = claim(w, i, 0, &none);
		if (!j) {
			count(w, w->slots->event_drops);
			continue;
		}
		j->kind = CF_SCREEN_JOB_EVENT;
		j->call = *call;
		j->from = (uint8_t)w->id;
		j->text = NULL;
	}
}

/* ---- A SIP datagram on a screening port -------------------------------------------- */

static void
set_source(struct cf_source *src, const union cf_sockaddr *a)
{
	memset(src, 0, sizeof(*src));
	src->family = (uint8_t)a->sa.sa_family;
	if (a->sa.sa_family == AF_INET6) {
		src->port = ntohs(a->in6.sin6_port);
		memcpy(src->addr, &a->in6.sin6_addr, 16);
	} else {
		src->port = ntohs(a->in.sin_port);
		memcpy(src->addr, &a->in.sin_addr, 4);
	}
}

static const struct cf_numplan *
plan_of(const struct cf_screen_worker *w)
{
	return cf_ruleset_plan(cf_plane_ruleset(w->pw));
}

static void
on_invite(struct cf_screen_worker *w, unsigned int port,
	  const union cf_sockaddr *peer, enum cf_ingress ingress,
	  uint64_t rx_ns)
{
	const struct cf_screen_slots *s = w->slots;
	struct cf_screen_job *j;
	enum fate fate;
	int elen, err;

	cf_call_reset(&w->call);
	/* The SIP-I part, if any, joins the call (one call, one count). */
	err = cf_events_sip(&w->ev, &w->msg, plan_of(w), &w->call);
	if (err <= 0) {
		/* Its parties do not parse: 400 (RFC 3261 §8.2), counted. */
		char *b = w->io.reply_buf(w->io.ctx, port);

		err = err < 0 ? -err : CF_SIP_ERR_BAD_URI;
		count(w, s->decode_err[err]);
		count(w, s->msgs[CF_SCREEN_MSG_BAD_INVITE]);
		w->io.reply_send(w->io.ctx, port, peer,
				 cf_sip_reply_bad_msg(b, CF_SCREEN_REPLY_MAX,
						      &w->msg, -err));
		return;
	}
	w->call.rx_ns = rx_ns;
	set_source(&w->call.src, peer);
	w->call.ingress = (uint8_t)ingress;
	/* What the reply needs, the echo block and the Request-URI, here
	 * first: only its own length travels to the owner. */
	elen = cf_sip_reply_echo(w->text, sizeof(w->text), &w->msg);
	if (elen < 0 || (size_t)elen + w->msg.ruri.len >= sizeof(w->text)) {
		/* More echoed headers than we hand over: it cannot be
		 * judged, so the policy answers it from the datagram. */
		struct cf_sip_reply_params p;

		count(w, s->decode_err[CF_SIP_ERR_TOO_LONG]);
		count(w, s->msgs[CF_SCREEN_MSG_BAD_INVITE]);
		if (policy_reply(w, &p))
			reply_msg(w, port, peer, &p);
		return;
	}
	memcpy(w->text + elen, w->msg.ruri.p, w->msg.ruri.len);
	j = setup_job(w, &w->call, (size_t)elen + w->msg.ruri.len, &fate);
	if (j == &w->job)
		j->text = w->text;
	j->call = w->call;
	j->kind = CF_SCREEN_JOB_SETUP;
	j->port = (uint8_t)port;
	j->from = (uint8_t)w->id;
	j->echo_len = (uint16_t)elen;
	j->ruri_len = (uint16_t)w->msg.ruri.len;
	j->frame = 0;
	j->key = screen_transaction_key(&w->msg);
	j->fp = screen_call_fingerprint(&w->call);
	j->t0_ns = w->mono_ns;
	j->peer = *peer;
	setup_done(w, j, fate);
}

/* An answer or release in the message just parsed: to its owner.
 * Returns whether the message was one. */
static bool
learn(struct cf_screen_worker *w, const union cf_sockaddr *peer,
      uint64_t rx_ns)
{
	cf_call_reset(&w->call);
	if (cf_events_sip(&w->ev, &w->msg, plan_of(w), &w->call) != 1)
		return false;
	w->call.rx_ns = rx_ns;
	set_source(&w->call.src, peer);
	hand_event(w, &w->call);
	return true;
}

/* Access control before anything is parsed: a stranger costs one
 * look-up and gets no answer.  Returns the source's ingress class, or -1
 * to drop. */
static int
admit(struct cf_screen_worker *w, const union cf_sockaddr *peer)
{
	enum cf_ingress ingress;
	bool known = false;

	set_source(&w->acl_call.src, peer);
	ingress = cf_ingress_classify(w->s->cfg.ingress, &w->acl_call, &known);
	if (w->s->cfg.acl && !known) {
		count(w, w->slots->acl_rejects);
		return -1;
	}
	return (int)ingress;
}

void
cf_screen_sip(struct cf_screen_worker *w, unsigned int port, const char *buf,
	      size_t len, const union cf_sockaddr *peer, uint64_t rx_ns,
	      bool late)
{
	const struct cf_screen_slots *s = w->slots;
	struct cf_sip_reply_params p;
	enum cf_sip_answer kind;
	int ingress, err;

	ingress = admit(w, peer);
	if (ingress < 0)
		return;
	if (!rx_ns)
		rx_ns = w->wall_ns;
	/* One parse and one decision per datagram, the engine's
	 * (cf_sip_answer_kind(): RFC 3261 §8.2 and the RFC 4475 cases). */
	kind = cf_sip_answer_kind(buf, len, &w->msg, NULL, NULL, &err);
	switch (kind) {
	case CF_SIP_ANSWER_JUDGE:
		if (late) {
			/* It waited too long in the socket: the policy,
			 * from the parsed request, unjudged. */
			count(w, s->shed);
			if (policy_reply(w, &p))
				reply_msg(w, port, peer, &p);
		} else {
			on_invite(w, port, peer, (enum cf_ingress)ingress,
				  rx_ns);
		}
		break;
	case CF_SIP_ANSWER_NONE:
		if (w->msg.len && !w->msg.request)
			/* Never answered; a final response to an INVITE
			 * that the SBC forwards says how the call went. */
			count(w, s->msgs[learn(w, peer, rx_ns) ?
					 CF_SCREEN_MSG_RESPONSE :
					 CF_SCREEN_MSG_RESPONSE_IGNORED]);
		else if (w->msg.len && w->msg.method == CF_SIP_METHOD_ACK)
			/* We never send a 2xx to an INVITE: every ACK
			 * acknowledges one of our final responses. */
			count(w, s->msgs[CF_SCREEN_MSG_ACK]);
		else
			/* Nothing a response could be routed to. */
			count(w, s->decode_err[err_slot(err)]);
		break;
	case CF_SIP_ANSWER_CANCEL:
		/* The INVITE was answered finally as it arrived: a CANCEL
		 * changes nothing here and gets its 200 (§9.2), and ends
		 * the call for the heuristics. */
		count(w, s->msgs[CF_SCREEN_MSG_CANCEL]);
		learn(w, peer, rx_ns);
		reply_answer(w, port, peer, kind, buf, len, err);
		break;
	case CF_SIP_ANSWER_NOT_ALLOWED:
		if (w->msg.method == CF_SIP_METHOD_BYE) {
			/* A BYE copied to us by the SBC (Kamailio
			 * t_replicate()): its 200, and the call ends. */
			count(w, s->msgs[CF_SCREEN_MSG_BYE]);
			learn(w, peer, rx_ns);
			memset(&p, 0, sizeof(p));
			p.code = 200;
			reply_msg(w, port, peer, &p);
			break;
		}
		count(w, s->msgs[CF_SCREEN_MSG_NOT_ALLOWED]);
		reply_answer(w, port, peer, kind, buf, len, err);
		break;
	case CF_SIP_ANSWER_OPTIONS:
		count(w, s->msgs[CF_SCREEN_MSG_OPTIONS]);
		reply_answer(w, port, peer, kind, buf, len, err);
		break;
	default:
		/* 400 naming the error, or 505: never silence, which would
		 * leave the SBC waiting for Timer B. */
		count(w, s->msgs[CF_SCREEN_MSG_BAD_REQUEST]);
		count(w, s->decode_err[err_slot(err)]);
		reply_answer(w, port, peer, kind, buf, len, err);
		break;
	}
}

void
cf_screen_oversize(struct cf_screen_worker *w)
{
	count(w, w->slots->msgs[CF_SCREEN_MSG_OVERSIZE]);
	count(w, w->slots->decode_err[CF_SIP_ERR_TOO_LONG]);
}

/*
 * Each message is mirrored as received and again as sent: the second
 * copy of a release finds its call gone and is counted unmatched, so
 * nothing counts twice.  The event's time is the datagram's receipt, as
 * for everything learnt on a screening port, so the heuristics run on
 * one clock.
 */
void
cf_screen_hep(struct cf_screen_worker *w, const char *buf, size_t len,
	      const union cf_sockaddr *peer, uint64_t rx_ns)
{
	const struct cf_screen_slots *s = w->slots;
	struct cf_payload p;
	int err;

	if (admit(w, peer) < 0)
		return;
	err = cf_hep_decode((const uint8_t *)buf, len, &p, NULL);
	if (err < 0) {
		count(w, s->hep_err[-err < CF_HEP_ERR__COUNT ? -err : 0]);
		count(w, s->hep[CF_SCREEN_HEP_UNDECODABLE]);
		return;
	}
	if (cf_sip_parse(&w->msg, (const char *)p.data, p.len,
			 p.transport == CF_TRANSPORT_TCP ? CF_SIP_STREAM : 0) < 0) {
		count(w, s->hep[CF_SCREEN_HEP_UNDECODABLE]);
		return;
	}
	if (w->msg.request && w->msg.method == CF_SIP_METHOD_INVITE) {
		count(w, s->hep[CF_SCREEN_HEP_SETUP]);
		return;
	}
	count(w, s->hep[learn(w, peer, rx_ns ? rx_ns : w->wall_ns) ?
			CF_SCREEN_HEP_LEARNT : CF_SCREEN_HEP_OTHER]);
}

/* ---- A captured payload ------------------------------------------------------- */

static void
on_event(void *ctx, struct cf_call *call, const struct cf_payload *p)
{
	struct cf_screen_worker *w = ctx;
	struct cf_screen_job *j;
	enum fate fate;

	/* The capture's clock: the pass ends on the newest event's time. */
	w->end_ns = call->rx_ns;
	if (call->event != CF_EVENT_SETUP) {
		hand_event(w, call);
		return;
	}
	call->ingress = (uint8_t)cf_ingress_classify(w->s->cfg.ingress, call,
						     NULL);
	j = setup_job(w, call, 0, &fate);
	j->call = *call;
	j->kind = CF_SCREEN_JOB_SETUP;
	j->port = CF_SCREEN_NO_PORT;
	j->from = (uint8_t)w->id;
	j->echo_len = 0;
	j->ruri_len = 0;
	j->frame = p->frame;
	/* Not a SIP transaction: no retransmission to recognise. */
	j->key = 0;
	j->fp = 0;
	j->t0_ns = w->mono_ns;
	j->text = NULL;
	memset(&j->peer, 0, sizeof(j->peer));
	setup_done(w, j, fate);
}

int
cf_screen_payload(struct cf_screen_worker *w, const struct cf_payload *p)
{
	int n = cf_events_payload(&w->ev, p, plan_of(w), on_event, w);

	if (n < 0 && p->kind == CF_PAYLOAD_SIP)
		count(w, w->slots->decode_err[err_slot(n)]);
	return n;
}

/* ---- Passes ----------------------------------------------------------------------- */

void
cf_screen_begin(struct cf_screen_worker *w, uint64_t mono_ns, uint64_t wall_ns)
{
	cf_plane_begin(w->pw);
	w->mono_ns = mono_ns;
	w->wall_ns = wall_ns;
	if (wall_ns)
		w->end_ns = wall_ns;
}

void
cf_screen_end(struct cf_screen_worker *w)
{
	/* A few expired open calls forgotten, a quiescent state. */
	cf_plane_end(w->pw, w->end_ns);
}

void
cf_screen_flush(struct cf_screen_worker *w)
{
	const struct cf_screen_cfg *c = &w->s->cfg;
	uint64_t wake;
	unsigned int i;

	if (!w->s->handover)
		return;
	wake = cf_handover_flush(w->s->handover, w->id);
	for (i = 0; wake; i++, wake >>= 1)
		if ((wake & 1) && c->wake)
			c->wake(c->wake_ctx, i);
}

bool
cf_screen_pending(const struct cf_screen_worker *w)
{
	return w->s->handover && cf_handover_pending(w->s->handover, w->id);
}

bool
cf_screen_sleep(struct cf_screen_worker *w)
{
	return !w->s->handover || cf_handover_sleep(w->s->handover, w->id);
}

void
cf_screen_awake(struct cf_screen_worker *w)
{
	if (w->s->handover)
		cf_handover_wake(w->s->handover, w->id);
}

uint64_t
cf_screen_judged(const struct cf_screen_worker *w)
{
	return w->judged;
}

const struct cf_events_stats *
cf_screen_events_stats(const struct cf_screen_worker *w)
{
	return &w->ev.stats;
}

/* ---- Life cycle (control thread) -------------------------------------------------- */

/* Any call's text fits a lane (cf_handover_claim_text() takes half). */
_Static_assert(CF_SCREEN_TEXT_MAX <= CF_HANDOVER_TEXT_MIN / 2,
	       "a call's text must fit half a hand-over text lane");

struct cf_screen *
cf_screen_new(const struct cf_screen_cfg *cfg)
{
	struct cf_screen *s;
	unsigned int n;

	if (!cfg->plane || !cfg->ingress || !cfg->metrics || !cfg->slots ||
	    cfg->policy >= CF_SCREEN_POLICY__COUNT || cfg->cache_size < 4 ||
	    (cfg->cache_size & (cfg->cache_size - 1)))
		return NULL;
	n = cf_plane_worker_count(cfg->plane);
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->cfg = *cfg;
	s->n_workers = n;
	s->workers = calloc(n, sizeof(*s->workers));
	if (!s->workers)
		goto fail;
	/* ring-size is each worker's inbound room, whatever the count. */
	if (n > 1) {
		s->handover = cf_handover_new(n, cfg->ring_size,
					      sizeof(struct cf_screen_job),
					      (size_t)cfg->ring_size *
					      CF_SCREEN_TEXT_PER_JOB);
		if (!s->handover)
			goto fail;
	}
	return s;
fail:
	cf_screen_free(s);
	return NULL;
}

void
cf_screen_free(struct cf_screen *s)
{
	unsigned int i;

	if (!s)
		return;
	for (i = 0; s->workers && i < s->n_workers; i++) {
		if (s->workers[i])
			free(s->workers[i]->cache);
		free(s->workers[i]);
	}
	free(s->workers);
	cf_handover_free(s->handover);
	free(s);
}

struct cf_screen_worker *
cf_screen_worker(struct cf_screen *s, unsigned int id,
		 const struct cf_screen_io *io)
{
	struct cf_screen_worker *w;

	if (id >= s->n_workers || s->workers[id] ||
	    !io->reply_buf != !io->reply_send)
		return NULL;
	if (posix_memalign((void **)&w, 64, sizeof(*w)) != 0)
		return NULL;
	memset(w, 0, sizeof(*w));
	w->s = s;
	w->id = id;
	w->io = *io;
	w->pw = cf_plane_worker(s->cfg.plane, id);
	w->slots = s->cfg.slots;
	w->m = cf_metrics_block(s->cfg.metrics, id);
	w->cache_mask = s->cfg.cache_size - 1;
	w->cache = calloc(s->cfg.cache_size, sizeof(*w->cache));
	if (!w->cache) {
		free(w);
		return NULL;
	}
	cf_events_init(&w->ev);
	cf_call_reset(&w->acl_call);
	w->acl_call.proto = CF_PROTO_SIP;
	s->workers[id] = w;
	return w;
}

size_t
cf_screen_handover_memory(const struct cf_screen *s)
{
	return s->handover ? cf_handover_memory(s->handover) : 0;
}
