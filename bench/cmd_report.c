/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callfence-bench report: every speed figure with one command.  Runs the
 * chosen subcommands (decode, lookup, regex, pipeline, reload), each as
 * its own process (this binary again: a fresh address space, its own
 * pinning, and a crash that stays in its step), writing into one
 * directory, bench/results/<date>-<host>/ by default:
 *
 *   <step>.csv, <step>.txt   each step's table, as CSV and as printed
 *   pipeline-latency.csv     the latency CDF of every worker count
 *   plots.gp, *.png          gnuplot: cost per look-up against list size,
 *                            per call against pattern count, throughput
 *                            against workers, latency CDF
 *   summary.md               the record of the run, the ratios that
 *                            carry between machines, every table, plots
 *
 * --quick runs every step with small sizes (under a minute on a 2-core
 * machine): every file is made, the figures are only roughly right.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bench_out.h"
#include "bench_util.h"

#ifndef BENCH_CALLFENCED
#define BENCH_CALLFENCED "callfenced"
#endif
#define ARGS_MAX	32
#define PATH_LEN	1024

/* @dir/@name into @buf; a path that does not fit is a usage error the
 * caller's --out length check already refused, so it is only cut. */
static char *
join(char *buf, size_t size, const char *dir, const char *name)
{
	if (snprintf(buf, size, "%s/%s", dir, name) >= (int)size)
		buf[size - 1] = '\0';
	return buf;
}

enum step {
	STEP_DECODE = 0,
	STEP_LOOKUP,
	STEP_REGEX,
	STEP_PIPELINE,
	STEP_RELOAD,
	STEP__COUNT,
};

/* Each step's arguments, full and --quick; "--csv FILE" is added. */
static const struct {
	const char *name;
	const char *what;
	const char *full[ARGS_MAX];
	const char *quick[ARGS_MAX];
} steps[STEP__COUNT] = {
	[STEP_DECODE] = { "decode", "Decode: SIP INVITEs and ISUP IAMs per core",
		{ "--count", "2000000" },
		{ "--count", "20480" } },
	[STEP_LOOKUP] = { "lookup", "List look-ups per core against list size",
		{ "--lookups", "20000000" },
		{ "--max-size", "100000", "--lookups", "1000000" } },
	[STEP_REGEX] = { "regex", "Number patterns: cost per call, compile, load",
		{ "--seconds", "1" },
		{ "--max-patterns", "1000", "--seconds", "0.1" } },
	[STEP_PIPELINE] = { "pipeline", "Decode to verdict: per core, scaling, latency",
		{ "--seconds", "3" },
		{ "--seconds", "0.5", "--pool", "4096" } },
	[STEP_RELOAD] = { "reload", "callfenced under load while rules reload",
		{ "--duration", "10", "--reloads", "20", "--rate", "20000" },
		{ "--duration", "2", "--reloads", "4", "--rate", "5000",
		  "--list-size", "10000" } },
};

struct opts {
	bool quick;
	bool run[STEP__COUNT];
	const char *out;
	const char *callfenced;
	const char *max_size;		/* lookup --max-size */
	const char *max_patterns;	/* regex --max-patterns */
};

/* ---- CSV, as bench_out.c writes it --------------------------------------- */

struct csv {
	char *text;
	char *command;			/* from the '# command:' line */
	char **cell;			/* rows * ncols, header first */
	unsigned ncols, rows;		/* rows: the header included */
};

static void
csv_free(struct csv *c)
{
	free(c->text);
	free(c->cell);
	memset(c, 0, sizeof(*c));
}

