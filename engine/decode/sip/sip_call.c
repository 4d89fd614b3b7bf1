/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * From a parsed SIP message to the call record rules read.
 *
 * Which header names which party follows how carriers use them: the
 * network-asserted identity (RFC 3325) before the user-supplied From, the
 * Request-URI (where the call is routed) before To (what the caller
 * dialled, possibly long ago), Diversion (RFC 5806) before History-Info
 * (RFC 7044) because gateways to ISUP still write Diversion.
 */

#include <string.h>

#include <callfence/sip.h>

#include "sip_private.h"

/* Bytes of a number's text before normalisation: far more than the 15
 * digits of E.164, so visual separators and a phone-context fit. */
#define SIP_NUM_MAX	64

/*
 * Q.850 cause of a final failure response, after RFC 3398 §8.2.6.1
 * (which maps ISUP to SIP; this is its inverse where it is one-to-one).
 * Codes not listed map to 127, interworking unspecified.
 */
static const struct {
	uint16_t status;
	uint8_t cause;
} sip_causes[] = {
	{ 400, 41 }, { 401, 21 }, { 402, 21 }, { 403, 21 }, { 404, 1 },
	{ 405, 63 }, { 406, 79 }, { 407, 21 }, { 408, 102 }, { 410, 22 },
	{ 480, 18 }, { 481, 41 }, { 482, 25 }, { 483, 25 }, { 484, 28 },
	{ 485, 1 }, { 486, 17 }, { 487, 16 }, { 500, 41 }, { 501, 79 },
	{ 502, 38 }, { 503, 41 }, { 504, 102 }, { 600, 17 }, { 603, 21 },
	{ 604, 1 }, { 606, 58 }, { 608, 21 },
};

static uint16_t
sip_release_cause(uint16_t status)
{
	size_t i;

	for (i = 0; i < sizeof(sip_causes) / sizeof(sip_causes[0]); i++)
		if (sip_causes[i].status == status)
			return sip_causes[i].cause;
	return 127;
}

/*
 * Record the number @uri carries as @role.  The normaliser reads the
 * %-decoded text; raw keeps the user part as received, as the comment of
 * cf_sip_to_call() promises.  Returns false, the party left absent (not
 * present, raw empty, as cf_call_reset() made it), when the URI has no
 * user part or an empty one: a From of <sip:example.com> carries no
 * number, like an IAM without a Calling Party Number.  A user part that
 * is not a number ("alice", "anonymous", "-") is present and does not
 * normalise.
 */
static bool
sip_set_party(struct cf_call *call, enum cf_party_role role,
	      const struct cf_numplan *plan, const struct cf_sip_uri *uri)
{
	struct cf_party *party = &call->party[role];
	char num[SIP_NUM_MAX];
	size_t keep;
	int n;

	n = sip_uri_number(uri, plan, num, sizeof(num));
	if (n <= 0)
		return false;
	if ((size_t)n >= sizeof(num))
		n = sizeof(num) - 1;	/* already too long for E.164 */
	cf_call_set_party(call, role, plan, num, (size_t)n, CF_NAI_UNKNOWN);

	if (uri->user.len != (uint32_t)n ||
	    memcmp(uri->user.p, num, (size_t)n)) {
		keep = uri->user.len < CF_RAW_MAX - 1 ? uri->user.len :
							CF_RAW_MAX - 1;
		memcpy(party->raw, uri->user.p, keep);
		party->raw[keep] = '\0';
		party->raw_len = (uint8_t)keep;
		party->raw_truncated = keep < uri->user.len;
	}
	return true;
}

/* An address header value's URI, or NULL if it does not parse. */
static const struct cf_sip_uri *
sip_addr_uri(const struct cf_sip_msg *msg, const struct cf_sip_span *v,
	     struct cf_sip_addr *addr)
{
	const struct cf_sip_addr *a;

	if (!v->len || !(a = sip_msg_addr(msg, v, addr, 0)))
		return NULL;
	return &a->uri;
}

/* RFC 3323 §4.2: "id" (RFC 3325), "header" and "user" hide the caller;
 * "none" and "session" do not. */
static bool
sip_privacy_restricted(const struct cf_sip_msg *msg)
{
	const char *p;
	size_t i, j, len;
	unsigned k;

	for (k = 0; k < msg->n_privacy; k++) {
		p = msg->privacy[k].p;
		len = msg->privacy[k].len;
		for (i = 0; i < len; i = j + 1) {
			while (i < len && (p[i] == ';' || p[i] == ',' ||
					   sip_is(p[i], SIP_C_LWS)))
				i++;
			for (j = i; j < len && sip_is(p[j], SIP_C_TOKEN); j++)
				;
			if ((j - i == 2 && sip_ieq(p + i, "id", 2)) ||
			    (j - i == 4 && sip_ieq(p + i, "user", 4)) ||
			    (j - i == 6 && sip_ieq(p + i, "header", 6)))
				return true;
		}
	}
	return false;
}

