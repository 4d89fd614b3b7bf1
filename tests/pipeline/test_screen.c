/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Screening (callfence/screen.h) with memory for sockets: what a worker
 * answers to each datagram, the retransmission cache (a true
 * retransmission only), access control, hand-over to the owning worker
 * and the wake-up of a sleeping owner, the overload policy when the
 * owner's ring is full, shedding, and captured payloads judged without an
 * answer.  Two workers are driven from one thread, pass by pass, so every
 * step is deterministic.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <callfence/screen.h>

#define S	UINT64_C(1000000000)
#define T0	(UINT64_C(1700000000) * S)

static const uint64_t secret[2] = { 11, 22 };

/* What one worker sent and judged. */
struct io {
	char buf[CF_SCREEN_REPLY_MAX];
	char last[CF_SCREEN_REPLY_MAX];	/* the last reply, NUL-ended */
	unsigned int replies, bad_replies, judged;
	char rule[64];			/* of the last verdict */
};

struct rig {
	struct cf_plane *plane;
	struct cf_metrics *m;
	struct cf_screen_slots slots;
	struct cf_ingress_map ingress;
	struct cf_screen *s;
	struct cf_screen_worker *w[2];
	struct io io[2];
	unsigned int wakes[2];
};

static char *
reply_buf(void *ctx, unsigned int port)
{
	struct io *io = ctx;

	assert_int_equal(port, 0);
	return io->buf;
}

static void
reply_send(void *ctx, unsigned int port, const union cf_sockaddr *peer,
	   int len)
{
	struct io *io = ctx;

	(void)port;
	assert_int_equal(peer->sa.sa_family, AF_INET);
	if (len <= 0) {
		io->bad_replies++;
		return;
	}
	io->replies++;
	memcpy(io->last, io->buf, (size_t)len);
	io->last[len] = '\0';
}

static void
judged(void *ctx, const struct cf_screen_job *j, const struct cf_verdict *v)
{
	struct io *io = ctx;

	(void)j;
	io->judged++;
	snprintf(io->rule, sizeof(io->rule), "%s", v->rule ? v->rule : "");
}

static void
wake(void *ctx, unsigned int worker)
{
	struct rig *r = ctx;

	r->wakes[worker]++;
}

static struct cf_ruleset *
rules(void)
{
	static const char text[] =
		"plan { country-code 86 }\n"
		"rule bad { priority 1 when caller prefix 86170 action block }\n"
		"default allow\n";
	struct cf_ruleset *rs = NULL;
	struct cf_diag d;

	cf_diag_init(&d);
	if (cf_rules_compile_text("s.rules", text, strlen(text), NULL, NULL,
				  &rs, &d) < 0)
		cf_diag_print(&d, stderr);
	cf_diag_free(&d);
	assert_non_null(rs);
	return rs;
}

static void
rig_up(struct rig *r, unsigned int n, bool acl, enum cf_screen_policy pol,
       uint32_t ring_size)
{
	const char *why;
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->plane = cf_plane_new(&(struct cf_plane_cfg){ .workers = n,
							 .secret = secret });
	assert_non_null(r->plane);
	assert_int_equal(cf_plane_publish(r->plane, rules()), 0);
	r->m = cf_screen_metrics_new(n, &r->slots);
	assert_non_null(r->m);
	assert_int_equal(cf_ingress_map_add_net(&r->ingress,
						"192.0.2.0/24=national", &why), 0);
	r->s = cf_screen_new(&(struct cf_screen_cfg){
		.plane = r->plane, .ingress = &r->ingress, .acl = acl,
		.policy = pol, .ring_size = ring_size, .cache_size = 64,
		.metrics = r->m, .slots = &r->slots,
		.wake = wake, .wake_ctx = r,
	});
	assert_non_null(r->s);
	for (i = 0; i < n; i++) {
		r->w[i] = cf_screen_worker(r->s, i, &(struct cf_screen_io){
			.ctx = &r->io[i], .reply_buf = reply_buf,
			.reply_send = reply_send, .judged = judged,
		});
		assert_non_null(r->w[i]);
	}
}

static void
rig_down(struct rig *r)
{
	cf_screen_free(r->s);
	cf_metrics_free(r->m);
	cf_plane_free(r->plane);
}

static uint64_t
counted(const struct rig *r, uint32_t slot)
{
	return cf_metrics_read(r->m, slot);
}

static union cf_sockaddr
peer(const char *ip)
{
	union cf_sockaddr a;

	memset(&a, 0, sizeof(a));
	a.in.sin_family = AF_INET;
	a.in.sin_port = htons(5060);
	assert_int_equal(inet_pton(AF_INET, ip, &a.in.sin_addr), 1);
	return a;
}

