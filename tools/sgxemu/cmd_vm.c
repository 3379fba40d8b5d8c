// SPDX-License-Identifier: MIT
/* sgxemu vm: run a program as the workload of a VM on the emulated host. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/sgx_arch.h"
#include "base/log.h"
#include "base/parse.h"
#include "cli.h"
#include "cpu/cpu.h"
#include "sgxemu/sgxemu.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sgxemu vm [--host-lc POLICY] [--host-epc SIZE] [--lc POLICY] [--no-sgx2]\n"
		"                 [--state-dir DIR] --sgx epc=SIZE[,lehash=HEX][,lewr]\n"
		"                 -- PROG [ARGS...]\n\n"
		"Run PROG inside a VM: a guest platform whose EPC is a virtual EPC of an\n"
		"emulated host's.  PROG sees the guest's devices (/dev/sgx_enclave, ...),\n"
		"driver and CPUID (leaf 0x12 shows the guest's EPC).  Guest ECREATE and\n"
		"EINIT exit to the host: ECREATE is checked against the guest's CPUID,\n"
		"EINIT runs with the guest's hash MSRs through the host's per-LP cache.\n"
		"The guest's EPC may be larger than the host's: the VMM then evicts guest\n"
		"pages to its own backing store and brings them back when the guest\n"
		"touches them (`sgxemu stat --vm` counts them).\n\n"
		"  --sgx CONFIG      the VM, as QEMU's proposal configured it:\n"
		"                    epc=SIZE   guest EPC size (K, M, G allowed)\n"
		"                    lehash=HEX the guest's IA32_SGXLEPUBKEYHASH (64 hex\n"
		"                               digits; default the host's hash if the\n"
		"                               host launches a single LE's signer\n"
		"                               (locked, or allow= with one hash), else\n"
		"                               Intel's launch key hash)\n"
		"                    lewr       the guest may write its hash MSRs\n"
		"  --host-lc POLICY  the host's launch policy: allow-all (the default),\n"
		"                    allow=HASH[,HASH...], or locked[=HASH]: the host's hash\n"
		"                    MSRs read-only, holding HASH (Intel's by default)\n"
		"  --host-epc SIZE   the host's EPC size (default 128M)\n"
		"  --lc POLICY       the guest kernel's own launch policy: allow-all (the\n"
		"                    default) or allow=HASH[,HASH...] (the guest's MSRs are\n"
		"                    locked at lehash unless lewr)\n"
		"  --no-sgx2         SGX1 only, in the guest\n"
		"  --state-dir DIR   where the host's fused secrets live\n\n"
		"A VM is never less restrictive than its host (the seed's rules): a host\n"
		"that allows every signer accepts any VM; a host with an allow list\n"
		"accepts only a listed lehash, without lewr; a host whose hash MSRs are\n"
		"locked, only its own hash.  A refused VM exits with status 1.\n");
}

int cmd_vm(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "sgx", required_argument, NULL, 'x' },
		{ "host-lc", required_argument, NULL, 'H' },
		{ "host-epc", required_argument, NULL, 'E' },
		{ "lc", required_argument, NULL, 'L' },
		{ "no-sgx2", no_argument, NULL, '1' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ 0 },
	};
	struct sgxemu_platform_options ho = { .vm_host = 1 }, go = { 0 };
	struct sgxemu_platform *host, *guest;
	const char *sgx = NULL, *owned = NULL;
	char num[32], why[512];
	int opt, err;
	u64 epc;

	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'x':
			sgx = optarg;
			break;
		case 'H':
		case 'L':
			if (sgxemu_launch_policy_check(optarg)) {
				log_err("--%s: %s", opt == 'H' ? "host-lc" : "lc", sgxemu_last_error());
				return EXIT_USAGE;
			}
			setenv(opt == 'H' ? "SGXEMU_HOST_LC" : "SGXEMU_LC", optarg, 1);
			if (opt == 'H') {
				ho.launch_policy = optarg;
				owned = owned ? owned : "--host-lc";
			} else {
				go.launch_policy = optarg;
			}
			break;
		case 'E':
			if (parse_size("--host-epc", optarg, PLATFORM_MIN_EPC_SIZE,
				       PLATFORM_MAX_EPC_SIZE, SGX_PAGE_SIZE, &epc, why, sizeof(why))) {
				log_err("%s", why);
				return EXIT_USAGE;
			}
			snprintf(num, sizeof(num), "%llu", (unsigned long long)epc);
			setenv("SGXEMU_EPC_SIZE", num, 1);
			ho.epc_size = epc;
			owned = owned ? owned : "--host-epc";
			break;
		case '1':
			setenv("SGXEMU_SGX2", "0", 1);
			break;
		case 'S':
			setenv("SGXEMU_STATE_DIR", optarg, 1);
			ho.state_dir = optarg;
			owned = owned ? owned : "--state-dir";
			break;
		default:
			return cli_usage_error("vm", "unknown option");
		}
	}
	if (!sgx)
		return cli_usage_error("vm", "expected --sgx epc=SIZE[,lehash=HEX][,lewr]");
	if (sgxemu_vm_config_check(sgx)) {
		log_err("%s", sgxemu_last_error());
		return EXIT_USAGE;
	}
	if (optind >= argc)
		return cli_usage_error("vm", "expected a program to run");
	if (cli_check_env() || cli_machine_check("vm", owned))
		return EXIT_USAGE;
	/* The rules, before PROG starts: the shim makes the same VM. */
	if (sgxemu_platform_create(&ho, &host)) {
		log_err("cannot create the host platform: %s", sgxemu_last_error());
		return EXIT_USAGE;
	}
	err = sgxemu_vm_create(host, sgx, &go, &guest);
	if (err) {
		log_err("%s", sgxemu_last_error());
		sgxemu_platform_destroy(host);
		return err == -EPERM ? EXIT_VERDICT : EXIT_USAGE;
	}
	sgxemu_platform_destroy(guest);
	sgxemu_platform_destroy(host);
	setenv("SGXEMU_VM", sgx, 1);
	return cli_exec_shim("vm", argv + optind);
}
