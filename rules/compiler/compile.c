/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rules compiler: text -> tokens -> declarations -> checks -> ruleset.
 *
 * The parser never stops at the first error: each error is recorded with
 * its file:line:col and parsing resumes at the next line (or the end of
 * the rule), so `callfence check` shows every mistake in one run.  The
 * language is described in rules/README.md.  Control thread only.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <callfence/numkey.h>
#include <callfence/ruleset.h>

/* ---- Tokens -------------------------------------------------------------- */

enum tok_kind {
	T_EOF = 0,
	T_WORD,		/* keywords, names, digits, lengths: [A-Za-z0-9_+.:-]+ */
	T_STRING,	/* "..." */
	T_REGEX,	/* /.../ */
	T_LBRACE,
	T_RBRACE,
	T_COMMA,
	T_OP,		/* > >= < <= = */
};

static const char *const tok_names[] = {
	[T_EOF] = "end of file", [T_WORD] = "word", [T_STRING] = "string",
	[T_REGEX] = "regex", [T_LBRACE] = "'{'", [T_RBRACE] = "'}'",
	[T_COMMA] = "','", [T_OP] = "comparison",
};

struct tok {
	enum tok_kind kind;
	uint32_t line, col;
	char *text;
};

/* ---- Declarations -------------------------------------------------------- */

struct pos {
	uint32_t line, col;
};

struct pcond {
	struct cf_cond c;
	struct pos at;		/* of the list name, prefix, regex or
				 * heuristic */
	char *name;		/* list name, regex, or heuristic as written */
	struct cf_heur_cond_def heur;	/* CF_COND_HEUR */
	uint64_t *prefixes;
	struct pos *prefix_at;	/* where each prefix is written */
	size_t nprefixes;
};

struct prule {
	char *id;
	struct pos at;
	bool has_priority, has_action;
	int32_t priority;
	enum cf_action action;
	int reply;		/* enum cf_reply, 0 = default */
	struct pos reply_at;
	bool monitor;
	char *reason;
	struct pcond *conds;
	size_t nconds, conds_cap;
};

struct plist {
	char *name;
	char *path;
	struct pos at;
	int index;		/* in the builder */
};

/* Plan values as written, with where, for messages. */
enum plan_key {
	PK_CC = 0,
	PK_NATIONAL,
	PK_INTL,
	PK_LENGTHS,
	PK_SERVICE,
	PK_AREA,
	PK_TRUNK,
	PK__COUNT,
};

static const char *const plan_keys[PK__COUNT] = {
	[PK_CC]		= "country-code",
	[PK_NATIONAL]	= "national-prefix",
	[PK_INTL]	= "international-prefix",
	[PK_LENGTHS]	= "lengths",
	[PK_SERVICE]	= "service-lengths",
	[PK_AREA]	= "area-code",
	[PK_TRUNK]	= "trunk-after-cc",
};

struct parser {
	const char *name;
	struct cf_diag *diag;
	unsigned int errors;
	struct tok *toks;
	size_t ntok, ntok_cap, pos;
	/* Every allocation of the parse, freed at the end. */
	void **allocs;
	size_t nallocs, allocs_cap;

	bool has_plan;
	struct pos plan_at;
	char *plan_val[PK__COUNT];
	struct pos plan_val_at[PK__COUNT];

	struct plist *lists;
	size_t nlists, lists_cap;
	struct prule *rules;
	size_t nrules, rules_cap;
	bool has_default;
	struct pos default_at;
	enum cf_action default_action;
	char *default_reason;

	/* heuristics { } */
	bool has_heur;
	struct pos heur_at;		/* of memory-per-core, else the block */
	uint64_t heur_memory;
	uint64_t heur_max_call_ns;
	bool heur_reported;

	/* Warnings, given to the caller's diag after every error, so the
	 * first message of a failed build is always an error. */
	struct cf_diag warnings;
};

/* "file:line:col: KIND: message" into @diag. */
static void
pmsg(struct parser *p, struct cf_diag *diag, struct pos at,
     const char *kind, const char *fmt, va_list ap)
{
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	cf_diag_add(diag, "%s:%u:%u: %s: %s", p->name, at.line, at.col, kind,
		    msg ? msg : "out of memory");
	free(msg);
}

