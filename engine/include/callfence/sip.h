/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SIP decoder (RFC 3261): requests and responses, zero-copy.
 *
 * cf_sip_parse() reads one message and records where the parts callfence
 * needs are: spans (pointer + length) into the caller's buffer, nothing
 * copied, nothing allocated.  The spans are valid as long as that buffer
 * is; a span of a folded header value may contain CR, LF, SP and HT,
 * which every function here reads as linear white space.
 *
 * Name-addr and URI parsing (cf_sip_parse_addr(), cf_sip_parse_uri()) is
 * separate and on demand: the message parser only splits headers into
 * values, so a proxy that just echoes Via pays for nothing else.
 *
 * All functions are reentrant and may run on any thread; none allocates,
 * locks, logs or makes a syscall.
 */
#ifndef CALLFENCE_SIP_H
#define CALLFENCE_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <callfence/call.h>
#include <callfence/number.h>

/* Largest message accepted: a UDP datagram's worth (RFC 3261 §18.1.1
 * leaves the size to the transport; 64 KiB covers any datagram). */
#define CF_SIP_MSG_MAX		65536

/* Bounds of the repeated-header arrays.  A message carrying more values
 * than these is rejected (CF_SIP_ERR_TOO_MANY_HEADERS) rather than cut
 * short: a reply must echo every Via, and a rule must not miss an
 * identity hidden behind the bound.  Vias: an IMS INVITE crosses P-, I-
 * and S-CSCFs, application servers and IBCFs on both sides, each adding
 * one or two (20-30 seen); a request forwarded as often as Max-Forwards
 * allows (70, RFC 3261 §8.1.1.6) is rarer than the bytes to hold it.
 * 64 costs 768 bytes of struct cf_sip_msg over 16, and nothing per
 * parse: cf_sip_parse() clears no array. */
#define CF_SIP_VIA_MAX		64
#define CF_SIP_PAI_MAX		8
#define CF_SIP_PPI_MAX		4
#define CF_SIP_RPID_MAX		4
#define CF_SIP_DIVERSION_MAX	16
#define CF_SIP_HISTORY_MAX	32
#define CF_SIP_PRIVACY_MAX	4

/* Why a message was not decoded.  Functions return these negated. */
enum cf_sip_err {
	CF_SIP_OK = 0,
	CF_SIP_ERR_EMPTY,		/* nothing but white space */
	CF_SIP_ERR_TRUNCATED,		/* no end of headers, or body short */
	CF_SIP_ERR_TOO_LONG,		/* more than CF_SIP_MSG_MAX bytes */
	CF_SIP_ERR_NUL_BYTE,		/* NUL in the start line or headers */
	CF_SIP_ERR_BAD_START_LINE,	/* not a Request- or Status-Line */
	CF_SIP_ERR_BAD_VERSION,		/* a version other than SIP/2.0 (white
					 * space in the request line's last
					 * field is BAD_START_LINE) */
	CF_SIP_ERR_BAD_STATUS,		/* status code not 3 digits 100-699 */
	CF_SIP_ERR_NO_COLON,		/* a header line without ':' */
	CF_SIP_ERR_BAD_HEADER_NAME,	/* empty or not a token */
	CF_SIP_ERR_BAD_FOLDING,		/* continuation line after start line */
	CF_SIP_ERR_TOO_MANY_HEADERS,	/* a repeated header beyond its bound */
	CF_SIP_ERR_DUPLICATE_HEADER,	/* a single-valued header twice */
	CF_SIP_ERR_BAD_CONTENT_LENGTH,	/* not digits, too big, or two values */
	CF_SIP_ERR_MISSING_CONTENT_LENGTH, /* stream transport needs one */
	CF_SIP_ERR_BAD_CSEQ,		/* not "number method", or mismatch */
	CF_SIP_ERR_BAD_MAX_FORWARDS,	/* not 0-255 */
	CF_SIP_ERR_MISSING_VIA,
	CF_SIP_ERR_MISSING_FROM,
	CF_SIP_ERR_MISSING_TO,
	CF_SIP_ERR_MISSING_CALL_ID,
	CF_SIP_ERR_MISSING_CSEQ,
	CF_SIP_ERR_BAD_URI,		/* name-addr or URI does not parse */
	CF_SIP_ERR_NO_CALL_EVENT,	/* cf_sip_to_call(): not a call event */
	CF_SIP_ERR_BAD_MULTIPART,	/* no usable boundary, or no delimiter */
	CF_SIP_ERR_TOO_MANY_PARTS,	/* more than CF_SIP_PARTS_MAX parts */
	CF_SIP_ERR_BAD_VIA,		/* cf_sip_check(): a Via value is not
					 * sent-protocol sent-by *params */
	CF_SIP_ERR__COUNT,
};

