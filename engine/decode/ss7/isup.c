/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ITU-T ISUP (Q.763) message decoder.
 *
 * A message is: CIC (2 octets, 12 bits used; absent in SIP-I bodies),
 * message type, the mandatory fixed part, one pointer per mandatory
 * variable parameter, a pointer to the optional part, then the parameters
 * (Q.763 §1.3, Figure 3).  Pointers count from the pointer octet itself.
 * The optional part is a list of code, length, value ended by code 0.
 *
 * Every pointer and length is checked against the message before it is
 * followed; a number's digits are checked one address signal at a time.
 */

#include <string.h>

#include <callfence/ss7.h>

#include "ss7_int.h"

/* What the decoder knows of a message type (Q.763 Tables 32-50). */
struct isup_msg_desc {
	const char *name;
	uint8_t fixed;		/* octets of the mandatory fixed part */
	uint8_t var_code;	/* its one mandatory variable parameter */
	bool decoded;		/* layout known to this decoder */
};

#define DECODED(n, f, v) { .name = n, .fixed = f, .var_code = v, \
			   .decoded = true }

static const struct isup_msg_desc msg_desc[256] = {
	/* IAM: nature of connection, forward call indicators (2), calling
	 * party's category, transmission medium requirement; V: called. */
	[CF_ISUP_IAM]	= DECODED("IAM", 5, CF_ISUP_PAR_CALLED),
	[CF_ISUP_ACM]	= DECODED("ACM", 2, 0),	/* backward call ind. */
	[CF_ISUP_CON]	= DECODED("CON", 2, 0),	/* backward call ind. */
	[CF_ISUP_ANM]	= DECODED("ANM", 0, 0),
	[CF_ISUP_CPG]	= DECODED("CPG", 1, 0),	/* event information */
	[CF_ISUP_REL]	= DECODED("REL", 0, CF_ISUP_PAR_CAUSE),
	[CF_ISUP_RLC]	= DECODED("RLC", 0, 0),
	[CF_ISUP_SAM]	= { .name = "SAM" },
	[0x03]		= { .name = "INR" },
	[0x04]		= { .name = "INF" },
	[CF_ISUP_COT]	= { .name = "COT" },
	[0x08]		= { .name = "FOT" },
	[CF_ISUP_SUS]	= { .name = "SUS" },
	[CF_ISUP_RES]	= { .name = "RES" },
	[0x11]		= { .name = "CCR" },
	[0x12]		= { .name = "RSC" },
	[0x13]		= { .name = "BLO" },
	[0x14]		= { .name = "UBL" },
	[0x15]		= { .name = "BLA" },
	[0x16]		= { .name = "UBA" },
	[0x17]		= { .name = "GRS" },
	[0x18]		= { .name = "CGB" },
	[0x19]		= { .name = "CGU" },
	[0x1a]		= { .name = "CGBA" },
	[0x1b]		= { .name = "CGUA" },
	[0x1f]		= { .name = "FAR" },
	[0x20]		= { .name = "FAA" },
	[0x21]		= { .name = "FRJ" },
	[0x24]		= { .name = "LPA" },
	[0x28]		= { .name = "PAM" },
	[0x29]		= { .name = "GRA" },
	[0x2a]		= { .name = "CQM" },
	[0x2b]		= { .name = "CQR" },
	[0x2d]		= { .name = "USR" },
	[0x2e]		= { .name = "UCIC" },
	[CF_ISUP_CFN]	= { .name = "CFN" },
	[0x30]		= { .name = "OLM" },
	[0x31]		= { .name = "CRG" },
	[0x32]		= { .name = "NRM" },
	[0x33]		= { .name = "FAC" },
	[0x34]		= { .name = "UPT" },
	[0x35]		= { .name = "UPA" },
	[0x36]		= { .name = "IDR" },
	[0x37]		= { .name = "IRS" },
	[0x38]		= { .name = "SGM" },
};

/* How the second octet of a number parameter is laid out. */
#define NF_INN		0x01	/* bit 8: internal network number ind. */
#define NF_NI		0x02	/* bit 8: number incomplete indicator */
#define NF_APRI		0x04	/* bits 3-4: presentation restricted */
#define NF_SI		0x08	/* bits 1-2: screening */

enum param_kind {
	PK_IGNORE = 0,		/* recorded in opt_codes, not decoded */
	PK_NUMBER,
	PK_GENERIC,
	PK_REDIR_INFO,
	PK_CAUSE,
	PK_HOP_COUNTER,
};

struct isup_param_desc {
	uint8_t kind;		/* enum param_kind */
	uint8_t num;		/* enum cf_isup_num for PK_NUMBER */
	uint8_t fmt;		/* NF_* for numbers */
	uint8_t min_len;	/* shorter is CF_SS7_ERR_BAD_LENGTH */
};