static void
perr(struct parser *p, struct pos at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
perr(struct parser *p, struct pos at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pmsg(p, p->diag, at, "error", fmt, ap);
	va_end(ap);
	p->errors++;
}

static void
pwarn(struct parser *p, struct pos at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
pwarn(struct parser *p, struct pos at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pmsg(p, &p->warnings, at, "warning", fmt, ap);
	va_end(ap);
}

static void *
track(struct parser *p, void *ptr)
{
	if (!ptr)
		return NULL;
	if (p->nallocs == p->allocs_cap) {
		size_t c = p->allocs_cap ? 2 * p->allocs_cap : 64;
		void **a = realloc(p->allocs, c * sizeof(*a));

		if (!a) {
			free(ptr);
			return NULL;
		}
		p->allocs = a;
		p->allocs_cap = c;
	}
	p->allocs[p->nallocs++] = ptr;
	return ptr;
}

/* Grow array *@arr of @size-byte elements for one more; abort-free. */
static void *
more(struct parser *p, void *arrp, size_t *cap, size_t n, size_t size)
{
	void **arr = arrp;

	if (n == *cap) {
		size_t c = *cap ? 2 * *cap : 8;
		void *a = realloc(*arr, c * size);

		if (!a)
			return NULL;
		*arr = a;
		*cap = c;
	}
	memset((char *)*arr + n * size, 0, size);
	return (char *)*arr + n * size;
}

static bool
word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '.' ||
	       c == ':' || c == '-';
}

static void
push_tok(struct parser *p, enum tok_kind kind, uint32_t line, uint32_t col,
	 const char *text, size_t len)
{
	struct tok *t = more(p, &p->toks, &p->ntok_cap, p->ntok, sizeof(*t));

	if (!t)
		return;
	t->kind = kind;
	t->line = line;
	t->col = col;
	t->text = track(p, strndup(text ? text : "", len));
	if (!t->text)
		t->text = "";
	p->ntok++;
}

/* Quoted text (string or regex) closed by @close on the same line.
 * Returns bytes consumed, or 0 if it is not closed. */
static size_t
lex_quoted(struct parser *p, const char *s, size_t n, char close, char *out,
	   size_t *out_len)
{
	size_t i = 1, o = 0;

	while (i < n && s[i] != '\n') {
		if (s[i] == '\\' && i + 1 < n && s[i + 1] != '\n') {
			/* \" in strings and \/ in regexes drop the
			 * backslash; a regex keeps its other escapes. */
			if (s[i + 1] == close || (close == '"' && s[i + 1] == '\\')) {
				out[o++] = s[i + 1];
			} else {
				out[o++] = s[i];
				out[o++] = s[i + 1];
			}
			i += 2;
			continue;
		}
		if (s[i] == close) {
			*out_len = o;
			return i + 1;
		}
		out[o++] = s[i++];
	}
	return 0;
}

static void
lex(struct parser *p, const char *s, size_t n)
{
	uint32_t line = 1, col = 1;
	size_t i = 0;
	char *buf = malloc(n + 1);

	if (!buf)
		return;
	while (i < n) {
		char c = s[i];
		struct pos at = { line, col };
		size_t len, used;

		if (c == '\n') {
			line++;
			col = 1;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			i++;
			col++;
			continue;
		}
		if (c == '#') {
			while (i < n && s[i] != '\n')
				i++;
			continue;
		}
		if (c == '{' || c == '}' || c == ',') {
			push_tok(p, c == '{' ? T_LBRACE : c == '}' ? T_RBRACE :
				 T_COMMA, line, col, &c, 1);
			i++;
			col++;
			continue;
		}
		if (c == '>' || c == '<' || c == '=') {
			len = c != '=' && i + 1 < n && s[i + 1] == '=' ? 2 : 1;
			push_tok(p, T_OP, line, col, s + i, len);
			i += len;
			col += (uint32_t)len;
			continue;
		}
		if (c == '"' || c == '/') {
			used = lex_quoted(p, s + i, n - i, c, buf, &len);
			if (!used) {
				perr(p, at, "unterminated %s",
				     c == '"' ? "string" : "regex");
				while (i < n && s[i] != '\n')
					i++;
				continue;
			}
			push_tok(p, c == '"' ? T_STRING : T_REGEX, line, col,
				 buf, len);
			i += used;
			col += (uint32_t)used;
			continue;
		}
		if (word_char(c)) {
			for (len = 0; i + len < n && word_char(s[i + len]); len++)
				;
			push_tok(p, T_WORD, line, col, s + i, len);
			i += len;
			col += (uint32_t)len;
			continue;
		}
		if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
			perr(p, at, "unexpected byte 0x%02x", (unsigned char)c);
		else
			perr(p, at, "unexpected character '%c'", c);
		i++;
		col++;
	}
	free(buf);
	push_tok(p, T_EOF, line, col, NULL, 0);
}

/* ---- Parser helpers ------------------------------------------------------ */

static struct tok *
peek(struct parser *p)
{
	return &p->toks[p->pos];
}

static struct tok *
next(struct parser *p)
{
	struct tok *t = &p->toks[p->pos];

	if (t->kind != T_EOF)
		p->pos++;
	return t;
}

static struct pos
at(const struct tok *t)
{
	return (struct pos){ t->line, t->col };
}

static bool
is_word(const struct tok *t, const char *w)
{
	return t->kind == T_WORD && strcmp(t->text, w) == 0;
}

static const char *
describe(const struct tok *t)
{
	return t->kind == T_WORD || t->kind == T_STRING || t->kind == T_OP ?
	       t->text : tok_names[t->kind];
}

/* After an error: go on at the first token of a later line, stopping at a
 * '}' (or EOF).  With @in_block false, a '}' is skipped too. */
static void
sync_line(struct parser *p, uint32_t line, bool in_block)
{
	for (;;) {
		struct tok *t = peek(p);

		if (t->kind == T_EOF)
			return;
		if (t->kind == T_RBRACE && in_block)
			return;
		if (t->line > line && t->kind != T_RBRACE &&
		    t->kind != T_COMMA)
			return;
		next(p);
	}
}

/* A value: a word or a string. */
static struct tok *
value(struct parser *p, const char *what)
{
	struct tok *t = peek(p);

	if (t->kind != T_WORD && t->kind != T_STRING) {
		perr(p, at(t), "expected %s, found %s", what, describe(t));
		return NULL;
	}
	return next(p);
}

/* ---- Plan ---------------------------------------------------------------- */

static void
parse_plan(struct parser *p, struct tok *kw)
{
	struct tok *t;

	if (p->has_plan)
		perr(p, at(kw), "a second plan block (one per file)");
	p->has_plan = true;
	p->plan_at = at(kw);
	t = next(p);
	if (t->kind != T_LBRACE) {
		perr(p, at(t), "expected '{' after plan, found %s", describe(t));
		sync_line(p, t->line, false);
		return;
	}
	for (;;) {
		struct tok *key = next(p), *v;
		int k;

		if (key->kind == T_RBRACE)
			return;
		if (key->kind == T_EOF) {
			perr(p, p->plan_at, "plan block is not closed");
			return;
		}
		for (k = 0; k < PK__COUNT; k++)
			if (is_word(key, plan_keys[k]))
				break;
		if (k == PK__COUNT) {
			perr(p, at(key), "unknown plan setting '%s' (expected "
			     "country-code, national-prefix, international-prefix, "
			     "lengths, service-lengths, area-code or "
			     "trunk-after-cc)",
			     describe(key));
			sync_line(p, key->line, true);
			continue;
		}
		v = value(p, plan_keys[k]);
		if (!v) {
			sync_line(p, key->line, true);
			continue;
		}
		p->plan_val_at[k] = at(v);
		p->plan_val[k] = v->text;
		/* Length lists may be written "3, 5". */
		while ((k == PK_LENGTHS || k == PK_SERVICE) &&
		       peek(p)->kind == T_COMMA) {
			struct tok *more_v;
			char *joined;

			next(p);
			more_v = value(p, "a length");
			if (!more_v)
				break;
			if (asprintf(&joined, "%s,%s", p->plan_val[k],
				     more_v->text) < 0)
				break;
			p->plan_val[k] = track(p, joined);
		}
	}
}

static bool
build_plan(struct parser *p, struct cf_numplan *plan)
{
	const struct cf_numplan *builtin;
	struct cf_numplan base;
	uint16_t nsn, svc;
	const char *why;
	unsigned int before = p->errors;

	if (!p->has_plan) {
		perr(p, (struct pos){ 1, 1 }, "no plan block: the rules must "
		     "declare their numbering plan (plan { country-code 86 })");
		return false;
	}
	if (!p->plan_val[PK_CC]) {
		perr(p, p->plan_at, "the plan has no country-code");
		return false;
	}
	builtin = cf_numplan_builtin(p->plan_val[PK_CC]);
	if (builtin) {
		base = *builtin;
	} else if (cf_numplan_default(&base, p->plan_val[PK_CC], &why) < 0) {
		perr(p, p->plan_val_at[PK_CC], "country-code %s: %s",
		     p->plan_val[PK_CC], why);
		return false;
	}
	nsn = base.nsn_lengths;
	svc = base.service_lengths;
	if (p->plan_val[PK_LENGTHS] &&
	    cf_numplan_parse_lengths(p->plan_val[PK_LENGTHS], &nsn) < 0)
		perr(p, p->plan_val_at[PK_LENGTHS], "lengths %s: expected "
		     "lengths 1-15 such as 10-11 or 9,10", p->plan_val[PK_LENGTHS]);
	if (p->plan_val[PK_SERVICE] &&
	    cf_numplan_parse_lengths(p->plan_val[PK_SERVICE], &svc) < 0)
		perr(p, p->plan_val_at[PK_SERVICE], "service-lengths %s: "
		     "expected lengths 1-15 such as 3,5", p->plan_val[PK_SERVICE]);
	if (p->errors != before)
		return false;
	if (cf_numplan_init(plan, base.cc,
			    p->plan_val[PK_NATIONAL] ? p->plan_val[PK_NATIONAL] :
						       base.national_prefix,
			    p->plan_val[PK_INTL] ? p->plan_val[PK_INTL] :
						   base.intl_prefix,
			    nsn, svc, p->plan_val[PK_AREA], &why) < 0) {
		perr(p, p->plan_at, "numbering plan: %s", why);
		return false;
	}
	if (p->plan_val[PK_TRUNK] &&
	    cf_numplan_parse_trunk_after_cc(p->plan_val[PK_TRUNK],
					    &plan->flags) < 0) {
		perr(p, p->plan_val_at[PK_TRUNK], "trunk-after-cc %s: expected "
		     "reject or strip", p->plan_val[PK_TRUNK]);
		return false;
	}
	return true;
}

/* ---- Lists, default ------------------------------------------------------ */

static void
parse_list(struct parser *p, struct tok *kw)
{
	struct tok *name = next(p), *path;
	struct plist *l;
	size_t i;

	if (name->kind != T_WORD) {
		perr(p, at(name), "expected a list name after list, found %s",
		     describe(name));
		sync_line(p, kw->line, false);
		return;
	}
	path = value(p, "the list's file name");
	if (!path) {
		sync_line(p, kw->line, false);
		return;
	}
	for (i = 0; i < p->nlists; i++)
		if (strcmp(p->lists[i].name, name->text) == 0) {
			perr(p, at(name), "list '%s' is declared twice (first "
			     "at line %u)", name->text, p->lists[i].at.line);
			return;
		}
	l = more(p, &p->lists, &p->lists_cap, p->nlists, sizeof(*l));
	if (!l)
		return;
	l->name = name->text;
	l->path = path->text;
	l->at = at(name);
	l->index = -1;
	p->nlists++;
}

static bool
parse_action(struct parser *p, enum cf_action *action)
{
	struct tok *t = next(p);
	int a = t->kind == T_WORD ? cf_action_parse(t->text) : -1;

	if (a < 0) {
		perr(p, at(t), "expected an action (allow, block, suspect or "
		     "hide), found %s", describe(t));
		return false;
	}
	*action = (enum cf_action)a;
	return true;
}

static void
parse_default(struct parser *p, struct tok *kw)
{
	if (p->has_default)
		perr(p, at(kw), "a second default action (first at line %u)",
		     p->default_at.line);
	p->has_default = true;
	p->default_at = at(kw);
	if (!parse_action(p, &p->default_action)) {
		sync_line(p, kw->line, false);
		return;
	}
	if (is_word(peek(p), "reason")) {
		struct tok *r;

		next(p);
		r = next(p);
		if (r->kind != T_STRING) {
			perr(p, at(r), "expected a quoted reason, found %s",
			     describe(r));
			sync_line(p, kw->line, false);
			return;
		}
		p->default_reason = r->text;
	}
}

/* ---- Conditions ---------------------------------------------------------- */

/* Parties a rule can name. */
static const struct {
	const char *name;
	enum cf_party_role role;
} party_words[] = {
	{ "caller", CF_PARTY_CALLER },
	{ "callee", CF_PARTY_CALLEE },
	{ "redirecting", CF_PARTY_REDIRECTING },
	{ "original-called", CF_PARTY_ORIGINAL_CALLED },
};

static int
party_of(const struct tok *t)
{
	size_t i;

	for (i = 0; i < sizeof(party_words) / sizeof(party_words[0]); i++)
		if (is_word(t, party_words[i].name))
			return (int)party_words[i].role;
	return -1;
}

static bool
parse_prefix_list(struct parser *p, struct pcond *pc)
{
	size_t cap = 0, at_cap = 0;

	pc->at = at(peek(p));
	do {
		struct tok *t = next(p);
		const char *d = t->text;
		uint64_t key, *slot;
		struct pos *where;

		if (t->kind != T_WORD) {
			perr(p, at(t), "expected a prefix, found %s", describe(t));
			goto bad;
		}
		if (*d == '+')
			d++;
		key = cf_numkey_pack(d, strlen(d));
		if (key == CF_NUMKEY_NONE) {
			perr(p, at(t), "prefix %s: expected 1 to 15 digits of an "
			     "E.164 number, with or without '+'", t->text);
			goto bad;
		}
		slot = more(p, &pc->prefixes, &cap, pc->nprefixes,
			    sizeof(*slot));
		if (!slot)
			goto bad;
		where = more(p, &pc->prefix_at, &at_cap, pc->nprefixes,
			     sizeof(*where));
		if (!where)
			goto bad;
		*slot = key;
		*where = at(t);
		pc->nprefixes++;
	} while (peek(p)->kind == T_COMMA && next(p));
	track(p, pc->prefixes);
	track(p, pc->prefix_at);
	return true;
bad:
	free(pc->prefixes);
	free(pc->prefix_at);
	pc->prefixes = NULL;
	pc->prefix_at = NULL;
	return false;
}


/* ---- Heuristic conditions ------------------------------------------------ */

#define NS_PER_S	UINT64_C(1000000000)
#define WINDOW_MAX_S	(24 * 3600)
/* Linear-counting bitmaps saturate near 1600 and lose accuracy above
 * ~800 (engine/heur/README.md). */
#define DISTINCT_MAX	800
#define THRESHOLD_MAX	1000000

/* A whole number in [@lo, @hi] from word @t; false (with an error) if not. */
static bool
whole(struct parser *p, const struct tok *t, const char *what, long lo,
      long hi, long *out)
{
	char *end;
	long v;

	v = t->kind == T_WORD ? strtol(t->text, &end, 10) : 0;
	if (t->kind != T_WORD || *end || end == t->text || v < lo || v > hi) {
		perr(p, at(t), "expected %s (%ld to %ld), found %s", what, lo,
		     hi, describe(t));
		return false;
	}
	*out = v;
	return true;
}

/* "30s", "10m", "4h", "1d" in seconds. */
static bool
duration_s(const char *text, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t unit;

	if (*text < '0' || *text > '9')
		return false;
	v = strtoull(text, &end, 10);
	if (strcmp(end, "s") == 0)
		unit = 1;
	else if (strcmp(end, "m") == 0)
		unit = 60;
	else if (strcmp(end, "h") == 0)
		unit = 3600;
	else if (strcmp(end, "d") == 0)
		unit = 86400;
	else
		return false;
	if (v > 1000000)
		return false;
	*out = v * unit;
	return true;
}

static bool
duration(struct parser *p, const struct tok *t, const char *what,
	 uint64_t lo_s, uint64_t hi_s, uint64_t *ns)
{
	uint64_t v;

	if (t->kind != T_WORD || !duration_s(t->text, &v) || v < lo_s ||
	    v > hi_s) {
		perr(p, at(t), "expected %s from %llus to %lluh (e.g. 30s, 10m, "
		     "1h), found %s", what, (unsigned long long)lo_s,
		     (unsigned long long)(hi_s / 3600), describe(t));
		return false;
	}
	*ns = v * NS_PER_S;
	return true;
}

static bool
expect_word(struct parser *p, const char *w, const char *after)
{
	struct tok *t = next(p);

	if (!is_word(t, w)) {
		perr(p, at(t), "expected %s after %s, found %s", w, after,
		     describe(t));
		return false;
	}
	return true;
}

/* CMP N: the comparison and the threshold. */
static bool
comparison(struct parser *p, struct pcond *pc, const char *measure, long max)
{
	static const char *const ops[CF_CMP__COUNT] = {
		[CF_CMP_GT] = ">", [CF_CMP_GE] = ">=", [CF_CMP_LT] = "<",
		[CF_CMP_LE] = "<=", [CF_CMP_EQ] = "=",
	};
	struct tok *t = next(p);
	long v;
	int i;

	for (i = 0; i < CF_CMP__COUNT; i++)
		if (t->kind == T_OP && strcmp(t->text, ops[i]) == 0)
			break;
	if (i == CF_CMP__COUNT) {
		perr(p, at(t), "expected a comparison (>, >=, <, <= or =) after "
		     "%s, found %s", measure, describe(t));
		return false;
	}
	pc->heur.cmp = (enum cf_cmp)i;
	t = next(p);
	if (max == DISTINCT_MAX && t->kind == T_WORD &&
	    strtol(t->text, NULL, 10) > DISTINCT_MAX) {
		perr(p, at(t), "%s %s: distinct counts are estimated and lose "
		     "accuracy above %d (see rules/README.md): use a threshold "
		     "up to %d or a shorter window", measure, t->text,
		     DISTINCT_MAX, DISTINCT_MAX);
		return false;
	}
	if (!whole(p, t, "a count", 0, max, &v))
		return false;
	pc->heur.threshold = (uint32_t)v;
	return true;
}

/* per DURATION: the window. */
static bool
window(struct parser *p, struct pcond *pc, const char *measure)
{
	char after[64];

	snprintf(after, sizeof(after), "the threshold of %s", measure);
	if (!expect_word(p, "per", after))
		return false;
	return duration(p, next(p), "a window", 1, WINDOW_MAX_S,
			&pc->heur.spec.window_ns);
}

/* The tokens from @first to the current one, as the condition's text. */
static void
heur_text(struct parser *p, struct pcond *pc, size_t first)
{
	size_t i, len = 0;
	char *text;

	for (i = first; i < p->pos; i++)
		len += strlen(p->toks[i].text) + 1;
	text = track(p, malloc(len + 1));
	if (!text)
		return;
	text[0] = '\0';
	for (i = first; i < p->pos; i++) {
		if (i > first)
			strcat(text, " ");
		strcat(text, p->toks[i].text);
	}
	pc->name = text;
	pc->heur.text = text;
}

/*
 * After `caller` / `callee`: a heuristic measure, or false without
 * consuming anything when the next word is not one.  @first is the
 * party's token (the condition's text starts there).
 */
static int
parse_heur_cond(struct parser *p, struct pcond *pc, struct tok *party_tok,
		size_t first)
{
	struct cf_heur_spec *sp = &pc->heur.spec;
	bool caller = is_word(party_tok, "caller");
	struct tok *t = peek(p);
	long v;

	if (!(caller || is_word(party_tok, "callee")))
		return 0;
	if (!is_word(t, "block") && !is_word(t, "calls") &&
	    !is_word(t, "distinct-callees") &&
	    !is_word(t, "sequential-callees") &&
	    !is_word(t, "short-calls") && !is_word(t, "concurrent-calls") &&
	    !is_word(t, "neighbour") && !is_word(t, "distinct-callers"))
		return 0;
	pc->c.kind = CF_COND_HEUR;
	pc->at = at(party_tok);
	memset(&pc->heur, 0, sizeof(pc->heur));
	if (is_word(t, "neighbour")) {
		next(p);
		if (!caller) {
			perr(p, at(t), "neighbour compares the caller with the "
			     "callee: write caller neighbour callee DIGITS");
			return -1;
		}
		if (!expect_word(p, "callee", "neighbour") ||
		    !whole(p, next(p), "a number of leading digits", 1,
			   CF_NUMKEY_MAX_DIGITS, &v))
			return -1;
		sp->kind = CF_HEUR_NEIGHBOUR;
		pc->heur.threshold = (uint32_t)v;
		heur_text(p, pc, first);
		return 1;
	}
	if (is_word(t, "block")) {
		next(p);
		if (!whole(p, next(p), "a block length in digits", 1,
			   CF_NUMKEY_MAX_DIGITS, &v))
			return -1;
		sp->key_digits = (uint8_t)v;
	}
	t = next(p);
	if (!caller) {
		if (!is_word(t, "distinct-callers")) {
			perr(p, at(t), "expected distinct-callers after %s, "
			     "found %s", party_tok->text, describe(t));
			return -1;
		}
		sp->kind = CF_HEUR_DISTINCT_CALLERS;
		if (!comparison(p, pc, t->text, DISTINCT_MAX) ||
		    !window(p, pc, t->text))
			return -1;
	} else if (is_word(t, "calls") && is_word(peek(p), "into")) {
		next(p);
		if (!expect_word(p, "callee", "into") ||
		    !expect_word(p, "block", "into callee") ||
		    !whole(p, next(p), "a callee block length in digits", 1,
			   CF_NUMKEY_MAX_DIGITS, &v))
			return -1;
		sp->kind = CF_HEUR_RANGE;
		sp->range_digits = (uint8_t)v;
		if (!comparison(p, pc, "calls into callee block", THRESHOLD_MAX) ||
		    !window(p, pc, "calls into callee block"))
			return -1;
	} else if (is_word(t, "calls")) {
		sp->kind = CF_HEUR_RATE;
		if (!comparison(p, pc, "calls", THRESHOLD_MAX) ||
		    !window(p, pc, "calls"))
			return -1;
	} else if (is_word(t, "distinct-callees")) {
		sp->kind = CF_HEUR_DISTINCT;
		if (!comparison(p, pc, t->text, DISTINCT_MAX) ||
		    !window(p, pc, t->text))
			return -1;
	} else if (is_word(t, "sequential-callees")) {
		sp->kind = CF_HEUR_SEQUENTIAL;
		if (!comparison(p, pc, t->text, THRESHOLD_MAX))
			return -1;
		/* Optional: the longest pause inside a run. */
		if (is_word(peek(p), "within")) {
			next(p);
			if (!duration(p, next(p), "a pause", 1, WINDOW_MAX_S,
				      &sp->window_ns))
				return -1;
		}
	} else if (is_word(t, "short-calls")) {
		sp->kind = CF_HEUR_SHORT_CALLS;
		if (!expect_word(p, "under", "short-calls") ||
		    !duration(p, next(p), "a call length", 1, 3600,
			      &sp->short_ns) ||
		    !comparison(p, pc, "short-calls under", THRESHOLD_MAX) ||
		    !window(p, pc, "short-calls"))
			return -1;
	} else if (is_word(t, "concurrent-calls")) {
		sp->kind = CF_HEUR_CONCURRENT;
		if (!comparison(p, pc, t->text, THRESHOLD_MAX))
			return -1;
	} else {
		perr(p, at(t), "expected calls, distinct-callees, "
		     "sequential-callees, short-calls or concurrent-calls "
		     "after caller block, found %s", describe(t));
		return -1;
	}
	heur_text(p, pc, first);
	return 1;
}

/* heuristics { memory-per-core SIZE  max-call DURATION } */
static void
parse_heuristics(struct parser *p, struct tok *kw)
{
	struct tok *t;

	if (p->has_heur)
		perr(p, at(kw), "a second heuristics block (one per file)");
	p->has_heur = true;
	p->heur_at = at(kw);
	t = next(p);
	if (t->kind != T_LBRACE) {
		perr(p, at(t), "expected '{' after heuristics, found %s",
		     describe(t));
		sync_line(p, t->line, false);
		return;
	}
	for (;;) {
		struct tok *key = next(p), *v;

		if (key->kind == T_RBRACE)
			return;
		if (key->kind == T_EOF) {
			perr(p, at(kw), "heuristics block is not closed");
			return;
		}
		if (is_word(key, "memory-per-core")) {
			char *end;
			unsigned long long n;

			v = next(p);
			n = v->kind == T_WORD && v->text[0] >= '0' &&
			    v->text[0] <= '9' ? strtoull(v->text, &end, 10) : 0;
			if (n && (*end == 'K' || *end == 'k'))
				n <<= 10, end++;
			else if (n && *end == 'M')
				n <<= 20, end++;
			else if (n && *end == 'G')
				n <<= 30, end++;
			if (!n || *end || n > (1ull << 40)) {
				perr(p, at(v), "expected a memory size such as "
				     "64M, 512K or 2G (up to 1024G), found %s",
				     describe(v));
				sync_line(p, key->line, true);
				continue;
			}
			p->heur_memory = n;
			p->heur_at = at(v);
		} else if (is_word(key, "max-call")) {
			if (!duration(p, next(p), "a call length", 60,
				      7 * 86400, &p->heur_max_call_ns))
				sync_line(p, key->line, true);
		} else {
			perr(p, at(key), "unknown heuristics setting '%s' "
			     "(expected memory-per-core or max-call)",
			     describe(key));
			sync_line(p, key->line, true);
		}
	}
}

static bool parse_cond(struct parser *p, struct pcond *pc);

/* The mask bit of `invalid` reason @t, or 0 when it names none. */
static uint32_t
invalid_reason(const struct tok *t)
{
	unsigned int e;

	if (is_word(t, "absent"))
		return CF_INVALID_ABSENT;
	for (e = CF_NUM_OK + 1; e < CF_NUM_ERR__COUNT; e++)
		if (is_word(t, cf_num_err_name((enum cf_num_err)e)))
			return CF_INVALID_REASON(e);
	return 0;
}

/* Words that may follow a condition: the next one, or the rule's items. */
static bool
ends_condition(const struct tok *t)
{
	static const char *const words[] = {
		"and", "or", "priority", "when", "action", "reason", "monitor",
	};
	size_t i;

	if (t->kind != T_WORD)
		return true;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (is_word(t, words[i]))
			return true;
	return false;
}

static void
reasons_expected(struct parser *p, const struct tok *t)
{
	char list[512] = "absent";
	unsigned int e;

	for (e = CF_NUM_OK + 1; e < CF_NUM_ERR__COUNT; e++) {
		strcat(list, e + 1 < CF_NUM_ERR__COUNT ? ", " : " or ");
		strcat(list, cf_num_err_name((enum cf_num_err)e));
	}
	perr(p, at(t), "unknown reason %s after invalid (expected %s)",
	     describe(t), list);
}

/* After `invalid`: nothing (the default reasons), or REASON, REASON ... */
static bool
parse_invalid_reasons(struct parser *p, struct pcond *pc)
{
	uint32_t bit;

	if (ends_condition(peek(p)))
		return true;
	for (;;) {
		struct tok *t = next(p);

		bit = invalid_reason(t);
		if (!bit) {
			reasons_expected(p, t);
			return false;
		}
		pc->c.arg |= bit;
		if (peek(p)->kind != T_COMMA)
			return true;
		next(p);
	}
}

/* PARTY in LIST | prefix P,... | matches /re/ | domestic |
 * invalid [REASON, ...] | absent | equals PARTY */
static bool
parse_party_cond(struct parser *p, struct pcond *pc, struct tok *party_tok)
{
	struct tok *op, *t;
	int party2, h;

	pc->c.party = (uint8_t)party_of(party_tok);
	h = parse_heur_cond(p, pc, party_tok, (size_t)(party_tok - p->toks));
	if (h)
		return h > 0;
	op = next(p);
	if (is_word(op, "in")) {
		t = next(p);
		if (t->kind != T_WORD) {
			perr(p, at(t), "expected a list name after in, found %s",
			     describe(t));
			return false;
		}
		pc->c.kind = CF_COND_IN_LIST;
		pc->name = t->text;
		pc->at = at(t);
		return true;
	}
	if (is_word(op, "prefix")) {
		pc->c.kind = CF_COND_PREFIX;
		return parse_prefix_list(p, pc);
	}
	if (is_word(op, "matches")) {
		t = next(p);
		if (t->kind != T_REGEX) {
			perr(p, at(t), "expected /regex/ after matches, found %s",
			     describe(t));
			return false;
		}
		pc->c.kind = CF_COND_MATCHES;
		pc->name = t->text;
		pc->at = at(t);
		return true;
	}
	if (is_word(op, "domestic")) {
		pc->c.kind = CF_COND_DOMESTIC;
		return true;
	}
	if (is_word(op, "invalid")) {
		pc->c.kind = CF_COND_INVALID;
		pc->at = at(op);
		return parse_invalid_reasons(p, pc);
	}
	if (is_word(op, "absent")) {
		pc->c.kind = CF_COND_ABSENT;
		pc->at = at(op);
		return true;
	}
	if (is_word(op, "equals")) {
		t = next(p);
		party2 = party_of(t);
		if (party2 < 0) {
			perr(p, at(t), "expected caller, callee, redirecting or "
			     "original-called after equals, found %s",
			     describe(t));
			return false;
		}
		pc->c.kind = CF_COND_EQUALS;
		pc->c.arg = (uint32_t)party2;
		return true;
	}
	perr(p, at(op), "expected in, prefix, matches, domestic, invalid, "
	     "absent, equals or a heuristic (calls, distinct-callees, ...) "
	     "after %s, found %s", party_tok->text, describe(op));
	return false;
}

static bool
parse_ingress(struct parser *p, struct pcond *pc)
{
	struct tok *t = next(p);
	int v = t->kind == T_WORD ? cf_ingress_parse(t->text) : -1;

	if (v < 0) {
		perr(p, at(t), "unknown ingress class %s (expected "
		     "international, national, local or unknown)", describe(t));
		return false;
	}
	pc->c.kind = CF_COND_INGRESS;
	pc->c.arg = (uint32_t)v;
	return true;
}

static bool
parse_proto(struct parser *p, struct pcond *pc)
{
	struct tok *t = next(p);

	pc->c.kind = CF_COND_PROTO;
	if (is_word(t, "sip"))
		pc->c.arg = CF_PROTO_SIP;
	else if (is_word(t, "isup"))
		pc->c.arg = CF_PROTO_ISUP;
	else {
		perr(p, at(t), "unknown protocol %s (expected sip or isup)",
		     describe(t));
		return false;
	}
	return true;
}

static bool
parse_presentation(struct parser *p, struct pcond *pc)
{
	struct tok *t = next(p);
	unsigned int v;

	pc->c.kind = CF_COND_PRESENTATION;
	for (v = CF_PRES_ALLOWED; v < CF_PRES__COUNT; v++)
		if (is_word(t, cf_presentation_name((enum cf_presentation)v))) {
			pc->c.arg = v;
			return true;
		}
	perr(p, at(t), "unknown presentation %s (expected allowed, restricted "
	     "or not-available)", describe(t));
	return false;
}

static bool
parse_forwarded(struct parser *p, struct pcond *pc)
{
	pc->c.kind = CF_COND_FORWARDED;
	return true;
}

static bool
parse_sipi_mismatch(struct parser *p, struct pcond *pc)
{
	pc->c.kind = CF_COND_SIPI_MISMATCH;
	return true;
}

/*
 * Conditions about the call rather than one number.  Extension point:
 * heuristic conditions (issue 5) add their keyword and parser here, a
 * kind in enum cf_cond_kind and a case in the engine's eval_cond().
 */
static const struct {
	const char *keyword;
	bool (*parse)(struct parser *p, struct pcond *pc);
} call_conds[] = {
	{ "ingress", parse_ingress },
	{ "proto", parse_proto },
	{ "presentation", parse_presentation },
	{ "forwarded", parse_forwarded },
	{ "sip-i-mismatch", parse_sipi_mismatch },
};

static bool
parse_cond(struct parser *p, struct pcond *pc)
{
	struct tok *t = next(p);
	size_t i;

	if (is_word(t, "not")) {
		if (!parse_cond(p, pc))
			return false;
		pc->c.negate ^= 1;
		return true;
	}
	if (party_of(t) >= 0)
		return parse_party_cond(p, pc, t);
	for (i = 0; i < sizeof(call_conds) / sizeof(call_conds[0]); i++)
		if (is_word(t, call_conds[i].keyword))
			return call_conds[i].parse(p, pc);
	perr(p, at(t), "expected a condition (caller, callee, redirecting, "
	     "ingress, proto, presentation, forwarded, sip-i-mismatch or "
	     "not), found %s",
	     describe(t));
	return false;
}

/* ---- Rules --------------------------------------------------------------- */

static bool
parse_when(struct parser *p, struct prule *r)
{
	do {
		struct pcond *pc = more(p, &r->conds, &r->conds_cap, r->nconds,
					sizeof(*pc));

		if (!pc || !parse_cond(p, pc))
			return false;
		r->nconds++;
	} while (is_word(peek(p), "and") && next(p));
	return true;
}

static bool
parse_rule_item(struct parser *p, struct prule *r, struct tok *item)
{
	struct tok *t;

	if (is_word(item, "priority")) {
		char *end;
		long v;

		t = next(p);
		v = t->kind == T_WORD ? strtol(t->text, &end, 10) : 0;
		if (t->kind != T_WORD || *end || end == t->text ||
		    v < -1000000000L || v > 1000000000L) {
			perr(p, at(t), "expected a whole number after priority, "
			     "found %s", describe(t));
			return false;
		}
		r->priority = (int32_t)v;
		r->has_priority = true;
		return true;
	}
	if (is_word(item, "when"))
		return parse_when(p, r);
	if (is_word(item, "action")) {
		if (!parse_action(p, &r->action))
			return false;
		r->has_action = true;
		if (is_word(peek(p), "reply")) {
			next(p);
			t = next(p);
			r->reply_at = at(t);
			r->reply = t->kind == T_WORD ? cf_reply_parse(t->text) : -1;
			if (r->reply < 0) {
				perr(p, at(t), "unknown reply %s (expected 603, "
				     "603-network-blocked, 608 or 403)",
				     describe(t));
				r->reply = 0;
				return false;
			}
			if (r->action != CF_ACTION_BLOCK)
				perr(p, at(t), "a reply is only for block, not %s",
				     cf_action_name(r->action));
		}
		return true;
	}
	if (is_word(item, "reason")) {
		t = next(p);
		if (t->kind != T_STRING) {
			perr(p, at(t), "expected a quoted reason, found %s",
			     describe(t));
			return false;
		}
		r->reason = t->text;
		return true;
	}
	if (is_word(item, "monitor")) {
		r->monitor = true;
		return true;
	}
	perr(p, at(item), "expected priority, when, action, reason or monitor "
	     "in rule %s, found %s", r->id, describe(item));
	return false;
}

static void
parse_rule(struct parser *p, struct tok *kw)
{
	struct tok *id = next(p), *t;
	struct prule *r;
	size_t i;

	if (id->kind != T_WORD) {
		perr(p, at(id), "expected a rule id after rule, found %s",
		     describe(id));
		sync_line(p, kw->line, false);
		return;
	}
	r = more(p, &p->rules, &p->rules_cap, p->nrules, sizeof(*r));
	if (!r)
		return;
	r->id = id->text;
	r->at = at(id);
	p->nrules++;
	for (i = 0; i + 1 < p->nrules; i++)
		if (strcmp(p->rules[i].id, id->text) == 0) {
			perr(p, at(id), "rule id '%s' is used twice (first at "
			     "line %u)", id->text, p->rules[i].at.line);
			break;
		}
	t = next(p);
	if (t->kind != T_LBRACE) {
		perr(p, at(t), "expected '{' after rule %s, found %s", r->id,
		     describe(t));
		sync_line(p, t->line, false);
		return;
	}
	for (;;) {
		t = next(p);
		if (t->kind == T_RBRACE)
			break;
		if (t->kind == T_EOF) {
			perr(p, r->at, "rule %s is not closed with '}'", r->id);
			return;
		}
		if (!parse_rule_item(p, r, t))
			sync_line(p, t->line, true);
	}
	if (!r->has_action)
		perr(p, r->at, "rule %s has no action", r->id);
	if (!r->has_priority)
		perr(p, r->at, "rule %s has no priority", r->id);
}

static void
parse_file(struct parser *p)
{
	while (peek(p)->kind != T_EOF) {
		struct tok *t = next(p);

		if (is_word(t, "plan"))
			parse_plan(p, t);
		else if (is_word(t, "list"))
			parse_list(p, t);
		else if (is_word(t, "rule"))
			parse_rule(p, t);
		else if (is_word(t, "default"))
			parse_default(p, t);
		else if (is_word(t, "heuristics"))
			parse_heuristics(p, t);
		else {
			perr(p, at(t), "expected plan, list, heuristics, rule or "
			     "default, found %s", describe(t));
			sync_line(p, t->line, false);
		}
	}
}

/* ---- Checks and building ------------------------------------------------- */

static struct plist *
find_list(struct parser *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nlists; i++)
		if (strcmp(p->lists[i].name, name) == 0)
			return &p->lists[i];
	return NULL;
}

