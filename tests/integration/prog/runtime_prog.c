// SPDX-License-Identifier: MIT
/*
 * What SGX runtimes do in their first second, written for the Linux SGX
 * driver and knowing nothing of sgxemu: threads that take pages on demand
 * (EDMM) and page (an EPC smaller than the enclave), fork() with live
 * enclaves, threads made with a raw clone() that share their parent's
 * TLS, raw ENCLU from a thread's first instructions and from signal
 * handlers that block the signals the emulator takes, instructions SGX
 * forbids, exec chains, an ELRANGE mapped whole before ECREATE, and
 * signals that must still end a process whose enclave never returns.
 * Run by tests/integration/runtime_test.c under `sgxemu run`.
 *
 *   runtime_prog SCENARIO SGXS SIG
 *
 * Each scenario prints what it saw, then PASSED or FAILED; exit status 0
 * when it did what Linux on SGX hardware does.
 */
#include <asm/sgx.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/futex.h>
#include <limits.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <time.h>
#include <unistd.h>

#include "enclave.h"
#include "uapi.h"

static atomic_int failures;

#define CHECK(cond, ...)                                  \
	do {                                              \
		if (!(cond)) {                            \
			printf("FAIL %s: ", #cond);       \
			printf(__VA_ARGS__);              \
			printf("\n");                     \
			atomic_fetch_add(&failures, 1);   \
		}                                         \
	} while (0)

#define PT_TCS 1
#define SECINFO_R 1
#define SECINFO_W 2
#define SECINFO_PENDING 8

struct encl {
	int fd;
	uint64_t base, end;             /* ELRANGE base; offset past the image */
	uint64_t tcs[ENCL_NR_TCS];
	uint64_t big, big_size;         /* the large buffer, as offsets */
};

/* raw_enclu.S: EENTER with a raw ENCLU, and the AEP (an ERESUME). */
void raw_eenter(struct encl_op *op, uint64_t tcs);
extern const char raw_aep[];

/*
 * Open, create, add, init and map the image, as the selftests do; with
 * @whole, as EDMM runtimes do: all of ELRANGE mapped read/write/execute
 * with MAP_FIXED_NOREPLACE before ECREATE, and no mapping per page.
 */
static int build_as(struct encl *e, int whole)
{
	struct sgx_enclave_create create = { .src = (uint64_t)(uintptr_t)secs };
	struct sgx_enclave_init init = { .sigstruct = (uint64_t)(uintptr_t)sigstruct };
	uint8_t *reserve;
	unsigned int n = 0;
	size_t i;

	memset(e, 0, sizeof(*e));
	e->fd = open("/dev/sgx_enclave", O_RDWR);
	if (e->fd < 0)
		return -errno;
	reserve = mmap(NULL, 2 * encl_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (reserve == MAP_FAILED)
		return -errno;
	e->base = ((uint64_t)(uintptr_t)reserve + encl_size - 1) & ~(encl_size - 1);
	if (whole) {
		void *want = (void *)(uintptr_t)e->base;

		munmap(want, encl_size);
		if (mmap(want, encl_size, PROT_READ | PROT_WRITE | PROT_EXEC,
			 MAP_SHARED | MAP_FIXED_NOREPLACE, e->fd, 0) != want)
			return -errno;
		/* A second time: the range is taken now. */
		if (mmap(want, 4096, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, e->fd, 0) !=
			    MAP_FAILED ||
		    errno != EEXIST)
			return -EPROTO;
	}
	memset(secs, 0, sizeof(secs));
	memcpy(secs, &encl_size, 8);
	memcpy(secs + 8, &e->base, 8);
	memcpy(secs + 16, &ssaframesize, 4);
	memcpy(secs + 20, sigstruct + 900, 4);
	memcpy(secs + 48, sigstruct + 928, 16);
	if (ioctl(e->fd, SGX_IOC_ENCLAVE_CREATE, &create))
		return -errno;
	for (i = 0; i < nr_pages; i++) {
		uint64_t si[8] __attribute__((aligned(64))) = { pages[i].flags };
		struct sgx_enclave_add_pages ap = {
			.src = (uint64_t)(uintptr_t)pages[i].data,
			.offset = pages[i].offset,
			.length = 4096,
			.secinfo = (uint64_t)(uintptr_t)si,
			.flags = pages[i].measured ? SGX_PAGE_MEASURE : 0,
		};

		if (ioctl(e->fd, SGX_IOC_ENCLAVE_ADD_PAGES, &ap))
			return -errno;
	}
	if (ioctl(e->fd, SGX_IOC_ENCLAVE_INIT, &init))
		return -errno;
	for (i = 0; i < nr_pages; i++) {
		int type = (int)((pages[i].flags >> 8) & 0xff);
		int prot = type == PT_TCS ? PROT_READ | PROT_WRITE : (int)(pages[i].flags & 7);
		void *want = (void *)(uintptr_t)(e->base + pages[i].offset);

		if (!whole && mmap(want, 4096, prot, MAP_SHARED | MAP_FIXED, e->fd, 0) != want)
			return -errno;
		if (type == PT_TCS && n < ENCL_NR_TCS)
			e->tcs[n++] = e->base + pages[i].offset;
		if (pages[i].offset + 4096 > e->end)
			e->end = pages[i].offset + 4096;
	}
	return 0;
}

static int build(struct encl *e)
{
	return build_as(e, 0);
}

/* One ECALL through TCS @t; r0 back, or ~0 if it did not EEXIT. */
static uint64_t ecall(const struct encl *e, unsigned int t, struct encl_op *op)
{
	struct sgx_enclave_run run;

	memset(&run, 0, sizeof(run));
	run.tcs = e->tcs[t];
	if (call_vdso((unsigned long)op, 0, 0, 2, 0, 0, &run) || run.function != 4) {
		printf("ecall %llu on TCS %u: exception %u at %#llx\n", (unsigned long long)op->type,
		       t, run.exception_vector, (unsigned long long)run.exception_addr);
		return ~0ULL;
	}
	return op->r0;
}

static uint64_t op3(const struct encl *e, unsigned int t, uint64_t type, uint64_t a, uint64_t b,
		    uint64_t r4)
{
	struct encl_op op;

	memset(&op, 0, sizeof(op));
	op.type = type;
	op.a = a;
	op.b = b;
	op.r4 = r4;
	return ecall(e, t, &op);
}

static void find_big(struct encl *e)
{
	struct encl_op op = { .type = ENCL_OP_BIG };

	ecall(e, 0, &op);
	e->big = op.r0;
	e->big_size = op.r1;
}

/* build() and find_big(), and the whole buffer filled with 0x55: 0, or 1
 * after saying what failed. */
static int build_filled(struct encl *e)
{
	int err = build(e);

	CHECK(err == 0, "build: %s", strerror(-err));
	if (err)
		return 1;
	find_big(e);
	if (op3(e, 0, ENCL_OP_FILL, e->big, e->big_size / 4096, 0x55) == ~0ULL) {
		CHECK(0, "fill");
		return 1;
	}
	return 0;
}

/* --- threads: EDMM and paging on threads other than the main one -------- */

struct worker {
	const struct encl *e;
	unsigned int t;
	uint64_t first, count;      /* hole pages this thread accepts */
};

static void *work(void *arg)
{
	const struct worker *w = arg;
	const struct encl *e = w->e;
	uint64_t share = e->big_size / 4096 / ENCL_NR_TCS, i, off;
	struct encl_op op;

	/* The first thing the thread does is take pages on demand. */
	for (i = 0; i < w->count; i++) {
		off = e->end + (w->first + i) * 4096;
		memset(&op, 0, sizeof(op));
		op.type = ENCL_OP_EACCEPT;
		op.a = off;
		{
			struct encl_sgx2_in in = { .flags = SECINFO_R | SECINFO_W |
							   (2 << 8) | SECINFO_PENDING };

			memcpy(op.in, &in, sizeof(in));
		}
		CHECK(ecall(e, w->t, &op) == 0, "EACCEPT at %#llx on thread %u",
		      (unsigned long long)off, w->t);
		CHECK(op3(e, w->t, ENCL_OP_WRITE, off, off ^ w->t, 0) != ~0ULL, "write");
		CHECK(op3(e, w->t, ENCL_OP_READ, off, 0, 0) == (off ^ w->t), "read back");
	}
	/* Then pages of its own share of the buffer, more than the EPC holds. */
	off = e->big + w->t * share * 4096;
	CHECK(op3(e, w->t, ENCL_OP_FILL, off, share, w->t + 1) != ~0ULL, "fill");
	CHECK(op3(e, w->t, ENCL_OP_CHECK, off, share, w->t + 1) == 0, "check on thread %u", w->t);
	return NULL;
}

static int threads(void)
{
	struct worker w[ENCL_NR_TCS];
	pthread_t th[ENCL_NR_TCS];
	struct encl e;
	uint64_t holes, per, share;
	unsigned int t;
	int err = build(&e);

	CHECK(err == 0, "build: %s", strerror(-err));
	if (err)
		return 1;
	find_big(&e);
	holes = (encl_size - e.end) / 4096;
	per = holes / ENCL_NR_TCS < 8 ? holes / ENCL_NR_TCS : 8;
	/* The rest of ELRANGE, mapped for pages added on demand. */
	CHECK(mmap((void *)(uintptr_t)(e.base + e.end), encl_size - e.end, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_FIXED, e.fd, 0) == (void *)(uintptr_t)(e.base + e.end),
	      "map the holes");
	for (t = 0; t < ENCL_NR_TCS; t++) {
		w[t] = (struct worker){ .e = &e, .t = t, .first = t * per, .count = per };
		CHECK(pthread_create(&th[t], NULL, work, &w[t]) == 0, "pthread_create");
	}
	for (t = 0; t < ENCL_NR_TCS; t++)
		pthread_join(th[t], NULL);
	share = e.big_size / 4096 / ENCL_NR_TCS;
	for (t = 0; t < ENCL_NR_TCS; t++)
		CHECK(op3(&e, 0, ENCL_OP_CHECK, e.big + t * share * 4096, share, t + 1) == 0,
		      "share %u from the main thread", t);
	printf("threads: %u threads took %llu pages each on demand and paged %llu pages\n",
	       ENCL_NR_TCS, (unsigned long long)per, (unsigned long long)(e.big_size / 4096));
	return 0;
}

/* --- a paging storm: a working set that the machine's EPC may not hold ---- */

/*
 * Fill STORM_PAGES pages (default 151) of the large buffer with words of
 * this process's own seed, then check and refill them for STORM_SECONDS
 * (default 3): with other processes on a machine whose EPC holds less
 * than all of them, pages move between the processes.  Prints the
 * mismatches, which must be 0.
 */
static int storm(void)
{
	const char *p = getenv("STORM_PAGES"), *t = getenv("STORM_SECONDS");
	uint64_t npages = p ? strtoull(p, NULL, 0) : 151, bad = 0, rounds = 0, seed;
	time_t end = time(NULL) + (t ? atoi(t) : 3);
	struct encl e;
	int err = build(&e);

	CHECK(err == 0, "build: %s", strerror(-err));
	if (err)
		return 1;
	find_big(&e);
	if (npages > e.big_size / 4096)
		npages = e.big_size / 4096;
	seed = (uint64_t)getpid() << 32;
	op3(&e, 0, ENCL_OP_FILL_WORDS, e.big, npages, seed);
	printf("storm: %llu pages filled\n", (unsigned long long)npages);
	/* STORM_CLOSE_ALL: what a daemon-style program does first. */
	if (getenv("STORM_CLOSE_ALL")) {
		int fd;

		for (fd = 3; fd < 1024; fd++)
			if (fd != e.fd)
				close(fd);
		syscall(SYS_close_range, 3, 2, 0);
		printf("storm: closed every descriptor but the enclave's\n");
	}
	while (time(NULL) < end) {
		bad += op3(&e, 0, ENCL_OP_CHECK_WORDS, e.big, npages, seed + rounds);
		rounds++;
		op3(&e, 0, ENCL_OP_FILL_WORDS, e.big, npages, seed + rounds);
	}
	printf("storm: %llu rounds over %llu pages, %llu mismatches\n", (unsigned long long)rounds,
	       (unsigned long long)npages, (unsigned long long)bad);
	CHECK(bad == 0, "mismatches");
	return 0;
}

/* --- fork with live enclaves ------------------------------------------- */

static _Atomic uint64_t spin_flag[2];

static void *spinner(void *arg)
{
	struct encl_op op = { .type = ENCL_OP_SPIN, .a = (uint64_t)(uintptr_t)spin_flag };

	ecall(arg, 1, &op);
	return NULL;
}

static void child_segv(int sig)
{
	(void)sig;
	_exit(3);
}

/* In a child of fork(): an enclave of its own, filled and checked over a
 * buffer larger than the EPC.  Return: 0, or 1 after a line saying why. */
static int child_own_enclave(void)
{
	struct encl e;
	int err = build(&e);

	if (err) {
		printf("child: build: %s\n", strerror(-err));
		return 1;
	}
	find_big(&e);
	if (op3(&e, 0, ENCL_OP_FILL, e.big, e.big_size / 4096, 0x77) == ~0ULL ||
	    op3(&e, 0, ENCL_OP_CHECK, e.big, e.big_size / 4096, 0x77) != 0) {
		printf("child: its own enclave does not hold its data\n");
		return 1;
	}
	return 0;
}

static int fork_child(const struct encl *parent)
{
	/* Its own enclave, paging in its own driver: the parent's must not
	 * be touched. */
	if (child_own_enclave())
		return 1;
	/* The parent's enclave is not usable here: its file refuses work, and
	 * touching its memory faults. */
	if (ioctl(parent->fd, SGX_IOC_ENCLAVE_INIT, &(struct sgx_enclave_init){ 0 }) != -1 ||
	    errno != EIO) {
		printf("child: the parent's enclave file answered %s\n", strerror(errno));
		return 1;
	}
	printf("child: the parent's enclave file: %s\n", strerror(errno));
	signal(SIGSEGV, child_segv);
	signal(SIGBUS, child_segv);
	*(volatile uint64_t *)(uintptr_t)(parent->base + parent->big) = 0xbad;
	printf("child: wrote into the parent's enclave memory\n");
	return 1;
}

/* fork() while a thread (*@th) spins inside @e; the child exits with what
 * @child returns.  The spinner goes on until spin_flag[0] is set. */
static pid_t fork_with_a_thread_inside(struct encl *e, pthread_t *th,
				       int (*child)(const struct encl *))
{
	pid_t pid;

	pthread_create(th, NULL, spinner, e);
	while (!atomic_load(&spin_flag[1]))
		sched_yield();
	pid = fork();
	if (pid == 0)
		_exit(child(e));
	return pid;
}

static int fork_scenario(void)
{
	struct encl e;
	pthread_t th;
	int status;
	pid_t pid;

	if (build_filled(&e))
		return 1;
	pid = fork_with_a_thread_inside(&e, &th, fork_child);
	atomic_store(&spin_flag[0], 1);
	pthread_join(th, NULL);
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	printf("child: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 3 ?
		"faulted on the parent's enclave" : "did something else");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3, "child status %#x", status);
	CHECK(op3(&e, 0, ENCL_OP_CHECK, e.big, e.big_size / 4096, 0x55) == 0,
	      "the parent's pages after the child ran");
	printf("fork: the parent's enclave is intact\n");
	return 0;
}

/*
 * fork() as Linux does it: the child shares the enclave (SGXEMU_FORK_SHARE
 * is on by default).  A thread of the parent is inside while the process
 * forks; the child reads what the parent wrote over a buffer larger than
 * the EPC, writes the second half, and pages an enclave of its own beside
 * it, evicting pages of the one it shares; the parent reads the child's
 * half.
 */
static int fork_share_child(const struct encl *parent)
{
	uint64_t half = parent->big_size / 4096 / 2;

	if (op3(parent, 2, ENCL_OP_CHECK, parent->big, half * 2, 0x55) != 0) {
		printf("child: the parent's pages are not what it wrote\n");
		return 1;
	}
	if (op3(parent, 2, ENCL_OP_FILL, parent->big + half * 4096, half, 0x66) == ~0ULL) {
		printf("child: the shared enclave refused an ECALL\n");
		return 1;
	}
	if (child_own_enclave())
		return 1;
	printf("child: read the parent's pages, wrote its half, paged its own enclave\n");
	return 5;
}

static int fork_share_scenario(void)
{
	struct encl e;
	pthread_t th;
	uint64_t half;
	int status, err = build(&e);
	pid_t pid;

	CHECK(err == 0, "build: %s", strerror(-err));
	if (err)
		return 1;
	find_big(&e);
	half = e.big_size / 4096 / 2;
	CHECK(op3(&e, 0, ENCL_OP_FILL, e.big, half * 2, 0x55) != ~0ULL, "fill");
	pid = fork_with_a_thread_inside(&e, &th, fork_share_child);
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	atomic_store(&spin_flag[0], 1);
	pthread_join(th, NULL);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 5, "child status %#x", status);
	CHECK(op3(&e, 0, ENCL_OP_CHECK, e.big, half, 0x55) == 0, "the parent's half");
	CHECK(op3(&e, 0, ENCL_OP_CHECK, e.big + half * 4096, half, 0x66) == 0, "the child's half");
	printf("fork-share: the parent reads the child's half, and its own\n");
	return 0;
}

