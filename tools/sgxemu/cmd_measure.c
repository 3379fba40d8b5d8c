// SPDX-License-Identifier: MIT
/* sgxemu measure: the MRENCLAVE of an .sgxs file. */
#include <getopt.h>
#include <stdio.h>

#include "api/sgxs.h"
#include "base/hex.h"
#include "base/log.h"
#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: sgxemu measure FILE.sgxs\n\n"
		   "Validate an SGXS measurement stream and print its MRENCLAVE as 64\n"
		   "lowercase hex digits.  Malformed input is reported with the record\n"
		   "and byte offset, and exit status 2.\n");
}

int cmd_measure(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	char why[512], hex[65];
	struct sgxs s;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		return cli_usage_error("measure", "unknown option");
	}
	if (argc - optind != 1)
		return cli_usage_error("measure", "expected one FILE.sgxs");
	if (sgxs_load_file(argv[optind], &s, why, sizeof(why))) {
		log_err("%s", why);
		return EXIT_USAGE;
	}
	hex_encode(hex, s.mrenclave, sizeof(s.mrenclave));
	printf("%s\n", hex);
	sgxs_free(&s);
	return EXIT_OK;
}
