/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fast decoder against the reference one (sip_ref.c, the decoder
 * before the speed work): on the corpus INVITEs and on mutations of them
 * (every prefix, every byte replaced by each byte the parser looks for,
 * seeded random edits), both must return the same thing, fill the same
 * spans (same pointers, same lengths) and write the same call record,
 * byte for byte.  Each input is an exactly-sized heap copy, so ASan also
 * checks that the fast one reads nothing past the end.
 */

#include <dirent.h>

#include <callfence/call.h>
#include <callfence/number.h>

#include "sip_private.h"
#include "sip_ref.h"
#include "sip_test.h"

static struct cf_numplan plan;
static unsigned long checked;

/* splitmix64, as bench/bench_util.h: seeded, so a failure reproduces. */
static uint64_t
test_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#define SAME_SPAN(a, b, what)						\
	do {								\
		if ((a).p != (b).p || (a).len != (b).len)		\
			fail_msg("%s: %s differs: \"%s\" vs ref \"%s\"",	\
				 ctx, what, span_str(a), span_str(b));	\
	} while (0)

static void
same_uri(const char *ctx, const struct cf_sip_uri *a,
	 const struct cf_sip_uri *b)
{
	SAME_SPAN(a->all, b->all, "uri");
	SAME_SPAN(a->user, b->user, "uri user");
	SAME_SPAN(a->user_params, b->user_params, "uri user params");
	SAME_SPAN(a->host, b->host, "uri host");
	SAME_SPAN(a->params, b->params, "uri params");
	SAME_SPAN(a->headers, b->headers, "uri headers");
	assert_int_equal(a->port, b->port);
	assert_int_equal(a->scheme, b->scheme);
	assert_int_equal(a->user_phone, b->user_phone);
}

/* One header value through the URI API of both decoders. */
static void
same_addr(const char *ctx, struct cf_sip_span v)
{
	struct cf_sip_addr a, b;
	static const size_t sizes[] = { 1, 2, 5, 12, 32 };
	char na[32], nb[32];
	unsigned k;
	int ra, rb;

	if (!v.p)
		return;
	ra = cf_sip_parse_addr(v.p, v.len, &a);
	rb = ref_sip_parse_addr(v.p, v.len, &b);
	if (ra != rb)
		fail_msg("%s: parse_addr(\"%s\") %d vs ref %d", ctx,
			 span_str(v), ra, rb);
	if (ra < 0)
		return;
	SAME_SPAN(a.display, b.display, "display");
	SAME_SPAN(a.params, b.params, "addr params");
	SAME_SPAN(a.tag, b.tag, "tag");
	assert_int_equal(a.angle, b.angle);
	same_uri(ctx, &a.uri, &b.uri);
	assert_int_equal(cf_sip_uri_has_number(&a.uri),
			 ref_sip_uri_has_number(&b.uri));
	/* Every output size, cut ones too: the fast path copies whole. */
	assert_int_equal(cf_sip_uri_number(&a.uri, NULL, 0),
			 ref_sip_uri_number(&b.uri, NULL, 0));
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		memset(na, 0x55, sizeof(na));
		memset(nb, 0x55, sizeof(nb));
		assert_int_equal(cf_sip_uri_number(&a.uri, na, sizes[k]),
				 ref_sip_uri_number(&b.uri, nb, sizes[k]));
		assert_memory_equal(na, nb, sizeof(na));
	}
}

static void
same_array(const char *ctx, const char *what, const struct cf_sip_span *a,
	   const struct cf_sip_span *b, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		SAME_SPAN(a[i], b[i], what);
}

