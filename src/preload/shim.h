/* SPDX-License-Identifier: MIT */
/*
 * The shim's answers, shared by its two ways in: the C library's entry
 * points (preload.c, the fast path) and trapped system calls (seccomp.c).
 * Each takes a system call's arguments and returns what the kernel would:
 * the result or -errno.
 */
#ifndef SGXEMU_PRELOAD_SHIM_H
#define SGXEMU_PRELOAD_SHIM_H

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

struct statx;

/*
 * Set while a thread runs shim or emulator code: a call trapped then is
 * the emulator's own (the C library's malloc, say) and goes straight to the
 * kernel, so no lock the outer call holds is taken again.
 */
extern __thread int shim_depth;

long shim_openat(int dirfd, const char *path, int flags, mode_t mode);
/* readlinkat(): /proc/self/exe names the program, not the exec helper. */
long shim_readlinkat(int dirfd, const char *path, char *buf, size_t len);
/* The program's path if @upath is /proc/self/exe or an alias of it, when
 * the exec helper started it; else NULL. */
const char *shim_exe_alias(const char *upath);
extern char shim_exe_path[];
/* newfstatat(): the device nodes by path, and device files by descriptor
 * (AT_EMPTY_PATH with ""). */
long shim_fstatat(int dirfd, const char *path, struct stat *st, int flags);
long shim_fstat(int fd, struct stat *st);
long shim_statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *st);
long shim_faccessat(int dirfd, const char *path, int mode, int flags, long nr);
long shim_ioctl(int fd, unsigned long cmd, unsigned long arg);
long shim_mmap(void *addr, size_t len, int prot, int flags, int fd, long off);
long shim_munmap(void *addr, size_t len);
long shim_mprotect(void *addr, size_t len, int prot);
long shim_close(int fd);
long shim_dup3(int oldfd, int newfd, int flags);
long shim_dup(int oldfd);
long shim_fcntl(int fd, int cmd, long arg);

/*
 * cpuid_patch.c, on hosts without CPUID faulting: turn the CPUIDs of the
 * program and its libraries into UD2 (answered by the emulator), now and
 * after every dlopen()/dlmopen().  @answer is called once, before the
 * first site is patched, to have them answered; false leaves everything
 * unpatched.  Prints which objects were patched when $SGXEMU_CPUID_NOTE
 * is this process's id (`sgxemu run` sets it).
 */
void shim_cpuid_patch(bool (*answer)(void));

/* seccomp.c: the gate first, then (after the emulator's handlers) the
 * filter, from the constructor. */
void shim_gate_init(void);
void shim_seccomp_init(void);
/* The helper's and the shim's paths, and what LD_PRELOAD must hold (the
 * shim, after a sanitizer's runtime), for execve() under the filter. */
extern char shim_helper_path[], shim_self_path[], shim_preload[];

#endif
