/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compiled ruleset files.
 *
 *   header (64 bytes): magic "CFRULES", version, byte-order mark, file size,
 *                      checksum of everything after the header, sections
 *   section table: { type, index, offset, length } each
 *   sections, each 64-byte aligned and zero-padded to 64 bytes
 *
 * Number sets are stored as their blocks and used in place from the map;
 * the Hyperscan database is stored serialised and deserialised on load
 * (Hyperscan checks its own version and platform): nothing is recompiled.
 * Heuristic specs and conditions are plain arrays; the state they
 * describe lives in each worker's scratch, never in the file.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <callfence/hash.h>
#include <callfence/ruleset.h>

#include "ruleset_impl.h"

#define FILE_MAGIC	"CFRULES"
#define BYTE_ORDER_MARK	0x01020304u
#define ALIGN		64

enum sec_type {
	SEC_PLAN = 1,
	SEC_STRINGS,
	SEC_RULES,
	SEC_CONDS,
	SEC_LISTS,
	SEC_LIST_SET,
	SEC_PREFIXES,
	SEC_PREFIX_SET,
	SEC_PATTERNS,
	SEC_HSDB,
	SEC_HEURS,		/* version 2: heuristic specs */
	SEC_HCONDS,		/* heuristic conditions */
	SEC_HEUR_CONF,		/* the heuristics { } block */
	SEC__COUNT,
};

struct file_header {
	char magic[8];
	uint32_t version;
	uint32_t byte_order;
	uint64_t size;
	uint64_t checksum;
	uint32_t nsections;
	uint8_t reserved[28];
};

struct file_section {
	uint32_t type;
	uint32_t index;
	uint64_t offset;
	uint64_t length;
};

_Static_assert(sizeof(struct file_header) == 64, "file header layout");
_Static_assert(sizeof(struct file_section) == 24, "section layout");

/* Checksum: four independent lanes over 32-byte blocks, so it runs at
 * memory speed on a large file. */
struct csum {
	uint64_t lane[4];
};

static void
csum_init(struct csum *c)
{
	c->lane[0] = 0x736f6d6570736575ULL;
	c->lane[1] = 0x646f72616e646f6dULL;
	c->lane[2] = 0x6c7967656e657261ULL;
	c->lane[3] = 0x7465646279746573ULL;
}

/* @len must be a multiple of 32. */
static void
csum_update(struct csum *c, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += 32) {
		uint64_t w[4];

		memcpy(w, p + i, sizeof(w));
		c->lane[0] = cf_hash64(c->lane[0] + w[0]);
		c->lane[1] = cf_hash64(c->lane[1] + w[1]);
		c->lane[2] = cf_hash64(c->lane[2] + w[2]);
		c->lane[3] = cf_hash64(c->lane[3] + w[3]);
	}
}

static uint64_t
csum_final(const struct csum *c, uint64_t size)
{
	return cf_hash64(c->lane[0] ^ (c->lane[1] << 16 | c->lane[1] >> 48) ^
			 (c->lane[2] << 32 | c->lane[2] >> 32) ^
			 (c->lane[3] << 48 | c->lane[3] >> 16) ^ size);
}

static uint64_t
align_up(uint64_t v)
{
	return (v + ALIGN - 1) & ~(uint64_t)(ALIGN - 1);
}

/* ---- Saving -------------------------------------------------------------- */

struct out_sec {
	uint32_t type, index;
	const void *data;
	size_t len;
};

struct writer {
	int fd;
	struct csum c;
	int err;
};

static void
write_all(struct writer *w, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len && !w->err) {
		ssize_t n = write(w->fd, b, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			w->err = -errno;
			return;
		}
		b += n;
		len -= (size_t)n;
	}
}

/* Write @len bytes then zeros up to a multiple of 64, checksummed. */
static void
write_padded(struct writer *w, const void *p, size_t len)
{
	uint8_t tail[ALIGN] = { 0 };
	size_t whole = len & ~(size_t)(ALIGN - 1);

	csum_update(&w->c, p, whole);
	write_all(w, p, whole);
	if (len > whole) {
		memcpy(tail, (const uint8_t *)p + whole, len - whole);
		csum_update(&w->c, tail, ALIGN);
		write_all(w, tail, ALIGN);
	}
}