/* ---- History-Info (RFC 7044) ----------------------------------------- */

/* What an hi-entry's tags say of how its target came to be (§4.2.2):
 * "mp", another user than the one retargeted from (call forwarding);
 * "rc", a contact of the same user; "np", no change.  A cause URI
 * parameter (RFC 4458) in the target names why a call was diverted to
 * it.  An entry of none of these is of an element that writes no tags
 * (RFC 4244). */
enum {
	HI_MP = 1 << 0,
	HI_RC = 1 << 1,
	HI_NP = 1 << 2,
	HI_CAUSE = 1 << 3,
};

/*
 * An index-val (1*DIGIT *("." 1*DIGIT)).  Real ones are short and small
 * ("1.1.2"): they pack into @key, a byte a number (the number plus one,
 * the first in the top byte, zeros after the last), so that order and
 * parenthood are integer compares.  One that does not pack (a number
 * over 254, more than 8 of them) has key 0 and is compared as text.
 */
struct hi_index {
	struct cf_sip_span text;	/* p NULL: none, or not an index-val */
	uint64_t key;
};

struct hi_entry {
	struct cf_sip_addr addr;	/* the entry, parsed */
	struct hi_index index;
	struct hi_index mp;		/* the value of mp, when an index */
	uint8_t tags;			/* HI_* */
};

/* What History-Info says (hi_read(), hi_parties()): its entries that
 * parse, and which of them name the parties. */
struct hi_info {
	struct hi_entry e[CF_SIP_HISTORY_MAX];
	unsigned n;			/* entries that parse */
	const struct cf_sip_addr *redirecting;	/* last diverting party */
	const struct cf_sip_addr *original;	/* first, after two */
	bool diverted;			/* at least one diversion */
};

/* @v read as an index-val into @x; false when it is not one. */
static bool
hi_index_of(const struct cf_sip_span *v, struct hi_index *x)
{
	uint64_t key = 0;
	unsigned num = 0, count = 0;
	bool digit = false, packs = true;
	uint32_t i;

	x->text.p = NULL;
	x->key = 0;
	for (i = 0; i <= v->len; i++) {
		if (i < v->len && sip_is(v->p[i], SIP_C_DIGIT)) {
			digit = true;
			if (num < 1000)
				num = num * 10 + (unsigned)(v->p[i] - '0');
			continue;
		}
		if (!digit || (i < v->len && v->p[i] != '.'))
			return false;
		if (num > 254 || count == 8)
			packs = false;
		else
			key |= (uint64_t)(num + 1) << (56 - 8 * count);
		count++;
		digit = false;
		num = 0;
	}
	x->text = *v;
	x->key = packs ? key : 0;
	return true;
}

/* The next number of index-val @v from *@i on, its leading zeros not
 * counted, saturated; false at the end. */
static bool
hi_index_next(const struct cf_sip_span *v, uint32_t *i, uint32_t *num)
{
	uint32_t n = 0;

	if (*i >= v->len)
		return false;
	for (; *i < v->len && v->p[*i] != '.'; (*i)++)
		n = n > 100000000 ? n : n * 10 + (uint32_t)(v->p[*i] - '0');
	(*i)++;		/* past the '.' */
	*num = n;
	return true;
}

/* Order of two indexes: number by number, a parent (a prefix) before
 * its children, "1.2" before "1.10".  *@prefix says whether @a is @b or
 * one of its parents: the entries @b's request was retargeted through. */
static int
hi_index_cmp(const struct hi_index *a, const struct hi_index *b,
	     bool *prefix)
{
	uint32_t i = 0, j = 0, x, y;
	bool more_a, more_b;

	if (a->key && b->key) {
		/* @a's bytes are its top ones, down to its lowest set. */
		unsigned low = (unsigned)__builtin_ctzll(a->key) & ~7u;
		uint64_t mask = ~((1ULL << low) - 1);

		*prefix = (b->key & mask) == a->key;
		return a->key < b->key ? -1 : a->key > b->key;
	}
	for (;;) {
		more_a = hi_index_next(&a->text, &i, &x);
		more_b = hi_index_next(&b->text, &j, &y);
		if (!more_a || !more_b) {
			*prefix = !more_a;
			return more_a - more_b;
		}
		if (x != y) {
			*prefix = false;
			return x < y ? -1 : 1;
		}
	}
}

/* The hi-entries of @msg that parse into @hi, with their index and tags.
 * Returns whether every one has an index. */
