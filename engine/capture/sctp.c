/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SCTP (RFC 9260): walk every chunk of a packet; DATA (§3.3.1) and I-DATA
 * (RFC 8260 §2.1) chunks become payloads by PPID, SIP by content.
 *
 * Fragmented DATA user messages (B/E flags) are reassembled in a small
 * fixed table: the fragments of one message carry consecutive TSNs on one
 * stream (§6.9), so a message is followed by its next expected TSN.  A
 * fragment that does not follow is counted and the message dropped.
 * Fragmented I-DATA is counted and skipped.  Duplicate TSNs are not
 * suppressed (each DATA chunk seen is delivered, as tshark with TSN
 * analysis off shows them); checksums are not verified.
 */
#include <string.h>

#include "capture_int.h"

#define CHUNK_DATA	0
#define CHUNK_IDATA	64

#define DATA_E		0x01
#define DATA_B		0x02
#define DATA_U		0x04

/* RFC 9260 §15.5 / IANA "SCTP Payload Protocol Identifiers". */
#define PPID_M3UA	3
#define PPID_M2PA	5

static void
dispatch(struct cf_capture *cap, struct cap_pkt *pkt, uint32_t ppid,
	 uint16_t stream, const uint8_t *d, size_t n)
{
	if (ppid == PPID_M3UA)
		cap_deliver(cap, pkt, CF_PAYLOAD_M3UA, CF_TRANSPORT_SCTP, d, n,
			    ppid, stream);
	else if (ppid == PPID_M2PA)
		cap_deliver(cap, pkt, CF_PAYLOAD_M2PA, CF_TRANSPORT_SCTP, d, n,
			    ppid, stream);
	else if (cap_looks_like_sip(d, n))
		cap_deliver(cap, pkt, CF_PAYLOAD_SIP, CF_TRANSPORT_SCTP, d, n,
			    ppid, stream);
	else
		cap_count(cap, CF_CAPTURE_CTR_NOT_SIGNALLING);
}

static bool
reasm_match(const struct sctp_reasm *r, const struct cap_pkt *pkt,
	    uint16_t stream, bool unordered)
{
	return r->used && r->family == pkt->src.family &&
	       r->sport == pkt->src.port && r->dport == pkt->dst.port &&
	       r->stream == stream && r->unordered == unordered &&
	       !memcmp(r->saddr, pkt->src.addr, 16) &&
	       !memcmp(r->daddr, pkt->dst.addr, 16);
}

static void
reasm_drop(struct cf_capture *cap, struct sctp_reasm *r)
{
	cap_count(cap, CF_CAPTURE_CTR_SCTP_FRAGMENT_DROPPED);
	r->used = false;
	r->len = 0;
}

static void
fragment(struct cf_capture *cap, struct cap_pkt *pkt, uint8_t flags,
	 uint32_t tsn, uint16_t stream, uint32_t ppid, const uint8_t *d,
	 size_t n)
{
	bool unordered = flags & DATA_U;
	struct sctp_reasm *r = NULL, *victim = NULL;
	unsigned int i;

	for (i = 0; i < cap->nreasm; i++) {
		if (reasm_match(&cap->reasm[i], pkt, stream, unordered)) {
			r = &cap->reasm[i];
			break;
		}
		if (!cap->reasm[i].used) {
			if (!victim || victim->used)
				victim = &cap->reasm[i];
		} else if (!victim || (victim->used &&
			   cap->reasm[i].last_ns < victim->last_ns)) {
			victim = &cap->reasm[i];
		}
	}

	if (flags & DATA_B) {
		/* A first fragment: whatever the stream held is lost. */
		if (r)
			reasm_drop(cap, r);
		else if ((r = victim)->used)
			reasm_drop(cap, r);
		r->used = true;
		r->unordered = unordered;
		r->family = pkt->src.family;
		r->sport = pkt->src.port;
		r->dport = pkt->dst.port;
		r->stream = stream;
		memcpy(r->saddr, pkt->src.addr, 16);
		memcpy(r->daddr, pkt->dst.addr, 16);
		r->ppid = ppid;
		r->len = 0;
	} else if (!r || r->next_tsn != tsn) {
		if (r)
			reasm_drop(cap, r);
		else
			cap_count(cap, CF_CAPTURE_CTR_SCTP_FRAGMENT_DROPPED);
		return;
	}
	if (n > cap->cfg.sctp_buf_max - r->len) {
		reasm_drop(cap, r);
		return;
	}
	memcpy(r->buf + r->len, d, n);
	r->len += (uint32_t)n;
	r->next_tsn = tsn + 1;
	r->last_ns = pkt->ts_ns;
	if (flags & DATA_E) {
		r->used = false;
		dispatch(cap, pkt, r->ppid, r->stream, r->buf, r->len);
		r->len = 0;
	} else {
		cap_count(cap, CF_CAPTURE_CTR_SCTP_FRAGMENT_HELD);
	}
}

/* One DATA or I-DATA chunk of @clen bytes (header included). */
static void
data_chunk(struct cf_capture *cap, struct cap_pkt *pkt, const uint8_t *c,
	   size_t clen)
{
	bool idata = c[0] == CHUNK_IDATA;
	size_t hl = idata ? 20 : 16;
	uint8_t flags = c[1];
	uint16_t stream;
	uint32_t ppid;

	/* §3.3.1: a DATA chunk carries at least one byte of user data. */
	if (clen <= hl) {
		cap_count(cap, CF_CAPTURE_CTR_BAD_SCTP_CHUNK);
		return;
	}
	stream = rd16(c + 8);
	ppid = rd32(c + (idata ? 16 : 12));
	if ((flags & (DATA_B | DATA_E)) == (DATA_B | DATA_E)) {
		dispatch(cap, pkt, ppid, stream, c + hl, clen - hl);
		return;
	}
	if (idata) {
		cap_count(cap, CF_CAPTURE_CTR_SCTP_FRAGMENT_DROPPED);
		return;
	}
	fragment(cap, pkt, flags, rd32(c + 4), stream, ppid, c + hl,
		 clen - hl);
}

void
cap_sctp(struct cf_capture *cap, struct cap_pkt *pkt, const uint8_t *p,
	 size_t len)
{
	size_t off = 12, clen;

	if (len < 12) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	pkt->src.port = rd16(p);
	pkt->dst.port = rd16(p + 2);
	if (len - off < 4) {
		cap_count(cap, CF_CAPTURE_CTR_BAD_SCTP);
		return;
	}
	/* §3.2: chunks follow one another, each padded to 4 bytes; the
	 * padding of the last one may be absent from the capture. */
	while (len - off >= 4) {
		clen = rd16(p + off + 2);
		if (clen < 4 || clen > len - off) {
			/* A length that lies: nothing after it can be
			 * trusted in this packet. */
			cap_count(cap, CF_CAPTURE_CTR_BAD_SCTP_CHUNK);
			return;
		}
		if (p[off] == CHUNK_DATA || p[off] == CHUNK_IDATA)
			data_chunk(cap, pkt, p + off, clen);
		else
			cap_count(cap, CF_CAPTURE_CTR_SCTP_CONTROL);
		clen = (clen + 3) & ~(size_t)3;
		if (clen >= len - off)
			break;
		off += clen;
	}
}

void
cap_sctp_flush(struct cf_capture *cap)
{
	unsigned int i;

	for (i = 0; i < cap->nreasm; i++)
		if (cap->reasm[i].used)
			reasm_drop(cap, &cap->reasm[i]);
}