/* Names, patterns: everything that does not need the lists loaded. */
static void
check_rules(struct parser *p)
{
	size_t i, k;

	for (i = 0; i < p->nrules; i++) {
		struct prule *r = &p->rules[i];

		for (k = 0; k < r->nconds; k++) {
			struct pcond *pc = &r->conds[k];
			char msg[256];

			if (pc->c.kind == CF_COND_IN_LIST &&
			    !find_list(p, pc->name))
				perr(p, pc->at, "no list named '%s'", pc->name);
			if (pc->c.kind == CF_COND_MATCHES &&
			    cf_ruleset_pattern_check(pc->name, msg,
						     sizeof(msg)) < 0)
				perr(p, pc->at, "bad pattern /%s/: %s", pc->name,
				     msg);
		}
	}
	if (!p->has_default)
		perr(p, at(&p->toks[p->ntok - 1]), "no default action (end "
		     "the rules with e.g. 'default allow')");
}

/* ---- Conditions that can never match a normalised number --------------- */

/*
 * Normalised numbers are E.164 digits, country code first, without '+'.
 * A prefix in a national form ("010", "0138") can never match one, and
 * one with the trunk prefix after the home country code ("8601") matches
 * no domestic number; both are almost certainly meant as the number the
 * warning suggests.  Warnings, not errors: the rules still build.
 */