static int
csv_load(struct csv *c, const char *path)
{
	FILE *f = fopen(path, "r");
	size_t len = 0, cap = 0, n;
	char *line, *next;
	unsigned cells = 0, cap_cells = 0;

	memset(c, 0, sizeof(*c));
	if (!f)
		return -1;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *t = realloc(c->text, cap = cap * 2 + 8192);

			if (!t)
				break;
			c->text = t;
		}
		n = fread(c->text + len, 1, cap - len - 1, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	if (!c->text)
		return -1;
	c->text[len] = '\0';
	for (line = c->text; line && *line; line = next) {
		unsigned col = 0;
		char *p;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '#') {
			if (strncmp(line, "# command: ", 11) == 0)
				c->command = line + 11;
			continue;
		}
		for (p = line; p; col++) {
			char *comma = strchr(p, ',');

			if (comma)
				*comma = '\0';
			if (cells == cap_cells) {
				char **t = realloc(c->cell, (cap_cells = cap_cells * 2 + 64) *
						   sizeof(*t));

				if (!t) {
					csv_free(c);
					return -1;
				}
				c->cell = t;
			}
			c->cell[cells++] = p;
			p = comma ? comma + 1 : NULL;
		}
		if (!c->ncols)
			c->ncols = col;
		if (col != c->ncols) {
			csv_free(c);
			return -1;
		}
		c->rows++;
	}
	return c->rows ? 0 : -1;
}

/* Column @name of data row @row (0 = the first after the header), or
 * NULL. */
static const char *
csv_get(const struct csv *c, unsigned row, const char *name)
{
	unsigned k;

	if (row + 1 >= c->rows)
		return NULL;
	for (k = 0; k < c->ncols; k++)
		if (strcmp(c->cell[k], name) == 0)
			return c->cell[(row + 1) * c->ncols + k];
	return NULL;
}

static double
csv_num(const struct csv *c, unsigned row, const char *name)
{
	const char *v = csv_get(c, row, name);

	return v ? strtod(v, NULL) : 0;
}

/* The CSV as a markdown table. */
static void
csv_markdown(const struct csv *c, FILE *f)
{
	unsigned r, k;

	for (r = 0; r < c->rows; r++) {
		for (k = 0; k < c->ncols; k++)
			fprintf(f, "| %s ", c->cell[r * c->ncols + k]);
		fprintf(f, "|\n");
		if (r == 0) {
			for (k = 0; k < c->ncols; k++)
				fprintf(f, "|---");
			fprintf(f, "|\n");
		}
	}
}

/* ---- running the steps ---------------------------------------------------- */

/*
 * Run @argv (argv[0] a path) with stdout to @out_path (NULL: inherited)
 * in directory @cwd (NULL: this one); its exit status, -1 when it could
 * not run or was killed.
 */
