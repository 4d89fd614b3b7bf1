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
 * No byte of the request reaches a reply where it could end a line: folded
 * and bare CR/LF in echoed values become one space, the 302 Contact is
 * rebuilt from the parsed Request-URI (cf_sip_reply_contact()), and the
 * caller's strings (phrase, rule name, Reason) lose their control bytes.
 *
 * Every function writes into a caller's buffer like snprintf (returns the
 * length the full text has; >= size means cut, and the buffer then holds a
 * NUL-terminated prefix), allocates nothing, locks nothing and may run on
 * any thread.
 */
#ifndef CALLFENCE_SIP_REPLY_H
#define CALLFENCE_SIP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <callfence/ruleset.h>
#include <callfence/sip.h>

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
 * cannot be allowed, answer it 400.
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
 * The To tag a reply to @req carries when the request's To has none: 16
 * lower-case hex digits into @buf (at least 17 bytes), NUL-terminated.
 * Depends only on the Call-ID, the From tag and the top Via's branch.
 */
void cf_sip_reply_tag(const struct cf_sip_msg *req, char *buf);

#endif /* CALLFENCE_SIP_REPLY_H */
