/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The reference SIP decoder (sip_ref.c): the public API, renamed ref_. */
#ifndef CALLFENCE_SIP_REF_H
#define CALLFENCE_SIP_REF_H

#include <callfence/sip.h>

ssize_t ref_sip_parse(struct cf_sip_msg *msg, const char *buf, size_t len,
		      unsigned flags);
ssize_t ref_sip_message_length(const char *buf, size_t len);
int ref_sip_parse_uri(const char *p, size_t len, struct cf_sip_uri *uri);
int ref_sip_parse_addr(const char *p, size_t len, struct cf_sip_addr *addr);
bool ref_sip_param(const struct cf_sip_span *params, const char *name,
		   struct cf_sip_span *value);
int ref_sip_uri_number(const struct cf_sip_uri *uri, char *dst,
		       size_t dst_size);
bool ref_sip_uri_has_number(const struct cf_sip_uri *uri);
int ref_sip_to_call(const struct cf_sip_msg *msg,
		    const struct cf_numplan *plan, struct cf_call *call);
const char *ref_sip_err_name(enum cf_sip_err err);
const char *ref_sip_method_name(enum cf_sip_method method);
const char *ref_sip_scheme_name(enum cf_sip_scheme scheme);

#endif /* CALLFENCE_SIP_REF_H */
