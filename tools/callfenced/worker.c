/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The worker: one thread per core.  A pass receives a burst on each of
 * its sockets (recvmmsg, up to CFD_BATCH datagrams), decodes each
 * datagram, answers what needs no rules (OPTIONS, CANCEL, other methods)
 * from here, judges the INVITEs whose caller it owns and builds the
 * others in place on their owners' rings; the burst's hand-overs are
 * published together, waking a sleeping owner at most once.  Then it
 * judges the calls handed to it (in place on the rings), sends every
 * queued reply (one sendmmsg per socket), reads the clock once for the
 * latencies of the pass, hands verdict records to the logger and
 * announces an RCU quiescent state.  Idle, it goes RCU-offline and
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

#include <callfence/hash.h>
#include <callfence/hep.h>

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
addr_len(const union cfd_addr *a)
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
tx_commit(struct cf_worker *w, unsigned int li, const union cfd_addr *peer,
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

/* Answer a request from its parsed message (decoding core). */
static void
reply_msg(struct cf_worker *w, unsigned int li, const union cfd_addr *peer,
	  const struct cf_sip_reply_params *p)
{
	char *b = tx_slot(w, li);

	tx_commit(w, li, peer, cf_sip_reply(b, CFD_TX_SIZE, &w->msg, p));
}

/* The engine's answer of @kind to datagram @buf (not a verdict's). */
static void
reply_answer(struct cf_worker *w, unsigned int li, const union cfd_addr *peer,
	     enum cf_sip_answer kind, const char *buf, size_t len, int err)
{
	char *b = tx_slot(w, li);

	tx_commit(w, li, peer, cf_sip_answer_reply(b, CFD_TX_SIZE, kind, buf,
						   len, &w->msg, err));
}

/* Answer a call from its job (owning core, or overload on the decoder). */
static void
reply_job(struct cf_worker *w, const struct cfd_job *j,
	  const struct cf_sip_reply_params *p)
{
	char *b = tx_slot(w, j->listen);

	tx_commit(w, j->listen, &j->peer,
		  cf_sip_reply_finish(b, CFD_TX_SIZE, j->text, j->echo_len,
				      j->text + j->echo_len, j->ruri_len, p));
}

/* ---- Retransmission cache ------------------------------------------------ */

/* A rule id into a fixed field (cut at CFD_RULE_NAME - 1 bytes). */
static void
copy_name(char *dst, const char *rule)
{
	const char *src = rule ? rule : "default";
	size_t n = strnlen(src, CFD_RULE_NAME - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* 4-way set associative, bounded; an INVITE retransmission gets the
 * first answer again and is neither judged nor counted twice by the
 * heuristics.  A retransmission is the same transaction (Call-ID, CSeq
 * and top Via branch) AND the same request as the rules see it (every
 * party, presentation, ingress, category; call_fingerprint()): a request
 * that only reuses a judged call's transaction, say a blacklisted caller
 * copying a clean call's Call-ID, CSeq and branch, is judged afresh and
 * replaces the entry.  (A client transaction resends its request
 * unchanged, RFC 3261 §17.1.1.2; hashing what the verdict depends on
 * rather than every byte costs ~50 instructions instead of ~750.) */
#define CACHE_WAYS	4

static struct cfd_cache_entry *
cache_set(const struct cf_worker *w, uint64_t key)
{
	return &w->cache[key & w->cache_mask & ~(uint32_t)(CACHE_WAYS - 1)];
}

/* The entry of @key's transaction, or NULL. */
static const struct cfd_cache_entry *
cache_find(const struct cf_worker *w, uint64_t key)
{
	const struct cfd_cache_entry *set = cache_set(w, key);
	unsigned int i;

	for (i = 0; i < CACHE_WAYS; i++)
		if (set[i].key == key)
			return &set[i];
	return NULL;
}

static void
cache_put(struct cf_worker *w, uint64_t key, uint64_t fp,
	  const struct cf_verdict *v)
{
	struct cfd_cache_entry *set = cache_set(w, key);
	struct cfd_cache_entry *e = NULL;
	unsigned int i;

	/* The transaction's own entry first (a request that reused it),
	 * then a free way, then round robin. */
	for (i = 0; i < CACHE_WAYS && !e; i++)
		if (set[i].key == key)
			e = &set[i];
	for (i = 0; i < CACHE_WAYS && !e; i++)
		if (set[i].key == 0)
			e = &set[i];
	if (!e)
		e = &set[w->cache_clock++ & (CACHE_WAYS - 1)];
	e->key = key;
	e->fp = fp;
	e->action = (uint8_t)v->action;
	e->reply = (uint8_t)v->reply;
	copy_name(e->rule, v->rule);
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

/* Note a judged call for pass_finish(), with its log record. */
static void
note_judged(struct cf_worker *w, const struct cfd_job *j,
	    const struct cf_verdict *v)
{
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
	copy_name(r->rule, v->rule);
	cfd_logrec_monitor(r, w->pw, v);
}

/* ---- Judging (owning core) ------------------------------------------------------ */

/* How the configured policy answers a call that cannot be judged here
 * and now (counted); false: it gets no answer. */
static bool
policy_reply(struct cf_worker *w, struct cf_sip_reply_params *p)
{
	enum cfd_overload pol = w->d->cfg.overload;

	count(w, w->d->slots.overload[pol]);
	if (pol == CFD_OVERLOAD_FAIL_OPEN) {
		cf_sip_reply_allow(p);
		return true;
	}
	if (pol == CFD_OVERLOAD_FAIL_CLOSED) {
		cf_sip_reply_unavailable(p);
		/* RFC 3261 §21.5.4: when to try this server again. */
		p->retry_after = 1;
		return true;
	}
	return false;
}

/* A job whose owner's ring is full, or that the ruleset could not
 * judge: the policy. */
static void
apply_policy(struct cf_worker *w, const struct cfd_job *j)
{
	struct cf_sip_reply_params p;

	if (policy_reply(w, &p))
		reply_job(w, j, &p);
}

static void
judge(struct cf_worker *w, const struct cfd_job *j)
{
	const struct cfd_slots *s = &w->d->slots;
	const struct cfd_cache_entry *e;
	struct cf_sip_reply_params p;
	struct cf_verdict v;

	if (j->kind == CFD_JOB_EVENT) {
		/* Answers and releases only feed the heuristics. */
		cf_plane_observe(w->pw, &j->call);
		return;
	}
	e = cache_find(w, j->key);
	if (e && e->fp != j->fp) {
		/* The transaction of a judged call, other bytes: not a
		 * retransmission. */
		count(w, s->msgs[CFD_MSG_TRANSACTION_REUSED]);
		e = NULL;
	}
	if (e) {
		count(w, s->msgs[CFD_MSG_RETRANSMISSION]);
		cf_sip_reply_for_verdict(&p, (enum cf_action)e->action,
					 (enum cf_reply)e->reply, e->rule);
		reply_job(w, j, &p);
		return;
	}
	count(w, s->msgs[CFD_MSG_INVITE]);
	/*
	 * The data plane's judge step, on the owning core and once per
	 * call (retransmissions returned above): every heuristic table
	 * counts the set-up, then the rules decide.
	 */
	if (cf_plane_judge(w->pw, &j->call, &v) < 0) {
		apply_policy(w, j);
		return;
	}
	cache_put(w, j->key, j->fp, &v);
	cf_sip_reply_for_verdict(&p, v.action, v.reply, v.rule);
	reply_job(w, j, &p);
	note_judged(w, j, &v);
}

/* A call the owner's ring had no room for: the overload policy. */
static void
overload(struct cf_worker *w, const struct cfd_job *j)
{
	count(w, w->d->slots.ring_drops);
	apply_policy(w, j);
}

/* An answer or release: to the core that judged its set-up, or to every
 * core when that is not known.  Decoding core. */
static void
hand_event(struct cf_worker *w, const struct cf_call *call)
{
	int owner = cf_plane_event_owner(w->pw, call);
	unsigned int i;

	for (i = 0; i < w->d->n_workers; i++) {
		struct cfd_job *j;

		if (owner != CF_PLANE_ALL && (unsigned int)owner != i)
			continue;
		if (i == w->id) {
			cf_plane_observe(w->pw, call);
			continue;
		}
		j = cfd_steer_claim(w, i);
		if (!j) {
			count(w, w->d->slots.event_drops);
			continue;
		}
		j->kind = CFD_JOB_EVENT;
		j->call = *call;
		j->from = (uint8_t)w->id;
	}
}

/* ---- Decoding (receiving core) ------------------------------------------------- */

static void
set_source(struct cf_source *src, const union cfd_addr *a)
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

/* What the verdict of @c depends on, hashed: its numbers as normalised
 * (the raw text where a number did not normalise) and its context. */
static uint64_t
call_fingerprint(const struct cf_call *c)
{
	uint64_t h = cf_hash64((uint64_t)c->ingress << 32 |
			       (uint64_t)c->presentation << 24 |
			       (uint64_t)c->calling_category << 16 |
			       (uint64_t)c->forwarded << 8 |
			       (uint64_t)c->sipi_mismatch);
	unsigned int r;

	for (r = 0; r < CF_PARTY__COUNT; r++) {
		const struct cf_party *p = &c->party[r];

		if (!p->present)
			h = cf_hash64(h ^ r);
		else if (p->num.err == CF_NUM_OK)
			h = cf_hash64(h ^ p->num.key);
		else
			h = cf_hash64(h ^ cf_hash_bytes(p->raw, p->raw_len) ^
				      p->num.err);
	}
	return h;
}

/* Call-ID, CSeq number and top Via branch: one INVITE transaction. */
static uint64_t
transaction_key(const struct cf_sip_msg *m)
{
	struct cf_sip_span params = { 0 }, branch = { 0 };
	const char *semi = memchr(m->via[0].p, ';', m->via[0].len);
	uint64_t h;

	if (semi) {
		params.p = semi;
		params.len = (uint32_t)(m->via[0].len -
					(uint32_t)(semi - m->via[0].p));
		cf_sip_param(&params, "branch", &branch);
	}
	h = cf_hash_bytes(m->call_id.p, m->call_id.len);
	h = cf_hash64(h ^ m->cseq);
	if (branch.p)
		h = cf_hash64(h ^ cf_hash_bytes(branch.p, branch.len));
	return h | 1;
}

static void
on_invite(struct cf_worker *w, unsigned int li, const union cfd_addr *peer,
	  enum cf_ingress ingress)
{
	const struct cfd_slots *s = &w->d->slots;
	struct cfd_job *j;
	unsigned int owner;
	bool refused = false;
	char *text;
	size_t tlen;
	int elen, err;

	cf_call_reset(&w->call);
	/* The SIP-I part, if any, joins the call (one call, one count). */
	err = cf_events_sip(&w->ev, &w->msg,
			    cf_ruleset_plan(cf_plane_ruleset(w->pw)), &w->call);
	if (err <= 0) {
		/* Its parties do not parse: 400 (RFC 3261 §8.2), counted. */
		char *b = tx_slot(w, li);

		err = err < 0 ? -err : CF_SIP_ERR_BAD_URI;
		count(w, s->decode_err[err]);
		count(w, s->msgs[CFD_MSG_BAD_INVITE]);
		tx_commit(w, li, peer, cf_sip_reply_bad_msg(b, CFD_TX_SIZE,
							    &w->msg, -err));
		return;
	}
	w->call.rx_ns = w->rx_ns;
	set_source(&w->call.src, peer);
	w->call.ingress = (uint8_t)ingress;
	/* Build the job where it will be judged: here, or in place on the
	 * owner's ring (published with the rest of the burst); a full ring
	 * leaves it here for the overload policy.  The owner is noted for
	 * the call's answers and releases. */
	owner = cf_plane_owner(w->pw, &w->call);
	cf_plane_note_owner(w->pw, &w->call, owner);
	/* What the reply needs, the echo block and the Request-URI, here
	 * first: only its own length travels to the owner. */
	elen = cf_sip_reply_echo(w->text, sizeof(w->text), &w->msg);
	if (elen < 0 || (size_t)elen + w->msg.ruri.len >= sizeof(w->text)) {
		/* More echoed headers than we hand over: it cannot be
		 * judged, so the policy answers it from the datagram. */
		struct cf_sip_reply_params p;

		count(w, s->decode_err[CF_SIP_ERR_TOO_LONG]);
		count(w, s->msgs[CFD_MSG_BAD_INVITE]);
		if (policy_reply(w, &p))
			reply_msg(w, li, peer, &p);
		return;
	}
	memcpy(w->text + elen, w->msg.ruri.p, w->msg.ruri.len);
	tlen = (size_t)elen + w->msg.ruri.len;
	j = owner == w->id ? NULL : cfd_steer_claim(w, owner);
	if (j) {
		text = cf_handover_claim_text(w->d->handover, w->id, owner,
					      tlen);
		if (text) {
			memcpy(text, w->text, tlen);
		} else {
			/* The owner's text lane is full: the overload case,
			 * as a full ring.  The slot is unpublished: the
			 * next claim reuses it. */
			cfd_steer_unclaim(w, owner);
			j = NULL;
		}
	}
	if (!j) {
		refused = owner != w->id;
		j = &w->job;
		text = w->text;
	}
	j->text = text;
	j->kind = CFD_JOB_SETUP;
	j->call = w->call;
	j->echo_len = (uint16_t)elen;
	j->ruri_len = (uint16_t)w->msg.ruri.len;
	j->key = transaction_key(&w->msg);
	j->fp = call_fingerprint(&w->call);
	j->t0_ns = w->pass_ns;
	j->peer = *peer;
	j->listen = (uint8_t)li;
	j->from = (uint8_t)w->id;

	if (refused)
		overload(w, j);
	else if (j == &w->job)
		judge(w, j);
	else
		count(w, s->handovers);
}

/* An answer or release in the datagram just parsed: to its owner.
 * Returns whether the message was one. */
static bool
learn(struct cf_worker *w, const union cfd_addr *peer)
{
	cf_call_reset(&w->call);
	if (cf_events_sip(&w->ev, &w->msg,
			  cf_ruleset_plan(cf_plane_ruleset(w->pw)),
			  &w->call) != 1)
		return false;
	w->call.rx_ns = w->rx_ns;
	set_source(&w->call.src, peer);
	hand_event(w, &w->call);
	return true;
}

/*
 * A datagram of the HEP mirror: the SBC's whole signalling, as Kamailio's
 * siptrace or heplify send it.  Its answers and releases go to the cores
 * that judged their set-ups; its INVITEs are not judged here (the SBC
 * asks about them on the screening port), nothing is answered.  Each
 * message is mirrored as received and again as sent: the second copy of
 * a release finds its call gone and is counted unmatched, so nothing
 * counts twice.  The event's time is the pass's, as for everything the
 * daemon learns, so its heuristics run on one clock.
 */
static void
on_hep(struct cf_worker *w, const char *buf, size_t len,
       const union cfd_addr *peer)
{
	const struct cfd_slots *s = &w->d->slots;
	struct cf_payload p;
	ssize_t n;
	int err;

	err = cf_hep_decode((const uint8_t *)buf, len, &p, NULL);
	if (err < 0) {
		count(w, s->hep_err[-err < CF_HEP_ERR__COUNT ? -err : 0]);
		count(w, s->hep[CFD_HEP_UNDECODABLE]);
		return;
	}
	n = cf_sip_parse(&w->msg, (const char *)p.data, p.len,
			 p.transport == CF_TRANSPORT_TCP ? CF_SIP_STREAM : 0);
	if (n < 0) {
		count(w, s->hep[CFD_HEP_UNDECODABLE]);
		return;
	}
	if (w->msg.request && w->msg.method == CF_SIP_METHOD_INVITE) {
		count(w, s->hep[CFD_HEP_SETUP]);
		return;
	}
	count(w, s->hep[learn(w, peer) ? CFD_HEP_LEARNT : CFD_HEP_OTHER]);
}

/* An INVITE that waited too long in the socket: the overload policy,
 * from the parsed request, unjudged. */
static void
shed(struct cf_worker *w, unsigned int li, const union cfd_addr *peer)
{
	struct cf_sip_reply_params p;

	count(w, w->d->slots.shed);
	if (policy_reply(w, &p))
		reply_msg(w, li, peer, &p);
}

static void
on_datagram(struct cf_worker *w, unsigned int li, const char *buf,
	    size_t len, const union cfd_addr *peer, bool late)
{
	struct cfd *d = w->d;
	const struct cfd_slots *s = &d->slots;
	struct cf_sip_reply_params p;
	enum cf_sip_answer kind;
	enum cf_ingress ingress;
	bool known = false;
	int err;

	/* Access control before anything is parsed: a stranger costs one
	 * look-up and gets no answer. */
	set_source(&w->acl_call.src, peer);
	ingress = cf_ingress_classify(&d->ingress, &w->acl_call, &known);
	if (d->acl && !known) {
		count(w, s->acl_rejects);
		return;
	}
	if ((int)li == w->hep) {
		on_hep(w, buf, len, peer);
		return;
	}
	/* One parse and one decision per datagram, the engine's
	 * (cf_sip_answer_kind(): RFC 3261 §8.2 and the RFC 4475 cases). */
	kind = cf_sip_answer_kind(buf, len, &w->msg, NULL, NULL, &err);
	switch (kind) {
	case CF_SIP_ANSWER_JUDGE:
		if (late)
			shed(w, li, peer);
		else
			on_invite(w, li, peer, ingress);
		break;
	case CF_SIP_ANSWER_NONE:
		if (w->msg.len && !w->msg.request)
			/* Never answered; a final response to an INVITE
			 * that the SBC forwards says how the call went. */
			count(w, s->msgs[learn(w, peer) ? CFD_MSG_RESPONSE :
						       CFD_MSG_RESPONSE_IGNORED]);
		else if (w->msg.len && w->msg.method == CF_SIP_METHOD_ACK)
			/* We never send a 2xx to an INVITE: every ACK
			 * acknowledges one of our final responses. */
			count(w, s->msgs[CFD_MSG_ACK]);
		else
			/* Nothing a response could be routed to. */
			count(w, s->decode_err[err < 0 && -err < CF_SIP_ERR__COUNT ?
					       -err : 0]);
		break;
	case CF_SIP_ANSWER_CANCEL:
		/* The INVITE was answered finally as it arrived: a CANCEL
		 * changes nothing here and gets its 200 (§9.2), and ends
		 * the call for the heuristics. */
		count(w, s->msgs[CFD_MSG_CANCEL]);
		learn(w, peer);
		reply_answer(w, li, peer, kind, buf, len, err);
		break;
	case CF_SIP_ANSWER_NOT_ALLOWED:
		if (w->msg.method == CF_SIP_METHOD_BYE) {
			/* A BYE copied to us by the SBC (Kamailio
			 * t_replicate()): its 200, and the call ends. */
			count(w, s->msgs[CFD_MSG_BYE]);
			learn(w, peer);
			memset(&p, 0, sizeof(p));
			p.code = 200;
			reply_msg(w, li, peer, &p);
			break;
		}
		count(w, s->msgs[CFD_MSG_NOT_ALLOWED]);
		reply_answer(w, li, peer, kind, buf, len, err);
		break;
	case CF_SIP_ANSWER_OPTIONS:
		count(w, s->msgs[CFD_MSG_OPTIONS]);
		reply_answer(w, li, peer, kind, buf, len, err);
		break;
	default:
		/* 400 naming the error, or 505: never silence, which would
		 * leave the SBC waiting for Timer B. */
		count(w, s->msgs[CFD_MSG_BAD_REQUEST]);
		count(w, s->decode_err[err < 0 && -err < CF_SIP_ERR__COUNT ?
				       -err : 0]);
		reply_answer(w, li, peer, kind, buf, len, err);
		break;
	}
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
			count(w, s->msgs[CFD_MSG_OVERSIZE]);
			count(w, s->decode_err[CF_SIP_ERR_TOO_LONG]);
			continue;
		}
		/* Older than overload-delay: the worker is behind; answer
		 * by policy before the socket buffer overflows. */
		rx_meta(&w->rx_msg[i].msg_hdr, &meta);
		late = delay && meta.rx_ns && now > meta.rx_ns &&
		       now - meta.rx_ns > delay;
		/* The call's time is when the kernel received it: the
		 * clock a capture of the same traffic shows, whatever the
		 * worker was doing then. */
		w->rx_ns = meta.rx_ns ? meta.rx_ns : w->wall_ns;
		on_datagram(w, li, w->rx_buf[i], w->rx_msg[i].msg_len,
			    &w->rx_peer[i], late);
	}
	return (unsigned int)n;
}

static void
judge_handed(void *ctx, void *job)
{
	judge(ctx, job);
}

/* Judge what other cores handed us, in place on the rings; returns jobs
 * taken. */
static unsigned int
drain(struct cf_worker *w)
{
	if (!w->d->handover)
		return 0;
	return cf_handover_drain(w->d->handover, w->id, CFD_BATCH,
				 judge_handed, w);
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
	if ((!w->d->handover || cf_handover_sleep(w->d->handover, w->id)) &&
	    !__atomic_load_n(&w->d->stop, __ATOMIC_ACQUIRE)) {
		/* Offline: a reload's grace period does not wait for us. */
		cf_plane_offline(w->pw);
		poll(pfd, w->n_socks + 1, 200);
		cf_plane_online(w->pw);
	}
	if (w->d->handover)
		cf_handover_wake(w->d->handover, w->id);
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
		cf_plane_begin(w->pw);
		w->pass_ns = cfd_now_ns();
		w->wall_ns = cfd_wall_ns();
		work = 0;
		for (i = 0; i < w->n_socks; i++)
			work += rx(w, i);
		cfd_steer_flush(w);
		work += drain(w);
		pass_finish(w);
		/* A few expired open calls forgotten, a quiescent state. */
		cf_plane_end(w->pw, w->wall_ns);
		if (!work)
			idle(w);
	}
	/* Shutdown: stop receiving, then judge what others handed us until
	 * every worker has stopped producing and our rings are empty. */
	__atomic_add_fetch(&d->draining, 1, __ATOMIC_ACQ_REL);
	for (;;) {
		bool all = __atomic_load_n(&d->draining, __ATOMIC_ACQUIRE) ==
			   (int)d->n_workers;

		cf_plane_begin(w->pw);
		w->pass_ns = cfd_now_ns();
		w->wall_ns = cfd_wall_ns();
		work = drain(w);
		pass_finish(w);
		cf_plane_end(w->pw, w->wall_ns);
		if (all && !work && !cfd_steer_pending(w))
			break;
		if (!work)
			sched_yield();
	}
	cf_plane_unregister(w->pw);
	return NULL;
}

/* ---- Life cycle (control thread) ------------------------------------------------ */

static int
open_socket(const union cfd_addr *a, int rcvbuf)
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
	cf_events_init(&w->ev);
	w->packets_slot = cf_metrics_slot(d->metrics, d->slots.packets_id,
					  id, 0);
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->rx_buf = calloc(CFD_BATCH, CFD_RX_SIZE);
	w->cache_mask = d->cfg.cache_size - 1;
	w->cache = calloc(d->cfg.cache_size, sizeof(*w->cache));
	if (w->wake_fd < 0 || !w->rx_buf || !w->cache)
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
	cf_call_reset(&w->acl_call);
	w->acl_call.proto = CF_PROTO_SIP;
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
	free(w->cache);
	free(w->logq);
	free(w);
}
