/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the SS7 decoders; not part of the API. */
#ifndef CALLFENCE_SS7_INT_H
#define CALLFENCE_SS7_INT_H

#include <stdint.h>

#include <callfence/ss7.h>

#define SS7_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Name @i of @table, "?" when out of range or unnamed. */
#define SS7_NAME_OF(table, i) \
	((unsigned int)(i) < SS7_ARRAY_SIZE(table) && (table)[i] ? \
	 (table)[i] : "?")

/* SIGTRAN fields are big-endian (RFC 4666 §3.1). */
static inline uint16_t
ss7_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
ss7_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* MTP3 and ISUP fields are little-endian: first octet least significant
 * (Q.704 §2.2, Q.763 §1.2). */
static inline uint32_t
ss7_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

#endif /* CALLFENCE_SS7_INT_H */