/*
 * The child outlives its parent: on a host machine the two share the
 * parent's slot, which stays while either lives.  The parent fills a
 * buffer larger than the EPC, forks, and exits once $FORK_HOLD/parent
 * exists; the child, once its parent is gone, reads every page back and
 * exits once $FORK_HOLD/child exists.
 */
static int hold_until(const char *name)
{
	const char *dir = getenv("FORK_HOLD");
	char path[512];
	int i;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : ".", name);
	for (i = 0; i < 6000 && access(path, F_OK); i++)
		usleep(10000);
	return i < 6000 ? 0 : -1;
}

static int fork_outlive_child(const struct encl *e, pid_t parent)
{
	int i;

	/* After what fork() does in the child (it joined the machine's slot
	 * by now). */
	printf("child running\n");
	for (i = 0; i < 6000 && getppid() == parent; i++)
		usleep(10000);
	if (getppid() == parent) {
		printf("child: its parent did not exit\n");
		return 1;
	}
	if (op3(e, 1, ENCL_OP_CHECK, e->big, e->big_size / 4096, 0x55) != 0) {
		printf("child: the enclave lost pages with its parent\n");
		return 1;
	}
	printf("child %d: the enclave outlived its parent, every page intact\n", (int)getpid());
	return hold_until("child") ? 1 : 0;
}

