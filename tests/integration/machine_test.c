// SPDX-License-Identifier: MIT
/*
 * One machine per host (`sgxemu machine`): programs under `sgxemu run`
 * and `sgxemu vm` share its EPC, its LPs' launch-control caches and its
 * launch policy; a client that dies gives its pages back.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drv/machine_proto.h"
#include "harness.h"

#define SIGNER_X "8d6244dd3afab7b4ec8667a39607fa4e01e1580de5250f672690619e7922d0ae"

struct run {
	int status;
	char out[16384];
	char err[8192];
};

static char sock[512];

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Run @argv[0] with its output in @path; its pid. */
static pid_t spawn(char *const argv[], const char *path)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

/* `sgxemu machine start --foreground` with @args (NULL-terminated), in the
 * test's directory; it stops when the directory goes.  Its pid. */
static pid_t machine_up(const char *first, ...)
{
	char *argv[24], log[600];
	va_list ap;
	pid_t pid;
	int n = 0, i;

	snprintf(sock, sizeof(sock), "%s/machine/machine.sock", harness_tmpdir());
	snprintf(log, sizeof(log), "%s/machine.log", harness_tmpdir());
	setenv("SGXEMU_MACHINE", sock, 1);
	setenv("SGXEMU_NOTES", "off", 1);
	setenv("SGXEMU_CPUID", "off", 1);
	argv[n++] = (char *)TEST_SGXEMU;
	argv[n++] = (char *)"machine";
	argv[n++] = (char *)"start";
	argv[n++] = (char *)"--foreground";
	va_start(ap, first);
	for (argv[n] = (char *)first; argv[n] && n < 22; argv[n] = va_arg(ap, char *))
		n++;
	va_end(ap);
	argv[n] = NULL;
	pid = spawn(argv, log);
	for (i = 0; i < 500 && access(sock, F_OK); i++)
		sleep_ms(10);
	return pid;
}

static void sgxemu(struct run *r, ...)
{
	char *argv[32];
	va_list ap;
	int n = 0;

	argv[n++] = (char *)TEST_SGXEMU;
	va_start(ap, r);
	while (n < 31 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	r->status = harness_run(argv, r->out, sizeof(r->out), r->err, sizeof(r->err));
}

/* runtime_prog's paging storm under `sgxemu run`, in the background. */
static pid_t storm(const char *out, int seconds)
{
	char secs[16];
	char *argv[] = { (char *)TEST_SGXEMU, (char *)"run", (char *)"--",
			 (char *)TEST_PROGS "/runtime_prog", (char *)"storm",
			 (char *)TEST_ENCLAVES "/test_enclave_c.sgxs",
			 (char *)TEST_ENCLAVES "/test_enclave_c.sig", NULL };

	snprintf(secs, sizeof(secs), "%d", seconds);
	setenv("STORM_SECONDS", secs, 1);
	return spawn(argv, out);
}

/* The numbers of the status line of client @pid: pages and evicted. */
static bool client_line(const char *status, pid_t pid, unsigned long long *pages,
			unsigned long long *evicted)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), "\n  %d ", (int)pid);
	p = strstr(status, key);
	return p && sscanf(p + strlen(key), " %*s %llu %llu", pages, evicted) == 2;
}

