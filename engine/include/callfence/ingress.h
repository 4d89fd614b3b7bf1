/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Ingress classification: where a call entered the network, from where
 * its signalling came.  SIP sources are matched against networks (CIDR,
 * longest prefix wins), ISUP originating point codes against ranges.
 * Built by the control thread from configuration or options; read-only
 * afterwards, so workers may share it.
 */
#ifndef CALLFENCE_INGRESS_H
#define CALLFENCE_INGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include <callfence/call.h>

#define CF_INGRESS_MAP_MAX	256

struct cf_ingress_net {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t prefix_len;	/* bits */
	uint8_t ingress;	/* enum cf_ingress */
	uint8_t addr[16];	/* network order, host bits zero */
};

struct cf_ingress_pc {
	uint32_t lo, hi;	/* inclusive */
	uint8_t ingress;
};

struct cf_ingress_map {
	struct cf_ingress_net nets[CF_INGRESS_MAP_MAX];
	unsigned int n_nets;
	struct cf_ingress_pc pcs[CF_INGRESS_MAP_MAX];
	unsigned int n_pcs;
};

/*
 * Add "CIDR=CLASS" (e.g. "198.51.100.0/24=international", "2001:db8::/32=
 * national"; a bare address is a /32 or /128), or for point codes
 * "PC=CLASS" / "LO-HI=CLASS" (decimal).  Returns 0, or -1 with *@why set
 * to a static message.  Control thread.
 */
int cf_ingress_map_add_net(struct cf_ingress_map *map, const char *spec,
			   const char **why);
int cf_ingress_map_add_pc(struct cf_ingress_map *map, const char *spec,
			  const char **why);

/*
 * The class of @call's source: the OPC of an ISUP circuit, else its IP
 * source address.  CF_INGRESS_UNKNOWN when nothing matches.  @known, when not NULL,
 * says whether anything matched (an ACL: unknown SIP peers are refused).
 * Any thread.
 */
enum cf_ingress cf_ingress_classify(const struct cf_ingress_map *map,
				    const struct cf_call *call, bool *known);

#endif /* CALLFENCE_INGRESS_H */
