// SPDX-License-Identifier: MIT
/*
 * libsgxemu-preload.so: runs unmodified programs written for the Linux SGX
 * driver on the emulated platform.  It answers for the SGX device nodes at
 * the C library's boundary (open, the stat family, ioctl, mmap, mprotect,
 * munmap, close), wraps applications' signal handlers so that a signal in
 * enclave mode is an AEX first, and shows the program a vDSO that exports
 * __vdso_sgx_enter_enclave (AT_SYSINFO_EHDR).
 *
 * Everything else goes straight to the kernel.  Programs that bypass the C
 * library with raw system calls are seen by the seccomp path (seccomp.c);
 * these entry points are its fast path.
 */
#include <asm/sgx.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "api/api.h"
#include "base/compiler.h"
#include "base/parse.h"
#include "base/sys.h"
#include "cpu/cpu.h"
#include "cpu/exec/exec.h"
#include "drv/machine.h"
#include "preload/gate.h"
#include "preload/shim.h"
#include "sgxemu/sgxemu.h"

extern const char preload_vdso_image[], preload_vdso_image_end[];

static struct sgxemu_platform *plat;
/* Under `sgxemu vm`, the host whose VM @plat is. */
static struct sgxemu_platform *vm_host;
static pthread_mutex_t plat_lock = PTHREAD_MUTEX_INITIALIZER;

/* The device nodes, with the numbers Linux gives them (misc, major 10). */
static const struct {
	const char *path;
	unsigned int minor;
} nodes[] = {
	{ "/dev/sgx_enclave", 125 },
	{ "/dev/sgx_provision", 126 },
	{ "/dev/sgx", 124 },
	{ "/dev/sgx_vepc", 127 },
};

/*
 * The node index of @path, or -1 (also for NULL).  @path is the program's
 * pointer, read as the kernel would read it: a bad one is not a node (and
 * the kernel then answers the call with EFAULT), never a crash here.
 */
static int node_of(const char *path)
{
	char buf[24];
	long n = 0;
	size_t i;

	if (!path)
		return -1;
	/* Byte by byte up to the NUL: a short path may end just before an
	 * unmapped page. */
	while (n < (long)sizeof(buf) - 1 && exec_copy_user(buf + n, path + n, 1) == 1 && buf[n])
		n++;
	if (n == 0)
		return -1;
	buf[n] = '\0';
	for (i = 0; i < ARRAY_SIZE(nodes); i++)
		if (!strcmp(buf, nodes[i].path))
			return (int)i;
	return -1;
}

/* Started by the exec helper: the program /proc/self/exe should name
 * (it names the helper), else "". */
char shim_exe_path[4096];

/*
 * If @upath (a program's pointer, read safely) names this process's
 * executable through /proc (self, thread-self or our pid), the program's
 * real path; else NULL.
 */
const char *shim_exe_alias(const char *upath)
{
	char buf[64], pid[48];
	long n = 0;

	if (!shim_exe_path[0] || !upath)
		return NULL;
	while (n < (long)sizeof(buf) - 1 && exec_copy_user(buf + n, upath + n, 1) == 1 && buf[n])
		n++;
	buf[n] = '\0';
	snprintf(pid, sizeof(pid), "/proc/%ld/exe", sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0));
	if (!strcmp(buf, "/proc/self/exe") || !strcmp(buf, "/proc/thread-self/exe") ||
	    !strcmp(buf, pid))
		return shim_exe_path;
	return NULL;
}

static long ret(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

__thread int shim_depth;

/* Run @expr as shim code (see shim_depth) and return its -errno as errno. */
#define SHIM(type, expr)                     \
	({                                   \
		long r_;                     \
		shim_gate_init();            \
		shim_depth++;                \
		r_ = (expr);                 \
		shim_depth--;                \
		(type) ret(r_);              \
	})

static void complain(const char *what)
{
	static int said;

	if (!__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED))
		fprintf(stderr, "sgxemu: %s: %s\n", what, sgxemu_last_error());
}