/* An INVITE from @caller, transaction (@call_id, @cseq, @branch). */
static int
invite(char *buf, size_t size, const char *caller, const char *call_id,
       unsigned int cseq, const char *branch)
{
	return snprintf(buf, size,
		"INVITE sip:+8613900000000@gw.example;user=phone SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK%s\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:%s@gw.example;user=phone>;tag=f1\r\n"
		"To: <sip:+8613900000000@gw.example;user=phone>\r\n"
		"Call-ID: %s\r\n"
		"CSeq: %u INVITE\r\n"
		"Contact: <sip:a@192.0.2.10>\r\n"
		"Content-Length: 0\r\n\r\n",
		branch, caller, call_id, cseq);
}

/* Datagram @buf to worker @i in a pass of its own. */
static void
datagram(struct rig *r, unsigned int i, const char *buf, const char *from,
	 bool late)
{
	union cf_sockaddr a = peer(from);

	cf_screen_begin(r->w[i], 1, T0);
	cf_screen_sip(r->w[i], 0, buf, strlen(buf), &a, T0, late);
	cf_screen_flush(r->w[i]);
	cf_screen_end(r->w[i]);
}

static unsigned int
drain(struct rig *r, unsigned int i)
{
	unsigned int n;

	cf_screen_begin(r->w[i], 2, T0);
	n = cf_screen_drain(r->w[i]);
	cf_screen_end(r->w[i]);
	return n;
}

static bool
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- One worker ----------------------------------------------------------- */

/* A clean caller gets the 302, a blacklisted one the block reply; each
 * judged once and reported with its rule. */
static void
invite_judged_and_answered(void **state)
{
	struct rig r;
	char b[2048];

	(void)state;
	rig_up(&r, 1, false, CF_SCREEN_FAIL_OPEN, 64);
	invite(b, sizeof(b), "+8613800000001", "c1", 1, "a1");
	datagram(&r, 0, b, "192.0.2.10", false);
	assert_int_equal(r.io[0].replies, 1);
	assert_true(starts(r.io[0].last, "SIP/2.0 302 "));
	assert_int_equal(r.io[0].judged, 1);
	invite(b, sizeof(b), "+8617000000001", "c2", 1, "a2");
	datagram(&r, 0, b, "192.0.2.10", false);
	assert_int_equal(r.io[0].judged, 2);
	assert_string_equal(r.io[0].rule, "bad");
	assert_false(starts(r.io[0].last, "SIP/2.0 302 "));
	assert_true(starts(r.io[0].last, "SIP/2.0 6") ||
		    starts(r.io[0].last, "SIP/2.0 4"));
	assert_int_equal(counted(&r, r.slots.msgs[CF_SCREEN_MSG_INVITE]), 2);
	assert_int_equal(cf_screen_judged(r.w[0]), 2);
	rig_down(&r);
}

/* The same request again gets the first answer, unjudged; a request that
 * only reuses a clean call's transaction (a blacklisted caller copying
 * its Call-ID, CSeq and branch) is judged afresh and blocked. */
static void
retransmission_only_when_the_same_request(void **state)
{
	struct rig r;
	char b[2048];

	(void)state;
	rig_up(&r, 1, false, CF_SCREEN_FAIL_OPEN, 64);
	invite(b, sizeof(b), "+8613800000001", "c1", 1, "a1");
	datagram(&r, 0, b, "192.0.2.10", false);
	datagram(&r, 0, b, "192.0.2.10", false);
	assert_int_equal(r.io[0].replies, 2);
	assert_int_equal(r.io[0].judged, 1);
	assert_true(starts(r.io[0].last, "SIP/2.0 302 "));
	assert_int_equal(counted(&r, r.slots.msgs[CF_SCREEN_MSG_RETRANSMISSION]), 1);

	invite(b, sizeof(b), "+8617000000001", "c1", 1, "a1");
	datagram(&r, 0, b, "192.0.2.10", false);
	assert_int_equal(r.io[0].judged, 2);
	assert_string_equal(r.io[0].rule, "bad");
	assert_false(starts(r.io[0].last, "SIP/2.0 302 "));
	assert_int_equal(counted(&r,
		r.slots.msgs[CF_SCREEN_MSG_TRANSACTION_REUSED]), 1);

	/* A new CSeq or branch is a new transaction: judged. */
	invite(b, sizeof(b), "+8613800000001", "c1", 2, "a1");
	datagram(&r, 0, b, "192.0.2.10", false);
	invite(b, sizeof(b), "+8613800000001", "c1", 2, "a9");
	datagram(&r, 0, b, "192.0.2.10", false);
	assert_int_equal(r.io[0].judged, 4);
	rig_down(&r);
}

