/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The truth columns of tests/data/hep/NAME.truth.csv, as callfence reads a
 * datagram: shared by the cmocka comparison and hep_dump, which the live
 * Kamailio test runs.
 */
#ifndef CALLFENCE_HEP_ROW_H
#define CALLFENCE_HEP_ROW_H

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <callfence/hep.h>
#include <callfence/sip.h>

#define HEP_ROW_HEADER \
	"datagram,time,src_ip,src_port,dst_ip,dst_port,proto_type,method," \
	"status,cseq_method,call_id,payload_len"

/* Column texts of one row, as the CSV writes them. */
struct hep_row {
	char col[12][128];
};

static inline void
hep_row_span(char *dst, size_t size, struct cf_sip_span s)
{
	size_t n = s.len < size - 1 ? s.len : size - 1;

	if (s.p)
		memcpy(dst, s.p, n);
	else
		n = 0;
	dst[n] = '\0';
}

static inline void
hep_row_addr(char *dst, size_t size, const struct cf_source *s)
{
	if (!inet_ntop(s->family, s->addr, dst, (socklen_t)size))
		snprintf(dst, size, "?");
}

/*
 * Fill @row for datagram number @n from what cf_hep_decode() made of it
 * and what cf_sip_parse() makes of its payload; returns the decode
 * result (the columns after the first say "error" otherwise).
 */
static inline int
hep_row_make(struct hep_row *row, unsigned n, const uint8_t *buf,
	     size_t len)
{
	struct cf_hep_info info;
	struct cf_payload p;
	struct cf_sip_msg msg;
	int rc, i;

	memset(row, 0, sizeof(*row));
	snprintf(row->col[0], sizeof(row->col[0]), "%u", n);
	rc = cf_hep_decode(buf, len, &p, &info);
	if (rc < 0) {
		for (i = 1; i < 12; i++)
			snprintf(row->col[i], sizeof(row->col[i]), "error:%s",
				 cf_hep_err_name(-rc));
		return rc;
	}
	snprintf(row->col[1], sizeof(row->col[1]), "%" PRIu64 ".%09" PRIu64,
		 p.ts_ns / 1000000000u, p.ts_ns % 1000000000u);
	hep_row_addr(row->col[2], sizeof(row->col[2]), &p.src);
	snprintf(row->col[3], sizeof(row->col[3]), "%u", p.src.port);
	hep_row_addr(row->col[4], sizeof(row->col[4]), &p.dst);
	snprintf(row->col[5], sizeof(row->col[5]), "%u", p.dst.port);
	snprintf(row->col[6], sizeof(row->col[6]), "%u", info.proto_type);
	if (cf_sip_parse(&msg, (const char *)p.data, p.len,
			 p.transport == CF_TRANSPORT_TCP ? CF_SIP_STREAM : 0) <
	    0) {
		snprintf(row->col[7], sizeof(row->col[7]), "not-sip");
	} else {
		if (msg.request)
			hep_row_span(row->col[7], sizeof(row->col[7]),
				     msg.method_name);
		else
			snprintf(row->col[8], sizeof(row->col[8]), "%u",
				 msg.status);
		hep_row_span(row->col[9], sizeof(row->col[9]),
			     msg.cseq_method);
		hep_row_span(row->col[10], sizeof(row->col[10]), msg.call_id);
	}
	snprintf(row->col[11], sizeof(row->col[11]), "%zu", p.len);
	return 0;
}

/*
 * The next datagram of a tests/data/hep/NAME.bin file (4-byte big-endian
 * length, then the bytes) at *@off in @data of @size bytes; NULL at the
 * end or on a cut record.
 */
static inline const uint8_t *
hep_bin_next(const uint8_t *data, size_t size, size_t *off, size_t *len)
{
	uint32_t n;

	if (size - *off < 4)
		return NULL;
	n = (uint32_t)data[*off] << 24 | (uint32_t)data[*off + 1] << 16 |
	    (uint32_t)data[*off + 2] << 8 | data[*off + 3];
	if (size - *off - 4 < n)
		return NULL;
	*len = n;
	*off += 4 + n;
	return data + *off - n;
}

/* The whole of @path in a malloc()ed buffer; NULL if unreadable. */
static inline uint8_t *
hep_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	*size = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf) {
			buf[n] = '\0';
			*size = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

#endif /* CALLFENCE_HEP_ROW_H */
