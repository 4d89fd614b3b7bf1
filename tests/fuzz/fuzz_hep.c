/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the HEP decoder, and for the SIP decoder on what it
 * yields, as the daemon's HEP port will run them.  The input is copied to
 * an exactly-sized buffer so ASan sees a read one byte past the end.
 * Invariants checked (abort = finding):
 *  - a decoded payload, auth key and correlation id lie inside the input,
 *    and the payload is not empty;
 *  - the payload's family, kind and transport are ones the engine knows;
 *  - a SIP parse of the payload stays inside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <callfence/call.h>
#include <callfence/hep.h>
#include <callfence/number.h>
#include <callfence/sip.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_in(const uint8_t *p, size_t n, const uint8_t *buf, size_t size)
{
	if (p && (p < buf || n > size || p + n > buf + size))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cf_numplan plan;
	struct cf_hep_info info;
	struct cf_payload p;
	struct cf_sip_msg msg;
	struct cf_call call;
	uint8_t *buf;
	ssize_t n;
	int rc;

	if (!plan.cc_len && cf_numplan_default(&plan, "44", NULL) != 0)
		abort();
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	rc = cf_hep_decode(buf, size, &p, &info);
	if (rc > 0 || rc <= -CF_HEP_ERR__COUNT)
		abort();
	if (rc == 0) {
		check_in(p.data, p.len, buf, size);
		check_in(info.auth_key, info.auth_key_len, buf, size);
		check_in(info.correlation_id, info.correlation_id_len, buf,
			 size);
		if (!p.data || p.len == 0 || info.hep_len > size)
			abort();
		if (p.kind != CF_PAYLOAD_SIP ||
		    p.transport >= CF_TRANSPORT__COUNT ||
		    (p.src.family != AF_INET && p.src.family != AF_INET6) ||
		    p.src.family != p.dst.family ||
		    (info.version != 2 && info.version != 3))
			abort();
		cf_hep_check_auth(&info, "key", 3);

		n = cf_sip_parse(&msg, (const char *)p.data, p.len,
				 p.transport == CF_TRANSPORT_TCP ?
					 CF_SIP_STREAM : 0);
		if (n > (ssize_t)p.len)
			abort();
		if (n > 0) {
			if (msg.call_id.p &&
			    ((const uint8_t *)msg.call_id.p < p.data ||
			     (const uint8_t *)msg.call_id.p + msg.call_id.len >
				     p.data + p.len))
				abort();
			cf_call_reset(&call);
			call.rx_ns = p.ts_ns;
			call.src = p.src;
			cf_sip_to_call(&msg, &plan, &call);
		}
	}
	free(buf);
	return 0;
}
