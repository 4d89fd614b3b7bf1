/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capture input against the shared corpus (../shared/corpus, located by
 * the CF_CORPUS_DIR environment variable meson sets): every capture in
 * MANIFEST.tsv is read through the capture layer and
 *   - the frames of SIP payloads that are INVITE requests must be exactly
 *     the frames of the rows of <capture>.sip.truth.csv (retransmissions
 *     are rows too; a message reassembled from TCP segments or SCTP
 *     fragments is reported at its last frame, as tshark does);
 *   - the frames of M3UA/M2PA/MTP2 payloads carrying ISUP must be exactly
 *     the frames of the m3ua/m2pa/mtp2 rows of <capture>.isup.truth.csv,
 *     one payload per row.
 * The INVITE and ISUP checks below are a test-side oracle, deliberately
 * minimal; the real decoders are elsewhere.
 *
 * Known exceptions, each asserted differently:
 *   - wswiki_isup_m3ua_draft6.cap is pre-RFC M3UA: the RFC 4666 oracle
 *     finds no Protocol Data, so only "every truth frame carries an M3UA
 *     payload" is checked;
 *   - ISUP rows with transport sip-i (ISUP in a SIP body) must be covered
 *     by a SIP payload of that frame.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <callfence/capture.h>

#include "capture_test_util.h"

#define MAX_FRAMES	16384

struct tally {
	/* per frame: INVITEs, ISUP-carrying SIGTRAN/MTP2 payloads, any
	 * SIGTRAN/MTP2 payload, any SIP payload */
	uint16_t invite[MAX_FRAMES];
	uint16_t isup[MAX_FRAMES];
	uint16_t ss7[MAX_FRAMES];
	uint16_t sip[MAX_FRAMES];
	unsigned long n_invite, n_isup, n_payloads;
};

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Oracle: RFC 4666 DATA (class 1, type 1) whose Protocol Data (0x0210)
 * has SI = 5 (ISUP). */
static bool
m3ua_is_isup(const uint8_t *d, size_t n)
{
	size_t off = 8, mlen, plen;

	if (n < 8 || d[0] != 1 || d[2] != 1 || d[3] != 1)
		return false;
	mlen = be32(d + 4);
	if (mlen < n)
		n = mlen;
	while (off + 4 <= n) {
		plen = (size_t)(d[off + 2] << 8 | d[off + 3]);
		if (plen < 4 || off + plen > n)
			return false;
		if (d[off] == 0x02 && d[off + 1] == 0x10)
			return plen >= 4 + 9 && (d[off + 4 + 8] & 0x0f) == 5;
		off += (plen + 3) & ~(size_t)3;
	}
	return false;
}

/* Oracle: RFC 4165 User Data (class 11, type 1): 16 bytes of header,
 * BSN and FSN, one priority byte, then the SIO. */
static bool
m2pa_is_isup(const uint8_t *d, size_t n)
{
	return n > 17 && d[0] == 1 && d[2] == 11 && d[3] == 1 &&
	       (d[17] & 0x0f) == 5;
}

/* Oracle: Q.703 MSU (LI >= 3): BSN, FSN, LI, SIO. */
static bool
mtp2_is_isup(const uint8_t *d, size_t n)
{
	return n > 3 && (d[2] & 0x3f) >= 3 && (d[3] & 0x0f) == 5;
}

static void
on_payload(void *ctx, const struct cf_payload *p)
{
	struct tally *t = ctx;
	uint32_t f = p->frame;
	bool isup = false;

	t->n_payloads++;
	assert_true(f > 0 && f < MAX_FRAMES);
	switch (p->kind) {
	case CF_PAYLOAD_SIP:
		t->sip[f]++;
		if (p->len >= 7 && !memcmp(p->data, "INVITE ", 7)) {
			t->invite[f]++;
			t->n_invite++;
		}
		return;
	case CF_PAYLOAD_M3UA:
		isup = m3ua_is_isup(p->data, p->len);
		break;
	case CF_PAYLOAD_M2PA:
		isup = m2pa_is_isup(p->data, p->len);
		break;
	case CF_PAYLOAD_MTP2:
		isup = mtp2_is_isup(p->data, p->len);
		break;
	default:
		fail();
	}
	t->ss7[f]++;
	if (isup) {
		t->isup[f]++;
		t->n_isup++;
	}
}