/*
 * The environment `sgxemu run` left, read with the parsers the CLI checked
 * it with (base/parse.h).  A bad value stops the program with one line:
 * running on another platform than the one asked for is worse.
 */
static u64 env_epc_size(void)
{
	return parse_env_size("SGXEMU_EPC_SIZE", PLATFORM_MIN_EPC_SIZE, PLATFORM_MAX_EPC_SIZE,
			      SGX_PAGE_SIZE, 0);
}

static unsigned int env_nr_lps(void)
{
	return (unsigned int)parse_env_count("SGXEMU_NR_LPS", 1, PLATFORM_MAX_LPS, 0);
}

static int env_sgx2(void)
{
	return parse_env_bool("SGXEMU_SGX2", true) ? 1 : -1;
}

static unsigned int env_max_enclave_size_log2(void)
{
	return parse_env_size_log2("SGXEMU_MAX_ENCLAVE_SIZE", PLATFORM_MIN_ENCLAVE_SIZE_LOG2,
				   PLATFORM_MAX_ENCLAVE_SIZE_LOG2, 0);
}

static int env_aexnotify(void)
{
	return parse_env_bool("SGXEMU_AEXNOTIFY", true) ? 1 : -1;
}

/* A launch policy (@check: sgxemu_launch_policy_check) or VM string. */
static const char *env_string(const char *name, int (*check)(const char *))
{
	const char *v = getenv(name);
	char q[160];

	if (!v || !*v || !check(v))
		return v && *v ? v : NULL;
	parse_quote(q, sizeof(q), name, v);
	fprintf(stderr, "sgxemu: error: %s: %s\n", q, sgxemu_last_error());
	_exit(2);
}

/* The platform, made on first use with the configuration `sgxemu run` left
 * in the environment. */
static struct sgxemu_platform *platform(void)
{
	struct sgxemu_platform_options o = { 0 };
	const char *vm;

	pthread_mutex_lock(&plat_lock);
	vm = plat ? NULL : env_string("SGXEMU_VM", sgxemu_vm_config_check);
	if (!plat && vm) {
		/* The host, then the VM whose driver the program sees. */
		o.epc_size = env_epc_size();
		o.nr_lps = env_nr_lps();
		o.max_enclave_size_log2 = env_max_enclave_size_log2();
		o.launch_policy = env_string("SGXEMU_HOST_LC", sgxemu_launch_policy_check);
		o.vm_host = 1;
		if (!vm_host && sgxemu_platform_create(&o, &vm_host))
			complain("cannot create the emulated SGX host");
		memset(&o, 0, sizeof(o));
		o.nr_lps = env_nr_lps();
		o.sgx2 = env_sgx2();
		o.aexnotify = env_aexnotify();
		o.launch_policy = env_string("SGXEMU_LC", sgxemu_launch_policy_check);
		if (vm_host && sgxemu_vm_create(vm_host, vm, &o, &plat))
			complain("cannot create the VM");
	} else if (!plat) {
		o.epc_size = env_epc_size();
		o.nr_lps = env_nr_lps();
		o.max_enclave_size_log2 = env_max_enclave_size_log2();
		o.sgx2 = env_sgx2();
		o.aexnotify = env_aexnotify();
		o.launch_policy = env_string("SGXEMU_LC", sgxemu_launch_policy_check);
		if (sgxemu_platform_create(&o, &plat))
			complain("cannot create the emulated SGX platform");
	}
	pthread_mutex_unlock(&plat_lock);
	return plat;
}

/* "" as AT_EMPTY_PATH means it, read safely. */
static bool is_empty(const char *path)
{
	char c;

	return path && exec_copy_user(&c, path, 1) == 1 && !c;
}

static long open_node(const char *path, int flags)
{
	struct sgxemu_platform *p = platform();

	return p ? sgxemu_open(p, path, flags) : -ENODEV;
}