static void
warn_prefix(struct parser *p, const struct cf_numplan *plan, struct pos at,
	    uint64_t key)
{
	char d[CF_NUMKEY_MAX_DIGITS + 1], hint[64] = "";
	size_t ipl = plan->intl_prefix_len, npl = plan->national_prefix_len;
	size_t ccl = plan->cc_len, n;

	cf_numkey_unpack(key, d, sizeof(d));
	n = strlen(d);
	if (d[0] == '0') {
		if (n > ipl && strncmp(d, plan->intl_prefix, ipl) == 0)
			snprintf(hint, sizeof(hint), " (did you mean %s?)",
				 d + ipl);
		else if (npl && n > npl &&
			 strncmp(d, plan->national_prefix, npl) == 0)
			snprintf(hint, sizeof(hint), " (did you mean %s%s?)",
				 plan->cc, d + npl);
		pwarn(p, at, "prefix %s can never match: numbers are E.164 "
		      "digits, country code first, and no country code starts "
		      "with 0%s", d, hint);
		return;
	}
	if (npl && n >= ccl + npl && strncmp(d, plan->cc, ccl) == 0 &&
	    strncmp(d + ccl, plan->national_prefix, npl) == 0) {
		if (n > ccl + npl)
			snprintf(hint, sizeof(hint), " (did you mean %s%s?)",
				 plan->cc, d + ccl + npl);
		pwarn(p, at, "prefix %s matches no domestic number: normalised "
		      "numbers never keep a trunk prefix after the country "
		      "code%s", d, hint);
	}
}

