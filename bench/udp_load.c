/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SIP load generator's engine, shared by `callfence-bench udp` (one
 * run against any server) and `callfence-bench reload` (runs against
 * callfenced while its rules are reloaded): see udp_load.h.
 *
 * Each call is a number, its sequence; the sequence is in the Call-ID and
 * the Via branch, so an answer finds its call in a table indexed by the
 * sequence, without a hash or a search.  The table holds every call sent
 * but not yet resolved (answered, or lost after --timeout).
 */

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <callfence/sip.h>

#include "bench_util.h"
#include "udp_load.h"

#define TABLE_MIN_BITS		16
#define TABLE_MAX_BITS		22	/* 4 Mi calls in flight, 64 MiB */

const uint16_t udp_named_codes[UDP_NAMED_CODES] = { 302, 603, 608, 403, 503 };

void
udp_opts_default(struct udp_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->duration_s = 10;
	o->timeout_s = 1;
	o->window = 1024;
	o->source_ports = 4;
	o->batch = 32;
	o->cpu = -1;
	o->seed = 1;
}

int
udp_parse_target(struct udp_opts *o, const char *s)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon, *h = s;
	size_t hlen;
	char *end;
	unsigned long port;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -1;
		h = s + 1;
		hlen = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port == 0 || port > 65535)
		return -1;
	memset(&o->target, 0, sizeof(o->target));
	if (s[0] != '[') {
		struct sockaddr_in *sin = (struct sockaddr_in *)&o->target;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -1;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		o->target_len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&o->target;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		o->target_len = sizeof(*sin6);
	}
	o->target_str = s;
	return 0;
}

/* ---- sockets ------------------------------------------------------------- */

static void
format_host(const struct sockaddr_storage *ss, char *dst, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr,
			  a, sizeof(a));
		snprintf(dst, size, "[%s]", a);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
			  a, sizeof(a));
		snprintf(dst, size, "%s", a);
	}
}

/*
 * One connected socket per source port: the kernel fills in the address
 * of every datagram and drops answers from anyone but the target, and a
 * server spreading load with SO_REUSEPORT (hashing the 4-tuple) sees as
 * many flows as there are ports.
 */
