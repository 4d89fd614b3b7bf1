/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callfence-bench reload: what a ruleset reload costs the calls in
 * flight.  Starts callfenced on 127.0.0.1 with a generated ruleset (a
 * blacklist of --list-size numbers, number patterns, a rate heuristic),
 * then drives open-loop SIP load at --rate with the `udp` subcommand's
 * generator twice, --duration seconds each: once untouched (baseline),
 * once while the ruleset is reloaded --reloads times through the control
 * socket, alternating between two rulesets (A and B: other numbers,
 * other patterns, the same heuristics, so heuristic state is kept).
 * A third phase reloads compiled rulesets (what `callfence compile`
 * writes, made here with the same library) instead of rules files.
 * Reports latency percentiles, losses and answer rate of each phase, and
 * how long each reload took (control round trip: parse, list load,
 * Hyperscan compile or load of a compiled file, publish, grace period).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <callfence/ruleset.h>

#include "bench.h"
#include "bench_out.h"
#include "bench_util.h"
#include "udp_load.h"

#ifndef BENCH_CALLFENCED
#define BENCH_CALLFENCED "callfenced"
#endif
#define RELOADS_MAX	10000
#define PATTERNS	50

struct opts {
	const char *callfenced;
	uint64_t reloads, list_size, seed, workers;
	double duration_s, rate;
	int cpu, server_cpu;
	const char *csv;
};

/* The reloads of one phase, made by their own thread. */
struct reloader {
	const struct opts *o;
	const char *dir;
	bool compiled;			/* swap compiled files, not rules */
	char control[128];
	uint64_t start_ns;
	unsigned done, failed;
	double ms[RELOADS_MAX];
	char why[256];			/* the first refusal */
};

static const char *const columns[] = {
	"phase", "rate", "reloads", "reload_failed", "reload_ms_p50",
	"reload_ms_max", "sent", "answered", "lost", "loss_pct",
	"answered_per_s", "p50_us", "p99_us", "p999_us", "max_us",
	"server_us_per_call",
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: callfence-bench reload [--callfenced PATH] [--reloads K]\n"
		"                              [--duration S] [--rate CPS] [--list-size N]\n"
		"                              [--workers N] [--cpu N] [--server-cpu N]\n"
		"                              [--seed N] [--csv FILE]\n"
		"  --callfenced PATH  the daemon (default: the one built beside this)\n"
		"  --reloads K        reloads in the reload phase (default 20)\n"
		"  --duration S       seconds of load per phase (default 10)\n"
		"  --rate CPS         open-loop INVITEs/s (default 20000)\n"
		"  --list-size N      blacklist numbers per ruleset (default 100000)\n"
		"  --workers N        callfenced workers (default 1)\n"
		"  --cpu N            pin the load generator (default 1)\n"
		"  --server-cpu N     pin callfenced's workers (default 0)\n"
		"  --csv FILE         write the table as CSV too\n");
}

/* ---- the rulesets ------------------------------------------------------ */

/* Ruleset @which ('a' or 'b'): DIR/rules-W.rules and DIR/list-W.txt. */
static int
write_ruleset(const char *dir, char which, const struct opts *o)
{
	uint64_t rng = o->seed * 2 + (uint64_t)which, i;
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/list-%c.txt", dir, which);
	f = fopen(path, "w");
	for (i = 0; f && i < o->list_size; i++) {
		uint64_t r = bench_rand(&rng);

		fprintf(f, "+861%llu%09llu\n",
			(unsigned long long)(3 + r % 7),
			(unsigned long long)(r / 7 % 1000000000));
	}
	if (!f || fclose(f) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/rules-%c.rules", dir, which);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "# callfence-bench reload: ruleset %c\n"
		"plan {\n\tcountry-code 86\n\tnational-prefix 0\n"
		"\tinternational-prefix 00\n\tlengths 10-11\n}\n"
		"heuristics {\n\tmemory-per-core 16M\n}\n"
		"list blacklist \"list-%c.txt\"\n"
		"rule blacklisted {\n\tpriority 10\n\twhen caller in blacklist\n"
		"\taction block\n\treason \"blacklisted\"\n}\n"
		"rule robocall {\n\tpriority 20\n"
		"\twhen caller calls > 20 per 1m\n\taction block\n}\n",
		which, which);
	for (i = 0; i < PATTERNS; i++) {
		uint64_t r = bench_rand(&rng);

		fprintf(f, "rule range-%llu {\n\tpriority %llu\n"
			"\twhen caller matches /^861%llu%04llu[0-4]\\d{4}$/\n"
			"\taction block\n}\n", (unsigned long long)i,
			(unsigned long long)(100 + i),
			(unsigned long long)(3 + r % 7),
			(unsigned long long)(r / 7 % 10000));
	}
	fprintf(f, "default allow\n");
	return fclose(f) == 0 ? 0 : -1;
}

