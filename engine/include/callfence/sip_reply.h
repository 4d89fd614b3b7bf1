/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stateless SIP replies (RFC 3261 §8.2.6): what a screening server sends
 * back for each request it answers.
 *
 * A reply copies every Via of the request in order, From, To (with a tag
 * added when the request has none), Call-ID and CSeq, then the headers of
 * its kind (Contact, Reason, Privacy, Allow, a verdict marking) and
 * Content-Length: 0.  The To tag is a hash of the request's Call-ID, From
 * tag and top Via branch, so a retransmitted request gets a byte-identical
 * reply without the server keeping any transaction state.
 *
 * The reply is built in two steps so that the core that decoded a request
 * and the core that judges it can be different: cf_sip_reply_echo() writes
 * the copied headers (the "echo block") from the parsed request, and
 * cf_sip_reply_finish() writes the whole reply from an echo block and the
 * Request-URI.  cf_sip_reply() does both.
 *
 * What to answer at all is cf_sip_answer_kind()'s: it parses a datagram
 * once and says judge (then 302 or a block reply), 200, 405, 400, 505 or
 * nothing, the same decision for every front end.
 *
 * No byte of the request reaches a reply where it could end a line: folded
 * and bare CR/LF in echoed values become one space, a value with a bare NUL
 * is not echoed, the 302 Contact is rebuilt from the parsed Request-URI
 * (cf_sip_reply_contact()), and the caller's strings (phrase, rule name,
 * Reason) lose their control bytes.
 *
 * Every function writes into a caller's buffer like snprintf (returns the
 * length the full text has; >= size means cut, and the buffer then holds a
 * NUL-terminated prefix), allocates nothing, locks nothing and may run on
 * any thread.
 *
 * Sizes.  Every echoed value is bytes of the request's header block, and
 * unfolding only shortens one; what an echo adds is its header names and
 * line ends (6 bytes a Via at most, for "v:a,b" split onto two lines) and
 * the To tag: an echo is at most CF_SIP_REPLY_ECHO_BOUND() of the request's
 * header bytes (msg->hdr_len, or the datagram's length for a 400 built
 * from bytes) and Vias, so at most CF_SIP_REPLY_ECHO_MAX for any message
 * cf_sip_parse() accepts.  A Contact is at most CF_SIP_REPLY_CONTACT_MAX()
 * of its Request-URI (an escape is 3 bytes for 1).  The rest of any reply,
 * status line, Warning, Privacy, Retry-After, Content-Length and the
 * names of the others, is under CF_SIP_REPLY_FIXED_MAX, to which add the
 * lengths of the strings in struct cf_sip_reply_params that are set.  So a
 * 400 or 505 is at most CF_SIP_REPLY_ECHO_MAX + CF_SIP_REPLY_FIXED_MAX, and
 * a 302 also CF_SIP_REPLY_CONTACT_MAX(ruri) more: a reply to a request near
 * CF_SIP_MSG_MAX may not fit a UDP datagram (65507 bytes), so check the
 * length before sending.  RFC 4475 longreq (3.5 KB, 34 Vias) has a 3.3 KB
 * echo; a 9 KB IMS INVITE with 40 Vias about 8.5 KB.
 */
#ifndef CALLFENCE_SIP_REPLY_H
#define CALLFENCE_SIP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <callfence/ruleset.h>
#include <callfence/sip.h>

#include <callfence/call.h>
#include <callfence/number.h>

/* See "Sizes" above. */
#define CF_SIP_REPLY_ECHO_BOUND(hdr_bytes, n_via) \
	((size_t)(hdr_bytes) + 6 * (size_t)(n_via) + 48)
#define CF_SIP_REPLY_ECHO_MAX \
	CF_SIP_REPLY_ECHO_BOUND(CF_SIP_MSG_MAX, CF_SIP_VIA_MAX)
#define CF_SIP_REPLY_CONTACT_MAX(ruri_len)	(3 * (size_t)(ruri_len))
#define CF_SIP_REPLY_FIXED_MAX	256

/* The methods a screening server accepts (Allow of 200 and 405). */
#define CF_SIP_REPLY_ALLOW	"INVITE, ACK, CANCEL, OPTIONS"

/* The header that marks a suspect call. */
#define CF_SIP_REPLY_VERDICT_HDR	"X-Callfence-Verdict"

/* The reply's kind: its status line and the headers after the echo. */
struct cf_sip_reply_params {
	uint16_t code;			/* 100-699 */
	const char *phrase;		/* reason phrase; NULL = standard */
	bool contact_ruri;		/* Contact: <Request-URI> (302) */
	bool privacy_id;		/* Privacy: id (hide) */
	const char *reason_hdr;		/* Reason header value, or NULL */
	const char *allow;		/* Allow header value, or NULL */
	const char *suspect_rule;	/* X-Callfence-Verdict: suspect;
					 * rule=NAME, or NULL */
	unsigned int retry_after;	/* Retry-After seconds, 0 = none */
};

