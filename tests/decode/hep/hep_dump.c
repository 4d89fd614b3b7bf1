/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hep_dump FILE.bin: each datagram of a tests/data/hep/NAME.bin file as
 * callfence reads it, one CSV row in the columns of the *.truth.csv
 * files, for check_hep_kamailio.py to compare with a fresh truth.
 */
#include "hep_row.h"

int
main(int argc, char **argv)
{
	const uint8_t *d;
	struct hep_row row;
	size_t size, off = 0, len;
	unsigned n = 0;
	uint8_t *data;
	int i;

	if (argc != 2) {
		fprintf(stderr, "usage: hep_dump FILE.bin\n");
		return 2;
	}
	data = hep_read_file(argv[1], &size);
	if (!data) {
		perror(argv[1]);
		return 1;
	}
	puts(HEP_ROW_HEADER);
	while ((d = hep_bin_next(data, size, &off, &len))) {
		hep_row_make(&row, ++n, d, len);
		for (i = 0; i < 12; i++)
			printf("%s%s", i ? "," : "", row.col[i]);
		putchar('\n');
	}
	free(data);
	if (off != size) {
		fprintf(stderr, "%s: cut after datagram %u\n", argv[1], n);
		return 1;
	}
	return 0;
}