static int
write_file(int fd, struct out_sec *secs, uint32_t n)
{
	struct file_header h = { 0 };
	struct file_section *table;
	struct writer w = { .fd = fd };
	uint64_t off;
	uint32_t i;
	size_t table_len = n * sizeof(*table);

	table = calloc(n, sizeof(*table));
	if (!table)
		return -ENOMEM;
	off = sizeof(h) + align_up(table_len);
	for (i = 0; i < n; i++) {
		table[i].type = secs[i].type;
		table[i].index = secs[i].index;
		table[i].offset = off;
		table[i].length = secs[i].len;
		off += align_up(secs[i].len);
	}
	memcpy(h.magic, FILE_MAGIC, sizeof(h.magic));
	h.version = CF_RULESET_FILE_VERSION;
	h.byte_order = BYTE_ORDER_MARK;
	h.size = off;
	h.nsections = n;

	csum_init(&w.c);
	write_all(&w, &h, sizeof(h));	/* rewritten with the checksum */
	write_padded(&w, table, table_len);
	for (i = 0; i < n; i++)
		write_padded(&w, secs[i].data, secs[i].len);
	free(table);
	if (w.err)
		return w.err;
	h.checksum = csum_final(&w.c, h.size);
	if (pwrite(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return -errno;
	return 0;
}

int
cf_ruleset_save(const struct cf_ruleset *rs, const char *path,
		struct cf_diag *diag)
{
	struct out_sec *secs;
	uint32_t n = 0, i;
	char *hsdb = NULL, *tmp = NULL, *dir = NULL, *slash;
	size_t hsdb_len = 0;
	int fd = -1, r;

	secs = calloc(12 + rs->nlists + rs->nprefixes, sizeof(*secs));
	if (!secs)
		return -ENOMEM;
	secs[n++] = (struct out_sec){ SEC_PLAN, 0, &rs->plan, sizeof(rs->plan) };
	secs[n++] = (struct out_sec){ SEC_STRINGS, 0, rs->strings,
				      rs->strings_len };
	secs[n++] = (struct out_sec){ SEC_RULES, 0, rs->rules,
				      (rs->nrules + 1) * sizeof(*rs->rules) };
	secs[n++] = (struct out_sec){ SEC_CONDS, 0, rs->conds,
				      rs->nconds * sizeof(*rs->conds) };
	secs[n++] = (struct out_sec){ SEC_LISTS, 0, rs->lists,
				      rs->nlists * sizeof(*rs->lists) };
	for (i = 0; i < rs->nlists; i++) {
		size_t len;
		const void *blob = cf_numset_blob(rs->list_sets[i], &len);

		secs[n++] = (struct out_sec){ SEC_LIST_SET, i, blob, len };
	}
	secs[n++] = (struct out_sec){ SEC_PREFIXES, 0, rs->prefixes,
				      rs->nprefixes * sizeof(*rs->prefixes) };
	for (i = 0; i < rs->nprefixes; i++) {
		size_t len;
		const void *blob = cf_numset_blob(rs->prefix_sets[i], &len);

		secs[n++] = (struct out_sec){ SEC_PREFIX_SET, i, blob, len };
	}
	secs[n++] = (struct out_sec){ SEC_PATTERNS, 0, rs->patterns,
				      rs->npatterns * sizeof(*rs->patterns) };
	secs[n++] = (struct out_sec){ SEC_HEURS, 0, rs->heurs,
				      rs->nheurs * sizeof(*rs->heurs) };
	secs[n++] = (struct out_sec){ SEC_HCONDS, 0, rs->hconds,
				      rs->nhconds * sizeof(*rs->hconds) };
	secs[n++] = (struct out_sec){ SEC_HEUR_CONF, 0, &rs->heur_conf,
				      sizeof(rs->heur_conf) };
	if (rs->db) {
		if (hs_serialize_database(rs->db, &hsdb, &hsdb_len) !=
		    HS_SUCCESS) {
			cf_diag_add(diag, "%s: error: cannot serialise the "
				    "Hyperscan database", path);
			free(secs);
			return -ENOMEM;
		}
		secs[n++] = (struct out_sec){ SEC_HSDB, 0, hsdb, hsdb_len };
	}

	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		tmp = NULL;
		r = -ENOMEM;
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		r = -errno;
		cf_diag_add(diag, "%s: error: cannot create a temporary file: %s",
			    path, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	r = write_file(fd, secs, n);
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	fd = -1;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r) {
		cf_diag_add(diag, "%s: error: cannot write: %s", path,
			    strerror(-r));
		unlink(tmp);
		goto out;
	}
	/* The rename is durable once the directory is. */
	dir = strdup(path);
	if (dir) {
		int dfd;

		slash = strrchr(dir, '/');
		if (slash)
			*(slash == dir ? slash + 1 : slash) = '\0';
		dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
out:
	free(dir);
	free(tmp);
	free(hsdb);
	free(secs);
	return r;
}

/* ---- Loading ------------------------------------------------------------- */

void
rs_unmap(void *map, size_t len)
{
	munmap(map, len);
}

bool
cf_ruleset_file_is_compiled(const char *path)
{
	char magic[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool yes;

	if (fd < 0)
		return false;
	yes = read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
	      memcmp(magic, FILE_MAGIC, sizeof(magic)) == 0;
	close(fd);
	return yes;
}

#define BAD(...) do { cf_diag_add(diag, __VA_ARGS__); goto bad; } while (0)

static const char *
hs_load_error(hs_error_t e)
{
	switch (e) {
	case HS_DB_VERSION_ERROR:
		return "the Hyperscan database was built by another Hyperscan "
		       "version: recompile the rules";
	case HS_DB_PLATFORM_ERROR:
		return "the Hyperscan database was built for another platform: "
		       "recompile the rules";
	case HS_NOMEM:
		return "out of memory";
	default:
		return "the Hyperscan database is corrupt";
	}
}

int
cf_ruleset_load(const char *path, struct cf_ruleset **out,
		struct cf_diag *diag)
{
	const struct file_section *table, *one[SEC__COUNT] = { 0 };
	const struct file_header *h;
	struct cf_ruleset *rs = NULL;
	struct csum c;
	struct stat st;
	uint8_t *map = MAP_FAILED;
	uint32_t i, nl = 0, np = 0;
	size_t size = 0;
	const char *why;
	hs_error_t e;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;

		cf_diag_add(diag, "%s: error: %s", path, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(*h)) {
		close(fd);
		cf_diag_add(diag, "%s: error: not a compiled ruleset (too short)",
			    path);
		return -EINVAL;
	}
	size = (size_t)st.st_size;
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		cf_diag_add(diag, "%s: error: mmap: %s", path, strerror(errno));
		return -ENOMEM;
	}
	h = (const struct file_header *)map;
	if (memcmp(h->magic, FILE_MAGIC, sizeof(h->magic)) != 0)
		BAD("%s: error: not a compiled ruleset (bad magic)", path);
	if (h->byte_order != BYTE_ORDER_MARK)
		BAD("%s: error: compiled on a machine of the other byte order",
		    path);
	if (h->version != CF_RULESET_FILE_VERSION)
		BAD("%s: error: compiled ruleset version %u, this build reads "
		    "version %u: recompile the rules", path, h->version,
		    CF_RULESET_FILE_VERSION);
	if (h->size != size || size % ALIGN)
		BAD("%s: error: truncated or extended compiled ruleset "
		    "(%zu bytes, header says %llu)", path, size,
		    (unsigned long long)h->size);
	csum_init(&c);
	csum_update(&c, map + sizeof(*h), size - sizeof(*h));
	if (csum_final(&c, size) != h->checksum)
		BAD("%s: error: checksum mismatch: the file is corrupt", path);
	if (h->nsections > 1u << 20 ||
	    sizeof(*h) + (uint64_t)h->nsections * sizeof(*table) > size)
		BAD("%s: error: bad section table", path);
	table = (const struct file_section *)(map + sizeof(*h));

	rs = calloc(1, sizeof(*rs));
	if (!rs)
		BAD("%s: error: out of memory", path);
	for (i = 0; i < h->nsections; i++) {
		const struct file_section *s = &table[i];

		if (s->type == 0 || s->type >= SEC__COUNT || s->offset % ALIGN ||
		    s->offset > size || s->length > size - s->offset)
			BAD("%s: error: bad section %u", path, i);
		if (s->type == SEC_LIST_SET)
			nl++;
		else if (s->type == SEC_PREFIX_SET)
			np++;
		else if (one[s->type])
			BAD("%s: error: duplicate section %u", path, s->type);
		else
			one[s->type] = s;
	}
	for (i = SEC_PLAN; i < SEC__COUNT; i++)
		if (!one[i] && i != SEC_LIST_SET && i != SEC_PREFIX_SET &&
		    i != SEC_HSDB)
			BAD("%s: error: section %u missing", path, i);
#define SEC_ARRAY(type, field, count, elem) do { \
		if (one[type]->length % sizeof(elem)) \
			BAD("%s: error: section %u has a bad size", path, type); \
		rs->field = (const void *)(map + one[type]->offset); \
		rs->count = (uint32_t)(one[type]->length / sizeof(elem)); \
	} while (0)

	if (one[SEC_PLAN]->length != sizeof(rs->plan))
		BAD("%s: error: bad numbering plan section", path);
	{
		struct cf_numplan p;

		memcpy(&p, map + one[SEC_PLAN]->offset, sizeof(p));
		p.cc[CF_NUMPLAN_CC_MAX] = p.national_prefix[CF_NUMPLAN_PREFIX_MAX] =
			p.intl_prefix[CF_NUMPLAN_PREFIX_MAX] =
			p.area_code[CF_NUMPLAN_PREFIX_MAX] = '\0';
		if (cf_numplan_init(&rs->plan, p.cc, p.national_prefix,
				    p.intl_prefix, p.nsn_lengths,
				    p.service_lengths, p.area_code, &why) < 0)
			BAD("%s: error: numbering plan: %s", path, why);
		if (p.flags & ~CF_NUMPLAN_F__ALL)
			BAD("%s: error: numbering plan: unknown flags 0x%x",
			    path, p.flags);
		rs->plan.flags = p.flags;
	}
	rs->strings = (const char *)(map + one[SEC_STRINGS]->offset);
	rs->strings_len = (uint32_t)one[SEC_STRINGS]->length;
	if (rs->strings_len == 0 || rs->strings[rs->strings_len - 1] != '\0')
		BAD("%s: error: bad string section", path);
	SEC_ARRAY(SEC_RULES, rules, nrules, struct rs_rule);
	if (rs->nrules == 0)
		BAD("%s: error: no default rule", path);
	rs->nrules--;
	SEC_ARRAY(SEC_CONDS, conds, nconds, struct cf_cond);
	SEC_ARRAY(SEC_LISTS, lists, nlists, struct rs_list);
	SEC_ARRAY(SEC_PREFIXES, prefixes, nprefixes, struct rs_prefix);
	SEC_ARRAY(SEC_PATTERNS, patterns, npatterns, struct rs_pattern);
	SEC_ARRAY(SEC_HEURS, heurs, nheurs, struct cf_heur_spec);
	SEC_ARRAY(SEC_HCONDS, hconds, nhconds, struct rs_hcond);
	if (one[SEC_HEUR_CONF]->length != sizeof(rs->heur_conf))
		BAD("%s: error: bad heuristics section", path);
	memcpy(&rs->heur_conf, map + one[SEC_HEUR_CONF]->offset,
	       sizeof(rs->heur_conf));
	if (rs->heur_conf.max_call_ns == 0 || rs->heur_conf.memory == 0)
		BAD("%s: error: bad heuristics section", path);
	for (i = 0; i < rs->nheurs; i++)
		if (rs->heurs[i].kind >= CF_HEUR__COUNT ||
		    !rs_heur_spec_valid(&rs->heurs[i]))
			BAD("%s: error: heuristic %u is inconsistent", path, i);
	for (i = 0; i < rs->nhconds; i++) {
		const struct rs_hcond *hc = &rs->hconds[i];

		if (hc->text >= rs->strings_len || hc->cmp >= CF_CMP__COUNT ||
		    (hc->spec == RS_HEUR_NONE ?
		     hc->threshold < 1 || hc->threshold > CF_NUMKEY_MAX_DIGITS :
		     hc->spec >= rs->nheurs))
			BAD("%s: error: heuristic condition %u is inconsistent",
			    path, i);
	}
	rs_heur_sign(rs);
	if (nl != rs->nlists || np != rs->nprefixes)
		BAD("%s: error: list sections do not match the list table", path);

	/* Every index and string offset must stay inside the file. */
	for (i = 0; i <= rs->nrules; i++) {
		const struct rs_rule *r = &rs->rules[i];

		if (r->id >= rs->strings_len || r->reason >= rs->strings_len ||
		    r->first_cond > rs->nconds ||
		    r->ncond > rs->nconds - r->first_cond ||
		    r->action >= CF_ACTION__COUNT || r->reply >= CF_REPLY__COUNT)
			BAD("%s: error: rule %u is inconsistent", path, i);
	}
	for (i = 0; i < rs->nconds; i++)
		if (!rs_cond_valid(rs->nlists, rs->nprefixes, rs->npatterns,
				   rs->nhconds, &rs->conds[i]) ||
		    rs->conds[i].kind >= CF_COND__COUNT)
			BAD("%s: error: condition %u is inconsistent", path, i);
	for (i = 0; i < rs->nlists; i++)
		if (rs->lists[i].name >= rs->strings_len ||
		    rs->lists[i].path >= rs->strings_len)
			BAD("%s: error: list %u is inconsistent", path, i);
	for (i = 0; i < rs->npatterns; i++)
		if (rs->patterns[i].text >= rs->strings_len ||
		    rs->patterns[i].party >= CF_PARTY__COUNT)
			BAD("%s: error: pattern %u is inconsistent", path, i);

	rs->list_sets = calloc(rs->nlists + 1, sizeof(*rs->list_sets));
	rs->prefix_sets = calloc(rs->nprefixes + 1, sizeof(*rs->prefix_sets));
	if (!rs->list_sets || !rs->prefix_sets)
		BAD("%s: error: out of memory", path);
	for (i = 0; i < h->nsections; i++) {
		const struct file_section *s = &table[i];
		const struct cf_numset **slot;
		uint32_t max;

		if (s->type == SEC_LIST_SET) {
			slot = rs->list_sets;
			max = rs->nlists;
		} else if (s->type == SEC_PREFIX_SET) {
			slot = rs->prefix_sets;
			max = rs->nprefixes;
		} else {
			continue;
		}
		if (s->index >= max || slot[s->index])
			BAD("%s: error: bad number set section %u", path, i);
		slot[s->index] = cf_numset_from_blob(map + s->offset,
						     s->length, &why);
		if (!slot[s->index])
			BAD("%s: error: section %u: %s", path, i, why);
	}
	if (rs->npatterns) {
		if (!one[SEC_HSDB])
			BAD("%s: error: patterns without a Hyperscan database",
			    path);
		e = hs_deserialize_database((const char *)map +
					    one[SEC_HSDB]->offset,
					    one[SEC_HSDB]->length, &rs->db);
		if (e != HS_SUCCESS) {
			rs->db = NULL;
			BAD("%s: error: %s", path, hs_load_error(e));
		}
		for (i = 0; i < rs->npatterns; i++)
			rs->pattern_parties |= (uint8_t)(1u << rs->patterns[i].party);
		if (hs_alloc_scratch(rs->db, &rs->proto_scratch) != HS_SUCCESS)
			BAD("%s: error: cannot allocate Hyperscan scratch", path);
	}
	rs->map = map;
	rs->map_len = size;
	*out = rs;
	return 0;

bad:
	if (rs) {
		hs_free_scratch(rs->proto_scratch);
		hs_free_database(rs->db);
		free((void *)rs->list_sets);
		free((void *)rs->prefix_sets);
		free(rs);
	}
	munmap(map, size);
	return -EINVAL;
}