static int
spawn(char *const *argv, const char *out_path, const char *cwd)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (out_path) {
			int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC,
				      0644);

			if (fd < 0 || dup2(fd, 1) < 0)
				_exit(126);
			close(fd);
		}
		if (cwd && chdir(cwd) < 0)
			_exit(126);
		execvp(argv[0], argv);
		fprintf(stderr, "callfence-bench report: %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int
run_step(const struct opts *o, enum step s, const char *self, double *secs)
{
	const char *const *extra = o->quick ? steps[s].quick : steps[s].full;
	char csv[PATH_LEN], txt[PATH_LEN], cdf[PATH_LEN], name[64];
	char *argv[ARGS_MAX + 12];
	uint64_t t0 = bench_now_ns();
	int a = 0, i, rc;

	snprintf(name, sizeof(name), "%s.csv", steps[s].name);
	join(csv, sizeof(csv), o->out, name);
	snprintf(name, sizeof(name), "%s.txt", steps[s].name);
	join(txt, sizeof(txt), o->out, name);
	join(cdf, sizeof(cdf), o->out, "pipeline-latency.csv");
	argv[a++] = (char *)self;
	argv[a++] = (char *)steps[s].name;
	for (i = 0; i < ARGS_MAX && extra[i]; i++)
		argv[a++] = (char *)extra[i];
	if (s == STEP_LOOKUP && o->max_size) {
		argv[a++] = "--max-size";
		argv[a++] = (char *)o->max_size;
	}
	if (s == STEP_REGEX && o->max_patterns) {
		argv[a++] = "--max-patterns";
		argv[a++] = (char *)o->max_patterns;
	}
	if (s == STEP_PIPELINE) {
		argv[a++] = "--cdf-csv";
		argv[a++] = cdf;
	}
	if (s == STEP_RELOAD) {
		argv[a++] = "--callfenced";
		argv[a++] = (char *)o->callfenced;
	}
	argv[a++] = "--csv";
	argv[a++] = csv;
	argv[a] = NULL;
	bench_progress("report: %s", steps[s].name);
	rc = spawn(argv, txt, NULL);
	*secs = (double)(bench_now_ns() - t0) / 1e9;
	/* The table as the step printed it, for whoever watches. */
	{
		FILE *f = fopen(txt, "r");
		char line[1024];

		printf("\n== %s (%.1f s, exit %d)\n", steps[s].name, *secs, rc);
		while (f && fgets(line, sizeof(line), f))
			fputs(line, stdout);
		if (f)
			fclose(f);
		fflush(stdout);
	}
	return rc;
}

/* ---- plots ------------------------------------------------------------------- */

/* The (mode, workers) configurations of the latency CDF, one curve each. */
static void
plot_cdf_curves(FILE *gp, const char *dir)
{
	char path[PATH_LEN], seen[64][32];
	unsigned n = 0, r, k;
	struct csv c;
	const char *sep = "plot ";

	join(path, sizeof(path), dir, "pipeline-latency.csv");
	if (csv_load(&c, path) < 0) {
		fprintf(gp, "plot 0 title 'no latency data'\n");
		return;
	}
	for (r = 0; r + 1 < c.rows && n < 64; r++) {
		char key[32];

		snprintf(key, sizeof(key), "%s %s", csv_get(&c, r, "mode"),
			 csv_get(&c, r, "workers"));
		for (k = 0; k < n && strcmp(seen[k], key); k++)
			;
		if (k < n)
			continue;
		snprintf(seen[n++], sizeof(seen[0]), "%s", key);
		fprintf(gp, "%s'pipeline-latency.csv' using "
			"(strcol(\"mode\") eq \"%s\" && column(\"workers\") == %s ? "
			"column(\"latency_ns\") / 1000.0 : 1/0):\"percentile\" "
			"with linespoints title '%s, %s worker(s)'", sep,
			csv_get(&c, r, "mode"), csv_get(&c, r, "workers"),
			csv_get(&c, r, "mode"), csv_get(&c, r, "workers"));
		sep = ", \\\n\t";
	}
	fprintf(gp, "\n");
	csv_free(&c);
}

/*
 * The regex CSV interleaves the shapes (each count in turn), and gnuplot
 * breaks a line at every row a filter leaves out: one data block per
 * shape in the script instead, so each curve is drawn joined.
 */
static void
plot_regex(FILE *gp, const char *dir)
{
	static const char *const shapes[] = { "scan", "chain", "prefixes" };
	char path[PATH_LEN];
	unsigned k, r;
	struct csv c;

	join(path, sizeof(path), dir, "regex.csv");
	if (csv_load(&c, path) < 0) {
		fprintf(gp, "# no regex.csv\n");
		return;
	}
	for (k = 0; k < 3; k++) {
		fprintf(gp, "$%s << EOD\npatterns,ns_per_call,compile_ms,"
			"load_ms\n", shapes[k]);
		for (r = 0; r + 1 < c.rows; r++)
			if (strcmp(csv_get(&c, r, "shape"), shapes[k]) == 0)
				fprintf(gp, "%s,%s,%s,%s\n",
					csv_get(&c, r, "patterns"),
					csv_get(&c, r, "ns_per_call"),
					csv_get(&c, r, "compile_ms"),
					csv_get(&c, r, "load_ms"));
		fprintf(gp, "EOD\n");
	}
	csv_free(&c);
	fprintf(gp,
		"set output 'regex.png'\n"
		"set title 'Judging a call against N number patterns (one core)'\n"
		"set logscale xy 10\n"
		"set xlabel 'patterns in the ruleset'\n"
		"set ylabel 'ns per call'\n"
		"plot $scan using 1:2 w lp t 'scan: one Hyperscan database, one rule', \\\n"
		"\t$chain using 1:2 w lp t 'chain: one rule per pattern', \\\n"
		"\t$prefixes using 1:2 w lp t 'prefixes: N number prefixes, no regex'\n"
		"set output 'regex-compile.png'\n"
		"set title 'Pattern database: compile and load'\n"
		"set ylabel 'milliseconds'\n"
		"plot $scan using 1:3 w lp t 'compile (rules file)', \\\n"
		"\t$scan using 1:4 w lp t 'load (compiled file, deserialise)'\n"
		"unset logscale\n\n");
}

static int
write_plots(const struct opts *o)
{
	char path[PATH_LEN];
	char *argv[] = { "gnuplot", "plots.gp", NULL };
	FILE *gp;

	join(path, sizeof(path), o->out, "plots.gp");
	gp = fopen(path, "w");
	if (!gp)
		return -1;
	fprintf(gp,
		"# callfence-bench report: the plots of this directory's CSVs.\n"
		"# Run here: gnuplot plots.gp\n"
		"set terminal pngcairo size 900,560 noenhanced\n"
		"set datafile separator ','\n"
		"set datafile columnheaders\n"
		"set grid\n"
		"set key top left\n\n");
	if (o->run[STEP_LOOKUP])
		fprintf(gp,
			"set output 'lookup.png'\n"
			"set title 'List look-up cost against list size (one core)'\n"
			"set logscale x 10\nset logscale y 2\n"
			"set xlabel 'numbers in the list'\n"
			"set ylabel 'ns per look-up (CPU time)'\n"
			"set y2label 'bytes per number'\nset y2tics\n"
			"set yrange [1:1024]\nset y2range [0:16]\n"
			"plot 'lookup.csv' using 'numbers':'single_ns' w lp t 'single, mapped file', \\\n"
			"\t'' using 'numbers':'batched_ns' w lp t 'batched, mapped file', \\\n"
			"\t'' using 'numbers':'thp_single_ns' w lp t 'single, huge pages', \\\n"
			"\t'' using 'numbers':'thp_batched_ns' w lp t 'batched, huge pages', \\\n"
			"\t'' using 'numbers':'bytes_per_number' axes x1y2 w lp dt 2 t 'bytes per number (right)'\n"
			"unset y2label\nunset y2tics\nset autoscale y\nset autoscale y2\n"
			"unset logscale\n\n");
	if (o->run[STEP_REGEX])
		plot_regex(gp, o->out);
	if (o->run[STEP_PIPELINE]) {
		fprintf(gp,
			"set output 'pipeline.png'\n"
			"set title 'Decode to verdict: calls per second against workers'\n"
			"set xlabel 'workers'\nset ylabel 'calls/s'\n"
			"set xtics 1\nset yrange [0:*]\n"
			"plot 'pipeline.csv' using 'workers':(strcol('mode') eq 'inline' ? column('calls_per_s') : 1/0) w lp t 'inline (callfenced: each worker decodes and judges)', \\\n"
			"\t'' using 'workers':(strcol('mode') eq 'split' ? column('calls_per_s') : 1/0) w lp t 'split (a producer thread per worker)'\n"
			"set autoscale\nset xtics autofreq\n\n"
			"set output 'latency.png'\n"
			"set title 'Latency per call, burst arrival to verdict (CDF)'\n"
			"set logscale x 10\n"
			"set xlabel 'microseconds'\nset ylabel 'percentile'\n"
			"set yrange [0:100]\nset key bottom right\n");
		fclose(gp);
		gp = fopen(path, "a");
		if (!gp)
			return -1;
		plot_cdf_curves(gp, o->out);
		fprintf(gp, "unset logscale\nset autoscale\n");
	}
	if (fclose(gp) != 0)
		return -1;
	if (spawn(argv, NULL, o->out) != 0) {
		fprintf(stderr, "callfence-bench report: gnuplot failed or is "
			"missing (scripts/setup-debian.sh installs "
			"gnuplot-nox)\n");
		return -1;
	}
	return 0;
}

/* ---- summary.md ---------------------------------------------------------------- */

/* Index of the first and last row whose @col is @val (NULL: any). */
static bool
rows_where(const struct csv *c, const char *col, const char *val,
	   unsigned *first, unsigned *last)
{
	unsigned r;
	bool any = false;

	for (r = 0; r + 1 < c->rows; r++) {
		const char *v = col ? csv_get(c, r, col) : "";

		if (col && (!v || strcmp(v, val)))
			continue;
		if (!any)
			*first = r;
		*last = r;
		any = true;
	}
	return any;
}

static void
ratio_line(FILE *f, const char *what, double lo, double hi, const char *lo_at,
	   const char *hi_at, const char *unit)
{
	double q = lo > 0 ? hi / lo : 0;

	fprintf(f, "| %s | %.1f %s at %s | %.1f %s at %s | %.2f× | %s |\n",
		what, lo, unit, lo_at, hi, unit, hi_at, q,
		q > 0 && q <= 2 ? "yes" : "no");
}

static void
ratios(FILE *f, const struct opts *o)
{
	char path[PATH_LEN];
	unsigned a, b;
	struct csv c;

	fprintf(f, "## Ratios (what carries from one machine to another)\n\n"
		"| figure | small | large | ratio | within 2× |\n"
		"|---|---|---|---|---|\n");
	join(path, sizeof(path), o->out, "lookup.csv");
	if (o->run[STEP_LOOKUP] && csv_load(&c, path) == 0) {
		if (rows_where(&c, NULL, NULL, &a, &b)) {
			ratio_line(f, "look-up, batched, huge pages",
				   csv_num(&c, a, "thp_batched_ns"),
				   csv_num(&c, b, "thp_batched_ns"),
				   csv_get(&c, a, "numbers"),
				   csv_get(&c, b, "numbers"), "ns");
			ratio_line(f, "look-up, single, huge pages",
				   csv_num(&c, a, "thp_single_ns"),
				   csv_num(&c, b, "thp_single_ns"),
				   csv_get(&c, a, "numbers"),
				   csv_get(&c, b, "numbers"), "ns");
			ratio_line(f, "look-up, batched, mapped file",
				   csv_num(&c, a, "batched_ns"),
				   csv_num(&c, b, "batched_ns"),
				   csv_get(&c, a, "numbers"),
				   csv_get(&c, b, "numbers"), "ns");
		}
		csv_free(&c);
	}
	join(path, sizeof(path), o->out, "regex.csv");
	if (o->run[STEP_REGEX] && csv_load(&c, path) == 0) {
		if (rows_where(&c, "shape", "scan", &a, &b))
			ratio_line(f, "judge, N patterns in one database",
				   csv_num(&c, a, "ns_per_call"),
				   csv_num(&c, b, "ns_per_call"),
				   csv_get(&c, a, "patterns"),
				   csv_get(&c, b, "patterns"), "ns");
		if (rows_where(&c, "shape", "chain", &a, &b))
			ratio_line(f, "judge, one rule per pattern",
				   csv_num(&c, a, "ns_per_call"),
				   csv_num(&c, b, "ns_per_call"),
				   csv_get(&c, a, "patterns"),
				   csv_get(&c, b, "patterns"), "ns");
		if (rows_where(&c, "shape", "prefixes", &a, &b))
			ratio_line(f, "judge, N prefixes in one table (no regex)",
				   csv_num(&c, a, "ns_per_call"),
				   csv_num(&c, b, "ns_per_call"),
				   csv_get(&c, a, "patterns"),
				   csv_get(&c, b, "patterns"), "ns");
		csv_free(&c);
	}
	fprintf(f, "\n| figure | 1 | N | ratio |\n|---|---|---|---|\n");
	join(path, sizeof(path), o->out, "pipeline.csv");
	if (o->run[STEP_PIPELINE] && csv_load(&c, path) == 0) {
		if (rows_where(&c, "mode", "inline", &a, &b))
			fprintf(f, "| pipeline calls/s, inline, 1 → %s workers | "
				"%.0f | %.0f | %.2f× |\n",
				csv_get(&c, b, "workers"),
				csv_num(&c, a, "calls_per_s"),
				csv_num(&c, b, "calls_per_s"),
				csv_num(&c, b, "calls_per_s") /
				csv_num(&c, a, "calls_per_s"));
		if (rows_where(&c, "mode", "split", &a, &b))
			fprintf(f, "| pipeline calls/s, split, 1 → %s workers | "
				"%.0f | %.0f | %.2f× |\n",
				csv_get(&c, b, "workers"),
				csv_num(&c, a, "calls_per_s"),
				csv_num(&c, b, "calls_per_s"),
				csv_num(&c, b, "calls_per_s") /
				csv_num(&c, a, "calls_per_s"));
		csv_free(&c);
	}
	join(path, sizeof(path), o->out, "reload.csv");
	if (o->run[STEP_RELOAD] && csv_load(&c, path) == 0) {
		for (a = 1; a + 1 < c.rows; a++)
			fprintf(f, "| reload: p99 latency, baseline → %s "
				"| %.1f µs | %.1f µs | %.2f× |\n"
				"| reload: lost calls, baseline → %s "
				"| %s | %s | |\n",
				csv_get(&c, a, "phase"),
				csv_num(&c, 0, "p99_us"),
				csv_num(&c, a, "p99_us"),
				csv_num(&c, a, "p99_us") /
				(csv_num(&c, 0, "p99_us") > 0 ?
				 csv_num(&c, 0, "p99_us") : 1),
				csv_get(&c, a, "phase"),
				csv_get(&c, 0, "lost"), csv_get(&c, a, "lost"));
		csv_free(&c);
	}
	fprintf(f, "\n");
}

static const char *const step_plots[STEP__COUNT][3] = {
	[STEP_LOOKUP] = { "lookup.png" },
	[STEP_REGEX] = { "regex.png", "regex-compile.png" },
	[STEP_PIPELINE] = { "pipeline.png", "latency.png" },
};

static int
write_summary(const struct opts *o, const struct bench_env *env,
	      const int *status, const double *secs)
{
	char path[PATH_LEN];
	unsigned s, k;
	FILE *f;

	join(path, sizeof(path), o->out, "summary.md");
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "# callfence-bench report%s\n\n", o->quick ?
		" (--quick: small sizes, every file, rough figures)" : "");
	fprintf(f, "- machine: %s, %ld cpus, %s\n- host: %s\n- commit: %s\n"
		"- date: %s\n- command: `%s`\n\n", env->cpu, env->cpus,
		env->kernel, env->host, env->commit, env->date, env->command);
	fprintf(f, "Absolute figures vary between machines and with the load "
		"of a shared one; the ratios below, within one run, are what "
		"to compare.\n\n");
	ratios(f, o);
	for (s = 0; s < STEP__COUNT; s++) {
		char name[64];
		struct csv c;

		if (!o->run[s])
			continue;
		snprintf(name, sizeof(name), "%s.csv", steps[s].name);
		join(path, sizeof(path), o->out, name);
		fprintf(f, "## %s\n\n", steps[s].what);
		if (csv_load(&c, path) < 0) {
			fprintf(f, "No figures: the step failed (exit %d).\n\n",
				status[s]);
			continue;
		}
		fprintf(f, "`%s` (%.1f s, exit %d)\n\n",
			c.command ? c.command : "?", secs[s], status[s]);
		csv_markdown(&c, f);
		fprintf(f, "\n");
		for (k = 0; k < 3 && step_plots[s][k]; k++)
			fprintf(f, "![%s](%s)\n\n", step_plots[s][k],
				step_plots[s][k]);
		csv_free(&c);
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* ---- the command ----------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: callfence-bench report [--quick] [--out DIR] [--only STEP,...]\n"
		"                              [--callfenced PATH] [--max-size N]\n"
		"                              [--max-patterns N]\n"
		"  --quick            small sizes: every file in under a minute\n"
		"  --out DIR          default bench/results/DATE-HOST\n"
		"  --only STEPS       some of decode,lookup,regex,pipeline,reload\n"
		"  --callfenced PATH  for reload (default: the one built beside this)\n"
		"  --max-size N       lookup's largest list (default 1e8, quick 1e5)\n"
		"  --max-patterns N   regex's largest count (default 1e5, quick 1e3)\n");
}