/* The usual reason phrase of @code ("Moved Temporarily"), or "Unknown". */
const char *cf_sip_reply_phrase(unsigned int code);

/*
 * The reply of a verdict: allow = 302 with the Request-URI as Contact;
 * block = the rule's reply (cf_reply_info()); suspect = 302 with the
 * verdict header naming @v->rule; hide = 302 with Privacy: id.  The rule
 * name is pointed to, not copied: keep @v (or the string) alive while
 * @p is used.
 */
void cf_sip_reply_for_verdict(struct cf_sip_reply_params *p,
			      enum cf_action action, enum cf_reply reply,
			      const char *rule);

/* Fixed replies: 200 to OPTIONS (with Allow), 405 (with Allow), 503
 * (overload, fail-closed), 302 (fail-open). */
void cf_sip_reply_options(struct cf_sip_reply_params *p);
void cf_sip_reply_not_allowed(struct cf_sip_reply_params *p);
void cf_sip_reply_unavailable(struct cf_sip_reply_params *p);
void cf_sip_reply_allow(struct cf_sip_reply_params *p);

/*
 * The echo block of request @req: "Via: ..." for every Via in order,
 * From, To (tag added when missing), Call-ID, CSeq, each ending in CRLF.
 * Folded values are unfolded (each run of white space holding a line
 * break becomes one space).  Returns the length like snprintf, or -1 when
 * @req is not a request or its To header does not parse.
 */
int cf_sip_reply_echo(char *buf, size_t size, const struct cf_sip_msg *req);

/*
 * The reply: status line, the @echo_len bytes of @echo, the kind's
 * headers (Contact: <cf_sip_reply_contact(@ruri)> when asked),
 * Content-Length: 0 and the blank line.  Returns the length like snprintf,
 * or -1 when the code is out of range, or @p asks for a Contact and @ruri
 * does not make one: a call whose Request-URI cannot be sent on by a 302
 * cannot be allowed, answer it 400 (cf_sip_reply_bad_msg(), err
 * CF_SIP_ERR_BAD_URI; cf_sip_answer_kind() says so before it is judged).
 */
int cf_sip_reply_finish(char *buf, size_t size, const char *echo,
			size_t echo_len, const char *ruri, size_t ruri_len,
			const struct cf_sip_reply_params *p);

/* Both steps at once, for a parsed request. */
int cf_sip_reply(char *buf, size_t size, const struct cf_sip_msg *req,
		 const struct cf_sip_reply_params *p);

/*
 * The Contact URI of a 302 sent on to Request-URI @ruri (@len bytes), as
 * it goes between the angle brackets: rebuilt from the URI's parsed parts,
 * never copied whole.  Scheme, userinfo, host, port and parameters are
 * kept; headers ("?...") are dropped (the SBC would put them into the
 * call it sends on, §19.1.5).  A byte that is not reserved but may not
 * stand where it is ('"', '<', '>', '#', a stray '%', non-ASCII) is
 * %-escaped, which means the same (§19.1.4); a bare IPv6 host gets its
 * brackets.  Refused (-1): a URI that does not parse; a reserved byte out
 * of place, which would move the URI's parts; ',' and '?' in a user part
 * (a careless reader would see a second URI or headers there); a host that
 * is not a hostname, IPv4 or IPv6 address; a control byte, raw or escaped
 * (%0D%0A), that whoever unescapes the user part would find.  So the text
 * holds no '<', '>', '"', ',', '?', white space or control byte.
 * Returns the length like snprintf, or -1 (and an empty @buf).
 */
int cf_sip_reply_contact(char *buf, size_t size, const char *ruri,
			 size_t len);

/*
 * A 400 Bad Request for the @len bytes at @msg, a request that
 * cf_sip_parse() refused with @err (an enum cf_sip_err, either sign: the
 * parser's return may be passed as it is), or that parsed but failed
 * later (cf_sip_check(), cf_sip_to_call()).  505 Version Not Supported
 * when @err is CF_SIP_ERR_BAD_VERSION.  What the response copies is read
 * from the bytes: every Via in order, the first From, To, Call-ID and
 * CSeq, a To tag added when the To parses and has none; header lines
 * that are not fields are skipped, a field cut off at the end is dropped,
 * a value with a bare NUL counts as absent.  A From, To or Call-ID the
 * request lacks is left out of the response (RFC 4475 §3.1.2.17, insuf:
 * the client matches a response on its top Via's branch and the CSeq
 * method, §17.1.3), so such a 400 is not a message cf_sip_parse()
 * accepts.  A Warning names the error: "Warning: 399 callfence
 * \"bad-uri\"".  For a request that parses, the text is exactly
 * cf_sip_reply_bad_msg()'s.
 *
 * Returns the length like snprintf, or -1 when no response can be built
 * or routed: the bytes are a response or an ACK (neither is answered), the
 * first line is not "METHOD SP ... SIP/..." , or there is no Via or no
 * CSeq ("number method"), or there are more Vias than CF_SIP_VIA_MAX.
 * Reads at most CF_SIP_MSG_MAX bytes.  For a stream, do not answer
 * CF_SIP_ERR_TRUNCATED: more bytes may come.
 */