long shim_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	const char *exe = shim_exe_alias(path);

	if (node_of(path) >= 0)
		return open_node(path, flags);
	return sys_call6(SYS_openat, dirfd, (long)(exe ? exe : path), flags, mode, 0, 0);
}

long shim_readlinkat(int dirfd, const char *path, char *buf, size_t len)
{
	const char *exe = shim_exe_alias(path);
	size_t n;

	if (!exe)
		return sys_call6(SYS_readlinkat, dirfd, (long)path, (long)buf, (long)len, 0, 0);
	if ((ssize_t)len <= 0)
		return -EINVAL;
	/* As the kernel's: no NUL, cut to the buffer. */
	n = strlen(exe) < len ? strlen(exe) : len;
	return rl_copy_to(buf, exe, n) ? -EFAULT : (long)n;
}

__export ssize_t readlink(const char *path, char *buf, size_t len)
{
	return SHIM(ssize_t, shim_readlinkat(AT_FDCWD, path, buf, len));
}

__export ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t len)
{
	return SHIM(ssize_t, shim_readlinkat(dirfd, path, buf, len));
}

/* open()'s third argument exists only when the flags create a file. */
static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

__export int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return SHIM(int, shim_openat(AT_FDCWD, path, flags, mode));
}

__export int open64(const char *path, int flags, ...) __attribute__((alias("open")));

__export int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return SHIM(int, shim_openat(dirfd, path, flags, mode));
}

__export int openat64(int dirfd, const char *path, int flags, ...)
	__attribute__((alias("openat")));

/* _FORTIFY_SOURCE's entry points. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);

__export int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

__export int __open64_2(const char *path, int flags) __attribute__((alias("__open_2")));

__export int __openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

/* stat() of a device node, into the program's buffer (-EFAULT if bad). */
static long fake_node(int node, struct stat *ust)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFCHR | 0600;
	st.st_rdev = makedev(10, nodes[node].minor);
	st.st_nlink = 1;
	st.st_blksize = 4096;
	return rl_copy_to(ust, &st, sizeof(st));
}

long shim_fstat(int fd, struct stat *st)
{
	int node = node_of(sgxemu_fd_path(fd));

	if (node < 0)
		return sys_call6(SYS_fstat, fd, (long)st, 0, 0, 0, 0);
	return fake_node(node, st);
}

long shim_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	int node = node_of(path);

	if (node < 0 && (flags & AT_EMPTY_PATH) && is_empty(path))
		node = node_of(sgxemu_fd_path(dirfd));
	if (node < 0)
		return sys_call6(SYS_newfstatat, dirfd, (long)path, (long)st, flags, 0, 0);
	return fake_node(node, st);
}

__export int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	return SHIM(int, shim_fstatat(dirfd, path, st, flags));
}

/* On x86-64 struct stat64 is struct stat. */
_Static_assert(sizeof(struct stat64) == sizeof(struct stat), "stat64 differs");

__export int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	return fstatat(dirfd, path, (struct stat *)(void *)st, flags);
}

__export int stat(const char *path, struct stat *st)
{
	return fstatat(AT_FDCWD, path, st, 0);
}

__export int stat64(const char *path, struct stat64 *st)
{
	return fstatat(AT_FDCWD, path, (struct stat *)(void *)st, 0);
}

__export int lstat(const char *path, struct stat *st)
{
	return fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

__export int lstat64(const char *path, struct stat64 *st)
{
	return fstatat(AT_FDCWD, path, (struct stat *)(void *)st, AT_SYMLINK_NOFOLLOW);
}

__export int fstat(int fd, struct stat *st)
{
	return SHIM(int, shim_fstat(fd, st));
}

__export int fstat64(int fd, struct stat64 *st)
{
	return fstat(fd, (struct stat *)(void *)st);
}

long shim_statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *st)
{
	int node = node_of(path);

	struct statx sx;

	if (node < 0 && (flags & AT_EMPTY_PATH) && is_empty(path))
		node = node_of(sgxemu_fd_path(dirfd));
	if (node < 0)
		return sys_call6(SYS_statx, dirfd, (long)path, flags, mask, (long)st, 0);
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_mode = S_IFCHR | 0600;
	sx.stx_nlink = 1;
	sx.stx_blksize = 4096;
	sx.stx_rdev_major = 10;
	sx.stx_rdev_minor = nodes[node].minor;
	return rl_copy_to(st, &sx, sizeof(sx));
}

