/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Passive tap: not built yet (issue 6, stage 7). */

#include "callfenced.h"

int
cfd_tap_run(struct cfd *d)
{
	(void)d;
	cfd_log("tap: passive mode is not implemented yet");
	return -1;
}
