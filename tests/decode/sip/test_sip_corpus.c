/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Golden vectors: INVITEs extracted from the shared corpus captures
 * (tests/data/sip/corpus_*.sip), checked against tshark's reading of the
 * same frames (tests/data/sip/corpus.tsv, written by extract.py from the
 * truth CSVs; extract.py says where and why the expected value is derived
 * rather than copied).  Then every prefix of every vector, from an
 * exactly-sized buffer, must fail cleanly.
 */

#include <callfence/call.h>
#include <callfence/number.h>

#include "sip_test.h"

enum col {
	C_FILE, C_METHOD, C_CALL_ID, C_CSEQ, C_RURI_USER, C_RURI_HOST,
	C_FROM_USER, C_FROM_TAG, C_TO_USER, C_PAI_USER, C_PRIVACY,
	C_DIVERSION_FIRST, C_N_DIVERSION, C_N_HISTORY, C_CONTACT_USER,
	C__COUNT,
};

static char *
read_file(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *b, *exact;

	snprintf(path, sizeof(path), "%s/%s", SIP_DATA_DIR, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	b = malloc(CF_SIP_MSG_MAX);
	assert_non_null(b);
	*len = fread(b, 1, CF_SIP_MSG_MAX, f);
	fclose(f);
	/* Exactly sized, so ASan sees a read past the end. */
	exact = malloc(*len ? *len : 1);
	assert_non_null(exact);
	memcpy(exact, b, *len);
	free(b);
	return exact;
}

/* Split a TSV line in place; empty fields stay empty. */
static int
split_tsv(char *line, char *f[C__COUNT])
{
	int n = 0;
	char *p = line;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < C__COUNT) {
		f[n++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = '\0';
	}
	return n;
}

/* The user span of an address header value, "" when it has none. */
static const char *
addr_user(struct cf_sip_span v)
{
	struct cf_sip_addr a;

	if (!v.p)
		return "";
	if (cf_sip_parse_addr(v.p, v.len, &a) < 0)
		return "(bad)";
	return a.uri.user.p ? span_str(a.uri.user) : "";
}

static void
check_row(char *f[C__COUNT])
{
	struct cf_sip_msg msg;
	struct cf_sip_addr from;
	struct cf_sip_uri ruri;
	struct cf_call call;
	struct cf_numplan plan;
	char cseq[64];
	size_t len;
	ssize_t rc;
	char *b;

	print_message("%s\n", f[C_FILE]);
	b = read_file(f[C_FILE], &len);
	rc = cf_sip_parse(&msg, b, len, 0);
	if (rc < 0)
		fail_msg("%s: %s", f[C_FILE],
			 cf_sip_err_name((enum cf_sip_err)-rc));
	assert_span(msg.method_name, f[C_METHOD]);
	assert_span(msg.call_id, f[C_CALL_ID]);
	snprintf(cseq, sizeof(cseq), "%u %s", msg.cseq,
		 span_str(msg.cseq_method));
	assert_string_equal(cseq, f[C_CSEQ]);

	assert_int_equal(cf_sip_parse_uri(msg.ruri.p, msg.ruri.len, &ruri), 0);
	assert_string_equal(ruri.user.p ? span_str(ruri.user) : "",
			    f[C_RURI_USER]);
	assert_string_equal(ruri.host.p ? span_str(ruri.host) : "",
			    f[C_RURI_HOST]);

	assert_int_equal(cf_sip_parse_addr(msg.from.p, msg.from.len, &from), 0);
	assert_string_equal(addr_user(msg.from), f[C_FROM_USER]);
	assert_string_equal(from.tag.p ? span_str(from.tag) : "",
			    f[C_FROM_TAG]);
	assert_string_equal(addr_user(msg.to), f[C_TO_USER]);
	assert_string_equal(msg.n_pai ? addr_user(msg.pai[0]) : "",
			    f[C_PAI_USER]);
	assert_string_equal(msg.n_privacy ? span_str(msg.privacy[0]) : "",
			    f[C_PRIVACY]);
	assert_string_equal(msg.n_diversion ? span_str(msg.diversion[0]) : "",
			    f[C_DIVERSION_FIRST]);
	assert_int_equal(msg.n_diversion, atoi(f[C_N_DIVERSION]));
	assert_int_equal(msg.n_history, atoi(f[C_N_HISTORY]));
	assert_string_equal(addr_user(msg.contact), f[C_CONTACT_USER]);

	/* Every vector fills a call record. */
	assert_int_equal(cf_numplan_default(&plan, "44", NULL), 0);
	cf_call_reset(&call);
	assert_int_equal(cf_sip_to_call(&msg, &plan, &call), 0);
	assert_int_equal(call.event, CF_EVENT_SETUP);
	assert_string_equal(call.ref.sip.call_id, f[C_CALL_ID]);
	free(b);
}

static void
test_corpus_fields(void **state)
{
	char line[4096], *f[C__COUNT];
	int rows = 0, n;
	FILE *tsv;

	tsv = fopen(SIP_DATA_DIR "/corpus.tsv", "r");
	assert_non_null(tsv);
	assert_non_null(fgets(line, sizeof(line), tsv));	/* header */
	while (fgets(line, sizeof(line), tsv)) {
		n = split_tsv(line, f);
		assert_int_equal(n, C__COUNT);
		check_row(f);
		rows++;
	}
	fclose(tsv);
	assert_true(rows >= 20);
}

/* Every prefix of every vector: an error or a shorter, consistent parse
 * (a datagram without Content-Length may end anywhere in its body). */
static void
test_corpus_truncated(void **state)
{
	char line[4096], *f[C__COUNT];
	struct cf_sip_msg msg;
	size_t len, n;
	ssize_t rc, ml;
	char *b, *p;
	FILE *tsv;

	tsv = fopen(SIP_DATA_DIR "/corpus.tsv", "r");
	assert_non_null(tsv);
	assert_non_null(fgets(line, sizeof(line), tsv));
	while (fgets(line, sizeof(line), tsv)) {
		split_tsv(line, f);
		b = read_file(f[C_FILE], &len);
		ml = cf_sip_message_length(b, len);
		for (n = 0; n < len; n++) {
			p = malloc(n ? n : 1);
			assert_non_null(p);
			memcpy(p, b, n);
			rc = cf_sip_parse(&msg, p, n, 0);
			if (rc >= 0) {
				assert_true(rc <= (ssize_t)n);
				assert_false(msg.has_content_length);
				assert_true(msg.body.len + msg.hdr_len == n);
			}
			rc = cf_sip_message_length(p, n);
			assert_true(rc <= 0);
			free(p);
		}
		/* Stream framing: the whole vector, or no Content-Length. */
		assert_true(ml == (ssize_t)len ||
			    ml == -CF_SIP_ERR_MISSING_CONTENT_LENGTH);
		free(b);
	}
	fclose(tsv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_fields),
		cmocka_unit_test(test_corpus_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