int cf_sip_reply_bad_request(char *buf, size_t size, const char *msg,
			     size_t len, int err);

/*
 * The same 400 for a parsed request @req: the daemon's answer to an
 * INVITE whose From, To or Request-URI is not a URI (cf_sip_to_call() or
 * cf_sip_check() failing with CF_SIP_ERR_BAD_URI), when the bytes are no
 * longer at hand.  Unlike cf_sip_reply_echo(), a To that does not parse is
 * echoed as received.  Returns the length, or -1 for a response or an ACK.
 */
int cf_sip_reply_bad_msg(char *buf, size_t size,
			 const struct cf_sip_msg *req, int err);

/* What a screening server answers a datagram; see cf_sip_answer_kind(). */
enum cf_sip_answer {
	CF_SIP_ANSWER_NONE = 0,		/* nothing: a response, an ACK, or
					 * bytes no response can be routed
					 * to (see @err) */
	CF_SIP_ANSWER_JUDGE,		/* an INVITE: judge it, answer 302
					 * or the block reply */
	CF_SIP_ANSWER_OPTIONS,		/* 200 with Allow */
	CF_SIP_ANSWER_CANCEL,		/* 200 (the INVITE had its answer) */
	CF_SIP_ANSWER_NOT_ALLOWED,	/* 405 with Allow */
	CF_SIP_ANSWER_BAD_REQUEST,	/* 400, Warning naming @err */
	CF_SIP_ANSWER_BAD_VERSION,	/* 505 */
	CF_SIP_ANSWER__COUNT,
};

/* "judge", "bad-request", ... for logs and counters; "?" out of range. */
const char *cf_sip_answer_name(enum cf_sip_answer a);

/*
 * What to answer the @len bytes at @buf, one UDP datagram, parsing it
 * once into @msg (cf_sip_parse(), flags 0):
 *  - it does not parse: 505 for a bad version, else 400, or nothing when
 *    no response can be built (cf_sip_reply_bad_request()'s -1 cases, and
 *    empty keep-alives);
 *  - a response, an ACK: nothing;
 *  - cf_sip_check() fails: 400;
 *  - INVITE: JUDGE, with @call filled by cf_sip_to_call() with @plan
 *    (reset here first: set src, rx_ns and ingress after this call;
 *    @call and @plan may be NULL to decide only), or 400 when to_call
 *    fails or the Request-URI cannot make a 302 Contact
 *    (cf_sip_reply_contact());
 *  - OPTIONS: 200; CANCEL: 200; any other request: 405.
 * @err is set to 0 or to the enum cf_sip_err that decided (also for a
 * NONE from bytes that did not parse, to count).  @msg is valid when the
 * message parsed, which msg->len says (0 when it did not): always for
 * JUDGE, OPTIONS, CANCEL and NOT_ALLOWED, and for a 400 that cf_sip_check()
 * or cf_sip_to_call() decided; it is what cf_sip_reply() and
 * cf_sip_reply_echo() then take.  RFC 4475's torture messages get what
 * tests/decode/sip/test_sip_rfc4475.c lists.  Per call it costs the
 * parse, cf_sip_check() and, for an INVITE, cf_sip_to_call() and a
 * Contact check; From, To and the Request-URI are parsed once and kept in
 * @msg (cf_sip_msg_parties()), where the check, the call record, the echo
 * and the Contact read them again; only a message that failed is read
 * again, from its bytes, for the 400.
 */
enum cf_sip_answer cf_sip_answer_kind(const char *buf, size_t len,
				      struct cf_sip_msg *msg,
				      const struct cf_numplan *plan,
				      struct cf_call *call, int *err);

/*
 * The reply of every kind but JUDGE (whose reply is the verdict's:
 * cf_sip_reply_for_verdict() and cf_sip_reply() or the two steps) and
 * NONE: @kind, @err and @msg as cf_sip_answer_kind() left them, @dgram and
 * @len the datagram it was given.  Returns the length like snprintf, or -1
 * for JUDGE and NONE.
 */
int cf_sip_answer_reply(char *buf, size_t size, enum cf_sip_answer kind,
			const char *dgram, size_t len,
			const struct cf_sip_msg *msg, int err);

/*
 * The To tag a reply to @req carries when the request's To has none: 16
 * lower-case hex digits into @buf (at least 17 bytes), NUL-terminated.
 * Depends only on the Call-ID, the From tag and the top Via's branch.
 */
void cf_sip_reply_tag(const struct cf_sip_msg *req, char *buf);

#endif /* CALLFENCE_SIP_REPLY_H */
