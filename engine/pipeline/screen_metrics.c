/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The metric families screening counts, in the front end's registry
 * (callfence/metrics.h): per core blocks, summed when read.
 */

#include <callfence/screen.h>

const char *const cf_screen_policy_names[CF_SCREEN_POLICY__COUNT] = {
	[CF_SCREEN_FAIL_OPEN]	= "fail-open",
	[CF_SCREEN_FAIL_CLOSED]	= "fail-closed",
	[CF_SCREEN_DROP]	= "drop",
};

/* Label values, indexed by the enums they name.  Static: the registry
 * keeps the pointers. */
static const char *const msg_names[CF_SCREEN_MSG__COUNT] = {
	[CF_SCREEN_MSG_INVITE]		= "invite",
	[CF_SCREEN_MSG_RETRANSMISSION]	= "invite_retransmission",
	[CF_SCREEN_MSG_TRANSACTION_REUSED] = "invite_transaction_reused",
	[CF_SCREEN_MSG_OPTIONS]		= "options",
	[CF_SCREEN_MSG_ACK]		= "ack_absorbed",
	[CF_SCREEN_MSG_CANCEL]		= "cancel",
	[CF_SCREEN_MSG_BYE]		= "bye",
	[CF_SCREEN_MSG_NOT_ALLOWED]	= "method_not_allowed",
	[CF_SCREEN_MSG_RESPONSE]	= "response_learnt",
	[CF_SCREEN_MSG_RESPONSE_IGNORED] = "response_ignored",
	[CF_SCREEN_MSG_BAD_INVITE]	= "invite_undecodable",
	[CF_SCREEN_MSG_BAD_REQUEST]	= "bad_request",
	[CF_SCREEN_MSG_OVERSIZE]	= "oversize",
};
static const char *const hep_names[CF_SCREEN_HEP__COUNT] = {
	[CF_SCREEN_HEP_LEARNT]		= "learnt",
	[CF_SCREEN_HEP_SETUP]		= "invite_ignored",
	[CF_SCREEN_HEP_OTHER]		= "no_call_event",
	[CF_SCREEN_HEP_UNDECODABLE]	= "undecodable",
};
static const char *err_names[CF_SIP_ERR__COUNT];
static const char *hep_err_names[CF_HEP_ERR__COUNT];

int
cf_screen_metrics_add(struct cf_metrics *m, int ids[CF_SCREEN_FAMILIES])
{
	const struct cf_metric_label kind = { "kind", msg_names,
					      CF_SCREEN_MSG__COUNT };
	const struct cf_metric_label reason = { "reason", err_names,
						CF_SIP_ERR__COUNT };
	const struct cf_metric_label policy = { "policy",
						cf_screen_policy_names,
						CF_SCREEN_POLICY__COUNT };
	const struct cf_metric_label hep_kind = { "kind", hep_names,
						  CF_SCREEN_HEP__COUNT };
	const struct cf_metric_label hep_reason = { "reason", hep_err_names,
						    CF_HEP_ERR__COUNT };
	unsigned int i, k = 0;

	/* The same values whoever asks: filling them twice is harmless. */
	for (i = 0; i < CF_SIP_ERR__COUNT; i++)
		err_names[i] = cf_sip_err_name((enum cf_sip_err)i);
	for (i = 0; i < CF_HEP_ERR__COUNT; i++)
		hep_err_names[i] = cf_hep_err_name((enum cf_hep_err)i);

	ids[k++] = cf_metrics_add(m, "callfence_sip_messages_total",
		"SIP messages by what was done with them", CF_METRIC_COUNTER,
		&kind, 1, NULL, 0, 1);
	ids[k++] = cf_metrics_add(m, "callfence_decode_errors_total",
		"Datagrams dropped undecoded, by reason", CF_METRIC_COUNTER,
		&reason, 1, NULL, 0, 1);
	ids[k++] = cf_metrics_add(m, "callfence_acl_rejects_total",
		"Datagrams from sources outside the peer networks, unanswered",
		CF_METRIC_COUNTER, NULL, 0, NULL, 0, 1);
	ids[k++] = cf_metrics_add(m, "callfence_ring_drops_total",
		"Calls the owning core's ring had no room for",
		CF_METRIC_COUNTER, NULL, 0, NULL, 0, 1);
	ids[k++] = cf_metrics_add(m, "callfence_overload_actions_total",
		"Overload policy applications, by policy", CF_METRIC_COUNTER,
		&policy, 1, NULL, 0, 1);
	ids[k++] = cf_metrics_add(m, "callfence_overload_shed_total",
		"INVITEs that waited longer than overload-delay in the socket, "
		"answered by the overload policy unjudged",
		CF_METRIC_COUNTER, NULL, 0, NULL, 0, 1);
	ids[k++] = cf_metrics_add(m, "callfence_handovers_total",
		"Calls judged on another core than the one that decoded them",
		CF_METRIC_COUNTER, NULL, 0, NULL, 0, 1);
	ids[k++] = cf_metrics_add(m, "callfence_event_drops_total",
		"Answers and releases a full ring kept from their owning core",
		CF_METRIC_COUNTER, NULL, 0, NULL, 0, 1);
	ids[k++] = cf_metrics_add(m, "callfence_hep_messages_total",
		"Datagrams of the HEP mirror, by what was done with them",
		CF_METRIC_COUNTER, &hep_kind, 1, NULL, 0, 1);
	ids[k++] = cf_metrics_add(m, "callfence_hep_errors_total",
		"HEP datagrams that did not decode, by reason",
		CF_METRIC_COUNTER, &hep_reason, 1, NULL, 0, 1);
	for (i = 0; i < k; i++)
		if (ids[i] < 0)
			return -1;
	return 0;
}

void
cf_screen_metrics_bind(const struct cf_metrics *m,
		       const int ids[CF_SCREEN_FAMILIES],
		       struct cf_screen_slots *s)
{
	unsigned int i, k = 0;

	for (i = 0; i < CF_SCREEN_MSG__COUNT; i++)
		s->msgs[i] = cf_metrics_slot(m, ids[k], i, 0);
	k++;
	for (i = 0; i < CF_SIP_ERR__COUNT; i++)
		s->decode_err[i] = cf_metrics_slot(m, ids[k], i, 0);
	k++;
	s->acl_rejects = cf_metrics_slot(m, ids[k++], 0, 0);
	s->ring_drops = cf_metrics_slot(m, ids[k++], 0, 0);
	for (i = 0; i < CF_SCREEN_POLICY__COUNT; i++)
		s->overload[i] = cf_metrics_slot(m, ids[k], i, 0);
	k++;
	s->shed = cf_metrics_slot(m, ids[k++], 0, 0);
	s->handovers = cf_metrics_slot(m, ids[k++], 0, 0);
	s->event_drops = cf_metrics_slot(m, ids[k++], 0, 0);
	for (i = 0; i < CF_SCREEN_HEP__COUNT; i++)
		s->hep[i] = cf_metrics_slot(m, ids[k], i, 0);
	k++;
	for (i = 0; i < CF_HEP_ERR__COUNT; i++)
		s->hep_err[i] = cf_metrics_slot(m, ids[k], i, 0);
}

struct cf_metrics *
cf_screen_metrics_new(unsigned int workers, struct cf_screen_slots *s)
{
	struct cf_metrics *m = cf_metrics_new(workers);
	int ids[CF_SCREEN_FAMILIES];

	if (!m || cf_screen_metrics_add(m, ids) < 0 || cf_metrics_seal(m) < 0) {
		cf_metrics_free(m);
		return NULL;
	}
	cf_screen_metrics_bind(m, ids, s);
	return m;
}
