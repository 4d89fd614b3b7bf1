/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ingress classification: see callfence/ingress.h. */

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <callfence/ingress.h>

/* Split "LEFT=CLASS"; the class name must be one cf_ingress_parse() knows
 * and not "unknown" (that is what no match means). */
static int
split_class(const char *spec, char *left, size_t size, int *ingress,
	    const char **why)
{
	const char *eq = strrchr(spec, '=');

	if (!eq || eq == spec || (size_t)(eq - spec) >= size) {
		*why = "expected ADDRESS=CLASS";
		return -1;
	}
	memcpy(left, spec, (size_t)(eq - spec));
	left[eq - spec] = '\0';
	*ingress = cf_ingress_parse(eq + 1);
	if (*ingress <= CF_INGRESS_UNKNOWN) {
		*why = "class must be international, national or local";
		return -1;
	}
	return 0;
}

int
cf_ingress_map_add_net(struct cf_ingress_map *map, const char *spec,
		       const char **why)
{
	struct cf_ingress_net *n;
	char left[64], *slash;
	int ingress, max_bits;
	unsigned int i;
	long bits;

	if (split_class(spec, left, sizeof(left), &ingress, why) < 0)
		return -1;
	if (map->n_nets == CF_INGRESS_MAP_MAX) {
		*why = "too many networks";
		return -1;
	}
	n = &map->nets[map->n_nets];
	memset(n, 0, sizeof(*n));
	slash = strchr(left, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, left, n->addr) == 1) {
		n->family = AF_INET;
		max_bits = 32;
	} else if (inet_pton(AF_INET6, left, n->addr) == 1) {
		n->family = AF_INET6;
		max_bits = 128;
	} else {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	bits = max_bits;
	if (slash) {
		char *end;

		bits = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || bits < 0 || bits > max_bits) {
			*why = "bad prefix length";
			return -1;
		}
	}
	n->prefix_len = (uint8_t)bits;
	/* Host bits set would never match: refuse rather than surprise. */
	for (i = (unsigned int)bits; i < (unsigned int)max_bits; i++)
		if (n->addr[i / 8] & (0x80 >> (i % 8))) {
			*why = "address has bits set beyond the prefix";
			return -1;
		}
	n->ingress = (uint8_t)ingress;
	map->n_nets++;
	return 0;
}

int
cf_ingress_map_add_pc(struct cf_ingress_map *map, const char *spec,
		      const char **why)
{
	char left[64], *end, *dash;
	unsigned long lo, hi;
	int ingress;

	if (split_class(spec, left, sizeof(left), &ingress, why) < 0)
		return -1;
	if (map->n_pcs == CF_INGRESS_MAP_MAX) {
		*why = "too many point code ranges";
		return -1;
	}
	dash = strchr(left, '-');
	if (dash)
		*dash = '\0';
	lo = strtoul(left, &end, 10);
	if (end == left || *end || left[0] == '-') {
		*why = "point code must be a decimal number";
		return -1;
	}
	hi = lo;
	if (dash) {
		hi = strtoul(dash + 1, &end, 10);
		if (end == dash + 1 || *end || dash[1] == '-') {
			*why = "point code must be a decimal number";
			return -1;
		}
	}
	/* 24 bits covers ANSI; ITU point codes are 14. */
	if (lo > hi || hi > 0xffffff) {
		*why = "bad point code range";
		return -1;
	}
	map->pcs[map->n_pcs++] = (struct cf_ingress_pc){
		.lo = (uint32_t)lo, .hi = (uint32_t)hi, .ingress = (uint8_t)ingress,
	};
	return 0;
}

static bool
net_matches(const struct cf_ingress_net *n, const struct cf_source *src)
{
	unsigned int full = n->prefix_len / 8, rest = n->prefix_len % 8;

	if (n->family != src->family)
		return false;
	if (memcmp(n->addr, src->addr, full) != 0)
		return false;
	return rest == 0 ||
	       ((n->addr[full] ^ src->addr[full]) & (0xff00 >> rest)) == 0;
}

enum cf_ingress
cf_ingress_classify(const struct cf_ingress_map *map,
		    const struct cf_call *call, bool *known)
{
	int best = -1;
	unsigned int i;

	/* A circuit's OPC names the exchange that sent the call; for
	 * SIGTRAN the IP source is only the signalling gateway.  Calls
	 * named by a Call-ID (SIP, and SIP-I's ISUP) came from an IP peer. */
	if (call->ref.kind == CF_REF_ISUP) {
		for (i = 0; i < map->n_pcs; i++) {
			const struct cf_ingress_pc *p = &map->pcs[i];

			if (call->ref.isup.opc >= p->lo && call->ref.isup.opc <= p->hi) {
				if (known)
					*known = true;
				return p->ingress;
			}
		}
	} else {
		for (i = 0; i < map->n_nets; i++)
			if (net_matches(&map->nets[i], &call->src) &&
			    (best < 0 || map->nets[i].prefix_len >
					 map->nets[best].prefix_len))
				best = (int)i;
	}
	if (known)
		*known = best >= 0;
	return best >= 0 ? map->nets[best].ingress : CF_INGRESS_UNKNOWN;
}
