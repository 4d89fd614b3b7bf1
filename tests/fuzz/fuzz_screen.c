/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for screening (callfence/screen.h), the whole per
 * message path a screening worker runs: access control, the answer kind,
 * the INVITE's call (SIP-I merged), steering over two workers with tiny
 * rings (so hand-over, text lanes and the full-ring policy all run), the
 * retransmission cache, judging with a heuristic and a list, the replies;
 * and the HEP mirror and captured payloads beside it.
 *
 * The input is a sequence of messages, each: one control byte (bit 0:
 * worker, bit 1: late, bits 2-3: SIP / HEP / payload / SIP again), a
 * 16-bit big-endian length, then that many bytes (copied to an exactly
 * sized buffer so ASan sees a read one byte past the end).  After each
 * message the workers publish and drain.  Invariants checked (abort = a
 * finding): a reply fits the buffer the front end gave; every set-up
 * judged is judged once, on one worker.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <callfence/screen.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0	(UINT64_C(1700000000) * 1000000000u)

struct io {
	char buf[CF_SCREEN_REPLY_MAX];
	uint64_t judged;
};

static struct cf_plane *plane;
static struct cf_metrics *metrics;
static struct cf_screen_slots slots;
static struct cf_ingress_map ingress;
static struct io io[2];

static char *
reply_buf(void *ctx, unsigned int port)
{
	struct io *o = ctx;

	if (port != 0)
		abort();
	return o->buf;
}

static void
reply_send(void *ctx, unsigned int port, const union cf_sockaddr *peer,
	   int len)
{
	(void)ctx;
	(void)port;
	(void)peer;
	if (len >= CF_SCREEN_REPLY_MAX)
		abort();
}

static void
judged(void *ctx, const struct cf_screen_job *j, const struct cf_verdict *v)
{
	struct io *o = ctx;

	(void)j;
	if (v->action >= CF_ACTION__COUNT)
		abort();
	o->judged++;
}

static void
init(void)
{
	static const char text[] =
		"plan { country-code 86 }\n"
		"rule bad { priority 1 when caller prefix 86170 action block }\n"
		"rule busy { priority 2 when caller calls > 3 per 1m "
		"action suspect }\n"
		"rule sweep { priority 3 when caller block 9 distinct-callees "
		"> 5 per 1m action block }\n"
		"default allow\n";
	const uint64_t secret[2] = { 1, 2 };
	struct cf_ruleset *rs = NULL;
	const char *why;
	struct cf_diag d;

	cf_diag_init(&d);
	plane = cf_plane_new(&(struct cf_plane_cfg){ .workers = 2,
						     .secret = secret });
	if (!plane || cf_rules_compile_text("f.rules", text, strlen(text),
					    NULL, NULL, &rs, &d) < 0 ||
	    cf_plane_publish(plane, rs) < 0)
		abort();
	cf_diag_free(&d);
	metrics = cf_screen_metrics_new(2, &slots);
	if (!metrics ||
	    cf_ingress_map_add_net(&ingress, "192.0.2.0/24=national", &why) < 0)
		abort();
}

/* One screening per input, so no state crosses inputs but the plane's
 * heuristics (which any input may fill). */
static struct cf_screen *
screen_up(struct cf_screen_worker **w, const uint8_t *data, size_t size)
{
	struct cf_screen *s = cf_screen_new(&(struct cf_screen_cfg){
		.plane = plane, .ingress = &ingress,
		.acl = size && (data[0] & 0x80),
		.policy = (enum cf_screen_policy)(size ? data[0] % 3 : 0),
		.ring_size = 4, .cache_size = 16,
		.metrics = metrics, .slots = &slots,
	});
	unsigned int i;

	if (!s)
		abort();
	for (i = 0; i < 2; i++) {
		w[i] = cf_screen_worker(s, i, &(struct cf_screen_io){
			.ctx = &io[i], .reply_buf = reply_buf,
			.reply_send = reply_send, .judged = judged,
		});
		if (!w[i])
			abort();
	}
	return s;
}

static void
drain_all(struct cf_screen_worker **w)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		cf_screen_begin(w[i], 2, T0);
		while (cf_screen_drain(w[i]))
			;
		cf_screen_end(w[i]);
	}
}

static void
one(struct cf_screen_worker **w, uint8_t ctl, const char *msg, size_t len)
{
	struct cf_screen_worker *x = w[ctl & 1];
	union cf_sockaddr peer;
	struct cf_payload p;

	memset(&peer, 0, sizeof(peer));
	peer.in.sin_family = AF_INET;
	peer.in.sin_port = htons(5060);
	peer.in.sin_addr.s_addr = htonl(ctl & 0x40 ? 0xc6336407 : 0xc000020a);
	cf_screen_begin(x, 1, T0);
	switch ((ctl >> 2) & 3) {
	case 1:
		cf_screen_hep(x, msg, len, &peer, T0);
		break;
	case 2:
		memset(&p, 0, sizeof(p));
		p.kind = (uint8_t)((ctl >> 4) % CF_PAYLOAD__COUNT);
		p.transport = p.kind == CF_PAYLOAD_SIP ? CF_TRANSPORT_UDP :
			      CF_TRANSPORT_SCTP;
		p.ts_ns = T0;
		p.data = (const uint8_t *)msg;
		p.len = len;
		cf_screen_payload(x, &p);
		break;
	default:
		cf_screen_sip(x, 0, msg, len, &peer, T0, ctl & 2);
		break;
	}
	cf_screen_flush(x);
	cf_screen_end(x);
	drain_all(w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cf_screen_worker *w[2];
	struct cf_screen *s;
	size_t at = 1;
	uint64_t before;

	if (!plane)
		init();
	s = screen_up(w, data, size);
	before = io[0].judged + io[1].judged;
	while (at + 3 <= size) {
		uint8_t ctl = data[at];
		size_t len = (size_t)data[at + 1] << 8 | data[at + 2];
		char *msg;

		at += 3;
		if (len > size - at)
			len = size - at;
		msg = malloc(len ? len : 1);
		if (!msg)
			abort();
		memcpy(msg, data + at, len);
		one(w, ctl, msg, len);
		free(msg);
		at += len;
	}
	/* Each judged once, on one worker: the judged count is the screens'. */
	if (io[0].judged + io[1].judged - before !=
	    cf_screen_judged(w[0]) + cf_screen_judged(w[1]))
		abort();
	cf_screen_free(s);
	return 0;
}