/* Methods callfence tells apart; the rest are CF_SIP_METHOD_OTHER with
 * the name in the method span. */
enum cf_sip_method {
	CF_SIP_METHOD_OTHER = 0,
	CF_SIP_METHOD_INVITE,
	CF_SIP_METHOD_ACK,
	CF_SIP_METHOD_BYE,
	CF_SIP_METHOD_CANCEL,
	CF_SIP_METHOD_OPTIONS,
	CF_SIP_METHOD_REGISTER,
	CF_SIP_METHOD_PRACK,
	CF_SIP_METHOD_UPDATE,
	CF_SIP_METHOD_INFO,
	CF_SIP_METHOD_SUBSCRIBE,
	CF_SIP_METHOD_NOTIFY,
	CF_SIP_METHOD_REFER,
	CF_SIP_METHOD_MESSAGE,
	CF_SIP_METHOD_PUBLISH,
	CF_SIP_METHOD__COUNT,
};

enum cf_sip_scheme {
	CF_SIP_SCHEME_OTHER = 0,	/* absoluteURI: urn:, http:, ... */
	CF_SIP_SCHEME_SIP,
	CF_SIP_SCHEME_SIPS,
	CF_SIP_SCHEME_TEL,		/* RFC 3966 */
	CF_SIP_SCHEME__COUNT,
};

/* Bytes of the message; p is NULL and len 0 when absent. */
struct cf_sip_span {
	const char *p;
	uint32_t len;
};

/* cf_sip_parse() flags. */
enum cf_sip_flags {
	/* The bytes came from a stream (TCP, TLS, SCTP with several messages
	 * per association): Content-Length is mandatory (RFC 3261 §18.3).
	 * Without it, a missing Content-Length means the rest of the
	 * datagram is the body, and bytes after Content-Length are dropped. */
	CF_SIP_STREAM = 1u << 0,
};

/* A parsed URI (RFC 3261 §19.1, RFC 3966).  Spans into the input. */
struct cf_sip_uri {
	struct cf_sip_span all;		/* the whole URI */
	/* sip/sips: user part up to the first ';' (RFC 4694 user
	 * parameters such as ";cpc=payphone" or ";npdi" are in
	 * user_params), as received: %-escapes are not decoded.
	 * tel: the number up to the first ';'. */
	struct cf_sip_span user;
	struct cf_sip_span user_params;	/* after the user's ';', or empty */
	struct cf_sip_span host;	/* IPv6 references keep their [] */
	struct cf_sip_span params;	/* after the first ';' of the host or
					 * tel number, up to '?' */
	struct cf_sip_span headers;	/* after '?' */
	uint16_t port;			/* 0 when absent */
	uint8_t scheme;			/* enum cf_sip_scheme */
	bool user_phone;		/* ;user=phone */
};

/* A name-addr or addr-spec with its header parameters (From, To, PAI,
 * Diversion, History-Info, Contact entries). */
struct cf_sip_addr {
	struct cf_sip_span display;	/* quotes removed, escapes kept */
	struct cf_sip_span params;	/* header params after the URI */
	struct cf_sip_span tag;		/* ;tag= value */
	struct cf_sip_uri uri;
	bool angle;			/* written as <URI> */
};

/*
 * One parsed message.  Single-valued headers are spans of the value with
 * surrounding white space trimmed; repeated or comma-separated headers are
 * arrays with one span per value, in message order (RFC 3261 §7.3.1 makes
 * "H: a, b" equal to "H: a" "H: b").  Compact forms land in the same
 * fields as the long names.
 */
struct cf_sip_msg {
	const char *buf;		/* what was parsed */
	uint32_t len;			/* bytes of the message, body included */
	uint32_t hdr_len;		/* start line + headers + blank line */
	bool request;			/* false: a response */
	uint8_t method;			/* enum cf_sip_method; CSeq's for a
					 * response */
	uint16_t status;		/* responses: 100-699 */
	uint16_t n_headers;		/* header fields, unknown ones too */
	uint8_t max_forwards;		/* valid when has_max_forwards */
	bool has_max_forwards;
	bool has_content_length;
	uint32_t content_length;
	uint32_t cseq;			/* CSeq number */

