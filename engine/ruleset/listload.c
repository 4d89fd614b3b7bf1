/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * List files: streamed in large reads, one number a line, normalised with
 * the ruleset's plan, turned into a number set.  Only the keys (and label
 * ids once a label appears) are kept, so 100 million numbers take about
 * 0.9 GB while loading and the set's size afterwards.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <callfence/ruleset.h>

#define READ_CHUNK	(1 << 20)
#define LINE_MAX_LEN	4096

struct loader {
	const char *path;
	const struct cf_numplan *plan;
	struct cf_diag *diag;
	struct cf_list_stats *st;
	uint64_t *keys;
	uint8_t *labels;	/* NULL until the first label */
	size_t n, cap;
	char *names[CF_NUMSET_LABELS_MAX];
	unsigned int nnames;	/* names[0] is "" (no label) */
	int err;		/* first fatal error (-ENOMEM) */
};

static void
line_error(struct loader *ld, uint64_t line, const char *a, size_t alen,
	   const char *why)
{
	ld->st->errors++;
	if (ld->st->errors <= CF_LIST_ERRORS_MAX)
		cf_diag_add(ld->diag, "%s:%llu: error: %.*s: %s", ld->path,
			    (unsigned long long)line, (int)alen, a, why);
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* What a byte of a list line can be. */
enum {
	L_OTHER = 0,
	L_NUMBER,	/* digits, '+', the visual separators "-.() " */
	L_COLUMN,	/* ';', ',' and tab end the number column */
};

static const uint8_t line_class[256] = {
	['0'] = L_NUMBER, ['1'] = L_NUMBER, ['2'] = L_NUMBER, ['3'] = L_NUMBER,
	['4'] = L_NUMBER, ['5'] = L_NUMBER, ['6'] = L_NUMBER, ['7'] = L_NUMBER,
	['8'] = L_NUMBER, ['9'] = L_NUMBER, ['+'] = L_NUMBER, ['-'] = L_NUMBER,
	['.'] = L_NUMBER, ['('] = L_NUMBER, [')'] = L_NUMBER, [' '] = L_NUMBER,
	[';'] = L_COLUMN, [','] = L_COLUMN, ['\t'] = L_COLUMN,
};

/* Only what a written number is made of (not necessarily a valid one). */
static bool
number_like(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (line_class[(unsigned char)s[i]] != L_NUMBER)
			return false;
	return true;
}

/* A label with nothing but digits and separators in it. */
static bool
digits_only(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (line_class[(unsigned char)s[i]] == L_OTHER)
			return false;
	return true;
}

static int
label_id(struct loader *ld, const char *s, size_t len, uint64_t line)
{
	unsigned int i;

	for (i = 1; i < ld->nnames; i++)
		if (strlen(ld->names[i]) == len && memcmp(ld->names[i], s, len) == 0)
			return (int)i;
	if (len > CF_NUMSET_LABEL_LEN_MAX) {
		line_error(ld, line, s, len,
			   "label longer than 63 bytes");
		return -1;
	}
	if (ld->nnames == CF_NUMSET_LABELS_MAX) {
		line_error(ld, line, s, len,
			   "more than 254 distinct labels");
		return -1;
	}
	ld->names[ld->nnames] = strndup(s, len);
	if (!ld->names[ld->nnames]) {
		ld->err = -ENOMEM;
		return -1;
	}
	return (int)ld->nnames++;
}

static void
take_line(struct loader *ld, const char *s, size_t len, uint64_t line)
{
	const char *hash = memchr(s, '#', len);
	const char *num, *label;
	size_t num_len, label_len, i;
	struct cf_number nb;
	int lid = 0;

	ld->st->lines++;
	if (hash)
		len = (size_t)(hash - s);
	while (len && is_space(*s)) {
		s++;
		len--;
	}
	while (len && is_space(s[len - 1]))
		len--;
	if (!len)
		return;
	/*
	 * Two columns: the number, then an optional label.  The number may
	 * hold the visual separators the normaliser skips, spaces included
	 * ("+86 10 1234 5678").  The label starts after the first ';', ','
	 * or tab; without one, it is the last space-separated word when that
	 * word is not made of digits and separators ("fraud-2024").  A
	 * number column with anything else in it is a broken number, never
	 * a shorter number and a label: "+86 138 abc 0000" and "1380013800O"
	 * are errors.  Nor is a label of digits alone: "138,0013,8000" is a
	 * number with commas in it, not 138 labelled "0013,8000".
	 */
	num = s;
	num_len = len;
	label = s + len;
	label_len = 0;
	for (i = 0; i < len && line_class[(unsigned char)s[i]] != L_COLUMN; i++)
		;
	if (i < len) {
		num_len = i;
		label = s + i + 1;
		label_len = len - i - 1;
	} else {
		for (i = len; i > 0 && !is_space(s[i - 1]); i--)
			;
		if (i > 0 && !number_like(s + i, len - i)) {
			num_len = i;
			label = s + i;
			label_len = len - i;
		}
	}
	while (num_len && is_space(num[num_len - 1]))
		num_len--;
	while (label_len && is_space(*label)) {
		label++;
		label_len--;
	}
	while (label_len && is_space(label[label_len - 1]))
		label_len--;
	ld->st->numbers++;
	if (num_len == 0 || !number_like(num, num_len)) {
		line_error(ld, line, num_len ? num : s, num_len ? num_len : len,
			   "not a number");
		return;
	}
	if (label_len && digits_only(label, label_len)) {
		line_error(ld, line, s, len, "a label of digits only (the rest "
			   "of the number?)");
		return;
	}
	if (cf_number_normalise(ld->plan, num, num_len, CF_NAI_UNKNOWN, &nb) !=
	    CF_NUM_OK) {
		line_error(ld, line, num, num_len,
			   cf_num_err_name(nb.err));
		return;
	}
	if (label_len) {
		lid = label_id(ld, label, label_len, line);
		if (lid < 0)
			return;
	}
	if (ld->n == ld->cap) {
		size_t cap = ld->cap ? ld->cap * 2 : 4096;
		uint64_t *k = realloc(ld->keys, cap * sizeof(*k));

		if (!k) {
			ld->err = -ENOMEM;
			return;
		}
		ld->keys = k;
		if (ld->labels) {
			uint8_t *l = realloc(ld->labels, cap);

			if (!l) {
				ld->err = -ENOMEM;
				return;
			}
			ld->labels = l;
		}
		ld->cap = cap;
	}
	if (lid && !ld->labels) {
		ld->labels = calloc(ld->cap, 1);
		if (!ld->labels) {
			ld->err = -ENOMEM;
			return;
		}
	}
	ld->keys[ld->n] = nb.key;
	if (ld->labels)
		ld->labels[ld->n] = (uint8_t)lid;
	ld->n++;
}

int
cf_list_load(const char *path, const struct cf_numplan *plan,
	     struct cf_numset **out, struct cf_list_stats *stats,
	     struct cf_diag *diag)
{
	struct cf_list_stats local;
	struct loader ld = {
		.path = path, .plan = plan, .diag = diag,
		.st = stats ? stats : &local,
	};
	char *buf = NULL;
	size_t have = 0;
	uint64_t line = 0;
	bool skipping = false;	/* inside an over-long line */
	int fd, r = 0;
	unsigned int i;

	memset(ld.st, 0, sizeof(*ld.st));
	ld.names[0] = "";
	ld.nnames = 1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		cf_diag_add(diag, "%s: error: cannot open list: %s", path,
			    strerror(errno));
		return r;
	}
	buf = malloc(READ_CHUNK + LINE_MAX_LEN);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t got = read(fd, buf + have, READ_CHUNK);
		size_t start = 0, i2;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			cf_diag_add(diag, "%s: error: read: %s", path,
				    strerror(errno));
			break;
		}
		have += (size_t)got;
		for (i2 = have - (size_t)got; i2 < have && !ld.err; i2++) {
			if (buf[i2] != '\n')
				continue;
			line++;
			if (!skipping)
				take_line(&ld, buf + start, i2 - start, line);
			skipping = false;
			start = i2 + 1;
		}
		if (ld.err) {
			r = ld.err;
			break;
		}
		if (got == 0) {
			/* A last line without a newline. */
			if (have > start && !skipping)
				take_line(&ld, buf + start, have - start, ++line);
			r = ld.err;
			break;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have > LINE_MAX_LEN) {
			if (!skipping)
				line_error(&ld, line + 1, buf, 20,
					   "line too long");
			skipping = true;
			have = 0;
		}
	}
	close(fd);
	free(buf);
	if (!r && ld.st->errors > CF_LIST_ERRORS_MAX)
		cf_diag_add(diag, "%s: error: %llu more bad lines not shown",
			    path, (unsigned long long)(ld.st->errors -
						       CF_LIST_ERRORS_MAX));
	if (!r && ld.st->errors)
		r = -EINVAL;
	if (!r) {
		r = cf_numset_build(ld.keys, ld.labels, ld.n,
				    (const char *const *)ld.names,
				    ld.labels ? ld.nnames : 0, NULL, out,
				    &ld.st->set);
		if (r < 0)
			cf_diag_add(diag, "%s: error: cannot build the set: %s",
				    path, strerror(-r));
		else
			ld.st->duplicates = ld.st->set.duplicates;
	}
	for (i = 1; i < ld.nnames; i++)
		free(ld.names[i]);
	free(ld.keys);
	free(ld.labels);
	return r;
}
