/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capture input internals shared by the layer files. */
#ifndef CALLFENCE_CAPTURE_INT_H
#define CALLFENCE_CAPTURE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <callfence/capture.h>

/* Nested encapsulations (IP in GRE in IP ...) followed before giving up. */
#define CAP_MAX_DEPTH		4
/* 802.1Q/802.1ad tags followed in one Ethernet header. */
#define CAP_MAX_VLAN		8
/* IPv6 extension headers followed in one packet. */
#define CAP_MAX_IPV6_EXT	8
/* Associativity of the TCP flow table: a flow lives in one of these many
 * slots after its hash, so look-up and eviction are bounded. */
#define CAP_TCP_WAYS		8
/* A TCP direction silent this long may be evicted for a new one. */
#define CAP_TCP_IDLE_NS		(60ULL * 1000000000ULL)

/* Where the current record came from; addresses filled by the IP layer. */
struct cap_pkt {
	uint32_t frame;
	uint64_t ts_ns;
	uint32_t index;			/* payloads delivered so far */
	struct cf_source src;
	struct cf_source dst;
};

enum tcp_mode {
	TCP_MODE_FREE = 0,
	TCP_MODE_HUNT,		/* expecting a SIP start line or HTTP */
	TCP_MODE_WS,		/* WebSocket frames after the Upgrade */
};

/* One direction of a TCP connection. */
struct tcp_flow {
	uint8_t mode;			/* enum tcp_mode */
	uint8_t family;
	uint16_t sport, dport;
	uint8_t saddr[16], daddr[16];
	uint32_t next_seq;		/* next byte expected */
	uint32_t len;			/* bytes held in buf */
	uint64_t ws_skip;		/* bytes of an oversized frame to skip */
	uint64_t last_ns;
	uint8_t *buf;			/* tcp_buf_max bytes of the arena */
};

/* One SCTP user message being reassembled from fragments. */
struct sctp_reasm {
	bool used;
	bool unordered;
	uint8_t family;
	uint16_t sport, dport, stream;
	uint8_t saddr[16], daddr[16];
	uint32_t ppid;
	uint32_t next_tsn;
	uint32_t len;
	uint64_t last_ns;
	uint8_t *buf;
};

struct cf_capture {
	struct cf_capture_cfg cfg;
	struct cf_capture_stats st;

	struct tcp_flow *flows;
	unsigned int nflows;		/* power of two, >= CAP_TCP_WAYS */
	uint8_t *tcp_arena;

	struct sctp_reasm *reasm;
	unsigned int nreasm;
	uint8_t *sctp_arena;

	/* Scratch for unmasking a WebSocket payload that sits in the packet
	 * record rather than in a flow buffer. */
	uint8_t *ws_scratch;

	void *pcap;			/* pcap_t *, kept opaque here */
	int linktype;
	uint32_t frame;
	char err[256];
};

static inline void
cap_count(struct cf_capture *cap, enum cf_capture_ctr c)
{
	cap->st.ctr[c]++;
}

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Hand a payload to the caller; fills frame, time, addresses. */
void cap_deliver(struct cf_capture *cap, struct cap_pkt *pkt,
		 enum cf_payload_kind kind, enum cf_capture_transport tr,
		 const uint8_t *data, size_t len, uint32_t ppid,
		 uint16_t stream);

/* Does @data start with a SIP request or status line (RFC 3261 §7.1)? */
bool cap_looks_like_sip(const uint8_t *data, size_t len);

/* Layers: each consumes what it is given and counts what it drops. */
void cap_ethernet(struct cf_capture *cap, struct cap_pkt *pkt,
		  const uint8_t *p, size_t len, int depth);
void cap_ethertype(struct cf_capture *cap, struct cap_pkt *pkt,
		   uint16_t type, const uint8_t *p, size_t len, int depth);
void cap_ip(struct cf_capture *cap, struct cap_pkt *pkt, const uint8_t *p,
	    size_t len, int depth);
void cap_tcp(struct cf_capture *cap, struct cap_pkt *pkt, const uint8_t *p,
	     size_t len);
void cap_sctp(struct cf_capture *cap, struct cap_pkt *pkt, const uint8_t *p,
	      size_t len);

void cap_tcp_flush(struct cf_capture *cap);
void cap_sctp_flush(struct cf_capture *cap);

#endif /* CALLFENCE_CAPTURE_INT_H */
