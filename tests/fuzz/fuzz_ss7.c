/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer entry for the SS7 decoders.  The first input byte chooses the
 * entry point and its flags (low 3 bits: M3UA, M2PA, MTP2, bare ISUP;
 * bit 3: MTP2 FCS; bit 4: ANSI label; bit 5: ISUP without CIC); the rest
 * is the message.  Every decoder runs on an exactly-sized heap copy, so
 * ASan sees any read past the end.  Seeds: tests/fuzz/corpus/ss7/.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <callfence/call.h>
#include <callfence/number.h>
#include <callfence/ss7.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cf_ss7_stats stats;

/* Fields a caller would read: touch them so bad spans are caught. */
static void
use_call(int rc, const struct cf_call *c)
{
	volatile size_t sink = 0;
	int i;

	if (rc != 1)
		return;
	for (i = 0; i < CF_PARTY__COUNT; i++)
		if (c->party[i].present)
			sink += strlen(c->party[i].raw) + c->party[i].num.len;
	(void)sink;
}

static void
use_isup(const struct cf_isup_msg *m)
{
	volatile size_t sink = 0;
	unsigned int i;

	for (i = 0; i < CF_ISUP_NUM__COUNT; i++)
		if (cf_isup_has(m, i))
			sink += strlen(m->num[i].digits);
	for (i = 0; i < m->n_generic; i++)
		sink += strlen(m->generic[i].digits);
	(void)sink;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct cf_numplan *plan = cf_numplan_builtin("86");
	struct cf_mtp3_label label;
	struct cf_ss7_span user;
	struct cf_isup_msg m;
	struct cf_call call;
	unsigned int sel, flags = 0;
	uint8_t *buf;
	size_t len;
	int rc;

	if (size < 1)
		return 0;
	sel = data[0];
	len = size - 1;
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);
	if (sel & 0x08)
		flags |= CF_MTP2_F_FCS;
	if (sel & 0x10)
		flags |= CF_MTP3_F_ANSI;

	switch (sel & 0x07) {
	case 0: {
		struct cf_m3ua_msg x;

		rc = cf_m3ua_decode(buf, len, &x);
		if (rc >= 0 && cf_isup_decode(x.user.data, x.user.len, 0,
					      &m) >= 0)
			use_isup(&m);
		rc = cf_ss7_m3ua_to_call(&stats, buf, len, plan, &call);
		break;
	}
	case 1:
		rc = cf_ss7_m2pa_to_call(&stats, buf, len, flags, plan, &call);
		break;
	case 2:
		rc = cf_ss7_mtp2_to_call(&stats, buf, len, flags, plan, &call);
		break;
	case 3:
		rc = cf_mtp3_decode(buf, len, flags, &label, &user);
		if (rc >= 0 && cf_isup_decode(user.data, user.len, 0, &m) >= 0)
			use_isup(&m);
		rc = 0;
		break;
	default:
		rc = cf_isup_decode(buf, len,
				    (sel & 0x20) ? CF_ISUP_F_NO_CIC : 0, &m);
		if (rc >= 0) {
			if ((size_t)rc > len)
				abort();
			use_isup(&m);
			label.opc = 1;
			label.dpc = 2;
			rc = cf_isup_to_call(&m, (sel & 0x20) ? NULL : &label,
					     plan, &call);
		}
		break;
	}
	use_call(rc, &call);
	(void)cf_ss7_err_name(rc);
	free(buf);
	return 0;
}
