/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Encoders for generated traffic: a call record becomes the SIP message or
 * the M3UA DATA + ISUP message a real network would carry, framed in
 * Ethernet / IPv4 / UDP or SCTP, and written to a pcap file with libpcap.
 *
 * Each encoder returns the bytes written, or -1 if @size is too small.
 */
#ifndef CALLFENCE_BENCH_ENCODE_H
#define CALLFENCE_BENCH_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include <callfence/call.h>

/* The engine's address in generated captures (RFC 5737 TEST-NET-1). */
#define GEN_ENGINE_IP	{ 192, 0, 2, 1 }
#define GEN_ENGINE_PC	0x100
#define GEN_SIP_PORT	5060
#define GEN_M3UA_PORT	2905

/*
 * SIP for @call: INVITE for a set-up (with P-Asserted-Identity), the 200
 * OK for an answer, CANCEL or BYE for a release (@answered says which).
 */
int gen_encode_sip(const struct cf_call *call, uint64_t n, bool answered,
		   char *buf, size_t size);

/*
 * SIP-I (Q.1912.5, RFC 3204) for a set-up: the INVITE of gen_encode_sip()
 * with a multipart/mixed body of SDP and the call's IAM (application/ISUP,
 * no CIC), which names the same parties as the SIP headers, written as a
 * gateway's IAM would (national on domestic ingress, else international).
 */
int gen_encode_sipi(const struct cf_call *call, uint64_t n, char *buf,
		    size_t size);

/* M3UA DATA carrying ISUP IAM, ANM or REL for @call (Q.763 layouts). */
int gen_encode_m3ua_isup(const struct cf_call *call, uint8_t *buf,
			 size_t size);

/*
 * Ethernet + IPv4 + UDP (@sctp false) or SCTP with one DATA chunk of
 * PPID 3 (@sctp true) around @payload, from @src to the engine.  @tsn
 * numbers the SCTP DATA chunks.
 */
int gen_frame(const struct cf_source *src, bool sctp, uint32_t tsn,
	      const uint8_t *payload, size_t len, uint8_t *buf, size_t size);

/* CRC32c (Castagnoli), the SCTP checksum of RFC 9260 appendix A. */
uint32_t gen_crc32c(const uint8_t *p, size_t len);

#endif
