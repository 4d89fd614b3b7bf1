/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Caller;callee pairs from SIPp injection files: see udp_callers.h. */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "udp_callers.h"

/* Files beyond this are refused: offsets are 32 bits, and a list that
 * long is better generated than read. */
#define TEXT_MAX	(1u << 30)

/*
 * RFC 3261 §25.1: user = 1*( unreserved / escaped / user-unreserved ),
 * minus ';' which separates the fields.  Anything else would need
 * escaping or would break the header it lands in.
 */
static bool
user_char(char ch)
{
	if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= 'A' && ch <= 'Z'))
		return true;
	return ch && strchr("-_.!~*'()%&=+$,?/", ch) != NULL;
}

static int
fail(char *err, size_t err_size, size_t line, const char *why, int ch)
{
	if (ch >= 0x20 && ch < 0x7f)
		snprintf(err, err_size, "line %zu: %s '%c'", line, why, ch);
	else if (ch >= 0)
		snprintf(err, err_size, "line %zu: %s 0x%02x", line, why, ch);
	else
		snprintf(err, err_size, "line %zu: %s", line, why);
	return -1;
}

/* Check one field of @len bytes at @p; 0 or -1 with @err filled. */
static int
check_field(const char *p, size_t len, const char *name, size_t line,
	    char *err, size_t err_size)
{
	char why[64];
	size_t i;

	if (len == 0) {
		snprintf(why, sizeof(why), "empty %s", name);
		return fail(err, err_size, line, why, -1);
	}
	if (len > UDP_USER_MAX) {
		snprintf(why, sizeof(why), "%s longer than %d characters", name,
			 UDP_USER_MAX);
		return fail(err, err_size, line, why, -1);
	}
	for (i = 0; i < len; i++)
		if (!user_char(p[i])) {
			snprintf(why, sizeof(why), "%s has a character not allowed "
				 "in a SIP user part:", name);
			return fail(err, err_size, line, why, (unsigned char)p[i]);
		}
	return 0;
}

/* The order line: SEQUENTIAL or RANDOM, as SIPp spells it. */
static int
parse_order(struct udp_callers *c, const char *p, size_t len, size_t line,
	    char *err, size_t err_size)
{
	if (len == 10 && memcmp(p, "SEQUENTIAL", 10) == 0)
		c->order = UDP_ORDER_SEQUENTIAL;
	else if (len == 6 && memcmp(p, "RANDOM", 6) == 0)
		c->order = UDP_ORDER_RANDOM;
	else if (len >= 4 && memcmp(p, "USER", 4) == 0)
		return fail(err, err_size, line, "USER order (per-user lines) "
			    "is not supported, use SEQUENTIAL or RANDOM", -1);
	else if (memchr(p, ',', len))
		return fail(err, err_size, line, "options after the order "
			    "(PRINTF, ...) are not supported", -1);
	else
		return fail(err, err_size, line, "first line must be "
			    "SEQUENTIAL or RANDOM", -1);
	return 0;
}

int
udp_callers_parse(struct udp_callers *c, char *text, size_t len, char *err,
		  size_t err_size)
{
	size_t line = 0, cap = 0, pos = 0;
	bool have_order = false;

	memset(c, 0, sizeof(*c));
	c->text = text;
	if (len >= TEXT_MAX) {
		snprintf(err, err_size, "file larger than %u bytes", TEXT_MAX);
		goto error;
	}
	while (pos < len) {
		const char *p = text + pos, *nl = memchr(p, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - p) : len - pos;
		const char *semi, *end;
		struct udp_pair *pair;

		pos += n + (nl != NULL);
		line++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0 || p[0] == '#')
			continue;
		if (!have_order) {
			if (parse_order(c, p, n, line, err, err_size) < 0)
				goto error;
			have_order = true;
			continue;
		}
		semi = memchr(p, ';', n);
		if (!semi) {
			fail(err, err_size, line, "no ';' between caller and callee", -1);
			goto error;
		}
		end = memchr(semi + 1, ';', n - (size_t)(semi + 1 - p));
		if (!end)
			end = p + n;
		if (check_field(p, (size_t)(semi - p), "caller", line, err,
				err_size) < 0 ||
		    check_field(semi + 1, (size_t)(end - semi - 1), "callee",
				line, err, err_size) < 0)
			goto error;
		if (c->n == cap) {
			struct udp_pair *more;

			cap = cap ? cap * 2 : 1024;
			more = realloc(c->pairs, cap * sizeof(*more));
			if (!more) {
				snprintf(err, err_size, "line %zu: out of memory", line);
				goto error;
			}
			c->pairs = more;
		}
		pair = &c->pairs[c->n++];
		pair->caller = (uint32_t)(p - text);
		pair->caller_len = (uint8_t)(semi - p);
		pair->callee = (uint32_t)(semi + 1 - text);
		pair->callee_len = (uint8_t)(end - semi - 1);
	}
	if (!have_order) {
		snprintf(err, err_size, "line %zu: no SEQUENTIAL or RANDOM line", line);
		goto error;
	}
	if (c->n == 0) {
		snprintf(err, err_size, "line %zu: no caller;callee lines", line);
		goto error;
	}
	return 0;
