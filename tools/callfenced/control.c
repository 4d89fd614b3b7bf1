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
 * connection, one reply, then the server closes, within 2 s of the
 * connection whatever the client does:
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

/*
 * Control connections are served by the control loop itself, without
 * blocking: each is read and answered as its socket allows, within
 * CONN_DEADLINE_NS of its accept, then closed, so a client that dribbles
 * its command or never reads its reply delays nothing (not a signal, not
 * another client).  At most CONN_MAX at once; beyond, a new connection is
 * closed at once.
 */
#define CONN_MAX		16
#define CONN_DEADLINE_NS	(UINT64_C(2) * 1000000000)

struct conn {
	int fd;				/* -1: a free slot */
	uint64_t deadline;		/* monotonic */
	char cmd[128];
	size_t got;
	char *out;			/* the reply, once the command ran */
	size_t len, off;
};

static void
conn_close(struct conn *c)
{
	close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Run the command line read so far: the reply to send. */
static void
conn_run(struct cfd *d, struct conn *c)
{
	char *cmd = c->cmd;
	FILE *f = open_memstream(&c->out, &c->len);

	if (!f)
		return;
	cmd[c->got] = '\0';
	cmd[strcspn(cmd, "\r\n")] = '\0';
	if (strcmp(cmd, "reload") == 0) {
		char why[1800];

		if (cfd_rules_reload(d, why, sizeof(why)) == 0)
			fprintf(f, "ok %s\n", why);
		else
			fprintf(f, "error: %s\n", why);
	} else if (strcmp(cmd, "metrics") == 0) {
		cfd_metrics_write(d, f);
	} else if (strcmp(cmd, "ping") == 0) {
		fputs("ok\n", f);
	} else {
		fprintf(f, "error: unknown command '%.64s' (reload, metrics, "
			"ping)\n", cmd);
	}
	if (fclose(f) != 0) {
		free(c->out);
		c->out = NULL;
		c->len = 0;
	}
}

/* The socket of @c is ready: read more of the command, or send more of
 * the reply.  Returns false when the connection is done. */
static bool
conn_step(struct cfd *d, struct conn *c)
{
	ssize_t k;

	if (!c->out) {
		k = recv(c->fd, c->cmd + c->got, sizeof(c->cmd) - 1 - c->got,
			 MSG_DONTWAIT);
		if (k < 0)
			return errno == EAGAIN || errno == EINTR;
		c->got += (size_t)k;
		/* A line, a full buffer or the client's end: run it. */
		if (k > 0 && !memchr(c->cmd, '\n', c->got) &&
		    c->got < sizeof(c->cmd) - 1)
			return true;
		conn_run(d, c);
		if (!c->out)
			return false;
	}
	while (c->off < c->len) {
		k = send(c->fd, c->out + c->off, c->len - c->off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0)
			return errno == EAGAIN || errno == EINTR;
		c->off += (size_t)k;
	}
	return false;
}

static void
conn_accept(struct conn *conns, int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	unsigned int i;

	if (fd < 0)
		return;
	for (i = 0; i < CONN_MAX; i++)
		if (conns[i].fd < 0) {
			conns[i].fd = fd;
			conns[i].deadline = cfd_now_ns() + CONN_DEADLINE_NS;
			return;
		}
	/* Every slot busy: this one is not served. */
	close(fd);
}

/* What happens on a signal; false: stop. */
static bool
on_signal(struct cfd *d, int sfd)
{
	struct signalfd_siginfo si;
	char why[1800];

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return true;
	if (si.ssi_signo == SIGHUP) {
		cfd_rules_reload(d, why, sizeof(why));
	} else if (si.ssi_signo == SIGUSR1) {
		cfd_vlog_reopen(d->vlog);
	} else {
		cfd_log("signal %u: stopping", si.ssi_signo);
		return false;
	}
	return true;
}

int
cfd_control_run(struct cfd *d)
{
	struct pollfd pfd[3 + CONN_MAX];
	struct conn conns[CONN_MAX];
	int slot[CONN_MAX];		/* pfd index -> conns index */
	bool run = true;
	sigset_t set;
	unsigned int i;
	int sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return -1;
	memset(conns, 0, sizeof(conns));
	for (i = 0; i < CONN_MAX; i++)
		conns[i].fd = -1;
	while (run) {
		uint64_t now = cfd_now_ns(), next = UINT64_MAX;
		nfds_t n = 0, first;
		int timeout;

		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = d->done_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = d->control_fd,
					    .events = POLLIN };
		first = n;
		for (i = 0; i < CONN_MAX; i++) {
			if (conns[i].fd < 0)
				continue;
			if (now >= conns[i].deadline) {
				conn_close(&conns[i]);
				continue;
			}
			if (conns[i].deadline < next)
				next = conns[i].deadline;
			slot[n - first] = (int)i;
			pfd[n++] = (struct pollfd){ .fd = conns[i].fd,
				.events = conns[i].out ? POLLOUT : POLLIN };
		}
		/* Until the next deadline (ms, rounded up), or a signal. */
		timeout = next == UINT64_MAX ? -1 :
			  (int)((next - now + 999999) / 1000000);
		if (poll(pfd, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents & POLLIN)
			run = on_signal(d, sfd);
		if (pfd[1].revents & POLLIN) {
			cfd_log("done: stopping");
			run = false;
		}
		for (i = first; run && i < n; i++)
			if (pfd[i].revents &&
			    !conn_step(d, &conns[slot[i - first]]))
				conn_close(&conns[slot[i - first]]);
		if (run && (pfd[2].revents & POLLIN))
			conn_accept(conns, d->control_fd);
	}
	for (i = 0; i < CONN_MAX; i++)
		if (conns[i].fd >= 0)
			conn_close(&conns[i]);
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