__export int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *st)
{
	return SHIM(int, shim_statx(dirfd, path, flags, mask, st));
}

/* The nodes are root's, mode 0600, and we let the caller read and write
 * them (that is what the emulation is for); nobody executes them. */
long shim_faccessat(int dirfd, const char *path, int mode, int flags, long nr)
{
	if (node_of(path) >= 0)
		return (mode & X_OK) ? -EACCES : 0;
	return sys_call6(nr, dirfd, (long)path, mode, flags, 0, 0);
}

__export int access(const char *path, int mode)
{
	return SHIM(int, shim_faccessat(AT_FDCWD, path, mode, 0, SYS_faccessat));
}

__export int faccessat(int dirfd, const char *path, int mode, int flags)
{
	return SHIM(int, shim_faccessat(dirfd, path, mode, flags,
					flags ? SYS_faccessat2 : SYS_faccessat));
}

long shim_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	long r = sgxemu_ioctl(fd, cmd, arg);

	return r == -EBADF ? sys_call6(SYS_ioctl, fd, (long)cmd, (long)arg, 0, 0, 0) : r;
}

__export int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	unsigned long arg;

	va_start(ap, request);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	return SHIM(int, shim_ioctl(fd, request, arg));
}

long shim_mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
	void *out;
	int r = sgxemu_mmap(addr, len, prot, flags, fd, off, &out);

	if (r == -EBADF) {
		long k = sys_call6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);

		/* What it replaced is gone, enclave pages included. */
		if ((flags & MAP_FIXED) && !sys_failed((void *)k))
			sgxemu_forget_range((void *)k, len);
		return k;
	}
	return r < 0 ? r : (long)out;
}

__export void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return SHIM(void *, shim_mmap(addr, len, prot, flags, fd, off));
}

__export void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
	__attribute__((alias("mmap")));

long shim_munmap(void *addr, size_t len)
{
	return sgxemu_munmap(addr, len);
}

__export int munmap(void *addr, size_t len)
{
	return SHIM(int, shim_munmap(addr, len));
}

long shim_mprotect(void *addr, size_t len, int prot)
{
	return sgxemu_mprotect(addr, len, prot);
}

__export int mprotect(void *addr, size_t len, int prot)
{
	return SHIM(int, shim_mprotect(addr, len, prot));
}

long shim_close(int fd)
{
	int r;

	/* The machine's connection is the emulator's, not the program's:
	 * closing it would give the machine this process's pages back. */
	if (machine_owns_fd(fd))
		return -EBADF;
	r = sgxemu_close(fd);

	return r == -EBADF ? sys_call6(SYS_close, fd, 0, 0, 0, 0, 0) : r;
}

__export int close(int fd)
{
	return SHIM(int, shim_close(fd));
}

long shim_dup(int oldfd)
{
	int fd = sgxemu_dup(oldfd, -1, 0);

	return fd == -EBADF ? sys_call6(SYS_dup, oldfd, 0, 0, 0, 0, 0) : fd;
}

__export int dup(int oldfd)
{
	return SHIM(int, shim_dup(oldfd));
}

long shim_dup3(int oldfd, int newfd, int flags)
{
	long fd;

	if (machine_owns_fd(newfd))
		return -EBUSY;
	fd = sgxemu_dup(oldfd, newfd, flags);

	if (fd != -EBADF)
		return fd;
	fd = sys_call6(SYS_dup3, oldfd, newfd, flags, 0, 0, 0);
	/* A device file that stood at @newfd is gone now. */
	if (fd >= 0)
		sgxemu_forget_fd(newfd);
	return fd;
}

