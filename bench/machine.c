// SPDX-License-Identifier: MIT
/*
 * The host machine (`sgxemu machine`) against a private one, each figure
 * beside its baseline from the same run, measured in alternating rounds
 * (medians) so that other users' load weighs on both alike:
 *  - machine_ecall_ns beside private_ecall_ns: an empty ECALL through the
 *    vDSO ABI; target machine_over_private_ecall_ratio <= 1.05;
 *  - machine_eadd_pages_per_s beside private_eadd_pages_per_s: test
 *    enclave C loaded again and again (ECREATE, EADD and EEXTEND of every
 *    page, EINIT), pages in the EPC per second; target
 *    machine_over_private_eadd_ratio >= 0.9;
 *  - cross_process_reload_ns beside in_process_reload_ns: the time per
 *    page reloaded (its eviction included) of a sweep of test enclave C's
 *    buffer by each of two processes at once, both on one 1 MiB machine
 *    (pages move between the two processes), and each on a private EPC
 *    of half that (pages come from its own evictions); target
 *    cross_over_in_process_reload_ratio <= 2.  Two processes, not one
 *    alone, is the baseline because two that page at once slow each other
 *    down with no machine at all, in the kernel (TLB flushes across CPUs
 *    for the backing store's hole punches among it): alone_reload_ns, one
 *    sweep on a private 1 MiB EPC, says by how much
 *    (in_process_over_alone_reload_ratio);
 *  - machine_fork_ns beside private_fork_ns: fork() and waitpid() of a
 *    child that exits, in a process with an enclave it shares with the
 *    child; on the machine the child also joins its parent's slot (one
 *    request to the daemon) and its exit ends that connection.
 */
#include <asm/sgx.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "cpu/cpu.h"
#include "drv/machine.h"
#include "ecall.h"
#include "enclave.h"
#include "sgxemu/sgxemu.h"

#define ROUNDS 7
#define PAIR_ROUNDS 3
#define N_CALLS 20000
#define N_FORKS 50
#define SGXS TEST_ENCLAVES "/test_enclave_c.sgxs"
#define SIG TEST_ENCLAVES "/test_enclave_c.sig"

static char dir[] = "/tmp/sgxemu-bench-machine.XXXXXX";

static volatile int stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* A machine daemon in a child, listening at @sock; its pid. */
static pid_t machine_start(const char *sock, u64 epc)
{
	struct machine_config cfg;
	struct platform_config pc;
	pid_t pid;
	int i;

	platform_config_default(&pc);
	memset(&cfg, 0, sizeof(cfg));
	cfg.epc_size = epc;
	cfg.nr_lps = pc.nr_lps;
	cfg.sgx2 = pc.sgx2;
	cfg.aexnotify = pc.aexnotify;
	cfg.max_enclave_size_log2 = pc.max_enclave_size_log2;
	cfg.allow_all = 1;
	cfg.provision_gid = -1;
	snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s", dir);
	snprintf(cfg.socket, sizeof(cfg.socket), "%s", sock);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct machine_host *h;
		char why[256];

		/* A benchmark that fails exits: its machine goes with it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		signal(SIGTERM, on_term);
		if (machine_host_create(&cfg, (gid_t)-1, &h, why, sizeof(why))) {
			fprintf(stderr, "machine: %s\n", why);
			_exit(1);
		}
		machine_host_serve(h, &stop);
		machine_host_destroy(h);
		_exit(0);
	}
	for (i = 0; i < 500 && access(sock, F_OK); i++)
		usleep(10000);
	return pid;
}

static void machine_end(pid_t pid)
{
	int st;

	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
}

static struct sgxemu_platform *platform(const char *machine, u64 epc)
{
	struct sgxemu_platform_options o = { .machine = machine, .epc_size = epc };
	struct sgxemu_platform *p;

	/* The state directory and EPC are the machine's on one. */
	if (!strcmp(machine, "none"))
		o.state_dir = dir;
	if (sgxemu_platform_create(&o, &p)) {
		fprintf(stderr, "machine: %s\n", sgxemu_last_error());
		exit(1);
	}
	return p;
}

static struct sgxemu_enclave *load(struct sgxemu_platform *p)
{
	struct sgxemu_enclave *e;

	if (sgxemu_enclave_load(p, SGXS, SIG, &e)) {
		fprintf(stderr, "machine: %s\n", sgxemu_last_error());
		exit(1);
	}
	return e;
}

