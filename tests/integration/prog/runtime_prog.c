// SPDX-License-Identifier: MIT
/*
 * What SGX runtimes do in their first second, written for the Linux SGX
 * driver and knowing nothing of sgxemu: threads that take pages on demand
 * (EDMM) and page (an EPC smaller than the enclave), fork() with live
 * enclaves.  Run by tests/integration/runtime_test.c under `sgxemu run`.
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
#include <sys/mman.h>
#include <sys/wait.h>
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

/* Open, create, add, init and map the image, as the selftests do. */
static int build(struct encl *e)
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
	reserve = mmap(NULL, 2 * encl_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (reserve == MAP_FAILED)
		return -errno;
	e->base = ((uint64_t)(uintptr_t)reserve + encl_size - 1) & ~(encl_size - 1);
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

		if (mmap(want, 4096, prot, MAP_SHARED | MAP_FIXED, e->fd, 0) != want)
			return -errno;
		if (type == PT_TCS && n < ENCL_NR_TCS)
			e->tcs[n++] = e->base + pages[i].offset;
		if (pages[i].offset + 4096 > e->end)
			e->end = pages[i].offset + 4096;
	}
	return 0;
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

static int fork_child(const struct encl *parent)
{
	struct encl e;
	int err;

	/* Its own enclave, paging in its own driver: the parent's must not
	 * be touched. */
	err = build(&e);
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

static int fork_scenario(void)
{
	struct encl e;
	pthread_t th;
	int status, err = build(&e);
	pid_t pid;

	CHECK(err == 0, "build: %s", strerror(-err));
	if (err)
		return 1;
	find_big(&e);
	CHECK(op3(&e, 0, ENCL_OP_FILL, e.big, e.big_size / 4096, 0x55) != ~0ULL, "fill");
	/* A thread inside the enclave while the process forks. */
	pthread_create(&th, NULL, spinner, &e);
	while (!atomic_load(&spin_flag[1]))
		sched_yield();
	pid = fork();
	if (pid == 0)
		_exit(fork_child(&e));
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

int main(int argc, char **argv)
{
	int ret = 2;

	if (argc != 4) {
		fprintf(stderr, "usage: runtime_prog threads|fork SGXS SIG\n");
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
	else
		fprintf(stderr, "runtime_prog: unknown scenario '%s'\n", argv[1]);
	if (ret == 2)
		return 2;
	ret = ret || atomic_load(&failures);
	printf("%s\n", ret ? "FAILED" : "PASSED");
	return ret;
}
