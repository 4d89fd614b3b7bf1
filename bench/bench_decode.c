/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decode throughput on one core: signalling messages in, filled call
 * records with normalised numbers out.
 *
 * One function per protocol (bench_sip(), bench_isup()): each builds a
 * seeded pool of messages, then times two loops over it, parse only and
 * parse + fill, and prints ns per message, millions of messages per
 * second and TSC cycles per byte of message.
 *
 * SIP: the INVITEs of tests/data/sip/corpus_*.sip (real captures, with
 * SDP bodies, 200-2600 bytes) and as many INVITEs from the traffic
 * generator (what `callfence-bench gen --proto sip` writes: short, no
 * body, PAI), shuffled.  The pool is small enough to stay in cache: a
 * datagram being decoded was just copied in by the kernel, so it is in
 * cache in the engine too.
 *
 * Each loop runs in short rounds and the fastest round is reported (the
 * median beside it): on a shared machine slower rounds measure the
 * neighbours, not the decoder.
 *
 * ISUP: M3UA DATA messages carrying an IAM, half from the traffic
 * generator (what `callfence-bench gen --proto isup` writes: Routing
 * Context, Calling and Called Party, sometimes Redirecting and Original
 * Called), half the M3UA IAMs of the .vec files of tests/data/ss7 (real and synthetic
 * captures: Generic Numbers, Redirection Information, ST, hop counters),
 * cycled, shuffled.  Decode is cf_m3ua_decode() + cf_isup_decode(); +fill
 * is what the engine calls, cf_ss7_m3ua_to_call(): the same decode, then
 * cf_isup_to_call() (a record reset, two to four normalised numbers, the
 * reference hash).
 *
 * usage: bench_decode [COUNT] [SEED] [SIP_DIR] [SS7_DIR]
 *        (default 2000000 1 and the source tree's tests/data/sip and
 *        tests/data/ss7)
 */

#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif

#include <callfence/call.h>
#include <callfence/number.h>
#include <callfence/sip.h>
#include <callfence/ss7.h>

#include "bench_util.h"
#include "gen/encode.h"
#include "gen/gen.h"

#ifndef SIP_DATA_DIR
#define SIP_DATA_DIR "tests/data/sip"
#endif

/* Messages per timed round: a few ms, shorter than a scheduler slice
 * so that some rounds run undisturbed on a busy machine. */
#define ROUND_MSGS	2048
#ifndef SS7_DATA_DIR
#define SS7_DATA_DIR SIP_DATA_DIR "/../ss7"
#endif
#define SIP_POOL	512	/* messages; about 330 KiB */
#define ISUP_POOL	512	/* messages; about 50 KiB with alignment */

/* A pool of messages packed in one arena, 64-byte aligned each. */
struct pool {
	char *arena;
	size_t arena_size, used;
	const char **msg;
	uint32_t *len;
	size_t n, max;
	uint64_t bytes;		/* of all messages, for cycles/byte */
};

static int
pool_init(struct pool *p, size_t max, size_t arena_size)
{
	memset(p, 0, sizeof(*p));
	p->arena = aligned_alloc(64, arena_size);
	p->msg = calloc(max, sizeof(*p->msg));
	p->len = calloc(max, sizeof(*p->len));
	if (!p->arena || !p->msg || !p->len)
		return -1;
	p->arena_size = arena_size;
	p->max = max;
	return 0;
}

static void
pool_free(struct pool *p)
{
	free(p->arena);
	free(p->msg);
	free(p->len);
}

static int
pool_add(struct pool *p, const char *text, size_t len)
{
	size_t at = (p->used + 63) & ~(size_t)63;

	if (p->n == p->max || at + len > p->arena_size)
		return -1;
	memcpy(p->arena + at, text, len);
	p->msg[p->n] = p->arena + at;
	p->len[p->n] = (uint32_t)len;
	p->n++;
	p->used = at + len;
	p->bytes += len;
	return 0;
}

/* Fisher-Yates with the bench generator: same seed, same order. */
static void
pool_shuffle(struct pool *p, uint64_t seed)
{
	uint64_t rng = seed ^ 0x5eed;
	size_t i, j;

	for (i = p->n; i > 1; i--) {
		const char *m;
		uint32_t l;

		j = bench_rand(&rng) % i;
		m = p->msg[i - 1];
		p->msg[i - 1] = p->msg[j];
		p->msg[j] = m;
		l = p->len[i - 1];
		p->len[i - 1] = p->len[j];
		p->len[j] = l;
	}
}

