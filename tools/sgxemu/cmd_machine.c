// SPDX-License-Identifier: MIT
/*
 * sgxemu machine: the host's one emulated SGX machine, which every program
 * under `sgxemu run`, `sgxemu stat` and `sgxemu vm` then shares (EPC, LPs
 * and their launch-control caches, launch policy).  See
 * doc/architecture.md, "One machine per host".
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "base/hex.h"
#include "base/log.h"
#include "base/parse.h"
#include "cli.h"
#include "cpu/cpu.h"
#include "drv/machine.h"
#include "drv/machine_proto.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sgxemu machine start [OPTIONS]\n"
		"       sgxemu machine status [--machine PATH]\n"
		"       sgxemu machine stop [--force] [--machine PATH]\n\n"
		"One emulated SGX machine for the host (or for the user): every program under\n"
		"`sgxemu run`, `sgxemu stat` and `sgxemu vm` uses it while it runs, sharing\n"
		"its EPC (an allocation in one program can evict another's pages), its logical\n"
		"processors with their IA32_SGXLEPUBKEYHASH caches, and its launch policy,\n"
		"which no client can change.  Without a running machine each program gets a\n"
		"private one.\n\n"
		"start options:\n"
		"  --epc SIZE            EPC size (default 128M)\n"
		"  --lps N               logical processors (default 2)\n"
		"  --lc POLICY           launch policy: allow-all (default) or allow=HASH[,HASH...]\n"
		"  --lc-locked           the hash MSRs are read-only (FEATURE_CONTROL.SGX_LC clear)\n"
		"  --no-sgx2             an SGX1 processor\n"
		"  --no-aexnotify        a processor without AEX-Notify\n"
		"  --max-enclave-size SIZE  the largest ELRANGE (a power of two; default 2^47)\n"
		"  --state-dir DIR       the fused secrets (default as `sgxemu run`)\n"
		"  --group NAME          members of NAME may use the machine (default: its user)\n"
		"  --provision-group NAME  only root and NAME's members may open\n"
		"                        /dev/sgx_provision (default: every client)\n"
		"  --foreground          stay in the foreground (for a service manager)\n\n"
		"  --machine PATH        the machine's socket (default $SGXEMU_MACHINE, then\n"
		"                        " MACHINE_SYSTEM_SOCKET " if a machine listens there,\n"
		"                        then $XDG_RUNTIME_DIR/sgxemu/machine.sock)\n\n"
		"stop ends the machine once no program holds EPC pages; --force ends those\n"
		"programs first (SIGKILL).  Exit status: 0, 1 (no machine, or it is busy), 2\n"
		"(bad usage).\n");
}

static volatile int stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Where a machine is started: --machine, $SGXEMU_MACHINE, the user's. */
static void start_path(const char *opt, char *out, size_t len)
{
	const char *env = getenv("SGXEMU_MACHINE");

	if (opt)
		snprintf(out, len, "%s", opt);
	else if (env && *env && strcmp(env, "none"))
		snprintf(out, len, "%s", env);
	else if (geteuid() == 0 && getenv("INVOCATION_ID"))
		/* Under systemd as root: the system's machine. */
		snprintf(out, len, "%s", MACHINE_SYSTEM_SOCKET);
	else
		machine_user_socket(out, len);
}

static int group_id(const char *opt, const char *name, gid_t *out)
{
	struct group *g = getgrnam(name);

	if (!g) {
		log_err("%s: no group named '%s'", opt, name);
		return EXIT_USAGE;
	}
	*out = g->gr_gid;
	return 0;
}

/* The machine's configuration from the options, checked by bringing up a
 * platform with it (which also makes the fused secrets, once). */
static int configure(struct machine_config *mc, const struct platform_config *cfg,
		     const char *policy)
{
	u8 (*hashes)[SGX_HASH_SIZE] = NULL;
	struct platform *plat;
	char why[512];
	bool all, locked;
	unsigned int n;
	int err;

	err = api_parse_policy(policy, &all, &locked, &hashes, &n, why, sizeof(why));
	if (err) {
		log_err("--lc: %s", err == -EINVAL ? why : strerror(-err));
		return EXIT_USAGE;
	}
	if (locked) {
		/* The machine's clients share one configuration, which
		 * keeps the lock apart from the policy. */
		free(hashes);
		log_err("--lc locked: a machine's hash MSRs are locked with --lc-locked, and its "
			"policy is --lc allow-all or allow=HASH[,HASH...]");
		return EXIT_USAGE;
	}
	if (n > MACHINE_MAX_SIGNERS) {
		free(hashes);
		log_err("--lc: %u signers; a machine's policy lists at most %d", n,
			MACHINE_MAX_SIGNERS);
		return EXIT_USAGE;
	}
	mc->allow_all = all;
	mc->nr_signers = n;
	if (n)
		memcpy(mc->signers, hashes, n * sizeof(*hashes));
	free(hashes);
	err = platform_create(cfg, &plat, why, sizeof(why));
	if (err) {
		log_err("%s", why);
		return EXIT_USAGE;
	}
	mc->epc_size = cfg->epc_size;
	mc->nr_lps = cfg->nr_lps;
	mc->sgx2 = cfg->sgx2;
	mc->aexnotify = cfg->aexnotify;
	mc->lc_locked = cfg->lc_locked;
	mc->max_enclave_size_log2 = cfg->max_enclave_size_log2;
	snprintf(mc->state_dir, sizeof(mc->state_dir), "%s", platform_state_dir(plat));
	platform_destroy(plat);
	return 0;
}