static unsigned long long field(const char *s, const char *key)
{
	const char *p = strstr(s, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : ~0ULL;
}

TEST(machine, start_status_stop)
{
	struct run r;

	machine_up("--epc", "1M", "--lps", "1", NULL);
	sgxemu(&r, "machine", "status", NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "EPC 1024 KiB (256 pages), 1 LP,");
	ASSERT_STR_CONTAINS(r.out, "launch policy allow-all");
	/* Starting a second one at the same place is refused. */
	sgxemu(&r, "machine", "start", "--machine", sock, NULL);
	ASSERT_EQ(r.status, 1);
	ASSERT_STR_CONTAINS(r.err, "a machine already runs at");
	sgxemu(&r, "machine", "stop", NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "stopped");
	sgxemu(&r, "machine", "status", NULL);
	ASSERT_EQ(r.status, 1);
	ASSERT_STR_CONTAINS(r.err, "no machine runs at");
	/* A named machine that is not there is an error, not a private one. */
	sgxemu(&r, "run", "--", TEST_PROGS "/runtime_prog", "storm",
	       TEST_ENCLAVES "/test_enclave_c.sgxs", TEST_ENCLAVES "/test_enclave_c.sig", NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "no machine runs at");
	/* A machine locks its MSRs with --lc-locked, not with its policy. */
	sgxemu(&r, "machine", "start", "--machine", sock, "--lc", "locked", NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "--lc-locked");
}

/*
 * Two programs, each with a working set of 151 pages, on a machine whose
 * EPC holds 256: the machine never holds more, both page (an allocation
 * in one evicts the other's pages), and neither sees a wrong word.
 */
TEST_T(machine, two_processes_share_one_epc, 120)
{
	char out[2][600], text[4096];
	unsigned long long ev[2] = { 0 }, pages, evicted;
	pid_t p[2];
	struct run r;
	int i, st;

	if (access("/proc/sys/vm/unprivileged_userfaultfd", F_OK) && geteuid())
		SKIP("no userfaultfd here: the EPC is a hard limit");
	machine_up("--epc", "1M", NULL);
	for (i = 0; i < 2; i++) {
		snprintf(out[i], sizeof(out[i]), "%s/storm%d", harness_tmpdir(), i);
		p[i] = storm(out[i], 4);
	}
	for (;;) {
		int alive = 0;

		sgxemu(&r, "machine", "status", NULL);
		for (i = 0; i < 2; i++)
			if (client_line(r.out, p[i], &pages, &evicted) && evicted > ev[i])
				ev[i] = evicted;
		for (i = 0; i < 2; i++)
			alive += waitpid(p[i], &st, WNOHANG) == 0;
		if (!alive)
			break;
		sleep_ms(200);
	}
	sgxemu(&r, "machine", "status", NULL);
	ASSERT_LE(field(r.out, "(peak "), 256);
	for (i = 0; i < 2; i++) {
		slurp(out[i], text, sizeof(text));
		ASSERT_STR_CONTAINS(text, ", 0 mismatches");
		ASSERT_STR_CONTAINS(text, "PASSED");
		/* Pages moved: each had some taken from it. */
		ASSERT_GT(ev[i], 0);
	}
}

/*
 * The seed's per-LP cache is the machine's: three runs of one signer on
 * a 1-LP machine write the hash MSRs once (four writes) and hit twice.
 */
TEST(machine, lp_cache_is_shared)
{
	struct run r;
	int i;

	machine_up("--epc", "2M", "--lps", "1", NULL);
	setenv("STORM_SECONDS", "0", 1);
	setenv("STORM_PAGES", "1", 1);
	for (i = 0; i < 3; i++) {
		sgxemu(&r, "run", "--", TEST_PROGS "/runtime_prog", "storm",
		       TEST_ENCLAVES "/test_enclave_c.sgxs", TEST_ENCLAVES "/test_enclave_c.sig",
		       NULL);
		ASSERT_STR_CONTAINS(r.out, "PASSED");
	}
	sgxemu(&r, "machine", "status", NULL);
	ASSERT_STR_CONTAINS(r.out, "\n  0           3           4           2        0\n");
}

/*
 * Under a machine that allows only signer X, nothing a client does
 * launches signer Y: its own policy (environment or option), a policy in
 * an exec'd child's environment, an exec'd child as it is, or a VM that
 * would let its guest write the hash MSRs.  Each fails with one line.
 */
TEST_T(machine, policy_belongs_to_the_machine, 60)
{
	const char *x = TEST_ENCLAVES "/test_enclave_a.sig", *y =
		TEST_ENCLAVES "/test_enclave_a.other.sig", *sgxs = TEST_ENCLAVES "/test_enclave_a.sgxs";
	char cmd[2048];
	struct run r;

	machine_up("--epc", "2M", "--lc", "allow=" SIGNER_X, NULL);
	sgxemu(&r, "run", "--", TEST_PROGS "/driver_prog", "--raw", sgxs, x, NULL);
	ASSERT_STR_CONTAINS(r.out, "PASSED");
	setenv("SGXEMU_LC", "allow-all", 1);
	sgxemu(&r, "run", "--", TEST_PROGS "/driver_prog", "--raw", sgxs, y, NULL);
	unsetenv("SGXEMU_LC");
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "SGXEMU_LC: the machine at");
	sgxemu(&r, "run", "--lc", "allow-all", "--", TEST_PROGS "/driver_prog", "--raw", sgxs, y,
	       NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "--lc: the machine at");
	/* A child with a policy of its own in its environment. */
	snprintf(cmd, sizeof(cmd), "SGXEMU_LC=allow-all exec %s/driver_prog --raw %s %s", TEST_PROGS,
		 sgxs, y);
	sgxemu(&r, "run", "--", "/bin/sh", "-c", cmd, NULL);
	ASSERT_NE(r.status, 0);
	ASSERT_STR_CONTAINS(r.err, "the launch policy belongs to the machine at");
	/* A child as it is: EINIT refused by the machine's policy. */
	snprintf(cmd, sizeof(cmd), "exec %s/driver_prog --raw %s %s", TEST_PROGS, sgxs, y);
	sgxemu(&r, "run", "--", "/bin/sh", "-c", cmd, NULL);
	ASSERT_NE(r.status, 0);
	ASSERT_STR_CONTAINS(r.err, "EINIT refused by the host launch policy: signer (MRSIGNER) "
				   "e06dcff5");
	/* A VM whose guest could write its hash MSRs is refused. */
	sgxemu(&r, "vm", "--lc", "allow-all", "--sgx", "epc=1M,lewr", "--",
	       TEST_PROGS "/driver_prog", "--raw", sgxs, y, NULL);
	ASSERT_EQ(r.status, 1);
	ASSERT_STR_CONTAINS(r.err, "lewr");
	sgxemu(&r, "machine", "status", NULL);
	ASSERT_GE(field(r.out, "\n  0 ") + field(r.out, "\n  1 "), 1);
}

/*
 * A client killed in the middle of a paging storm gives its pages back
 * within a second; the other goes on with every word right.
 */
TEST_T(machine, sigkill_returns_pages, 120)
{
	char out[2][600], text[4096];
	unsigned long long pages, evicted, used = 0;
	pid_t p[2];
	struct run r;
	int i, st;

	if (access("/proc/sys/vm/unprivileged_userfaultfd", F_OK) && geteuid())
		SKIP("no userfaultfd here: the EPC is a hard limit");
	machine_up("--epc", "1M", NULL);
	snprintf(out[0], sizeof(out[0]), "%s/storm0", harness_tmpdir());
	snprintf(out[1], sizeof(out[1]), "%s/storm1", harness_tmpdir());
	p[0] = storm(out[0], 6);
	p[1] = storm(out[1], 60);
	/* Until the victim holds pages, in the thick of it. */
	for (i = 0; i < 200; i++) {
		sgxemu(&r, "machine", "status", NULL);
		if (client_line(r.out, p[1], &pages, &evicted) && pages > 8 && evicted > 0)
			break;
		sleep_ms(50);
	}
	ASSERT_LT(i, 200);
	kill(p[1], SIGKILL);
	waitpid(p[1], &st, 0);
	for (i = 0; i < 10; i++) {
		sleep_ms(100);
		sgxemu(&r, "machine", "status", NULL);
		if (!client_line(r.out, p[1], &pages, &evicted))
			break;
	}
	ASSERT_LT(i, 10);
	/* Everything in use is the survivor's.  It is still paging: the
	 * machine counts a page it takes a moment before the client does, so
	 * one look may catch one in between; the victim's pages would stay. */
	for (i = 0; i < 20; i++) {
		if (i)
			sgxemu(&r, "machine", "status", NULL);
		used = client_line(r.out, p[0], &pages, &evicted) ? pages : 0;
		if (field(r.out, "pages in use ") == used)
			break;
	}
	ASSERT_LT(i, 20);
	waitpid(p[0], &st, 0);
	slurp(out[0], text, sizeof(text));
	ASSERT_STR_CONTAINS(text, ", 0 mismatches");
	ASSERT_STR_CONTAINS(text, "PASSED");
}

