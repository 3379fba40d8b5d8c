// SPDX-License-Identifier: MIT
/* sgxemu quote verify: check a DCAP quote and print what it says. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/hex.h"
#include "base/log.h"
#include "cli.h"
#include "sgxemu/sgxemu.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sgxemu quote verify QUOTE [--root CERT] [--mrenclave HEX] [--mrsigner HEX]\n"
		"                           [--no-debug] [--state-dir DIR]\n\n"
		"Verify a DCAP quote (version 3, ECDSA P-256, PCK certificate chain): the\n"
		"chain to the root CA, the PCK's signature over the QE's REPORT, that\n"
		"REPORT's binding of the attestation key, and the attestation key's\n"
		"signature over the quote; then print the verified report body.\n\n"
		"  --root CERT       the trusted root CA (PEM); default: this machine's,\n"
		"                    attestation-root.pem in the state directory\n"
		"  --mrenclave HEX   require this MRENCLAVE (64 hex digits)\n"
		"  --mrsigner HEX    require this MRSIGNER (64 hex digits)\n"
		"  --no-debug        refuse a debug enclave (ATTRIBUTES.DEBUG)\n"
		"  --state-dir DIR   this machine's state directory (default $SGXEMU_STATE_DIR)\n"
		"Exit status: 0 verified, 1 refused (one line names the check), 2 bad usage.\n");
}

static int parse_hash(const char *opt, const char *s, u8 out[32])
{
	if (strlen(s) != 64 || hex_decode(out, 32, s)) {
		log_err("%s '%s' is not 64 hex digits", opt, s);
		return -EINVAL;
	}
	return 0;
}

static void print_body(const char *indent, const struct sgxemu_report_body *b)
{
	char label[64];

	snprintf(label, sizeof(label), "%smrenclave:  ", indent);
	cli_print_hex(label, b->mrenclave, 32);
	snprintf(label, sizeof(label), "%smrsigner:   ", indent);
	cli_print_hex(label, b->mrsigner, 32);
	printf("%sisvprodid:  %u\n%sisvsvn:     %u\n", indent, b->isvprodid, indent, b->isvsvn);
	printf("%sattributes: %#llx%s, xfrm %#llx\n", indent, (unsigned long long)b->attributes,
	       (b->attributes & 2) ? " (DEBUG)" : "", (unsigned long long)b->xfrm);
	printf("%smiscselect: %#x\n", indent, b->miscselect);
	snprintf(label, sizeof(label), "%scpusvn:     ", indent);
	cli_print_hex(label, b->cpusvn, 16);
}

static void print_info(const struct sgxemu_quote_info *i)
{
	printf("quote: verified\n");
	printf("root:         %s\n", i->root);
	printf("enclave:\n");
	print_body("  ", &i->body);
	cli_print_hex("  reportdata: ", i->body.reportdata, 64);
	printf("quoting enclave: svn %u, pce svn %u\n", i->header.qe_svn, i->header.pce_svn);
	print_body("  ", &i->qe_report);
	cli_print_hex("  qe id:      ", i->header.user_data, 16);
	printf("pck certificate:\n");
	cli_print_hex("  ppid:       ", i->ppid, 16);
	cli_print_hex("  fmspc:      ", i->fmspc, 6);
	cli_print_hex("  pce id:     ", i->pceid, 2);
	cli_print_hex("  cpusvn:     ", i->cpusvn, 16);
	printf("  pcesvn:     %u\n  sgx type:   %d\n", i->pcesvn, i->sgx_type);
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "root", required_argument, NULL, 'r' },
		{ "mrenclave", required_argument, NULL, 'e' },
		{ "mrsigner", required_argument, NULL, 's' },
		{ "no-debug", no_argument, NULL, 'd' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ 0 },
	};
	struct sgxemu_quote_policy p = { 0 };
	struct sgxemu_quote_info info;
	u8 mrenclave[32], mrsigner[32];
	size_t len;
	u8 *quote;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'r':
			p.root = optarg;
			break;
		case 'e':
			if (parse_hash("--mrenclave", optarg, mrenclave))
				return EXIT_USAGE;
			p.mrenclave = mrenclave;
			break;
		case 's':
			if (parse_hash("--mrsigner", optarg, mrsigner))
				return EXIT_USAGE;
			p.mrsigner = mrsigner;
			break;
		case 'd':
			p.no_debug = 1;
			break;
		case 'S':
			p.state_dir = optarg;
			break;
		default:
			return cli_usage_error("quote verify", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("quote verify", "expected one quote file");
	err = file_read_all(argv[optind], 1 << 20, &quote, &len);
	if (err) {
		log_err("%s: %s", argv[optind], err == -EFBIG ? "larger than 1 MiB" : strerror(-err));
		return EXIT_USAGE;
	}
	err = sgxemu_quote_verify(quote, len, &p, &info);
	free(quote);
	if (err == -EBADMSG) {
		log_err("%s: %s", argv[optind], sgxemu_last_error());
		return EXIT_VERDICT;
	}
	if (err) {
		log_err("%s", sgxemu_last_error());
		return EXIT_USAGE;
	}
	print_info(&info);
	return EXIT_OK;
}

int cmd_quote(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "verify"))
		return cmd_verify(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return EXIT_OK;
	}
	return cli_usage_error("quote", "expected 'verify'");
}