static void describe(const struct machine_config *c, FILE *f)
{
	unsigned int i;

	fprintf(f, "EPC %llu KiB (%llu pages), %u LP%s, SGX%s%s, max enclave 2^%u, ",
		(unsigned long long)(c->epc_size >> 10), (unsigned long long)(c->epc_size / 4096),
		c->nr_lps, c->nr_lps == 1 ? "" : "s", c->sgx2 ? "2" : "1",
		c->aexnotify ? " with AEX-Notify" : "", c->max_enclave_size_log2);
	if (c->allow_all) {
		fprintf(f, "launch policy allow-all");
	} else {
		fprintf(f, "launch policy allow=");
		for (i = 0; i < c->nr_signers; i++) {
			char hex[2 * SGX_HASH_SIZE + 1];

			hex_encode(hex, c->signers[i], SGX_HASH_SIZE);
			fprintf(f, "%s%s", i ? "," : "", hex);
		}
	}
	fprintf(f, "%s\n", c->lc_locked ? " (hash MSRs locked)" : "");
}

/* The child that becomes the daemon tells its parent over @ready. */
static int serve(struct machine_config *mc, gid_t group, int ready)
{
	struct machine_host *h;
	struct sigaction sa;
	char why[512];
	int err;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	err = machine_host_create(mc, group, &h, why, sizeof(why));
	if (err) {
		log_err("%s", why);
		if (ready >= 0 && write(ready, "E", 1) < 0)
			(void)0;
		return EXIT_VERDICT;
	}
	printf("sgxemu machine: started at %s (pid %d): ", mc->socket, (int)getpid());
	describe(machine_host_config(h), stdout);
	fflush(stdout);
	if (ready >= 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (write(ready, "K", 1) < 0)
			(void)0;
		close(ready);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			close(null);
		}
	}
	err = machine_host_serve(h, &stopping);
	machine_host_destroy(h);
	if (err)
		log_err("the machine stopped: %s", strerror(-err));
	return err ? EXIT_VERDICT : EXIT_OK;
}

static int start(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "epc", required_argument, NULL, 'E' },
		{ "lps", required_argument, NULL, 'P' },
		{ "lc", required_argument, NULL, 'L' },
		{ "lc-locked", no_argument, NULL, 'K' },
		{ "no-sgx2", no_argument, NULL, '1' },
		{ "no-aexnotify", no_argument, NULL, 'a' },
		{ "max-enclave-size", required_argument, NULL, 'M' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "group", required_argument, NULL, 'G' },
		{ "provision-group", required_argument, NULL, 'V' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "machine", required_argument, NULL, 'm' },
		{ 0 },
	};
	static struct machine_config mc;
	struct platform_config cfg;
	const char *policy = NULL, *sock = NULL;
	gid_t group = (gid_t)-1, prov;
	bool fg = false;
	char why[512], buf;
	int opt, pipefd[2];
	u64 v;
	pid_t pid;

	platform_config_default(&cfg);
	mc.provision_gid = -1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'E':
			if (parse_size("--epc", optarg, PLATFORM_MIN_EPC_SIZE, PLATFORM_MAX_EPC_SIZE,
				       SGX_PAGE_SIZE, &cfg.epc_size, why, sizeof(why)))
				goto bad;
			break;
		case 'P':
			if (parse_count("--lps", optarg, 1, PLATFORM_MAX_LPS, &v, why, sizeof(why)))
				goto bad;
			cfg.nr_lps = (unsigned int)v;
			break;
		case 'L':
			policy = optarg;
			break;
		case 'K':
			cfg.lc_locked = true;
			break;
		case '1':
			cfg.sgx2 = false;
			break;
		case 'a':
			cfg.aexnotify = false;
			break;
		case 'M':
			if (parse_size_log2("--max-enclave-size", optarg,
					    PLATFORM_MIN_ENCLAVE_SIZE_LOG2,
					    PLATFORM_MAX_ENCLAVE_SIZE_LOG2, &cfg.max_enclave_size_log2,
					    why, sizeof(why)))
				goto bad;
			break;
		case 'S':
			cfg.state_dir = optarg;
			break;
		case 'G':
			if (group_id("--group", optarg, &group))
				return EXIT_USAGE;
			break;
		case 'V':
			if (group_id("--provision-group", optarg, &prov))
				return EXIT_USAGE;
			mc.provision_gid = (s32)prov;
			break;
		case 'F':
			fg = true;
			break;
		case 'm':
			sock = optarg;
			break;
		default:
			return cli_usage_error("machine", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error("machine", "unexpected argument '%s'", argv[optind]);
	start_path(sock, mc.socket, sizeof(mc.socket));
	if (configure(&mc, &cfg, policy))
		return EXIT_USAGE;
	if (fg)
		return serve(&mc, group, -1);
	/* In the background: return once it listens, with its first words. */
	if (pipe2(pipefd, O_CLOEXEC))
		return EXIT_VERDICT;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_err("fork: %s", strerror(errno));
		return EXIT_VERDICT;
	}
	if (!pid) {
		close(pipefd[0]);
		setsid();
		_exit(serve(&mc, group, pipefd[1]));
	}
	close(pipefd[1]);
	if (read(pipefd[0], &buf, 1) != 1 || buf != 'K') {
		waitpid(pid, NULL, 0);
		return EXIT_VERDICT;
	}
	return EXIT_OK;
