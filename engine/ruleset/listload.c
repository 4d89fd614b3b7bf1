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
	size_t num_len, label_len;
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
	 * The number comes first and may contain the visual separators the
	 * normaliser skips ("+86 10 1234 5678"); it ends at a tab, a comma,
	 * a semicolon or the first other character (a label's letter).
	 * The label is the rest of the line.
	 */
	num = s;
	for (num_len = 0; num_len < len && strchr("0123456789+-.() ",
						  num[num_len]); num_len++)
		;
	label = num + num_len;
	label_len = len - num_len;
	while (num_len && num[num_len - 1] == ' ')
		num_len--;
	while (label_len && (is_space(*label) || *label == ',' ||
			     *label == ';')) {
		label++;
		label_len--;
	}
	if (num_len == 0) {
		ld->st->numbers++;
		line_error(ld, line, s, len, "not a number");
		return;
	}
	ld->st->numbers++;
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
