/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Configuration: a file of "key value" lines (etc/callfenced.conf
 * documents every key) and command-line options of the same names,
 * "--key value", which override it.  A repeatable key given on the
 * command line replaces the file's values for that key.
 * Control thread, before anything starts.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callfenced.h"

static const char usage_text[] =
	"usage: callfenced [-c CONFIG] [OPTIONS]\n"
	"\n"
	"The callfence SIP screening server.  Every option is also a config\n"
	"key (without the dashes); options override the file.\n"
	"\n"
	"  -c, --config FILE        read FILE (\"key value\" lines)\n"
	"  --rules FILE             rules file or compiled ruleset (required)\n"
	"  --list NAME=FILE         replace list NAME of the rules (repeatable)\n"
	"  --sip-listen ADDR:PORT   UDP address, [V6]:PORT for IPv6 (repeatable;\n"
	"                           default 127.0.0.1:5060)\n"
	"  --workers N              worker threads, one per core (default 1)\n"
	"  --cpus LIST              cores to pin workers to, e.g. 0,1\n"
	"  --metrics ADDR:PORT      serve Prometheus /metrics there\n"
	"  --peer CIDR=CLASS        allowed SIP peers and their ingress class\n"
	"                           (repeatable; none = everyone, class unknown)\n"
	"  --point-code PC=CLASS    ISUP OPC (or LO-HI) ingress class (tap)\n"
	"  --verdict-log FILE       JSON lines, one per judged call\n"
	"  --control PATH           UNIX socket for `callfence reload`\n"
	"  --overload POLICY        fail-open | fail-closed | drop (default\n"
	"                           fail-open)\n"
	"  --overload-delay MS      shed INVITEs that waited longer than this in\n"
	"                           the socket (by the overload policy; default\n"
	"                           20; 0 = never)\n"
	"  --rcvbuf BYTES           socket receive buffer (default 16777216)\n"
	"  --ring-size N            calls a worker can be handed by the others\n"
	"                           (default 1024)\n"
	"  --log-ring-size N        verdict log ring per worker (default 4096)\n"
	"  --cache-size N           retransmission cache entries per worker\n"
	"                           (default 4096)\n"
	"  --hep-listen ADDR:PORT   UDP port of a HEP3/HEPv2 mirror (Kamailio\n"
	"                           siptrace, heplify): answers and releases\n"
	"                           of the screened calls are learnt from it\n"
	"  --tap FILE|IFACE         passive: judge the call set-ups of a capture\n"
	"                           file (then exit) or a live interface and\n"
	"                           log their verdicts, replying to nobody\n"
	"  --tap-filter EXPR        BPF filter of the live tap, e.g. 'udp port\n"
	"                           5060 or sctp'\n"
	"  --foreground             stay attached (the only mode; systemd\n"
	"                           runs it as Type=simple)\n";

/* Keys: the config file's and the long options' names are the same. */
enum key {
	K_RULES = 1000, K_LIST, K_SIP_LISTEN, K_WORKERS, K_CPUS, K_METRICS,
	K_PEER, K_POINT_CODE, K_VERDICT_LOG, K_CONTROL, K_OVERLOAD,
	K_RING_SIZE, K_LOG_RING_SIZE, K_CACHE_SIZE, K_TAP, K_TAP_FILTER,
	K_FOREGROUND, K_HEP_LISTEN, K_OVERLOAD_DELAY, K_RCVBUF,
	K_CONFIG, K_HELP,
};

static const struct option options[] = {
	{ "config", required_argument, NULL, K_CONFIG },
	{ "rules", required_argument, NULL, K_RULES },
	{ "list", required_argument, NULL, K_LIST },
	{ "sip-listen", required_argument, NULL, K_SIP_LISTEN },
	{ "workers", required_argument, NULL, K_WORKERS },
	{ "cpus", required_argument, NULL, K_CPUS },
	{ "metrics", required_argument, NULL, K_METRICS },
	{ "peer", required_argument, NULL, K_PEER },
	{ "point-code", required_argument, NULL, K_POINT_CODE },
	{ "verdict-log", required_argument, NULL, K_VERDICT_LOG },
	{ "control", required_argument, NULL, K_CONTROL },
	{ "overload", required_argument, NULL, K_OVERLOAD },
	{ "ring-size", required_argument, NULL, K_RING_SIZE },
	{ "log-ring-size", required_argument, NULL, K_LOG_RING_SIZE },
	{ "cache-size", required_argument, NULL, K_CACHE_SIZE },
	{ "tap", required_argument, NULL, K_TAP },
	{ "hep-listen", required_argument, NULL, K_HEP_LISTEN },
	{ "overload-delay", required_argument, NULL, K_OVERLOAD_DELAY },
	{ "rcvbuf", required_argument, NULL, K_RCVBUF },
	{ "tap-filter", required_argument, NULL, K_TAP_FILTER },
	{ "foreground", no_argument, NULL, K_FOREGROUND },
	{ "help", no_argument, NULL, K_HELP },
	{ NULL, 0, NULL, 0 },
};