static const struct isup_param_desc param_desc[256] = {
	[CF_ISUP_PAR_CALLED] = {		/* §3.9 */
		PK_NUMBER, CF_ISUP_NUM_CALLED, NF_INN, 2 },
	[CF_ISUP_PAR_CALLING] = {		/* §3.10 */
		PK_NUMBER, CF_ISUP_NUM_CALLING, NF_NI | NF_APRI | NF_SI, 2 },
	[CF_ISUP_PAR_REDIRECTING] = {		/* §3.44 */
		PK_NUMBER, CF_ISUP_NUM_REDIRECTING, NF_APRI, 2 },
	[CF_ISUP_PAR_ORIGINAL_CALLED] = {	/* §3.39 */
		PK_NUMBER, CF_ISUP_NUM_ORIGINAL_CALLED, NF_APRI, 2 },
	[CF_ISUP_PAR_LOCATION] = {		/* §3.30 */
		PK_NUMBER, CF_ISUP_NUM_LOCATION, NF_INN | NF_APRI | NF_SI, 2 },
	[CF_ISUP_PAR_CALLED_IN] = {		/* §3.73 */
		PK_NUMBER, CF_ISUP_NUM_CALLED_IN, NF_APRI, 2 },
	[CF_ISUP_PAR_GENERIC_NUMBER] = {	/* §3.26 */
		PK_GENERIC, 0, NF_NI | NF_APRI | NF_SI, 3 },
	/* §3.45 defines 2 octets; the second is read when present. */
	[CF_ISUP_PAR_REDIRECTION_INFO] = { PK_REDIR_INFO, 0, 0, 1 },
	[CF_ISUP_PAR_CAUSE] = { PK_CAUSE, 0, 0, 2 },	/* Q.850 §2.1 */
	[CF_ISUP_PAR_HOP_COUNTER] = { PK_HOP_COUNTER, 0, 0, 1 },
};

static const char *const num_names[CF_ISUP_NUM__COUNT] = {
	[CF_ISUP_NUM_CALLED]		= "called",
	[CF_ISUP_NUM_CALLING]		= "calling",
	[CF_ISUP_NUM_REDIRECTING]	= "redirecting",
	[CF_ISUP_NUM_ORIGINAL_CALLED]	= "original_called",
	[CF_ISUP_NUM_LOCATION]		= "location",
	[CF_ISUP_NUM_CALLED_IN]		= "called_in",
};

const char *
cf_isup_msg_name(unsigned int type)
{
	return type < 256 && msg_desc[type].name ? msg_desc[type].name : "?";
}

const char *
cf_isup_num_name(enum cf_isup_num num)
{
	return SS7_NAME_OF(num_names, num);
}

/* Address signals allowed in a number (Q.763 §3.9 d): digits 0-9, code 11
 * and code 12.  10, 13 and 14 are spare; 15 (ST) only ends a number. */
#define VALID_SIGNALS	0x1bffu
#define SIGNAL_ST	0xf

/*
 * Each octet as its two address signals in text, low nibble first, with
 * osmo_bcd2char()'s mapping (hex for 10-15), and whether it holds a signal
 * that is not valid: one table load per octet.
 */
#define SIG_CHAR(v)	((char)((v) < 10 ? '0' + (v) : 'A' + (v) - 10))
#define SIG_BAD(v)	(!((VALID_SIGNALS >> (v)) & 1))
#define OCTET(b)	{ { SIG_CHAR((b) & 15), SIG_CHAR((b) >> 4) }, \
			  SIG_BAD((b) & 15) || SIG_BAD((b) >> 4) }
#define OCTET4(b)	OCTET(b), OCTET((b) + 1), OCTET((b) + 2), OCTET((b) + 3)
#define OCTET16(b)	OCTET4(b), OCTET4((b) + 4), OCTET4((b) + 8), \
			OCTET4((b) + 12)
#define OCTET64(b)	OCTET16(b), OCTET16((b) + 16), OCTET16((b) + 32), \
			OCTET16((b) + 48)

static const struct {
	char c[2];
	bool bad;
} octet_signals[256] = {
	OCTET64(0), OCTET64(64), OCTET64(128), OCTET64(192),
};

/*
 * Read the address signals: @n octets, two signals each, first signal in
 * the low nibble; with @odd set the last high nibble is filler.
 *
 * This is osmo_bcd2str(dst, size, d, 0, nib, true) fused with the validity
 * check: the libosmocore call converts one nibble per call of
 * osmo_bcd2char() and was a third of the whole IAM decode time.  The unit
 * tests compare every number against osmo_bcd2str().
 */
