/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the screening server's answers: the decision
 * (cf_sip_answer_kind()), every reply kind for a request that parses, the
 * 400 from raw bytes and from the parse, and the 302 Contact on its own.
 * The input is copied to an exactly-sized buffer so ASan sees a read one
 * byte past the end.  Invariants checked (abort = finding):
 *  - every reply parses back with cf_sip_parse() as a response, ending in
 *    CRLF CRLF, no CR or LF but in CRLF (a 400 may keep a CSeq number too
 *    big for the parser: then that alone fails; a 400 or 505 from bytes
 *    may lack From, To or Call-ID, RFC 4475 insuf: then the parser names
 *    the first one missing, and parses it with stand-ins put back);
 *  - it carries exactly as many Vias as the request (as the parser counts
 *    them; for bytes that did not parse, one Via line per Via value);
 *  - at most one Contact, exactly one for a 302, and no header line the
 *    builder does not write;
 *  - a 400 from the bytes of a request that parses is the 400 from its
 *    parse, byte for byte;
 *  - an echo stays within CF_SIP_REPLY_ECHO_BOUND(), a Contact within
 *    CF_SIP_REPLY_CONTACT_MAX() and holds none of < > " , ? white space
 *    or control bytes;
 *  - the decision is kept: a JUDGE can be answered 302, a 400 or 505 can
 *    be written.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <callfence/call.h>
#include <callfence/number.h>
#include <callfence/sip.h>
#include <callfence/sip_reply.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_SIZE (CF_SIP_REPLY_ECHO_MAX + CF_SIP_REPLY_CONTACT_MAX(CF_SIP_MSG_MAX) + \
		  CF_SIP_REPLY_FIXED_MAX + 1024)

static char out[OUT_SIZE], out2[OUT_SIZE], echo[CF_SIP_REPLY_ECHO_MAX + 1];
static char patched[OUT_SIZE + 64];

/* What a reply without From, To or Call-ID gets back to parse. */
static const char *const stand_in[3] = {
	"From: <sip:f@x>;tag=1\r\n", "To: <sip:t@x>\r\n", "Call-ID: c\r\n",
};

/* The names the builders write, each ": " after it. */
static const char *const names[] = {
	"Via", "From", "To", "Call-ID", "CSeq", "Contact", "Privacy",
	CF_SIP_REPLY_VERDICT_HDR, "Reason", "Allow", "Retry-After", "Warning",
	"Content-Length",
};
#define N_NAMES (sizeof(names) / sizeof(names[0]))

/* Whether the CSeq line of reply @r (@n bytes) has a number cf_sip_parse()
 * cannot hold: more than 10 digits, or at least 2**31. */
static int
cseq_too_big(const char *r, size_t n)
{
	const char *p = memmem(r, n, "\r\nCSeq: ", 8);
	uint64_t v = 0;
	size_t d = 0;

	if (!p)
		return 0;
	for (p += 8; p < r + n && *p >= '0' && *p <= '9'; p++, d++)
		if (d < 11)
			v = v * 10 + (uint64_t)(*p - '0');
	return d > 10 || v > 0x7fffffff;
}

/*
 * Check reply @r of @n bytes.  @vias: the Vias it must carry, or -1 when
 * only the reply's own count is known.  @contact: 1 exactly one Contact,
 * 0 none, -1 at most one.  @from_bytes: a 400 or 505 from bytes, which
 * may echo a CSeq the parser refuses and lack From, To or Call-ID.
 */