/* What a regex atom can match, as far as the check below can tell. */
enum atom {
	ATOM_DIGIT,	/* some digit (or something not analysed) */
	ATOM_ZERO,	/* the digit 0 only */
	ATOM_PLUS,	/* '+' only */
	ATOM_NONDIGIT,	/* only characters that are not digits */
	ATOM_BAIL,	/* a construct not analysed: say nothing */
};

/* A bracket expression at @re (after '['); *@len gets its length with
 * the brackets.  Only plain sets are analysed. */
static enum atom
class_atom(const char *re, size_t *len)
{
	bool digit = false, plus = false, other = false;
	size_t i = 0;

	if (re[i] == '^')
		return ATOM_BAIL;
	if (re[i] == ']') {		/* a leading ']' is literal */
		other = true;
		i++;
	}
	for (; re[i] && re[i] != ']'; i++) {
		char c = re[i];

		if (c == '[')
			return ATOM_BAIL;	/* [:digit:] and the like */
		if (c == '\\') {
			c = re[++i];
			if (c == 'd')
				digit = true;
			else if (c == '+')
				plus = true;
			else if (c == '-' || c == '.' || c == '(' || c == ')' ||
				 c == ' ')
				other = true;
			else
				return ATOM_BAIL;
			continue;
		}
		if (re[i + 1] == '-' && re[i + 2] && re[i + 2] != ']') {
			if (!(re[i + 2] < '0' || c > '9'))
				digit = true;
			else
				other = true;
			i += 2;
			continue;
		}
		if (c >= '0' && c <= '9')
			digit = true;
		else if (c == '+')
			plus = true;
		else
			other = true;
	}
	if (!re[i])
		return ATOM_BAIL;
	*len = i + 2;
	if (digit)
		return ATOM_DIGIT;
	return plus && !other ? ATOM_PLUS : ATOM_NONDIGIT;
}