	struct cf_sip_span method_name;	/* request method, or CSeq method */
	struct cf_sip_span ruri;	/* Request-URI */
	struct cf_sip_span reason;	/* Reason-Phrase of a response */

	struct cf_sip_span from;	/* whole values: name-addr + params */
	struct cf_sip_span to;
	struct cf_sip_span call_id;
	struct cf_sip_span cseq_method;
	struct cf_sip_span contact;	/* the first Contact value */
	struct cf_sip_span content_type;
	struct cf_sip_span identity;	/* RFC 8224, the first one */
	struct cf_sip_span body;

	uint8_t n_via;
	uint8_t n_pai;
	uint8_t n_ppi;
	uint8_t n_rpid;
	uint8_t n_diversion;
	uint8_t n_history;
	uint8_t n_privacy;
	uint8_t n_identity;

	/* Arrays last: cf_sip_parse() clears only what is above, the
	 * arrays are valid up to their n_ counts. */
	struct cf_sip_span via[CF_SIP_VIA_MAX];
	struct cf_sip_span pai[CF_SIP_PAI_MAX];		/* RFC 3325 */
	struct cf_sip_span ppi[CF_SIP_PPI_MAX];		/* RFC 3325 */
	struct cf_sip_span rpid[CF_SIP_RPID_MAX];	/* Remote-Party-ID */
	struct cf_sip_span diversion[CF_SIP_DIVERSION_MAX];	/* RFC 5806 */
	struct cf_sip_span history[CF_SIP_HISTORY_MAX];	/* RFC 7044 */
	/* RFC 3323: one span per header field ("id;user"), not per value. */
	struct cf_sip_span privacy[CF_SIP_PRIVACY_MAX];

	/* From, To and the Request-URI as cf_sip_msg_parties() parsed them,
	 * so that the check, the call record and the echo of one request
	 * parse each once; read with cf_sip_msg_addr() and cf_sip_msg_ruri().
	 * An entry holds while its source is the message's span (NULL: not
	 * parsed); cf_sip_parse() clears the sources. */
	struct cf_sip_parsed {
		struct cf_sip_span from_src, to_src, ruri_src;
		int8_t from_rc, to_rc, ruri_rc;
		struct cf_sip_addr from, to;	/* no uri.user_phone */
		struct cf_sip_uri ruri;		/* no user_phone */
	} parsed;
};

/*
 * Parse the first message in @len bytes of @buf.  Empty lines before the
 * start line are skipped (RFC 3261 §7.5; keep-alive CRLFs, RFC 5626).
 * Checks the mandatory headers a reply needs: Via, From, To, Call-ID,
 * CSeq.
 *
 * Returns the bytes the message took (leading empty lines, headers and
 * body; msg->len counts from the start line), or a negated
 * enum cf_sip_err.  On error *@msg is partly filled and must not be used.
 */
ssize_t cf_sip_parse(struct cf_sip_msg *msg, const char *buf, size_t len,
		     unsigned flags);

/*
 * For TCP reassembly: the bytes of the first complete message in @buf
 * (leading empty lines, headers, and a body of Content-Length bytes).
 * Returns 0 when more bytes are needed, or a negated enum cf_sip_err when
 * the bytes are not SIP or can never become a valid message (no
 * Content-Length, a bad one, more than CF_SIP_MSG_MAX bytes of headers).
 * It reads only the start line's shape and Content-Length; parse the
 * message with cf_sip_parse(..., CF_SIP_STREAM) for the rest.
 */
ssize_t cf_sip_message_length(const char *buf, size_t len);

/*
 * Parse the URI in @len bytes at @p (a Request-URI, or the inside of
 * <...>).  Returns 0 or -CF_SIP_ERR_BAD_URI.
 */
int cf_sip_parse_uri(const char *p, size_t len, struct cf_sip_uri *uri);

/* cf_sip_parse_uri() but for user_phone, left false: a pass over the
 * parameters fewer, for a reader that does not look at it. */
int cf_sip_parse_uri_parts(const char *p, size_t len,
			   struct cf_sip_uri *uri);

/*
 * Parse one header value holding a name-addr ("Bob" <sip:...>;tag=x) or
 * an addr-spec (sip:...;tag=x, whose ';' parameters are header
 * parameters, RFC 3261 §20).  Returns 0 or -CF_SIP_ERR_BAD_URI.
 */
int cf_sip_parse_addr(const char *p, size_t len, struct cf_sip_addr *addr);

