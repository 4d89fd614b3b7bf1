/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The labelled traffic generator: a seeded synthetic carrier population
 * (+86 plan) making calls, with fraud of every class injected, each call
 * labelled with its class.  It produces call records in time order; the
 * encoders in this directory turn them into SIP or ISUP packets.
 *
 * Same seed and configuration, same traffic, byte for byte.
 */
#ifndef CALLFENCE_BENCH_GEN_H
#define CALLFENCE_BENCH_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <callfence/call.h>
#include <callfence/ingress.h>

enum gen_class {
	GEN_LEGIT = 0,		/* ordinary subscriber calls */
	GEN_LEGIT_FOREIGN,	/* foreign callers on international ingress */
	GEN_LEGIT_ROAMING,	/* our subscribers calling home from abroad */
	GEN_BLACKLISTED,	/* callers on the operator's blacklist */
	GEN_SPOOFED,		/* domestic CLI on international ingress */
	GEN_DNO,		/* service numbers presented as caller */
	GEN_ROBOCALL,		/* one caller, high rate, random callees */
	GEN_SCANNER,		/* consecutive callee numbers */
	GEN_SWEEPER,		/* many callees inside one number block */
	GEN_WANGIRI,		/* one ring and cut, released before answer */
	GEN_CLASS__COUNT,
};

struct gen_config {
	uint64_t seed;
	uint64_t calls;			/* call set-ups to produce */
	uint64_t subscribers;		/* size of the domestic population */
	double duration_s;		/* simulated span of the traffic */
	/* Share of calls of each class; GEN_LEGIT takes the rest. */
	double share[GEN_CLASS__COUNT];
	uint32_t calls_per_actor;	/* robocaller, scanner, ... */
	/* Fraud actors dial this many times faster than their own pace
	 * (1: robocaller 1/s, scanner 2/s, sweeper 0.5/s, wangiri 1/1.5 s). */
	double actor_rate;
	/* Share of SIP set-ups whose INVITE carries the call's ISUP IAM in
	 * an application/ISUP body part (SIP-I, Q.1912.5); 0: none.  Chosen
	 * per call from the seed without touching the traffic's random
	 * stream, so the calls are the same whatever the share. */
	double sipi;
	uint32_t blacklist_size;	/* numbers on the generated blacklist */
	enum cf_proto proto;		/* CF_PROTO_NONE = mix of both */
	bool with_releases;		/* answers and releases too */
};

/* Fill @cfg with the defaults documented in bench/README.md. */
void gen_config_default(struct gen_config *cfg);

/* What the generator knows about one event it produced. */
struct gen_label {
	uint64_t call;			/* 0-based index of the call */
	enum gen_class cls;
	uint32_t actor;			/* fraud actor index, or 0 */
	uint32_t seq;			/* the actor's n-th call (0-based) */
};

struct gen;

/* Build a generator; NULL if the configuration is unusable. */
struct gen *gen_new(const struct gen_config *cfg);
void gen_free(struct gen *g);

/*
 * The next event in time order: a set-up, or (with_releases) the answer
 * or release of an earlier call.  Returns false when all calls have been
 * produced and every pending event has been delivered.
 */
bool gen_next(struct gen *g, struct cf_call *call, struct gen_label *label);

/* Whether call @n (gen_label.call) is encoded as SIP-I: a SIP set-up
 * drawn into the configured share. */
bool gen_call_sipi(const struct gen *g, uint64_t n);

/* The plan the traffic is numbered in (+86). */
const struct cf_numplan *gen_plan(const struct gen *g);

/*
 * Write the lists the traffic was made against, one number a line:
 * blacklist.txt, dno.txt, roaming.txt and whitelist.txt in @dir.
 * Returns 0 or -errno.
 */
int gen_write_lists(const struct gen *g, const char *dir);

/* Remove the files gen_write_lists() writes (not the directory). */
void gen_remove_lists(const char *dir);

/* Address of ingress class @ingress (the generator's gateways), for
 * encoders and for the configuration that classifies them back. */
void gen_ingress_source(enum cf_ingress ingress, uint32_t n,
			struct cf_source *src);

/* Add to @map what classifies the generator's sources back to their
 * ingress classes: its gateway networks and ISUP point codes.  0 or -1. */
int gen_ingress_map(struct cf_ingress_map *map);

const char *gen_class_name(enum gen_class cls);
int gen_class_parse(const char *name);

#endif
