// SPDX-License-Identifier: MIT
/*
 * A program written for the Linux SGX driver, run by the tests under
 * `sgxemu run`.  It knows nothing of sgxemu: it opens /dev/sgx_enclave,
 * builds the test enclave from its .sgxs and .sig with the uAPI ioctls,
 * maps it, finds __vdso_sgx_enter_enclave in the vDSO, and calls in.
 *
 *   driver_prog --libc|--raw SGXS SIG
 *   driver_prog --bad-pointers
 *
 * --libc makes every call through the C library; --raw makes every driver
 * and signal call with syscall() (rt_sigaction with its own restorer, as
 * runtimes such as Gramine do).  Both print the same lines; the tests
 * compare them.  Exit status 0 when every step did what Linux would do.
 */
#include <asm/sgx.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "enclave.h"
#include "uapi.h"

static int raw;
static int failures;

#define CHECK(cond, ...)                                  \
	do {                                              \
		if (!(cond)) {                            \
			printf("FAIL %s: ", #cond);       \
			printf(__VA_ARGS__);              \
			printf("\n");                     \
			failures++;                       \
		}                                         \
	} while (0)

/* --- the two ways to make a call ------------------------------------- */

static long ret_of(long r)
{
	if (r == -1)
		return -errno;
	return r;
}

static long x_open(const char *path, int flags)
{
	return raw ? ret_of(syscall(SYS_openat, AT_FDCWD, path, flags, 0)) :
		     ret_of(open(path, flags));
}

static long x_ioctl(int fd, unsigned long cmd, void *arg)
{
	return raw ? ret_of(syscall(SYS_ioctl, fd, cmd, arg)) : ret_of(ioctl(fd, cmd, arg));
}

static void *x_mmap(void *addr, size_t len, int prot, int flags, int fd)
{
	return raw ? (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, 0) :
		     mmap(addr, len, prot, flags, fd, 0);
}

static long x_munmap(void *addr, size_t len)
{
	return raw ? ret_of(syscall(SYS_munmap, addr, len)) : ret_of(munmap(addr, len));
}

static long x_mprotect(void *addr, size_t len, int prot)
{
	return raw ? ret_of(syscall(SYS_mprotect, addr, len, prot)) :
		     ret_of(mprotect(addr, len, prot));
}

static long x_close(int fd)
{
	return raw ? ret_of(syscall(SYS_close, fd)) : ret_of(close(fd));
}

static long x_dup(int fd)
{
	return raw ? ret_of(syscall(SYS_dup, fd)) : ret_of(dup(fd));
}

static long x_stat(const char *path, struct stat *st)
{
	return raw ? ret_of(syscall(SYS_newfstatat, AT_FDCWD, path, st, 0)) :
		     ret_of(stat(path, st));
}

static long x_fstat(int fd, struct stat *st)
{
	return raw ? ret_of(syscall(SYS_fstat, fd, st)) : ret_of(fstat(fd, st));
}

/* The kernel's struct sigaction and a restorer of our own. */
struct ksigaction {
	void *handler;
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

void prog_restorer(void);
__asm__(".text\n"
	".globl prog_restorer\n"
	"prog_restorer:\n"
	"	mov $15, %eax\n"
	"	syscall\n"
	"	hlt\n");

static long x_sigaction(int sig, void (*fn)(int, siginfo_t *, void *))
{
	if (raw) {
		struct ksigaction ka = { .handler = (void *)fn,
					 .flags = SA_SIGINFO | 0x04000000 /* SA_RESTORER */,
					 .restorer = prog_restorer };

		return ret_of(syscall(SYS_rt_sigaction, sig, &ka, NULL, 8));
	} else {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = fn;
		sa.sa_flags = SA_SIGINFO;
		return ret_of(sigaction(sig, &sa, NULL));
	}
}

static long x_sigaltstack(const stack_t *ss, stack_t *old)
{
	return raw ? ret_of(syscall(SYS_sigaltstack, ss, old)) : ret_of(sigaltstack(ss, old));
}

static long x_block(int sig)
{
	uint64_t set = 1ULL << (sig - 1);
	sigset_t s;

	if (raw)
		return ret_of(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 8));
	sigemptyset(&s);
	sigaddset(&s, sig);
	return ret_of(sigprocmask(SIG_BLOCK, &s, NULL));
}

/* --- signals ----------------------------------------------------------- */

static volatile int got_usr1;
static char altstack[65536];

static void on_usr1(int sig, siginfo_t *info, void *uc)
{
	(void)info;
	(void)uc;
	got_usr1 = sig;
}

/* A second thread, made after the filter: its calls are seen too. */
static void *thread_open(void *arg)
{
	struct stat st;
	long fd = x_open("/dev/sgx_provision", O_RDWR);

	(void)arg;
	if (fd < 0 || x_fstat((int)fd, &st) || minor(st.st_rdev) != 126 || x_close((int)fd))
		return (void *)1;
	return NULL;
}

/*
 * Raw calls with pointers to nothing: each gets EFAULT from whoever answers
 * it (the kernel, or the shim for what it traps), and the program lives.
 */
static int bad_pointers(void)
{
	void *bad = (void *)8;
	long fd, r;

	r = ret_of(syscall(SYS_openat, AT_FDCWD, bad, O_RDONLY, 0));
	printf("openat(bad path): %s\n", strerror((int)-r));
	r = ret_of(syscall(SYS_newfstatat, AT_FDCWD, "/dev/sgx_enclave", bad, 0));
	printf("stat(node, bad buffer): %s\n", strerror((int)-r));
	r = ret_of(syscall(SYS_statx, AT_FDCWD, "/dev/sgx", 0, 0x7ff, bad));
	printf("statx(node, bad buffer): %s\n", strerror((int)-r));
	fd = ret_of(syscall(SYS_openat, AT_FDCWD, "/dev/sgx_enclave", O_RDWR, 0));
	r = ret_of(syscall(SYS_fstat, fd, bad));
	printf("fstat(device, bad buffer): %s\n", strerror((int)-r));
	r = ret_of(syscall(SYS_ioctl, fd, SGX_IOC_ENCLAVE_CREATE, bad));
	printf("ioctl(CREATE, bad arg): %s\n", strerror((int)-r));
	r = ret_of(syscall(SYS_rt_sigaction, SIGUSR1, bad, NULL, 8));
	printf("rt_sigaction(bad act): %s\n", strerror((int)-r));
	r = ret_of(syscall(SYS_rt_sigaction, SIGUSR1, NULL, bad, 8));
	printf("rt_sigaction(bad old): %s\n", strerror((int)-r));
	r = ret_of(syscall(SYS_sigaltstack, bad, NULL));
	printf("sigaltstack(bad): %s\n", strerror((int)-r));
	r = ret_of(syscall(SYS_rt_sigprocmask, SIG_BLOCK, bad, NULL, 8));
	printf("rt_sigprocmask(bad set): %s\n", strerror((int)-r));
	r = ret_of(syscall(SYS_execve, bad, NULL, NULL));
	printf("execve(bad path): %s\n", strerror((int)-r));
	r = ret_of(syscall(SYS_execve, "/bin/true", bad, NULL));
	printf("execve(bad argv): %s\n", strerror((int)-r));
	r = ret_of(syscall(SYS_close, fd));
	printf("close: %ld\n", r);
	return 0;
}

/* --- FS and GS --------------------------------------------------------- */

static uint64_t gs_word(void)
{
	uint64_t v;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(v));
	return v;
}