/* DIR/rules-W.cfr from DIR/rules-W.rules, as `callfence compile` does. */
static int
compile_ruleset(const char *dir, char which)
{
	char src[256], dst[256];
	struct cf_ruleset *rs = NULL;
	struct cf_diag diag;
	int rc;

	snprintf(src, sizeof(src), "%s/rules-%c.rules", dir, which);
	snprintf(dst, sizeof(dst), "%s/rules-%c.cfr", dir, which);
	cf_diag_init(&diag);
	rc = cf_rules_compile(src, NULL, &rs, &diag);
	if (rc == 0)
		rc = cf_ruleset_save(rs, dst, &diag);
	if (rc < 0)
		cf_diag_print(&diag, stderr);
	cf_ruleset_free(rs);
	cf_diag_free(&diag);
	return rc;
}

/* Make ruleset @which (its compiled file when @compiled) the one
 * callfenced reads: a rename, so the daemon never reads half a file. */
static int
activate(const char *dir, char which, bool compiled)
{
	char src[256], tmp[256], dst[256], buf[65536];
	int in, out;
	ssize_t n;

	snprintf(src, sizeof(src), "%s/rules-%c.%s", dir, which,
		 compiled ? "cfr" : "rules");
	snprintf(tmp, sizeof(tmp), "%s/active.tmp", dir);
	snprintf(dst, sizeof(dst), "%s/active.rules", dir);
	in = open(src, O_RDONLY | O_CLOEXEC);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	if (in >= 0)
		close(in);
	if (out < 0 || close(out) != 0 || in < 0)
		return -1;
	return rename(tmp, dst);
}

/* ---- the daemon --------------------------------------------------------- */

static int
free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), port = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Whether callfenced's log in @path says "ready". */
static bool
log_says_ready(const char *path)
{
	char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, "ready") != NULL;
}