static int
parse(struct opts *o, int argc, char **argv)
{
	int i, s;

	for (s = 0; s < STEP__COUNT; s++)
		o->run[s] = true;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 1;
		} else if (strcmp(a, "--quick") == 0) {
			o->quick = true;
			continue;
		} else if (!v) {
			break;
		} else if (strcmp(a, "--out") == 0) {
			/* Room for the longest file name below it. */
			if (strlen(v) > PATH_LEN - 64) {
				fprintf(stderr, "callfence-bench report: "
					"--out: path too long\n");
				return 2;
			}
			o->out = v;
		} else if (strcmp(a, "--callfenced") == 0) {
			o->callfenced = v;
		} else if (strcmp(a, "--max-size") == 0) {
			o->max_size = v;
		} else if (strcmp(a, "--max-patterns") == 0) {
			o->max_patterns = v;
		} else if (strcmp(a, "--only") == 0) {
			char list[256], *tok, *save = NULL;

			snprintf(list, sizeof(list), "%s", v);
			for (s = 0; s < STEP__COUNT; s++)
				o->run[s] = false;
			for (tok = strtok_r(list, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				for (s = 0; s < STEP__COUNT &&
				     strcmp(tok, steps[s].name); s++)
					;
				if (s == STEP__COUNT) {
					fprintf(stderr, "callfence-bench report: "
						"unknown step %s\n", tok);
					return 2;
				}
				o->run[s] = true;
			}
		} else {
			break;
		}
		i++;
	}
	if (i < argc) {
		fprintf(stderr, "callfence-bench report: bad option %s\n",
			argv[i]);
		usage(stderr);
		return 2;
	}
	return 0;
}