int
cfd_parse_addr(const char *s, union cf_sockaddr *a)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	char *end;
	unsigned long port;
	size_t hlen;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -1;
		hlen = (size_t)(close - s - 1);
		if (hlen >= sizeof(host))
			return -1;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		colon = close + 1;
		a->in6.sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, host, &a->in6.sin6_addr) != 1)
			return -1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hlen = (size_t)(colon - s);
		if (hlen >= sizeof(host))
			return -1;
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		a->in.sin_family = AF_INET;
		if (inet_pton(AF_INET, host, &a->in.sin_addr) != 1)
			return -1;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port > 65535)
		return -1;
	if (a->sa.sa_family == AF_INET6)
		a->in6.sin6_port = htons((uint16_t)port);
	else
		a->in.sin_port = htons((uint16_t)port);
	return 0;
}

void
cfd_format_addr(const union cf_sockaddr *a, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (a->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->in6.sin6_addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, ntohs(a->in6.sin6_port));
	} else if (a->sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &a->in.sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, ntohs(a->in.sin_port));
	} else {
		snprintf(buf, size, "-");
	}
}

static int
parse_uint(const char *s, unsigned long lo, unsigned long hi,
	   unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || end == s || *out < lo || *out > hi ? -1 : 0;
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
}

/* Which repeatable keys the command line has started to replace. */
struct seen {
	bool list, listen, peer, pc, cpus;
};

/* Apply one key.  @where names the source for messages; @seen is set
 * for the command line, whose repeatable keys replace the file's. */
static int
apply(struct cfd_config *c, int key, const char *v, const char *where,
      struct seen *seen)
{
	unsigned long n;
	char *eq;

	switch (key) {
	case K_RULES:
		set_str(&c->rules, v);
		return 0;
	case K_LIST:
		if (seen && !seen->list) {
			unsigned int i;

			for (i = 0; i < c->n_lists; i++)
				free((char *)c->lists[i].name);
			c->n_lists = 0;
			seen->list = true;
		}
		eq = strchr(v, '=');
		if (!eq || eq == v || !eq[1] || c->n_lists >= CFD_LISTS_MAX)
			break;
		{
			/* Name and path share one allocation: "name\0path". */
			char *both = strdup(v);

			if (!both)
				return -1;
			both[eq - v] = '\0';
			c->lists[c->n_lists].name = both;
			c->lists[c->n_lists].path = both + (eq - v) + 1;
		}
		c->n_lists++;
		return 0;
	case K_SIP_LISTEN:
		if (seen && !seen->listen) {
			c->n_listen = 0;
			seen->listen = true;
		}
		if (c->n_listen >= CFD_LISTEN_MAX ||
		    cfd_parse_addr(v, &c->listen[c->n_listen]) < 0)
			break;
		c->n_listen++;
		return 0;
	case K_OVERLOAD_DELAY:
		if (parse_uint(v, 0, 60000, &n) < 0)
			break;
		c->overload_delay_ns = (uint64_t)n * 1000000;
		return 0;
	case K_RCVBUF:
		if (parse_uint(v, 65536, 1u << 30, &n) < 0)
			break;
		c->rcvbuf = (int)n;
		return 0;
	case K_HEP_LISTEN:
		if (cfd_parse_addr(v, &c->hep_listen) < 0)
			break;
		return 0;
	case K_WORKERS:
		if (parse_uint(v, 1, CFD_WORKERS_MAX, &n) < 0)
			break;
		c->workers = (unsigned int)n;
		return 0;
	case K_CPUS: {
		char *copy = strdup(v), *tok, *save = NULL;

		c->n_cpus = 0;
		for (tok = strtok_r(copy, ", ", &save); tok;
		     tok = strtok_r(NULL, ", ", &save)) {
			if (c->n_cpus >= CFD_WORKERS_MAX ||
			    parse_uint(tok, 0, 4095, &n) < 0) {
				free(copy);
				goto bad;
			}
			c->cpus[c->n_cpus++] = (int)n;
		}
		free(copy);
		return 0;
	}
	case K_METRICS:
		if (cfd_parse_addr(v, &c->metrics_addr) < 0)
			break;
		set_str(&c->metrics, v);
		return 0;
	case K_PEER:
		if (seen && !seen->peer) {
			while (c->n_peers)
				free(c->peers[--c->n_peers]);
			seen->peer = true;
		}
		if (c->n_peers >= CF_INGRESS_MAP_MAX)
			break;
		c->peers[c->n_peers++] = strdup(v);
		return 0;
	case K_POINT_CODE:
		if (seen && !seen->pc) {
			while (c->n_point_codes)
				free(c->point_codes[--c->n_point_codes]);
			seen->pc = true;
		}
		if (c->n_point_codes >= CF_INGRESS_MAP_MAX)
			break;
		c->point_codes[c->n_point_codes++] = strdup(v);
		return 0;
	case K_VERDICT_LOG:
		set_str(&c->verdict_log, v);
		return 0;
	case K_CONTROL:
		set_str(&c->control, v);
		return 0;
	case K_TAP:
		set_str(&c->tap, v);
		return 0;
	case K_TAP_FILTER:
		set_str(&c->tap_filter, v);
		return 0;
	case K_OVERLOAD:
		for (n = 0; n < CF_SCREEN_POLICY__COUNT; n++)
			if (strcmp(v, cf_screen_policy_names[n]) == 0) {
				c->overload = (enum cf_screen_policy)n;
				return 0;
			}
		break;
	case K_RING_SIZE:
	case K_LOG_RING_SIZE:
	case K_CACHE_SIZE:
		/* Powers of two: the rings and the cache index by mask. */
		if (parse_uint(v, 16, 1u << 22, &n) < 0 || (n & (n - 1)))
			break;
		if (key == K_RING_SIZE)
			c->ring_size = (uint32_t)n;
		else if (key == K_LOG_RING_SIZE)
			c->log_ring_size = (uint32_t)n;
		else
			c->cache_size = (uint32_t)n;
		return 0;
	case K_FOREGROUND:
		c->foreground = !v || strcmp(v, "no") != 0;
		return 0;
	default:
		break;
	}
bad:
	fprintf(stderr, "callfenced: %s: bad value '%s'\n", where, v ? v : "");
	return -1;
}