static int fork_outlive(void)
{
	struct encl e;
	pid_t pid, parent = getpid();

	if (build_filled(&e))
		return 1;
	pid = fork();
	if (pid == 0)
		_exit(fork_outlive_child(&e, parent));
	CHECK(pid > 0, "fork: %s", strerror(errno));
	printf("forked child %d\n", (int)pid);
	CHECK(hold_until("parent") == 0, "nobody said the parent may exit");
	return 0;
}

/*
 * A child's mappings are its own, as Linux's VMAs are each mm's: the child
 * of a process with an enclave makes the enclave's buffer read-only, then
 * unmaps all of ELRANGE, and exits; the parent, its mappings untouched,
 * fills and checks the buffer (larger than the EPC: pages reload) and
 * makes an ECALL.
 */
static int fork_unmap(void)
{
	struct encl e;
	int status, pass;
	pid_t pid;

	if (build_filled(&e))
		return 1;
	pid = fork();
	if (pid == 0) {
		if (mprotect((void *)(uintptr_t)(e.base + e.big), e.big_size, PROT_READ) ||
		    munmap((void *)(uintptr_t)e.base, encl_size))
			_exit(1);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	printf("child: made the buffer read-only, unmapped the enclave, exited\n");
	for (pass = 0; pass < 2; pass++) {
		CHECK(op3(&e, 0, ENCL_OP_CHECK, e.big, e.big_size / 4096, 0x55 + pass) == 0,
		      "the parent's pages after the child's munmap (pass %d)", pass);
		CHECK(op3(&e, 0, ENCL_OP_FILL, e.big, e.big_size / 4096, 0x56 + pass) != ~0ULL,
		      "the parent's fill after the child's munmap (pass %d)", pass);
	}
	printf("fork-unmap: the parent's mappings are its own\n");
	return 0;
}

/*
 * A restriction of a page's EPCM permissions reaches every process that
 * shares the enclave, as Linux zaps the page's PTEs in every mm: the
 * parent restricts a page of the buffer to read-only (EMODPR, EACCEPT)
 * after fork(); the child's write to it then faults (#PF), as the
 * parent's does, and its read still works.
 */
static int fork_restrict(void)
{
	struct sgx_enclave_restrict_permissions rp = { .length = 4096,
						       .permissions = SECINFO_R };
	struct encl_sgx2_in in = { .flags = SECINFO_R | (2 << 8) /* PT_REG */ | 0x20 /* PR */ };
	struct encl_op op = { .type = ENCL_OP_EACCEPT };
	struct encl e;
	int go[2], status, err = build(&e);
	uint64_t off;
	pid_t pid;
	char c;

	CHECK(err == 0, "build: %s", strerror(-err));
	if (err || pipe(go))
		return 1;
	find_big(&e);
	off = e.big;
	CHECK(op3(&e, 0, ENCL_OP_WRITE, off, 0x1234, 0) != ~0ULL, "write before");
	pid = fork();
	if (pid == 0) {
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		if (op3(&e, 1, ENCL_OP_READ, off, 0, 0) != 0x1234) {
			printf("child: cannot read the restricted page\n");
			_exit(1);
		}
		printf("child: writes the page its parent made read-only\n");
		if (op3(&e, 1, ENCL_OP_WRITE, off, 0x5678, 0) != ~0ULL) {
			printf("child: the write went through\n");
			_exit(1);
		}
		_exit(0);
	}
	rp.offset = off;
	CHECK(ioctl(e.fd, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, &rp) == 0 && !rp.result,
	      "EMODPR: %s, result %llu", strerror(errno), (unsigned long long)rp.result);
	op.a = off;
	memcpy(op.in, &in, sizeof(in));
	CHECK(ecall(&e, 0, &op) == 0, "EACCEPT of the restriction");
	CHECK(op3(&e, 0, ENCL_OP_WRITE, off, 0x9abc, 0) == ~0ULL,
	      "the parent's write to the read-only page went through");
	CHECK(write(go[1], "x", 1) == 1, "go");
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	/* (TCS 0 and 1 each took an AEX: their next entry would be at CSSA 1.) */
	CHECK(op3(&e, 2, ENCL_OP_READ, off, 0, 0) == 0x1234, "the page after the child");
	printf("fork-restrict: the child's write faulted too\n");
	return 0;
}

/* Lines of /proc/self/maps, and links in /proc/self/fd, naming @what. */
static int self_mentions(const char *what)
{
	char line[512], path[64], target[256];
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0, fd;
	ssize_t len;

	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, what) != NULL;
	if (f)
		fclose(f);
	for (fd = 0; fd < 4096; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		len = readlink(path, target, sizeof(target) - 1);
		if (len > 0) {
			target[len] = '\0';
			n += strstr(target, what) != NULL;
		}
	}
	return n;
}

