/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Number sets: immutable, exact membership tables of number keys, with an
 * optional small label per number.  What a list (blacklist, whitelist,
 * do-not-originate) compiles to, and what prefix tables are made of.
 *
 * A set is one contiguous block (header, label names, slots) that holds
 * no pointers, so it is written to a compiled ruleset file as it is and
 * used straight from an mmap of that file.
 *
 * How it stays small and exact (quotienting): a number key is first mapped
 * to its dense index among all 1..15-digit numbers (< 2^50), then
 * multiplied by an odd constant modulo 2^50, a bijection.  The top b bits
 * of that hash choose the home slot of a table of 2^b slots; a slot stores
 * only the remaining 50 - b bits, the label, and how far the entry sits
 * from its home slot.  Since the hash is a bijection, (home, remainder)
 * identifies the number exactly: no false positives.  Entries are placed
 * in hash order (linear probing of a sorted stream), so a probe ends at
 * the first entry that sorts after its own: look-ups touch one cache
 * line, rarely two, and test the first few slots without branching.
 *
 * Sets of 2 MiB and more live in memory advised MADV_HUGEPAGE
 * (transparent huge pages), built or copied (cf_numset_copy()).
 *
 * Sets are read-only once built: any number of threads may look up
 * concurrently without synchronisation.
 */
#ifndef CALLFENCE_NUMSET_H
#define CALLFENCE_NUMSET_H

#include <stddef.h>
#include <stdint.h>

struct cf_numset;

/* Distinct labels a set can carry (label ids 0..CF_NUMSET_LABELS_MAX-1). */
#define CF_NUMSET_LABELS_MAX	255
/* Longest label name in bytes, NUL excluded. */
#define CF_NUMSET_LABEL_LEN_MAX	63
/* Look-up result: the number is not in the set. */
#define CF_NUMSET_ABSENT	(-1)

/* Build parameters; zero-initialise for the defaults. */
struct cf_numset_params {
	/*
	 * Force a table of 2^slots_log2 slots (0: choose for a load of at
	 * most 0.8).  Tests use it to build full tables.  A forced size
	 * that cannot hold the keys within the probe bound fails.
	 */
	unsigned int slots_log2;
	/* Longest distance an entry may sit from its home slot (0: 255).
	 * With a chosen size the table grows until the bound holds. */
	unsigned int max_probe;
};

/* What a build did. */
struct cf_numset_stats {
	uint64_t input;		/* keys given */
	uint64_t entries;	/* distinct keys stored */
	uint64_t duplicates;	/* input - entries */
	uint64_t slots;		/* table slots, the overflow tail included */
	uint64_t bytes;		/* size of the whole block */
	unsigned int max_probe;	/* longest displacement from a home slot */
	unsigned int slot_bits;	/* bits per slot */
};

/*
 * Build a set from @n keys (valid number keys: cf_numkey_pack(),
 * cf_number_normalise()), in any order, duplicates allowed: the first
 * occurrence's label is kept.  @labels (may be NULL: all label 0) gives
 * each key's label id, < @nlabels; @label_names names them (may be NULL
 * when @nlabels is 0).  On success *@out is a new set (cf_numset_free()).
 * Returns 0, -EINVAL (a key that is not a number, a label out of range or
 * its name too long), -ENOMEM, or -ENOSPC (forced size too small for the
 * probe bound).  Control thread; allocates about 24 bytes per key while
 * building.
 */
int cf_numset_build(const uint64_t *keys, const uint8_t *labels, size_t n,
		    const char *const *label_names, unsigned int nlabels,
		    const struct cf_numset_params *params,
		    struct cf_numset **out, struct cf_numset_stats *stats);

/* Free a set made by cf_numset_build() or cf_numset_copy(); NULL is fine.  Never call it on a
 * set from cf_numset_from_blob(): that memory belongs to the caller. */
void cf_numset_free(struct cf_numset *set);

/*
 * A copy of @set (built, or from cf_numset_from_blob()) in memory of its
 * own: for a set of 2 MiB or more, memory advised MADV_HUGEPAGE, as
 * cf_numset_build() uses.  A set used in place from a file map sits in
 * 4 KiB pages, and at hundreds of MiB nearly every look-up then misses
 * the TLB; the copy costs one pass over the set (about 0.1 s per GiB).
 * Returns NULL when out of memory; free with cf_numset_free().  Control
 * thread.
 */
struct cf_numset *cf_numset_copy(const struct cf_numset *set);

/* The set's block, to write to a file: *@size bytes from the result. */
const void *cf_numset_blob(const struct cf_numset *set, size_t *size);

/*
 * Use @size bytes at @blob (8-byte aligned, e.g. in an mmap of a compiled
 * ruleset) as a set, without copying.  Checks the header and that the
 * sizes agree; returns the set, or NULL with *@why set to a static message.
 * The set is valid while the memory is.
 */
const struct cf_numset *cf_numset_from_blob(const void *blob, size_t size,
					    const char **why);

/* Number of distinct keys in the set. */
uint64_t cf_numset_count(const struct cf_numset *set);

/* Number of label names, and the name of label @id ("" if none). */
unsigned int cf_numset_label_count(const struct cf_numset *set);
const char *cf_numset_label_name(const struct cf_numset *set,
				 unsigned int id);

/* Label id of @key (0 when unlabelled), or CF_NUMSET_ABSENT.  Keys that are
 * not valid number keys (CF_NUMKEY_NONE included) are absent.  Any thread;
 * no allocation. */
int cf_numset_lookup(const struct cf_numset *set, uint64_t key);

/*
 * Look up @n keys: results[i] = cf_numset_lookup(set, keys[i]).  A
 * software pipeline: the home slot of key i + 16 is hashed and prefetched
 * while key i is probed, so the memory latencies overlap.  Any @n works;
 * hundreds at a time amortise the pipeline's fill.  Returns how many keys
 * were found.  Any thread; no allocation.
 */
size_t cf_numset_lookup_batch(const struct cf_numset *set,
			      const uint64_t *keys, size_t n,
			      int16_t *results);

#endif /* CALLFENCE_NUMSET_H */
