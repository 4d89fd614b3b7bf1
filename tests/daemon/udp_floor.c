/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's share of a screening server's cost, measured alone (by
 * hand, not a test): a UDP echo server doing nothing but what callfenced's
 * worker does with the network (recvmmsg bursts of 64, one sendmmsg per
 * burst back to each sender), so that its CPU time per datagram is the
 * floor under callfenced's.  Drive it with cfd_loadgen as callfenced is:
 *
 *   taskset -c 0 udp_floor 127.0.0.1 PORT SECONDS &
 *   taskset -c 1 cfd_loadgen 127.0.0.1 PORT SECONDS
 *
 * It prints datagrams echoed and user/system CPU microseconds per datagram.
 */

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#define BURST	64

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double
tv(const struct timeval *t)
{
	return (double)t->tv_sec * 1e6 + (double)t->tv_usec;
}

int
main(int argc, char **argv)
{
	static char buf[BURST][2048];
	struct mmsghdr m[BURST];
	struct iovec io[BURST];
	struct sockaddr_in peer[BURST], a = { .sin_family = AF_INET };
	unsigned long long echoed = 0;
	struct rusage ru;
	double end;
	int fd, i, n, big = 4 << 20;

	if (argc < 4) {
		fprintf(stderr, "usage: udp_floor ADDR PORT SECONDS\n");
		return 2;
	}
	inet_pton(AF_INET, argv[1], &a.sin_addr);
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("udp_floor");
		return 1;
	}
	memset(m, 0, sizeof(m));
	end = now() + atof(argv[3]) + 2;
	while (now() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		for (i = 0; i < BURST; i++) {
			io[i].iov_base = buf[i];
			io[i].iov_len = sizeof(buf[i]);
			m[i].msg_hdr.msg_iov = &io[i];
			m[i].msg_hdr.msg_iovlen = 1;
			m[i].msg_hdr.msg_name = &peer[i];
			m[i].msg_hdr.msg_namelen = sizeof(peer[i]);
		}
		n = recvmmsg(fd, m, BURST, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			poll(&p, 1, 100);
			continue;
		}
		for (i = 0; i < n; i++)
			io[i].iov_len = m[i].msg_len;
		if (sendmmsg(fd, m, (unsigned int)n, MSG_DONTWAIT) > 0)
			echoed += (unsigned long long)n;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("echoed %llu: %.2f us user + %.2f us system per datagram\n",
	       echoed, echoed ? tv(&ru.ru_utime) / (double)echoed : 0,
	       echoed ? tv(&ru.ru_stime) / (double)echoed : 0);
	return 0;
}