/*
 * A process that lets go of an enclave it shares lets go of its memory
 * too, as an mm that drops its last VMA of a file does: the parent closes
 * the enclave's file and unmaps ELRANGE while its child still uses the
 * enclave; the parent then holds nothing of the enclave's memory file,
 * and the child reads every page.
 */
static int fork_letgo(void)
{
	int go[2], status, before;
	struct encl e;
	pid_t pid;
	char c;

	before = self_mentions("sgxemu-enclave");
	if (build_filled(&e) || pipe(go))
		return 1;
	pid = fork();
	if (pid == 0) {
		if (read(go[0], &c, 1) != 1 ||
		    op3(&e, 1, ENCL_OP_CHECK, e.big, e.big_size / 4096, 0x55) != 0)
			_exit(1);
		_exit(0);
	}
	CHECK(self_mentions("sgxemu-enclave") > before, "the enclave's memory file is not seen");
	close(e.fd);
	munmap((void *)(uintptr_t)e.base, encl_size);
	CHECK(self_mentions("sgxemu-enclave") == before,
	      "the parent still holds %d mappings or descriptors of the enclave's memory",
	      self_mentions("sgxemu-enclave") - before);
	CHECK(write(go[1], "x", 1) == 1, "go");
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	printf("fork-letgo: the parent let go of the enclave's memory, the child read it all\n");
	return 0;
}

