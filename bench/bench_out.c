/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The record of a run and the table writer: see bench_out.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench_out.h"
#include "bench_util.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif

#ifndef BENCH_SOURCE_ROOT
#define BENCH_SOURCE_ROOT "."
#endif

#define CELL_MAX	64
#define COLS_MAX	32

struct bench_table {
	FILE *csv;
	const char *path;
	unsigned ncols;
	unsigned col;		/* next cell of the current row */
	int width[COLS_MAX];
	bool quiet;
	bool failed;
};

/* First line of @cmd's output, without its newline; "" when it fails. */
static void
read_command(const char *cmd, char *dst, size_t size)
{
	FILE *p = popen(cmd, "r");

	dst[0] = '\0';
	if (!p)
		return;
	if (!fgets(dst, (int)size, p))
		dst[0] = '\0';
	dst[strcspn(dst, "\n")] = '\0';
	/* The rest is not ours to judge, but must be read for pclose. */
	while (fgetc(p) != EOF)
		;
	if (pclose(p) != 0)
		dst[0] = '\0';
}

/* The commit of the source tree the binary was built from: a figure
 * means nothing without the code that made it. */
static void
read_commit(char *dst, size_t size)
{
	char dirty[8];

	read_command("git -C '" BENCH_SOURCE_ROOT "' rev-parse --short HEAD "
		     "2>/dev/null", dst, size);
	if (!dst[0]) {
		snprintf(dst, size, "unknown");
		return;
	}
	/* Tracked files changed: the figures are of uncommitted code. */
	read_command("git -C '" BENCH_SOURCE_ROOT "' status --porcelain "
		     "--untracked-files=no 2>/dev/null | head -c 1", dirty,
		     sizeof(dirty));
	if (dirty[0])
		strncat(dst, "+dirty", size - strlen(dst) - 1);
}

static void
read_cpu_model(char *dst, size_t size)
{
	char line[256];
	FILE *ci = fopen("/proc/cpuinfo", "r");

	snprintf(dst, size, "unknown");
	while (ci && fgets(line, sizeof(line), ci)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && colon) {
			snprintf(dst, size, "%s", colon + 2);
			dst[strcspn(dst, "\n")] = '\0';
			break;
		}
	}
	if (ci)
		fclose(ci);
}

/* Append @arg to @dst, single-quoted when the shell would split it. */
static void
append_arg(char *dst, size_t size, const char *arg)
{
	size_t len = strlen(dst);
	bool quote = !*arg || strpbrk(arg, " \t\"'$;&|<>*?()\\") != NULL;

	if (len && len + 1 < size)
		dst[len++] = ' ';
	if (quote && len + 1 < size)
		dst[len++] = '\'';
	for (; *arg && len + 5 < size; arg++) {
		if (*arg == '\'') {
			memcpy(dst + len, "'\\''", 4);
			len += 4;
		} else {
			dst[len++] = *arg;
		}
	}
	if (quote && len + 1 < size)
		dst[len++] = '\'';
	dst[len] = '\0';
}