/*
 * Can /@re/ never match E.164 digits?  Looks at the top level only (no
 * '|' there; groups are taken as matching anything) for an atom that must
 * match and cannot match a digit, or a leading ^0.  Sound, not complete:
 * what it cannot read, it does not warn about.  Returns the message, or
 * NULL.
 */
static const char *
pattern_never_matches(const char *re)
{
	size_t i = 0, len;
	int depth = 0;
	bool first = true, anchored = false;

	for (i = 0; re[i]; i++) {
		if (re[i] == '\\' && re[i + 1]) {
			i++;
		} else if (re[i] == '[') {
			if (class_atom(re + i + 1, &len) == ATOM_BAIL)
				return NULL;
			i += len - 1;
		} else if (re[i] == '(') {
			depth++;
		} else if (re[i] == ')') {
			depth--;
		} else if (re[i] == '|' && depth == 0) {
			return NULL;
		}
	}
	if (depth)
		return NULL;
	for (i = 0; re[i]; i += len) {
		bool optional;
		enum atom a;
		char q;

		len = 1;
		if (re[i] == '^' || re[i] == '$') {
			anchored |= i == 0;
			continue;	/* zero-width */
		}
		if (re[i] == '(') {
			/* Skip the group: any of it may be optional. */
			for (depth = 0; re[i + len - 1]; len++) {
				char c = re[i + len - 1];

				if (c == '\\' && re[i + len]) {
					len++;
					continue;
				}
				if (c == '[') {
					size_t cl;

					if (class_atom(re + i + len, &cl) ==
					    ATOM_BAIL)
						return NULL;
					len += cl - 1;
					continue;
				}
				depth += c == '(';
				depth -= c == ')';
				if (!depth)
					break;
			}
			if (!re[i + len - 1])
				return NULL;
			a = ATOM_BAIL;
		} else if (re[i] == '[') {
			a = class_atom(re + i + 1, &len);
		} else if (re[i] == '\\') {
			char e = re[i + 1];

			len = 2;
			if (e == 'd')
				a = ATOM_DIGIT;
			else if (e == '+')
				a = ATOM_PLUS;
			else if (e == 'D' || e == 's' || e == '-' || e == '.' ||
				 e == '(' || e == ')' || e == ' ' || e == '/')
				a = ATOM_NONDIGIT;
			else if (e == 'b' || e == 'B')
				continue;	/* zero-width */
			else
				return NULL;	/* \x2b, \Q, \p: not read */
		} else if (re[i] == '.') {
			a = ATOM_DIGIT;
		} else if (re[i] >= '0' && re[i] <= '9') {
			a = re[i] == '0' ? ATOM_ZERO : ATOM_DIGIT;
		} else if (re[i] == '+') {
			a = ATOM_PLUS;
		} else if (strchr("?*{}", re[i])) {
			return NULL;	/* a quantifier where no atom was */
		} else {
			a = ATOM_NONDIGIT;
		}
		/* The atom's quantifier, if any: optional atoms can be
		 * skipped. */
		q = re[i + len];
		optional = q == '?' || q == '*' ||
			   (q == '{' && (re[i + len + 1] == '0' ||
					 re[i + len + 1] == ','));
		if (q == '?' || q == '*' || q == '+') {
			len++;
		} else if (q == '{') {
			const char *close = strchr(re + i + len, '}');

			if (!close)
				return NULL;
			len = (size_t)(close - re) - i + 1;
		}
		if (q && strchr("?*+{", q) && re[i + len] &&
		    strchr("?+", re[i + len]))
			len++;		/* lazy or possessive */
		if (optional) {
			first = false;
			continue;
		}
		if (a == ATOM_PLUS)
			return "it needs a '+', and numbers are E.164 digits "
			       "without '+'";
		if (a == ATOM_NONDIGIT)
			return "it needs a character that is not a digit, and "
			       "numbers are E.164 digits only";
		if (a == ATOM_ZERO && first && anchored)
			return "it needs a leading 0, and no E.164 number "
			       "starts with 0 (write the country code, not a "
			       "national prefix)";
		first = false;
	}
	return NULL;
}

