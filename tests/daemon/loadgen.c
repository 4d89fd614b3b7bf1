/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small open-loop load generator for callfenced (by hand, not a test):
 * sends INVITEs with sendmmsg in bursts of 32 at up to RATE per second
 * for SECONDS, reads answers with recvmmsg, and prints calls sent,
 * answered, and the answer rate.  Each INVITE has a new Call-ID and one of
 * 100,000 callers.
 *
 *   loadgen ADDR PORT SECONDS [RATE]     (RATE 0 = as fast as possible)
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BURST	32

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int
main(int argc, char **argv)
{
	static char out[BURST][768], in[BURST][2048];
	struct mmsghdr om[BURST], im[BURST];
	struct iovec oi[BURST], ii[BURST];
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned long long sent = 0, got = 0, i;
	double t0, end, rate;
	int fd, k, n, buf = 8 << 20;

	if (argc < 4) {
		fprintf(stderr, "usage: loadgen ADDR PORT SECONDS [RATE]\n");
		return 2;
	}
	inet_pton(AF_INET, argv[1], &to.sin_addr);
	to.sin_port = htons((unsigned short)atoi(argv[2]));
	rate = argc > 4 ? atof(argv[4]) : 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	connect(fd, (struct sockaddr *)&to, sizeof(to));
	memset(om, 0, sizeof(om));
	memset(im, 0, sizeof(im));
	for (k = 0; k < BURST; k++) {
		om[k].msg_hdr.msg_iov = &oi[k];
		om[k].msg_hdr.msg_iovlen = 1;
		oi[k].iov_base = out[k];
		ii[k].iov_base = in[k];
		ii[k].iov_len = sizeof(in[k]);
		im[k].msg_hdr.msg_iov = &ii[k];
		im[k].msg_hdr.msg_iovlen = 1;
	}
	t0 = now();
	end = t0 + atof(argv[3]);
	while (now() < end) {
		if (rate <= 0 || (double)sent < (now() - t0) * rate) {
			for (k = 0; k < BURST; k++) {
				i = sent + (unsigned long long)k;
				oi[k].iov_len = (size_t)snprintf(out[k],
					sizeof(out[k]),
					"INVITE sip:+8613812345678@gw SIP/2.0\r\n"
					"Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK%llx\r\n"
					"From: <sip:+86139%08llu@a;user=phone>;tag=%llx\r\n"
					"To: <sip:+8613812345678@gw>\r\n"
					"Call-ID: lg%llx\r\nCSeq: 1 INVITE\r\n"
					"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
					i, i % 100000, i, i);
			}
			n = sendmmsg(fd, om, BURST, 0);
			if (n > 0)
				sent += (unsigned long long)n;
		}
		n = recvmmsg(fd, im, BURST, MSG_DONTWAIT, NULL);
		if (n > 0)
			got += (unsigned long long)n;
	}
	/* Late answers. */
	t0 = now();
	while (now() < t0 + 0.5) {
		n = recvmmsg(fd, im, BURST, MSG_DONTWAIT, NULL);
		if (n > 0)
			got += (unsigned long long)n;
	}
	printf("sent %llu answered %llu (%.1f%%) over %s s: %.0f answers/s\n",
	       sent, got, sent ? 100.0 * (double)got / (double)sent : 0.0,
	       argv[3], (double)got / atof(argv[3]));
	return 0;
}
