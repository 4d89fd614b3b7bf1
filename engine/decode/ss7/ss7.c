/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SS7 error names and the whole-stack entry points with their counters. */

#include <callfence/call.h>
#include <callfence/ss7.h>

#include "ss7_int.h"

static const char *const err_names[CF_SS7_ERR__COUNT] = {
	[CF_SS7_OK]			= "ok",
	[CF_SS7_ERR_TRUNCATED]		= "truncated",
	[CF_SS7_ERR_BAD_LENGTH]		= "bad-length",
	[CF_SS7_ERR_BAD_POINTER]	= "bad-pointer",
	[CF_SS7_ERR_BAD_VERSION]	= "bad-version",
	[CF_SS7_ERR_BAD_CLASS]		= "bad-class",
	[CF_SS7_ERR_M3UA_DRAFT]		= "m3ua-draft",
	[CF_SS7_ERR_MISSING_PARAM]	= "missing-param",
	[CF_SS7_ERR_NOT_DATA]		= "not-data",
	[CF_SS7_ERR_UNSUPPORTED_SI]	= "unsupported-si",
	[CF_SS7_ERR_UNSUPPORTED_MSG]	= "unsupported-msg",
	[CF_SS7_ERR_ANSI]		= "ansi-isup",
	[CF_SS7_ERR_BAD_BCD]		= "bad-bcd",
	[CF_SS7_ERR_TOO_MANY_DIGITS]	= "too-many-digits",
};

const char *
cf_ss7_err_name(int err)
{
	if (err < 0)
		err = -err;
	return SS7_NAME_OF(err_names, err);
}

bool
cf_ss7_err_is_skip(int err)
{
	if (err < 0)
		err = -err;
	return err == CF_SS7_ERR_NOT_DATA || err == CF_SS7_ERR_UNSUPPORTED_SI ||
	       err == CF_SS7_ERR_UNSUPPORTED_MSG;
}

static int
count(struct cf_ss7_stats *st, int rc)
{
	st->err[rc < 0 ? -rc : 0]++;
	return rc;
}

/* The MTP3 user part with its label: ISUP or a counted skip. */
static int
user_part_to_call(struct cf_ss7_stats *st, const struct cf_mtp3_label *label,
		  const struct cf_ss7_span *user,
		  const struct cf_numplan *plan, struct cf_call *call)
{
	struct cf_isup_msg msg;
	int rc;

	if (label->si != CF_MTP3_SI_ISUP)
		return count(st, -CF_SS7_ERR_UNSUPPORTED_SI);
	if (label->ansi)
		return count(st, -CF_SS7_ERR_ANSI);
	rc = cf_isup_decode(user->data, user->len, 0, &msg);
	if (rc >= 0 || rc == -CF_SS7_ERR_UNSUPPORTED_MSG)
		st->isup_type[msg.type]++;
	if (rc < 0)
		return count(st, rc);
	/* The message decoded; a bad number in it is counted too. */
	if (msg.num_err)
		st->err[msg.num_err]++;
	rc = cf_isup_to_call(&msg, label, plan, call);
	st->calls += (uint64_t)rc;
	return count(st, rc);
}

int
cf_ss7_m3ua_to_call(struct cf_ss7_stats *stats, const uint8_t *buf,
		    size_t len, const struct cf_numplan *plan,
		    struct cf_call *call)
{
	struct cf_m3ua_msg msg;
	int rc;

	rc = cf_m3ua_decode(buf, len, &msg);
	if ((rc >= 0 || rc == -CF_SS7_ERR_NOT_DATA) &&
	    msg.msg_class < CF_M3UA_CLASS__COUNT)
		stats->m3ua_class[msg.msg_class]++;
	if (rc < 0)
		return count(stats, rc);
	return user_part_to_call(stats, &msg.label, &msg.user, plan, call);
}

static int
msu_to_call(struct cf_ss7_stats *stats, const struct cf_ss7_span *msu,
	    unsigned int flags, const struct cf_numplan *plan,
	    struct cf_call *call)
{
	struct cf_mtp3_label label;
	struct cf_ss7_span user;
	int rc;

	rc = cf_mtp3_decode(msu->data, msu->len, flags & CF_MTP3_F_ANSI,
			    &label, &user);
	if (rc < 0)
		return count(stats, rc);
	return user_part_to_call(stats, &label, &user, plan, call);
}

int
cf_ss7_m2pa_to_call(struct cf_ss7_stats *stats, const uint8_t *buf,
		    size_t len, unsigned int flags,
		    const struct cf_numplan *plan, struct cf_call *call)
{
	struct cf_m2pa_msg msg;
	int rc;

	rc = cf_m2pa_decode(buf, len, &msg);
	if (rc < 0)
		return count(stats, rc);
	return msu_to_call(stats, &msg.msu, flags, plan, call);
}

int
cf_ss7_mtp2_to_call(struct cf_ss7_stats *stats, const uint8_t *buf,
		    size_t len, unsigned int flags,
		    const struct cf_numplan *plan, struct cf_call *call)
{
	struct cf_mtp2_su su;
	int rc;

	rc = cf_mtp2_decode(buf, len, flags, &su);
	if (rc < 0)
		return count(stats, rc);
	return msu_to_call(stats, &su.msu, flags, plan, call);
}