bad:
	log_err("%s", why);
	return EXIT_USAGE;
}

static int status(const char *sock)
{
	const struct machine_config *c;
	const struct machine_state *st;
	const struct launch_lp *lps;
	char why[512];
	int err, s;
	unsigned int i;

	err = machine_observe(sock, &c, &st, why, sizeof(why));
	if (err == -ENOENT) {
		log_err("no machine runs at %s (start one with `sgxemu machine start`)", sock);
		return EXIT_VERDICT;
	}
	if (err) {
		log_err("%s: %s", sock, *why ? why : strerror(-err));
		return EXIT_VERDICT;
	}
	printf("machine %s (pid %d)\n  ", c->socket, (int)c->daemon_pid);
	describe(c, stdout);
	printf("  state directory %s\n", c->state_dir);
	printf("  EPC pages in use %llu of %llu (peak %llu)\n",
	       (unsigned long long)atomic_load(&st->used), (unsigned long long)(c->epc_size / 4096),
	       (unsigned long long)atomic_load(&st->peak));
	printf("clients:\n  %-8s %-8s %8s %9s %9s %5s  %s\n", "PID", "KIND", "PAGES", "EVICTED",
	       "RELOADED", "PROCS", "NAME");
	for (s = 0; s < MACHINE_MAX_CLIENTS; s++) {
		const struct machine_client *k = &st->clients[s];
		int pid = atomic_load(&k->pid);

		if (!pid)
			continue;
		printf("  %-8d %-8s %8llu %9llu %9llu %5u  %s\n", pid,
		       k->kind == MACHINE_VM ? "vm" : "process",
		       (unsigned long long)atomic_load(&k->pages),
		       (unsigned long long)atomic_load(&k->evicted),
		       (unsigned long long)atomic_load(&k->reloaded), atomic_load(&k->procs),
		       k->name);
	}
	/* Counters are read without the LP's lock: a report, not a decision. */
	lps = machine_state_lps((struct machine_state *)st);
	printf("logical processors:\n  %-4s %8s %11s %11s %8s\n", "LP", "EINITS", "MSR_WRITES",
	       "CACHE_HITS", "REFUSED");
	for (i = 0; i < c->nr_lps; i++)
		printf("  %-4u %8llu %11llu %11llu %8llu\n", i,
		       (unsigned long long)lps[i].stats.einits,
		       (unsigned long long)lps[i].stats.msr_writes,
		       (unsigned long long)lps[i].stats.cache_hits,
		       (unsigned long long)lps[i].stats.refused);
	return EXIT_OK;
}

static int stop(const char *sock, bool force)
{
	char reply[512];
	int err = machine_request_stop(sock, force, reply, sizeof(reply));

	if (err == -ENOENT) {
		log_err("no machine runs at %s", sock);
		return EXIT_VERDICT;
	}
	if (err) {
		log_err("%s", *reply ? reply : strerror(-err));
		return EXIT_VERDICT;
	}
	printf("sgxemu machine: %s %s\n", sock, reply);
	return EXIT_OK;
}

int cmd_machine(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "force", no_argument, NULL, 'f' },
		{ "machine", required_argument, NULL, 'm' },
		{ 0 },
	};
	const char *what, *opt_sock = NULL;
	char sock[4096];
	bool force = false;
	int opt;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	what = argv[1];
	if (!strcmp(what, "start"))
		return start(argc - 1, argv + 1);
	if (strcmp(what, "status") && strcmp(what, "stop"))
		return cli_usage_error("machine", "unknown subcommand '%s'", what);
	optind = 2;
	while ((opt = getopt_long(argc, argv, "hf", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'f':
			if (strcmp(what, "stop"))
				return cli_usage_error("machine", "--force is for stop");
			force = true;
			break;
		case 'm':
			opt_sock = optarg;
			break;
		default:
			return cli_usage_error("machine", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error("machine", "unexpected argument '%s'", argv[optind]);
	machine_socket_path(opt_sock, sock, sizeof(sock));
	if (!*sock)
		return cli_usage_error("machine", "SGXEMU_MACHINE=none names no machine");
	return !strcmp(what, "status") ? status(sock) : stop(sock, force);
}
