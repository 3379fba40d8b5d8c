// SPDX-License-Identifier: MIT
/* sgxemu run: run an unmodified program against the emulated platform. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/build.h"
#include "arch/sgx_arch.h"
#include "base/log.h"
#include "base/parse.h"
#include "cli.h"
#include "cpu/cpu.h"
#include "drv/machine.h"
#include "sgxemu/sgxemu.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sgxemu run [--epc SIZE] [--no-sgx2] [--no-aexnotify] [--state-dir DIR]\n"
		"                  [--lc POLICY] [--max-enclave-size SIZE] -- PROG [ARGS...]\n\n"
		"Run PROG with the SGX device nodes (/dev/sgx_enclave, /dev/sgx_provision,\n"
		"/dev/sgx) and the vDSO's __vdso_sgx_enter_enclave answered by sgxemu.\n\n"
		"  --epc SIZE        EPC size, bytes or with K, M or G (default 128M)\n"
		"  --no-sgx2         SGX1 only, as hardware without SGX2 (EAUG, EACCEPT,\n"
		"                    EMODPR, ...): CPUID says so, the SGX2 ioctls fail\n"
		"                    with ENODEV (--sgx2, the default, enables them)\n"
		"  --no-aexnotify    a processor without AEX-Notify: ECREATE refuses\n"
		"                    ATTRIBUTES.AEXNOTIFY, EDECCSSA is #GP (--aexnotify,\n"
		"                    the default, enables them)\n"
		"  --lc POLICY       host launch policy: allow-all (the default) or\n"
		"                    allow=HASH[,HASH...], the MRSIGNERs that may launch\n"
		"  --max-enclave-size SIZE\n"
		"                    the largest ELRANGE, a power of two up to 128T (default\n"
		"                    128T, as current server CPUs report in CPUID.(12H,0))\n"
		"  --state-dir DIR   where the platform's fused secrets live\n"
		"                    (default $SGXEMU_STATE_DIR, then ~/.local/state/sgxemu)\n"
		"The program may reach the devices through the C library or with raw\n"
		"system calls (a seccomp filter sees those); programs it executes are run\n"
		"the same way.  CPUID in PROG reports the emulated platform (SGX, SGX_LC,\n"
		"leaf 0x12): everywhere where the host offers CPUID faulting, otherwise in\n"
		"PROG and the libraries it loads, at start or with dlopen (their CPUID\n"
		"instructions are patched; the dynamic loader, the C library and libcrypto\n"
		"keep the real CPU's).\n\n"
		"Environment: SGXEMU_SECCOMP=off sees C library calls only;\n"
		"SGXEMU_CPUID=off leaves CPUID alone; SGXEMU_NOTES=off keeps the notes on\n"
		"what this host cannot give enclave code to 'sgxemu info'.\n");
}

/*
 * The shim, found from where this program is: BIN/../lib/sgxemu/ where
 * `make install` puts it (with its exec helper), else BIN/../lib/ in a
 * build tree.  @path gets the last place tried.
 */
static int find_shim(char *path, size_t len)
{
	static const char *const where[] = { "../lib/sgxemu", "../lib" };
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;
	size_t i;

	if (n < 0)
		return -errno;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		char real[PATH_MAX];

		snprintf(path, len, "%s/%s/libsgxemu-preload.so", self, where[i]);
		if (!access(path, R_OK)) {
			/* A plain path in LD_PRELOAD, for whoever reads it. */
			if (realpath(path, real))
				snprintf(path, len, "%s", real);
			return 0;
		}
	}
	return -ENOENT;
}

/* Say once how the program's CPUID will report the platform; without
 * CPUID faulting the shim then lists what it patched (SGXEMU_CPUID_NOTE
 * names the process that says it: this one, after the exec). */
static void cpuid_note(const char *cmd, const char *prog)
{
	char pid[32];

	if (!parse_env_bool("SGXEMU_CPUID", true))
		return;
	if (syscall(SYS_arch_prctl, 0x1012 /* ARCH_SET_CPUID */, 1) && errno == ENODEV) {
		fprintf(stderr,
			"sgxemu %s: note: no CPUID faulting on this host (cpuid_fault): the CPUIDs "
			"in %s and the libraries it loads are patched to report the emulated "
			"platform, except in the dynamic loader, the C library and libcrypto; "
			"CPUID in enclave code answers as the host's instead of raising #UD "
			"(SGXEMU_CPUID=off silences this)\n",
			cmd, prog);
		snprintf(pid, sizeof(pid), "%ld", (long)getpid());
		setenv("SGXEMU_CPUID_NOTE", pid, 1);
	}
}

