/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Metrics registry and Prometheus text exposition: see callfence/metrics.h. */

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <callfence/metrics.h>

#define MAX_FAMILIES	64
#define MAX_BOUNDS	32
#define CACHE_LINE	64

struct family {
	const char *name, *help;
	enum cf_metric_type type;
	struct cf_metric_label labels[2];
	unsigned int n_labels;
	uint64_t bounds[MAX_BOUNDS];
	unsigned int n_bounds;
	double scale;
	uint32_t base;		/* first slot (counters, histograms) or gauge */
	uint32_t per_combo;	/* slots per label combination */
};

struct cf_metrics {
	unsigned int workers;
	struct family fam[MAX_FAMILIES];
	unsigned int n_fam;
	uint32_t n_slots;	/* per-core slots */
	uint32_t n_gauges;
	size_t stride;		/* slots per block, whole cache lines */
	uint64_t *blocks;
	double *gauges;
	bool sealed;
};

struct cf_metrics *
cf_metrics_new(unsigned int workers)
{
	struct cf_metrics *m;

	if (workers == 0)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (m)
		m->workers = workers;
	return m;
}

void
cf_metrics_free(struct cf_metrics *m)
{
	if (!m)
		return;
	free(m->blocks);
	free(m->gauges);
	free(m);
}

/* Prometheus metric names: [a-zA-Z_:][a-zA-Z0-9_:]*. */
static bool
valid_name(const char *s)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_' || *s == ':'))
		return false;
	for (s++; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_' || *s == ':'))
			return false;
	return true;
}

static unsigned int
combos(const struct family *f)
{
	unsigned int n = 1, i;

	for (i = 0; i < f->n_labels; i++)
		n *= f->labels[i].count;
	return n;
}

int
cf_metrics_add(struct cf_metrics *m, const char *name, const char *help,
	       enum cf_metric_type type, const struct cf_metric_label *labels,
	       unsigned int n_labels, const uint64_t *bounds,
	       unsigned int n_bounds, double scale)
{
	struct family *f;
	unsigned int i;

	if (m->sealed || m->n_fam == MAX_FAMILIES || !valid_name(name) ||
	    n_labels > 2 || (n_labels && !labels) ||
	    (type == CF_METRIC_HISTOGRAM && (n_bounds == 0 || n_bounds > MAX_BOUNDS)))
		return -1;
	f = &m->fam[m->n_fam];
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->help = help ? help : "";
	f->type = type;
	f->n_labels = n_labels;
	for (i = 0; i < n_labels; i++) {
		if (!valid_name(labels[i].key) || labels[i].count == 0 ||
		    strcmp(labels[i].key, "le") == 0)
			return -1;
		f->labels[i] = labels[i];
	}
	if (type == CF_METRIC_HISTOGRAM) {
		for (i = 0; i < n_bounds; i++)
			if (i > 0 && bounds[i] <= bounds[i - 1])
				return -1;
		memcpy(f->bounds, bounds, n_bounds * sizeof(*bounds));
		f->n_bounds = n_bounds;
		/* buckets (+Inf included), then sum and count */
		f->per_combo = n_bounds + 1 + 2;
	} else {
		f->per_combo = 1;
	}
	f->scale = scale;
	if (type == CF_METRIC_GAUGE) {
		f->base = m->n_gauges;
		m->n_gauges += combos(f);
	} else {
		f->base = m->n_slots;
		m->n_slots += combos(f) * f->per_combo;
	}
	return (int)m->n_fam++;
}

int
cf_metrics_seal(struct cf_metrics *m)
{
	size_t per_line = CACHE_LINE / sizeof(uint64_t);

	if (m->sealed)
		return -1;
	/* Whole cache lines per core: no two cores write one line. */
	m->stride = (m->n_slots + per_line - 1) / per_line * per_line;
	if (m->stride == 0)
		m->stride = per_line;
	m->blocks = aligned_alloc(CACHE_LINE,
				  m->stride * m->workers * sizeof(uint64_t));
	m->gauges = calloc(m->n_gauges ? m->n_gauges : 1, sizeof(double));
	if (!m->blocks || !m->gauges)
		return -1;
	memset(m->blocks, 0, m->stride * m->workers * sizeof(uint64_t));
	m->sealed = true;
	return 0;
}

uint32_t
cf_metrics_slot(const struct cf_metrics *m, int id, unsigned int a,
		unsigned int b)
{
	const struct family *f = &m->fam[id];
	unsigned int nb = f->n_labels > 1 ? f->labels[1].count : 1;

	return f->base + (a * nb + b) * f->per_combo;
}

uint64_t *
cf_metrics_block(struct cf_metrics *m, unsigned int core)
{
	return m->blocks + core * m->stride;
}