static uint8_t
decode_digits(const uint8_t *d, size_t n, bool odd, struct cf_isup_number *num)
{
	size_t nib = n * 2, keep, i;
	bool bad = false;
	char *out = num->digits;
	uint8_t last;

	if (odd && nib > 0)
		nib--;
	num->st = false;
	if (nib > 0) {
		last = (nib & 1) ? d[nib >> 1] & 0x0f : d[(nib - 1) >> 1] >> 4;
		if (last == SIGNAL_ST) {
			num->st = true;
			nib--;
		}
	}
	keep = nib < CF_ISUP_DIGITS_KEEP ? nib : CF_ISUP_DIGITS_KEEP;
	/* Whole octets, then a half-used last octet on its own. */
	for (i = 0; i + 1 < keep; i += 2) {
		memcpy(out + i, octet_signals[d[i >> 1]].c, 2);
		bad |= octet_signals[d[i >> 1]].bad;
	}
	if (i < keep) {
		out[i] = octet_signals[d[i >> 1]].c[0];
		bad |= SIG_BAD(d[i >> 1] & 15);
	}
	out[keep] = '\0';
	/* Signals past what is kept are still checked. */
	for (i = keep; i < nib; i++)
		bad |= SIG_BAD((i & 1) ? d[i >> 1] >> 4 : d[i >> 1] & 15);
	num->ndigits = nib < 255 ? (uint8_t)nib : 255;

	if (bad)
		return CF_SS7_ERR_BAD_BCD;
	if (nib > CF_ISUP_DIGITS_MAX)
		return CF_SS7_ERR_TOO_MANY_DIGITS;
	return CF_SS7_OK;
}

/* A number parameter from its nature-of-address octet on (@p, @len >= 2). */
static void
decode_number(const uint8_t *p, size_t len, uint8_t fmt,
	      struct cf_isup_number *num, struct cf_isup_msg *msg)
{
	uint8_t b = p[1];

	num->odd = p[0] >> 7;
	num->nai = p[0] & 0x7f;
	num->npi = (b >> 4) & 0x07;
	num->inn = (fmt & NF_INN) ? b >> 7 : CF_ISUP_IND_ABSENT;
	num->ni = (fmt & NF_NI) ? b >> 7 : CF_ISUP_IND_ABSENT;
	num->apri = (fmt & NF_APRI) ? (b >> 2) & 0x03 : CF_ISUP_IND_ABSENT;
	num->si = (fmt & NF_SI) ? b & 0x03 : CF_ISUP_IND_ABSENT;
	num->err = decode_digits(p + 2, len - 2, num->odd, num);
	if (num->err && !msg->num_err)
		msg->num_err = num->err;
}

/* One parameter, mandatory or optional, already bounds-checked. */
static int
decode_param(uint8_t code, const uint8_t *p, size_t len,
	     struct cf_isup_msg *msg)
{
	const struct isup_param_desc *d = &param_desc[code];
	struct cf_isup_number *num;
	size_t i;

	if (d->kind == PK_IGNORE)
		return 0;
	if (len < d->min_len)
		return -CF_SS7_ERR_BAD_LENGTH;

	switch (d->kind) {
	case PK_NUMBER:
		/* A repeated parameter: the first one counts. */
		if (cf_isup_has(msg, d->num))
			break;
		decode_number(p, len, d->fmt, &msg->num[d->num], msg);
		msg->num[d->num].nqi = CF_ISUP_IND_ABSENT;
		msg->present |= 1u << d->num;
		break;
	case PK_GENERIC:
		/* Generic Number repeats by design (one per qualifier). */
		if (msg->n_generic >= CF_ISUP_GENERIC_MAX)
			break;
		num = &msg->generic[msg->n_generic++];
		decode_number(p + 1, len - 1, d->fmt, num, msg);
		num->nqi = p[0];
		break;
	case PK_REDIR_INFO:
		if (cf_isup_has(msg, CF_ISUP_HAS_REDIR_INFO))
			break;
		msg->redir.indicator = p[0] & 0x07;
		msg->redir.orig_reason = p[0] >> 4;
		msg->redir.counter = len > 1 ? p[1] & 0x07 : 0;
		msg->redir.reason = len > 1 ? p[1] >> 4 : 0;
		msg->present |= 1u << CF_ISUP_HAS_REDIR_INFO;
		break;
	case PK_CAUSE:
		if (cf_isup_has(msg, CF_ISUP_HAS_CAUSE))
			break;
		/* Octet 1: ext, coding standard, spare, location; octet 1a
		 * (recommendation) follows when ext is 0 (Q.850 §2.2.2). */
		i = (p[0] & 0x80) ? 1 : 2;
		if (len <= i)
			return -CF_SS7_ERR_BAD_LENGTH;
		msg->cause.location = p[0] & 0x0f;
		msg->cause.coding = (p[0] >> 5) & 0x03;
		msg->cause.value = p[i] & 0x7f;
		msg->present |= 1u << CF_ISUP_HAS_CAUSE;
		break;
	case PK_HOP_COUNTER:
		msg->hop_counter = p[0] & 0x1f;	/* §3.80: 5 bits */
		msg->present |= 1u << CF_ISUP_HAS_HOP_COUNTER;
		break;
	}
	return 0;
}