static bool
hi_read(const struct cf_sip_msg *msg, struct hi_info *hi)
{
	struct cf_sip_span name, v;
	bool indexed = true;
	unsigned i;
	size_t pos;

	hi->n = 0;
	for (i = 0; i < msg->n_history; i++) {
		struct hi_entry *h = &hi->e[hi->n];
		bool index = false;

		if (sip_parse_addr(msg->history[i].p, msg->history[i].len,
				   &h->addr, 0) < 0)
			continue;
		h->tags = 0;
		h->index.text.p = NULL;
		h->mp.text.p = NULL;
		/* One pass over the header parameters, the first of each
		 * name as cf_sip_param() would find it. */
		pos = 0;
		while (sip_param_next(&h->addr.params, &pos, &name, &v)) {
			if (sip_span_ieq(&name, "index", 5)) {
				if (!index)
					hi_index_of(&v, &h->index);
				index = true;
			} else if (sip_span_ieq(&name, "mp", 2)) {
				if (!(h->tags & HI_MP))
					hi_index_of(&v, &h->mp);
				h->tags |= HI_MP;
			} else if (sip_span_ieq(&name, "rc", 2)) {
				h->tags |= HI_RC;
			} else if (sip_span_ieq(&name, "np", 2)) {
				h->tags |= HI_NP;
			}
		}
		if (!h->index.text.p)
			indexed = false;
		if (h->addr.uri.params.len &&
		    cf_sip_param(&h->addr.uri.params, "cause", &v))
			h->tags |= HI_CAUSE;
		hi->n++;
	}
	return indexed;
}

/*
 * Read History-Info as RFC 7044 §10 reads it (RFC 7544 maps it to
 * Diversion the same way).  The entries are ordered by index, whatever
 * the order they came in: an index names a retarget by its parent's
 * index and one more number (1, 1.1, 1.1.1; 1.2 is the second branch
 * tried from 1).  The request's own target is the last entry; the
 * entries it was retargeted through are its parents.  A parent whose
 * child is a diversion, tagged mp or with a cause, is a diverting party:
 * the one mp names, or the parent before it.  rc and np entries are the
 * same user and divert nothing; an entry with no tag at all (RFC 4244)
 * may be either and is read as a diversion, as the topmost Diversion
 * would have been.  The redirecting party is the one of the last
 * diversion; the original called party, the first entry, is named only
 * after two diversions or more, as ISUP's Original Called Number
 * (Q.763 §3.39) is: after one, it is the redirecting party.  Entries
 * without an index (RFC 4244, or a non-conformant element) are read in
 * the order of the message, each a child of the one before.
 */
static void
hi_parties(const struct cf_sip_msg *msg, struct hi_info *hi)
{
	uint8_t ord[CF_SIP_HISTORY_MAX], path[CF_SIP_HISTORY_MAX], t;
	unsigned i, j, n, np = 0, diversions = 0;
	const struct hi_entry *e = hi->e, *d;
	bool indexed, prefix;
	int last = -1;

	hi->redirecting = NULL;
	hi->original = NULL;
	hi->diverted = false;
	indexed = hi_read(msg, hi);
	n = hi->n;
	if (n < 2)
		return;
	for (i = 0; i < n; i++)
		ord[i] = (uint8_t)i;
	if (indexed) {
		/* Insertion sort, stable: at most CF_SIP_HISTORY_MAX. */
		for (i = 1; i < n; i++) {
			t = ord[i];
			for (j = i; j > 0 && hi_index_cmp(&e[ord[j - 1]].index,
							  &e[t].index,
							  &prefix) > 0; j--)
				ord[j] = ord[j - 1];
			ord[j] = t;
		}
		for (i = 0; i < n; i++) {
			hi_index_cmp(&e[ord[i]].index, &e[ord[n - 1]].index,
				     &prefix);
			if (prefix)
				path[np++] = ord[i];
		}
	}
	/* No index, or numbered flat (1, 2, 3): one chain, in order. */
	if (np < 2)
		for (np = 0; np < n; np++)
			path[np] = ord[np];

	for (i = 1; i < np; i++) {
		uint8_t tags = e[path[i]].tags;

		if (tags & (HI_MP | HI_CAUSE) || !(tags & (HI_RC | HI_NP))) {
			diversions++;
			last = (int)i;
		}
	}
	if (last < 0)
		return;
	hi->diverted = true;
	/* mp names the parent retargeted from (§4.2.2.1): it is the one
	 * before on the chain, unless entries were left out (privacy,
	 * §10.1.2) or the numbering is flat. */
	d = &e[path[last - 1]];
	if (e[path[last]].mp.text.p && indexed) {
		for (i = 0; i < (unsigned)last; i++) {
			if (!hi_index_cmp(&e[path[i]].index, &e[path[last]].mp,
					  &prefix)) {
				d = &e[path[i]];
				break;
			}
		}
	}
	hi->redirecting = &d->addr;
	if (diversions >= 2)
		hi->original = &e[path[0]].addr;
}