static int cmp(const void *a, const void *b)
{
	return bench_cmp_double(a, b);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

/* Pages the enclave takes in the EPC (SECS and VA pages included). */
static u64 pages_of_a_load(struct sgxemu_platform *p)
{
	u64 total, before, after;
	struct sgxemu_enclave *e;

	sgxemu_epc_stats(p, &total, &before);
	e = load(p);
	sgxemu_epc_stats(p, &total, &after);
	sgxemu_enclave_destroy(e);
	return before - after;
}

/* Seconds per load and teardown of the enclave on @p, over about 0.2 s. */
static double load_s(struct sgxemu_platform *p)
{
	double t0 = bench_now(), t;
	int n = 0;

	do {
		sgxemu_enclave_destroy(load(p));
		n++;
		t = bench_now() - t0;
	} while (t < 0.2);
	return t / n;
}

/* ns per fork() with an enclave loaded on a platform of @machine's. */
static double fork_ns(const char *machine)
{
	struct sgxemu_platform *p = platform(machine, strcmp(machine, "none") ? 0 : 128ULL << 20);
	struct sgxemu_enclave *e = load(p);
	double ns = bench_fork_ns(0, N_FORKS);

	sgxemu_enclave_destroy(e);
	sgxemu_platform_destroy(p);
	return ns;
}

/*
 * The sweep of bench/paging over the big buffer of enclave C on @p for
 * @seconds: ns per page reloaded.
 */
static double sweep_reload_ns(struct sgxemu_platform *p, double seconds)
{
	struct sgxemu_enclave *e = load(p);
	u64 passes, pages, ev0, rl0, ev, rl;
	double t;

	sgxemu_paging_stats(p, &ev0, &rl0);
	t = bench_sweeps(e, "machine", seconds, &passes, &pages);
	sgxemu_paging_stats(p, &ev, &rl);
	sgxemu_enclave_destroy(e);
	return rl > rl0 ? t * 1e9 / (double)(rl - rl0) : -1;
}

/*
 * Two processes sweep at once, each on a platform of its own (@sock
 * "none", @epc bytes each) or both on the machine at @sock: ns per page
 * reloaded in this one.
 */
static double pair_reload_ns(const char *sock, u64 epc, double seconds)
{
	struct sgxemu_platform *p;
	pid_t other;
	double ns;
	int st;

	fflush(NULL);
	other = fork();
	if (other == 0) {
		p = platform(sock, epc);
		sweep_reload_ns(p, seconds + 0.5);
		sgxemu_platform_destroy(p);
		_exit(0);
	}
	p = platform(sock, epc);
	ns = sweep_reload_ns(p, seconds);
	sgxemu_platform_destroy(p);
	waitpid(other, &st, 0);
	return ns;
}

int main(int argc, char **argv)
{
	double pe[ROUNDS], me[ROUNDS], pl[ROUNDS], ml[ROUNDS], alone;
	double own[PAIR_ROUNDS], cross[PAIR_ROUNDS], pf[ROUNDS], mf[ROUNDS];
	struct sgxemu_platform *priv, *mach;
	struct sgxemu_enclave *pe_encl, *me_encl;
	char sock[600], cmd[700];
	u64 pages, ptcs, mtcs;
	pid_t daemon;
	int r;

	bench_open(argc, argv);
	if (!mkdtemp(dir))
		return 1;
	snprintf(sock, sizeof(sock), "%s/machine/machine.sock", dir);

	/* ECALL and EADD: a machine as large as the private EPC. */
	daemon = machine_start(sock, 128ULL << 20);
	priv = platform("none", 128ULL << 20);
	mach = platform(sock, 0);
	pe_encl = load(priv);
	me_encl = load(mach);
	ptcs = sgxemu_enclave_tcs(pe_encl, 0);
	mtcs = sgxemu_enclave_tcs(me_encl, 0);
	for (r = 0; r < ROUNDS; r++) {
		pe[r] = bench_ecall_ns(ptcs, N_CALLS);
		me[r] = bench_ecall_ns(mtcs, N_CALLS);
	}
	sgxemu_enclave_destroy(pe_encl);
	sgxemu_enclave_destroy(me_encl);
	pages = pages_of_a_load(priv);
	for (r = 0; r < ROUNDS; r++) {
		pl[r] = load_s(priv);
		ml[r] = load_s(mach);
	}
	sgxemu_platform_destroy(mach);
	sgxemu_platform_destroy(priv);
	for (r = 0; r < ROUNDS; r++) {
		pf[r] = fork_ns("none");
		mf[r] = fork_ns(sock);
	}
	machine_end(daemon);

	/* Paging: one alone on a private 1 MiB EPC; then two at once, each
	 * on a private 512 KiB EPC or both on a 1 MiB machine. */
	priv = platform("none", 1 << 20);
	alone = sweep_reload_ns(priv, 1.0);
	sgxemu_platform_destroy(priv);
	daemon = machine_start(sock, 1 << 20);
	for (r = 0; r < PAIR_ROUNDS; r++) {
		own[r] = pair_reload_ns("none", 512 << 10, 1.0);
		cross[r] = pair_reload_ns(sock, 0, 1.0);
	}
	machine_end(daemon);

	bench_metric("private_ecall_ns", median(pe, ROUNDS), "ns");
	bench_metric("machine_ecall_ns", median(me, ROUNDS), "ns");
	bench_metric("machine_over_private_ecall_ratio", median(me, ROUNDS) / median(pe, ROUNDS),
		     "ratio");
	bench_metric("private_eadd_pages_per_s", (double)pages / median(pl, ROUNDS), "pages/s");
	bench_metric("machine_eadd_pages_per_s", (double)pages / median(ml, ROUNDS), "pages/s");
	bench_metric("machine_over_private_eadd_ratio", median(pl, ROUNDS) / median(ml, ROUNDS),
		     "ratio");
	bench_metric("alone_reload_ns", alone, "ns");
	bench_metric("in_process_reload_ns", median(own, PAIR_ROUNDS), "ns");
	bench_metric("in_process_over_alone_reload_ratio", median(own, PAIR_ROUNDS) / alone,
		     "ratio");
	bench_metric("cross_process_reload_ns", median(cross, PAIR_ROUNDS), "ns");
	bench_metric("cross_over_in_process_reload_ratio",
		     median(cross, PAIR_ROUNDS) / median(own, PAIR_ROUNDS), "ratio");
	bench_metric("private_fork_ns", median(pf, ROUNDS), "ns");
	bench_metric("machine_fork_ns", median(mf, ROUNDS), "ns");
	bench_metric("machine_over_private_fork_ratio", median(mf, ROUNDS) / median(pf, ROUNDS),
		     "ratio");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : 0;
}
