// SPDX-License-Identifier: MIT
/* sgxemu sigstruct: show a SIGSTRUCT and verify it as EINIT would. */
#include <getopt.h>
#include <stdio.h>

#include "arch/sgx_arch.h"
#include "base/log.h"
#include "cli.h"
#include "cpu/sigstruct.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: sgxemu sigstruct FILE.sig\n\n"
		   "Print the fields of a SIGSTRUCT and whether its header, RSA-3072\n"
		   "signature, Q1 and Q2 verify as EINIT checks them.  Exit status 0 only\n"
		   "when all of them do, 1 when one does not, 2 for unreadable input.\n");
}

/* DATE is BCD in hex, 0x20150616 for 2015-06-16. */
static void print_date(u32 d)
{
	printf("date:          %04x-%02x-%02x\n", d >> 16, (d >> 8) & 0xFF, d & 0xFF);
}

static const char *ok(bool v)
{
	return v ? "ok" : "FAILED";
}

int cmd_sigstruct(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	struct sigstruct_verdict v;
	struct sgx_sigstruct sig;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		return cli_usage_error("sigstruct", "unknown option");
	}
	if (argc - optind != 1)
		return cli_usage_error("sigstruct", "expected one FILE.sig");
	rc = cli_read_sigstruct(argv[optind], &sig);
	if (rc)
		return rc;
	if (sigstruct_verify(&sig, &v)) {
		log_err("out of memory");
		return EXIT_USAGE;
	}
	printf("vendor:        0x%08x (%s)\n", sig.vendor,
	       sig.vendor == SGX_SIGSTRUCT_VENDOR_INTEL ? "Intel" :
	       sig.vendor == SGX_SIGSTRUCT_VENDOR_ISV   ? "ISV" :
							  "invalid");
	print_date(sig.date);
	printf("isvprodid:     %u\n", sig.isvprodid);
	printf("isvsvn:        %u\n", sig.isvsvn);
	printf("attributes:    flags %#018llx xfrm %#018llx\n",
	       (unsigned long long)sig.attributes.flags, (unsigned long long)sig.attributes.xfrm);
	printf("attributemask: flags %#018llx xfrm %#018llx\n",
	       (unsigned long long)sig.attributemask.flags,
	       (unsigned long long)sig.attributemask.xfrm);
	printf("miscselect:    0x%08x\n", sig.miscselect);
	printf("miscmask:      0x%08x\n", sig.miscmask);
	cli_print_hex("enclavehash:   ", sig.enclavehash, sizeof(sig.enclavehash));
	cli_print_hex("mrsigner:      ", v.mrsigner, sizeof(v.mrsigner));
	printf("header:        %s\n", ok(v.header_ok));
	printf("signature:     %s\n", ok(v.signature_ok));
	printf("q1:            %s\n", ok(v.q1_ok));
	printf("q2:            %s\n", ok(v.q2_ok));
	return v.header_ok && v.signature_ok && v.q1_ok && v.q2_ok ? EXIT_OK : EXIT_VERDICT;
}