/* mkdir -p */
static int
make_dirs(const char *path)
{
	char p[PATH_LEN], *s;

	snprintf(p, sizeof(p), "%s", path);
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int
cmd_report(int argc, char **argv)
{
	struct opts o = { .callfenced = BENCH_CALLFENCED };
	char out[PATH_LEN], self[PATH_LEN], day[16];
	int status[STEP__COUNT] = { 0 };
	double secs[STEP__COUNT] = { 0 };
	struct bench_env env;
	time_t now = time(NULL);
	struct tm tm;
	ssize_t n;
	int rc, s;

	rc = parse(&o, argc, argv);
	if (rc)
		return rc == 1 ? 0 : rc;
	bench_env_init(&env, argc, argv);
	if (!o.out) {
		gmtime_r(&now, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		snprintf(out, sizeof(out), "bench/results/%s-%s", day, env.host);
		o.out = out;
	}
	/* The steps are this program again. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		fprintf(stderr, "callfence-bench report: /proc/self/exe: %s\n",
			strerror(errno));
		return 1;
	}
	self[n] = '\0';
	if (make_dirs(o.out) < 0) {
		fprintf(stderr, "callfence-bench report: %s: %s\n", o.out,
			strerror(errno));
		return 1;
	}
	bench_env_print(&env, stdout, "");
	printf("results: %s\n", o.out);
	rc = 0;
	for (s = 0; s < STEP__COUNT; s++) {
		if (!o.run[s])
			continue;
		status[s] = run_step(&o, (enum step)s, self, &secs[s]);
		if (status[s] != 0)
			rc = 1;
	}
	if (write_plots(&o) < 0)
		rc = 1;
	if (write_summary(&o, &env, status, secs) < 0) {
		fprintf(stderr, "callfence-bench report: cannot write "
			"%s/summary.md\n", o.out);
		rc = 1;
	}
	bench_progress("report: %s/summary.md%s", o.out,
		       rc ? " (some steps failed)" : "");
	return rc;
}
