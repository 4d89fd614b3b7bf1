/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Metrics: the families callfenced counts (registered once, before the
 * workers start) and the /metrics endpoint served by libmicrohttpd on its
 * own thread.  Counters are per core and summed when read
 * (callfence/metrics.h); rule hits are per worker arrays indexed by a
 * rule slot that survives reloads (rules.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "callfenced.h"

struct cfd_http {
	struct MHD_Daemon *mhd;
};

/* Label values.  Static because the registry keeps the pointers. */
static char worker_label[CFD_WORKERS_MAX][12];
static const char *worker_names[CFD_WORKERS_MAX];
static const char *const result_names[] = { "ok", "failed" };

/* Verdict latency buckets, ns: 1 us .. 50 ms. */
static const uint64_t latency_bounds[] = {
	1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000,
	1000000, 2000000, 5000000, 10000000, 50000000,
};

int
cfd_metrics_setup(struct cfd *d)
{
	struct cf_metric_label worker = { "worker", worker_names,
					  d->n_workers };
	struct cf_metric_label result = { "result", result_names, 2 };
	struct cfd_slots *s = &d->slots;
	int screen[CF_SCREEN_FAMILIES], id[8], k = 0;
	struct cf_metrics *m;
	unsigned int i;

	for (i = 0; i < d->n_workers; i++) {
		snprintf(worker_label[i], sizeof(worker_label[i]), "%u", i);
		worker_names[i] = worker_label[i];
	}

	/* Blocks: one per worker, then the logger's, then the control
	 * thread's: one writer per block. */
	d->logger_block = d->n_workers;
	d->control_block = d->n_workers + 1;
	m = d->metrics = cf_metrics_new(d->n_workers + 2);
	if (!m)
		return -1;
	id[k++] = cf_metrics_add(m, "callfence_sip_packets_total",
		"UDP datagrams received, by worker", CF_METRIC_COUNTER,
		&worker, 1, NULL, 0, 1);
	/* What the engine's screening counts: messages, decode errors,
	 * ACL, rings, overload, hand-overs, the HEP mirror. */
	if (cf_screen_metrics_add(m, screen) < 0)
		return -1;
	id[k++] = cf_metrics_add(m, "callfence_log_records_total",
		"Verdict log lines written", CF_METRIC_COUNTER, NULL, 0, NULL,
		0, 1);
	id[k++] = cf_metrics_add(m, "callfence_log_drops_total",
		"Verdict log records dropped (logger behind or write error)",
		CF_METRIC_COUNTER, NULL, 0, NULL, 0, 1);
	id[k++] = cf_metrics_add(m, "callfence_tx_errors_total",
		"Replies that could not be sent", CF_METRIC_COUNTER, NULL, 0,
		NULL, 0, 1);
	id[k++] = cf_metrics_add(m, "callfence_udp_rx_drops_total",
		"Datagrams the kernel dropped for a full socket buffer "
		"(SO_RXQ_OVFL)", CF_METRIC_COUNTER, NULL, 0, NULL, 0, 1);
	id[k++] = cf_metrics_add(m, "callfence_reloads_total",
		"Ruleset loads, by result", CF_METRIC_COUNTER, &result, 1,
		NULL, 0, 1);
	s->generation_id = cf_metrics_add(m, "callfence_ruleset_generation",
		"Generation of the ruleset in force", CF_METRIC_GAUGE, NULL, 0,
		NULL, 0, 1);
	s->load_seconds_id = cf_metrics_add(m,
		"callfence_ruleset_load_seconds",
		"Time the ruleset in force took to load", CF_METRIC_GAUGE,
		NULL, 0, NULL, 0, 1);
	s->rules_id = cf_metrics_add(m, "callfence_ruleset_rules",
		"Rules in the ruleset in force", CF_METRIC_GAUGE, NULL, 0,
		NULL, 0, 1);
	s->latency_id = cf_metrics_add(m, "callfence_verdict_latency_seconds",
		"From receipt of the burst to the reply handed to the kernel",
		CF_METRIC_HISTOGRAM, NULL, 0, latency_bounds,
		sizeof(latency_bounds) / sizeof(latency_bounds[0]), 1e-9);
	for (i = 0; i < (unsigned int)k; i++)
		if (id[i] < 0)
			return -1;
	if (s->generation_id < 0 || s->load_seconds_id < 0 ||
	    s->rules_id < 0 || s->latency_id < 0 || cf_metrics_seal(m) < 0)
		return -1;

	cf_screen_metrics_bind(m, screen, &s->screen);
	k = 0;
	/* Labelled by worker: each worker finds its own slot. */
	s->packets_id = id[k++];
	s->log_records = cf_metrics_slot(m, id[k++], 0, 0);
	s->log_drops = cf_metrics_slot(m, id[k++], 0, 0);
	s->tx_errors = cf_metrics_slot(m, id[k++], 0, 0);
	s->rx_drops = cf_metrics_slot(m, id[k++], 0, 0);
	s->reloads[0] = cf_metrics_slot(m, id[k], 0, 0);
	s->reloads[1] = cf_metrics_slot(m, id[k], 1, 0);
	return 0;
}

int
cfd_metrics_write(struct cfd *d, FILE *out)
{
	if (cf_metrics_write(d->metrics, out) < 0 ||
	    cf_plane_metrics_write(d->plane, out) < 0)
		return -1;
	return ferror(out) ? -1 : 0;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
       const char *method, const char *version, const char *upload_data,
       size_t *upload_size, void **con_cls)
{
	static const char not_found[] = "not found: try /metrics\n";
	struct MHD_Response *resp;
	struct cfd *d = cls;
	char *text = NULL;
	size_t len = 0;
	enum MHD_Result r;
	unsigned int status = MHD_HTTP_OK;
	FILE *f;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return MHD_NO;
	if (strcmp(url, "/metrics") == 0) {
		f = open_memstream(&text, &len);
		if (!f)
			return MHD_NO;
		cfd_metrics_write(d, f);
		fclose(f);
		resp = MHD_create_response_from_buffer(len, text,
						       MHD_RESPMEM_MUST_FREE);
		if (!resp) {
			free(text);
			return MHD_NO;
		}
		MHD_add_response_header(resp, "Content-Type",
					"text/plain; version=0.0.4; "
					"charset=utf-8");
	} else {
		status = MHD_HTTP_NOT_FOUND;
		resp = MHD_create_response_from_buffer(sizeof(not_found) - 1,
						       (void *)not_found,
						       MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
	}
	r = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return r;
}

int
cfd_http_start(struct cfd *d)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD;
	uint16_t port;

	if (!d->cfg.metrics)
		return 0;
	d->http = calloc(1, sizeof(*d->http));
	if (!d->http)
		return -1;
	if (d->cfg.metrics_addr.sa.sa_family == AF_INET6) {
		flags |= MHD_USE_IPv6;
		port = ntohs(d->cfg.metrics_addr.in6.sin6_port);
	} else {
		port = ntohs(d->cfg.metrics_addr.in.sin_port);
	}
	d->http->mhd = MHD_start_daemon(flags, port, NULL, NULL, handle, d,
					MHD_OPTION_SOCK_ADDR,
					&d->cfg.metrics_addr.sa,
					MHD_OPTION_CONNECTION_TIMEOUT, 10u,
					MHD_OPTION_END);
	if (!d->http->mhd) {
		cfd_log("metrics %s: cannot listen", d->cfg.metrics);
		free(d->http);
		d->http = NULL;
		return -1;
	}
	return 0;
}

void
cfd_http_stop(struct cfd *d)
{
	if (!d->http)
		return;
	MHD_stop_daemon(d->http->mhd);
	free(d->http);
	d->http = NULL;
}