__export int dup3(int oldfd, int newfd, int flags)
{
	return SHIM(int, shim_dup3(oldfd, newfd, flags));
}

__export int dup2(int oldfd, int newfd)
{
	if (oldfd == newfd)
		return SHIM(int, sys_call6(SYS_fcntl, oldfd, F_GETFD, 0, 0, 0, 0) < 0 ? -EBADF : newfd);
	return dup3(oldfd, newfd, 0);
}

long shim_fcntl(int fd, int cmd, long arg)
{
	long r;

	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
		r = sgxemu_dup(fd, (int)(-arg - 1), cmd == F_DUPFD_CLOEXEC ? O_CLOEXEC : 0);
		if (r != -EBADF)
			return r;
	}
	return sys_call6(SYS_fcntl, fd, cmd, arg, 0, 0, 0);
}

__export int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return SHIM(int, shim_fcntl(fd, cmd, arg));
}

__export int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));

__export int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return SHIM(int, sgxemu_sigaction(sig, act, old));
}

__export int sigaltstack(const stack_t *ss, stack_t *old)
{
	return SHIM(int, sgxemu_sigaltstack(ss, old));
}

__export sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, &old))
		return SIG_ERR;
	return old.sa_handler;
}

/* Map the vDSO image, point its entry at the emulator, and tell the
 * program where it is (AT_SYSINFO_EHDR in the auxiliary vector). */
static void install_vdso(char **envp)
{
	size_t len = (size_t)(preload_vdso_image_end - preload_vdso_image);
	u64 marker = 0x3053445645584753ULL, target = (u64)(uintptr_t)exec_vdso_enter;
	Elf64_auxv_t *av;
	u8 *img;
	size_t i;

	img = sys_mmap(NULL, align_up(len, 4096), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sys_failed(img))
		return;
	memcpy(img, preload_vdso_image, len);
	for (i = 0; i + 8 <= len; i += 8) {
		if (!memcmp(img + i, &marker, 8)) {
			memcpy(img + i, &target, 8);
			break;
		}
	}
	sys_mprotect(img, align_up(len, 4096), PROT_READ | PROT_EXEC);
	while (*envp)
		envp++;
	for (av = (Elf64_auxv_t *)(void *)(envp + 1); av->a_type != AT_NULL; av++)
		if (av->a_type == AT_SYSINFO_EHDR)
			av->a_un.a_val = (u64)(uintptr_t)img;
}

/*
 * CPUID faulting, where the host has it: then every CPUID in host code
 * reports the emulated platform.  Probed first (ARCH_SET_CPUID fails with
 * ENODEV on hosts without it); there, the CPUIDs of the program and its
 * libraries are patched instead (cpuid_patch.c).  `sgxemu run` tells the user which;
 * SGXEMU_CPUID=off leaves CPUID alone.
 */
static bool cpuid_answer_patched(void)
{
	struct sgxemu_platform *p = platform();

	if (p)
		sgxemu_cpuid_answer_patched(p);
	return p != NULL;
}

static void cpuid_init(void)
{
	struct sgxemu_platform *p;

	if (!parse_env_bool("SGXEMU_CPUID", true))
		return;
	if (sys_call6(SYS_arch_prctl, 0x1012 /* ARCH_SET_CPUID */, 1, 0, 0, 0, 0)) {
		/* No faulting: patch the CPUIDs of the program and of the
		 * libraries it loads, and answer those. */
		shim_cpuid_patch(cpuid_answer_patched);
		return;
	}
	p = platform();
	if (p && sgxemu_cpuid_faulting(p))
		complain("CPUID faulting");
}

/*
 * `sgxemu stat`: at exit, append what the platform counted to the file it
 * named, one line per logical processor, one per enclave, one for the EPC
 * and, in a VM, one for its VMM's paging.
 */