/*
 * Parse From, To and (of a request) the Request-URI of @msg once, into
 * msg->parsed, for cf_sip_check(), cf_sip_to_call() and the replies
 * (sip_reply.h) to read instead of parsing again.  Optional: each reads
 * what is not there itself.  Call after cf_sip_parse(), before the
 * spans change.
 */
void cf_sip_msg_parties(struct cf_sip_msg *msg);

/*
 * Header value @v of @msg (&msg->from, &msg->to or any other span) as
 * cf_sip_parse_addr() reads it, but for uri.user_phone, left false: the
 * parse cf_sip_msg_parties() kept, or one into @tmp.  Returns the
 * address, or NULL when it does not parse.
 */
const struct cf_sip_addr *cf_sip_msg_addr(const struct cf_sip_msg *msg,
					  const struct cf_sip_span *v,
					  struct cf_sip_addr *tmp);

/*
 * The Request-URI of @msg as cf_sip_parse_uri() reads it (but for
 * user_phone, left false), kept or parsed into @tmp; NULL when it does
 * not parse.
 */
const struct cf_sip_uri *cf_sip_msg_ruri(const struct cf_sip_msg *msg,
					 struct cf_sip_uri *tmp);

/*
 * Find parameter @name (case-insensitive) in a ";a=b;c" list such as
 * struct cf_sip_uri.params.  Returns true and the value (quotes kept; an
 * empty span for a parameter without '=') if present.
 */
bool cf_sip_param(const struct cf_sip_span *params, const char *name,
		  struct cf_sip_span *value);

/*
 * The number a URI carries, %-decoded (%2B -> '+'), into @dst of
 * @dst_size bytes, NUL-terminated.  A local number with a global
 * phone-context (tel:5550180;phone-context=+1202, RFC 3966 §5.1.5) gets
 * the context's digits in front: "+12025550180".  When the context is a
 * country code with a built-in plan (cf_numplan_builtin()) and the
 * number is a national one written with that country's trunk prefix,
 * the prefix goes: tel:010-6552-9988;phone-context=+86 is
 * "+8610-6552-9988" (only when what is left is a valid national length:
 * Russia's 8 also starts national numbers).  Returns the length the
 * number has (like snprintf: >= @dst_size means cut), or -1 when the URI
 * has no user part.
 */
int cf_sip_uri_number(const struct cf_sip_uri *uri, char *dst,
		      size_t dst_size);

/* Whether a URI's user part looks like a telephone number: digits with
 * optional '+' and visual separators, or %-escapes of those. */
bool cf_sip_uri_has_number(const struct cf_sip_uri *uri);

/*
 * Fill @call from a parsed message (call @call reset, src and rx_ns set
 * by the caller):
 *  - event: INVITE = setup; BYE, CANCEL and final failures (>= 300) to an
 *    INVITE = release; 2xx to an INVITE = answer.  Any other message
 *    returns -CF_SIP_ERR_NO_CALL_EVENT and leaves @call alone.
 *  - caller: the first P-Asserted-Identity that carries a number, else
 *    the From user part; a From of "anonymous" is present but invalid.
 *  - callee: the Request-URI user part, else (and for responses) To.
 *  - redirecting: the topmost Diversion entry, else History-Info's
 *    last diverting party (RFC 7044: entries by index; the entry a
 *    target tagged mp, with a cause URI parameter, or untagged was
 *    retargeted from; rc and np are no diversion).  original called:
 *    History-Info's first entry when it shows two diversions or more
 *    (ISUP's Original Called Number likewise).  forwarded: a Diversion,
 *    or History-Info showing a diversion (or several entries that do
 *    not parse).
 *  - presentation restricted for Privacy id, header or user, else
 *    allowed; call reference = Call-ID; proto SIP.
 * Numbers are normalised %-decoded (with a tel: phone-context applied,
 * a trunk prefix under a context of @plan's country code read with
 * @plan, else as cf_sip_uri_number() does); each party's raw text is the
 * user part as received, %-escapes and all, without user parameters.
 *
 * Returns 0 or a negated enum cf_sip_err: -CF_SIP_ERR_BAD_URI when the
 * From (needed for want of a PAI), To or Request-URI does not parse, in
 * which case @call is partly filled and should be counted, not judged.
 */
int cf_sip_to_call(const struct cf_sip_msg *msg,
		   const struct cf_numplan *plan, struct cf_call *call);