/* Every prefix and pattern of the rules, once the plan is known. */
static void
warn_never_match(struct parser *p, const struct cf_numplan *plan)
{
	size_t i, k, j;

	for (i = 0; i < p->nrules; i++) {
		struct prule *r = &p->rules[i];

		for (k = 0; k < r->nconds; k++) {
			struct pcond *pc = &r->conds[k];
			const char *why;

			if (pc->c.kind == CF_COND_PREFIX)
				for (j = 0; j < pc->nprefixes; j++)
					warn_prefix(p, plan, pc->prefix_at[j],
						    pc->prefixes[j]);
			if (pc->c.kind == CF_COND_MATCHES &&
			    (why = pattern_never_matches(pc->name)))
				pwarn(p, pc->at, "pattern /%s/ can never "
				      "match: %s", pc->name, why);
		}
	}
}

static char *
list_path(struct parser *p, const char *dir, const struct plist *l,
	  const struct cf_rules_opts *opts)
{
	char *path;
	size_t i;

	for (i = 0; opts && i < opts->nlists; i++)
		if (strcmp(opts->lists[i].name, l->name) == 0)
			return track(p, strdup(opts->lists[i].path));
	if (l->path[0] == '/' || !dir || !*dir)
		return l->path;
	if (asprintf(&path, "%s/%s", dir, l->path) < 0)
		return NULL;
	return track(p, path);
}

/* Add heuristic condition @pc; its table's memory is checked here, so a
 * budget too small is reported at the heuristics block. */
