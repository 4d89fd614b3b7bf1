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
put_json_string(struct out *o, const char *s)
{
	put_char(o, '"');
	for (; *s; s++) {
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

/* The fields in order, as (name, value) pairs, for both formats. */
struct field {
	const char *name;
	const char *value;
};

static unsigned int
fields(const struct cf_call *call, const struct cf_record_meta *meta,
       char *ref, size_t ref_size, char *frame, size_t frame_size,
       struct field *f)
{
	unsigned int n = 0;

	snprintf(frame, frame_size, "%u", meta ? meta->frame : 0);
	cf_record_call_ref(ref, ref_size, call);
	f[n++] = (struct field){ "frame", frame };
	f[n++] = (struct field){ "proto", cf_proto_name(call->proto) };
	f[n++] = (struct field){ "call_ref", ref };
	f[n++] = (struct field){ "caller", e164(call, CF_PARTY_CALLER) };
	f[n++] = (struct field){ "callee", e164(call, CF_PARTY_CALLEE) };
	f[n++] = (struct field){ "redirecting", e164(call, CF_PARTY_REDIRECTING) };
	f[n++] = (struct field){ "original_called", e164(call, CF_PARTY_ORIGINAL_CALLED) };
	f[n++] = (struct field){ "generic", e164(call, CF_PARTY_GENERIC) };
	f[n++] = (struct field){ "caller_raw", call->party[CF_PARTY_CALLER].raw };
	f[n++] = (struct field){ "callee_raw", call->party[CF_PARTY_CALLEE].raw };
	f[n++] = (struct field){ "presentation", presentation(call) };
	if (meta && meta->verdict) {
		f[n++] = (struct field){ "verdict", meta->verdict };
		f[n++] = (struct field){ "rule", meta->rule ? meta->rule : "" };
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
		if (i == 0)	/* frame is a number */
			put_str(&o, f[i].value);
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
		"generic,caller_raw,callee_raw,presentation,verdict,rule" :
		"frame,proto,call_ref,caller,callee,redirecting,original_called,"
		"generic,caller_raw,callee_raw,presentation";
}