static void
same_msg(const char *ctx, const struct cf_sip_msg *a,
	 const struct cf_sip_msg *b)
{
	assert_ptr_equal(a->buf, b->buf);
	assert_int_equal(a->len, b->len);
	assert_int_equal(a->hdr_len, b->hdr_len);
	assert_int_equal(a->request, b->request);
	assert_int_equal(a->method, b->method);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->n_headers, b->n_headers);
	assert_int_equal(a->max_forwards, b->max_forwards);
	assert_int_equal(a->has_max_forwards, b->has_max_forwards);
	assert_int_equal(a->has_content_length, b->has_content_length);
	assert_int_equal(a->content_length, b->content_length);
	assert_int_equal(a->cseq, b->cseq);
	SAME_SPAN(a->method_name, b->method_name, "method");
	SAME_SPAN(a->ruri, b->ruri, "ruri");
	SAME_SPAN(a->reason, b->reason, "reason");
	SAME_SPAN(a->from, b->from, "from");
	SAME_SPAN(a->to, b->to, "to");
	SAME_SPAN(a->call_id, b->call_id, "call-id");
	SAME_SPAN(a->cseq_method, b->cseq_method, "cseq method");
	SAME_SPAN(a->contact, b->contact, "contact");
	SAME_SPAN(a->content_type, b->content_type, "content-type");
	SAME_SPAN(a->identity, b->identity, "identity");
	SAME_SPAN(a->body, b->body, "body");
	assert_int_equal(a->n_via, b->n_via);
	assert_int_equal(a->n_pai, b->n_pai);
	assert_int_equal(a->n_ppi, b->n_ppi);
	assert_int_equal(a->n_rpid, b->n_rpid);
	assert_int_equal(a->n_diversion, b->n_diversion);
	assert_int_equal(a->n_history, b->n_history);
	assert_int_equal(a->n_privacy, b->n_privacy);
	assert_int_equal(a->n_identity, b->n_identity);
	same_array(ctx, "via", a->via, b->via, a->n_via);
	same_array(ctx, "pai", a->pai, b->pai, a->n_pai);
	same_array(ctx, "ppi", a->ppi, b->ppi, a->n_ppi);
	same_array(ctx, "rpid", a->rpid, b->rpid, a->n_rpid);
	same_array(ctx, "diversion", a->diversion, b->diversion,
		   a->n_diversion);
	same_array(ctx, "history", a->history, b->history, a->n_history);
	same_array(ctx, "privacy", a->privacy, b->privacy, a->n_privacy);
}

/* Everything both decoders do with @len bytes at @text. */
static void
check(const char *ctx, const char *text, size_t len)
{
	static struct cf_sip_msg a, b;
	static struct cf_call ca, cb;
	char *buf = malloc(len ? len : 1);
	ssize_t ra, rb;
	unsigned flags, i;
	int fa, fb;

	assert_non_null(buf);
	memcpy(buf, text, len);
	checked++;

	ra = cf_sip_message_length(buf, len);
	rb = ref_sip_message_length(buf, len);
	if (ra != rb)
		fail_msg("%s: message_length %zd vs ref %zd", ctx, ra, rb);

	for (flags = 0; flags <= CF_SIP_STREAM; flags += CF_SIP_STREAM) {
		ra = cf_sip_parse(&a, buf, len, flags);
		rb = ref_sip_parse(&b, buf, len, flags);
		if (ra != rb)
			fail_msg("%s: parse(flags %u) %zd (%s) vs ref %zd (%s)",
				 ctx, flags, ra, cf_sip_err_name(-ra), rb,
				 cf_sip_err_name(-rb));
	}
	if (ra < 0) {
		free(buf);
		return;
	}
	same_msg(ctx, &a, &b);

	cf_call_reset(&ca);
	cf_call_reset(&cb);
	fa = cf_sip_to_call(&a, &plan, &ca);
	fb = ref_sip_to_call(&b, &plan, &cb);
	if (fa != fb)
		fail_msg("%s: to_call %d vs ref %d", ctx, fa, fb);
	if (memcmp(&ca, &cb, sizeof(ca)))
		fail_msg("%s: call records differ (caller \"%s\" vs \"%s\", "
			 "callee \"%s\" vs \"%s\")", ctx,
			 ca.party[CF_PARTY_CALLER].raw,
			 cb.party[CF_PARTY_CALLER].raw,
			 ca.party[CF_PARTY_CALLEE].raw,
			 cb.party[CF_PARTY_CALLEE].raw);

	same_addr(ctx, a.from);
	same_addr(ctx, a.to);
	same_addr(ctx, a.contact);
	for (i = 0; i < a.n_pai; i++)
		same_addr(ctx, a.pai[i]);
	for (i = 0; i < a.n_diversion; i++)
		same_addr(ctx, a.diversion[i]);
	for (i = 0; i < a.n_history; i++)
		same_addr(ctx, a.history[i]);
	if (a.request) {
		struct cf_sip_uri ua, ub;

		ra = cf_sip_parse_uri(a.ruri.p, a.ruri.len, &ua);
		rb = ref_sip_parse_uri(b.ruri.p, b.ruri.len, &ub);
		assert_int_equal(ra, rb);
		if (ra == 0)
			same_uri(ctx, &ua, &ub);
	}
	free(buf);
}

