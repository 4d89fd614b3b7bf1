/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Differential test against tshark: every M3UA/M2PA message and MTP2 signal
 * unit of the corpus captures (tests/data/ss7/<capture>.vec, extracted by
 * make_vectors.py) is decoded, and every ISUP message that comes out must
 * match the next row of the tshark truth table (<capture>.truth.csv) field
 * for field; messages tshark does not show as ISUP must not come out.
 *
 * Known tshark behaviour the comparison accounts for (shared/corpus/README):
 * digits are shown in hex with ST as a trailing 'F'; a cause value with a
 * national coding standard is left empty.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <callfence/ss7.h>

static const char *data_dir = "tests/data/ss7";
/* callfence's own captures (tests/data/captures): <stem>.vec beside
 * <stem>.pcap.isup.truth.csv, written by make_captures.py. */
static const char *captures_dir = "tests/data/captures";

#define MAX_COLS	96
#define LINE_MAX_LEN	8192

struct csv {
	FILE *f;
	char line[LINE_MAX_LEN];
	char *hdr[MAX_COLS];
	char hdr_line[LINE_MAX_LEN];
	int nhdr;
	char *col[MAX_COLS];
	int ncol;
};

static int
split(char *line, char **cols)
{
	int n = 0;
	char *p = line;

	line[strcspn(line, "\r\n")] = '\0';
	cols[n++] = p;
	while ((p = strchr(p, ',')) && n < MAX_COLS) {
		*p++ = '\0';
		cols[n++] = p;
	}
	return n;
}

static void
csv_open(struct csv *c, const char *path)
{
	c->f = fopen(path, "r");
	assert_non_null(c->f);
	assert_non_null(fgets(c->hdr_line, sizeof(c->hdr_line), c->f));
	c->nhdr = split(c->hdr_line, c->hdr);
}

static bool
csv_next(struct csv *c)
{
	if (!fgets(c->line, sizeof(c->line), c->f))
		return false;
	c->ncol = split(c->line, c->col);
	assert_int_equal(c->ncol, c->nhdr);
	return true;
}

static const char *
get(const struct csv *c, const char *name)
{
	int i;

	for (i = 0; i < c->nhdr; i++)
		if (strcmp(c->hdr[i], name) == 0)
			return c->col[i];
	fail_msg("no column %s", name);
	return NULL;
}

/* Compare a numeric truth field with a value; "" means absent. */
static void
check_u(const struct csv *c, const char *name, unsigned int v, bool present,
	const char *frame)
{
	const char *t = get(c, name);

	if (!present) {
		if (t[0])
			fail_msg("frame %s %s: truth %s, decoder absent",
				 frame, name, t);
		return;
	}
	if (!t[0])
		fail_msg("frame %s %s: truth absent, decoder %u", frame, name,
			 v);
	if ((unsigned int)strtoul(t, NULL, 10) != v)
		fail_msg("frame %s %s: truth %s, decoder %u", frame, name, t,
			 v);
}

static void
check_ind(const struct csv *c, const char *name, uint8_t v, const char *fr)
{
	check_u(c, name, v, v != CF_ISUP_IND_ABSENT, fr);
}

/* Digits as tshark shows them: hex, ST as a trailing F. */
static void
shown_digits(const struct cf_isup_number *n, char *out, size_t size)
{
	snprintf(out, size, "%s%s", n->digits, n->st ? "F" : "");
}

static const char *const truth_prefix[CF_ISUP_NUM__COUNT] = {
	[CF_ISUP_NUM_CALLED]		= "called",
	[CF_ISUP_NUM_CALLING]		= "calling",
	[CF_ISUP_NUM_REDIRECTING]	= "redirecting",
	[CF_ISUP_NUM_ORIGINAL_CALLED]	= "ocn",
	[CF_ISUP_NUM_LOCATION]		= "location",
	[CF_ISUP_NUM_CALLED_IN]		= "called_in",
};

