/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vector searches of sip_scan.c against byte-at-a-time references:
 * every length 0..200, the wanted byte at every position and nowhere,
 * from exactly-sized heap buffers so ASan reports any load past the end
 * (a vector tail is where that would happen).
 */

#include "sip_private.h"
#include "sip_test.h"

#define MAX_LEN 200

static void
ref_masks(const char *p, size_t n, struct sip_masks *m)
{
	size_t i;

	m->nl = m->colon = m->nul = 0;
	for (i = 0; i < n && i < 64; i++) {
		m->nl |= (uint64_t)(p[i] == '\n') << i;
		m->colon |= (uint64_t)(p[i] == ':') << i;
		m->nul |= (uint64_t)(p[i] == '\0') << i;
	}
}

static size_t
ref_find(const char *p, size_t len, char c)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] == c)
			return i;
	return len;
}

static void
same_masks(const char *p, size_t n)
{
	struct sip_masks got, want;

	memset(&got, 0xa5, sizeof(got));
	sip_block_masks(p, n, &got);
	ref_masks(p, n, &want);
	assert_int_equal(got.nl, want.nl);
	assert_int_equal(got.colon, want.colon);
	assert_int_equal(got.nul, want.nul);
}

/* @fill everywhere, @c at @pos (none when pos >= len), and a second @c
 * further on so "first" is what is checked. */
static char *
make(size_t len, char fill, char c, size_t pos)
{
	char *b = malloc(len ? len : 1);

	assert_non_null(b);
	memset(b, fill, len);
	if (pos < len)
		b[pos] = c;
	if (pos + 7 < len)
		b[pos + 7] = c;
	return b;
}

static void
test_block_masks(void **state)
{
	static const char targets[] = { '\n', ':', '\0' };
	size_t len, pos, off;
	unsigned t;
	char *b;

	for (t = 0; t < sizeof(targets); t++)
		for (len = 0; len <= MAX_LEN; len++)
			for (pos = 0; pos <= len; pos++) {
				b = make(len, 'x', targets[t], pos);
				/* From the start and from every offset of the
				 * first vector, so tails of every length end
				 * exactly at the buffer's end. */
				for (off = 0; off <= len && off < 17; off++)
					same_masks(b + off, len - off);
				free(b);
			}
}

/* Random bytes with every class mixed in. */
static void
test_block_masks_random(void **state)
{
	uint64_t x = 88172645463325252ull;
	size_t len, i;
	char *b;
	int round;

	for (round = 0; round < 20; round++)
		for (len = 0; len <= MAX_LEN; len++) {
			b = malloc(len ? len : 1);
			assert_non_null(b);
			for (i = 0; i < len; i++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				/* Mostly the interesting bytes. */
				b[i] = "\n:\0\r a"[x % 6];
				if (x % 7 == 0)
					b[i] = (char)(x >> 32);
			}
			same_masks(b, len);
			free(b);
		}
}

static void
test_find(void **state)
{
	static const char targets[] = { ';', '@', '\0', (char)0xff, 'a' };
	size_t len, pos, off;
	unsigned t;
	char *b, fill;

	for (t = 0; t < sizeof(targets); t++) {
		fill = targets[t] == 'a' ? 'b' : 'a';
		for (len = 0; len <= MAX_LEN; len++)
			for (pos = 0; pos <= len; pos++) {
				b = make(len, fill, targets[t], pos);
				for (off = 0; off <= len && off < 17; off++)
					assert_int_equal(
						sip_find(b + off, len - off,
							 targets[t]),
						ref_find(b + off, len - off,
							 targets[t]));
				free(b);
			}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_masks),
		cmocka_unit_test(test_block_masks_random),
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