static int
sip_event(const struct cf_sip_msg *msg, struct cf_call *call)
{
	if (msg->request) {
		switch (msg->method) {
		case CF_SIP_METHOD_INVITE:
			call->event = CF_EVENT_SETUP;
			return 0;
		case CF_SIP_METHOD_BYE:
		case CF_SIP_METHOD_CANCEL:
			/* Normal clearing; a Reason header could say more.
			 * Only an established dialog has a BYE. */
			call->event = CF_EVENT_RELEASE;
			call->release_cause = 16;
			call->answered = msg->method == CF_SIP_METHOD_BYE;
			return 0;
		}
		return -CF_SIP_ERR_NO_CALL_EVENT;
	}
	/* A 3xx redirects: the call goes on (a proxy recurses to the
	 * Contact, as an SBC does with a screening server's 302), so it is
	 * no release. */
	if (msg->method != CF_SIP_METHOD_INVITE || msg->status < 200 ||
	    (msg->status >= 300 && msg->status < 400))
		return -CF_SIP_ERR_NO_CALL_EVENT;
	if (msg->status < 300) {
		call->event = CF_EVENT_ANSWER;
	} else {
		call->event = CF_EVENT_RELEASE;
		call->release_cause = sip_release_cause(msg->status);
	}
	return 0;
}

int
cf_sip_to_call(const struct cf_sip_msg *msg, const struct cf_numplan *plan,
	       struct cf_call *call)
{
	const struct cf_sip_uri *uri;
	struct cf_sip_addr addr;
	struct cf_sip_uri tmp;
	bool caller = false;
	unsigned i;
	int rc;

	rc = sip_event(msg, call);
	if (rc < 0)
		return rc;
	call->proto = CF_PROTO_SIP;
	cf_call_set_sip_ref(call, msg->call_id.p, msg->call_id.len);

	/* Caller: a PAI that does not parse or carries no number (a sip:
	 * URI naming a user, say) is passed over, not an error. */
	for (i = 0; i < msg->n_pai && !caller; i++) {
		uri = sip_addr_uri(msg, &msg->pai[i], &addr);
		if (uri && cf_sip_uri_has_number(uri))
			caller = sip_set_party(call, CF_PARTY_CALLER, plan, uri);
	}
	if (!caller) {
		uri = sip_addr_uri(msg, &msg->from, &addr);
		if (!uri)
			return -CF_SIP_ERR_BAD_URI;
		/* "anonymous" goes in too: present, normalised as withheld. */
		sip_set_party(call, CF_PARTY_CALLER, plan, uri);
	}

	/* Callee: the Request-URI, To when it names no user (or this is a
	 * response, which has no Request-URI). */
	uri = NULL;
	if (msg->request) {
		uri = cf_sip_msg_ruri(msg, &tmp);
		if (!uri)
			return -CF_SIP_ERR_BAD_URI;
		if (!uri->user.len)
			uri = NULL;
	}
	if (!uri) {
		uri = sip_addr_uri(msg, &msg->to, &addr);
		if (!uri)
			return -CF_SIP_ERR_BAD_URI;
	}
	sip_set_party(call, CF_PARTY_CALLEE, plan, uri);

	/* Redirecting: the topmost Diversion is the last diversion; else
	 * History-Info's last diverting party (hi_parties()).  One entry is
	 * just the original request, not a retarget; several that do not
	 * parse still say the call was retargeted. */
	if (msg->n_diversion) {
		call->forwarded = true;
		uri = sip_addr_uri(msg, &msg->diversion[0], &addr);
		if (uri)
			sip_set_party(call, CF_PARTY_REDIRECTING, plan, uri);
	} else if (msg->n_history > 1) {
		struct hi_info hi;

		hi_parties(msg, &hi);
		/* Entries that parse and show no diversion (rc, np) are no
		 * forwarding; entries that do not parse say nothing, and
		 * the retarget stands. */
		call->forwarded = hi.diverted || hi.n < 2;
		if (hi.redirecting)
			sip_set_party(call, CF_PARTY_REDIRECTING, plan,
				      &hi.redirecting->uri);
		if (hi.original)
			sip_set_party(call, CF_PARTY_ORIGINAL_CALLED, plan,
				      &hi.original->uri);
	}

	call->presentation = sip_privacy_restricted(msg) ? CF_PRES_RESTRICTED :
							   CF_PRES_ALLOWED;
	if (call->party[CF_PARTY_CALLER].present)
		call->party[CF_PARTY_CALLER].presentation = call->presentation;
	return 0;
}