static int
open_sockets(struct udp_run *r)
{
	const struct udp_opts *o = r->o;
	unsigned i;

	for (i = 0; i < o->source_ports; i++) {
		struct sockaddr_storage local;
		socklen_t len = sizeof(local);
		int buf = 4 << 20;
		int fd;

		fd = socket(o->target.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
			    SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto error;
		r->fd[i] = fd;
		/* Deep buffers: a burst of answers must wait, not drop, while
		 * the generator is busy sending.  Capped by net.core.rmem_max. */
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
		if (connect(fd, (const struct sockaddr *)&o->target,
			    o->target_len) < 0 ||
		    getsockname(fd, (struct sockaddr *)&local, &len) < 0)
			goto error;
		if (i == 0)
			format_host(&local, r->local_host, sizeof(r->local_host));
		r->local_port[i] = ntohs(local.ss_family == AF_INET6 ?
			((struct sockaddr_in6 *)&local)->sin6_port :
			((struct sockaddr_in *)&local)->sin_port);
		r->pfd[i].fd = fd;
		r->pfd[i].events = POLLIN;
	}
	format_host(&o->target, r->target_host, sizeof(r->target_host));
	return 0;
error:
	fprintf(stderr, "callfence-bench udp: socket to %s: %s\n",
		o->target_str, strerror(errno));
	return -1;
}

/* ---- INVITEs ------------------------------------------------------------- */

struct out {
	char *p;
	char *end;
};

static void
put(struct out *b, const char *s, size_t len)
{
	if ((size_t)(b->end - b->p) < len) {
		b->p = b->end + 1;	/* overflowed: seen by the caller */
		return;
	}
	memcpy(b->p, s, len);
	b->p += len;
}

static void
puts_(struct out *b, const char *s)
{
	put(b, s, strlen(s));
}

static void
put_hex(struct out *b, uint64_t v)
{
	char tmp[16];
	int n = 0;

	do {
		tmp[15 - n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	put(b, tmp + 16 - n, (size_t)n);
}

static void
put_dec(struct out *b, unsigned v)
{
	char tmp[10];
	int n = 0;

	do {
		tmp[9 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(b, tmp + 10 - n, (size_t)n);
}

/*
 * An INVITE as RFC 3261 §8.1.1 wants it, with nothing the server does not
 * need: the branch (magic cookie, then run and sequence) makes the
 * transaction unique, the From tag the dialog, and the Call-ID carries the
 * sequence the answer is matched by.  Returns the length, or -1 if @size
 * is too small.
 */
static int
build_invite(struct udp_run *r, unsigned sock, uint64_t seq,
	     const struct udp_pair *pair, char *buf, size_t size)
{
	const char *caller = r->callers.text + pair->caller;
	const char *callee = r->callers.text + pair->callee;
	struct out b = { buf, buf + size };

	puts_(&b, "INVITE sip:");
	put(&b, callee, pair->callee_len);
	put(&b, "@", 1);
	puts_(&b, r->target_host);
	puts_(&b, ";user=phone SIP/2.0\r\nVia: SIP/2.0/UDP ");
	puts_(&b, r->local_host);
	put(&b, ":", 1);
	put_dec(&b, r->local_port[sock]);
	puts_(&b, ";branch=z9hG4bK-");
	put(&b, r->id_hex, 8);
	put(&b, "-", 1);
	put_hex(&b, seq);
	puts_(&b, ";rport\r\nMax-Forwards: 70\r\nFrom: <sip:");
	put(&b, caller, pair->caller_len);
	put(&b, "@", 1);
	puts_(&b, r->local_host);
	puts_(&b, ";user=phone>;tag=f");
	put_hex(&b, seq);
	puts_(&b, "\r\nTo: <sip:");
	put(&b, callee, pair->callee_len);
	put(&b, "@", 1);
	puts_(&b, r->target_host);
	puts_(&b, ";user=phone>\r\nCall-ID: ");
	put(&b, r->id_hex, 8);
	put(&b, "-", 1);
	put_hex(&b, seq);
	puts_(&b, "@callfence-bench\r\nCSeq: 1 INVITE\r\nContact: <sip:");
	put(&b, caller, pair->caller_len);
	put(&b, "@", 1);
	puts_(&b, r->local_host);
	put(&b, ":", 1);
	put_dec(&b, r->local_port[sock]);
	puts_(&b, ">\r\nUser-Agent: callfence-bench\r\nContent-Length: 0\r\n\r\n");
	return b.p > b.end ? -1 : (int)(b.p - buf);
}

/*
 * Send up to @k INVITEs in one sendmmsg, all stamped @now (taken just
 * before the call: a latency includes the kernel's time to send the
 * batch, so batches are kept small).  Only calls the kernel took are
 * entered in the table; the others get their sequence numbers again.
 * Returns the number sent.
 */
static unsigned
send_batch(struct udp_run *r, unsigned k, uint64_t now)
{
	unsigned sock = r->next_fd++ % r->o->source_ports;
	int sent, i;

	for (i = 0; i < (int)k; i++) {
		uint64_t seq = r->next_seq + (uint64_t)i;
		const struct udp_pair *pair = udp_callers_pick(&r->callers, seq,
							       &r->rng);
		int len = build_invite(r, sock, seq, pair, r->sbuf[i], UDP_SEND_BUF);

		if (len < 0)	/* cannot happen: users are bounded */
			abort();
		r->siov[i].iov_len = (size_t)len;
	}
	sent = sendmmsg(r->fd[sock], r->smsg, k, MSG_DONTWAIT);
	if (sent <= 0) {
		/* A full send buffer is back-pressure, not an error; a
		 * refused connection (ICMP port unreachable: nobody
		 * listens yet) is counted and the run goes on. */
		if (sent < 0 && errno != EAGAIN && errno != ENOBUFS)
			r->c.send_errors++;
		return 0;
	}
	for (i = 0; i < sent; i++) {
		uint64_t seq = r->next_seq + (uint64_t)i;
		struct udp_slot *s = &r->slots[seq & r->mask];

		s->sent_ns = now;
		s->seq = (uint32_t)seq;
		s->status = 0;
		s->state = UDP_SLOT_PENDING;
	}
	r->next_seq += (uint64_t)sent;
	r->pending += (uint64_t)sent;
	r->c.sent += (uint64_t)sent;
	return (unsigned)sent;
}

/* ---- answers ------------------------------------------------------------- */

static int
hex_value(const char *p, size_t len, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (len == 0 || len > 16)
		return -1;
	for (i = 0; i < len; i++) {
		char ch = p[i];

		if (ch >= '0' && ch <= '9')
			x = x << 4 | (uint64_t)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			x = x << 4 | (uint64_t)(ch - 'a' + 10);
		else
			return -1;
	}
	*v = x;
	return 0;
}

/* The sequence in a Call-ID of this run ("RUNID-SEQ@..."), or -1. */
static int
call_id_seq(const struct udp_run *r, const struct cf_sip_span *cid, uint64_t *seq)
{
	const char *at;

	if (cid->len < 10 || memcmp(cid->p, r->id_hex, 8) != 0 ||
	    cid->p[8] != '-')
		return -1;
	at = memchr(cid->p + 9, '@', cid->len - 9);
	if (!at)
		return -1;
	return hex_value(cid->p + 9, (size_t)(at - cid->p - 9), seq);
}

/* Whether the top Via of an answer carries the branch of call @seq: a
 * server that echoes Via wrong breaks every real client. */
static bool
via_matches(const struct udp_run *r, const struct cf_sip_msg *m, uint64_t seq)
{
	static const char key[] = "branch=z9hG4bK-";
	const struct cf_sip_span *via = &m->via[0];
	const char *p = via->len ? memmem(via->p, via->len, key, sizeof(key) - 1) : NULL;
	const char *end = via->p + via->len, *q;
	uint64_t v;

	if (!p)
		return false;
	p += sizeof(key) - 1;
	if (end - p < 9 || memcmp(p, r->id_hex, 8) != 0 || p[8] != '-')
		return false;
	p += 9;
	for (q = p; q < end && *q != ';' && *q != ',' && *q != ' '; q++)
		;
	return hex_value(p, (size_t)(q - p), &v) == 0 && v == seq;
}

/* One datagram from the target, received at @now. */
static void
take_answer(struct udp_run *r, const char *buf, size_t len, uint64_t now)
{
	struct cf_sip_msg *m = &r->msg;
	struct udp_slot *s;
	uint64_t seq;

	if (cf_sip_parse(m, buf, len, 0) < 0 || m->request) {
		r->c.unparseable++;
		return;
	}
	if (call_id_seq(r, &m->call_id, &seq) < 0 || seq >= r->next_seq ||
	    m->method != CF_SIP_METHOD_INVITE || m->cseq != 1 ||
	    !via_matches(r, m, seq)) {
		r->c.unmatched++;
		return;
	}
	if (m->status < 200) {
		r->c.provisional++;
		return;
	}
	s = &r->slots[seq & r->mask];
	if (s->seq != (uint32_t)seq || s->state == UDP_SLOT_LOST) {
		/* Lost already, and maybe its slot taken by a newer call. */
		r->c.late++;
		return;
	}
	if (s->state == UDP_SLOT_ANSWERED) {
		r->c.duplicates++;
		return;
	}
	s->state = UDP_SLOT_ANSWERED;
	s->status = m->status;
	r->pending--;
	r->c.answered++;
	r->c.codes[m->status < UDP_STATUS_MAX ? m->status : 0]++;
	udp_hist_record(&r->hist, now - s->sent_ns);
	r->last_answer_ns = now;
}

/* Drain what has arrived on every socket, a batch per recvmmsg.  Returns
 * the number of datagrams read. */
static unsigned
receive(struct udp_run *r)
{
	unsigned i, total = 0;
	int ready;

	ready = poll(r->pfd, r->o->source_ports, 0);
	if (ready <= 0)
		return 0;
	for (i = 0; i < r->o->source_ports; i++) {
		int n, j;

		if (!(r->pfd[i].revents & (POLLIN | POLLERR)))
			continue;
		do {
			uint64_t now;

			n = recvmmsg(r->fd[i], r->rmsg, r->o->batch, MSG_DONTWAIT,
				     NULL);
			if (n < 0) {
				if (errno != EAGAIN && errno != EINTR)
					r->c.recv_errors++;
				break;
			}
			now = bench_now_ns();
			for (j = 0; j < n; j++) {
				if (r->rmsg[j].msg_hdr.msg_flags & MSG_TRUNC)
					r->c.unparseable++;
				else
					take_answer(r, r->rbuf[j], r->rmsg[j].msg_len,
						    now);
				r->rmsg[j].msg_hdr.msg_flags = 0;
			}
			total += (unsigned)n;
		} while (n == (int)r->o->batch);
	}
	return total;
}

/* Resolve calls in sequence order: answered ones leave the table, those
 * unanswered for the timeout are lost. */
static void
expire(struct udp_run *r, uint64_t now, uint64_t timeout_ns)
{
	while (r->oldest < r->next_seq) {
		struct udp_slot *s = &r->slots[r->oldest & r->mask];

		if (s->state == UDP_SLOT_PENDING) {
			if (now - s->sent_ns < timeout_ns)
				break;
			s->state = UDP_SLOT_LOST;
			r->pending--;
			r->c.lost++;
		}
		r->oldest++;
	}
}

/* ---- the run ------------------------------------------------------------- */

/* One process as /proc/PID/stat tells it. */
struct proc_cpu {
	long pid;
	long ppid;
	long long ticks;	/* utime + stime + cutime + cstime */
	bool in_tree;
};

/* Read /proc/@pid/stat; 0 or -1.  The fields are counted after the ')'
 * that closes the name, which may itself hold spaces and parentheses. */
static int
read_proc_stat(long pid, struct proc_cpu *p)
{
	char path[64], line[1024], *rp;
	unsigned long long ut, st;
	long long cut, cst;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = '\0';
	rp = strrchr(line, ')');
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt
	 * cmajflt utime stime cutime cstime */
	if (!rp || sscanf(rp + 1, " %*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			  "%llu %llu %lld %lld", &p->ppid, &ut, &st, &cut,
			  &cst) != 5)
		return -1;
	p->pid = pid;
	p->ticks = (long long)(ut + st) + cut + cst;
	p->in_tree = false;
	return 0;
}

/*
 * CPU time, in clock ticks, of @root and every process descended from it:
 * a server of several processes (Kamailio's UDP receivers are children of
 * its main process) is measured whole, and threads are in their process's
 * figures already.  Children that exited and were waited for are in their
 * parent's cutime and cstime.  Control thread only, outside the run (it
 * reads all of /proc).  Returns -1 when @root is not readable.
 */
long long
udp_tree_cpu_ticks(long root)
{
	struct proc_cpu *all = NULL;
	size_t n = 0, cap = 0, i;
	long long sum = 0;
	struct dirent *d;
	bool grew;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);

		if (*end || pid <= 0)
			continue;
		if (n == cap) {
			struct proc_cpu *more;

			cap = cap ? cap * 2 : 256;
			more = realloc(all, cap * sizeof(*all));
			if (!more)
				break;
			all = more;
		}
		if (read_proc_stat(pid, &all[n]) == 0)
			n++;
	}
	closedir(dir);
	for (i = 0; i < n; i++)
		if (all[i].pid == root)
			all[i].in_tree = true;
	/* A process joins when its parent is in; repeat down the levels. */
	do {
		grew = false;
		for (i = 0; i < n; i++) {
			size_t k;

			if (all[i].in_tree)
				continue;
			for (k = 0; k < n; k++)
				if (all[k].in_tree && all[k].pid == all[i].ppid) {
					all[i].in_tree = grew = true;
					break;
				}
		}
	} while (grew);
	sum = -1;
	for (i = 0; i < n; i++)
		if (all[i].in_tree)
			sum = (sum < 0 ? 0 : sum) + all[i].ticks;
	free(all);
	return sum;
}

uint64_t
udp_self_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static unsigned
table_bits(const struct udp_opts *o)
{
	double need = o->max ? (double)o->window * 4 + 65536 :
		o->rate * (o->timeout_s + 0.1) * 1.25 + o->batch;
	unsigned bits = TABLE_MIN_BITS;

	/* Closed loop: the table must also hold the answered calls behind
	 * an unanswered one until it times out; a quarter million at least
	 * keeps that from throttling the window. */
	if (o->max && need < (1 << 18))
		need = 1 << 18;
	while (bits < TABLE_MAX_BITS && (double)(1ull << bits) < need)
		bits++;
	return bits;
}

static void
print_progress(const struct udp_run *r, uint64_t now, uint64_t *last_answered,
	       uint64_t *last_ns)
{
	double dt = (double)(now - *last_ns) / 1e9;

	fprintf(stderr, "%7.1f s  sent %12llu  answered %12llu  lost %9llu  "
		"%10.0f answers/s\n", (double)(now - r->start_ns) / 1e9,
		(unsigned long long)r->c.sent, (unsigned long long)r->c.answered,
		(unsigned long long)r->c.lost,
		(double)(r->c.answered - *last_answered) / dt);
	*last_answered = r->c.answered;
	*last_ns = now;
}

/*
 * Send for the duration (or until --calls), then wait for the last answers
 * until every call is answered or has timed out.  Runs on one thread;
 * spins while calls are due within 200 µs, sleeps in poll otherwise.
 */
void
udp_run_loop(struct udp_run *r)
{
	const struct udp_opts *o = r->o;
	uint64_t timeout_ns = (uint64_t)(o->timeout_s * 1e9);
	uint64_t dur_ns = (uint64_t)(o->duration_s * 1e9);
	uint64_t cap = o->calls ? o->calls : UINT64_MAX;
	uint64_t table = r->mask + 1, last_progress, last_answered = 0;
	bool sending = true;

	r->start_ns = last_progress = bench_now_ns();
	for (;;) {
		uint64_t now = bench_now_ns(), want = 0, wait_ns = 0;
		unsigned did = 0;

		if (sending && (now - r->start_ns >= dur_ns || r->next_seq >= cap)) {
			sending = false;
			r->send_end_ns = now;
		}
		if (sending) {
			uint64_t room = table - (r->next_seq - r->oldest);

			if (o->max) {
				want = r->pending < o->window ? o->window - r->pending : 0;
			} else {
				uint64_t due = (uint64_t)((double)(now - r->start_ns) *
							  o->rate / 1e9) + 1;

				want = due > r->next_seq ? due - r->next_seq : 0;
				if (want > o->batch) {
					uint64_t sched = r->start_ns + (uint64_t)
						((double)r->next_seq * 1e9 / o->rate);

					if (now - sched > r->lag_max_ns)
						r->lag_max_ns = now - sched;
				}
				if (!want)
					wait_ns = (uint64_t)((double)r->next_seq * 1e9 /
							     o->rate) - (now - r->start_ns);
			}
			if (want > cap - r->next_seq)
				want = cap - r->next_seq;
			if (want > room) {
				if (room == 0)
					r->c.stalls++;
				want = room;
			}
			if (want > o->batch)
				want = o->batch;
			if (want)
				did += send_batch(r, (unsigned)want, now);
		}
		did += receive(r);
		now = bench_now_ns();
		expire(r, now, timeout_ns);
		if (o->progress && now - last_progress >= 1000000000ull)
			print_progress(r, now, &last_answered, &last_progress);
		if (!sending && r->oldest == r->next_seq)
			break;
		if (did)
			continue;
		/* Nothing to do: sleep until an answer comes or the next call is
		 * due, but spin through short gaps, where waking up would cost
		 * more than the gap and blur the latencies. */
		if (sending && !o->max && wait_ns < 200000)
			continue;
		if (!sending || o->max || wait_ns > 10000000)
			wait_ns = 10000000;
		{
			struct timespec ts = {
				.tv_sec = 0,
				.tv_nsec = (long)wait_ns,
			};

			ppoll(r->pfd, o->source_ports, &ts, NULL);
		}
	}
	if (!r->send_end_ns)
		r->send_end_ns = bench_now_ns();
}

int
udp_run_setup(struct udp_run *r, const struct udp_opts *o)
{
	char err[256];
	unsigned bits, i;
	uint64_t seed = o->seed;

	memset(r, 0, sizeof(*r));
	r->o = o;
	for (i = 0; i < UDP_SOURCE_PORTS_MAX; i++)
		r->fd[i] = -1;
	udp_hist_init(&r->hist);
	r->rng = o->seed ^ 0x5eed;
	/* A new id each run, so that late answers to an earlier run against
	 * the same server are not taken for this one's. */
	r->id = (uint32_t)(bench_rand(&seed) ^ bench_now_ns() ^ (uint64_t)getpid());
	snprintf(r->id_hex, sizeof(r->id_hex), "%08x", r->id);
	if (o->callers_path) {
		if (udp_callers_load(&r->callers, o->callers_path, err,
				     sizeof(err)) < 0) {
			fprintf(stderr, "callfence-bench udp: %s\n", err);
			return -1;
		}
	} else if (udp_callers_generate(&r->callers, UDP_GENERATED_PAIRS, o->seed) < 0) {
		fprintf(stderr, "callfence-bench udp: out of memory\n");
		return -1;
	}
	bits = table_bits(o);
	r->mask = (1ull << bits) - 1;
	r->slots = calloc(1ull << bits, sizeof(*r->slots));
	r->sbuf = calloc(UDP_BATCH_MAX, sizeof(*r->sbuf));
	r->rbuf = calloc(UDP_BATCH_MAX, sizeof(*r->rbuf));
	if (!r->slots || !r->sbuf || !r->rbuf) {
		fprintf(stderr, "callfence-bench udp: out of memory\n");
		return -1;
	}
	for (i = 0; i < UDP_BATCH_MAX; i++) {
		r->siov[i].iov_base = r->sbuf[i];
		r->smsg[i].msg_hdr.msg_iov = &r->siov[i];
		r->smsg[i].msg_hdr.msg_iovlen = 1;
		r->riov[i].iov_base = r->rbuf[i];
		r->riov[i].iov_len = UDP_RECV_BUF;
		r->rmsg[i].msg_hdr.msg_iov = &r->riov[i];
		r->rmsg[i].msg_hdr.msg_iovlen = 1;
	}
	return open_sockets(r);
}

void
udp_run_free(struct udp_run *r)
{
	unsigned i;

	for (i = 0; i < UDP_SOURCE_PORTS_MAX; i++)
		if (r->fd[i] >= 0)
			close(r->fd[i]);
	free(r->slots);
	free(r->sbuf);
	free(r->rbuf);
	udp_callers_free(&r->callers);
}

void
udp_compute(const struct udp_run *r, uint64_t end_ns, uint64_t self_ns,
	long long target_ticks, struct udp_figures *f)
{
	const struct udp_opts *o = r->o;
	double total_s = (double)(end_ns - r->start_ns) / 1e9;
	unsigned i;

	memset(f, 0, sizeof(*f));
	f->send_s = (double)(r->send_end_ns - r->start_ns) / 1e9;
	f->answer_s = r->c.answered ?
		(double)(r->last_answer_ns - r->start_ns) / 1e9 : 0;
	f->answered_per_s = f->answer_s > 0 ? (double)r->c.answered / f->answer_s : 0;
	f->sent_per_s = f->send_s > 0 ? (double)r->c.sent / f->send_s : 0;
	f->loss_pct = r->c.sent ? 100.0 * (double)r->c.lost / (double)r->c.sent : 0;
	f->p50_us = (double)udp_hist_percentile(&r->hist, 50) / 1e3;
	f->p99_us = (double)udp_hist_percentile(&r->hist, 99) / 1e3;
	f->p999_us = (double)udp_hist_percentile(&r->hist, 99.9) / 1e3;
	f->max_us = (double)r->hist.max / 1e3;
	if (!r->hist.count)
		f->max_us = 0;
	f->self_cpu_pct = total_s > 0 ? 100.0 * (double)self_ns / 1e9 / total_s : 0;
	/* Kept: 99 % of the calls due were sent (unless --calls stopped us). */
	f->rate_kept = o->max || (o->calls && r->c.sent >= o->calls) ||
		(double)r->c.sent >= 0.99 * o->rate * f->send_s;
	if (target_ticks >= 0) {
		f->have_target_cpu = true;
		f->target_cpu_s = (double)target_ticks / (double)sysconf(_SC_CLK_TCK);
		f->target_us_per_call = r->c.answered ?
			f->target_cpu_s * 1e6 / (double)r->c.answered : 0;
		f->target_cores = total_s > 0 ? f->target_cpu_s / total_s : 0;
	}
	for (i = 0; i < UDP_STATUS_MAX; i++)
		f->other_codes += r->c.codes[i];
	for (i = 0; i < sizeof(udp_named_codes) / sizeof(udp_named_codes[0]); i++)
		f->other_codes -= r->c.codes[udp_named_codes[i]];
}