/*
 * Read a CSV truth file: for each record, the frame (first field) and the
 * value of column @col (0-based) into @val (may be NULL).  Quoted fields
 * may hold commas, quotes and newlines.  Returns the number of records,
 * -1 if the file is absent.
 */
static long
read_truth(const char *path, int col, uint32_t *frames, char (*val)[16],
	   size_t max)
{
	FILE *fp = fopen(path, "r");
	long rec = -1;		/* the header row is not a record */
	int c, field = 0, quoted = 0, at_start = 1;
	char cur[64];
	size_t cl = 0;

	if (!fp)
		return -1;
	for (;;) {
		c = fgetc(fp);
		if (c != EOF && quoted) {
			if (c == '"') {
				c = fgetc(fp);
				if (c != '"') {
					quoted = 0;
					ungetc(c, fp);
					continue;
				}
			}
			if (cl < sizeof(cur) - 1)
				cur[cl++] = (char)c;
			continue;
		}
		if (c == '"' && at_start) {
			quoted = 1;
			at_start = 0;
			continue;
		}
		if (c == ',' || c == '\n' || c == EOF) {
			cur[cl] = '\0';
			if (rec >= 0 && (size_t)rec < max) {
				if (field == 0)
					frames[rec] = (uint32_t)atol(cur);
				if (field == col && val)
					snprintf(val[rec], 16, "%.15s", cur);
			}
			cl = 0;
			at_start = 1;
			field++;
			if (c == ',')
				continue;
			if (field > 1 || c != EOF)
				rec++;
			field = 0;
			if (c == EOF)
				break;
			continue;
		}
		at_start = 0;
		if (c != '\r' && cl < sizeof(cur) - 1)
			cur[cl++] = (char)c;
	}
	fclose(fp);
	/* A final newline adds no record. */
	return rec;
}

static const char *
corpus_dir(void)
{
	const char *d = getenv("CF_CORPUS_DIR");

	return d && *d ? d : NULL;
}

/* Run one file; returns the number of records read. */
static long
run_file(const char *path, struct tally *t, struct cf_capture_stats *st)
{
	struct cf_capture_cfg cfg = {
		.on_payload = on_payload,
		.ctx = t,
		.framer = test_sip_framer,
	};
	struct cf_capture *cap = cf_capture_new(&cfg);
	long n;

	assert_non_null(cap);
	if (cf_capture_open(cap, path)) {
		print_error("%s\n", cf_capture_error(cap));
		fail();
	}
	n = cf_capture_run(cap, 0);
	if (n < 0)
		print_error("%s\n", cf_capture_error(cap));
	assert_true(n >= 0);
	*st = *cf_capture_stats(cap);
	cf_capture_free(cap);
	return n;
}

struct truth {
	uint32_t frame[8192];
	char transport[8192][16];
};