static int
key_of(const char *name)
{
	const struct option *o;

	for (o = options; o->name; o++)
		if (strcmp(o->name, name) == 0 && o->val != K_CONFIG &&
		    o->val != K_HELP)
			return o->val;
	return -1;
}

/* "key value" lines; '#' comments; the value is the rest of the line. */
static int
read_file(struct cfd_config *c, const char *path)
{
	char line[4096], where[4200];
	unsigned int lineno = 0;
	FILE *f = fopen(path, "r");
	int bad = 0;

	if (!f) {
		fprintf(stderr, "callfenced: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *key, *val, *end;
		int k;

		lineno++;
		if ((end = strchr(p, '#')))
			*end = '\0';
		end = p + strlen(p);
		while (end > p && isspace((unsigned char)end[-1]))
			*--end = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			continue;
		key = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
		while (isspace((unsigned char)*p))
			p++;
		val = p;
		snprintf(where, sizeof(where), "%s:%u: %s", path, lineno, key);
		k = key_of(key);
		if (k < 0) {
			fprintf(stderr, "callfenced: %s:%u: unknown key '%s'\n",
				path, lineno, key);
			bad = 1;
			continue;
		}
		if (apply(c, k, k == K_FOREGROUND && !*val ? NULL : val, where,
			  NULL) < 0)
			bad = 1;
	}
	fclose(f);
	return bad ? -1 : 0;
}

int
cfd_config_load(struct cfd_config *c, int argc, char **argv)
{
	struct seen seen = { 0 };
	const char *file = NULL;
	int opt, i;

	memset(c, 0, sizeof(*c));
	c->workers = 1;
	c->ring_size = 1024;
	c->overload_delay_ns = UINT64_C(20) * 1000000;
	c->rcvbuf = 16 << 20;
	c->log_ring_size = 4096;
	c->cache_size = 4096;
	c->overload = CF_SCREEN_FAIL_OPEN;

	/* The file first, wherever -c is on the command line. */
	for (i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-c") == 0 ||
		     strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			file = argv[i + 1];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			file = argv[i] + 9;
	}
	if (file && read_file(c, file) < 0)
		return -1;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
		char where[64];

		switch (opt) {
		case 'c':
		case K_CONFIG:
			break;
		case 'h':
		case K_HELP:
			fputs(usage_text, stdout);
			return 1;
		case '?':
			fputs(usage_text, stderr);
			return -1;
		default:
			snprintf(where, sizeof(where), "option %s",
				 argv[optind - 1]);
			if (apply(c, opt, optarg, where, &seen) < 0)
				return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "callfenced: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	if (!c->rules) {
		fprintf(stderr, "callfenced: no rules: give --rules FILE or "
			"'rules FILE' in the config\n");
		return -1;
	}
	if (c->n_listen > 0 && c->tap) {
		/* The tap is passive: it answers nothing, listens nowhere. */
		fprintf(stderr, "callfenced: tap given: sip-listen ignored\n");
		c->n_listen = 0;
	}
	if (c->hep_listen.sa.sa_family && c->tap) {
		fprintf(stderr, "callfenced: tap given: hep-listen ignored\n");
		c->hep_listen.sa.sa_family = 0;
	}
	if (c->n_listen == 0 && !c->tap)
		cfd_parse_addr("127.0.0.1:5060", &c->listen[c->n_listen++]);
	return 0;
}

void
cfd_config_free(struct cfd_config *c)
{
	unsigned int i;

	free(c->rules);
	for (i = 0; i < c->n_lists; i++)
		free((char *)c->lists[i].name);
	free(c->metrics);
	for (i = 0; i < c->n_peers; i++)
		free(c->peers[i]);
	for (i = 0; i < c->n_point_codes; i++)
		free(c->point_codes[i]);
	free(c->verdict_log);
	free(c->control);
	free(c->tap);
	free(c->tap_filter);
}