void cli_host_gaps(FILE *f, const char *prefix)
{
	/* HWCAP2_FSGSBASE: the kernel lets programs use the instructions. */
	if (!(getauxval(AT_HWCAP2) & 2))
		fprintf(f,
			"%sthis kernel does not enable FSGSBASE: RDFSBASE, WRFSBASE, RDGSBASE and "
			"WRGSBASE in enclave code are #UD, as on SGX hardware under this kernel "
			"(runtimes that check AT_HWCAP2 do without them; enclaves that use them "
			"anyway fault)\n",
			prefix);
	if (syscall(SYS_prctl, 59 /* PR_SET_SYSCALL_USER_DISPATCH */, 0, 0, 0, 0))
		fprintf(f,
			"%sno Syscall User Dispatch (Linux 5.11+): a system call in enclave code "
			"runs on the host instead of raising #UD\n",
			prefix);
}

int cli_machine_check(const char *cmd, const char *owned)
{
	const char *named = getenv("SGXEMU_MACHINE");
	char sock[4096];

	machine_socket_path(NULL, sock, sizeof(sock));
	if (!*sock) {
		if (parse_env_bool("SGXEMU_NOTES", true))
			fprintf(stderr, "sgxemu %s: note: a private machine (SGXEMU_MACHINE=none)\n",
				cmd);
		return EXIT_OK;
	}
	if (!machine_running(sock)) {
		if (named && *named) {
			log_err("no machine runs at %s (SGXEMU_MACHINE): start one with `sgxemu "
				"machine start`, or set SGXEMU_MACHINE=none",
				sock);
			return EXIT_USAGE;
		}
		if (parse_env_bool("SGXEMU_NOTES", true))
			fprintf(stderr, "sgxemu %s: note: a private machine (none runs at %s)\n", cmd,
				sock);
		return EXIT_OK;
	}
	if (!owned && getenv("SGXEMU_LC") && *getenv("SGXEMU_LC") && strcmp(cmd, "vm"))
		owned = "SGXEMU_LC";
	if (owned) {
		log_err("%s: the machine at %s owns this (see `sgxemu machine status`): leave it "
			"out, or use a private machine with SGXEMU_MACHINE=none",
			owned, sock);
		return EXIT_USAGE;
	}
	if (parse_env_bool("SGXEMU_NOTES", true))
		fprintf(stderr, "sgxemu %s: note: on the machine at %s\n", cmd, sock);
	return EXIT_OK;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "epc", required_argument, NULL, 'E' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "sgx2", no_argument, NULL, '2' },
		{ "no-sgx2", no_argument, NULL, '1' },
		{ "aexnotify", no_argument, NULL, 'A' },
		{ "no-aexnotify", no_argument, NULL, 'a' },
		{ "lc", required_argument, NULL, 'L' },
		{ "max-enclave-size", required_argument, NULL, 'M' },
		{ 0 },
	};
	char num[32], why[512];
	char owned[32] = "";
	unsigned int log2;
	u64 epc;
	int opt, i;

	/* Stop at the first non-option: the rest is the program's. */
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		/* The machine's to choose, if one runs. */
		for (i = 0; opts[i].name && !*owned; i++)
			if (opts[i].val == opt && strchr("ES21AaLM", opt))
				snprintf(owned, sizeof(owned), "--%s", opts[i].name);
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'E':
			if (parse_size("--epc", optarg, PLATFORM_MIN_EPC_SIZE, PLATFORM_MAX_EPC_SIZE,
				       SGX_PAGE_SIZE, &epc, why, sizeof(why))) {
				log_err("%s", why);
				return EXIT_USAGE;
			}
			snprintf(num, sizeof(num), "%llu", (unsigned long long)epc);
			setenv("SGXEMU_EPC_SIZE", num, 1);
			break;
		case 'S':
			setenv("SGXEMU_STATE_DIR", optarg, 1);
			break;
		case '1':
			setenv("SGXEMU_SGX2", "0", 1);
			break;
		case 'L':
			if (sgxemu_launch_policy_check(optarg)) {
				log_err("--lc: %s", sgxemu_last_error());
				return EXIT_USAGE;
			}
			setenv("SGXEMU_LC", optarg, 1);
			break;
		case '2':
			setenv("SGXEMU_SGX2", "1", 1);
			break;
		case 'A':
		case 'a':
			setenv("SGXEMU_AEXNOTIFY", opt == 'A' ? "1" : "0", 1);
			break;
		case 'M':
			if (parse_size_log2("--max-enclave-size", optarg, PLATFORM_MIN_ENCLAVE_SIZE_LOG2,
					    PLATFORM_MAX_ENCLAVE_SIZE_LOG2, &log2, why, sizeof(why))) {
				log_err("%s", why);
				return EXIT_USAGE;
			}
			snprintf(num, sizeof(num), "%llu", 1ULL << log2);
			setenv("SGXEMU_MAX_ENCLAVE_SIZE", num, 1);
			break;
		default:
			return cli_usage_error("run", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("run", "expected a program to run");
	if (cli_check_env() || cli_machine_check("run", *owned ? owned : NULL))
		return EXIT_USAGE;
	if (parse_env_bool("SGXEMU_NOTES", true))
		cli_host_gaps(stderr, "sgxemu run: note: ");
	return cli_exec_shim("run", argv + optind);
}