/* Start callfenced; its pid, or -1 after saying why. */
static pid_t
start_daemon(const struct opts *o, const char *dir, int port)
{
	char rules[256], control[256], err[256], listen[64], workers[16];
	char cpus[16];
	char *args[20];
	uint64_t deadline;
	pid_t pid;
	int status, a = 0;

	snprintf(rules, sizeof(rules), "%s/active.rules", dir);
	snprintf(control, sizeof(control), "%s/control.sock", dir);
	snprintf(err, sizeof(err), "%s/callfenced.err", dir);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	snprintf(workers, sizeof(workers), "%llu",
		 (unsigned long long)o->workers);
	snprintf(cpus, sizeof(cpus), "%d", o->server_cpu);
	args[a++] = (char *)o->callfenced;
	args[a++] = "--rules";
	args[a++] = rules;
	args[a++] = "--sip-listen";
	args[a++] = listen;
	args[a++] = "--control";
	args[a++] = control;
	args[a++] = "--workers";
	args[a++] = workers;
	if (o->workers == 1) {
		args[a++] = "--cpus";
		args[a++] = cpus;
	}
	args[a++] = "--foreground";
	args[a] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		cpu_set_t all;
		int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int nul = open("/dev/null", O_RDWR);
		long c, n = sysconf(_SC_NPROCESSORS_ONLN);

		/* Not the generator's pinning: the daemon's control thread
		 * runs where the kernel puts it, its workers where --cpus
		 * says. */
		CPU_ZERO(&all);
		for (c = 0; c < n && c < CPU_SETSIZE; c++)
			CPU_SET((int)c, &all);
		sched_setaffinity(0, sizeof(all), &all);
		if (fd < 0 || nul < 0 || dup2(fd, 2) < 0 || dup2(nul, 1) < 0 ||
		    dup2(nul, 0) < 0)
			_exit(127);
		execv(o->callfenced, args);
		_exit(127);
	}
	deadline = bench_now_ns() + 10000000000ull;
	while (bench_now_ns() < deadline) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "callfence-bench reload: %s exited "
				"(status %d); its log: %s\n", o->callfenced,
				status, err);
			return -1;
		}
		if (log_says_ready(err))
			return pid;
		usleep(20000);
	}
	fprintf(stderr, "callfence-bench reload: %s not ready in 10 s; its "
		"log: %s\n", o->callfenced, err);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static int
