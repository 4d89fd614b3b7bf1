/* SPDX-License-Identifier: GPL-2.0-or-later */
/* callfence reload: ask a running callfenced to reload its rules. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"

#define DEFAULT_CONTROL	"/run/callfenced/control.sock"

int
cmd_reload(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { 60, 0 };
	const char *path = DEFAULT_CONTROL, *cmd = "reload\n";
	char reply[4096];
	size_t got = 0;
	ssize_t n;
	int i, fd;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--control") == 0 && i + 1 < argc) {
			path = argv[++i];
		} else if (strcmp(argv[i], "--metrics") == 0) {
			cmd = "metrics\n";
		} else if (strcmp(argv[i], "-h") == 0 ||
			   strcmp(argv[i], "--help") == 0) {
			printf("usage: callfence reload [--control PATH] "
			       "[--metrics]\n\n"
			       "Ask callfenced to reload its rules (or, with "
			       "--metrics, print its\nmetrics) through its "
			       "control socket (default %s).\nExits 0 when "
			       "the new ruleset is in force, 1 when it was "
			       "refused\n(the old one stays) and says why.\n",
			       DEFAULT_CONTROL);
			return CLI_OK;
		} else {
			fprintf(stderr, "callfence reload: unknown option "
				"'%s'\n", argv[i]);
			return CLI_USAGE;
		}
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "callfence reload: %s: path too long\n", path);
		return CLI_USAGE;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "callfence reload: %s: %s\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return CLI_FAIL;
	}
	/* A big ruleset takes a while to load: wait, but not forever. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "callfence reload: %s\n", strerror(errno));
		close(fd);
		return CLI_FAIL;
	}
	while ((n = recv(fd, reply + got, sizeof(reply) - 1 - got, 0)) > 0) {
		got += (size_t)n;
		if (got == sizeof(reply) - 1) {
			fwrite(reply, 1, got, stdout);
			got = 0;
		}
	}
	close(fd);
	reply[got] = '\0';
	fputs(reply, stdout);
	if (strcmp(cmd, "reload\n") == 0)
		return strncmp(reply, "ok", 2) == 0 ? CLI_OK : CLI_FAIL;
	return CLI_OK;
}