static void
check_file(const char *dir, const char *name, unsigned int *n_files)
{
	static struct tally t, t2;
	static struct truth tr;
	struct cf_capture_stats st, st2;
	char path[1024], tpath[1100], copy[1100];
	uint16_t want[MAX_FRAMES];
	long rows, records, i;
	unsigned long want_isup = 0, sipi = 0, covered = 0;
	bool draft6 = strstr(name, "draft6") != NULL;
	uint32_t f;
	char *dot;

	memset(&t, 0, sizeof(t));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	records = run_file(path, &t, &st);
	(*n_files)++;

	/* SIP: INVITE frames == truth frames, as multisets. */
	snprintf(tpath, sizeof(tpath), "%s.sip.truth.csv", path);
	rows = read_truth(tpath, 2, tr.frame, NULL, 8192);
	memset(want, 0, sizeof(want));
	for (i = 0; i < rows; i++) {
		assert_true(tr.frame[i] < MAX_FRAMES);
		want[tr.frame[i]]++;
	}
	for (f = 0; f < MAX_FRAMES; f++)
		if (want[f] != t.invite[f]) {
			print_error("%s: frame %u: %u INVITE payloads, truth "
				    "%u\n", name, f, t.invite[f], want[f]);
			fail();
		}

	/* ISUP over M3UA/M2PA/MTP2: one oracle hit per truth row. */
	snprintf(tpath, sizeof(tpath), "%s.isup.truth.csv", path);
	i = read_truth(tpath, 2, tr.frame, tr.transport, 8192);
	memset(want, 0, sizeof(want));
	for (long r = 0; r < i; r++) {
		assert_true(tr.frame[r] < MAX_FRAMES);
		if (!strcmp(tr.transport[r], "sip-i/sctp") ||
		    !strncmp(tr.transport[r], "sip", 3)) {
			/* ISUP in a SIP body: the SIP payload covers it. */
			assert_true(t.sip[tr.frame[r]] > 0);
			sipi++;
			continue;
		}
		if (draft6) {
			assert_true(t.ss7[tr.frame[r]] > 0);
			covered++;
			continue;
		}
		want[tr.frame[r]]++;
		want_isup++;
	}
	for (f = 0; f < MAX_FRAMES; f++)
		if (want[f] != t.isup[f]) {
			print_error("%s: frame %u: %u ISUP payloads, truth "
				    "%u\n", name, f, t.isup[f], want[f]);
			fail();
		}

	printf("  %-42s records %5ld payloads %5lu  INVITE %3lu/%3ld  "
	       "ISUP %4lu/%4lu", name, records, t.n_payloads, t.n_invite,
	       rows < 0 ? 0 : rows, t.n_isup, want_isup);
	if (covered)
		printf("  draft-6 M3UA frames covered %lu/%ld", covered, i);
	if (sipi)
		printf("  SIP-I rows in SIP payloads %lu", sipi);
	printf("\n");
	if (getenv("CF_CAPTURE_VERBOSE")) {
		char buf[4096];

		cf_capture_stats_print(&st, buf, sizeof(buf));
		printf("%s", buf);
	}

	/* Nothing is silently lost: every record gave a payload or bumped
	 * a counter. */
	{
		uint64_t sum = 0;
		int c;

		for (c = CF_CAPTURE_CTR_PAYLOADS; c < CF_CAPTURE_CTR__COUNT;
		     c++)
			sum += st.ctr[c];
		if (sum < (uint64_t)records) {
			char buf[4096];

			cf_capture_stats_print(&st, buf, sizeof(buf));
			print_error("%s: %llu outcomes for %ld records\n%s",
				    name, (unsigned long long)sum, records,
				    buf);
			fail();
		}
		assert_int_equal(st.ctr[CF_CAPTURE_CTR_RECORDS], records);
		assert_int_equal(st.ctr[CF_CAPTURE_CTR_READ_ERROR], 0);
	}

	/* A .libpcap.pcap copy gives the same payloads. */
	snprintf(copy, sizeof(copy), "%s", path);
	dot = strrchr(copy, '.');
	if (dot) {
		snprintf(dot, sizeof(copy) - (size_t)(dot - copy),
			 ".libpcap.pcap");
		if (!access(copy, R_OK)) {
			memset(&t2, 0, sizeof(t2));
			assert_int_equal(run_file(copy, &t2, &st2), records);
			assert_memory_equal(t.invite, t2.invite,
					    sizeof(t.invite));
			assert_memory_equal(t.isup, t2.isup, sizeof(t.isup));
			assert_int_equal(t.n_payloads, t2.n_payloads);
			(*n_files)++;
		}
	}
}

static void
corpus_matches_truth(void **state)
{
	const char *dir = corpus_dir();
	char path[1024], line[1024], *tab;
	unsigned int n_files = 0;
	FILE *fp;

	if (!dir || access(dir, R_OK)) {
		print_message("corpus not found (CF_CORPUS_DIR=%s)\n",
			      dir ? dir : "");
		skip();
	}
	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", dir);
	fp = fopen(path, "r");
	if (!fp)
		skip();
	while (fgets(line, sizeof(line), fp)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		tab = strpbrk(line, "\t\r\n");
		if (tab)
			*tab = '\0';
		check_file(dir, line, &n_files);
	}
	fclose(fp);
	printf("  %u capture files checked\n", n_files);
	assert_true(n_files >= 19);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(corpus_matches_truth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