__attribute__((destructor)) static void preload_fini(void)
{
	const char *path = getenv("SGXEMU_STAT_FILE");
	struct sgxemu_lp_stats s;
	struct sgxemu_enclave_stats es;
	struct sgxemu_vm_stats vs;
	u64 total, nfree, evicted, reloaded;
	char line[256];
	unsigned int i;
	int fd, n;
	long pid = sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0);

	if (!path || !plat)
		return;
	fd = (int)sys_call6(SYS_openat, AT_FDCWD, (long)path,
			    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600, 0, 0);
	if (fd < 0)
		return;
	for (i = 0; i < sgxemu_nr_lps(plat); i++) {
		if (sgxemu_lp_stats(plat, i, &s))
			continue;
		n = snprintf(line, sizeof(line),
			     "lp pid=%ld lp=%u einits=%llu msr_writes=%llu cache_hits=%llu "
			     "refused=%llu\n",
			     pid, i, (unsigned long long)s.einits, (unsigned long long)s.msr_writes,
			     (unsigned long long)s.cache_hits, (unsigned long long)s.refused);
		if (sys_call6(SYS_write, fd, (long)line, n, 0, 0, 0) < 0)
			break;
	}
	for (i = 0; !sgxemu_enclave_stats(plat, i, &es); i++) {
		n = snprintf(line, sizeof(line),
			     "encl pid=%ld base=%#llx size=%llu evicted=%llu reloaded=%llu "
			     "augmented=%llu removed=%llu\n",
			     pid, (unsigned long long)es.base, (unsigned long long)es.size,
			     (unsigned long long)es.evicted, (unsigned long long)es.reloaded,
			     (unsigned long long)es.augmented, (unsigned long long)es.removed);
		if (sys_call6(SYS_write, fd, (long)line, n, 0, 0, 0) < 0)
			break;
	}
	sgxemu_epc_stats(plat, &total, &nfree);
	sgxemu_paging_stats(plat, &evicted, &reloaded);
	n = snprintf(line, sizeof(line), "epc pid=%ld total=%llu free=%llu evicted=%llu reloaded=%llu\n",
		     pid, (unsigned long long)total, (unsigned long long)nfree,
		     (unsigned long long)evicted, (unsigned long long)reloaded);
	if (sys_call6(SYS_write, fd, (long)line, n, 0, 0, 0) < 0)
		(void)0;
	/* Under `sgxemu vm`: what the VMM paged, apart from the guest's own. */
	if (!sgxemu_vm_stats(plat, &vs)) {
		n = snprintf(line, sizeof(line),
			     "vm pid=%ld host_pages=%llu vmm_evicted=%llu vmm_reloaded=%llu\n", pid,
			     (unsigned long long)vs.host_pages, (unsigned long long)vs.vmm_evicted,
			     (unsigned long long)vs.vmm_reloaded);
		if (sys_call6(SYS_write, fd, (long)line, n, 0, 0, 0) < 0)
			(void)0;
	}
	sys_call6(SYS_close, fd, 0, 0, 0, 0, 0);
}

/* Tells a libsgxemu the program links that the shim is here (api.c). */
__export const char sgxemu_shim_marker[] = "sgxemu preload shim";

__attribute__((constructor)) static void preload_init(int argc, char **argv, char **envp)
{
	const char *exe = getenv("SGXEMU_EXE");

	(void)argc;
	(void)argv;
	api_shim_here();
	install_vdso(envp);
	/* The exec helper's word for what this program is; the program does
	 * not see it.  (After install_vdso(), which finds the auxiliary
	 * vector past the environment's end.) */
	if (exe) {
		if (!realpath(exe, shim_exe_path))
			snprintf(shim_exe_path, sizeof(shim_exe_path), "%s", exe);
		unsetenv("SGXEMU_EXE");
	}
	/* Our own system calls must pass a filter an earlier program left. */
	shim_gate_init();
	/* The emulator's fault handlers next: node_of() relies on them. */
	if (exec_init_process())
		complain("cannot install the emulator's signal handlers");
	shim_seccomp_init();
	cpuid_init();
}