static int
add_heur(struct parser *p, struct cf_ruleset_builder *b, struct pcond *pc)
{
	uint64_t need;
	int r = cf_ruleset_builder_add_heur(b, &pc->heur);

	if (r == -EINVAL) {
		perr(p, pc->at, "heuristic '%s' is not usable", pc->name);
		return 0;
	}
	need = cf_ruleset_builder_heur_memory_min(b);
	if (r >= 0 && need > p->heur_memory && !p->heur_reported) {
		p->heur_reported = true;
		perr(p, p->has_heur ? p->heur_at : pc->at, "memory-per-core "
		     "%lluK is too small for the heuristic tables of these "
		     "rules (at least %lluK)",
		     (unsigned long long)(p->heur_memory >> 10),
		     (unsigned long long)((need + 1023) >> 10));
	}
	return r;
}

static int
build(struct parser *p, const struct cf_numplan *plan, const char *dir,
      const struct cf_rules_opts *opts, struct cf_ruleset **out)
{
	struct cf_ruleset_builder *b = cf_ruleset_builder_new(plan);
	struct cf_cond *conds = NULL;
	size_t i, k, conds_cap = 0;
	int r;

	if (!b)
		return -ENOMEM;
	cf_ruleset_builder_set_heur_config(b, p->heur_memory,
					   p->heur_max_call_ns);
	/* Load every list, even after a bad one: all errors in one run. */
	for (i = 0; i < p->nlists; i++) {
		struct plist *l = &p->lists[i];
		char *path = list_path(p, dir, l, opts);
		struct cf_list_stats st;
		struct cf_numset *set;

		if (!path) {
			p->errors++;
			continue;
		}
		r = cf_list_load(path, plan, &set, &st, p->diag);
		if (r < 0) {
			p->errors++;
			continue;
		}
		l->index = cf_ruleset_builder_add_list(b, l->name, path, set,
						       &st);
		if (l->index < 0)
			p->errors++;
	}
	if (p->errors) {
		cf_ruleset_builder_free(b);
		return -EINVAL;
	}
	for (i = 0; i < p->nrules; i++) {
		struct prule *pr = &p->rules[i];
		struct cf_rule_def def = {
			.id = pr->id, .reason = pr->reason,
			.priority = pr->priority, .line = pr->at.line,
			.action = pr->action, .reply = (enum cf_reply)pr->reply,
			.monitor = pr->monitor,
		};

		if (pr->nconds > conds_cap) {
			struct cf_cond *c = realloc(conds, pr->nconds *
						    sizeof(*c));

			if (!c) {
				r = -ENOMEM;
				goto fail;
			}
			conds = c;
			conds_cap = pr->nconds;
		}
		for (k = 0; k < pr->nconds; k++) {
			struct pcond *pc = &pr->conds[k];

			conds[k] = pc->c;
			r = 0;
			if (pc->c.kind == CF_COND_IN_LIST)
				r = find_list(p, pc->name)->index;
			else if (pc->c.kind == CF_COND_PREFIX)
				r = cf_ruleset_builder_add_prefixes(b,
						pc->prefixes, pc->nprefixes);
			else if (pc->c.kind == CF_COND_MATCHES)
				r = cf_ruleset_builder_add_pattern(b, pc->name,
						(enum cf_party_role)pc->c.party);
			else if (pc->c.kind == CF_COND_HEUR)
				r = add_heur(p, b, pc);
			else
				continue;
			if (r < 0)
				goto fail;
			conds[k].arg = (uint32_t)r;
		}
		r = cf_ruleset_builder_add_rule(b, &def, conds, pr->nconds);
		if (r < 0)
			goto fail;
	}
	cf_ruleset_builder_set_default(b, p->default_action, p->default_reason);
	free(conds);
	if (p->errors) {
		cf_ruleset_builder_free(b);
		return -EINVAL;
	}
	return cf_ruleset_builder_finish(b, out, p->diag);

fail:
	cf_diag_add(p->diag, "%s: error: cannot build the ruleset: %s",
		    p->name, strerror(-r));
	free(conds);
	cf_ruleset_builder_free(b);
	return r;
}

static void
parser_free(struct parser *p)
{
	size_t i;

	for (i = 0; i < p->nrules; i++)
		free(p->rules[i].conds);
	for (i = 0; i < p->nallocs; i++)
		free(p->allocs[i]);
	free(p->allocs);
	free(p->toks);
	free(p->lists);
	free(p->rules);
}

int
cf_rules_compile_text(const char *name, const char *text, size_t len,
		      const char *dir, const struct cf_rules_opts *opts,
		      struct cf_ruleset **out, struct cf_diag *diag)
{
	struct parser p = {
		.name = name, .diag = diag,
		.heur_memory = CF_HEUR_MEMORY_DEFAULT,
		.heur_max_call_ns = CF_HEUR_MAX_CALL_DEFAULT,
	};
	struct cf_numplan plan;
	bool plan_ok;
	size_t i;
	int r = -EINVAL;

	lex(&p, text, len);
	if (p.ntok == 0) {
		cf_diag_add(diag, "%s: error: out of memory", name);
		parser_free(&p);
		return -ENOMEM;
	}
	cf_diag_init(&p.warnings);
	parse_file(&p);
	plan_ok = build_plan(&p, &plan);
	check_rules(&p);
	if (plan_ok)
		warn_never_match(&p, &plan);
	for (i = 0; opts && i < opts->nlists; i++)
		if (!find_list(&p, opts->lists[i].name)) {
			cf_diag_add(diag, "%s: error: --list %s: the rules have "
				    "no list of that name", name,
				    opts->lists[i].name);
			p.errors++;
		}
	if (plan_ok)
		r = build(&p, &plan, dir, opts, out);
	for (i = 0; i < p.warnings.count; i++)
		cf_diag_add(diag, "%s", p.warnings.msgs[i]);
	cf_diag_free(&p.warnings);
	parser_free(&p);
	return p.errors ? -EINVAL : r;
}

int
cf_rules_compile(const char *path, const struct cf_rules_opts *opts,
		 struct cf_ruleset **out, struct cf_diag *diag)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL, *dir, *slash;
	size_t len = 0;
	int r;

	if (!f) {
		r = -errno;
		cf_diag_add(diag, "%s: error: %s", path, strerror(errno));
		return r;
	}
	{
		size_t cap = 0, got;

		do {
			char *t;

			if (len + 4096 > cap) {
				cap = cap ? 2 * cap : 65536;
				t = realloc(text, cap);
				if (!t) {
					free(text);
					fclose(f);
					return -ENOMEM;
				}
				text = t;
			}
			got = fread(text + len, 1, cap - len, f);
			len += got;
		} while (got > 0);
	}
	if (ferror(f)) {
		cf_diag_add(diag, "%s: error: read failed", path);
		fclose(f);
		free(text);
		return -EIO;
	}
	fclose(f);
	dir = strdup(path);
	if (!dir) {
		free(text);
		return -ENOMEM;
	}
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		dir[0] = '\0';
	r = cf_rules_compile_text(path, text ? text : "", len, dir, opts, out,
				  diag);
	free(dir);
	free(text);
	return r;
}

int
cf_rules_open(const char *path, const struct cf_rules_opts *opts,
	      struct cf_ruleset **out, struct cf_diag *diag)
{
	if (cf_ruleset_file_is_compiled(path)) {
		if (opts && opts->nlists) {
			cf_diag_add(diag, "%s: error: --list needs a rules file, "
				    "not a compiled ruleset", path);
			return -EINVAL;
		}
		return cf_ruleset_load(path, out, diag);
	}
	return cf_rules_compile(path, opts, out, diag);
}