stop_daemon(pid_t pid)
{
	uint64_t deadline = bench_now_ns() + 10000000000ull;
	int status;

	kill(pid, SIGTERM);
	while (bench_now_ns() < deadline) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0 ?
				0 : -1;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* "reload" on the control socket; 0 when the daemon says "ok". */
static int
control_reload(const char *path, char *why, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { 60, 0 };
	char reply[200];
	size_t got = 0;
	ssize_t n;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, size, "control socket path too long");
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    send(fd, "reload\n", 7, MSG_NOSIGNAL) != 7) {
		snprintf(why, size, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (got < sizeof(reply) - 1 &&
	       (n = recv(fd, reply + got, sizeof(reply) - 1 - got, 0)) > 0)
		got += (size_t)n;
	close(fd);
	reply[got] = '\0';
	if (strncmp(reply, "ok", 2) == 0)
		return 0;
	snprintf(why, size, "%s", got ? reply : "no reply");
	return -1;
}

/* Reloads spread evenly over the phase, alternating B, A, B, ... */
static void *
reloader_main(void *arg)
{
	struct reloader *rl = arg;
	const struct opts *o = rl->o;
	char why[sizeof(rl->why)];
	uint64_t k, at, t0;

	for (k = 0; k < o->reloads; k++) {
		at = rl->start_ns + (uint64_t)(o->duration_s * 1e9 *
					       (double)(k + 1) /
					       (double)(o->reloads + 1));
		while (bench_now_ns() < at)
			usleep(1000);
		if (activate(rl->dir, k % 2 ? 'a' : 'b', rl->compiled) < 0) {
			rl->failed++;
			continue;
		}
		t0 = bench_now_ns();
		/* The first refusal is kept: later ones say the same. */
		if (control_reload(rl->control, rl->why[0] ? why : rl->why,
				   sizeof(why)) < 0)
			rl->failed++;
		rl->ms[rl->done++] = (double)(bench_now_ns() - t0) / 1e6;
	}
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One phase of load, with @rl reloading meanwhile when not NULL. */
static int
phase(struct bench_table *tab, const struct opts *o, int port, pid_t pid,
      struct reloader *rl)
{
	const char *name = !rl ? "baseline" : rl->compiled ?
		"reloading-compiled" : "reloading";
	struct udp_opts uo;
	struct udp_figures f;
	struct udp_run *r = malloc(sizeof(*r));
	char target[32];
	pthread_t th;
	long long t0, t1;
	uint64_t c0, end_ns;
	int rc = -1;

	udp_opts_default(&uo);
	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	if (!r || udp_parse_target(&uo, target) < 0) {
		free(r);
		return -1;
	}
	uo.rate = o->rate;
	uo.max = false;
	uo.duration_s = o->duration_s;
	uo.cpu = o->cpu;
	uo.seed = o->seed;
	uo.target_pid = pid;
	if (udp_run_setup(r, &uo) < 0)
		goto out;
	bench_progress("reload: %s phase, %.0f calls/s for %.1f s",
		       name, o->rate, o->duration_s);
	t0 = udp_tree_cpu_ticks(pid);
	c0 = udp_self_cpu_ns();
	if (rl) {
		rl->start_ns = bench_now_ns();
		if (pthread_create(&th, NULL, reloader_main, rl) != 0)
			goto out;
	}
	udp_run_loop(r);
	end_ns = bench_now_ns();
	if (rl)
		pthread_join(th, NULL);
	t1 = udp_tree_cpu_ticks(pid);
	udp_compute(r, end_ns, udp_self_cpu_ns() - c0,
		    t0 >= 0 && t1 >= 0 ? t1 - t0 : -1, &f);
	if (rl && rl->done)
		qsort(rl->ms, rl->done, sizeof(rl->ms[0]), cmp_double);
	bench_table_cell(tab, "%s", name);
	bench_table_cell(tab, "%.0f", o->rate);
	bench_table_cell(tab, "%u", rl ? rl->done : 0);
	bench_table_cell(tab, "%u", rl ? rl->failed : 0);
	bench_table_cell(tab, "%.1f", rl && rl->done ? rl->ms[rl->done / 2] : 0);
	bench_table_cell(tab, "%.1f", rl && rl->done ? rl->ms[rl->done - 1] : 0);
	bench_table_cell(tab, "%llu", (unsigned long long)r->c.sent);
	bench_table_cell(tab, "%llu", (unsigned long long)r->c.answered);
	bench_table_cell(tab, "%llu", (unsigned long long)r->c.lost);
	bench_table_cell(tab, "%.4f", f.loss_pct);
	bench_table_cell(tab, "%.0f", f.answered_per_s);
	bench_table_cell(tab, "%.1f", f.p50_us);
	bench_table_cell(tab, "%.1f", f.p99_us);
	bench_table_cell(tab, "%.1f", f.p999_us);
	bench_table_cell(tab, "%.1f", f.max_us);
	bench_table_cell(tab, "%.2f", f.have_target_cpu ?
			 f.target_us_per_call : 0.0);
	if (!f.rate_kept)
		fprintf(stderr, "callfence-bench reload: the generator could "
			"not keep %.0f calls/s (sent %.0f/s)\n", o->rate,
			f.sent_per_s);
	if (rl && rl->failed)
		fprintf(stderr, "callfence-bench reload: %u reloads failed: "
			"%s\n", rl->failed, rl->why);
	rc = 0;
out:
	udp_run_free(r);
	free(r);
	return rc;
}

static int
parse(struct opts *o, int argc, char **argv)
{
	uint64_t u;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = 0;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 1;
		} else if (!v) {
			bad = -1;
		} else if (strcmp(a, "--callfenced") == 0) {
			o->callfenced = v;
		} else if (strcmp(a, "--reloads") == 0) {
			bad = bench_parse_u64(v, 1, RELOADS_MAX, &o->reloads);
		} else if (strcmp(a, "--duration") == 0) {
			bad = bench_parse_double(v, 0.1, 86400, &o->duration_s);
		} else if (strcmp(a, "--rate") == 0) {
			bad = bench_parse_double(v, 1, 1e7, &o->rate);
		} else if (strcmp(a, "--list-size") == 0) {
			bad = bench_parse_u64(v, 1, 100000000, &o->list_size);
		} else if (strcmp(a, "--workers") == 0) {
			bad = bench_parse_u64(v, 1, 64, &o->workers);
		} else if (strcmp(a, "--cpu") == 0) {
			bad = bench_parse_u64(v, 0, CPU_SETSIZE - 1, &u);
			o->cpu = (int)u;
		} else if (strcmp(a, "--server-cpu") == 0) {
			bad = bench_parse_u64(v, 0, CPU_SETSIZE - 1, &u);
			o->server_cpu = (int)u;
		} else if (strcmp(a, "--seed") == 0) {
			bad = bench_parse_u64(v, 0, UINT64_MAX, &o->seed);
		} else if (strcmp(a, "--csv") == 0) {
			o->csv = v;
		} else {
			bad = -1;
		}
		if (bad) {
			fprintf(stderr, "callfence-bench reload: bad option "
				"%s%s%s\n", a, v ? " " : "", v ? v : "");
			usage(stderr);
			return 2;
		}
		i++;
	}
	return 0;
}

