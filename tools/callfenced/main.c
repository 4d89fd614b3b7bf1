/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callfenced: the per-core SIP screening server.  This file only wires
 * the modules together: configuration, ingress map and ACL, metrics, the
 * first ruleset, verdict log, workers and their rings, the metrics
 * endpoint, then the control loop until SIGTERM, then an orderly stop
 * (workers drain their rings, the logger flushes, rulesets are freed
 * after RCU).
 */

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "callfenced.h"

void
cfd_log(const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line so lines of different threads do not mix. */
	fprintf(stderr, "callfenced: %s\n", line);
}

static int
build_ingress(struct cfd *d)
{
	const char *why;
	unsigned int i;

	for (i = 0; i < d->cfg.n_peers; i++)
		if (cf_ingress_map_add_net(&d->ingress, d->cfg.peers[i],
					   &why) < 0) {
			cfd_log("peer %s: %s", d->cfg.peers[i], why);
			return -1;
		}
	for (i = 0; i < d->cfg.n_point_codes; i++)
		if (cf_ingress_map_add_pc(&d->ingress, d->cfg.point_codes[i],
					  &why) < 0) {
			cfd_log("point-code %s: %s", d->cfg.point_codes[i],
				why);
			return -1;
		}
	/* Peers configured = an ACL; none = answer everyone (a lab). */
	d->acl = d->cfg.n_peers > 0;
	return 0;
}

/* Stop everything in order; returns 1 when the tap failed, else 0.
 * *@stuck: the verdict log writer could not be stopped. */
static int
stop_all(struct cfd *d, bool *stuck)
{
	unsigned int i;
	int rc = 0;

	__atomic_store_n(&d->stop, 1, __ATOMIC_RELEASE);
	/* The tap first: it feeds the logger until it has stopped. */
	if (cfd_tap_join(d->tap) < 0)
		rc = 1;
	for (i = 0; i < d->n_workers; i++)
		if (d->workers[i])
			cfd_worker_wake(d->workers[i]);
	for (i = 0; i < d->n_workers; i++)
		if (d->workers[i])
			cfd_worker_join(d->workers[i]);
	*stuck = cfd_vlog_stop(d->vlog);
	cfd_http_stop(d);
	cfd_control_close(d);
	for (i = 0; i < d->n_workers; i++)
		cfd_worker_free(d->workers[i]);
	cfd_tap_free(d->tap);
	cf_screen_free(d->screen);
	cfd_vlog_free(d->vlog);
	cf_plane_free(d->plane);
	cf_metrics_free(d->metrics);
	return rc;
}

int
main(int argc, char **argv)
{
	struct cfd *d = calloc(1, sizeof(*d));
	char why[2048], addr[64];
	sigset_t set;
	bool stuck = false;
	unsigned int i;
	int r, rc = 1;

	if (!d)
		return 1;
	d->control_fd = -1;
	d->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->done_fd < 0) {
		free(d);
		return 1;
	}
	r = cfd_config_load(&d->cfg, argc, argv);
	if (r != 0) {
		cfd_config_free(&d->cfg);
		close(d->done_fd);
		free(d);
		return r > 0 ? 0 : 2;
	}
	if (build_ingress(d) < 0)
		goto out_cfg;

	/* Signals are read by the control loop from a signalfd: block them
	 * here so every thread started below inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	d->n_workers = d->cfg.tap ? 1 : d->cfg.workers;
	d->plane = cf_plane_new(&(struct cf_plane_cfg){
		.workers = d->n_workers,
	});
	if (!d->plane) {
		cfd_log("data plane: out of memory");
		goto out_cfg;
	}
	if (cfd_metrics_setup(d) < 0) {
		cfd_log("metrics: cannot register");
		cf_plane_free(d->plane);
		goto out_cfg;
	}
	if (cfd_rules_reload(d, why, sizeof(why)) < 0) {
		cfd_log("rules: %s", why);
		cf_metrics_free(d->metrics);
		cf_plane_free(d->plane);
		goto out_cfg;
	}
	if (d->cfg.verdict_log) {
		d->vlog = cfd_vlog_new(d, d->cfg.verdict_log);
		if (!d->vlog)
			goto out;
	}
	if (cfd_screen_setup(d) < 0) {
		cfd_log("screening: out of memory");
		goto out;
	}
	for (i = 0; i < d->n_workers; i++) {
		d->workers[i] = cfd_worker_new(d, i);
		if (!d->workers[i])
			goto out;
	}
	if (d->cfg.tap) {
		/* Passive: worker 0 has no sockets, the tap thread is it. */
		d->tap = cfd_tap_new(d, d->workers[0]);
		if (!d->tap)
			goto out;
	}
	if (cfd_http_start(d) < 0 ||
	    cfd_control_open(d) < 0)
		goto out;
	if (d->vlog && cfd_vlog_start(d->vlog) < 0)
		goto out;
	if (d->tap) {
		cfd_log("ready: passive tap on %s", d->cfg.tap);
		if (cfd_tap_start(d->tap) < 0)
			goto out;
	} else {
		for (i = 0; i < d->n_workers; i++)
			if (cfd_worker_start(d->workers[i]) < 0)
				goto out;
		for (i = 0; i < d->cfg.n_listen; i++) {
			cfd_format_addr(&d->cfg.listen[i], addr, sizeof(addr));
			cfd_log("listening on udp %s", addr);
		}
		cfd_log("ready: %u worker%s, overload %s%s", d->n_workers,
			d->n_workers == 1 ? "" : "s",
			cf_screen_policy_names[d->cfg.overload],
			d->acl ? "" : ", no peers configured: answering "
			"everyone");
	}
	rc = cfd_control_run(d) < 0 ? 1 : 0;
out:
	if (stop_all(d, &stuck))
		rc = 1;
out_cfg:
	close(d->done_fd);
	cfd_config_free(&d->cfg);
	free(d);
	if (stuck) {
		/* exit() would flush the stuck log stream and hang in it. */
		fflush(stderr);
		_exit(rc);
	}
	return rc;
}
