/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Diagnostics of a ruleset build: a growing list of messages. */

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <callfence/ruleset.h>

void
cf_diag_init(struct cf_diag *diag)
{
	memset(diag, 0, sizeof(*diag));
}

void
cf_diag_add(struct cf_diag *diag, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int n;

	if (!diag)
		return;
	if (diag->count == diag->cap) {
		size_t cap = diag->cap ? 2 * diag->cap : 16;
		char **m = realloc(diag->msgs, cap * sizeof(*m));

		if (!m)
			return;
		diag->msgs = m;
		diag->cap = cap;
	}
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	diag->msgs[diag->count++] = msg;
}

void
cf_diag_print(const struct cf_diag *diag, FILE *f)
{
	size_t i;

	for (i = 0; i < diag->count; i++)
		fprintf(f, "%s\n", diag->msgs[i]);
}

void
cf_diag_free(struct cf_diag *diag)
{
	size_t i;

	for (i = 0; i < diag->count; i++)
		free(diag->msgs[i]);
	free(diag->msgs);
	memset(diag, 0, sizeof(*diag));
}