/* Remove what the run left in @dir, then @dir. */
static void
clean_dir(const char *dir)
{
	static const char *const names[] = {
		"list-a.txt", "list-b.txt", "rules-a.rules", "rules-b.rules",
		"rules-a.cfr", "rules-b.cfr",
		"active.rules", "active.tmp", "control.sock", "callfenced.err",
	};
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
cmd_reload(int argc, char **argv)
{
	struct opts o = {
		.callfenced = BENCH_CALLFENCED, .reloads = 20,
		.list_size = 100000, .seed = 1, .workers = 1, .duration_s = 10,
		.rate = 20000, .cpu = 1, .server_cpu = 0,
	};
	char dir[] = "/tmp/callfence-bench-reload-XXXXXX";
	struct bench_table *tab = NULL;
	struct reloader *rl = NULL;
	struct bench_env env;
	unsigned failed;
	pid_t pid = -1;
	int port, rc;

	rc = parse(&o, argc, argv);
	if (rc)
		return rc == 1 ? 0 : rc;
	rc = 1;
	if (access(o.callfenced, X_OK) != 0) {
		fprintf(stderr, "callfence-bench reload: %s: %s (--callfenced "
			"PATH)\n", o.callfenced, strerror(errno));
		return 1;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "callfence-bench reload: %s: %s\n", dir,
			strerror(errno));
		return 1;
	}
	bench_progress("reload: writing two rulesets of %llu numbers",
		       (unsigned long long)o.list_size);
	if (write_ruleset(dir, 'a', &o) < 0 || write_ruleset(dir, 'b', &o) < 0 ||
	    compile_ruleset(dir, 'a') < 0 || compile_ruleset(dir, 'b') < 0 ||
	    activate(dir, 'a', false) < 0) {
		fprintf(stderr, "callfence-bench reload: cannot write the "
			"rulesets in %s\n", dir);
		goto out;
	}
	port = free_port();
	pid = port > 0 ? start_daemon(&o, dir, port) : -1;
	if (pid < 0)
		goto out;
	rl = calloc(1, sizeof(*rl));
	if (!rl)
		goto out;
	rl->o = &o;
	rl->dir = dir;
	snprintf(rl->control, sizeof(rl->control), "%s/control.sock", dir);
	bench_env_init(&env, argc, argv);
	tab = bench_table_open(&env, o.csv, columns,
			       sizeof(columns) / sizeof(columns[0]), false);
	if (!tab)
		goto out;
	if (phase(tab, &o, port, pid, NULL) < 0 ||
	    phase(tab, &o, port, pid, rl) < 0)
		goto out;
	failed = rl->failed;
	memset(rl, 0, sizeof(*rl));
	rl->o = &o;
	rl->dir = dir;
	rl->compiled = true;
	snprintf(rl->control, sizeof(rl->control), "%s/control.sock", dir);
	if (phase(tab, &o, port, pid, rl) < 0)
		goto out;
	rc = failed || rl->failed ? 1 : 0;
out:
	if (tab && bench_table_close(tab) < 0)
		rc = 1;
	if (pid > 0 && stop_daemon(pid) < 0) {
		fprintf(stderr, "callfence-bench reload: callfenced did not "
			"stop cleanly\n");
		rc = 1;
	}
	free(rl);
	clean_dir(dir);
	return rc;
}
