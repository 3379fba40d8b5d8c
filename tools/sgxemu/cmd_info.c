// SPDX-License-Identifier: MIT
/* sgxemu info: what the emulated platform reports. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch/x86.h"
#include "base/file.h"
#include "base/hex.h"
#include "base/log.h"
#include "base/parse.h"
#include "cli.h"
#include "drv/drv.h"
#include "cpu/cpu.h"
#include "cpu/crypto.h"
#include "dcap/dcap.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: sgxemu info [--epc SIZE] [--no-sgx2] [--no-aexnotify] [--state-dir DIR]\n"
		   "                   [--max-enclave-size SIZE]\n\n"
		   "Show what the emulated SGX platform reports: CPUID leaves 7 and 0x12,\n"
		   "the EPC, the launch-control MSRs of each logical processor, and where\n"
		   "its fused secrets live.  --epc, --no-sgx2, --no-aexnotify,\n"
		   "--max-enclave-size and --state-dir as for 'sgxemu run' (and\n"
		   "$SGXEMU_EPC_SIZE, $SGXEMU_NR_LPS, $SGXEMU_SGX2, $SGXEMU_AEXNOTIFY,\n"
		   "$SGXEMU_MAX_ENCLAVE_SIZE, $SGXEMU_STATE_DIR).\n");
}

static void print_cpuid(const struct platform *plat)
{
	u32 r[4], i;

	platform_cpuid(plat, 7, 0, r);
	printf("cpuid 7.0:    SGX %s, SGX_LC %s\n", (r[1] & X86_CPUID7_EBX_SGX) ? "yes" : "no",
	       (r[2] & X86_CPUID7_ECX_SGX_LC) ? "yes" : "no");
	for (i = 0; i < 4; i++) {
		platform_cpuid(plat, SGX_CPUID, i, r);
		printf("cpuid 12.%u:   eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x\n", i, r[0], r[1],
		       r[2], r[3]);
		if (i >= 2 && (r[0] & SGX_CPUID_EPC_MASK) != SGX_CPUID_EPC_SECTION)
			break;
	}
	platform_cpuid(plat, SGX_CPUID, 0, r);
	printf("leaves:       SGX1 %s, SGX2 %s, EDECCSSA %s, oversubscription (ENCLV, ERDINFO) %s\n",
	       (r[0] & SGX_CPUID_EAX_SGX1) ? "yes" : "no", (r[0] & SGX_CPUID_EAX_SGX2) ? "yes" : "no",
	       (r[0] & SGX_CPUID_EAX_EDECCSSA) ? "yes" : "no",
	       (r[0] & SGX_CPUID_EAX_ENCLV) && (r[0] & SGX_CPUID_EAX_OVERSUB) ? "yes" : "no");
	printf("miscselect:   %#x\n", r[1]);
	printf("max enclave:  2^%u bytes (64-bit)\n", (r[3] >> 8) & 0xFF);
	platform_cpuid(plat, SGX_CPUID, 1, r);
	printf("attributes:   %#llx, xfrm %#llx\n", (unsigned long long)r[1] << 32 | r[0],
	       (unsigned long long)r[3] << 32 | r[2]);
	printf("AEX-Notify:   %s\n", (r[0] & SGX_ATTR_AEXNOTIFY) ? "yes" : "no");
}

/* The attestation enclaves' identities and the machine's root CA. */
static void print_attestation(const char *state_dir)
{
	static const char *const names[] = { "quoting_enclave", "pce" };
	struct sgx_sigstruct sig;
	char dir[4096], path[4200], hex[65];
	unsigned int i;
	u8 mrsigner[32];
	size_t len;
	u8 *buf;

	if (dcap_default_enclaves((const void *)print_attestation, dir, sizeof(dir)))
		return;
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s.sig", dir, names[i]);
		if (file_read_all(path, 4096, &buf, &len)) {
			printf("%-13s not built (%s)\n", i ? "pce:" : "qe:", path);
			continue;
		}
		if (len != sizeof(sig)) {
			free(buf);
			continue;
		}
		memcpy(&sig, buf, sizeof(sig));
		free(buf);
		crypto_sha256(sig.modulus, sizeof(sig.modulus), mrsigner);
		hex_encode(hex, sig.enclavehash, 32);
		printf("%-13s mrenclave %s, isvprodid %u, isvsvn %u\n", i ? "pce:" : "qe:", hex,
		       sig.isvprodid, sig.isvsvn);
		hex_encode(hex, mrsigner, 32);
		printf("              mrsigner %s\n", hex);
	}
	snprintf(path, sizeof(path), "%s/attestation-root.pem", state_dir);
	printf("attest root:  %s%s\n", path,
	       access(path, R_OK) ? " (none yet: made with the first quote)" : "");
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "epc", required_argument, NULL, 'E' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "sgx2", no_argument, NULL, '2' },
		{ "no-sgx2", no_argument, NULL, '1' },
		{ "aexnotify", no_argument, NULL, 'A' },
		{ "no-aexnotify", no_argument, NULL, 'a' },
		{ "max-enclave-size", required_argument, NULL, 'M' },
		{ 0 },
	};
	struct platform_config cfg;
	struct platform *plat;
	char why[512], hex[65];
	u8 hash[32];
	u64 v, fc;
	unsigned int i, j;
	int opt;

	/* As the shim reads them; a bad value stops here with one line. */
	platform_config_default(&cfg);
	cfg.epc_size = parse_env_size("SGXEMU_EPC_SIZE", PLATFORM_MIN_EPC_SIZE,
				      PLATFORM_MAX_EPC_SIZE, SGX_PAGE_SIZE, cfg.epc_size);
	cfg.nr_lps = (unsigned int)parse_env_count("SGXEMU_NR_LPS", 1, PLATFORM_MAX_LPS,
						   cfg.nr_lps);
	cfg.sgx2 = parse_env_bool("SGXEMU_SGX2", cfg.sgx2);
	cfg.aexnotify = parse_env_bool("SGXEMU_AEXNOTIFY", cfg.aexnotify);
	cfg.max_enclave_size_log2 = parse_env_size_log2("SGXEMU_MAX_ENCLAVE_SIZE",
							PLATFORM_MIN_ENCLAVE_SIZE_LOG2,
							PLATFORM_MAX_ENCLAVE_SIZE_LOG2,
							cfg.max_enclave_size_log2);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'E':
			if (parse_size("--epc", optarg, PLATFORM_MIN_EPC_SIZE, PLATFORM_MAX_EPC_SIZE,
				       SGX_PAGE_SIZE, &cfg.epc_size, why, sizeof(why))) {
				log_err("%s", why);
				return EXIT_USAGE;
			}
			break;
		case 'S':
			cfg.state_dir = optarg;
			break;
		case '1':
		case '2':
			cfg.sgx2 = opt == '2';
			break;
		case 'A':
		case 'a':
			cfg.aexnotify = opt == 'A';
			break;
		case 'M':
			if (parse_size_log2("--max-enclave-size", optarg,
					    PLATFORM_MIN_ENCLAVE_SIZE_LOG2,
					    PLATFORM_MAX_ENCLAVE_SIZE_LOG2, &cfg.max_enclave_size_log2,
					    why, sizeof(why))) {
				log_err("%s", why);
				return EXIT_USAGE;
			}
			break;
		default:
			return cli_usage_error("info", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error("info", "unexpected argument '%s'", argv[optind]);
	if (platform_create(&cfg, &plat, why, sizeof(why))) {
		log_err("%s", why);
		return EXIT_USAGE;
	}
	printf("platform:     %u logical processors, EPC %llu KiB (%llu pages)\n", cfg.nr_lps,
	       (unsigned long long)(cfg.epc_size >> 10),
	       (unsigned long long)platform_epc_pages(plat));
	if (drv_paging_available(why, sizeof(why)))
		printf("paging:       on (pages move out of a full EPC and back on touch)\n");
	else
		printf("paging:       off, the EPC is a hard limit (%s)\n", why);
	printf("isolation:    system calls in enclaves -> #UD: %s\n",
	       syscall(SYS_prctl, 59 /* PR_SET_SYSCALL_USER_DISPATCH */, 0, 0, 0, 0) ?
		       "off (no Syscall User Dispatch in this kernel)" :
		       "on (Syscall User Dispatch)");
	printf("              CPUID in enclaves -> #UD: %s\n",
	       syscall(SYS_arch_prctl, 0x1012 /* ARCH_SET_CPUID */, 1) ?
		       "off (no CPUID faulting on this host)" :
		       "on (CPUID faulting)");
	cli_host_gaps(stdout, "gap:          ");
	printf("state dir:    %s\n", platform_state_dir(plat));
	hex_encode(hex, cfg.cpusvn, sizeof(cfg.cpusvn));
	printf("cpusvn:       %s\n", hex);
	print_cpuid(plat);
	for (i = 0; i < cfg.nr_lps; i++) {
		struct lp *lp = platform_lp(plat, i);

		if (lp_rdmsr(lp, MSR_IA32_FEATURE_CONTROL, &fc))
			continue;
		for (j = 0; j < 4; j++) {
			if (lp_rdmsr(lp, MSR_IA32_SGXLEPUBKEYHASH0 + j, &v))
				v = 0;
			memcpy(hash + 8 * j, &v, 8);
		}
		hex_encode(hex, hash, sizeof(hash));
		printf("lp %u:         feature_control %#llx (launch control %s), lepubkeyhash %s\n",
		       i, (unsigned long long)fc,
		       (fc & FEAT_CTL_SGX_LC_ENABLED) ? "writable" : "locked", hex);
	}
	print_attestation(platform_state_dir(plat));
	platform_destroy(plat);
	return EXIT_OK;
}