/*
 * More children than may share one enclave: $FORK_N children (one fewer
 * than the limit, the parent being one) each make an ECALL in turn and
 * stay; then one more tries.  Each says how it went over a pipe.
 */
static int fork_crowd(void)
{
	const char *s = getenv("FORK_N");
	int n = s ? atoi(s) : 0, i, ok = 0, st, status[2], hold[2];
	struct encl e;
	char c;

	if (n <= 0 || build_filled(&e) || pipe(status) || pipe(hold))
		return 1;
	for (i = 0; i <= n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			close(hold[1]);
			c = op3(&e, 1, ENCL_OP_CHECK, e.big, 1, 0x55) == 0 ? 'y' : 'n';
			if (write(status[1], &c, 1) != 1 || read(hold[0], &c, 1) < 0)
				_exit(1);
			_exit(0);
		}
		if (pid < 0 || read(status[0], &c, 1) != 1)
			break;
		ok += c == 'y';
		if (i == n)
			printf("fork-crowd: %d children used the enclave; the next one %s\n", ok,
			       c == 'y' ? "did too" : "could not");
	}
	close(hold[1]);
	while (wait(&st) > 0)
		;
	CHECK(op3(&e, 0, ENCL_OP_CHECK, e.big, e.big_size / 4096, 0x55) == 0, "the parent's pages");
	return 0;
}

/* --- threads made with a raw clone(), sharing their parent's TLS ------- */

static char clone_stack[65536] __attribute__((aligned(16)));
static char clone_alt[65536];
static volatile int clone_tid = 1;
static struct encl_op clone_op;
static struct encl *clone_encl;

/* Raw system calls only: this thread has no TLS of its own. */
static long raw6(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static int clone_fn(void *arg)
{
	stack_t ss = { .ss_sp = clone_alt, .ss_size = sizeof(clone_alt) };

	(void)arg;
	/* Its first calls: a raw sigaltstack, then a raw ENCLU. */
	if (raw6(SYS_sigaltstack, (long)&ss, 0, 0))
		return 1;
	clone_op.type = ENCL_OP_PUT;
	clone_op.a = 0xc10e;
	raw_eenter(&clone_op, clone_encl->tcs[2]);
	clone_op.type = ENCL_OP_GET;
	raw_eenter(&clone_op, clone_encl->tcs[2]);
	return 0;
}

static int clone_notls(void)
{
	struct encl e;
	int err = build(&e);

	CHECK(err == 0, "build: %s", strerror(-err));
	if (err)
		return 1;
	clone_encl = &e;
	/* No CLONE_SETTLS: the thread's FS is this thread's. */
	CHECK(clone(clone_fn, clone_stack + sizeof(clone_stack),
		    CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
			    CLONE_CHILD_CLEARTID,
		    NULL, NULL, NULL, &clone_tid) > 0,
	      "clone");
	while (clone_tid)
		syscall(SYS_futex, &clone_tid, FUTEX_WAIT, clone_tid, NULL, NULL, 0);
	CHECK(clone_op.r0 == 0xc10e, "the thread's ECALL got %#llx", (unsigned long long)clone_op.r0);
	/* This thread's own state is still its own. */
	CHECK(op3(&e, 0, ENCL_OP_GET, 0, 0, 0) == 0xc10e, "ecall from the parent");
	printf("clone without TLS: the thread entered with a raw ENCLU and got %#llx\n",
	       (unsigned long long)clone_op.r0);
	return 0;
}

/* --- a pthread whose first calls are sigaltstack and a raw ENCLU -------- */

static void *altstack_first(void *arg)
{
	static char alt[65536];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) }, back, had;
	struct encl_op op = { .type = ENCL_OP_COMPUTE, .a = 100, .b = 7 };
	const struct encl *e = arg;

	CHECK(syscall(SYS_sigaltstack, &ss, &had) == 0, "sigaltstack");
	raw_eenter(&op, e->tcs[1]);
	CHECK(op.r0 != 0, "compute");
	/* The program still sees its own sigaltstack. */
	CHECK(syscall(SYS_sigaltstack, NULL, &back) == 0 && back.ss_sp == alt, "sigaltstack back");
	/* What the thread had goes back: a sanitizer's runtime unmaps an
	 * exiting thread's sigaltstack, which must not be our static one. */
	CHECK(syscall(SYS_sigaltstack, &had, NULL) == 0, "sigaltstack restored");
	return (void *)(uintptr_t)op.r0;
}