void
bench_env_init(struct bench_env *e, int argc, char **argv)
{
	struct utsname u;
	struct tm tm;
	time_t now = time(NULL);
	int i;

	memset(e, 0, sizeof(*e));
	snprintf(e->what, sizeof(e->what), "%s", argc > 0 ? argv[0] : "?");
	read_cpu_model(e->cpu, sizeof(e->cpu));
	e->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (uname(&u) == 0) {
		snprintf(e->kernel, sizeof(e->kernel), "%s %s", u.sysname,
			 u.release);
		snprintf(e->host, sizeof(e->host), "%s", u.nodename);
	}
	read_commit(e->commit, sizeof(e->commit));
	gmtime_r(&now, &tm);
	strftime(e->date, sizeof(e->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	append_arg(e->command, sizeof(e->command), "callfence-bench");
	for (i = 0; i < argc; i++)
		append_arg(e->command, sizeof(e->command), argv[i]);
}

void
bench_env_print(const struct bench_env *e, FILE *f, const char *prefix)
{
	fprintf(f, "%smachine: %s, %ld cpus, %s\n", prefix, e->cpu, e->cpus,
		e->kernel);
	fprintf(f, "%shost: %s\n", prefix, e->host);
	fprintf(f, "%scommit: %s\n", prefix, e->commit);
	fprintf(f, "%sdate: %s\n", prefix, e->date);
	fprintf(f, "%scommand: %s\n", prefix, e->command);
}

struct bench_table *
bench_table_open(const struct bench_env *e, const char *csv_path,
		 const char *const *cols, unsigned ncols, bool quiet)
{
	struct bench_table *t = calloc(1, sizeof(*t));
	unsigned i;

	if (!t || ncols == 0 || ncols > COLS_MAX) {
		free(t);
		fprintf(stderr, "callfence-bench: bad table\n");
		return NULL;
	}
	t->ncols = ncols;
	t->path = csv_path;
	t->quiet = quiet;
	if (csv_path) {
		t->csv = fopen(csv_path, "w");
		if (!t->csv) {
			fprintf(stderr, "callfence-bench %s: %s: %s\n", e->what,
				csv_path, strerror(errno));
			free(t);
			return NULL;
		}
		bench_env_print(e, t->csv, "# ");
	}
	if (!quiet) {
		bench_env_print(e, stdout, "");
		printf("\n");
	}
	for (i = 0; i < ncols; i++) {
		size_t w = strlen(cols[i]);

		t->width[i] = w < 9 ? 9 : (int)w;
		if (!quiet)
			printf("%s%*s", i ? "  " : "", t->width[i], cols[i]);
		if (t->csv)
			fprintf(t->csv, "%s%s", i ? "," : "", cols[i]);
	}
	if (!quiet)
		printf("\n");
	if (t->csv)
		fprintf(t->csv, "\n");
	fflush(stdout);
	return t;
}

void
bench_table_cell(struct bench_table *t, const char *fmt, ...)
{
	char cell[CELL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cell, sizeof(cell), fmt, ap);
	va_end(ap);
	/* A comma would shift every later column of the CSV. */
	for (char *c = cell; *c; c++)
		if (*c == ',')
			*c = ';';
	if (!t->quiet)
		printf("%s%*s", t->col ? "  " : "", t->width[t->col], cell);
	if (t->csv)
		fprintf(t->csv, "%s%s", t->col ? "," : "", cell);
	if (++t->col == t->ncols) {
		t->col = 0;
		if (!t->quiet) {
			printf("\n");
			fflush(stdout);
		}
		if (t->csv) {
			fprintf(t->csv, "\n");
			/* Each row on disk as it is made: a long run that
			 * is stopped keeps what it measured. */
			if (fflush(t->csv) != 0)
				t->failed = true;
		}
	}
}

int
bench_table_close(struct bench_table *t)
{
	int rc = 0;

	if (!t)
		return -1;
	if (t->col)
		printf("\n(row incomplete)\n");
	if (t->csv && (fclose(t->csv) != 0 || t->failed)) {
		fprintf(stderr, "callfence-bench: %s: %s\n", t->path,
			strerror(errno));
		rc = -1;
	}
	free(t);
	return rc;
}

static inline uint64_t
tsc_now(void)
{
#if HAVE_TSC
	return __rdtsc();
#else
	return 0;
#endif
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
bench_rounds(bench_round_fn *fn, void *ctx, uint64_t count, uint64_t round,
	     struct bench_timing *t, uint64_t *sink)
{
	uint64_t rounds = (count + round - 1) / round, r;
	uint64_t *ns = calloc(rounds ? rounds : 1, sizeof(*ns));
	uint64_t best = UINT64_MAX, best_tsc = 0, t0, c0, tsc;

	if (!ns || !round)
		goto fail;
	for (r = 0; r < rounds; r++) {
		t0 = bench_now_ns();
		c0 = tsc_now();
		if (fn(ctx, r * round, round, sink) < 0)
			goto fail;
		tsc = tsc_now() - c0;
		ns[r] = bench_now_ns() - t0;
		if (ns[r] < best) {
			best = ns[r];
			best_tsc = tsc;
		}
	}
	qsort(ns, rounds, sizeof(*ns), cmp_u64);
	t->ns = (double)best / (double)round;
	t->tsc = (double)best_tsc / (double)round;
	t->median_ns = (double)ns[rounds / 2] / (double)round;
	free(ns);
	return 0;
fail:
	free(ns);
	return -1;
}

int
bench_parse_u64(const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	unsigned long long u;
	char *end;
	double d;

	if (!v || *v < '0' || *v > '9')
		return -1;
	errno = 0;
	u = strtoull(v, &end, 10);
	/* 1e8 reads better than 100000000 on a command line. */
	if (*end == 'e' || *end == 'E' || *end == '.') {
		d = strtod(v, &end);
		if (*end || d < 0 || d > 1.8e19 || d != (double)(uint64_t)d)
			return -1;
		u = (unsigned long long)d;
	}
	if (errno || *end || u < lo || u > hi)
		return -1;
	*out = u;
	return 0;
}

int
bench_parse_double(const char *v, double lo, double hi, double *out)
{
	char *end;
	double d;

	if (!v)
		return -1;
	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || !(d >= lo && d <= hi))
		return -1;
	*out = d;
	return 0;
}

uint64_t
bench_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
bench_progress(const char *fmt, ...)
{
	static uint64_t start;
	uint64_t now = bench_now_ns();
	va_list ap;

	if (!start)
		start = now;
	fprintf(stderr, "[%6.1f s] ", (double)(now - start) / 1e9);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
