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
 * library with raw system calls need the seccomp path (not yet).
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

#include "base/compiler.h"
#include "cpu/exec/exec.h"
#include "sgxemu/sgxemu.h"

extern const char preload_vdso_image[], preload_vdso_image_end[];

static struct sgxemu_platform *plat;
static pthread_mutex_t plat_lock = PTHREAD_MUTEX_INITIALIZER;

/* The device nodes, with the numbers Linux gives them (misc, major 10). */
static const struct {
	const char *path;
	unsigned int minor;
} nodes[] = {
	{ "/dev/sgx_enclave", 125 },
	{ "/dev/sgx_provision", 126 },
	{ "/dev/sgx", 124 },
};

static int node_of(const char *path)
{
	size_t i;

	if (!path)
		return -1;
	for (i = 0; i < ARRAY_SIZE(nodes); i++)
		if (!strcmp(path, nodes[i].path))
			return (int)i;
	return -1;
}

static int fail(int err)
{
	errno = -err;
	return -1;
}

static void complain(const char *what)
{
	static int said;

	if (!__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED))
		fprintf(stderr, "sgxemu: %s: %s\n", what, sgxemu_last_error());
}

static u64 env_u64(const char *name, u64 dflt)
{
	const char *v = getenv(name);
	char *end;
	u64 n;

	if (!v || !*v)
		return dflt;
	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno || *end) {
		fprintf(stderr, "sgxemu: %s='%s' is not a number; using %llu\n", name, v,
			(unsigned long long)dflt);
		return dflt;
	}
	return n;
}

/* The platform, made on first use with the configuration `sgxemu run` left
 * in the environment. */
static struct sgxemu_platform *platform(void)
{
	struct sgxemu_platform_options o = { 0 };

	pthread_mutex_lock(&plat_lock);
	if (!plat) {
		o.epc_size = env_u64("SGXEMU_EPC_SIZE", 0);
		o.nr_lps = (unsigned int)env_u64("SGXEMU_NR_LPS", 0);
		o.sgx2 = (int)env_u64("SGXEMU_SGX2", 0);
		if (sgxemu_platform_create(&o, &plat))
			complain("cannot create the emulated SGX platform");
	}
	pthread_mutex_unlock(&plat_lock);
	return plat;
}

static int open_node(const char *path, int flags)
{
	struct sgxemu_platform *p = platform();
	int fd;

	if (!p)
		return fail(-ENODEV);
	fd = sgxemu_open(p, path, flags);
	return fd < 0 ? fail(fd) : fd;
}

/* open()'s third argument exists only when the flags create a file. */
static int do_openat(int dirfd, const char *path, int flags, va_list ap)
{
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;

	if (node_of(path) >= 0)
		return open_node(path, flags);
	return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

__export int open(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = do_openat(AT_FDCWD, path, flags, ap);
	va_end(ap);
	return fd;
}

__export int open64(const char *path, int flags, ...) __attribute__((alias("open")));

__export int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = do_openat(dirfd, path, flags, ap);
	va_end(ap);
	return fd;
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

static void fake_node(int node, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFCHR | 0600;
	st->st_rdev = makedev(10, nodes[node].minor);
	st->st_nlink = 1;
	st->st_blksize = 4096;
}

__export int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	int node = node_of(path);

	if (node >= 0) {
		fake_node(node, st);
		return 0;
	}
	return (int)syscall(SYS_newfstatat, dirfd, path, st, flags);
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

__export int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *st)
{
	int node = node_of(path);

	if (node >= 0) {
		memset(st, 0, sizeof(*st));
		st->stx_mask = STATX_BASIC_STATS;
		st->stx_mode = S_IFCHR | 0600;
		st->stx_nlink = 1;
		st->stx_blksize = 4096;
		st->stx_rdev_major = 10;
		st->stx_rdev_minor = nodes[node].minor;
		return 0;
	}
	return (int)syscall(SYS_statx, dirfd, path, flags, mask, st);
}

__export int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	unsigned long arg;
	int ret;

	va_start(ap, request);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	ret = sgxemu_ioctl(fd, request, arg);
	if (ret == -EBADF)
		return (int)syscall(SYS_ioctl, fd, request, arg);
	return ret < 0 ? fail(ret) : ret;
}

__export void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *out;
	int ret = sgxemu_mmap(addr, len, prot, flags, fd, (long)off, &out);

	if (ret == -EBADF)
		return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	if (ret < 0) {
		errno = -ret;
		return MAP_FAILED;
	}
	return out;
}

__export void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
	__attribute__((alias("mmap")));

__export int munmap(void *addr, size_t len)
{
	int ret = sgxemu_munmap(addr, len);

	return ret < 0 ? fail(ret) : 0;
}

__export int mprotect(void *addr, size_t len, int prot)
{
	int ret = sgxemu_mprotect(addr, len, prot);

	return ret < 0 ? fail(ret) : 0;
}

__export int close(int fd)
{
	int ret = sgxemu_close(fd);

	if (ret == -EBADF)
		return (int)syscall(SYS_close, fd);
	return ret < 0 ? fail(ret) : 0;
}

__export int dup(int oldfd)
{
	int fd = sgxemu_dup(oldfd, -1, 0);

	if (fd == -EBADF)
		return (int)syscall(SYS_dup, oldfd);
	return fd < 0 ? fail(fd) : fd;
}

__export int dup3(int oldfd, int newfd, int flags)
{
	int fd = sgxemu_dup(oldfd, newfd, flags);

	if (fd != -EBADF)
		return fd < 0 ? fail(fd) : fd;
	fd = (int)syscall(SYS_dup3, oldfd, newfd, flags);
	/* A device file that stood at @newfd is gone now. */
	if (fd >= 0)
		sgxemu_forget_fd(newfd);
	return fd;
}

__export int dup2(int oldfd, int newfd)
{
	if (oldfd == newfd)
		return (int)syscall(SYS_fcntl, oldfd, F_GETFD) < 0 ? -1 : newfd;
	return dup3(oldfd, newfd, 0);
}

__export int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;
	int ret;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
		ret = sgxemu_dup(fd, (int)(-arg - 1), cmd == F_DUPFD_CLOEXEC ? O_CLOEXEC : 0);
		if (ret != -EBADF)
			return ret < 0 ? fail(ret) : ret;
	}
	return (int)syscall(SYS_fcntl, fd, cmd, arg);
}

__export int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));

__export int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	int ret = sgxemu_sigaction(sig, act, old);

	return ret < 0 ? fail(ret) : 0;
}

__export int sigaltstack(const stack_t *ss, stack_t *old)
{
	int ret = sgxemu_sigaltstack(ss, old);

	return ret < 0 ? fail(ret) : 0;
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

	img = (u8 *)syscall(SYS_mmap, NULL, align_up(len, 4096), PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (img == MAP_FAILED)
		return;
	memcpy(img, preload_vdso_image, len);
	for (i = 0; i + 8 <= len; i += 8) {
		if (!memcmp(img + i, &marker, 8)) {
			memcpy(img + i, &target, 8);
			break;
		}
	}
	syscall(SYS_mprotect, img, align_up(len, 4096), PROT_READ | PROT_EXEC);
	while (*envp)
		envp++;
	for (av = (Elf64_auxv_t *)(void *)(envp + 1); av->a_type != AT_NULL; av++)
		if (av->a_type == AT_SYSINFO_EHDR)
			av->a_un.a_val = (u64)(uintptr_t)img;
}

__attribute__((constructor)) static void preload_init(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)argv;
	install_vdso(envp);
}