static int altstack_enclu(void)
{
	struct encl e;
	pthread_t th;
	void *r = NULL;
	int err = build(&e);

	CHECK(err == 0, "build: %s", strerror(-err));
	if (err)
		return 1;
	pthread_create(&th, NULL, altstack_first, &e);
	pthread_join(th, &r);
	CHECK(r == (void *)(uintptr_t)op3(&e, 0, ENCL_OP_COMPUTE, 100, 7, 0), "same result");
	printf("first calls sigaltstack and ENCLU: the ECALL ran\n");
	return 0;
}

static _Atomic uint64_t forever[2];

/* --- what the SDK's runtime does: mprotect of length 0, a thread whose
 * first act is a raw ENCLU, a signal while it computes inside --------- */

static volatile int usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen++;
}

/* What a new thread's sigaltstack is: none, or a sanitizer runtime's. */
static stack_t fresh_altstack;

static void *read_altstack(void *arg)
{
	(void)arg;
	CHECK(syscall(SYS_sigaltstack, NULL, &fresh_altstack) == 0, "sigaltstack");
	return NULL;
}

static void *first_enclu(void *arg)
{
	const struct encl *e = arg;
	struct encl_op op = { .type = ENCL_OP_SPIN, .a = (uint64_t)(uintptr_t)forever };
	stack_t ss;

	/* The first thing this thread does is enter, then loop inside while
	 * signals arrive: the emulator's stack must still be there. */
	raw_eenter(&op, e->tcs[1]);
	CHECK(syscall(SYS_sigaltstack, NULL, &ss) == 0 && ss.ss_flags == fresh_altstack.ss_flags &&
		      ss.ss_size == fresh_altstack.ss_size,
	      "the thread's own sigaltstack is still what a new thread has");
	return NULL;
}

static int sdk_calls(void)
{
	struct encl e;
	pthread_t th;
	int i, err = build(&e);

	CHECK(err == 0, "build: %s", strerror(-err));
	if (err)
		return 1;
	/* urts: a zero-length mprotect of an enclave page is a no-op, 0. */
	CHECK(mprotect((void *)(uintptr_t)e.tcs[0], 0, PROT_NONE) == 0, "mprotect len 0: %s",
	      strerror(errno));
	CHECK(mprotect((void *)(uintptr_t)(e.tcs[0] + 1), 0, PROT_NONE) == -1 && errno == EINVAL,
	      "mprotect len 0, unaligned");
	printf("mprotect of length 0: 0\n");
	signal(SIGUSR1, on_usr1);
	pthread_create(&th, NULL, read_altstack, NULL);
	pthread_join(th, NULL);
	pthread_create(&th, NULL, first_enclu, &e);
	while (!atomic_load(&forever[1]))
		sched_yield();
	/* One at a time: a second SIGUSR1 pending merges with the first. */
	for (i = 0; i < 20; i++) {
		int seen = usr1_seen, waits;

		pthread_kill(th, SIGUSR1);
		for (waits = 0; usr1_seen == seen && waits < 5000; waits++)
			usleep(1000);
	}
	atomic_store(&forever[0], 1);
	pthread_join(th, NULL);
	CHECK(usr1_seen == 20, "SIGUSR1 seen %d times", usr1_seen);
	CHECK(op3(&e, 0, ENCL_OP_COMPUTE, 1000, 3, 0) == op3(&e, 2, ENCL_OP_COMPUTE, 1000, 3, 0),
	      "the enclave's memory after the signals");
	printf("first act a raw ENCLU: %d signals taken inside\n", usr1_seen);
	return 0;
}

/* --- a handler that blocks SIGILL and SIGSEGV and re-enters ------------- */

static struct encl_op *reenter_op;
static volatile int reentered;

static void reenter_handler(int sig, siginfo_t *info, void *ucv)
{
	ucontext_t *uc = ucv;
	sigset_t now;

	(void)info;
	/* What the program asked for is what it sees. */
	sigprocmask(SIG_BLOCK, NULL, &now);
	if (!sigismember(&now, SIGILL) || !sigismember(&now, SIGSEGV))
		return;
	/* At the AEP: let the enclave handle its exception (EENTER with
	 * CSSA + 1), then return to the AEP, whose ERESUME goes on. */
	if (sig == SIGILL && uc->uc_mcontext.gregs[REG_RIP] == (greg_t)(uintptr_t)raw_aep) {
		raw_eenter(reenter_op, (uint64_t)uc->uc_mcontext.gregs[REG_RBX]);
		reentered++;
	}
}

static int sigmask_reenter(void)
{
	struct encl_op op = { .type = ENCL_OP_UD2, .exc_skip = 2 };
	struct sigaction sa;
	struct encl e;
	int err = build(&e);

	CHECK(err == 0, "build: %s", strerror(-err));
	if (err)
		return 1;
	reenter_op = &op;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = reenter_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGILL);
	sigaddset(&sa.sa_mask, SIGSEGV);
	sigaction(SIGILL, &sa, NULL);
	raw_eenter(&op, e.tcs[0]);
	CHECK(reentered == 1 && op.exc_count == 1, "re-entered %d times, %llu exceptions",
	      reentered, (unsigned long long)op.exc_count);
	printf("handler with SIGILL blocked: re-entered %d time, the enclave handled %llu "
	       "exception and went on\n", reentered, (unsigned long long)op.exc_count);
	return 0;
}