/* The corpus INVITEs and the hand-written vectors below. */
#define MAX_INPUTS 64
static char *inputs[MAX_INPUTS];
static size_t input_len[MAX_INPUTS];
static char input_name[MAX_INPUTS][96];
static unsigned n_inputs;

static void
add_input(const char *name, const char *text, size_t len)
{
	assert_true(n_inputs < MAX_INPUTS);
	inputs[n_inputs] = malloc(len ? len : 1);
	assert_non_null(inputs[n_inputs]);
	memcpy(inputs[n_inputs], text, len);
	input_len[n_inputs] = len;
	snprintf(input_name[n_inputs], sizeof(input_name[0]), "%s", name);
	n_inputs++;
}

/* Forms the corpus has few of: folding, lists, escapes, odd spacing,
 * long names, compact forms, bare LF, tel: with phone-context. */
static const char *const extra[] = {
	"INVITE tel:5550180;phone-context=+1202 SIP/2.0\r\n"
	"v: SIP/2.0/UDP a;branch=1 , SIP/2.0/UDP b;branch=2\r\n"
	"f: \"A \\\"<q>\\\" ,b\" <sip:%2B1202555%30199@h;user=phone>;tag=x\r\n"
	"t: <tel:+12025550100>\r\n"
	"i: abc\r\n"
	"CSeq :  7   INVITE\r\n"
	"P-Asserted-Identity: <sip:alice@h>, <tel:+1-202-555-0123>\r\n"
	"Diversion: <sip:+12025550111@h>;reason=unconditional,\r\n"
	" <sip:+12025550112@h>;reason=busy\r\n"
	"History-Info: <sip:a@h>;index=1, <sip:+12025550113@h>;index=1.1\r\n"
	"Privacy: none;id\r\n"
	"X-Very-Long-Header-Name-Beyond-Sixteen-Bytes: v\r\n"
	"l: 0\r\n\r\n",
	"INVITE sip:[2001:db8::1]:5070;transport=tcp SIP/2.0\n"
	"Via: SIP/2.0/TCP x\n"
	"From: sip:bob@example.com;tag=1\n"
	"To: \"Bob\" <sips:+44%20207@example.com:5061;user=phone>\n"
	"Call-ID: 1\n"
	"CSeq: 1 INVITE\n"
	"Max-Forwards: 0\n"
	"Privacy: header\n"
	"Content-Length: 4\n\nbody",
	"SIP/2.0 486 Busy Here\r\n"
	"Via: SIP/2.0/UDP a\r\n"
	"From: <sip:a@b>;tag=1\r\n"
	"To: <sip:+8613812345678@b>;tag=2\r\n"
	"Call-ID: c\r\n"
	"CSeq: 2 INVITE\r\n"
	"Content-Length: 0\r\n\r\n",
	"BYE sip:x@y SIP/2.0\r\n"
	"Via: SIP/2.0/UDP a\r\n"
	"From: anonymous <sip:anonymous@anonymous.invalid>;tag=1\r\n"
	"To: <sip:y@z>\r\n"
	"Call-ID: c\r\n"
	"CSeq: 2 BYE\r\n\r\n",
};