static void
check_number(const struct csv *c, const struct cf_isup_msg *m,
	     enum cf_isup_num i, const char *fr)
{
	const struct cf_isup_number *n = &m->num[i];
	bool has = cf_isup_has(m, i);
	char col[64], shown[64];

	snprintf(col, sizeof(col), "%s_noa", truth_prefix[i]);
	check_u(c, col, n->nai, has, fr);
	if (!has)
		return;
	snprintf(col, sizeof(col), "%s_digits", truth_prefix[i]);
	shown_digits(n, shown, sizeof(shown));
	if (strcmp(get(c, col), shown) != 0)
		fail_msg("frame %s %s: truth '%s', decoder '%s'", fr, col,
			 get(c, col), shown);
	snprintf(col, sizeof(col), "%s_npi", truth_prefix[i]);
	check_u(c, col, n->npi, true, fr);
	snprintf(col, sizeof(col), "%s_inn", truth_prefix[i]);
	check_ind(c, col, n->inn, fr);
	snprintf(col, sizeof(col), "%s_ni", truth_prefix[i]);
	check_ind(c, col, n->ni, fr);
	snprintf(col, sizeof(col), "%s_apri", truth_prefix[i]);
	check_ind(c, col, n->apri, fr);
	snprintf(col, sizeof(col), "%s_si", truth_prefix[i]);
	check_ind(c, col, n->si, fr);
	snprintf(col, sizeof(col), "%s_odd_even", truth_prefix[i]);
	check_u(c, col, n->odd, true, fr);
}

/* Mandatory parameter codes tshark lists before the optional ones. */
static unsigned int
mandatory_codes(uint8_t type)
{
	switch (type) {
	case CF_ISUP_IAM:
		return 5;	/* 6 7 9 2 4 */
	case CF_ISUP_ACM:
	case CF_ISUP_CON:
	case CF_ISUP_CPG:
	case CF_ISUP_REL:
		return 1;	/* 17, 17, 36, 18 */
	default:
		return 0;
	}
}

static void
check_row(const struct csv *c, const struct cf_mtp3_label *l,
	  const struct cf_isup_msg *m)
{
	const char *fr = get(c, "frame");
	char buf[512];
	size_t o = 0;
	unsigned int i, skip;
	const char *codes, *p;

	check_u(c, "opc", l->opc, true, fr);
	check_u(c, "dpc", l->dpc, true, fr);
	check_u(c, "ni", l->ni, true, fr);
	check_u(c, "sls", l->sls, true, fr);
	check_u(c, "cic", m->cic, true, fr);
	check_u(c, "msg_type", m->type, true, fr);
	check_u(c, "calling_category", m->calling_category,
		m->type == CF_ISUP_IAM, fr);
	for (i = 0; i < CF_ISUP_NUM__COUNT; i++)
		check_number(c, m, i, fr);

	check_u(c, "redir_indicator", m->redir.indicator,
		cf_isup_has(m, CF_ISUP_HAS_REDIR_INFO), fr);
	if (cf_isup_has(m, CF_ISUP_HAS_REDIR_INFO)) {
		check_u(c, "redir_orig_reason", m->redir.orig_reason, true, fr);
		check_u(c, "redir_counter", m->redir.counter, true, fr);
		check_u(c, "redir_reason", m->redir.reason, true, fr);
	}
	/* tshark leaves national-coded cause values empty. */
	check_u(c, "cause_value", m->cause.value,
		cf_isup_has(m, CF_ISUP_HAS_CAUSE) && m->cause.coding == 0, fr);
	check_u(c, "cause_location", m->cause.location,
		cf_isup_has(m, CF_ISUP_HAS_CAUSE) && m->cause.coding == 0, fr);
	check_u(c, "hop_counter", m->hop_counter,
		cf_isup_has(m, CF_ISUP_HAS_HOP_COUNTER), fr);

	buf[0] = '\0';
	for (i = 0; i < m->n_generic; i++) {
		const struct cf_isup_number *g = &m->generic[i];

		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
				      "%s%u/%u/%u/%u/%u/%u/%s", i ? ";" : "",
				      g->nqi, g->nai, g->npi, g->ni, g->apri,
				      g->si, g->digits);
	}
	if (strcmp(get(c, "generic_numbers"), buf) != 0)
		fail_msg("frame %s generic: truth '%s', decoder '%s'", fr,
			 get(c, "generic_numbers"), buf);

	/* Optional parameter codes, after the mandatory ones. */
	codes = get(c, "param_codes");
	for (p = codes, skip = mandatory_codes(m->type); skip && *p; skip--) {
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	o = 0;
	buf[0] = '\0';
	for (i = 0; i < m->n_opt && i < CF_ISUP_OPT_CODES_MAX; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%u",
				      i ? " " : "", m->opt_codes[i]);
	if (strcmp(p, buf) != 0)
		fail_msg("frame %s param codes: truth '%s' (optional '%s'), "
			 "decoder '%s'", fr, codes, p, buf);
}