static void
check_reply(const char *r, int n, int vias, int contact, int from_bytes)
{
	static const enum cf_sip_err missing[3] = {
		CF_SIP_ERR_MISSING_FROM, CF_SIP_ERR_MISSING_TO,
		CF_SIP_ERR_MISSING_CALL_ID,
	};
	const int big_cseq_ok = from_bytes;
	int first_missing = -1;
	unsigned int count[N_NAMES] = { 0 };
	struct cf_sip_msg m;
	const char *p, *e, *eol;
	ssize_t rc;
	size_t i, k;

	if (n <= 0 || (size_t)n >= OUT_SIZE)
		abort();
	for (i = 0; i < (size_t)n; i++)
		if ((r[i] == '\r' && (i + 1 == (size_t)n || r[i + 1] != '\n')) ||
		    (r[i] == '\n' && (i == 0 || r[i - 1] != '\r')))
			abort();
	if (n < 4 || memcmp(r + n - 4, "\r\n\r\n", 4) || memcmp(r, "SIP/2.0 ", 8))
		abort();
	/* Every line after the status line is one of ours. */
	p = (const char *)memmem(r, (size_t)n, "\r\n", 2) + 2;
	e = r + n - 2;
	for (; p < e; p = eol + 2) {
		eol = memmem(p, (size_t)(e - p) + 2, "\r\n", 2);
		for (k = 0; k < N_NAMES; k++) {
			size_t l = strlen(names[k]);

			if ((size_t)(eol - p) >= l + 2 && !memcmp(p, names[k], l) &&
			    p[l] == ':' && p[l + 1] == ' ')
				break;
		}
		if (k == N_NAMES)
			abort();
		count[k]++;
	}
	for (k = 1; k < N_NAMES; k++) {
		if (count[k] > 1)
			abort();
		if (k <= 4 && count[k] != 1) {
			/* From (1), To (2), Call-ID (3) of a 400 from bytes. */
			if (!from_bytes || k == 4)
				abort();
			if (first_missing < 0)
				first_missing = (int)k - 1;
		}
	}
	if (count[N_NAMES - 1] != 1 || (contact >= 0 &&
					(int)count[5] != contact))
		abort();
	if (vias >= 0 && (int)count[0] != vias)
		abort();

	if (first_missing >= 0) {
		size_t at, len;

		/* A CSeq too big is refused as the header is read, before
		 * the parser looks for the missing ones. */
		rc = cf_sip_parse(&m, r, (size_t)n, 0);
		if (rc != -(ssize_t)missing[first_missing] &&
		    !(big_cseq_ok && rc == -CF_SIP_ERR_BAD_CSEQ &&
		      cseq_too_big(r, (size_t)n)))
			abort();
		/* The rest must parse: the missing ones put back after the
		 * status line. */
		at = (size_t)((const char *)memmem(r, (size_t)n, "\r\n", 2) -
			      r) + 2;
		memcpy(patched, r, at);
		len = at;
		for (k = 0; k < 3; k++) {
			if (count[k + 1])
				continue;
			memcpy(patched + len, stand_in[k], strlen(stand_in[k]));
			len += strlen(stand_in[k]);
		}
		memcpy(patched + len, r + at, (size_t)n - at);
		len += (size_t)n - at;
		r = patched;
		n = (int)len;
	}
	rc = cf_sip_parse(&m, r, (size_t)n, 0);
	if (rc != n) {
		if (big_cseq_ok && rc == -CF_SIP_ERR_BAD_CSEQ &&
		    cseq_too_big(r, (size_t)n))
			return;
		abort();
	}
	if (m.request || m.n_via != count[0] || !m.has_content_length ||
	    m.content_length != 0)
		abort();
}