error:
	udp_callers_free(c);
	return -1;
}

int
udp_callers_load(struct udp_callers *c, const char *path, char *err,
		 size_t err_size)
{
	FILE *f = fopen(path, "rb");
	size_t len = 0, cap = 0, got;
	char *text = NULL;

	memset(c, 0, sizeof(*c));
	if (!f) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	do {
		if (len == cap) {
			char *more;

			cap = cap ? cap * 2 : 65536;
			if (cap > TEXT_MAX)
				cap = TEXT_MAX;
			if (len == cap) {
				snprintf(err, err_size, "%s: larger than %u bytes",
					 path, TEXT_MAX);
				goto error;
			}
			more = realloc(text, cap);
			if (!more) {
				snprintf(err, err_size, "%s: out of memory", path);
				goto error;
			}
			text = more;
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	if (ferror(f)) {
		snprintf(err, err_size, "%s: read error", path);
		goto error;
	}
	fclose(f);
	if (udp_callers_parse(c, text, len, err, err_size) < 0) {
		char line[200];

		snprintf(line, sizeof(line), "%s", err);
		snprintf(err, err_size, "%s: %s", path, line);
		return -1;
	}
	return 0;
error:
	fclose(f);
	free(text);
	return -1;
}

/* A Chinese mobile: +86, 1, a second digit 3-9, nine more digits. */
static void
gen_mobile(char *p, uint64_t *rng)
{
	uint64_t r = bench_rand(rng);
	int i;

	memcpy(p, "+861", 4);
	p[4] = (char)('3' + r % 7);
	r /= 7;
	for (i = 5; i < 14; i++) {
		p[i] = (char)('0' + r % 10);
		r /= 10;
	}
}

int
udp_callers_generate(struct udp_callers *c, size_t n, uint64_t seed)
{
	enum { LEN = 14 };
	uint64_t rng = seed;
	size_t i;

	memset(c, 0, sizeof(*c));
	if (n == 0 || n >= TEXT_MAX / (2 * LEN))
		return -1;
	c->order = UDP_ORDER_SEQUENTIAL;
	c->text = malloc(n * 2 * LEN);
	c->pairs = calloc(n, sizeof(*c->pairs));
	if (!c->text || !c->pairs) {
		udp_callers_free(c);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct udp_pair *pair = &c->pairs[i];

		pair->caller = (uint32_t)(2 * i * LEN);
		pair->callee = pair->caller + LEN;
		pair->caller_len = pair->callee_len = LEN;
		gen_mobile(c->text + pair->caller, &rng);
		gen_mobile(c->text + pair->callee, &rng);
	}
	c->n = n;
	return 0;
}

void
udp_callers_free(struct udp_callers *c)
{
	free(c->pairs);
	free(c->text);
	memset(c, 0, sizeof(*c));
}

const struct udp_pair *
udp_callers_pick(const struct udp_callers *c, uint64_t seq, uint64_t *rng)
{
	if (c->order == UDP_ORDER_RANDOM)
		return &c->pairs[bench_rand(rng) % c->n];
	return &c->pairs[seq % c->n];
}
