/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer entry: the list loader on arbitrary file contents (through a
 * memfd, so the loader's own read path runs). */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <callfence/ruleset.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cf_numset *set = NULL;
	struct cf_diag diag;
	char path[64];
	int fd = memfd_create("list", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		cf_diag_init(&diag);
		if (cf_list_load(path, cf_numplan_builtin("86"), &set, NULL,
				 &diag) == 0)
			cf_numset_free(set);
		cf_diag_free(&diag);
	}
	close(fd);
	return 0;
}
