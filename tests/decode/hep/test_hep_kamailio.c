/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What Kamailio's siptrace sent (tests/data/hep/, made by make_hep.py)
 * against what sngrep and tshark read in it: every datagram decoded, every
 * column of its truth row compared.  argv[1] is tests/data/hep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hep_row.h"

static const char *data_dir;

/* Split one CSV line in place; the truth has no quoted fields. */
static int
split(char *line, char *col[], int max)
{
	int n = 0;

	col[n++] = line;
	for (; *line && n <= max; line++) {
		if (*line == '"')
			return -1;
		if (*line == ',') {
			*line = '\0';
			col[n++] = line + 1;
		}
	}
	return n;
}

static const char *const names[12] = {
	"datagram", "time", "src_ip", "src_port", "dst_ip", "dst_port",
	"proto_type", "method", "status", "cseq_method", "call_id",
	"payload_len",
};

static void
compare(const char *name, unsigned version)
{
	char path[4096], *truth, *line, *save, *col[13];
	size_t size, tsize, off = 0, len;
	struct cf_hep_info info;
	struct cf_payload p;
	struct hep_row row;
	const uint8_t *d;
	unsigned n = 0;
	uint8_t *data;
	int i, k;

	snprintf(path, sizeof(path), "%s/%s.bin", data_dir, name);
	data = hep_read_file(path, &size);
	assert_non_null(data);
	snprintf(path, sizeof(path), "%s/%s.truth.csv", data_dir, name);
	truth = (char *)hep_read_file(path, &tsize);
	assert_non_null(truth);

	line = strtok_r(truth, "\n", &save);
	assert_non_null(line);
	assert_string_equal(line, HEP_ROW_HEADER);
	while ((d = hep_bin_next(data, size, &off, &len))) {
		uint8_t *copy = malloc(len);

		/* An exactly-sized copy: ASan sees a read past the end. */
		assert_non_null(copy);
		memcpy(copy, d, len);
		n++;
		line = strtok_r(NULL, "\n", &save);
		if (!line)
			fail_msg("%s: datagram %u has no truth row", name, n);
		k = split(line, col, 12);
		assert_int_equal(k, 12);
		assert_int_equal(hep_row_make(&row, n, copy, len), 0);
		for (i = 0; i < 12; i++)
			if (strcmp(row.col[i], col[i]) != 0)
				fail_msg("%s datagram %u %s: callfence \"%s\", "
					 "truth \"%s\"", name, n, names[i],
					 row.col[i], col[i]);

		/* What the truth has no column for. */
		assert_int_equal(cf_hep_decode(copy, len, &p, &info), 0);
		assert_int_equal(info.version, version);
		assert_true(info.has_capture_id);
		assert_int_equal(info.capture_id, 2207);
		assert_int_equal(p.kind, CF_PAYLOAD_SIP);
		assert_int_equal(p.transport, CF_TRANSPORT_UDP);
		assert_int_equal(info.ip_proto, 17);
		assert_int_equal(info.n_vendor + info.n_unknown, 0);
		assert_null(info.auth_key);
		assert_int_equal(info.hep_len, len);
		/* The payload is the end of the datagram, in place. */
		assert_ptr_equal(p.data + p.len, copy + len);
		free(copy);
	}
	assert_int_equal(off, size);
	assert_null(strtok_r(NULL, "\n", &save));
	/* Four calls and the probe: not a handful of datagrams. */
	assert_true(n >= 40);
	free(data);
	free(truth);
}

static void
test_kamailio_hep3(void **state)
{
	compare("kamailio_siptrace", 3);
}

static void
test_kamailio_hep2(void **state)
{
	compare("kamailio_siptrace_v2", 2);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kamailio_hep3),
		cmocka_unit_test(test_kamailio_hep2),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: test_hep_kamailio tests/data/hep\n");
		return 2;
	}
	data_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