void
cf_metrics_observe(const struct cf_metrics *m, uint64_t *block, int id,
		   uint64_t value)
{
	const struct family *f = &m->fam[id];
	uint32_t slot = f->base;
	unsigned int i = 0;

	while (i < f->n_bounds && value > f->bounds[i])
		i++;
	cf_metrics_count(block, slot + i, 1);
	cf_metrics_count(block, slot + f->n_bounds + 1, value);
	cf_metrics_count(block, slot + f->n_bounds + 2, 1);
}

void
cf_metrics_set(struct cf_metrics *m, int id, unsigned int a, unsigned int b,
	       double value)
{
	const struct family *f = &m->fam[id];
	unsigned int nb = f->n_labels > 1 ? f->labels[1].count : 1;

	__atomic_store(&m->gauges[f->base + a * nb + b], &value,
		       __ATOMIC_RELAXED);
}

uint64_t
cf_metrics_read(const struct cf_metrics *m, uint32_t slot)
{
	uint64_t sum = 0;
	unsigned int c;

	for (c = 0; c < m->workers; c++)
		sum += __atomic_load_n(&m->blocks[c * m->stride + slot],
				       __ATOMIC_RELAXED);
	return sum;
}

/* HELP text escapes backslash and newline; label values also quotes. */
static void
put_escaped(FILE *out, const char *s, bool quotes)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (quotes && *s == '"')
			fputs("\\\"", out);
		else
			fputc(*s, out);
	}
}

/* {k1="v1",k2="v2"[,le="x"]} or nothing. */
static void
put_labels(FILE *out, const struct family *f, unsigned int a, unsigned int b,
	   const char *le)
{
	unsigned int v[2] = { a, b }, i;

	if (f->n_labels == 0 && !le)
		return;
	fputc('{', out);
	for (i = 0; i < f->n_labels; i++) {
		fprintf(out, "%s%s=\"", i ? "," : "", f->labels[i].key);
		put_escaped(out, f->labels[i].values[v[i]], true);
		fputc('"', out);
	}
	if (le)
		fprintf(out, "%sle=\"%s\"", f->n_labels ? "," : "", le);
	fputc('}', out);
}

static void
write_histogram(const struct cf_metrics *m, FILE *out, const struct family *f,
		unsigned int a, unsigned int b)
{
	uint32_t slot = cf_metrics_slot(m, (int)(f - m->fam), a, b);
	uint64_t cumulative = 0;
	unsigned int i;
	char le[32];

	for (i = 0; i <= f->n_bounds; i++) {
		cumulative += cf_metrics_read(m, slot + i);
		if (i < f->n_bounds)
			snprintf(le, sizeof(le), "%.9g", (double)f->bounds[i] * f->scale);
		else
			snprintf(le, sizeof(le), "+Inf");
		fprintf(out, "%s_bucket", f->name);
		put_labels(out, f, a, b, le);
		fprintf(out, " %llu\n", (unsigned long long)cumulative);
	}
	fprintf(out, "%s_sum", f->name);
	put_labels(out, f, a, b, NULL);
	fprintf(out, " %.9g\n",
		(double)cf_metrics_read(m, slot + f->n_bounds + 1) * f->scale);
	fprintf(out, "%s_count", f->name);
	put_labels(out, f, a, b, NULL);
	fprintf(out, " %llu\n",
		(unsigned long long)cf_metrics_read(m, slot + f->n_bounds + 2));
}

int
cf_metrics_write(const struct cf_metrics *m, FILE *out)
{
	static const char *const type_names[] = {
		[CF_METRIC_COUNTER] = "counter",
		[CF_METRIC_GAUGE] = "gauge",
		[CF_METRIC_HISTOGRAM] = "histogram",
	};
	unsigned int i, a, b;

	if (!m->sealed)
		return -1;
	for (i = 0; i < m->n_fam; i++) {
		const struct family *f = &m->fam[i];
		unsigned int na = f->n_labels > 0 ? f->labels[0].count : 1;
		unsigned int nb = f->n_labels > 1 ? f->labels[1].count : 1;

		fprintf(out, "# HELP %s ", f->name);
		put_escaped(out, f->help, false);
		fprintf(out, "\n# TYPE %s %s\n", f->name, type_names[f->type]);
		for (a = 0; a < na; a++) {
			for (b = 0; b < nb; b++) {
				if (f->type == CF_METRIC_HISTOGRAM) {
					write_histogram(m, out, f, a, b);
					continue;
				}
				fputs(f->name, out);
				put_labels(out, f, a, b, NULL);
				if (f->type == CF_METRIC_GAUGE) {
					double v;

					__atomic_load(&m->gauges[f->base + a * nb + b],
						      &v, __ATOMIC_RELAXED);
					fprintf(out, " %.17g\n", v);
				} else {
					fprintf(out, " %llu\n", (unsigned long long)
						cf_metrics_read(m, cf_metrics_slot(m, (int)i, a, b)));
				}
			}
		}
	}
	return ferror(out) ? -1 : 0;
}
