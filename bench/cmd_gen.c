/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callfence-bench gen: write labelled synthetic traffic as a pcap (SIP over
 * UDP, ISUP over M3UA/SCTP, or both), a CSV of labels with one row per
 * packet, and the lists the traffic was made against.
 */

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "gen/encode.h"
#include "gen/gen.h"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: callfence-bench gen [--calls N] [--seed N] [--proto sip|isup|mix]\n"
		"                           [--subscribers N] [--blacklist-size N] [--duration SECONDS]\n"
		"                           [--pcap FILE] [--labels FILE] [--lists DIR]\n"
		"                           [--no-releases] [--share CLASS=FRACTION]...\n"
		"                           [--actor-calls N] [--actor-rate FACTOR] [--sipi FRACTION]\n"
		"Classes: legit-foreign legit-roaming blacklisted spoofed dno robocall\n"
		"         scanner sweeper wangiri (legit takes the rest)\n"
		"--actor-calls: calls of each fraud actor (200); --actor-rate: actors dial\n"
		"FACTOR times faster (1); --sipi: share of SIP INVITEs carrying their IAM\n"
		"in an application/ISUP body (SIP-I; 0).\n");
}

int
bench_parse_gen_option(struct gen_config *cfg, int argc, char **argv, int *i)
{
	const char *o = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;

	if (strcmp(o, "--calls") == 0 && v)
		cfg->calls = strtoull(v, NULL, 10);
	else if (strcmp(o, "--seed") == 0 && v)
		cfg->seed = strtoull(v, NULL, 10);
	else if (strcmp(o, "--blacklist-size") == 0 && v)
		cfg->blacklist_size = (uint32_t)strtoul(v, NULL, 10);
	else if (strcmp(o, "--subscribers") == 0 && v)
		cfg->subscribers = strtoull(v, NULL, 10);
	else if (strcmp(o, "--duration") == 0 && v)
		cfg->duration_s = strtod(v, NULL);
	else if (strcmp(o, "--actor-calls") == 0 && v)
		cfg->calls_per_actor = (uint32_t)strtoul(v, NULL, 10);
	else if (strcmp(o, "--actor-rate") == 0 && v)
		cfg->actor_rate = strtod(v, NULL);
	else if (strcmp(o, "--sipi") == 0 && v)
		cfg->sipi = strtod(v, NULL);
	else if (strcmp(o, "--proto") == 0 && v) {
		if (strcmp(v, "sip") == 0)
			cfg->proto = CF_PROTO_SIP;
		else if (strcmp(v, "isup") == 0)
			cfg->proto = CF_PROTO_ISUP;
		else if (strcmp(v, "mix") == 0)
			cfg->proto = CF_PROTO_NONE;
		else
			return -1;
	} else if (strcmp(o, "--share") == 0 && v) {
		char name[32];
		const char *eq = strchr(v, '=');
		int c;

		if (!eq || (size_t)(eq - v) >= sizeof(name))
			return -1;
		memcpy(name, v, (size_t)(eq - v));
		name[eq - v] = '\0';
		c = gen_class_parse(name);
		if (c <= GEN_LEGIT)
			return -1;
		cfg->share[c] = strtod(eq + 1, NULL);
	} else if (strcmp(o, "--no-releases") == 0) {
		cfg->with_releases = false;
		return 1;
	} else {
		return 0;
	}
	(*i)++;
	return 1;
}

struct pcap_out {
	pcap_t *dead;
	pcap_dumper_t *dump;
	uint32_t tsn;
};

static int
write_packet(struct pcap_out *out, const struct cf_call *call, uint64_t n,
	     bool answered, bool sipi)
{
	uint8_t payload[2048], frame[2200];
	struct pcap_pkthdr hdr;
	int len, flen;

	if (sipi && call->event == CF_EVENT_SETUP)
		len = gen_encode_sipi(call, n, (char *)payload, sizeof(payload));
	else if (call->proto == CF_PROTO_SIP)
		len = gen_encode_sip(call, n, answered, (char *)payload,
				     sizeof(payload));
	else
		len = gen_encode_m3ua_isup(call, payload, sizeof(payload));
	if (len < 0)
		return -1;
	flen = gen_frame(&call->src, call->proto == CF_PROTO_ISUP, ++out->tsn,
			 payload, (size_t)len, frame, sizeof(frame));
	if (flen < 0)
		return -1;
	hdr.ts.tv_sec = (time_t)(call->rx_ns / 1000000000u);
	hdr.ts.tv_usec = (suseconds_t)(call->rx_ns % 1000000000u / 1000);
	hdr.caplen = hdr.len = (bpf_u_int32)flen;
	pcap_dump((u_char *)out->dump, &hdr, frame);
	return 0;
}

