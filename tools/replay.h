/* SPDX-License-Identifier: GPL-2.0-or-later */
/* callfence replay: the state of one run, and its summary. */
#ifndef CALLFENCE_TOOLS_REPLAY_H
#define CALLFENCE_TOOLS_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include <callfence/events.h>
#include <callfence/ingress.h>
#include <callfence/plane.h>

struct replay {
	const struct cf_numplan *plan;	/* the rules' plan when judging */
	struct cf_plane *plane;		/* NULL: not judging */
	struct cf_plane_worker *w;	/* its one worker */
	bool csv;
	struct cf_ingress_map ingress;
	unsigned int files;
	struct cf_events events;
	uint64_t last_ns;		/* the newest event: the plane's clock */
	uint64_t calls[CF_PROTO__COUNT];
	uint64_t verdicts[CF_ACTION__COUNT];
};

/* What was read, decoded and judged, on stderr. */
void replay_summary(const struct replay *r, const struct cf_capture *cap);

#endif
