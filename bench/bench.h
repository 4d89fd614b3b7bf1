/* SPDX-License-Identifier: GPL-2.0-or-later */
/* callfence-bench: one function per subcommand. */
#ifndef CALLFENCE_BENCH_H
#define CALLFENCE_BENCH_H

#include "gen/gen.h"

int cmd_gen(int argc, char **argv);
int cmd_quality(int argc, char **argv);
int cmd_udp(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_lookup(int argc, char **argv);
int cmd_regex(int argc, char **argv);
int cmd_pipeline(int argc, char **argv);
int cmd_reload(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* If argv[*i] is a generator option (--calls, --seed, --proto, ...), take
 * it and its value into @cfg and return 1; 0 if it is not one; -1 if its
 * value is bad. */
int bench_parse_gen_option(struct gen_config *cfg, int argc, char **argv,
			   int *i);

#endif