static size_t
unhex(const char *s, uint8_t *out, size_t size)
{
	size_t n = 0;
	unsigned int v;

	while (s[0] && s[1] && n < size && sscanf(s, "%2x", &v) == 1) {
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

struct tally {
	unsigned int isup, rows, skipped, draft, errors;
};

/* Decode one transport message down to ISUP; returns 1 with *l and *m
 * filled when ISUP came out, 0 otherwise. */
static int
decode(const char *transport, const uint8_t *b, size_t n,
       struct cf_mtp3_label *l, struct cf_isup_msg *m, struct tally *t)
{
	struct cf_ss7_span user;
	int rc;

	if (strcmp(transport, "m3ua") == 0) {
		struct cf_m3ua_msg x;

		rc = cf_m3ua_decode(b, n, &x);
		if (rc >= 0) {
			assert_int_equal(rc, n);
			*l = x.label;
			user = x.user;
		}
	} else {
		struct cf_ss7_span msu;

		if (strcmp(transport, "m2pa") == 0) {
			struct cf_m2pa_msg x;

			rc = cf_m2pa_decode(b, n, &x);
			msu = x.msu;
		} else {
			struct cf_mtp2_su x;

			rc = cf_mtp2_decode(b, n, CF_MTP2_F_FCS, &x);
			msu = x.msu;
		}
		if (rc >= 0)
			rc = cf_mtp3_decode(msu.data, msu.len, 0, l, &user);
	}
	if (rc == -CF_SS7_ERR_M3UA_DRAFT)
		t->draft++;
	if (rc < 0) {
		if (cf_ss7_err_is_skip(rc))
			t->skipped++;
		else
			t->errors++;
		return 0;
	}
	if (l->si != CF_MTP3_SI_ISUP) {
		t->skipped++;
		return 0;
	}
	rc = cf_isup_decode(user.data, user.len, 0, m);
	if (rc < 0)
		fail_msg("ISUP decode: %s", cf_ss7_err_name(rc));
	assert_true((size_t)rc <= user.len);
	t->isup++;
	return 1;
}

static void
run_vectors(const char *dir, const char *stem, const char *truth_suffix,
	    struct tally *t)
{
	static uint8_t bytes[4096];
	char path[512], line[LINE_MAX_LEN];
	struct cf_mtp3_label l;
	struct cf_isup_msg m;
	struct csv c;
	FILE *vec;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "%s/%s.vec", dir, stem);
	vec = fopen(path, "r");
	assert_non_null(vec);
	snprintf(path, sizeof(path), "%s/%s%s", dir, stem, truth_suffix);
	csv_open(&c, path);

	while (fgets(line, sizeof(line), vec)) {
		char transport[8], hex[LINE_MAX_LEN];
		unsigned int frame;
		size_t n;

		assert_int_equal(sscanf(line, "%u %7s %8191s", &frame,
					transport, hex), 3);
		n = unhex(hex, bytes, sizeof(bytes));
		if (!decode(transport, bytes, n, &l, &m, t))
			continue;
		if (!csv_next(&c))
			fail_msg("frame %u: ISUP %s not in the truth", frame,
				 cf_isup_msg_name(m.type));
		if ((unsigned int)atoi(get(&c, "frame")) != frame)
			fail_msg("frame %u: decoded ISUP, truth is at frame %s",
				 frame, get(&c, "frame"));
		check_row(&c, &l, &m);
		t->rows++;
	}
	if (csv_next(&c) && t->draft == 0)
		fail_msg("truth frame %s: not decoded", get(&c, "frame"));
	fclose(c.f);
	fclose(vec);
}

static void
run_capture(const char *stem, struct tally *t)
{
	run_vectors(data_dir, stem, ".truth.csv", t);
}

/* Every NAI, APRI and SI of the Calling Party Number, Redirecting,
 * Original Called, Redirection Information, Generic Numbers, CPC, REL
 * causes (ITU and national coding), with and without Routing Context and
 * Network Appearance, three DATA chunks in one packet. */
static void
test_own_m3ua(void **state)
{
	struct tally t;

	(void)state;
	run_vectors(captures_dir, "isup_m3ua", ".pcap.isup.truth.csv", &t);
	assert_int_equal(t.rows, 24);	/* 21 IAM, 3 REL */
	assert_int_equal(t.errors, 0);
	assert_int_equal(t.skipped, 0);
}

static void
test_own_m2pa_mtp2(void **state)
{
	struct tally t;

	(void)state;
	run_vectors(captures_dir, "isup_m2pa", ".pcap.isup.truth.csv", &t);
	assert_int_equal(t.rows, 2);
	assert_int_equal(t.errors, 0);
	run_vectors(captures_dir, "isup_mtp2", ".pcap.isup.truth.csv", &t);
	assert_int_equal(t.rows, 2);
	assert_int_equal(t.skipped, 1);	/* the FISU */
	assert_int_equal(t.errors, 0);
}

static void
test_synthetic(void **state)
{
	struct tally t;

	(void)state;
	run_capture("synthetic_isup_m3ua", &t);
	/* 10 IAM + 5 REL; frame 11 (SCCP) is skipped, not an error. */
	assert_int_equal(t.rows, 15);
	assert_int_equal(t.skipped, 1);
	assert_int_equal(t.errors, 0);
}

static void
test_m3ua_isup(void **state)
{
	struct tally t;

	(void)state;
	run_capture("wswiki_m3ua_isup", &t);
	assert_int_equal(t.rows, 470);
	assert_int_equal(t.errors, 0);
	assert_int_equal(t.skipped, 11);	/* ASPSM/ASPTM handshakes */
}

static void
test_m2pa(void **state)
{
	struct tally t;

	(void)state;
	run_capture("xdrtester_isup_m2pa", &t);
	assert_int_equal(t.rows, 6);
	assert_int_equal(t.errors, 0);
}

static void
test_mtp2(void **state)
{
	struct tally t;

	(void)state;
	run_capture("wswiki_isup_load_generator", &t);
	assert_int_equal(t.rows, 600);
	assert_int_equal(t.errors, 0);
}

static void
test_draft6(void **state)
{
	struct tally t;

	(void)state;
	/* Pre-RFC M3UA: rejected whole, cleanly, with its own reason. */
	run_capture("wswiki_isup_m3ua_draft6", &t);
	assert_int_equal(t.rows, 0);
	assert_int_equal(t.draft, 6);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_synthetic),
		cmocka_unit_test(test_m3ua_isup),
		cmocka_unit_test(test_m2pa),
		cmocka_unit_test(test_mtp2),
		cmocka_unit_test(test_draft6),
		cmocka_unit_test(test_own_m3ua),
		cmocka_unit_test(test_own_m2pa_mtp2),
	};

	if (argc > 1)
		data_dir = argv[1];
	if (argc > 2)
		captures_dir = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