/* The optional part from @off to its end-of-optional-parameters octet.
 * Returns the offset after that octet. */
static int
decode_optional(const uint8_t *buf, size_t len, size_t off,
		struct cf_isup_msg *msg)
{
	for (;;) {
		uint8_t code, plen;
		int rc;

		if (off >= len)
			return -CF_SS7_ERR_TRUNCATED;
		code = buf[off];
		if (msg->n_opt < CF_ISUP_OPT_CODES_MAX)
			msg->opt_codes[msg->n_opt] = code;
		if (msg->n_opt < UINT8_MAX)
			msg->n_opt++;
		if (code == CF_ISUP_PAR_END)
			return (int)(off + 1);
		if (len - off < 2)
			return -CF_SS7_ERR_TRUNCATED;
		plen = buf[off + 1];
		if (len - off - 2 < plen)
			return -CF_SS7_ERR_BAD_LENGTH;
		rc = decode_param(code, buf + off + 2, plen, msg);
		if (rc < 0)
			return rc;
		off += 2 + (size_t)plen;
	}
}

int
cf_isup_decode(const uint8_t *buf, size_t len, unsigned int flags,
	       struct cf_isup_msg *msg)
{
	const struct isup_msg_desc *d;
	size_t off = 0, end, ptrs, t;
	const uint8_t *f;
	int rc;

	msg->present = 0;
	msg->n_generic = 0;
	msg->num_err = 0;
	msg->n_opt = 0;
	msg->has_cic = !(flags & CF_ISUP_F_NO_CIC);
	msg->cic = 0;
	if (msg->has_cic) {
		if (len < 2)
			return -CF_SS7_ERR_TRUNCATED;
		/* 12 bits, first octet least significant (§1.2); the
		 * spare top 4 bits are national use. */
		msg->cic = (uint16_t)((buf[0] | buf[1] << 8) & 0x0fff);
		off = 2;
	}
	if (off >= len)
		return -CF_SS7_ERR_TRUNCATED;
	msg->type = buf[off++];
	d = &msg_desc[msg->type];
	if (!d->decoded)
		return -CF_SS7_ERR_UNSUPPORTED_MSG;

	/* Mandatory fixed part, then a pointer per mandatory variable
	 * parameter and one to the optional part: all present in every
	 * message type decoded here. */
	ptrs = (d->var_code ? 1 : 0) + 1;
	if (len - off < d->fixed + ptrs)
		return -CF_SS7_ERR_TRUNCATED;
	f = buf + off;
	switch (msg->type) {
	case CF_ISUP_IAM:
		msg->nature_of_conn = f[0];
		msg->fwd_call_ind = (uint16_t)(f[1] | f[2] << 8);
		msg->calling_category = f[3];
		msg->tmr = f[4];
		break;
	case CF_ISUP_ACM:
	case CF_ISUP_CON:
		msg->bwd_call_ind = (uint16_t)(f[0] | f[1] << 8);
		break;
	case CF_ISUP_CPG:
		msg->event_info = f[0];
		break;
	}
	off += d->fixed;
	end = off + ptrs;

	if (d->var_code) {
		uint8_t plen;

		/* A pointer may not point back into the pointers (or be 0,
		 * which only the optional-part pointer may be). */
		t = off + buf[off];
		if (t < off + ptrs || t >= len)
			return -CF_SS7_ERR_BAD_POINTER;
		plen = buf[t];
		if (len - t - 1 < plen)
			return -CF_SS7_ERR_BAD_LENGTH;
		if (plen < param_desc[d->var_code].min_len)
			return -CF_SS7_ERR_BAD_LENGTH;
		rc = decode_param(d->var_code, buf + t + 1, plen, msg);
		if (rc < 0)
			return rc;
		if (t + 1 + plen > end)
			end = t + 1 + plen;
		off++;
	}

	/* Optional part pointer: 0 means no optional part (§1.3.3). */
	if (buf[off]) {
		t = off + buf[off];
		if (t < off + 1 || t >= len)
			return -CF_SS7_ERR_BAD_POINTER;
		rc = decode_optional(buf, len, t, msg);
		if (rc < 0)
			return rc;
		if ((size_t)rc > end)
			end = (size_t)rc;
	}
	if (end > INT32_MAX)
		return -CF_SS7_ERR_BAD_LENGTH;
	return (int)end;
}
