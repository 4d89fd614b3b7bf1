/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Call records as JSON lines and CSV rows: see callfence/record.h. */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <callfence/record.h>

/* A bounded writer: keeps counting past the end like snprintf. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void
put_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void
put_str(struct out *o, const char *s)
{
	while (*s)
		put_char(o, *s++);
}

static void __attribute__((format(printf, 2, 3)))
put_fmt(struct out *o, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	put_str(o, tmp);
}

static int
finish(struct out *o)
{
	if (o->size > 0)
		o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
	return (int)o->len;
}

/* A JSON string (RFC 8259): quotes, backslash and control characters
 * escaped; other bytes as received (raw texts are ASCII in practice, and
 * a byte above 0x7f is passed through rather than guessed at). */
static void
put_json_chars(struct out *o, const char *s, size_t len)
{
	const char *end = s + len;

	put_char(o, '"');
	for (; s < end; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			put_char(o, '\\');
			put_char(o, (char)c);
		} else if (c < 0x20) {
			put_fmt(o, "\\u%04x", c);
		} else {
			put_char(o, (char)c);
		}
	}
	put_char(o, '"');
}

static void
put_json_string(struct out *o, const char *s)
{
	put_json_chars(o, s, strlen(s));
}

/* Space-separated words as a JSON array of strings ("" = []). */
static void
put_json_words(struct out *o, const char *s)
{
	bool first = true;

	put_char(o, '[');
	while (*s) {
		size_t n = strcspn(s, " ");

		if (n) {
			if (!first)
				put_char(o, ',');
			put_json_chars(o, s, n);
			first = false;
		}
		s += n;
		s += strspn(s, " ");
	}
	put_char(o, ']');
}

/* A CSV field (RFC 4180): quoted when it holds a comma, quote or line
 * break, quotes doubled. */
static void
put_csv_field(struct out *o, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		put_str(o, s);
		return;
	}
	put_char(o, '"');
	for (; *s; s++) {
		if (*s == '"')
			put_char(o, '"');
		put_char(o, *s);
	}
	put_char(o, '"');
}

int
cf_record_call_ref(char *buf, size_t size, const struct cf_call *call)
{
	if (call->ref.kind == CF_REF_ISUP)
		return snprintf(buf, size, "%u:%u:%u", call->ref.isup.opc,
				call->ref.isup.dpc, call->ref.isup.cic);
	if (call->ref.kind == CF_REF_SIP)
		return snprintf(buf, size, "%s", call->ref.sip.call_id);
	return snprintf(buf, size, "%s", "");
}

static const char *
e164(const struct cf_call *call, enum cf_party_role role)
{
	const struct cf_number *n = cf_call_number(call, role);

	return n ? n->digits : "";
}

static const char *
presentation(const struct cf_call *call)
{
	switch (call->presentation) {
	case CF_PRES_ALLOWED:
		return "allowed";
	case CF_PRES_RESTRICTED:
		return "restricted";
	default:
		return "";
	}
}

/* How a field is written in JSON (CSV writes every value as text). */
enum field_kind {
	FIELD_STRING = 0,
	FIELD_NUMBER,
	FIELD_WORDS,		/* space-separated words: a JSON array */
};

/* The fields in order, as (name, value) pairs, for both formats. */
struct field {
	const char *name;
	const char *value;
	enum field_kind kind;
};

static void
add(struct field *f, unsigned int *n, const char *name, const char *value,
    enum field_kind kind)
{
	f[(*n)++] = (struct field){ .name = name, .value = value, .kind = kind };
}

static unsigned int
fields(const struct cf_call *call, const struct cf_record_meta *meta,
       char *ref, size_t ref_size, char *frame, size_t frame_size,
       struct field *f)
{
	unsigned int n = 0;

	snprintf(frame, frame_size, "%u", meta ? meta->frame : 0);
	cf_record_call_ref(ref, ref_size, call);
	add(f, &n, "frame", frame, FIELD_NUMBER);
	add(f, &n, "proto", cf_proto_name(call->proto), FIELD_STRING);
	add(f, &n, "call_ref", ref, FIELD_STRING);
	add(f, &n, "caller", e164(call, CF_PARTY_CALLER), FIELD_STRING);
	add(f, &n, "callee", e164(call, CF_PARTY_CALLEE), FIELD_STRING);
	add(f, &n, "redirecting", e164(call, CF_PARTY_REDIRECTING),
	    FIELD_STRING);
	add(f, &n, "original_called", e164(call, CF_PARTY_ORIGINAL_CALLED),
	    FIELD_STRING);
	add(f, &n, "generic", e164(call, CF_PARTY_GENERIC), FIELD_STRING);
	add(f, &n, "caller_raw", call->party[CF_PARTY_CALLER].raw,
	    FIELD_STRING);
	add(f, &n, "callee_raw", call->party[CF_PARTY_CALLEE].raw,
	    FIELD_STRING);
	add(f, &n, "presentation", presentation(call), FIELD_STRING);
	if (meta && meta->verdict) {
		add(f, &n, "verdict", meta->verdict, FIELD_STRING);
		add(f, &n, "rule", meta->rule ? meta->rule : "", FIELD_STRING);
		add(f, &n, "monitor", meta->monitor ? meta->monitor : "",
		    FIELD_WORDS);
	}
	return n;
}

enum format { JSON, CSV };

static int
format_record(enum format fmt, char *buf, size_t size,
	      const struct cf_call *call, const struct cf_record_meta *meta)
{
	struct out o = { buf, size, 0 };
	char ref[CF_CALL_ID_MAX + 32], frame[16];
	struct field f[16];
	unsigned int n = fields(call, meta, ref, sizeof(ref), frame,
				sizeof(frame), f), i;

	if (fmt == JSON)
		put_char(&o, '{');
	for (i = 0; i < n; i++) {
		if (i)
			put_char(&o, ',');
		if (fmt == CSV) {
			put_csv_field(&o, f[i].value);
			continue;
		}
		put_json_string(&o, f[i].name);
		put_char(&o, ':');
		if (f[i].kind == FIELD_NUMBER)
			put_str(&o, f[i].value);
		else if (f[i].kind == FIELD_WORDS)
			put_json_words(&o, f[i].value);
		else
			put_json_string(&o, f[i].value);
	}
	if (fmt == JSON)
		put_char(&o, '}');
	return finish(&o);
}

int
cf_record_json(char *buf, size_t size, const struct cf_call *call,
	       const struct cf_record_meta *meta)
{
	return format_record(JSON, buf, size, call, meta);
}

int
cf_record_csv(char *buf, size_t size, const struct cf_call *call,
	      const struct cf_record_meta *meta)
{
	return format_record(CSV, buf, size, call, meta);
}

const char *
cf_record_csv_header(bool judged)
{
	return judged ?
		"frame,proto,call_ref,caller,callee,redirecting,original_called,"
		"generic,caller_raw,callee_raw,presentation,verdict,rule,monitor" :
		"frame,proto,call_ref,caller,callee,redirecting,original_called,"
		"generic,caller_raw,callee_raw,presentation";
}
