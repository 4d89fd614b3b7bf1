/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the capture input layers.
 *
 * Input: byte 0 chooses the link type (low 7 bits, modulo the table
 * below).  With bit 7 clear, the rest is one packet record.  With bit 7
 * set, the rest is a sequence of records, each a 2-byte big-endian length
 * then that many bytes, all fed to one capture so that TCP, WebSocket and
 * SCTP reassembly state carries between them.  Each record is copied to a
 * heap block of exactly its size, so ASan sees any read past it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/dlt.h>

#include <callfence/capture.h>

#include "../capture/capture_test_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int linktypes[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, 12, 14, 101, DLT_IPV4,
	DLT_IPV6, DLT_NULL, DLT_LOOP, DLT_MTP2, DLT_MTP2_WITH_PHDR,
};

static volatile uint8_t sink;

/* Touch every byte delivered: a payload pointing outside its record or
 * buffer is an ASan report. */
static void
on_payload(void *ctx, const struct cf_payload *p)
{
	uint8_t x = 0;
	size_t i;

	for (i = 0; i < p->len; i++)
		x ^= p->data[i];
	sink = x;
	if (p->kind >= CF_PAYLOAD__COUNT || p->transport >= CF_TRANSPORT__COUNT)
		abort();
}

static struct cf_capture *cap;

static void
feed(int lt, const uint8_t *d, size_t n, uint32_t frame)
{
	uint8_t *copy = malloc(n ? n : 1);

	if (!copy)
		return;
	if (n)
		memcpy(copy, d, n);
	cf_capture_packet(cap, lt, copy, n, n, (uint64_t)frame * 1000000,
			  frame);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cf_capture_cfg cfg = {
		.on_payload = on_payload,
		.framer = test_sip_framer,
		.tcp_flows = 16,
		.tcp_buf_max = 2048,
		.sctp_reasm = 4,
		.sctp_buf_max = 2048,
	};
	uint32_t frame = 0;
	size_t off, n;
	int lt;

	if (!cap) {
		cap = cf_capture_new(&cfg);
		if (!cap)
			abort();
	}
	if (size < 1)
		return 0;
	lt = linktypes[(data[0] & 0x7f) %
		       (sizeof(linktypes) / sizeof(linktypes[0]))];
	if (!(data[0] & 0x80)) {
		feed(lt, data + 1, size - 1, 1);
	} else {
		off = 1;
		while (size - off >= 2) {
			n = (size_t)(data[off] << 8 | data[off + 1]);
			off += 2;
			if (n > size - off)
				n = size - off;
			feed(lt, data + off, n, ++frame);
			off += n;
		}
	}
	/* Each input starts from nothing. */
	cf_capture_flush(cap);
	return 0;
}