/* --- instructions SGX forbids in enclave mode --------------------------- */

static int insn(void)
{
	static const struct {
		const char *name;
		unsigned int len;       /* to skip it */
	} insns[ENCL_NR_INSNS] = { { "IN", 2 },	   { "OUT", 2 },   { "INS", 1 },
				   { "OUTS", 1 },  { "INT n", 2 }, { "far CALL", 6 } };
	struct encl e;
	unsigned int i;
	int err = build(&e);

	CHECK(err == 0, "build: %s", strerror(-err));
	if (err)
		return 1;
	for (i = 0; i < ENCL_NR_INSNS; i++) {
		struct encl_op op = { .type = ENCL_OP_INSN, .a = i, .exc_skip = insns[i].len };
		struct sgx_enclave_run run;

		/* The fault, reported through the vDSO... */
		memset(&run, 0, sizeof(run));
		run.tcs = e.tcs[0];
		call_vdso((unsigned long)&op, 0, 0, 2, 0, 0, &run);
		CHECK(run.exception_vector == 6, "%s gave vector %u", insns[i].name,
		      run.exception_vector);
		/* ...seen by the enclave's own handler in EXITINFO (valid, a
		 * hardware exception, #UD), which skips it... */
		call_vdso((unsigned long)&op, 0, 0, 2, 0, 0, &run);
		CHECK(op.exc_exitinfo == 0x80000306, "%s: EXITINFO %#llx", insns[i].name,
		      (unsigned long long)op.exc_exitinfo);
		/* ...and the enclave goes on after it. */
		call_vdso((unsigned long)&op, 0, 0, 3, 0, 0, &run);
		CHECK(run.function == 4 && op.r0 == 1, "%s: resumed to %u", insns[i].name,
		      run.function);
		printf("%s: vector %u, EXITINFO %#llx\n", insns[i].name, run.exception_vector,
		       (unsigned long long)op.exc_exitinfo);
	}
	return 0;
}

/* --- system calls from enclave code, in a program started by exec ------ */

static int sud(void)
{
	struct encl_op op = { .type = ENCL_OP_SYSCALL };
	struct sgx_enclave_run run;
	struct encl e;
	int err = build(&e);

	CHECK(err == 0, "build: %s", strerror(-err));
	if (err)
		return 1;
	memset(&run, 0, sizeof(run));
	run.tcs = e.tcs[0];
	call_vdso((unsigned long)&op, 0, 0, 2, 0, 0, &run);
	printf("syscall in the enclave: vector %u\n", run.exception_vector);
	CHECK(run.exception_vector == 6, "vector %u, r0 %llu", run.exception_vector,
	      (unsigned long long)op.r0);
	return 0;
}

/* --- /proc/self/exe, and a runtime that re-executes itself through it -- */

static int proc_self_exe(char **argv, int reexec)
{
	char exe[PATH_MAX], want[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	CHECK(n > 0, "readlink");
	if (n <= 0)
		return 1;
	exe[n] = '\0';
	CHECK(realpath(argv[0], want) && !strcmp(exe, want), "/proc/self/exe is %s", exe);
	printf("/proc/self/exe names the program: %s\n", !strcmp(exe, want) ? "yes" : exe);
	if (reexec) {
		char *args[] = { argv[0], (char *)"proc-self-exe", argv[2], argv[3], NULL };

		fflush(stdout);
		execv("/proc/self/exe", args);
		printf("execv /proc/self/exe: %s\n", strerror(errno));
		return 1;
	}
	return sud();
}

/* --- EDMM over a whole ELRANGE mapped before ECREATE -------------------- */

static int edmm_whole(void)
{
	struct encl e;
	uint64_t off, n = 0, step;
	int err = build_as(&e, 1);

	CHECK(err == 0, "build: %s", strerror(-err));
	if (err)
		return 1;
	/* Pages far apart across ELRANGE: a sparse use of a large one. */
	step = (encl_size - e.end) / 64 > 4096 ? ((encl_size - e.end) / 64) & ~4095ULL : 4096;
	for (off = e.end; off < encl_size && n < 64; off += step, n++) {
		struct encl_op op = { .type = ENCL_OP_EACCEPT, .a = off };
		struct encl_sgx2_in in = { .flags = SECINFO_R | SECINFO_W | (2 << 8) |
						    SECINFO_PENDING };

		memcpy(op.in, &in, sizeof(in));
		CHECK(ecall(&e, 0, &op) == 0, "EACCEPT at %#llx", (unsigned long long)off);
		CHECK(op3(&e, 0, ENCL_OP_WRITE, off, off * 3, 0) != ~0ULL, "write");
		CHECK(op3(&e, 1, ENCL_OP_READ, off, 0, 0) == off * 3, "read at %#llx",
		      (unsigned long long)off);
	}
	printf("ELRANGE of %llu MiB mapped whole: %llu pages taken on demand\n",
	       (unsigned long long)(encl_size >> 20), (unsigned long long)n);
	return 0;
}

/* --- a large ELRANGE mapped after EINIT ---------------------------------- */

static int eaccept(const struct encl *e, unsigned int t, uint64_t off)
{
	struct encl_op op = { .type = ENCL_OP_EACCEPT, .a = off };
	struct encl_sgx2_in in = { .flags = SECINFO_R | SECINFO_W | (2 << 8) | SECINFO_PENDING };

	memcpy(op.in, &in, sizeof(in));
	return ecall(e, t, &op) == 0 ? 0 : -1;
}

static long rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

/*
 * What a runtime does with the part of a large ELRANGE it takes on demand
 * when it maps it after EINIT (not before ECREATE): up to 64 GiB of holes
 * mapped read/write, made read-only, unmapped.  That costs what the pages
 * used cost, not a page-table entry's worth of memory per page mapped.
 */
static int map_late(void)
{
	struct encl e;
	uint64_t len;
	long before, after;
	void *h;
	int err = build(&e);

	CHECK(err == 0, "build: %s", strerror(-err));
	if (err)
		return 1;
	h = (void *)(uintptr_t)(e.base + e.end);
	len = encl_size - e.end < (64ULL << 30) ? encl_size - e.end : 64ULL << 30;
	before = rss_kib();
	CHECK(mmap(h, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, e.fd, 0) == h,
	      "map: %s", strerror(errno));
	CHECK(mprotect(h, len, PROT_READ) == 0, "mprotect: %s", strerror(errno));
	CHECK(eaccept(&e, 0, e.end) == 0 && op3(&e, 0, ENCL_OP_READ, e.end, 0, 0) == 0,
	      "a page taken on demand");
	CHECK(munmap(h, len) == 0, "munmap: %s", strerror(errno));
	after = rss_kib();
	printf("map-late: %llu MiB of ELRANGE mapped after EINIT: %ld KiB more resident\n",
	       (unsigned long long)(len >> 20), after - before);
	CHECK(after - before < 64 * 1024, "resident memory grew by %ld KiB", after - before);
	return 0;
}

/* --- a program with a fast interval timer (a profiler's SIGPROF, a
 * runtime's SIGALRM tick), its handler SA_RESTART ------------------------ */

static atomic_ulong ticks;

static void on_tick(int sig)
{
	(void)sig;
	atomic_fetch_add(&ticks, 1);
}

static int itimer_build(void)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 20 }, { 0, 20 } };
	struct encl e;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tick;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	if (build_filled(&e))
		return 1;
	CHECK(op3(&e, 0, ENCL_OP_CHECK, e.big, e.big_size / 4096, 0x55) == 0, "check");
	printf("itimer: built and paged with %lu ticks\n", (unsigned long)atomic_load(&ticks));
	return 0;
}