static inline uint64_t
bench_tsc(void)
{
#if HAVE_TSC
	return __rdtsc();
#else
	return 0;
#endif
}

/* One timed loop: ns and TSC ticks of its fastest round. */
struct timing {
	uint64_t ns, tsc;	/* of the fastest round */
	uint64_t median_ns;
};

static void
report(const char *proto, const char *what, const struct timing *t,
       double bytes_per_msg)
{
	double ns = (double)t->ns / ROUND_MSGS;

	printf("%-4s %-13s %7.1f ns/msg  %6.2f M msg/s", proto, what, ns,
	       1e3 / ns);
	if (HAVE_TSC)
		printf("  %5.2f cycles/byte",
		       (double)t->tsc / ROUND_MSGS / bytes_per_msg);
	printf("  (median %.1f ns)\n", (double)t->median_ns / ROUND_MSGS);
}

/* ---- SIP ------------------------------------------------------------ */

static int
sip_load_corpus(struct pool *p, const char *dir, size_t copies_max)
{
	char *texts[64], path[1024];
	size_t lens[64], n = 0, i, added = 0;
	struct dirent *de;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d) {
		fprintf(stderr, "bench: cannot open %s\n", dir);
		return -1;
	}
	while ((de = readdir(d)) && n < 64) {
		size_t nl = strlen(de->d_name);
		FILE *f;

		if (strncmp(de->d_name, "corpus_", 7) || nl < 4 ||
		    strcmp(de->d_name + nl - 4, ".sip"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		texts[n] = malloc(CF_SIP_MSG_MAX);
		if (!f || !texts[n]) {
			if (f)
				fclose(f);
			free(texts[n]);
			rc = -1;
			break;
		}
		lens[n] = fread(texts[n], 1, CF_SIP_MSG_MAX, f);
		fclose(f);
		n++;
	}
	closedir(d);
	/* Cycle the files until half the pool holds corpus INVITEs. */
	for (i = 0; rc == 0 && n && added < copies_max; i++, added++)
		if (pool_add(p, texts[i % n], lens[i % n]) < 0)
			rc = -1;
	for (i = 0; i < n; i++)
		free(texts[i]);
	return rc < 0 || !n ? -1 : (int)n;
}

static int
sip_load_generated(struct pool *p, uint64_t seed, size_t want)
{
	struct gen_config cfg;
	struct gen_label lab;
	struct cf_call call;
	char text[2048];
	size_t added = 0;
	struct gen *g;
	int len;

	gen_config_default(&cfg);
	cfg.seed = seed;
	cfg.calls = want;
	cfg.proto = CF_PROTO_SIP;
	cfg.with_releases = false;
	g = gen_new(&cfg);
	if (!g)
		return -1;
	while (added < want && gen_next(g, &call, &lab)) {
		if (call.event != CF_EVENT_SETUP)
			continue;
		len = gen_encode_sip(&call, lab.call, false, text, sizeof(text));
		if (len < 0 || pool_add(p, text, (size_t)len) < 0)
			break;
		added++;
	}
	gen_free(g);
	return added == want ? 0 : -1;
}

/*
 * The loop under test, one function per mode so each round is a direct
 * call: parse only, or what the engine does per INVITE (reset a record,
 * parse, fill).  Returns -1 if a pool message does not parse.
 */
static int
sip_round_parse(const struct pool *p, const struct cf_numplan *plan,
		size_t start, uint64_t n, uint64_t *sink)
{
	struct cf_sip_msg msg;
	size_t k = start;
	uint64_t i;

	(void)plan;
	for (i = 0; i < n; i++) {
		if (cf_sip_parse(&msg, p->msg[k], p->len[k], 0) < 0)
			return -1;
		*sink += msg.n_headers;
		if (++k == p->n)
			k = 0;
	}
	return 0;
}

static int
sip_round_fill(const struct pool *p, const struct cf_numplan *plan,
	       size_t start, uint64_t n, uint64_t *sink)
{
	struct cf_sip_msg msg;
	struct cf_call call;
	size_t k = start;
	uint64_t i;

	for (i = 0; i < n; i++) {
		cf_call_reset(&call);
		if (cf_sip_parse(&msg, p->msg[k], p->len[k], 0) < 0)
			return -1;
		/* A corpus INVITE whose From does not parse still counts:
		 * the engine decodes it too. */
		cf_sip_to_call(&msg, plan, &call);
		*sink += call.ref.hash ^ call.party[CF_PARTY_CALLER].num.key ^
			 call.party[CF_PARTY_CALLEE].num.key;
		if (++k == p->n)
			k = 0;
	}
	return 0;
}

typedef int round_fn(const struct pool *p, const struct cf_numplan *plan,
			 size_t start, uint64_t n, uint64_t *sink);

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * @count messages in rounds of ROUND_MSGS: the fastest round is the
 * decoder's speed, the median says how much the neighbours took.
 */
static int
time_loop(const struct pool *p, const struct cf_numplan *plan,
	 round_fn *fn, uint64_t count, struct timing *t, uint64_t *sink)
{
	uint64_t rounds = (count + ROUND_MSGS - 1) / ROUND_MSGS, r;
	uint64_t *ns = calloc(rounds, sizeof(*ns));
	uint64_t t0, c0, tsc;

	if (!ns)
		return -1;
	t->ns = t->tsc = UINT64_MAX;
	for (r = 0; r < rounds; r++) {
		t0 = bench_now_ns();
		c0 = bench_tsc();
		if (fn(p, plan, (size_t)(r * ROUND_MSGS % p->n), ROUND_MSGS,
		       sink) < 0) {
			free(ns);
			return -1;
		}
		tsc = bench_tsc() - c0;
		ns[r] = bench_now_ns() - t0;
		if (ns[r] < t->ns) {
			t->ns = ns[r];
			t->tsc = tsc;
		}
	}
	qsort(ns, rounds, sizeof(*ns), cmp_u64);
	t->median_ns = ns[rounds / 2];
	free(ns);
	return 0;
}

static int
sip_run(const char *name, const struct pool *p, const struct cf_numplan *plan,
	uint64_t count)
{
	double per = (double)p->bytes / (double)p->n;
	struct timing t;
	uint64_t sink = 0;
	char label[32];

	if (time_loop(p, plan, sip_round_parse, count, &t, &sink) < 0)
		return -1;
	snprintf(label, sizeof(label), "%s parse", name);
	report("sip", label, &t, per);
	if (time_loop(p, plan, sip_round_fill, count, &t, &sink) < 0)
		return -1;
	snprintf(label, sizeof(label), "%s +fill", name);
	report("sip", label, &t, per);
	/* Printed so the compiler cannot drop the work. */
	printf("     (%zu messages, %.0f bytes/msg avg, checksum %016llx)\n",
	       p->n, per, (unsigned long long)sink);
	return 0;
}

static int
bench_sip(uint64_t count, uint64_t seed, const char *dir)
{
	const struct cf_numplan *plan = cf_numplan_builtin("86");
	struct pool corpus, gen, mix;
	uint64_t sink = 0;
	struct timing t;
	size_t i;
	int n, rc = -1;

	if (pool_init(&corpus, SIP_POOL / 2, 1 << 20) < 0 ||
	    pool_init(&gen, SIP_POOL / 2, 1 << 20) < 0 ||
	    pool_init(&mix, SIP_POOL, 1 << 21) < 0)
		goto out;
	n = sip_load_corpus(&corpus, dir, SIP_POOL / 2);
	if (n < 0 || sip_load_generated(&gen, seed, SIP_POOL / 2) < 0) {
		fprintf(stderr, "bench: cannot build the SIP pool\n");
		goto out;
	}
	for (i = 0; i < corpus.n; i++)
		pool_add(&mix, corpus.msg[i], corpus.len[i]);
	for (i = 0; i < gen.n; i++)
		pool_add(&mix, gen.msg[i], gen.len[i]);
	pool_shuffle(&mix, seed);
	printf("sip: %d corpus INVITEs (cycled to %zu) + %zu generated, "
	       "seed %llu, %llu INVITEs per loop in rounds of %d\n", n,
	       corpus.n, gen.n, (unsigned long long)seed,
	       (unsigned long long)count, ROUND_MSGS);

	/* Warm-up: page faults and first-touch misses are not measured. */
	if (time_loop(&mix, plan, sip_round_parse, ROUND_MSGS, &t, &sink) < 0 ||
	    time_loop(&mix, plan, sip_round_fill, ROUND_MSGS, &t, &sink) < 0)
		goto bad;
	if (sip_run("mix", &mix, plan, count) < 0 ||
	    sip_run("corpus", &corpus, plan, count) < 0 ||
	    sip_run("gen", &gen, plan, count) < 0)
		goto bad;
	rc = 0;
	goto out;
bad:
	fprintf(stderr, "bench: a pool INVITE did not parse\n");
out:
	pool_free(&corpus);
	pool_free(&gen);
	pool_free(&mix);
	return rc;
}

/* ---- ISUP ----------------------------------------------------------- */

static int
hex_byte(const char *s)
{
	int v = 0, i;

	for (i = 0; i < 2; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * The M3UA IAMs of every <capture>.vec in @dir ("frame transport hex"
 * lines), each decoded once to keep only what the +fill loop will take
 * as an IAM.  Returns how many distinct ones were found, cycled until
 * @copies_max are in @p.
 */
static int
isup_load_corpus(struct pool *p, const char *dir, size_t copies_max)
{
	static char line[8192];
	char path[1024], kind[8], hex[8192];
	uint8_t (*msgs)[512] = calloc(256, sizeof(*msgs));
	size_t lens[256], n = 0, i, k;
	struct cf_isup_msg im;
	struct cf_m3ua_msg mm;
	struct dirent *de;
	DIR *d = opendir(dir);
	unsigned int frame;

	if (!d || !msgs) {
		fprintf(stderr, "bench: cannot open %s\n", dir);
		if (d)
			closedir(d);
		free(msgs);
		return -1;
	}
	while ((de = readdir(d)) && n < 256) {
		size_t nl = strlen(de->d_name);
		FILE *f;

		if (nl < 4 || strcmp(de->d_name + nl - 4, ".vec"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		while (f && n < 256 && fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%u %7s %8191s", &frame, kind, hex) != 3 ||
			    strcmp(kind, "m3ua") || strlen(hex) / 2 > 512)
				continue;
			for (k = 0; hex[2 * k] && hex_byte(hex + 2 * k) >= 0; k++)
				msgs[n][k] = (uint8_t)hex_byte(hex + 2 * k);
			if (cf_m3ua_decode(msgs[n], k, &mm) < 0 ||
			    mm.label.si != CF_MTP3_SI_ISUP ||
			    cf_isup_decode(mm.user.data, mm.user.len, 0, &im) < 0 ||
			    im.type != CF_ISUP_IAM)
				continue;
			lens[n++] = k;
		}
		if (f)
			fclose(f);
	}
	closedir(d);
	for (i = 0; n && i < copies_max; i++)
		if (pool_add(p, (const char *)msgs[i % n], lens[i % n]) < 0)
			break;
	free(msgs);
	return n ? (int)n : -1;
}

static int
isup_load_generated(struct pool *p, uint64_t seed, size_t want)
{
	struct gen_config cfg;
	struct gen_label lab;
	struct cf_call call;
	uint8_t buf[256];
	size_t added = 0;
	struct gen *g;
	int len;

	gen_config_default(&cfg);
	cfg.seed = seed;
	cfg.calls = want;
	cfg.proto = CF_PROTO_ISUP;
	cfg.with_releases = false;
	g = gen_new(&cfg);
	if (!g)
		return -1;
	while (added < want && gen_next(g, &call, &lab)) {
		if (call.event != CF_EVENT_SETUP)
			continue;
		len = gen_encode_m3ua_isup(&call, buf, sizeof(buf));
		if (len < 0 || pool_add(p, (const char *)buf, (size_t)len) < 0)
			break;
		added++;
	}
	gen_free(g);
	return added == want ? 0 : -1;
}

static int
isup_round_decode(const struct pool *p, const struct cf_numplan *plan,
		  size_t start, uint64_t n, uint64_t *sink)
{
	struct cf_isup_msg im;
	struct cf_m3ua_msg mm;
	size_t k = start;
	uint64_t i;

	(void)plan;
	for (i = 0; i < n; i++) {
		if (cf_m3ua_decode((const uint8_t *)p->msg[k], p->len[k],
				   &mm) < 0 ||
		    cf_isup_decode(mm.user.data, mm.user.len, 0, &im) < 0)
			return -1;
		*sink += im.present ^ im.cic;
		if (++k == p->n)
			k = 0;
	}
	return 0;
}

static int
isup_round_fill(const struct pool *p, const struct cf_numplan *plan,
		size_t start, uint64_t n, uint64_t *sink)
{
	static struct cf_ss7_stats stats;
	struct cf_call call;
	size_t k = start;
	uint64_t i;

	for (i = 0; i < n; i++) {
		if (cf_ss7_m3ua_to_call(&stats, (const uint8_t *)p->msg[k],
					p->len[k], plan, &call) != 1)
			return -1;
		*sink += call.ref.hash ^ call.party[CF_PARTY_CALLER].num.key ^
			 call.party[CF_PARTY_CALLEE].num.key;
		if (++k == p->n)
			k = 0;
	}
	return 0;
}

static int
isup_run(const char *name, const struct pool *p, const struct cf_numplan *plan,
	 uint64_t count)
{
	double per = (double)p->bytes / (double)p->n;
	struct timing t;
	uint64_t sink = 0;
	char label[32];

	if (time_loop(p, plan, isup_round_decode, count, &t, &sink) < 0)
		return -1;
	snprintf(label, sizeof(label), "%s decode", name);
	report("isup", label, &t, per);
	if (time_loop(p, plan, isup_round_fill, count, &t, &sink) < 0)
		return -1;
	snprintf(label, sizeof(label), "%s +fill", name);
	report("isup", label, &t, per);
	printf("     (%zu messages, %.0f bytes/msg avg, checksum %016llx)\n",
	       p->n, per, (unsigned long long)sink);
	return 0;
}

static int
bench_isup(uint64_t count, uint64_t seed, const char *dir)
{
	const struct cf_numplan *plan = cf_numplan_builtin("86");
	struct pool corpus, gen, mix;
	uint64_t sink = 0;
	struct timing t;
	size_t i;
	int n, rc = -1;

	if (pool_init(&corpus, ISUP_POOL / 2, 1 << 18) < 0 ||
	    pool_init(&gen, ISUP_POOL / 2, 1 << 18) < 0 ||
	    pool_init(&mix, ISUP_POOL, 1 << 19) < 0)
		goto out;
	n = isup_load_corpus(&corpus, dir, ISUP_POOL / 2);
	if (n < 0 || isup_load_generated(&gen, seed, ISUP_POOL / 2) < 0) {
		fprintf(stderr, "bench: cannot build the ISUP pool\n");
		goto out;
	}
	for (i = 0; i < corpus.n; i++)
		pool_add(&mix, corpus.msg[i], corpus.len[i]);
	for (i = 0; i < gen.n; i++)
		pool_add(&mix, gen.msg[i], gen.len[i]);
	pool_shuffle(&mix, seed);
	printf("isup: %d corpus M3UA IAMs (cycled to %zu) + %zu generated, "
	       "seed %llu, %llu IAMs per loop in rounds of %d\n", n,
	       corpus.n, gen.n, (unsigned long long)seed,
	       (unsigned long long)count, ROUND_MSGS);

	if (time_loop(&mix, plan, isup_round_decode, ROUND_MSGS, &t, &sink) < 0 ||
	    time_loop(&mix, plan, isup_round_fill, ROUND_MSGS, &t, &sink) < 0)
		goto bad;
	if (isup_run("mix", &mix, plan, count) < 0 ||
	    isup_run("corpus", &corpus, plan, count) < 0 ||
	    isup_run("gen", &gen, plan, count) < 0)
		goto bad;
	rc = 0;
	goto out;
bad:
	fprintf(stderr, "bench: a pool IAM did not decode\n");
out:
	pool_free(&corpus);
	pool_free(&gen);
	pool_free(&mix);
	return rc;
}

int
main(int argc, char **argv)
{
	uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	const char *sip_dir = argc > 3 ? argv[3] : SIP_DATA_DIR;
	const char *ss7_dir = argc > 4 ? argv[4] : SS7_DATA_DIR;

	bench_print_machine(stdout);
	if (bench_pin(0) < 0)
		fprintf(stderr, "bench: could not pin to cpu 0, running unpinned\n");
	else
		printf("pinned to cpu 0\n");
	if (!count)
		count = 1;
	if (bench_sip(count, seed, sip_dir) < 0 ||
	    bench_isup(count, seed, ss7_dir) < 0)
		return 1;
	return 0;
}