static uint64_t get_gs(void)
{
	uint64_t v = 1;

	syscall(SYS_arch_prctl, 0x1004 /* ARCH_GET_GS */, &v);
	return v;
}

/* One ECALL that reads the enclave's block through GS and through FS. */
static int segs_ecall(vdso_sgx_enter_enclave_t enter, uint64_t tcs)
{
	struct sgx_enclave_run run;
	struct encl_op op;

	memset(&op, 0, sizeof(op));
	op.type = ENCL_OP_SEGS;
	memset(&run, 0, sizeof(run));
	run.tcs = tcs;
	return !enter((unsigned long)&op, 0, 0, EENTER_LEAF, 0, 0, &run) && op.r0 && op.r0 == op.r1;
}

/*
 * What a runtime sees of GS (it sets its own with arch_prctl, as Gramine's
 * loader does): 0 after an ECALL when it never set one, and its own after
 * each ECALL once it has; the enclave sees its own GS throughout.
 */
static void segs(vdso_sgx_enter_enclave_t enter, uint64_t tcs)
{
	static uint64_t block[2] = { 0x5347584547534753ULL, 0 };
	int ok = segs_ecall(enter, tcs);

	CHECK(ok, "the enclave's GS and FS");
	printf("GS in the enclave: %s\n", ok ? "its own" : "wrong");
	printf("GS for host code after an ECALL: %#llx\n", (unsigned long long)get_gs());
	CHECK(get_gs() == 0, "GS after an ECALL");
	CHECK(syscall(SYS_arch_prctl, 0x1001 /* ARCH_SET_GS */, block) == 0, "ARCH_SET_GS");
	ok = segs_ecall(enter, tcs);
	CHECK(ok && gs_word() == block[0] && get_gs() == (uint64_t)(uintptr_t)block,
	      "the program's GS after an ECALL");
	printf("the program's own GS after an ECALL: %s\n",
	       ok && gs_word() == block[0] ? "kept" : "lost");
	CHECK(syscall(SYS_arch_prctl, 0x1001 /* ARCH_SET_GS */, 0) == 0, "ARCH_SET_GS 0");
	ok = segs_ecall(enter, tcs);
	CHECK(ok && get_gs() == 0, "GS 0 again");
}

