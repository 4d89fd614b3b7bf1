/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer entry: the list loader on arbitrary file contents, through a
 * memfd, so the loader's own open and read path runs without a file on
 * disk.  One memfd serves every input (truncated and rewritten), so an
 * input costs no file creation.  The first byte picks the numbering plan
 * (China, NANP, Russia with its 8/810 prefixes, or a default plan); the
 * whole input is the file.  What loads is checked: no error reported,
 * every number either in the set or counted as a duplicate.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <callfence/numset.h>
#include <callfence/ruleset.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int list_fd = -1;
static char list_path[64];

static const struct cf_numplan *
pick_plan(uint8_t b)
{
	static struct cf_numplan deflt;
	static const char *const builtin[] = { "86", "1", "7" };
	const char *why;

	if (b % 4 < 3)
		return cf_numplan_builtin(builtin[b % 4]);
	if (!deflt.cc_len && cf_numplan_default(&deflt, "358", &why) < 0)
		abort();
	return &deflt;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct cf_numplan *plan = pick_plan(size ? data[0] : 0);
	struct cf_numset *set = NULL;
	struct cf_list_stats st;
	struct cf_diag diag;

	if (list_fd < 0) {
		list_fd = memfd_create("fuzz-list", MFD_CLOEXEC);
		if (list_fd < 0)
			abort();
		snprintf(list_path, sizeof(list_path), "/proc/self/fd/%d",
			 list_fd);
	}
	if (ftruncate(list_fd, 0) < 0 ||
	    pwrite(list_fd, data, size, 0) != (ssize_t)size)
		abort();
	cf_diag_init(&diag);
	if (cf_list_load(list_path, plan, &set, &st, &diag) == 0) {
		if (st.errors || diag.count ||
		    cf_numset_count(set) + st.duplicates != st.numbers)
			abort();
		cf_numset_free(set);
	} else if (set) {
		abort();	/* a failed load returns nothing */
	}
	cf_diag_free(&diag);
	return 0;
}
