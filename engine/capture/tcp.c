/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TCP (RFC 9293): per-direction reassembly of SIP messages (RFC 3261
 * §18.3: framed by Content-Length, which the caller's framer reads) and of
 * WebSocket frames (RFC 6455 §5.2) after an HTTP Upgrade (RFC 7118 puts
 * SIP in them).
 *
 * Memory is fixed: a set-associative table of directions, each with a
 * buffer of tcp_buf_max bytes for the message it is in the middle of.
 * Segments in order are used without a copy when they hold whole messages;
 * only a partial message at the end of a segment is buffered.
 */
#include <string.h>
#include <strings.h>

#include "capture_int.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04

static uint32_t
flow_hash(const struct cap_pkt *pkt)
{
	/* FNV-1a over the addresses and ports: spreads flows over the
	 * sets; not exposed to collisions by design, each set is small. */
	uint32_t h = 2166136261u;
	size_t i, n = pkt->src.family == 2 ? 4 : 16;

	for (i = 0; i < n; i++)
		h = (h ^ pkt->src.addr[i]) * 16777619u;
	for (i = 0; i < n; i++)
		h = (h ^ pkt->dst.addr[i]) * 16777619u;
	h = (h ^ (pkt->src.port >> 8)) * 16777619u;
	h = (h ^ (pkt->src.port & 0xff)) * 16777619u;
	h = (h ^ (pkt->dst.port >> 8)) * 16777619u;
	h = (h ^ (pkt->dst.port & 0xff)) * 16777619u;
	return h;
}

static bool
flow_match(const struct tcp_flow *f, const struct cap_pkt *pkt)
{
	return f->mode != TCP_MODE_FREE && f->family == pkt->src.family &&
	       f->sport == pkt->src.port && f->dport == pkt->dst.port &&
	       !memcmp(f->saddr, pkt->src.addr, 16) &&
	       !memcmp(f->daddr, pkt->dst.addr, 16);
}

static void
flow_release(struct cf_capture *cap, struct tcp_flow *f)
{
	if (f->len)
		cap_count(cap, CF_CAPTURE_CTR_TCP_INCOMPLETE);
	f->mode = TCP_MODE_FREE;
	f->len = 0;
	f->ws_skip = 0;
}

/*
 * Find the direction of @pkt; with @create, take a free slot of its set,
 * or one idle for CAP_TCP_IDLE_NS.  NULL (counted) when the set is full.
 */
static struct tcp_flow *
flow_get(struct cf_capture *cap, const struct cap_pkt *pkt, bool create,
	 bool *fresh)
{
	unsigned int base, i;
	struct tcp_flow *f, *victim = NULL;

	*fresh = false;
	base = flow_hash(pkt) & (cap->nflows - 1) & ~(CAP_TCP_WAYS - 1u);
	for (i = 0; i < CAP_TCP_WAYS; i++) {
		f = &cap->flows[base + i];
		if (flow_match(f, pkt))
			return f;
		if (!victim && f->mode == TCP_MODE_FREE)
			victim = f;
	}
	if (!create)
		return NULL;
	if (!victim) {
		for (i = 0; i < CAP_TCP_WAYS; i++) {
			f = &cap->flows[base + i];
			if (pkt->ts_ns >= f->last_ns + CAP_TCP_IDLE_NS &&
			    (!victim || f->last_ns < victim->last_ns))
				victim = f;
		}
		if (!victim) {
			cap_count(cap, CF_CAPTURE_CTR_TCP_FLOW_TABLE_FULL);
			return NULL;
		}
		flow_release(cap, victim);
	}
	victim->mode = TCP_MODE_HUNT;
	victim->family = pkt->src.family;
	victim->sport = pkt->src.port;
	victim->dport = pkt->dst.port;
	memcpy(victim->saddr, pkt->src.addr, 16);
	memcpy(victim->daddr, pkt->dst.addr, 16);
	victim->len = 0;
	victim->ws_skip = 0;
	victim->last_ns = pkt->ts_ns;
	*fresh = true;
	return victim;
}

static const uint8_t *
find_blank_line(const uint8_t *p, size_t len)
{
	static const uint8_t crlf2[4] = { '\r', '\n', '\r', '\n' };

	return memmem(p, len, crlf2, 4);
}

static bool
has_ci(const uint8_t *p, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (!strncasecmp((const char *)p + i, needle, n))
			return true;
	return false;
}

/*
 * An HTTP request or response at the start of a hunting direction: the
 * WebSocket opening handshake (RFC 6455 §4).  Returns bytes consumed, 0 if
 * the header block is not complete yet, -1 if it is HTTP but no Upgrade.
 */
static long
http_upgrade(struct cf_capture *cap, struct tcp_flow *f, const uint8_t *p,
	     size_t len)
{
	const uint8_t *end = find_blank_line(p, len);
	size_t hl;

	if (!end)
		return 0;
	hl = (size_t)(end - p) + 4;
	if ((len >= 12 && !memcmp(p, "HTTP/1.1 101", 12)) ||
	    (!memcmp(p, "GET ", 4) && has_ci(p, hl, "\nupgrade:") &&
	     has_ci(p, hl, "websocket"))) {
		cap_count(cap, CF_CAPTURE_CTR_WS_HANDSHAKE);
		f->mode = TCP_MODE_WS;
		return (long)hl;
	}
	cap_count(cap, CF_CAPTURE_CTR_NOT_SIGNALLING);
	return -1;
}

static bool
is_http_start(const uint8_t *p, size_t len)
{
	return (len >= 4 && !memcmp(p, "GET ", 4)) ||
	       (len >= 7 && !memcmp(p, "HTTP/1.", 7));
}

/*
 * One WebSocket frame at @p (RFC 6455 §5.2).  Returns bytes consumed, 0
 * when more are needed, or -1 when the stream cannot be followed.
 * @p_rw, when not NULL, is @p writable: unmask in place.
 */
static long
ws_frame(struct cf_capture *cap, struct cap_pkt *pkt, struct tcp_flow *f,
	 uint8_t *p_rw, const uint8_t *p, size_t len)
{
	uint64_t plen, total;
	size_t hl = 2, i;
	uint8_t op, *out;
	const uint8_t *key;

	if (len < 2)
		return 0;
	plen = p[1] & 0x7f;
	if (plen == 126) {
		hl += 2;
		if (len < hl)
			return 0;
		plen = rd16(p + 2);
	} else if (plen == 127) {
		hl += 8;
		if (len < hl)
			return 0;
		plen = (uint64_t)rd32(p + 2) << 32 | rd32(p + 6);
		/* §5.2: the most significant bit MUST be 0. */
		if (plen >> 63) {
			cap_count(cap, CF_CAPTURE_CTR_BAD_WEBSOCKET);
			return -1;
		}
	}
	key = p + hl;
	if (p[1] & 0x80)
		hl += 4;
	if (len < hl)
		return 0;
	total = hl + plen;
	if (total > len) {
		if (total <= cap->cfg.tcp_buf_max)
			return 0;
		/* Larger than we hold: skip it, keep the framing. */
		cap_count(cap, CF_CAPTURE_CTR_TCP_BUF_OVERFLOW);
		f->ws_skip = total - len;
		return (long)len;
	}
	op = p[0] & 0x0f;
	if (p[0] & 0x70) {
		/* RSV bits without a negotiated extension (§5.2), or
		 * permessage-deflate (RFC 7692): not readable here. */
		cap_count(cap, CF_CAPTURE_CTR_BAD_WEBSOCKET);
		return (long)total;
	}
	switch (op) {
	case 0x1:
	case 0x2:
		/* RFC 7118 §4: SIP in text or binary messages. */
		if (!(p[0] & 0x80)) {
			cap_count(cap, CF_CAPTURE_CTR_WS_FRAGMENTED);
			break;
		}
		if (plen > cap->cfg.tcp_buf_max) {
			cap_count(cap, CF_CAPTURE_CTR_TCP_BUF_OVERFLOW);
			break;
		}
		if (p[1] & 0x80) {
			out = p_rw ? p_rw + hl : cap->ws_scratch;
			for (i = 0; i < plen; i++)
				out[i] = p[hl + i] ^ key[i & 3];
		} else {
			out = (uint8_t *)(uintptr_t)(p + hl);
		}
		if (cap_looks_like_sip(out, plen))
			cap_deliver(cap, pkt, CF_PAYLOAD_SIP,
				    CF_TRANSPORT_WEBSOCKET, out, plen, 0, 0);
		else
			cap_count(cap, CF_CAPTURE_CTR_NOT_SIGNALLING);
		break;
	case 0x0:
		cap_count(cap, CF_CAPTURE_CTR_WS_FRAGMENTED);
		break;
	case 0x8:
	case 0x9:
	case 0xa:
		cap_count(cap, CF_CAPTURE_CTR_WS_CONTROL);
		break;
	default:
		cap_count(cap, CF_CAPTURE_CTR_BAD_WEBSOCKET);
		break;
	}
	return (long)total;
}

/* One unit of a hunting (SIP or not yet known) direction. */
static long
sip_unit(struct cf_capture *cap, struct cap_pkt *pkt, struct tcp_flow *f,
	 const uint8_t *p, size_t len)
{
	ssize_t r;
	size_t i;

	/* RFC 5626 §3.5.1 keep-alives: CRLFCRLF ping, CRLF pong. */
	for (i = 0; i < len && (p[i] == '\r' || p[i] == '\n'); i++)
		;
	if (i) {
		cap_count(cap, CF_CAPTURE_CTR_TCP_KEEPALIVE);
		return (long)i;
	}
	if (is_http_start(p, len))
		return http_upgrade(cap, f, p, len);
	if (!cap->cfg.framer) {
		cap_count(cap, CF_CAPTURE_CTR_TCP_NO_FRAMER);
		return -1;
	}
	r = cap->cfg.framer(p, len);
	if (r == 0)
		return 0;
	if (r < 0 || (size_t)r > len) {
		cap_count(cap, CF_CAPTURE_CTR_NOT_SIGNALLING);
		return -1;
	}
	cap_deliver(cap, pkt, CF_PAYLOAD_SIP, CF_TRANSPORT_TCP, p, (size_t)r,
		    0, 0);
	return (long)r;
}

/*
 * Take the in-order bytes @data of @f.  When the direction holds nothing,
 * work on the segment itself and keep only its tail; otherwise append and
 * work on the buffer.
 */
static void
stream_data(struct cf_capture *cap, struct cap_pkt *pkt, struct tcp_flow *f,
	    const uint8_t *data, size_t dlen)
{
	const uint8_t *region;
	uint8_t *rw = NULL;
	size_t n, off = 0, k;
	long r;

	if (f->ws_skip) {
		k = f->ws_skip < dlen ? (size_t)f->ws_skip : dlen;
		f->ws_skip -= k;
		data += k;
		dlen -= k;
	}
	if (!dlen)
		return;
	if (f->len) {
		if (dlen > cap->cfg.tcp_buf_max - f->len) {
			cap_count(cap, CF_CAPTURE_CTR_TCP_BUF_OVERFLOW);
			f->len = 0;
			return;
		}
		memcpy(f->buf + f->len, data, dlen);
		f->len += (uint32_t)dlen;
		region = rw = f->buf;
		n = f->len;
	} else {
		region = data;
		n = dlen;
	}

	while (off < n) {
		if (f->mode == TCP_MODE_WS)
			r = ws_frame(cap, pkt, f, rw ? rw + off : NULL,
				     region + off, n - off);
		else
			r = sip_unit(cap, pkt, f, region + off, n - off);
		if (r == 0)
			break;
		if (r < 0) {
			/* Not followable: drop what is held; a later segment
			 * that starts a message resynchronises. */
			off = n;
			break;
		}
		off += (size_t)r;
	}

	k = n - off;
	if (k)
		cap_count(cap, CF_CAPTURE_CTR_TCP_HELD);
	if (!k) {
		f->len = 0;
	} else if (rw) {
		memmove(f->buf, f->buf + off, k);
		f->len = (uint32_t)k;
	} else if (k > cap->cfg.tcp_buf_max) {
		cap_count(cap, CF_CAPTURE_CTR_TCP_BUF_OVERFLOW);
		f->len = 0;
	} else {
		memcpy(f->buf, region + off, k);
		f->len = (uint32_t)k;
	}
}

void
cap_tcp(struct cf_capture *cap, struct cap_pkt *pkt, const uint8_t *p,
	size_t len)
{
	const uint8_t *data;
	size_t doff, dlen, k;
	struct tcp_flow *f;
	uint32_t seq;
	int32_t diff;
	uint8_t flags;
	bool fresh;

	if (len < 20) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	doff = (size_t)(p[12] >> 4) * 4;
	if (doff < 20) {
		cap_count(cap, CF_CAPTURE_CTR_BAD_TCP);
		return;
	}
	if (doff > len) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	pkt->src.port = rd16(p);
	pkt->dst.port = rd16(p + 2);
	seq = rd32(p + 4);
	flags = p[13];
	data = p + doff;
	dlen = len - doff;

	f = flow_get(cap, pkt, dlen || (flags & TCP_SYN), &fresh);
	if (!f) {
		if (!dlen)
			cap_count(cap, CF_CAPTURE_CTR_TCP_NO_PAYLOAD);
		return;
	}
	f->last_ns = pkt->ts_ns;
	if (flags & TCP_SYN) {
		/* A new connection: what the old one held is lost. */
		if (!fresh) {
			if (f->len)
				cap_count(cap, CF_CAPTURE_CTR_TCP_INCOMPLETE);
			f->mode = TCP_MODE_HUNT;
			f->len = 0;
			f->ws_skip = 0;
		}
		seq++;
		f->next_seq = seq;
	} else if (fresh) {
		/* Picked up mid-stream: start at this segment. */
		f->next_seq = seq;
	}

	if (dlen) {
		diff = (int32_t)(seq - f->next_seq);
		if (diff < 0 && (uint32_t)-(int64_t)diff >= dlen) {
			/* All already seen: a retransmission. */
			cap_count(cap, CF_CAPTURE_CTR_TCP_DUPLICATE);
			dlen = 0;
		} else if (diff < 0) {
			/* Overlaps what we have: keep only the new bytes. */
			cap_count(cap, CF_CAPTURE_CTR_TCP_DUPLICATE);
			k = (size_t)-(int64_t)diff;
			data += k;
			dlen -= k;
		} else if (diff > 0) {
			/* Bytes missing (lost, or out of order): the message
			 * being built cannot complete; start again here. */
			cap_count(cap, CF_CAPTURE_CTR_TCP_GAP);
			f->len = 0;
			f->ws_skip = 0;
		}
		if (dlen) {
			f->next_seq = seq + (uint32_t)(data - (p + doff)) +
				      (uint32_t)dlen;
			stream_data(cap, pkt, f, data, dlen);
		}
	} else {
		cap_count(cap, CF_CAPTURE_CTR_TCP_NO_PAYLOAD);
	}

	if (flags & (TCP_FIN | TCP_RST))
		flow_release(cap, f);
}

void
cap_tcp_flush(struct cf_capture *cap)
{
	unsigned int i;

	for (i = 0; i < cap->nflows; i++)
		if (cap->flows[i].mode != TCP_MODE_FREE)
			flow_release(cap, &cap->flows[i]);
}
