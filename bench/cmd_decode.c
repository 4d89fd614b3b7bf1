/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callfence-bench decode: decode throughput on one core, signalling
 * messages in, filled call records with normalised numbers out.
 *
 * One driver (bench_proto()) over a table of protocols: for each, a
 * seeded pool of messages, then two loops timed over it, parse only and
 * parse + fill, and gives ns per message, millions of messages per
 * second and TSC cycles per byte of message, one table row a loop.
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
 * Called), half the M3UA IAMs of the .vec files of tests/data/ss7 (real
 * and synthetic captures: Generic Numbers, Redirection Information, ST,
 * hop counters), cycled, shuffled.  Decode is cf_m3ua_decode() +
 * cf_isup_decode(); +fill is what the engine calls,
 * cf_ss7_m3ua_to_call(): the same decode, then cf_isup_to_call() (a
 * record reset, two to four normalised numbers, the reference hash).
 */

#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif

#include <callfence/call.h>
#include <callfence/number.h>
#include <callfence/sip.h>
#include <callfence/ss7.h>

#include "bench.h"
#include "bench_out.h"
#include "bench_util.h"
#include "gen/encode.h"
#include "gen/gen.h"

#ifndef BENCH_SOURCE_ROOT
#define BENCH_SOURCE_ROOT "."
#endif
/* The corpora in the source tree the binary was built from. */
#define SIP_DATA_DIR	BENCH_SOURCE_ROOT "/tests/data/sip"
#define SS7_DATA_DIR	BENCH_SOURCE_ROOT "/tests/data/ss7"

/* Messages per timed round: a few ms, shorter than a scheduler slice
 * so that some rounds run undisturbed on a busy machine. */
#define ROUND_MSGS	2048
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

/* What a round works on. */
struct loop_ctx {
	const struct pool *p;
	const struct cf_numplan *plan;
};

static const char *const columns[] = {
	"proto", "pool", "loop", "messages", "bytes_per_msg", "ns_per_msg",
	"M_msg_per_s", "cycles_per_byte", "median_ns", "checksum",
};

/* One row: a loop over a pool.  The checksum is printed so the compiler
 * cannot drop the work, and must not change when the decoder is changed
 * for speed. */
