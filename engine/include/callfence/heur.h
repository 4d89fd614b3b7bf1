/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Heuristic state: what a caller (or a block of callers) did recently.
 *
 * Blacklists catch known numbers; these measures catch behaviour: call
 * rate, distinct callees (scanning), sequential callees, sweeps of one
 * callee range, calls released before answer (wangiri), calls in progress.
 *
 * One struct cf_heur per heuristic condition per worker core.  Its memory
 * is fixed when it is created, whatever the number of distinct callers:
 * keys live in a set-associative table and the least recently seen key of
 * a full set is evicted (counted).  A table is touched by its worker
 * alone: no locks, no atomics.  Time is the call record's receive time, so
 * a replayed capture behaves as it did live.
 *
 * Accuracy (engine/heur/README.md derives them):
 * - windows are two tumbling sub-windows of length W, and the measure over
 *   the last W is estimated as cur + prev * (1 - elapsed / W): exact for a
 *   steady rate, and for any arrival pattern within prev of the truth;
 * - distinct counts use 256-bit linear-counting bitmaps per sub-window:
 *   standard error about 4.5% from 10 to 100 distinct, 6.5% at 500, 11%
 *   at 1000; a full bitmap reads as 1597, so thresholds belong below ~800;
 * - an evicted key starts again from zero: with a table big enough for the
 *   callers active within one window, only keys idle for longer than the
 *   window are evicted and nothing is lost.
 */
#ifndef CALLFENCE_HEUR_H
#define CALLFENCE_HEUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <callfence/call.h>

enum cf_heur_kind {
	CF_HEUR_RATE = 0,	/* call attempts in the window */
	CF_HEUR_DISTINCT,	/* distinct callees in the window (scanning) */
	CF_HEUR_SEQUENTIAL,	/* length of the run of consecutive callees */
	CF_HEUR_RANGE,		/* calls into one callee prefix in the window */
	CF_HEUR_SHORT_CALLS,	/* calls released unanswered within short_ns */
	CF_HEUR_CONCURRENT,	/* calls set up and not yet released */
	/* Distinct callers of one callee in the window (inbound flood).
	 * Keyed on the callee (key_digits: the callee's block); a worker
	 * counts only the callers steered to it. */
	CF_HEUR_DISTINCT_CALLERS,
	CF_HEUR__COUNT,
};

struct cf_heur_params {
	enum cf_heur_kind kind;
	uint64_t window_ns;	/* 1 s .. 24 h; unused by SEQUENTIAL/CONCURRENT */
	/* Key on the caller's first key_digits digits (a number block that
	 * a gang rotates through); 0 keys on the whole number.
	 * DISTINCT_CALLERS keys on the callee the same way. */
	unsigned int key_digits;
	unsigned int range_digits;	/* RANGE: callee prefix length */
	uint64_t short_ns;		/* SHORT_CALLS: released within this */
	uint64_t max_call_ns;		/* SHORT_CALLS, CONCURRENT: a call
					 * open longer is forgotten */
	size_t memory;			/* bytes for this table, fixed */
};

struct cf_heur;

/* Counters of one table: read by the control thread for metrics, without
 * locks, while the worker writes them (torn reads are impossible on the
 * 64-bit targets we build for, and a stale value is fine). */
struct cf_heur_stats {
	uint64_t observed;	/* events given to cf_heur_observe() */
	uint64_t inserted;	/* keys that took a free slot */
	uint64_t evicted;	/* keys pushed out of a full set */
	uint64_t expired;	/* open calls forgotten after max_call_ns */
	uint64_t unmatched;	/* releases/answers of calls we never saw */
};

/*
 * Create a table.  Returns NULL if @p is invalid (see
 * cf_heur_params_check()) or memory cannot be had.  Control thread.
 */
struct cf_heur *cf_heur_new(const struct cf_heur_params *p);
void cf_heur_free(struct cf_heur *h);

/* NULL if @p is usable, else a static message saying why not. */
const char *cf_heur_params_check(const struct cf_heur_params *p);

/*
 * Account for one event of @call (set-up, answer or release) and return
 * the measure for its caller key after it: the count, distinct count or
 * run length that a rule compares with its threshold.  Answers and
 * releases (matched to their set-up by call reference) return 0.  A
 * set-up without a usable caller number returns 0 and changes nothing.
 * Owning worker only.
 */
uint32_t cf_heur_observe(struct cf_heur *h, const struct cf_call *call);

/* The measure for @call's caller key now, without recording anything:
 * for `callfence query` and tests.  Owning worker only. */
uint32_t cf_heur_peek(const struct cf_heur *h, const struct cf_call *call);

/*
 * Forget calls open for longer than max_call_ns, in @sets sets of the
 * open-call table from where the last sweep stopped: the worker calls it
 * once per batch with a small @sets, so counts of calls whose release was
 * never seen cannot leak, and no call pays for a full scan.  Owning
 * worker only.
 */
void cf_heur_expire(struct cf_heur *h, uint64_t now, unsigned int sets);

/* Bytes this table holds: constant from cf_heur_new() to cf_heur_free(). */
size_t cf_heur_memory(const struct cf_heur *h);

const struct cf_heur_stats *cf_heur_stats(const struct cf_heur *h);

/*
 * Stateless: does the caller share at least @digits leading digits with
 * the callee without being the callee (neighbour spoofing)?
 */
bool cf_heur_neighbour(const struct cf_call *call, unsigned int digits);

const char *cf_heur_kind_name(enum cf_heur_kind kind);

#endif /* CALLFENCE_HEUR_H */