/* --- a signal still ends a process whose enclave never returns --------- */

static void *killer(void *arg)
{
	while (!atomic_load(&forever[1]))
		sched_yield();
	printf("inside; sending signal %d\n", (int)(intptr_t)arg);
	kill(getpid(), (int)(intptr_t)arg);
	return NULL;
}

static void on_int(int sig)
{
	(void)sig;
	_exit(42);
}

static int endless(int sig, int handled)
{
	struct encl_op op = { .type = ENCL_OP_SPIN, .a = (uint64_t)(uintptr_t)forever };
	struct encl e;
	pthread_t th;
	int err = build(&e);

	CHECK(err == 0, "build: %s", strerror(-err));
	if (err)
		return 1;
	if (handled)
		signal(sig, on_int);
	pthread_create(&th, NULL, killer, (void *)(intptr_t)sig);
	ecall(&e, 0, &op);
	printf("the enclave returned\n");
	return 1;
}

int main(int argc, char **argv)
{
	int ret = 2;

	if (argc != 4) {
		fprintf(stderr, "usage: runtime_prog SCENARIO SGXS SIG\n");
		return 2;
	}
	read_sgxs(argv[2]);
	read_sig(argv[3]);
	vdso_target = vdso_lookup();
	if (!vdso_target) {
		printf("no __vdso_sgx_enter_enclave\nFAILED\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(argv[1], "threads"))
		ret = threads();
	else if (!strcmp(argv[1], "fork"))
		ret = fork_scenario();
	else if (!strcmp(argv[1], "fork-share"))
		ret = fork_share_scenario();
	else if (!strcmp(argv[1], "fork-outlive"))
		ret = fork_outlive();
	else if (!strcmp(argv[1], "fork-unmap"))
		ret = fork_unmap();
	else if (!strcmp(argv[1], "fork-restrict"))
		ret = fork_restrict();
	else if (!strcmp(argv[1], "fork-letgo"))
		ret = fork_letgo();
	else if (!strcmp(argv[1], "fork-crowd"))
		ret = fork_crowd();
	else if (!strcmp(argv[1], "clone-notls"))
		ret = clone_notls();
	else if (!strcmp(argv[1], "altstack-enclu"))
		ret = altstack_enclu();
	else if (!strcmp(argv[1], "sigmask-reenter"))
		ret = sigmask_reenter();
	else if (!strcmp(argv[1], "insn"))
		ret = insn();
	else if (!strcmp(argv[1], "sud"))
		ret = sud();
	else if (!strcmp(argv[1], "proc-self-exe"))
		ret = proc_self_exe(argv, 0);
	else if (!strcmp(argv[1], "reexec"))
		ret = proc_self_exe(argv, 1);
	else if (!strcmp(argv[1], "edmm-whole"))
		ret = edmm_whole();
	else if (!strcmp(argv[1], "map-late"))
		ret = map_late();
	else if (!strcmp(argv[1], "itimer"))
		ret = itimer_build();
	else if (!strcmp(argv[1], "sdk-calls"))
		ret = sdk_calls();
	else if (!strcmp(argv[1], "storm"))
		ret = storm();
	else if (!strcmp(argv[1], "sigterm"))
		ret = endless(SIGTERM, 0);
	else if (!strcmp(argv[1], "sigint-handled"))
		ret = endless(SIGINT, 1);
	else
		fprintf(stderr, "runtime_prog: unknown scenario '%s'\n", argv[1]);
	if (ret == 2)
		return 2;
	ret = ret || atomic_load(&failures);
	printf("%s\n", ret ? "FAILED" : "PASSED");
	return ret;
}