static void
report(struct bench_table *tab, const char *proto, const char *pool,
       const char *loop, const struct pool *p, const struct bench_timing *t,
       uint64_t sink)
{
	double ns = t->ns;
	double per = (double)p->bytes / (double)p->n;

	bench_table_cell(tab, "%s", proto);
	bench_table_cell(tab, "%s", pool);
	bench_table_cell(tab, "%s", loop);
	bench_table_cell(tab, "%zu", p->n);
	bench_table_cell(tab, "%.0f", per);
	bench_table_cell(tab, "%.1f", ns);
	bench_table_cell(tab, "%.3f", 1e3 / ns);
	/* TSC ticks (constant rate, not core clock) per byte; 0 without. */
	bench_table_cell(tab, "%.3f", HAVE_TSC ? t->tsc / per : 0.0);
	bench_table_cell(tab, "%.1f", t->median_ns);
	bench_table_cell(tab, "%016llx", (unsigned long long)sink);
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
		fprintf(stderr, "callfence-bench decode: cannot open %s\n", dir);
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

/* @want set-ups of protocol @proto from the traffic generator, encoded
 * as the network carries them (SIP text, or M3UA DATA with ISUP). */
static int
load_generated(struct pool *p, uint64_t seed, size_t want, enum cf_proto proto)
{
	struct gen_config cfg;
	struct gen_label lab;
	struct cf_call call;
	char buf[2048];
	size_t added = 0;
	struct gen *g;
	int len;

	gen_config_default(&cfg);
	cfg.seed = seed;
	cfg.calls = want;
	cfg.proto = proto;
	cfg.with_releases = false;
	g = gen_new(&cfg);
	if (!g)
		return -1;
	while (added < want && gen_next(g, &call, &lab)) {
		if (call.event != CF_EVENT_SETUP)
			continue;
		len = proto == CF_PROTO_SIP ?
		      gen_encode_sip(&call, lab.call, false, buf, sizeof(buf)) :
		      gen_encode_m3ua_isup(&call, (uint8_t *)buf, sizeof(buf));
		if (len < 0 || pool_add(p, buf, (size_t)len) < 0)
			break;
		added++;
	}
	gen_free(g);
	return added == want ? 0 : -1;
}

static int
sip_load_generated(struct pool *p, uint64_t seed, size_t want)
{
	return load_generated(p, seed, want, CF_PROTO_SIP);
}

/*
 * The loop under test, one function per mode so each round is a direct
 * call: parse only, or what the engine does per INVITE (reset a record,
 * parse, fill).  Returns -1 if a pool message does not parse.
 */
static int
sip_round_parse(void *ctx, uint64_t start, uint64_t n, uint64_t *sink)
{
	const struct loop_ctx *c = ctx;
	const struct pool *p = c->p;
	struct cf_sip_msg msg;
	size_t k = (size_t)(start % p->n);
	uint64_t i;

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
sip_round_fill(void *ctx, uint64_t start, uint64_t n, uint64_t *sink)
{
	const struct loop_ctx *c = ctx;
	const struct pool *p = c->p;
	const struct cf_numplan *plan = c->plan;
	struct cf_sip_msg msg;
	struct cf_call call;
	size_t k = (size_t)(start % p->n);
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

/* @count messages of @p in rounds of ROUND_MSGS. */
static int
time_loop(const struct pool *p, const struct cf_numplan *plan,
	  bench_round_fn *fn, uint64_t count, struct bench_timing *t,
	  uint64_t *sink)
{
	struct loop_ctx c = { p, plan };

	return bench_rounds(fn, &c, count, ROUND_MSGS, t, sink);
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
		fprintf(stderr, "callfence-bench decode: cannot open %s\n", dir);
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
	return load_generated(p, seed, want, CF_PROTO_ISUP);
}

static int
isup_round_decode(void *ctx, uint64_t start, uint64_t n, uint64_t *sink)
{
	const struct loop_ctx *c = ctx;
	const struct pool *p = c->p;
	struct cf_isup_msg im;
	struct cf_m3ua_msg mm;
	size_t k = (size_t)(start % p->n);
	uint64_t i;

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
isup_round_fill(void *ctx, uint64_t start, uint64_t n, uint64_t *sink)
{
	const struct loop_ctx *c = ctx;
	const struct pool *p = c->p;
	const struct cf_numplan *plan = c->plan;
	static struct cf_ss7_stats stats;
	struct cf_call call;
	size_t k = (size_t)(start % p->n);
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

/* ---- one driver for both protocols ------------------------------------- */

/* What differs between the protocols: their pools and their rounds. */
struct proto_bench {
	const char *name;		/* "sip", "isup" */
	const char *what;		/* "INVITEs", "M3UA IAMs" */
	const char *first_step;		/* "parse", "decode" */
	size_t pool;			/* messages in the mixed pool */
	size_t bytes;			/* pool bytes for half of them */
	int (*load_corpus)(struct pool *p, const char *dir, size_t max);
	int (*load_generated)(struct pool *p, uint64_t seed, size_t n);
	bench_round_fn *round_decode;
	bench_round_fn *round_fill;
};

static const struct proto_bench protos[] = {
	{ "sip", "INVITEs", "parse", SIP_POOL, 1 << 20, sip_load_corpus,
	  sip_load_generated, sip_round_parse, sip_round_fill },
	{ "isup", "M3UA IAMs", "decode", ISUP_POOL, 1 << 18, isup_load_corpus,
	  isup_load_generated, isup_round_decode, isup_round_fill },
};

static int
run_pool(struct bench_table *tab, const struct proto_bench *pb,
	 const char *name, const struct pool *p,
	 const struct cf_numplan *plan, uint64_t count)
{
	struct bench_timing t;
	uint64_t sink = 0;

	if (time_loop(p, plan, pb->round_decode, count, &t, &sink) < 0)
		return -1;
	report(tab, pb->name, name, pb->first_step, p, &t, sink);
	if (time_loop(p, plan, pb->round_fill, count, &t, &sink) < 0)
		return -1;
	report(tab, pb->name, name, "+fill", p, &t, sink);
	return 0;
}

/* Corpus messages, generated ones, and a shuffled mix of both, each
 * decoded and decoded + filled. */
static int
bench_proto(struct bench_table *tab, const struct proto_bench *pb,
	    uint64_t count, uint64_t seed, const char *dir)
{
	const struct cf_numplan *plan = cf_numplan_builtin("86");
	struct pool corpus, gen, mix;
	uint64_t sink = 0;
	struct bench_timing t;
	size_t i;
	int n, rc = -1;

	if (pool_init(&corpus, pb->pool / 2, pb->bytes) < 0 ||
	    pool_init(&gen, pb->pool / 2, pb->bytes) < 0 ||
	    pool_init(&mix, pb->pool, 2 * pb->bytes) < 0)
		goto out;
	n = pb->load_corpus(&corpus, dir, pb->pool / 2);
	if (n < 0 || pb->load_generated(&gen, seed, pb->pool / 2) < 0) {
		fprintf(stderr, "callfence-bench decode: cannot build the %s pool\n",
			pb->name);
		goto out;
	}
	for (i = 0; i < corpus.n; i++)
		pool_add(&mix, corpus.msg[i], corpus.len[i]);
	for (i = 0; i < gen.n; i++)
		pool_add(&mix, gen.msg[i], gen.len[i]);
	pool_shuffle(&mix, seed);
	bench_progress("decode: %s: %d corpus %s (cycled to %zu) + %zu generated, "
		       "seed %llu, %llu per loop in rounds of %d", pb->name, n,
		       pb->what, corpus.n, gen.n, (unsigned long long)seed,
		       (unsigned long long)count, ROUND_MSGS);

	/* Warm-up: page faults and first-touch misses are not measured. */
	if (time_loop(&mix, plan, pb->round_decode, ROUND_MSGS, &t, &sink) < 0 ||
	    time_loop(&mix, plan, pb->round_fill, ROUND_MSGS, &t, &sink) < 0)
		goto bad;
	if (run_pool(tab, pb, "mix", &mix, plan, count) < 0 ||
	    run_pool(tab, pb, "corpus", &corpus, plan, count) < 0 ||
	    run_pool(tab, pb, "gen", &gen, plan, count) < 0)
		goto bad;
	rc = 0;
	goto out;
bad:
	fprintf(stderr, "callfence-bench decode: a pool %s message did not decode\n",
		pb->name);
out:
	pool_free(&corpus);
	pool_free(&gen);
	pool_free(&mix);
	return rc;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: callfence-bench decode [--count N] [--seed N] [--cpu N]\n"
		"                              [--sip-dir DIR] [--ss7-dir DIR] [--csv FILE]\n"
		"  --count N     messages per timed loop (default 2000000)\n"
		"  --seed N      generator and shuffle seed (default 1)\n"
		"  --cpu N       pin to CPU N (default 0)\n"
		"  --sip-dir     corpus INVITEs (default the source tree's tests/data/sip)\n"
		"  --ss7-dir     M3UA captures (default tests/data/ss7)\n"
		"  --csv FILE    write the table as CSV too\n");
}

int
cmd_decode(int argc, char **argv)
{
	uint64_t count = 2000000, seed = 1, cpu = 0;
	const char *sip_dir = SIP_DATA_DIR, *ss7_dir = SS7_DATA_DIR;
	const char *csv = NULL;
	struct bench_table *tab;
	struct bench_env env;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = 0;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (!v) {
			bad = -1;
		} else if (strcmp(a, "--count") == 0) {
			bad = bench_parse_u64(v, 1, UINT64_MAX / 2, &count);
		} else if (strcmp(a, "--seed") == 0) {
			bad = bench_parse_u64(v, 0, UINT64_MAX, &seed);
		} else if (strcmp(a, "--cpu") == 0) {
			bad = bench_parse_u64(v, 0, CPU_SETSIZE - 1, &cpu);
		} else if (strcmp(a, "--sip-dir") == 0) {
			sip_dir = v;
		} else if (strcmp(a, "--ss7-dir") == 0) {
			ss7_dir = v;
		} else if (strcmp(a, "--csv") == 0) {
			csv = v;
		} else {
			bad = -1;
		}
		if (bad) {
			fprintf(stderr, "callfence-bench decode: bad option %s%s%s\n",
				a, v ? " " : "", v ? v : "");
			usage(stderr);
			return 2;
		}
		i++;
	}
	if (bench_pin((int)cpu) < 0)
		fprintf(stderr, "callfence-bench decode: cannot pin to cpu %d, "
			"running unpinned\n", (int)cpu);
	bench_env_init(&env, argc, argv);
	tab = bench_table_open(&env, csv, columns,
			       sizeof(columns) / sizeof(columns[0]), false);
	if (!tab)
		return 1;
	rc = bench_proto(tab, &protos[0], count, seed, sip_dir) < 0 ||
	     bench_proto(tab, &protos[1], count, seed, ss7_dir) < 0;
	if (bench_table_close(tab) < 0)
		rc = 1;
	return rc;
}