/* The processes status counts for client @pid, or 0 for no such line. */
static unsigned int client_procs(const char *status, pid_t pid)
{
	char key[32];
	const char *p;
	unsigned int procs;

	snprintf(key, sizeof(key), "\n  %d ", (int)pid);
	p = strstr(status, key);
	return p && sscanf(p + strlen(key), " %*s %*u %*u %*u %u", &procs) == 1 ? procs : 0;
}

/* Wait up to @ms for @text in the file @path. */
static bool file_says(const char *path, const char *text, char *buf, size_t len, int ms)
{
	for (; ms > 0; ms -= 20) {
		slurp(path, buf, len);
		if (strstr(buf, text))
			return true;
		sleep_ms(20);
	}
	return false;
}

static void touch(const char *dir, const char *name)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}

/*
 * runtime_prog's fork-outlive under `sgxemu run` on a 512 KiB machine,
 * its output in @out (a path made here); once it forked and the child
 * runs: the parent's pid (-1 if they never said so), *@child the child's.
 */
static pid_t outlive_start(char *out, size_t len, pid_t *child)
{
	char *argv[] = { (char *)TEST_SGXEMU, (char *)"run", (char *)"--",
			 (char *)TEST_PROGS "/runtime_prog", (char *)"fork-outlive",
			 (char *)TEST_ENCLAVES "/test_enclave_c.sgxs",
			 (char *)TEST_ENCLAVES "/test_enclave_c.sig", NULL };
	char text[8192];
	int pid = 0;
	pid_t parent;

	machine_up("--epc", "512K", NULL);
	setenv("FORK_HOLD", harness_tmpdir(), 1);
	snprintf(out, len, "%s/outlive", harness_tmpdir());
	parent = spawn(argv, out);
	if (!file_says(out, "forked child ", text, sizeof(text), 30000) ||
	    sscanf(strstr(text, "forked child "), "forked child %d", &pid) != 1 ||
	    !file_says(out, "child running", text, sizeof(text), 30000))
		return -1;
	*child = pid;
	return parent;
}

/*
 * fork() on a machine follows Linux too: the child shares its parent's
 * enclave and the machine's slot that holds its pages (status counts two
 * processes), outlives its parent with every page of a buffer larger than
 * the EPC (the child pages it alone), and the last of them to exit gives
 * the pages back.
 */
TEST_T(machine, a_forked_child_shares_the_slot_and_outlives_its_parent, 120)
{
	char out[600], text[8192];
	pid_t parent, child;
	int i, st;
	struct run r;

	if (access("/proc/sys/vm/unprivileged_userfaultfd", F_OK) && geteuid())
		SKIP("no userfaultfd here: the EPC is a hard limit");
	parent = outlive_start(out, sizeof(out), &child);
	ASSERT_GT(parent, 0);
	/* The child joined before it ran anything: its connection is there,
	 * beside its parent's. */
	sgxemu(&r, "machine", "status", NULL);
	ASSERT_EQ(client_procs(r.out, parent), 2);
	touch(harness_tmpdir(), "parent");
	ASSERT_EQ(waitpid(parent, &st, 0), parent);
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_TRUE(file_says(out, "the enclave outlived its parent, every page intact", text,
			      sizeof(text), 60000));
	/* The slot is the child's now, and it still holds pages. */
	sgxemu(&r, "machine", "status", NULL);
	ASSERT_EQ(client_procs(r.out, child), 1);
	ASSERT_GT(field(r.out, "pages in use "), 0);
	touch(harness_tmpdir(), "child");
	for (i = 0; i < 50; i++) {
		sgxemu(&r, "machine", "status", NULL);
		if (field(r.out, "pages in use ") == 0 && !client_procs(r.out, child))
			break;
		sleep_ms(100);
	}
	ASSERT_LT(i, 50);
	ASSERT_TRUE(!strstr(text, "FAIL"));
}

/* Whether process @pid is gone (or dead, its parent yet to reap it). */
static bool gone(pid_t pid)
{
	char path[64], buf[512];
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	slurp(path, buf, sizeof(buf));
	p = strrchr(buf, ')');
	return !p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X';
}

/* `stop --force` ends a forked child that shares its parent's slot too:
 * the machine knows it by its own connection. */
