/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A call record as text: the JSON line and CSV row that `callfence replay`
 * prints and the daemon's verdict log writes.  One field list for both,
 * so the two outputs can be compared and loaded by the same tools.
 *
 * Formatting writes into a caller's buffer and allocates nothing: the
 * logger thread can use it as well as the CLI.
 */
#ifndef CALLFENCE_RECORD_H
#define CALLFENCE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <callfence/call.h>

/* What is known beside the call record itself. */
struct cf_record_meta {
	uint32_t frame;		/* 1-based frame in its capture, 0 = none */
	const char *verdict;	/* "allow", ...; NULL = not judged */
	const char *rule;	/* the deciding rule; NULL = not judged */
	/* Trial (monitor) rules that matched, space-separated; NULL or ""
	 * = none.  Written with verdict and rule. */
	const char *monitor;
};

/*
 * Write @call as one JSON object (no newline) or one CSV row (no newline)
 * into @buf of @size bytes.  Returns the length like snprintf: a value >=
 * @size means the output was truncated.
 *
 * Fields, in order: frame, proto, call_ref, caller, callee, redirecting,
 * original_called, generic (E.164 digits, "" when absent or invalid),
 * caller_raw, callee_raw, presentation ("allowed", "restricted" or ""),
 * then verdict, rule and monitor (a JSON array of rule ids; in CSV the
 * ids separated by spaces) when @meta has a verdict.
 */
int cf_record_json(char *buf, size_t size, const struct cf_call *call,
		   const struct cf_record_meta *meta);
int cf_record_csv(char *buf, size_t size, const struct cf_call *call,
		  const struct cf_record_meta *meta);

/* The CSV header row matching cf_record_csv() (no newline). */
const char *cf_record_csv_header(bool judged);

/* The call reference as text: the SIP Call-ID, or "OPC:DPC:CIC" for an
 * ISUP circuit, or "" when the record has none. */
int cf_record_call_ref(char *buf, size_t size, const struct cf_call *call);

#endif /* CALLFENCE_RECORD_H */