/* --- main ------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	struct sgx_enclave_create create = { 0 };
	struct sgx_enclave_init init = { 0 };
	struct sgx_enclave_run run;
	struct encl_op op;
	struct stat st;
	vdso_sgx_enter_enclave_t enter;
	uint64_t base, tcs = 0, data = 0;
	stack_t ss, old;
	uint8_t *reserve;
	long fd, fd2, r;
	size_t i;
	pid_t pid;
	int status;

	if (argc == 2 && !strcmp(argv[1], "--bad-pointers"))
		return bad_pointers();
	if (argc != 4 || (strcmp(argv[1], "--raw") && strcmp(argv[1], "--libc"))) {
		fprintf(stderr, "usage: driver_prog --libc|--raw SGXS SIG | --bad-pointers\n");
		return 2;
	}
	raw = !strcmp(argv[1], "--raw");
	read_sgxs(argv[2]);
	read_sig(argv[3]);

	CHECK(x_stat("/dev/sgx_enclave", &st) == 0 && S_ISCHR(st.st_mode), "stat");
	r = raw ? ret_of(syscall(SYS_faccessat, AT_FDCWD, "/dev/sgx_enclave", R_OK | W_OK, 0)) :
		  ret_of(access("/dev/sgx_enclave", R_OK | W_OK));
	CHECK(r == 0, "access: %ld", r);
	printf("stat: char device %u,%u\n", major(st.st_rdev), minor(st.st_rdev));
	fd = x_open("/dev/sgx_enclave", O_RDWR);
	CHECK(fd >= 0, "open: %ld", fd);
	CHECK(x_fstat((int)fd, &st) == 0 && S_ISCHR(st.st_mode), "fstat");
	printf("open: ok, fstat: char device %u,%u\n", major(st.st_rdev), minor(st.st_rdev));
	/* The shim keeps device files where its filter can see them by number. */
	printf("fd in [896, 1024): %s\n", fd >= 896 && fd < 1024 ? "yes" : "no");

	/* A naturally aligned ELRANGE, as the selftests reserve it. */
	reserve = mmap(NULL, 2 * encl_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	base = ((uint64_t)(uintptr_t)reserve + encl_size - 1) & ~(encl_size - 1);
	memset(secs, 0, sizeof(secs));
	memcpy(secs, &encl_size, 8);
	memcpy(secs + 8, &base, 8);
	memcpy(secs + 16, &ssaframesize, 4);
	memcpy(secs + 20, sigstruct + 900, 4);
	memcpy(secs + 48, sigstruct + 928, 16);
	create.src = (uint64_t)(uintptr_t)secs;
	r = x_ioctl((int)fd, SGX_IOC_ENCLAVE_CREATE, &create);
	CHECK(r == 0, "CREATE: %ld", r);
	printf("create: %ld\n", r);
	r = x_ioctl((int)fd, SGX_IOC_ENCLAVE_CREATE, &create);
	printf("create again: %s\n", strerror((int)-r));

	for (i = 0; i < nr_pages; i++) {
		uint64_t si[8] __attribute__((aligned(64))) = { pages[i].flags };
		struct sgx_enclave_add_pages ap = {
			.src = (uint64_t)(uintptr_t)pages[i].data,
			.offset = pages[i].offset,
			.length = 4096,
			.secinfo = (uint64_t)(uintptr_t)si,
			.flags = pages[i].measured ? SGX_PAGE_MEASURE : 0,
		};

		r = x_ioctl((int)fd, SGX_IOC_ENCLAVE_ADD_PAGES, &ap);
		CHECK(r == 0 && ap.count == 4096, "ADD_PAGES at %#llx: %ld",
		      (unsigned long long)pages[i].offset, r);
		if (((pages[i].flags >> 8) & 0xff) == PT_TCS && !tcs)
			tcs = base + pages[i].offset;
		if (((pages[i].flags >> 8) & 0xff) == PT_REG && (pages[i].flags & 2))
			data = base + pages[i].offset;
	}
	printf("add_pages: %zu pages\n", nr_pages);
	r = x_ioctl((int)fd, SGX_IOC_ENCLAVE_ADD_PAGES, (void *)8);
	printf("add_pages bad pointer: %s\n", strerror((int)-r));
	init.sigstruct = (uint64_t)(uintptr_t)sigstruct;
	r = x_ioctl((int)fd, SGX_IOC_ENCLAVE_INIT, &init);
	CHECK(r == 0, "INIT: %ld", r);
	printf("init: %ld\n", r);

	for (i = 0; i < nr_pages; i++) {
		int type = (int)((pages[i].flags >> 8) & 0xff);
		int prot = type == PT_TCS ? PROT_READ | PROT_WRITE : (int)(pages[i].flags & 7);
		void *m = x_mmap((void *)(uintptr_t)(base + pages[i].offset), 4096, prot,
				 MAP_SHARED | MAP_FIXED, (int)fd);

		CHECK(m == (void *)(uintptr_t)(base + pages[i].offset), "mmap page %zu", i);
	}
	printf("mmap: ok\n");
	r = (long)x_mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, (int)fd);
	printf("mmap private: %s\n", r == -1 || (r < 0 && r > -4096) ? "refused" : "accepted");

	vdso_target = vdso_lookup();
	CHECK(vdso_target != NULL, "no __vdso_sgx_enter_enclave");
	if (!vdso_target)
		return 1;
	enter = call_vdso;
	memset(&op, 0, sizeof(op));
	op.type = ENCL_OP_PUT;
	op.a = 0x5347584555ULL;
	memset(&run, 0, sizeof(run));
	run.tcs = tcs;
	r = enter((unsigned long)&op, 0, 0, EENTER_LEAF, 0, 0, &run);
	op.type = ENCL_OP_GET;
	memset(&run, 0, sizeof(run));
	run.tcs = tcs;
	r |= enter((unsigned long)&op, 0, 0, EENTER_LEAF, 0, 0, &run);
	CHECK(r == 0 && op.r0 == 0x5347584555ULL, "ecall: %ld %#llx", r,
	      (unsigned long long)op.r0);
	printf("ecall: put/get %#llx\n", (unsigned long long)op.r0);
	segs(enter, tcs);

	/* pte_permissions: a PTE without read faults in the enclave (#PF,
	 * error code 0x4 | present 1 = PTE-level), reported through the vDSO. */
	r = x_mprotect((void *)(uintptr_t)data, 4096, PROT_NONE);
	CHECK(r == 0, "mprotect none: %ld", r);
	op.type = ENCL_OP_READ;
	op.a = data - base;
	memset(&run, 0, sizeof(run));
	run.tcs = tcs;
	r = enter((unsigned long)&op, 0, 0, EENTER_LEAF, 0, 0, &run);
	printf("read with PTE none: vector %u, error code %#x\n", run.exception_vector,
	       run.exception_error_code);
	CHECK(run.exception_vector == 14, "vector %u", run.exception_vector);
	r = x_mprotect((void *)(uintptr_t)data, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
	printf("mprotect beyond EPCM: %s\n", strerror((int)-r));
	r = x_mprotect((void *)(uintptr_t)data, 4096, PROT_READ | PROT_WRITE);
	CHECK(r == 0, "mprotect rw: %ld", r);

	/* Signal handling: a handler installed raw, a signal in host mode,
	 * and a program altstack recorded for it. */
	CHECK(x_sigaction(SIGUSR1, on_usr1) == 0, "sigaction");
	raise(SIGUSR1);
	printf("SIGUSR1 handler: %s\n", got_usr1 == SIGUSR1 ? "ran" : "did not run");
	CHECK(got_usr1 == SIGUSR1, "handler");
	ss.ss_sp = altstack;
	ss.ss_size = 65536;
	ss.ss_flags = 0;
	CHECK(x_sigaltstack(&ss, NULL) == 0, "sigaltstack");
	CHECK(x_sigaltstack(NULL, &old) == 0 && old.ss_sp == ss.ss_sp, "sigaltstack read back");
	printf("sigaltstack: recorded\n");
	/* Blocking everything must not block what the emulator needs. */
	CHECK(x_block(SIGSYS) == 0, "block");
	fd2 = x_open("/dev/sgx_provision", O_RDWR);
	printf("open after blocking SIGSYS: %s\n", fd2 >= 0 ? "ok" : strerror((int)-fd2));
	if (fd2 >= 0)
		x_close((int)fd2);

	{
		pthread_t th;
		void *res = (void *)1;

		CHECK(pthread_create(&th, NULL, thread_open, NULL) == 0 &&
			      pthread_join(th, &res) == 0 && res == NULL,
		      "thread");
		printf("thread: %s\n", res ? "failed" : "opened /dev/sgx_provision");
	}

	fd2 = x_dup((int)fd);
	CHECK(fd2 >= 0, "dup");
	r = x_ioctl((int)fd2, SGX_IOC_ENCLAVE_INIT, &init);
	printf("init through a dup: %s\n", strerror((int)-r));
	CHECK(x_close((int)fd) == 0, "close");
	op.type = ENCL_OP_GET;
	memset(&run, 0, sizeof(run));
	run.tcs = tcs;
	r = enter((unsigned long)&op, 0, 0, EENTER_LEAF, 0, 0, &run);
	printf("ecall after closing one fd: %#llx\n", (unsigned long long)op.r0);

	/* A child that forks and execs sees the devices too. */
	pid = fork();
	if (pid == 0) {
		static char sh[] = "/bin/sh", c[] = "-c", cmd[] = "test -c /dev/sgx_enclave";
		char *const args[] = { sh, c, cmd, NULL };
		extern char **environ;

		if (raw)
			syscall(SYS_execve, args[0], args, environ);
		else
			execve(args[0], args, environ);
		_exit(126);
	}
	waitpid(pid, &status, 0);
	printf("child exec: %s\n", WIFEXITED(status) && !WEXITSTATUS(status) ? "sees the device" :
									      "does not");
	/* posix_spawn() (under system()) blocks every signal in its child. */
	printf("system(): %d\n", system("test -c /dev/sgx_enclave") == 0 ? 0 : 1);
	/* What execve() refuses, it refuses with the kernel's errno. */
	r = raw ? ret_of(syscall(SYS_execve, "/nonexistent", argv, NULL)) :
		  ret_of(execve("/nonexistent", argv, NULL));
	printf("execve of nothing: %s\n", strerror((int)-r));
	r = raw ? ret_of(syscall(SYS_execve, argv[2], argv, NULL)) :
		  ret_of(execve(argv[2], argv, NULL));
	printf("execve of a data file: %s\n", strerror((int)-r));
	/* As on Linux, the mapping keeps the enclave alive after the last
	 * descriptor is closed, until it is unmapped. */
	x_close((int)fd2);
	op.type = ENCL_OP_GET;
	memset(&run, 0, sizeof(run));
	run.tcs = tcs;
	r = enter((unsigned long)&op, 0, 0, EENTER_LEAF, 0, 0, &run);
	CHECK(r == 0 && op.r0 == 0x5347584555ULL, "ecall with no descriptor: %ld", r);
	printf("ecall with every fd closed: %#llx\n", (unsigned long long)op.r0);
	CHECK(x_munmap((void *)(uintptr_t)base, encl_size) == 0, "munmap");
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}
