/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who calls whom in `callfence-bench udp`: caller;callee pairs read from a
 * SIPp injection file (-inf), or generated.
 *
 * A SIPp injection file starts with its order, SEQUENTIAL (line after line,
 * starting again at the end) or RANDOM (a line drawn for every call), then
 * one call a line, fields separated by ';': field0 is the caller, field1
 * the callee, further fields are ignored.  Empty lines and lines starting
 * with '#' are skipped, as SIPp skips them.  The numbers go into SIP user
 * parts as they are, so only the characters RFC 3261 allows there unescaped
 * are accepted.
 */
#ifndef CALLFENCE_BENCH_UDP_CALLERS_H
#define CALLFENCE_BENCH_UDP_CALLERS_H

#include <stddef.h>
#include <stdint.h>

/* Longest caller or callee accepted (E.164 is 15 digits and a '+'; the
 * rest is room for names such as "anonymous" and for dial strings). */
#define UDP_USER_MAX	32

enum udp_order {
	UDP_ORDER_SEQUENTIAL,
	UDP_ORDER_RANDOM,
};

/* One call's parties: offsets into struct udp_callers.text. */
struct udp_pair {
	uint32_t caller;
	uint32_t callee;
	uint8_t caller_len;
	uint8_t callee_len;
};

struct udp_callers {
	enum udp_order order;
	size_t n;
	struct udp_pair *pairs;
	char *text;		/* owned: the file, or the generated numbers */
};

/*
 * Parse @len bytes of injection-file @text; takes ownership of @text
 * (malloc'd), which is freed with @c, also on error.  Returns 0, or -1
 * with "line N: why" in @err of @err_size bytes.
 */
int udp_callers_parse(struct udp_callers *c, char *text, size_t len,
		      char *err, size_t err_size);

/* Read and parse the file at @path; as udp_callers_parse(), and
 * "PATH: strerror" in @err when it cannot be read. */
int udp_callers_load(struct udp_callers *c, const char *path, char *err,
		     size_t err_size);

/*
 * @n pairs of +86 mobile numbers (+861[3-9] and nine digits), the same
 * for the same @seed, used in sequence.  Returns 0 or -1 (no memory).
 */
int udp_callers_generate(struct udp_callers *c, size_t n, uint64_t seed);

void udp_callers_free(struct udp_callers *c);

/* The pair for call number @seq: the next line in sequence, or a line
 * drawn with @rng for RANDOM. */
const struct udp_pair *udp_callers_pick(const struct udp_callers *c,
					uint64_t seq, uint64_t *rng);

#endif
