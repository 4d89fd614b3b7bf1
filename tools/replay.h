/* SPDX-License-Identifier: GPL-2.0-or-later */
/* callfence replay: the state of one run, and its summary. */
#ifndef CALLFENCE_TOOLS_REPLAY_H
#define CALLFENCE_TOOLS_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include <callfence/events.h>
#include <callfence/ingress.h>
#include <callfence/plane.h>
#include <callfence/screen.h>

struct replay {
	const struct cf_numplan *plan;	/* the rules' plan when judging */
	/* Judging: the data plane with one worker, fed by the engine's
	 * screening as the daemon's tap is; NULL: decoding only. */
	struct cf_plane *plane;
	struct cf_plane_worker *w;	/* its one worker */
	struct cf_metrics *metrics;	/* screening's counters */
	struct cf_screen_slots slots;
	struct cf_screen *screen;
	struct cf_screen_worker *sw;
	bool csv;
	struct cf_ingress_map ingress;
	unsigned int files;
	struct cf_events events;	/* decoding only */
	const struct cf_events_stats *stats;	/* what was decoded */
	uint64_t calls[CF_PROTO__COUNT];
	uint64_t verdicts[CF_ACTION__COUNT];
};

/* What was read, decoded and judged, on stderr. */
void replay_summary(const struct replay *r, const struct cf_capture *cap);

#endif