/* With peers configured, a stranger gets nothing and costs no parse. */
static void
stranger_refused(void **state)
{
	struct rig r;
	char b[2048];

	(void)state;
	rig_up(&r, 1, true, CF_SCREEN_FAIL_OPEN, 64);
	invite(b, sizeof(b), "+8613800000001", "c1", 1, "a1");
	datagram(&r, 0, b, "198.51.100.7", false);
	assert_int_equal(r.io[0].replies, 0);
	assert_int_equal(r.io[0].judged, 0);
	assert_int_equal(counted(&r, r.slots.acl_rejects), 1);
	datagram(&r, 0, b, "192.0.2.10", false);
	assert_int_equal(r.io[0].judged, 1);
	rig_down(&r);
}

/* An INVITE that waited too long is answered by the policy unjudged;
 * a malformed INVITE (a negative Content-Length, RFC 4475 ncl) gets 400,
 * OPTIONS 200. */
static void
shed_and_stateless_answers(void **state)
{
	struct rig r;
	char b[2048];

	(void)state;
	rig_up(&r, 1, false, CF_SCREEN_FAIL_CLOSED, 64);
	invite(b, sizeof(b), "+8613800000001", "c1", 1, "a1");
	datagram(&r, 0, b, "192.0.2.10", true);
	assert_int_equal(r.io[0].judged, 0);
	assert_true(starts(r.io[0].last, "SIP/2.0 503 "));
	assert_non_null(strstr(r.io[0].last, "\r\nRetry-After: 1"));
	assert_int_equal(counted(&r, r.slots.shed), 1);
	assert_int_equal(counted(&r,
		r.slots.overload[CF_SCREEN_FAIL_CLOSED]), 1);

	datagram(&r, 0, "OPTIONS sip:gw.example SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKo1\r\n"
		 "From: <sip:p@gw.example>;tag=1\r\nTo: <sip:gw.example>\r\n"
		 "Call-ID: o1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		 "192.0.2.10", false);
	assert_true(starts(r.io[0].last, "SIP/2.0 200 "));
	datagram(&r, 0, "INVITE sip:x@gw.example SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKb1\r\n"
		 "From: <sip:p@gw.example>;tag=1\r\nTo: <sip:x@gw.example>\r\n"
		 "Call-ID: b1\r\nCSeq: 1 INVITE\r\n"
		 "Content-Length: -999\r\n\r\n",
		 "192.0.2.10", false);
	assert_true(starts(r.io[0].last, "SIP/2.0 400 "));
	assert_int_equal(r.io[0].judged, 0);
	rig_down(&r);
}

/* ---- Two workers ------------------------------------------------------- */

/* A caller number whose owner is worker @want. */
static void
caller_owned_by(struct rig *r, unsigned int want, const char *prefix,
		char *out, size_t size)
{
	const struct cf_numplan *plan = cf_numplan_builtin("86");
	unsigned int i;

	for (i = 0; i < 1000; i++) {
		struct cf_call c;

		snprintf(out, size, "%s%05u", prefix, i);
		cf_call_reset(&c);
		c.event = CF_EVENT_SETUP;
		c.proto = CF_PROTO_SIP;
		cf_call_set_party(&c, CF_PARTY_CALLER, plan, out, strlen(out),
				  CF_NAI_UNKNOWN);
		if (cf_plane_steer(r->plane, &c) == want)
			return;
	}
	fail_msg("no caller owned by worker %u", want);
}

/* An INVITE decoded on worker 0 for a caller worker 1 owns is judged and
 * answered on worker 1, once it drains; a sleeping owner is woken once
 * per burst, an awake one never. */
static void
handed_to_the_owner(void **state)
{
	struct rig r;
	char b[2048], caller[32];

	(void)state;
	rig_up(&r, 2, false, CF_SCREEN_FAIL_OPEN, 64);
	caller_owned_by(&r, 1, "+861380000", caller, sizeof(caller));
	invite(b, sizeof(b), caller, "h1", 1, "h1");
	datagram(&r, 0, b, "192.0.2.10", false);
	assert_int_equal(r.io[0].replies + r.io[1].replies, 0);
	assert_int_equal(r.wakes[1], 0);
	assert_true(cf_screen_pending(r.w[1]));
	assert_int_equal(drain(&r, 1), 1);
	assert_int_equal(r.io[1].judged, 1);
	assert_int_equal(r.io[1].replies, 1);
	assert_true(starts(r.io[1].last, "SIP/2.0 302 "));
	/* The reply echoes the request: the text travelled with the job. */
	assert_non_null(strstr(r.io[1].last, "Call-ID: h1\r\n"));
	assert_int_equal(counted(&r, r.slots.handovers), 1);

	/* Its retransmission, decoded on worker 0 again, is answered from
	 * the owner's cache. */
	datagram(&r, 0, b, "192.0.2.10", false);
	assert_int_equal(drain(&r, 1), 1);
	assert_int_equal(r.io[1].judged, 1);
	assert_int_equal(r.io[1].replies, 2);

	/* Owner asleep: the producer's burst wakes it. */
	assert_true(cf_screen_sleep(r.w[1]));
	invite(b, sizeof(b), caller, "h2", 1, "h2");
	datagram(&r, 0, b, "192.0.2.10", false);
	assert_int_equal(r.wakes[1], 1);
	cf_screen_awake(r.w[1]);
	/* Something waits: the owner must not sleep. */
	assert_false(cf_screen_sleep(r.w[1]));
	cf_screen_awake(r.w[1]);
	assert_int_equal(drain(&r, 1), 1);
	assert_int_equal(r.io[1].judged, 2);
	rig_down(&r);
}

/* The owner's ring full: the overload policy answers on the decoding
 * worker, counted, the call unjudged (a live port never waits). */
static void
full_ring_gets_the_policy(void **state)
{
	struct rig r;
	char b[2048], caller[32], cid[16];
	unsigned int i, n = 64;

	(void)state;
	rig_up(&r, 2, false, CF_SCREEN_FAIL_CLOSED, 2);
	caller_owned_by(&r, 1, "+861380000", caller, sizeof(caller));
	for (i = 0; i < n; i++) {
		snprintf(cid, sizeof(cid), "f%u", i);
		invite(b, sizeof(b), caller, cid, 1, cid);
		datagram(&r, 0, b, "192.0.2.10", false);
	}
	assert_true(counted(&r, r.slots.ring_drops) > 0);
	assert_int_equal(counted(&r, r.slots.ring_drops),
			 counted(&r, r.slots.overload[CF_SCREEN_FAIL_CLOSED]));
	assert_int_equal(r.io[0].replies, counted(&r, r.slots.ring_drops));
	assert_true(starts(r.io[0].last, "SIP/2.0 503 "));
	assert_int_equal(r.io[0].judged, 0);
	while (drain(&r, 1))
		;
	/* Every INVITE answered exactly once, one way or the other. */
	assert_int_equal(r.io[1].judged + r.io[0].replies, n);
	assert_int_equal(r.io[1].replies, r.io[1].judged);
	rig_down(&r);
}

/* ---- A captured payload ----------------------------------------------- */

/* A captured INVITE is judged and reported with its frame, answered to
 * nobody (the worker has no reply callbacks at all). */
static void
payload_judged_unanswered(void **state)
{
	struct rig r;
	struct cf_screen_worker *w;
	struct io io;
	struct cf_payload p;
	char b[2048];
	int len;

	(void)state;
	memset(&io, 0, sizeof(io));
	rig_up(&r, 1, false, CF_SCREEN_FAIL_OPEN, 64);
	/* Worker 0 of a second screening on the same plane: the tap's. */
	cf_screen_free(r.s);
	r.s = cf_screen_new(&(struct cf_screen_cfg){
		.plane = r.plane, .ingress = &r.ingress,
		.policy = CF_SCREEN_FAIL_OPEN, .ring_wait = true,
		.cache_size = 4, .metrics = r.m, .slots = &r.slots,
	});
	assert_non_null(r.s);
	w = cf_screen_worker(r.s, 0, &(struct cf_screen_io){
		.ctx = &io, .judged = judged,
	});
	assert_non_null(w);
	len = invite(b, sizeof(b), "+8617000000009", "p1", 1, "p1");
	memset(&p, 0, sizeof(p));
	p.kind = CF_PAYLOAD_SIP;
	p.transport = CF_TRANSPORT_UDP;
	p.frame = 7;
	p.ts_ns = T0;
	p.data = (const uint8_t *)b;
	p.len = (size_t)len;
	p.src.family = AF_INET;
	cf_screen_begin(w, 1, 0);
	assert_int_equal(cf_screen_payload(w, &p), 1);
	cf_screen_end(w);
	assert_int_equal(io.judged, 1);
	assert_string_equal(io.rule, "bad");
	assert_int_equal(cf_screen_events_stats(w)->events[CF_EVENT_SETUP], 1);
	rig_down(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(invite_judged_and_answered),
		cmocka_unit_test(retransmission_only_when_the_same_request),
		cmocka_unit_test(stranger_refused),
		cmocka_unit_test(shed_and_stateless_answers),
		cmocka_unit_test(handed_to_the_owner),
		cmocka_unit_test(full_ring_gets_the_policy),
		cmocka_unit_test(payload_judged_unanswered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