int
cmd_gen(int argc, char **argv)
{
	struct gen_config cfg;
	const char *pcap_path = NULL, *labels_path = NULL, *lists_dir = NULL;
	struct pcap_out out = { 0 };
	uint64_t per_class[GEN_CLASS__COUNT] = { 0 }, events = 0, setups = 0;
	/* Which calls were answered, to tell BYE from CANCEL: a bit a call. */
	uint8_t *answered = NULL;
	FILE *labels = NULL;
	struct cf_call call;
	struct gen_label lab;
	struct gen *g;
	int i, rc = 1;

	gen_config_default(&cfg);
	for (i = 1; i < argc; i++) {
		int r = bench_parse_gen_option(&cfg, argc, argv, &i);

		if (r < 0) {
			fprintf(stderr, "callfence-bench gen: bad value for %s\n", argv[i]);
			return 2;
		}
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--pcap") == 0 && i + 1 < argc)
			pcap_path = argv[++i];
		else if (strcmp(argv[i], "--labels") == 0 && i + 1 < argc)
			labels_path = argv[++i];
		else if (strcmp(argv[i], "--lists") == 0 && i + 1 < argc)
			lists_dir = argv[++i];
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "callfence-bench gen: unknown option %s\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	g = gen_new(&cfg);
	if (!g) {
		fprintf(stderr, "callfence-bench gen: unusable configuration "
			"(fraud shares above 1, or too few subscribers?)\n");
		return 2;
	}
	if (lists_dir && (i = gen_write_lists(g, lists_dir)) < 0) {
		fprintf(stderr, "callfence-bench gen: %s: %s\n", lists_dir, strerror(-i));
		goto out;
	}
	if (pcap_path) {
		out.dead = pcap_open_dead(DLT_EN10MB, 65535);
		out.dump = out.dead ? pcap_dump_open(out.dead, pcap_path) : NULL;
		if (!out.dump) {
			fprintf(stderr, "callfence-bench gen: %s: %s\n", pcap_path,
				out.dead ? pcap_geterr(out.dead) : "cannot open");
			goto out;
		}
	}
	if (labels_path) {
		labels = fopen(labels_path, "w");
		if (!labels) {
			fprintf(stderr, "callfence-bench gen: %s: %s\n", labels_path,
				strerror(errno));
			goto out;
		}
		fprintf(labels, "frame,call,class,actor,seq,event,proto,ingress,"
			"caller,callee,time_ns\n");
	}
	answered = calloc(cfg.calls / 8 + 1, 1);
	if (!answered)
		goto out;

	while (gen_next(g, &call, &lab)) {
		bool was_answered = answered[lab.call / 8] >> (lab.call % 8) & 1;

		events++;
		if (call.event == CF_EVENT_SETUP) {
			setups++;
			per_class[lab.cls]++;
		} else if (call.event == CF_EVENT_ANSWER) {
			answered[lab.call / 8] |= (uint8_t)(1u << (lab.call % 8));
		}
		if (out.dump && write_packet(&out, &call, lab.call, was_answered,
					     gen_call_sipi(g, lab.call)) < 0) {
			fprintf(stderr, "callfence-bench gen: cannot encode call %llu\n",
				(unsigned long long)lab.call);
			goto out;
		}
		if (labels)
			fprintf(labels, "%llu,%llu,%s,%u,%u,%s,%s,%s,%s,%s,%llu\n",
				(unsigned long long)events, (unsigned long long)lab.call,
				gen_class_name(lab.cls), lab.actor, lab.seq,
				cf_event_name(call.event), cf_proto_name(call.proto),
				cf_ingress_name(call.ingress),
				call.party[CF_PARTY_CALLER].num.digits,
				call.party[CF_PARTY_CALLEE].num.digits,
				(unsigned long long)call.rx_ns);
	}
	fprintf(stderr, "generated %llu calls, %llu packets (seed %llu)\n",
		(unsigned long long)setups, (unsigned long long)events,
		(unsigned long long)cfg.seed);
	for (i = 0; i < GEN_CLASS__COUNT; i++)
		fprintf(stderr, "  %-14s %10llu\n", gen_class_name(i),
			(unsigned long long)per_class[i]);
	rc = 0;
out:
	if (labels && fclose(labels) != 0 && rc == 0) {
		fprintf(stderr, "callfence-bench gen: %s: %s\n", labels_path, strerror(errno));
		rc = 1;
	}
	if (out.dump)
		pcap_dump_close(out.dump);
	if (out.dead)
		pcap_close(out.dead);
	free(answered);
	gen_free(g);
	return rc;
}