/*
 * The RFC 3261 syntax a server checks before it answers a parsed message
 * (§8.2; §25.1), which cf_sip_parse() and cf_sip_to_call() leave alone so
 * that a mirror reads what the network carries:
 *  - every Via is sent-protocol LWS sent-by *( ";" param );
 *  - From, To and the first Contact are name-addr or addr-spec: an
 *    unquoted display name is tokens, no white space just inside <>, an
 *    addr-spec without ',' or '?', parameters "name[=value]" with no empty
 *    one (";;"); Contact may be "*";
 *  - a request's Request-URI parses and has no headers component
 *    (§19.1.1: "?..." belongs in a 3xx Contact, not in a Request-URI).
 * Returns 0, -CF_SIP_ERR_BAD_VIA or -CF_SIP_ERR_BAD_URI; a message that
 * fails is answered 400 (cf_sip_answer_kind() in sip_reply.h).
 */
int cf_sip_check(const struct cf_sip_msg *msg);

/* ------------------------------------------------------------------ */
/* Body parts: RFC 2046 §5.1 multipart, or the one body (SIP-I, RFC 3204) */

/* Parts a body may have; more is CF_SIP_ERR_TOO_MANY_PARTS, not a cut
 * list, so an ISUP part cannot hide behind the bound.  SIP-I carries two
 * (SDP and ISUP), sometimes a third (location, resource lists). */
#define CF_SIP_PARTS_MAX	8
/* RFC 2046 §5.1.1: a boundary is 1 to 70 characters. */
#define CF_SIP_BOUNDARY_MAX	70

/* One body part: spans into the message, nothing copied. */
struct cf_sip_part {
	/* The part's whole Content-Type value (or the message's for a
	 * single-part body); empty when it has none, which RFC 2046
	 * §5.1.1 reads as text/plain. */
	struct cf_sip_span content_type;
	struct cf_sip_span type;	/* "type/subtype", as written */
	struct cf_sip_span type_params;	/* after the first ';' */
	struct cf_sip_span headers;	/* the part's header lines */
	struct cf_sip_span body;	/* without the CRLF before the next
					 * delimiter, which belongs to it */
};

struct cf_sip_body {
	uint8_t n_parts;
	bool multipart;
	bool closed;		/* multipart ended with "--boundary--" */
	struct cf_sip_part part[CF_SIP_PARTS_MAX];
};

/*
 * Split the media type of a Content-Type value @ct into "type/subtype"
 * (white space trimmed) and the parameters after the first ';', which
 * cf_sip_param() reads ("version", "boundary", "base").
 */
void cf_sip_media_type(const struct cf_sip_span *ct, struct cf_sip_span *type,
		       struct cf_sip_span *params);

/*
 * The parts of a body whose Content-Type value is @ct.  A multipart type
 * is split at its boundary (quoted or not): the preamble before the first
 * delimiter and the epilogue after the close delimiter are skipped, each
 * part's headers are read up to the blank line (folded lines allowed; a
 * part starting with the blank line has none), and a part's
 * Content-Length, if any, is ignored: delimiters bound the parts.  When
 * the close delimiter is missing (a message cut short, a lying
 * Content-Length), the last part runs to the end and @out->closed is
 * false.  Any other type is one part: the whole body.  An empty body has
 * no parts.
 *
 * A part that is itself multipart is returned as it is, not descended
 * into: call this again on its content_type and body to do so.
 *
 * Returns the number of parts, or -CF_SIP_ERR_BAD_MULTIPART (no boundary
 * parameter, one longer than CF_SIP_BOUNDARY_MAX, no delimiter in the
 * body) or -CF_SIP_ERR_TOO_MANY_PARTS.  Reads only the @body bytes.
 */
int cf_sip_body_split(const struct cf_sip_span *ct,
		      const struct cf_sip_span *body, struct cf_sip_body *out);

/* cf_sip_body_split() of a parsed message's Content-Type and body. */
int cf_sip_body_parts(const struct cf_sip_msg *msg, struct cf_sip_body *out);

/*
 * The first top-level part of media type @lc_type (lower case, compared
 * ignoring case: "application/isup"), or NULL.
 */
const struct cf_sip_part *cf_sip_body_find(const struct cf_sip_body *body,
					   const char *lc_type);

/* Names for logs and counters ("truncated"); "?" when out of range. */
const char *cf_sip_err_name(enum cf_sip_err err);
const char *cf_sip_method_name(enum cf_sip_method method);
const char *cf_sip_scheme_name(enum cf_sip_scheme scheme);

#endif /* CALLFENCE_SIP_H */