TEST_T(machine, stop_force_ends_a_forked_child_too, 60)
{
	char out[600];
	pid_t parent, child;
	int st, i;
	struct run r;

	if (access("/proc/sys/vm/unprivileged_userfaultfd", F_OK) && geteuid())
		SKIP("no userfaultfd here: the EPC is a hard limit");
	parent = outlive_start(out, sizeof(out), &child);
	ASSERT_GT(parent, 0);
	sgxemu(&r, "machine", "stop", "--force", NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_TRUE(!strstr(r.out, "still there") && !strstr(r.err, "still there"));
	ASSERT_EQ(waitpid(parent, &st, 0), parent);
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	for (i = 0; i < 100 && !gone(child); i++)
		sleep_ms(50);
	ASSERT_LT(i, 100);
}

/* A program that closes every descriptor it did not open (as daemons do)
 * keeps its place on the machine: the connection is the emulator's. */
TEST_T(machine, closing_every_descriptor_keeps_the_pages, 60)
{
	char out[600], text[4096];
	unsigned long long pages = 0, evicted;
	struct run r;
	pid_t p;
	int i, st;

	machine_up("--epc", "2M", NULL);
	snprintf(out, sizeof(out), "%s/storm", harness_tmpdir());
	setenv("STORM_CLOSE_ALL", "1", 1);
	setenv("STORM_PAGES", "32", 1);
	p = storm(out, 3);
	for (i = 0; i < 100; i++) {
		slurp(out, text, sizeof(text));
		if (strstr(text, "closed every descriptor"))
			break;
		sleep_ms(20);
	}
	sgxemu(&r, "machine", "status", NULL);
	ASSERT_TRUE(client_line(r.out, p, &pages, &evicted));
	ASSERT_GT(pages, 32);
	waitpid(p, &st, 0);
	slurp(out, text, sizeof(text));
	ASSERT_STR_CONTAINS(text, "PASSED");
}

/* `stop` refuses while a program holds EPC pages; --force ends it. */
TEST_T(machine, stop_waits_for_enclaves, 60)
{
	char out[600];
	struct run r;
	pid_t p;
	int i, st;

	machine_up("--epc", "2M", NULL);
	snprintf(out, sizeof(out), "%s/storm", harness_tmpdir());
	p = storm(out, 30);
	for (i = 0; i < 200; i++) {
		sgxemu(&r, "machine", "status", NULL);
		if (strstr(r.out, "runtime_prog") && field(r.out, "pages in use ") > 0)
			break;
		sleep_ms(50);
	}
	sgxemu(&r, "machine", "stop", NULL);
	ASSERT_EQ(r.status, 1);
	ASSERT_STR_CONTAINS(r.err, "clients hold enclaves:");
	ASSERT_STR_CONTAINS(r.err, "--force");
	sgxemu(&r, "machine", "stop", "--force", NULL);
	ASSERT_EQ(r.status, 0);
	waitpid(p, &st, 0);
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

/*
 * A machine that goes away (killed) tells its clients once, and they go
 * on with what they share; a new client gets a private machine.
 */
TEST_T(machine, clients_outlive_a_crashed_machine, 60)
{
	char out[600], text[4096];
	pid_t d, p;
	int st;

	d = machine_up("--epc", "2M", NULL);
	snprintf(out, sizeof(out), "%s/storm", harness_tmpdir());
	setenv("STORM_PAGES", "64", 1);
	p = storm(out, 3);
	sleep_ms(1000);
	kill(d, SIGKILL);
	waitpid(d, &st, 0);
	waitpid(p, &st, 0);
	slurp(out, text, sizeof(text));
	ASSERT_STR_CONTAINS(text, "stopped: this program goes on");
	ASSERT_STR_CONTAINS(text, ", 0 mismatches");
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* A VM on the machine is one of its clients, listed as a VM, and its
 * guest's EINITs go through the machine's LPs. */
TEST_T(machine, vm_on_the_machine, 60)
{
	struct run r;

	machine_up("--epc", "4M", "--lps", "1", NULL);
	sgxemu(&r, "vm", "--sgx", "epc=2M,lewr", "--", TEST_PROGS "/driver_prog", "--raw",
	       TEST_ENCLAVES "/test_enclave_a.sgxs", TEST_ENCLAVES "/test_enclave_a.sig", NULL);
	ASSERT_STR_CONTAINS(r.out, "PASSED");
	sgxemu(&r, "machine", "status", NULL);
	ASSERT_GT(field(r.out, "\n  0 "), 0);
}

/* `machine start` at a path that holds a file (a typo, a wrong
 * SGXEMU_MACHINE) refuses, and the file stays. */
TEST(machine, start_never_removes_a_file)
{
	char path[600], text[64];
	struct run r;
	FILE *f;

	snprintf(path, sizeof(path), "%s/notes.txt", harness_tmpdir());
	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	fputs("precious\n", f);
	fclose(f);
	sgxemu(&r, "machine", "start", "--machine", path, NULL);
	if (!r.status)
		sgxemu(&r, "machine", "stop", "--machine", path, NULL);
	slurp(path, text, sizeof(text));
	ASSERT_STREQ(text, "precious\n");
	sgxemu(&r, "machine", "start", "--machine", path, NULL);
	ASSERT_EQ(r.status, 1);
	ASSERT_STR_CONTAINS(r.err, "not a socket");
}

/* A client's slot in the shared memory, mapped writable, as a hostile or
 * broken client holds it: the slot and the state, or -1. */
static int raw_attach(struct machine_state **st, const struct machine_config **cfg)
{
	struct machine_req req = { .magic = MACHINE_MAGIC, .op = MACHINE_OP_ATTACH,
				   .kind = MACHINE_PROCESS };
	struct machine_rep rep;
	char why[256];
	u64 size;
	int fds[2], fd = machine_call(sock, &req, &rep, fds);

	if (fd < 0 || rep.err || machine_map(fds, true, cfg, st, &size, why, sizeof(why)))
		return -1;
	return rep.slot;
}

/*
 * `stop --force` ends the clients that hold pages, found by their
 * connections: a pid written into the shared memory (which every client
 * maps writable) is no one's to kill.
 */
TEST_T(machine, stop_force_kills_only_clients, 60)
{
	int ready[2], st, i;
	pid_t victim, liar;
	struct run r;
	char c;

	machine_up("--epc", "1M", NULL);
	victim = fork();
	if (!victim) {
		for (;;)
			pause();
	}
	ASSERT_EQ(pipe(ready), 0);
	fflush(NULL);
	liar = fork();
	if (!liar) {
		const struct machine_config *cfg;
		struct machine_state *ms;
		int s = raw_attach(&ms, &cfg);

		if (s >= 0) {
			atomic_store(&ms->clients[s].pid, victim);
			atomic_store(&ms->clients[s].pages, 1);
		}
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	sgxemu(&r, "machine", "stop", "--force", NULL);
	ASSERT_EQ(r.status, 0);
	EXPECT_EQ(waitpid(victim, &st, WNOHANG), 0);
	for (i = 0; i < 100 && !waitpid(liar, &st, WNOHANG); i++)
		sleep_ms(50);
	EXPECT_EQ(i < 100, 1);
	EXPECT_EQ(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, 1);
	kill(victim, SIGKILL);
	kill(liar, SIGKILL);
	waitpid(victim, &st, 0);
	waitpid(liar, &st, 0);
}

/*
 * A client killed between claiming a page's owner byte and counting it
 * (machine_epc_take()) leaves the count right: the daemon gives the page
 * back, and the pages in use do not wrap around below zero (which would
 * leave every client without EPC).
 */
TEST_T(machine, death_mid_take_keeps_the_count, 60)
{
	const struct machine_config *cfg;
	const struct machine_state *ost;
	struct machine_state *ms;
	char why[256];
	int i, st;
	pid_t p;

	machine_up("--epc", "1M", NULL);
	fflush(NULL);
	p = fork();
	if (!p) {
		int s = raw_attach(&ms, &cfg);

		if (s < 0)
			_exit(1);
		/* What machine_epc_take() has done when SIGKILL lands. */
		atomic_store(&machine_state_owners(ms, cfg->nr_lps)[3], (u8)(s + 1));
		_exit(0);
	}
	waitpid(p, &st, 0);
	ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
	ASSERT_EQ(machine_observe(sock, &cfg, &ost, why, sizeof(why)), 0);
	for (i = 0; i < 50 && machine_state_owners((struct machine_state *)ost,
						   cfg->nr_lps)[3]; i++)
		sleep_ms(20);
	ASSERT_EQ(machine_state_owners((struct machine_state *)ost, cfg->nr_lps)[3], 0);
	ASSERT_EQ(atomic_load(&ost->used), 0);
}

/* A member of the machine's group uses it, and does not stop it (with
 * --force that would end other users' programs). */
TEST_T(machine, only_its_user_stops_it, 60)
{
	struct run r;
	pid_t p;
	int st;

	if (geteuid())
		SKIP("being another user takes root");
	if (!getgrnam("nogroup"))
		SKIP("no group nogroup here");
	ASSERT_EQ(chmod(harness_tmpdir(), 0711), 0);
	machine_up("--epc", "1M", "--group", "nogroup", NULL);
	fflush(NULL);
	p = fork();
	if (!p) {
		char *argv[] = { (char *)TEST_SGXEMU, (char *)"machine", (char *)"stop",
				 (char *)"--force", NULL };
		int fd = open("/dev/null", O_WRONLY);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 || setgroups(0, NULL) ||
		    setgid(getgrnam("nogroup")->gr_gid) || setuid(65534))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	ASSERT_EQ(waitpid(p, &st, 0), p);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 1);
	sgxemu(&r, "machine", "status", NULL);
	ASSERT_EQ(r.status, 0);
}

/* Without a runtime directory of its own, the user's default socket may be
 * where another user got first: a machine there that is neither the user's
 * nor root's is refused, never used (it would hand this user its
 * configuration and state directory).  Named on purpose, elsewhere than
 * the default, it is used. */
TEST_T(machine, another_users_machine_at_the_default_path_is_refused, 60)
{
	char dir[512], path[600], state[600];
	struct run r;
	pid_t p;
	int i, st;

	if (geteuid())
		SKIP("being another user takes root");
	ASSERT_EQ(chmod(harness_tmpdir(), 0711), 0);
	snprintf(dir, sizeof(dir), "%s/shared", harness_tmpdir());
	snprintf(path, sizeof(path), "%s/sgxemu/machine.sock", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	ASSERT_EQ(mkdir(dir, 0777), 0);
	ASSERT_EQ(chmod(dir, 0777), 0);
	fflush(NULL);
	p = fork();
	if (!p) {
		char *argv[] = { (char *)TEST_SGXEMU, (char *)"machine", (char *)"start",
				 (char *)"--foreground", (char *)"--epc", (char *)"1M",
				 (char *)"--state-dir", state, (char *)"--machine", path, NULL };
		int fd = open("/dev/null", O_WRONLY);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 || setgroups(0, NULL) ||
		    setgid(65534) || setuid(65534))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	for (i = 0; i < 500 && access(path, F_OK); i++)
		sleep_ms(10);
	ASSERT_EQ(access(path, F_OK), 0);
	unsetenv("SGXEMU_MACHINE");
	setenv("XDG_RUNTIME_DIR", dir, 1);
	sgxemu(&r, "machine", "status", NULL);
	ASSERT_EQ(r.status, 1);
	ASSERT_TRUE(strstr(r.err, "belongs to another user") != NULL);
	unsetenv("XDG_RUNTIME_DIR");
	setenv("SGXEMU_MACHINE", path, 1);
	sgxemu(&r, "machine", "status", NULL);
	ASSERT_EQ(r.status, 0);
	kill(p, SIGTERM);
	ASSERT_EQ(waitpid(p, &st, 0), p);
}

/* A connection to @path that has said nothing yet, or -1. */
static int connect_to(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether the daemon answered or dropped @fd within @ms. */
static bool heard_from(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/*
 * Connections that say nothing (or half a request) hold up no one: the
 * status request is answered while they are still open and unanswered
 * (a daemon that waited on each in turn would have answered and closed
 * them first).  Half a request is refused; the silent ones are dropped
 * after a while.
 */
TEST_T(machine, silent_connections_hold_up_nobody, 120)
{
	struct machine_req req = { .magic = MACHINE_MAGIC, .op = MACHINE_OP_OBSERVE };
	struct machine_rep rep;
	int silent[4], half, i;
	struct run r;

	machine_up("--epc", "1M", NULL);
	for (i = 0; i < 4; i++) {
		silent[i] = connect_to(sock);
		ASSERT_GE(silent[i], 0);
	}
	half = connect_to(sock);
	ASSERT_GE(half, 0);
	ASSERT_EQ(send(half, &req, sizeof(req) / 2, MSG_NOSIGNAL), (ssize_t)(sizeof(req) / 2));
	sgxemu(&r, "machine", "status", NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "EPC 1024 KiB");
	for (i = 0; i < 4; i++)
		ASSERT_FALSE(heard_from(silent[i], 0));
	/* Half a request is not a request. */
	ASSERT_TRUE(heard_from(half, 60000));
	ASSERT_EQ(recv(half, &rep, sizeof(rep), 0), (ssize_t)sizeof(rep));
	ASSERT_EQ(rep.err, -EPROTO);
	/* Silence is not kept open for ever. */
	for (i = 0; i < 4; i++) {
		ASSERT_TRUE(heard_from(silent[i], 60000));
		close(silent[i]);
	}
	close(half);
}

/* Silent connections that fill every entry of the daemon's table make room
 * for a new one (the one that waited longest goes), so they keep out no one. */
TEST_T(machine, a_flood_of_silent_connections_keeps_out_no_one, 60)
{
	static int silent[MACHINE_CONNS];
	struct machine_rep rep;
	struct run r;
	int i;

	machine_up("--epc", "1M", NULL);
	for (i = 0; i < MACHINE_CONNS; i++) {
		silent[i] = connect_to(sock);
		ASSERT_GE(silent[i], 0);
	}
	sgxemu(&r, "machine", "status", NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "EPC 1024 KiB");
	ASSERT_TRUE(heard_from(silent[0], 60000));
	ASSERT_EQ(recv(silent[0], &rep, sizeof(rep), 0), (ssize_t)sizeof(rep));
	ASSERT_EQ(rep.err, -EAGAIN);
	for (i = 0; i < MACHINE_CONNS; i++)
		close(silent[i]);
}

/*
 * `stop --force` ends a client that holds pages and gives them back when
 * its connection closes, which is when it dies: its parent (this test)
 * reaps it only after the stop has answered.
 */
TEST_T(machine, stop_force_does_not_wait_for_the_reap, 60)
{
	const struct machine_config *cfg;
	const struct machine_state *ost;
	const _Atomic u8 *owner;
	char why[256], c;
	int ready[2], st;
	struct run r;
	pid_t holder;
	u64 i;

	machine_up("--epc", "1M", NULL);
	ASSERT_EQ(pipe(ready), 0);
	fflush(NULL);
	holder = fork();
	if (!holder) {
		struct machine *m;

		if (machine_attach(sock, MACHINE_PROCESS, "holder", 0, &m, why, sizeof(why)))
			_exit(1);
		for (i = 0; i < 8; i++)
			if (machine_epc_take(m) < 0)
				_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	ASSERT_EQ(machine_observe(sock, &cfg, &ost, why, sizeof(why)), 0);
	ASSERT_EQ(atomic_load(&ost->used), 8);
	sgxemu(&r, "machine", "stop", "--force", NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "stopped");
	/* Given back before the answer, the holder still a zombie. */
	EXPECT_EQ(atomic_load(&ost->used), 0);
	owner = machine_state_owners((struct machine_state *)ost, cfg->nr_lps);
	for (i = 0; i < cfg->epc_size / 4096; i++)
		if (atomic_load(&owner[i]))
			break;
	EXPECT_EQ(i, cfg->epc_size / 4096);
	ASSERT_EQ(waitpid(holder, &st, 0), holder);
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

/* --- a daemon that is not sgxemu's -------------------------------------------- */

/* A memory file of @size bytes holding @data's first @size, sealed with @seals. */
static int fake_memfd(const void *data, size_t size, unsigned int seals)
{
	int fd = memfd_create("fake-machine", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 || ftruncate(fd, (off_t)size) ||
	    (data && pwrite(fd, data, size, 0) != (ssize_t)size) ||
	    (seals && fcntl(fd, F_ADD_SEALS, seals)))
		return -1;
	return fd;
}

#define FAKE_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

/* A configuration such as a machine with 1 LP and 1 MiB of EPC sends. */
static void fake_config(struct machine_config *c)
{
	memset(c, 0, sizeof(*c));
	c->magic = MACHINE_MAGIC;
	c->version = MACHINE_VERSION;
	c->daemon_pid = getpid();
	c->nr_lps = 1;
	c->epc_size = 1 << 20;
	c->max_enclave_size_log2 = 36;
	c->allow_all = 1;
	c->provision_gid = -1;
	c->state_size = (u32)machine_state_size(c->nr_lps, c->epc_size / 4096);
	snprintf(c->state_dir, sizeof(c->state_dir), "%s", harness_tmpdir());
	snprintf(c->socket, sizeof(c->socket), "%s", sock);
}

/*
 * A daemon at @sock that answers every request as a machine would
 * (machine_proto.h), with the configuration @cfg cut to @cfg_size bytes
 * and sealed with @seals, and a state of @st_size bytes sealed as the
 * real one is.  Its pid (the test's process group ends it).
 */
static pid_t fake_daemon(const struct machine_config *cfg, size_t cfg_size, unsigned int seals,
			 u64 st_size)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, fds[2];
	pid_t pid;

	snprintf(sock, sizeof(sock), "%s/fake.sock", harness_tmpdir());
	unlink(sock);
	if (strlen(sock) >= sizeof(a.sun_path))
		return -1;
	memcpy(a.sun_path, sock, strlen(sock) + 1);
	fds[0] = fake_memfd(cfg, cfg_size, seals);
	fds[1] = fake_memfd(NULL, st_size, F_SEAL_SHRINK | F_SEAL_GROW);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fds[0] < 0 || fds[1] < 0 || fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(fd, 8))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid) {
		close(fd);
		close(fds[0]);
		close(fds[1]);
		return pid;
	}
	for (;;) {
		struct machine_rep rep = { .magic = MACHINE_MAGIC, .slot = 0 };
		struct machine_req req = { 0 };
		union {
			char buf[CMSG_SPACE(sizeof(fds))];
			struct cmsghdr align;
		} u = { 0 };
		struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
				      .msg_controllen = sizeof(u.buf) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		int k = accept(fd, NULL, NULL);

		if (k < 0)
			_exit(1);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(fds));
		memcpy(CMSG_DATA(c), fds, sizeof(fds));
		if (recv(k, &req, sizeof(req), MSG_WAITALL) == (ssize_t)sizeof(req))
			sendmsg(k, &msg, MSG_NOSIGNAL);
		/* An attached client's connection stays open, as with a machine. */
		if (req.op != MACHINE_OP_ATTACH)
			close(k);
	}
}

/* Attaching to the fake daemon fails with -EPROTO and a line with @line,
 * and so does `sgxemu machine status` (one line, exit status 1). */
static void expect_refused(const char *line)
{
	struct machine *m = NULL;
	char why[256] = "";
	struct run r;

	ASSERT_EQ(machine_attach(sock, MACHINE_PROCESS, "victim", 0, &m, why, sizeof(why)),
		  -EPROTO);
	ASSERT_TRUE(m == NULL);
	ASSERT_STR_CONTAINS(why, line);
	sgxemu(&r, "machine", "status", "--machine", sock, NULL);
	ASSERT_EQ(r.status, 1);
	ASSERT_STR_CONTAINS(r.err, line);
	ASSERT_TRUE(strchr(r.err, '\n') == r.err + strlen(r.err) - 1);
}

/*
 * What a daemon sends is checked before it is used: a configuration that
 * is not sealed, is cut short, or holds a string without its end, a state
 * file smaller than the configuration says, or counts past the limits
 * are each refused with a line, never a crash.  The real thing attaches.
 */
TEST_T(machine, what_a_daemon_sends_is_checked, 60)
{
	struct machine_config *c = calloc(1, sizeof(*c));
	struct machine *m = NULL;
	char why[256] = "";
	u64 st_size;
	pid_t d;

	ASSERT_TRUE(c != NULL);
	fake_config(c);
	st_size = c->state_size;

	d = fake_daemon(c, sizeof(*c), FAKE_SEALS, st_size);
	ASSERT_GT(d, 0);
	ASSERT_EQ(machine_attach(sock, MACHINE_PROCESS, "ok", 0, &m, why, sizeof(why)), 0);
	machine_detach(m);
	kill(d, SIGKILL);
	waitpid(d, NULL, 0);

	d = fake_daemon(c, sizeof(*c), F_SEAL_SHRINK | F_SEAL_GROW, st_size);
	ASSERT_GT(d, 0);
	expect_refused("configuration is not sealed");
	kill(d, SIGKILL);
	waitpid(d, NULL, 0);

	d = fake_daemon(c, sizeof(*c) / 2, FAKE_SEALS, st_size);
	ASSERT_GT(d, 0);
	expect_refused("configuration is cut short");
	kill(d, SIGKILL);
	waitpid(d, NULL, 0);

	memset(c->state_dir, 'a', sizeof(c->state_dir));
	d = fake_daemon(c, sizeof(*c), FAKE_SEALS, st_size);
	ASSERT_GT(d, 0);
	expect_refused("state directory with no end");
	kill(d, SIGKILL);
	waitpid(d, NULL, 0);

	fake_config(c);
	d = fake_daemon(c, sizeof(*c), FAKE_SEALS, st_size - 4096);
	ASSERT_GT(d, 0);
	expect_refused("state is smaller than");
	kill(d, SIGKILL);
	waitpid(d, NULL, 0);

	c->nr_lps = 100000;
	c->state_size = (u32)machine_state_size(c->nr_lps, c->epc_size / 4096);
	d = fake_daemon(c, sizeof(*c), FAKE_SEALS, c->state_size);
	ASSERT_GT(d, 0);
	expect_refused("100000 logical processors");
	kill(d, SIGKILL);
	waitpid(d, NULL, 0);
	free(c);
}

/* A connection that has attached to the machine as a client, or -1. */
static int attach_raw(const char *path)
{
	struct machine_req req = { .magic = MACHINE_MAGIC, .op = MACHINE_OP_ATTACH,
				   .kind = MACHINE_PROCESS, .name = "raw" };
	struct machine_rep rep;
	int fd = connect_to(path);

	if (fd < 0)
		return -1;
	if (send(fd, &req, sizeof(req), MSG_NOSIGNAL) != (ssize_t)sizeof(req) ||
	    recv(fd, &rep, sizeof(rep), 0) != (ssize_t)sizeof(rep) || rep.err) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A machine with every client slot taken still answers its owner: status
 * shows it full, a further attach is refused, and stop stops it.  (The
 * daemon's table had one entry per client, so a full machine refused every
 * connection, stop's too.)
 */
TEST_T(machine, a_full_machine_still_answers_status_and_stop, 120)
{
	static int att[MACHINE_MAX_CLIENTS];
	pid_t p = machine_up("--epc", "1M", NULL);
	struct run r;
	int i, st;

	for (i = 0; i < MACHINE_MAX_CLIENTS; i++) {
		att[i] = attach_raw(sock);
		ASSERT_GE(att[i], 0);
	}
	EXPECT_EQ(attach_raw(sock), -1);
	sgxemu(&r, "machine", "status", NULL);
	EXPECT_EQ(r.status, 0);
	EXPECT_NE(strstr(r.out, "EPC 1024 KiB"), NULL);
	sgxemu(&r, "machine", "stop", NULL);
	EXPECT_EQ(r.status, 0);
	for (i = 0; i < 1000 && waitpid(p, &st, WNOHANG) != p; i++)
		sleep_ms(10);
	if (i == 1000) {
		kill(p, SIGKILL);
		waitpid(p, &st, 0);
	}
	EXPECT_NE(i, 1000);
	for (i = 0; i < MACHINE_MAX_CLIENTS; i++)
		close(att[i]);
}

/* MACHINE_OP_JOIN for @slot with @token: the connection, or -errno. */
static int join_raw(int slot, u64 token)
{
	struct machine_req req = { .magic = MACHINE_MAGIC, .op = MACHINE_OP_JOIN, .slot = slot,
				   .token = token };
	struct machine_rep rep;
	int fds[2], fd = machine_call(sock, &req, &rep, fds);

	if (fd < 0)
		return fd;
	if (fds[0] >= 0 || fds[1] >= 0 || rep.err || rep.slot != slot) {
		close(fd);
		return rep.err ? rep.err : -EPROTO;
	}
	return fd;
}

/*
 * Joining a slot takes its token, which only its attach reply carries
 * (every client maps the state, so it cannot be there); the slot lasts
 * until the last of its connections ends; and the joins are bounded, so
 * forked children cannot crowd out new clients.
 */
TEST_T(machine, joining_a_slot_takes_its_token, 60)
{
	static int joins[MACHINE_MAX_JOINS];
	struct machine_req req = { .magic = MACHINE_MAGIC, .op = MACHINE_OP_ATTACH,
				   .kind = MACHINE_PROCESS };
	struct machine_rep rep;
	struct run r;
	int fds[2], fd, j, i;

	machine_up("--epc", "1M", NULL);
	fd = machine_call(sock, &req, &rep, fds);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(rep.err, 0);
	close(fds[0]);
	close(fds[1]);
	EXPECT_EQ(join_raw(rep.slot, rep.token + 1), -ESRCH);
	EXPECT_EQ(join_raw(rep.slot + 1, rep.token), -ESRCH);
	EXPECT_EQ(join_raw(-1, rep.token), -ESRCH);
	EXPECT_EQ(join_raw(MACHINE_MAX_CLIENTS, rep.token), -ESRCH);
	j = join_raw(rep.slot, rep.token);
	ASSERT_GE(j, 0);
	sgxemu(&r, "machine", "status", NULL);
	EXPECT_EQ(client_procs(r.out, getpid()), 2);
	/* The first connection ends: the slot stays, the join's. */
	close(fd);
	for (i = 0; i < 100; i++) {
		sgxemu(&r, "machine", "status", NULL);
		if (client_procs(r.out, getpid()) == 1)
			break;
		sleep_ms(20);
	}
	ASSERT_LT(i, 100);
	for (i = 0; i < MACHINE_MAX_JOINS - 1; i++) {
		joins[i] = join_raw(rep.slot, rep.token);
		ASSERT_GE(joins[i], 0);
	}
	EXPECT_EQ(join_raw(rep.slot, rep.token), -EMFILE);
	for (i = 0; i < MACHINE_MAX_JOINS - 1; i++)
		close(joins[i]);
	close(j);
	for (i = 0; i < 100; i++) {
		sgxemu(&r, "machine", "status", NULL);
		if (!client_procs(r.out, getpid()))
			break;
		sleep_ms(20);
	}
	ASSERT_LT(i, 100);
}

/*
 * A program with a fast interval timer (a profiler's, a runtime's tick),
 * its handler SA_RESTART, starts on a machine: the kernel restarts no
 * socket call that has a timeout, so since requests to the machine got
 * one (10 s) a tick during the attach made it fail ("cannot create the
 * emulated SGX platform: ... Interrupted system call", about one start
 * in three); the calls are made again until their deadline.
 */
TEST_T(machine, a_programs_timer_signals_do_not_break_its_attach, 120)
{
	char *argv[] = { (char *)TEST_SGXEMU, (char *)"run", (char *)"--",
			 (char *)TEST_PROGS "/runtime_prog", (char *)"itimer",
			 (char *)TEST_ENCLAVES "/test_enclave_c.sgxs",
			 (char *)TEST_ENCLAVES "/test_enclave_c.sig", NULL };
	static struct run r;
	int i;

	machine_up("--epc", "4M", NULL);
	for (i = 0; i < 10; i++) {
		r.status = harness_run(argv, r.out, sizeof(r.out), r.err, sizeof(r.err));
		EXPECT_EQ(strstr(r.err, "Interrupted system call"), NULL);
		ASSERT_STR_CONTAINS(r.out, "PASSED");
		ASSERT_EQ(r.status, 0);
	}
}