/* A launch policy or VM configuration in the environment, as the library
 * checks it. */
static int check_env_string(const char *name, int (*check)(const char *))
{
	const char *v = getenv(name);
	char q[160];

	if (!v || !*v || !check(v))
		return 0;
	parse_quote(q, sizeof(q), name, v);
	log_err("%s: %s", q, sgxemu_last_error());
	return -EINVAL;
}

int cli_check_env(void)
{
	static const char *const bools[] = { "SGXEMU_SGX2",    "SGXEMU_AEXNOTIFY", "SGXEMU_CPUID",
					     "SGXEMU_SECCOMP", "SGXEMU_SUD",	   "SGXEMU_NO_FSGSBASE",
					     "SGXEMU_NOTES",   "SGXEMU_FORK_SHARE" };
	size_t i;

	/* These stop the program on a bad value, with the line. */
	parse_env_size("SGXEMU_EPC_SIZE", PLATFORM_MIN_EPC_SIZE, PLATFORM_MAX_EPC_SIZE,
		       SGX_PAGE_SIZE, 0);
	parse_env_count("SGXEMU_NR_LPS", 1, PLATFORM_MAX_LPS, 0);
	parse_env_size_log2("SGXEMU_MAX_ENCLAVE_SIZE", PLATFORM_MIN_ENCLAVE_SIZE_LOG2,
			    PLATFORM_MAX_ENCLAVE_SIZE_LOG2, 0);
	parse_env_count("SGXEMU_TICK_HZ", 0, EXEC_MAX_TICK_HZ, 0);
	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
		parse_env_bool(bools[i], false);
	if (check_env_string("SGXEMU_LC", sgxemu_launch_policy_check) ||
	    check_env_string("SGXEMU_HOST_LC", sgxemu_launch_policy_check) ||
	    check_env_string("SGXEMU_VM", sgxemu_vm_config_check))
		return EXIT_USAGE;
	return EXIT_OK;
}

/*
 * A program that asks for DCAP quotes links Intel's libsgx_dcap_ql.so.1,
 * whose quoting enclave needs Intel's provisioning services.  sgxemu's
 * (src/dcap/ql.c), installed beside the shim, runs the machine's own PCE
 * and QE: under `sgxemu run` the loader finds it first.
 */
static void use_quote_library(const char *shim)
{
	char dir[PATH_MAX + 64], probe[PATH_MAX + 96], path[3 * PATH_MAX];
	const char *old = getenv("LD_LIBRARY_PATH");
	char *slash;

	snprintf(dir, sizeof(dir), "%s", shim);
	slash = strrchr(dir, '/');
	if (!slash)
		return;
	*slash = '\0';
	snprintf(probe, sizeof(probe), "%s/libsgx_dcap_ql.so.1", dir);
	if (access(probe, R_OK))
		return;
	snprintf(path, sizeof(path), "%s%s%s", dir, old && *old ? ":" : "", old ? old : "");
	setenv("LD_LIBRARY_PATH", path, 1);
}

int cli_exec_shim(const char *cmd, char **argv)
{
	char shim[PATH_MAX + 64], preload[3 * PATH_MAX];
	const char *old;

	if (find_shim(shim, sizeof(shim))) {
		log_err("cannot find %s (nor the same in ../lib/sgxemu); build it with 'make' "
			"or reinstall sgxemu", shim);
		return EXIT_USAGE;
	}
	cpuid_note(cmd, argv[0]);
	if (*SGXEMU_SANITIZER_RUNTIME) {
		/* A sanitizer build (the tests'): the runtime also reports the
		 * leaks of programs that are not ours (a shell), unless the
		 * caller asks for that. */
		const char *o = getenv("ASAN_OPTIONS");
		char opts[1024];

		if (!o || !strstr(o, "detect_leaks")) {
			snprintf(opts, sizeof(opts), "%s%sdetect_leaks=0", o ? o : "",
				 o && *o ? ":" : "");
			setenv("ASAN_OPTIONS", opts, 1);
		}
	}
	old = getenv("LD_PRELOAD");
	snprintf(preload, sizeof(preload), "%s%s%s%s%s", SGXEMU_SANITIZER_RUNTIME,
		 *SGXEMU_SANITIZER_RUNTIME ? ":" : "", shim, old && *old ? ":" : "", old ? old : "");
	setenv("LD_PRELOAD", preload, 1);
	use_quote_library(shim);
	execvp(argv[0], argv);
	log_err("cannot run %s: %s", argv[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