static int
setup(void **state)
{
	char path[1024], *b;
	struct dirent *de;
	size_t i, len;
	FILE *f;
	DIR *d;

	if (cf_numplan_default(&plan, "1", NULL) != 0)
		return -1;
	d = opendir(SIP_DATA_DIR);
	if (!d)
		return -1;
	b = malloc(CF_SIP_MSG_MAX);
	while (b && (de = readdir(d)) && n_inputs < MAX_INPUTS - 8) {
		if (strncmp(de->d_name, "corpus_", 7) ||
		    !strstr(de->d_name, ".sip"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", SIP_DATA_DIR, de->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		len = fread(b, 1, CF_SIP_MSG_MAX, f);
		fclose(f);
		add_input(de->d_name, b, len);
	}
	closedir(d);
	free(b);
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		snprintf(path, sizeof(path), "extra %zu", i);
		add_input(path, extra[i], strlen(extra[i]));
	}
	return n_inputs > 8 ? 0 : -1;
}

static void
test_inputs_and_prefixes(void **state)
{
	char ctx[160];
	unsigned k;
	size_t n;

	for (k = 0; k < n_inputs; k++)
		for (n = 0; n <= input_len[k]; n++) {
			snprintf(ctx, sizeof(ctx), "%.80s prefix %zu",
				 input_name[k], n);
			check(ctx, inputs[k], n);
		}
}

/* Every byte replaced by each byte some part of the decoder looks for. */
static void
test_every_byte(void **state)
{
	static const char subst[] = {
		'\0', '\n', '\r', ' ', '\t', ':', ',', ';', '<', '>', '"',
		'\\', '@', '%', '?', '=', '[', ']', '+', 'A', '0', '\x80',
	};
	char *b, ctx[160];
	unsigned k, s;
	size_t i;

	for (k = 0; k < n_inputs; k++) {
		b = malloc(input_len[k]);
		assert_non_null(b);
		memcpy(b, inputs[k], input_len[k]);
		for (i = 0; i < input_len[k]; i++) {
			char was = b[i];

			for (s = 0; s < sizeof(subst); s++) {
				if (subst[s] == was)
					continue;
				b[i] = subst[s];
				snprintf(ctx, sizeof(ctx), "%.80s byte %zu = 0x%02x",
					 input_name[k], i, (uint8_t)subst[s]);
				check(ctx, b, input_len[k]);
			}
			b[i] = was;
		}
		free(b);
	}
}

/* Seeded random edits: several at once, insertions and deletions too,
 * so lengths shift across the 64-byte blocks of the scanner. */
static void
test_random_edits(void **state)
{
	static char b[CF_SIP_MSG_MAX];
	uint64_t rng = 1;
	unsigned round, e, k;
	size_t len, at;
	char ctx[160];

	for (round = 0; round < 60000; round++) {
		k = (unsigned)(test_rand(&rng) % n_inputs);
		len = input_len[k];
		memcpy(b, inputs[k], len);
		for (e = 0; e < 1 + test_rand(&rng) % 4 && len; e++) {
			at = (size_t)(test_rand(&rng) % len);
			switch (test_rand(&rng) % 3) {
			case 0:
				b[at] = (char)test_rand(&rng);
				break;
			case 1:		/* delete a run */
				memmove(b + at, b + at + 1, len - at - 1);
				len--;
				break;
			default:	/* duplicate a run of up to 70 bytes */
				if (len + 70 < sizeof(b)) {
					size_t run = 1 + test_rand(&rng) % 70;

					if (at + run > len)
						run = len - at;
					memmove(b + at + run, b + at, len - at);
					len += run;
				}
				break;
			}
		}
		snprintf(ctx, sizeof(ctx), "%.80s random round %u",
			 input_name[k], round);
		check(ctx, b, len);
	}
	print_message("%lu inputs agreed with the reference decoder\n",
		      checked);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inputs_and_prefixes),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_random_edits),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