/* A Contact rebuilt from @len bytes at @p, if there is one. */
static void
check_contact(const char *p, size_t len)
{
	struct cf_sip_addr a;
	int n, i;

	n = cf_sip_reply_contact(out2, OUT_SIZE - 2, p, len);
	if (n < 0)
		return;
	if ((size_t)n > CF_SIP_REPLY_CONTACT_MAX(len) || (size_t)n != strlen(out2))
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)out2[i] <= ' ' || out2[i] == 0x7f ||
		    strchr("<>\",?", out2[i]))
			abort();
	memmove(out2 + 1, out2, (size_t)n);
	out2[0] = '<';
	out2[n + 1] = '>';
	if (cf_sip_parse_addr(out2, (size_t)n + 2, &a) < 0 || a.uri.headers.p ||
	    a.uri.all.len != (uint32_t)n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum cf_reply blocks[] = {
		CF_REPLY_603, CF_REPLY_608, CF_REPLY_403,
		CF_REPLY_603_NETWORK_BLOCKED,
	};
	static struct cf_numplan plan;
	struct cf_sip_reply_params p;
	struct cf_sip_msg msg, parsed;
	struct cf_call call;
	enum cf_sip_answer kind;
	int err, n, m, e, want;
	ssize_t rc;
	unsigned int i;
	char *buf;

	if (!plan.cc_len && cf_numplan_default(&plan, "44", NULL) != 0)
		abort();
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	kind = cf_sip_answer_kind(buf, size, &msg, &plan, &call, &err);
	if ((unsigned int)kind >= CF_SIP_ANSWER__COUNT || err < 0 ||
	    err >= CF_SIP_ERR__COUNT)
		abort();
	/* msg.len says whether the datagram parsed. */
	if ((msg.len != 0) != (cf_sip_parse(&parsed, buf, size, 0) > 0))
		abort();
	n = cf_sip_answer_reply(out, OUT_SIZE, kind, buf, size, &msg, err);
	switch (kind) {
	case CF_SIP_ANSWER_NONE:
	case CF_SIP_ANSWER_JUDGE:
		if (n != -1)
			abort();
		break;
	default:
		check_reply(out, n, -1, 0, kind == CF_SIP_ANSWER_BAD_REQUEST ||
					   kind == CF_SIP_ANSWER_BAD_VERSION);
		break;
	}

	/* The 400 from bytes, whatever they are. */
	n = cf_sip_reply_bad_request(out, OUT_SIZE, buf, size,
				     CF_SIP_ERR_BAD_URI);
	if (n >= 0) {
		check_reply(out, n, -1, 0, 1);
		if ((size_t)n > CF_SIP_REPLY_ECHO_BOUND(size, CF_SIP_VIA_MAX) +
					CF_SIP_REPLY_FIXED_MAX)
			abort();
	}

	rc = cf_sip_parse(&msg, buf, size, 0);
	if (rc > 0 && msg.request && msg.method != CF_SIP_METHOD_ACK) {
		/* The same 400 from the parse: the bytes and the parse agree
		 * on every Via. */
		m = cf_sip_reply_bad_msg(out2, OUT_SIZE, &msg, CF_SIP_ERR_BAD_URI);
		if (m < 0 || m != n || memcmp(out, out2, (size_t)n))
			abort();
		check_reply(out2, m, msg.n_via, 0, 0);

		e = cf_sip_reply_echo(echo, sizeof(echo), &msg);
		if (e >= 0 && (size_t)e > CF_SIP_REPLY_ECHO_BOUND(msg.hdr_len,
								   msg.n_via))
			abort();

		/* Every kind of reply. */
		for (i = 0; i < 4 + 7; i++) {
			switch (i) {
			case 0: case 1: case 2: case 3:
				cf_sip_reply_for_verdict(&p, CF_ACTION_BLOCK,
							 blocks[i], "r");
				break;
			case 4:
				cf_sip_reply_allow(&p);
				break;
			case 5:
				cf_sip_reply_for_verdict(&p, CF_ACTION_SUSPECT,
							 CF_REPLY_NONE, "wangiri");
				break;
			case 6:
				cf_sip_reply_for_verdict(&p, CF_ACTION_HIDE,
							 CF_REPLY_NONE, NULL);
				break;
			case 7:
				cf_sip_reply_options(&p);
				break;
			case 8:
				cf_sip_reply_not_allowed(&p);
				break;
			case 9:
				cf_sip_reply_unavailable(&p);
				break;
			default:
				memset(&p, 0, sizeof(p));
				p.code = 200;
				break;
			}
			n = cf_sip_reply(out, OUT_SIZE, &msg, &p);
			if (n < 0) {
				/* Only a To that does not parse, or a 302
				 * whose Request-URI makes no Contact. */
				if (e >= 0 && !p.contact_ruri)
					abort();
				if (kind == CF_SIP_ANSWER_JUDGE)
					abort();
				continue;
			}
			want = p.contact_ruri ? 1 : 0;
			check_reply(out, n, msg.n_via, want, 0);
			/* Two steps give the same bytes. */
			if (e < 0)
				abort();
			m = cf_sip_reply_finish(out2, OUT_SIZE, echo, (size_t)e,
						msg.ruri.p, msg.ruri.len, &p);
			if (m != n || memcmp(out, out2, (size_t)n))
				abort();
		}
		check_contact(msg.ruri.p, msg.ruri.len);
	}

	/* The Contact builder on any bytes as a URI. */
	check_contact(buf, size);
	free(buf);
	return 0;
}
