/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every benchmark needs: a seeded generator, a clock, pinning and a
 * record of the machine it ran on. */
#ifndef CALLFENCE_BENCH_UTIL_H
#define CALLFENCE_BENCH_UTIL_H

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* splitmix64: deterministic for a seed, good enough to generate loads. */
static inline uint64_t
bench_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Pin the calling thread to @cpu; returns 0 or -1 (then runs unpinned). */
static inline int
bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* One line naming the machine: CPU model, online CPUs, kernel. */
static inline void
bench_print_machine(FILE *f)
{
	char line[256], model[128] = "unknown";
	struct utsname u;
	FILE *ci = fopen("/proc/cpuinfo", "r");

	if (ci) {
		while (fgets(line, sizeof(line), ci)) {
			char *colon = strchr(line, ':');

			if (strncmp(line, "model name", 10) == 0 && colon) {
				snprintf(model, sizeof(model), "%s", colon + 2);
				model[strcspn(model, "\n")] = '\0';
				break;
			}
		}
		fclose(ci);
	}
	uname(&u);
	fprintf(f, "machine: %s, %ld cpus, %s %s\n", model,
		sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release);
}

#endif
