/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control loop (main thread): signals through a signalfd and the
 * local control socket, both handled off the hot path.
 *
 *   SIGHUP            reload the rules
 *   SIGUSR1           reopen the verdict log
 *   SIGTERM, SIGINT   stop
 * and done_fd: the passive tap read its whole file, stop.
 *
 * Control socket (UNIX stream, path from `control`): one command line per
 * connection, one reply, then the server closes:
 *   reload   -> "ok generation N: ..." or "error: why"
 *   metrics  -> the /metrics text
 *   ping     -> "ok"
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "callfenced.h"

static int
control_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		cfd_log("control %s: path too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* A stale socket of an earlier run would make bind fail. */
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 8) < 0) {
		cfd_log("control %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		p += k;
		n -= (size_t)k;
	}
}

/* One connection: read a line (bounded in size and time), answer it. */
static void
control_serve(struct cfd *d, int lfd)
{
	struct timeval tv = { 2, 0 };
	char cmd[128], reply[2048];
	size_t got = 0;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (got < sizeof(cmd) - 1) {
		ssize_t k = recv(fd, cmd + got, sizeof(cmd) - 1 - got, 0);

		if (k <= 0)
			break;
		got += (size_t)k;
		if (memchr(cmd, '\n', got))
			break;
	}
	cmd[got] = '\0';
	cmd[strcspn(cmd, "\r\n")] = '\0';
	if (strcmp(cmd, "reload") == 0) {
		char why[1800];

		if (cfd_rules_reload(d, why, sizeof(why)) == 0)
			snprintf(reply, sizeof(reply), "ok %s\n", why);
		else
			snprintf(reply, sizeof(reply), "error: %s\n", why);
		send_all(fd, reply, strlen(reply));
	} else if (strcmp(cmd, "metrics") == 0) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		if (f) {
			cfd_metrics_write(d, f);
			fclose(f);
			send_all(fd, text, len);
			free(text);
		}
	} else if (strcmp(cmd, "ping") == 0) {
		send_all(fd, "ok\n", 3);
	} else {
		snprintf(reply, sizeof(reply),
			 "error: unknown command '%.64s' (reload, metrics, "
			 "ping)\n", cmd);
		send_all(fd, reply, strlen(reply));
	}
	close(fd);
}

int
cfd_control_run(struct cfd *d)
{
	struct pollfd pfd[3];
	sigset_t set;
	int sfd, cfd = -1;
	nfds_t n = 1;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return -1;
	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[n++] = (struct pollfd){ .fd = d->done_fd, .events = POLLIN };
	cfd = d->control_fd;
	if (cfd >= 0)
		pfd[n++] = (struct pollfd){ .fd = cfd, .events = POLLIN };
	for (;;) {
		struct signalfd_siginfo si;

		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (n > 2 && (pfd[2].revents & POLLIN))
			control_serve(d, cfd);
		if (pfd[1].revents & POLLIN) {
			cfd_log("done: stopping");
			break;
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			char why[1800];

			cfd_rules_reload(d, why, sizeof(why));
		} else if (si.ssi_signo == SIGUSR1) {
			cfd_vlog_reopen(d->vlog);
		} else {
			cfd_log("signal %u: stopping", si.ssi_signo);
			break;
		}
	}
	close(sfd);
	return 0;
}

int
cfd_control_open(struct cfd *d)
{
	d->control_fd = -1;
	if (!d->cfg.control)
		return 0;
	d->control_fd = control_listen(d->cfg.control);
	return d->control_fd < 0 ? -1 : 0;
}

void
cfd_control_close(struct cfd *d)
{
	if (d->control_fd < 0)
		return;
	close(d->control_fd);
	unlink(d->cfg.control);
	d->control_fd = -1;
}
