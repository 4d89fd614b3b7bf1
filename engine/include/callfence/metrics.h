/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Metrics: per-core counters and histograms, summed when read, exposed in
 * the Prometheus text format.
 *
 * The set of metric families is fixed when the registry is built (control
 * thread, before workers start).  Each worker then owns one block of
 * slots and increments its own slots with plain loads and stores (no
 * atomic read-modify-write, no shared cache line); the reader sums the
 * blocks of every worker.  A family has up to two labels whose values are
 * small enums with name tables, so every (family, label values) pair is
 * one slot found by arithmetic.
 */
#ifndef CALLFENCE_METRICS_H
#define CALLFENCE_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cf_metric_type {
	CF_METRIC_COUNTER = 0,
	CF_METRIC_GAUGE,	/* set by the control thread, not per core */
	CF_METRIC_HISTOGRAM,	/* per core, buckets fixed at registration */
};

/* A label: its key and the names of its values, index = value. */
struct cf_metric_label {
	const char *key;		/* "verdict" */
	const char *const *values;	/* { "allow", "block", ... } */
	unsigned int count;
};

struct cf_metrics;

/* An empty registry for @workers cores.  Control thread. */
struct cf_metrics *cf_metrics_new(unsigned int workers);
void cf_metrics_free(struct cf_metrics *m);

/*
 * Register a family; returns its id (>= 0) or -1 (bad name, too many
 * families, registry already sealed).  @labels may be NULL, @n_labels
 * 0..2.  For histograms, @bounds are the upper bounds of the buckets in
 * ascending order (@n_bounds of them, at most 32; +Inf is implied), in
 * the units values are observed in; @scale converts those units to the
 * exposed ones (1e-9 for nanoseconds observed, seconds exposed).  Strings
 * must outlive the registry.  Control thread, before cf_metrics_seal().
 */
int cf_metrics_add(struct cf_metrics *m, const char *name, const char *help,
		   enum cf_metric_type type,
		   const struct cf_metric_label *labels, unsigned int n_labels,
		   const uint64_t *bounds, unsigned int n_bounds, double scale);

/* Allocate the per-core blocks; nothing can be added after.  0 or -1. */
int cf_metrics_seal(struct cf_metrics *m);

/* The slot of family @id with label values @a and @b (0 when the family
 * has fewer labels).  Workers compute it once and keep it, or inline. */
uint32_t cf_metrics_slot(const struct cf_metrics *m, int id, unsigned int a,
			 unsigned int b);

/* Worker @core's block of slots, for cf_metrics_count(). */
uint64_t *cf_metrics_block(struct cf_metrics *m, unsigned int core);

/* Add @n to @slot of a worker's own @block.  Owning worker only. */
static inline void
cf_metrics_count(uint64_t *block, uint32_t slot, uint64_t n)
{
	/* One writer per slot: a relaxed load and store is a plain add,
	 * and keeps the concurrent reader's access well-defined. */
	__atomic_store_n(&block[slot],
			 __atomic_load_n(&block[slot], __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

/* Record @value in histogram family @id of a worker's own @block.
 * Owning worker only. */
void cf_metrics_observe(const struct cf_metrics *m, uint64_t *block, int id,
			uint64_t value);

/* Set gauge family @id (label values @a, @b).  Control thread. */
void cf_metrics_set(struct cf_metrics *m, int id, unsigned int a,
		    unsigned int b, double value);

/* The sum over all cores of one counter slot.  Any thread. */
uint64_t cf_metrics_read(const struct cf_metrics *m, uint32_t slot);

/*
 * Write every family in the Prometheus text exposition format (version
 * 0.0.4), summed over cores.  Returns 0 or -1 on a write error.  Any
 * thread; concurrent increments make the snapshot approximate across
 * slots, never torn within one.
 */
int cf_metrics_write(const struct cf_metrics *m, FILE *out);

#endif /* CALLFENCE_METRICS_H */
