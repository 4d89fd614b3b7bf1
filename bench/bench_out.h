/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every callfence-bench figure carries with it, and how it is
 * written: the record of the run (machine, commit, exact command, date)
 * and a table printed on stdout and written as CSV at once, so the two
 * never disagree.
 *
 * A CSV starts with '#' lines holding the record (gnuplot and the report
 * skip them), then one header line, then the rows.  Cells are plain
 * numbers or words; no cell holds a comma.
 */
#ifndef CALLFENCE_BENCH_OUT_H
#define CALLFENCE_BENCH_OUT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The record of one run. */
struct bench_env {
	char what[32];		/* the subcommand */
	char cpu[128];		/* model name */
	long cpus;		/* online */
	char kernel[160];	/* "Linux 6.1.0-..." */
	char commit[48];	/* short hash, "+dirty" when the tree is; or
				 * "unknown" */
	char host[72];
	char date[32];		/* UTC, ISO 8601 */
	char command[2048];	/* as typed, quoted where it must be */
};

/* Fill @e for subcommand @argv[0] with arguments @argv[1..argc-1]. */
void bench_env_init(struct bench_env *e, int argc, char **argv);

/* The record as '#'-prefixed lines (for a CSV) or plain lines. */
void bench_env_print(const struct bench_env *e, FILE *f, const char *prefix);

/* A table being written: stdout and, when given, a CSV file. */
struct bench_table;

/*
 * Start a table of @ncols columns named @cols (CSV header names: short,
 * no spaces, unit in the name, e.g. "ns_per_call").  Prints the record
 * and the header on stdout (unless @quiet: a long table for plots only),
 * and to @csv_path (NULL: no file) the record as comments and the
 * header.  NULL with a message on stderr when the file cannot be made.
 */
struct bench_table *bench_table_open(const struct bench_env *e,
				     const char *csv_path,
				     const char *const *cols, unsigned ncols,
				     bool quiet);

/* The next cell of the current row (printf-like); the row ends and is
 * written when the last column is given. */
void bench_table_cell(struct bench_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Finish: 0, or -1 when the CSV could not be written (said why). */
int bench_table_close(struct bench_table *t);

/*
 * Timing in rounds.  @fn does @n calls from index @start of its workload
 * and folds a result into *@sink (so the work cannot be dropped); it
 * returns -1 when the workload is broken.  bench_rounds() runs @count
 * calls in rounds of @round: the fastest round is the code's speed, the
 * median says how much the neighbours took on a shared machine.  Per
 * call: ns of the fastest round, TSC ticks of that round (0 where there
 * is no TSC), median ns.
 */
typedef int bench_round_fn(void *ctx, uint64_t start, uint64_t n,
			   uint64_t *sink);

struct bench_timing {
	double ns;
	double tsc;
	double median_ns;
};

int bench_rounds(bench_round_fn *fn, void *ctx, uint64_t count,
		 uint64_t round, struct bench_timing *t, uint64_t *sink);

/* Option values: 0, or -1 when @v is not a number within [lo, hi]. */
int bench_parse_u64(const char *v, uint64_t lo, uint64_t hi, uint64_t *out);
int bench_parse_double(const char *v, double lo, double hi, double *out);

/* CPU time of the calling thread, ns: rates per CPU second do not count
 * time the scheduler gave to others on a shared machine. */
uint64_t bench_thread_cpu_ns(void);

/* Progress of a long run: a line on stderr, stamped with the seconds
 * since the first call. */
void bench_progress(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif
