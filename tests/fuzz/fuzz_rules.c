/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer entry: the rules compiler on arbitrary text.  Lists resolve
 * under a directory that does not exist, so only the parser, the checks
 * and the error paths run. */

#include <stddef.h>
#include <stdint.h>

#include <callfence/ruleset.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cf_ruleset *rs = NULL;
	struct cf_diag diag;

	cf_diag_init(&diag);
	if (cf_rules_compile_text("fuzz.rules", (const char *)data, size,
				  "/nonexistent-fuzz-dir", NULL, &rs,
				  &diag) == 0)
		cf_ruleset_free(rs);
	cf_diag_free(&diag);
	return 0;
}
