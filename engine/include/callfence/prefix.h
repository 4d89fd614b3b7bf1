/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Longest-prefix match over number keys.  A prefix table is a number set
 * holding the prefixes themselves (a prefix of n digits is the number key
 * of those n digits) plus the mask of prefix lengths present; a match
 * probes the set once per length present, longest first.  Tables with a
 * handful of lengths (country codes, premium ranges) cost a few probes.
 * Read-only: any thread.
 */
#ifndef CALLFENCE_PREFIX_H
#define CALLFENCE_PREFIX_H

#include <stddef.h>
#include <stdint.h>

#include <callfence/numset.h>

/* Mask of the lengths of @n prefix keys: bit n set = a prefix of n digits. */
uint16_t cf_prefix_lengths(const uint64_t *prefixes, size_t n);

/*
 * The longest prefix of @key in @set (whose prefix lengths are @lengths):
 * returns its label id (0 when unlabelled) and its key in *@matched (may be
 * NULL), or CF_NUMSET_ABSENT.  No allocation.
 */
int cf_prefix_match(const struct cf_numset *set, uint16_t lengths,
		    uint64_t key, uint64_t *matched);

#endif /* CALLFENCE_PREFIX_H */
