/* SPDX-License-Identifier: MIT */
/*
 * The seccomp path of the preload shim: what the filter, the shim and the
 * exec helper (sgxemu-exec) agree on.
 *
 * Every system call the emulator makes goes through one `syscall`
 * instruction on a page at a fixed address, the gate; the filter lets that
 * instruction through and traps the interesting calls from anywhere else.
 * A seccomp filter outlives execve(), so the address must be the same in
 * every program the process becomes: the exec helper is linked there, and
 * a shim that finds a gate already mapped knows the filter is installed.
 */
#ifndef SGXEMU_PRELOAD_GATE_H
#define SGXEMU_PRELOAD_GATE_H

/* Far from where Linux puts executables (0x400000, 0x55...), the heap,
 * and the top-down mmap area (0x7f...). */
#define GATE_ADDR 0x2e5e00000000UL
#define GATE_SIZE 4096UL
/* "SGXEGATE" at this offset marks a gate page. */
#define GATE_MAGIC_OFF 0x800
#define GATE_MAGIC 0x4554414745584753UL

/*
 * The shim keeps the emulated device files at these descriptor numbers, so
 * the filter can recognise calls on them by their arguments alone.  Below
 * the usual 1024 soft limit, and high enough that programs rarely get there.
 */
#define GATE_FD_FIRST 896
#define GATE_FD_END 1024

/* SECCOMP_RET_DATA of our traps: SIGSYS with si_errno set to this is ours. */
#define GATE_TRAP_TAG 0x5347

/* The helper's name, next to the shim in build/lib. */
#define GATE_HELPER "sgxemu-exec"
#define GATE_SHIM "libsgxemu-preload.so"

#ifndef __ASSEMBLER__

#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

/* The gate: nr and six arguments, returns the kernel's value (-errno). */
typedef long gate_fn(long nr, long a, long b, long c, long d, long e, long f);

static inline gate_fn *gate(void)
{
	return (gate_fn *)GATE_ADDR;
}

/* gate.S: the page's contents, copied to GATE_ADDR by the shim. */
extern const char gate_page[], gate_page_end[], gate_syscall_end[];

/*
 * Reads and writes of a program's pointers that fail with -EFAULT instead
 * of faulting (the kernel checks them: process_vm_readv/writev on
 * ourselves).  rl_copy_from() reads the readable prefix of [src, src+len)
 * up to the first unreadable page and returns its length, or -EFAULT if
 * none is readable; rl_copy_to() writes all of it or returns -EFAULT.
 */
long rl_copy_from(void *dst, const void *src, unsigned long len);
long rl_copy_to(void *dst, const void *src, unsigned long len);

/*
 * execve() and execveat() for a program under the filter: check what the
 * kernel would check (so the caller gets ENOENT, EACCES, ENOEXEC as from
 * the kernel), then execute the helper, which maps the program itself with
 * its SIGSYS handler already in place.  @helper is the helper's path and
 * @shim the shim's, added to LD_PRELOAD if the new environment lacks it;
 * the new program gets @uc's signal mask (the trapped caller's).
 * Return: -errno (it does not return on success).
 */
long relaunch_execveat(const ucontext_t *uc, const char *helper, const char *shim, int dirfd,
		       const char *path, char *const argv[], char *const envp[], int flags);

/*
 * The part of a trapped call the kernel would undo at sigreturn: the
 * signal mask and the alternate stack are restored from @uc, so calls that
 * change them are answered by editing @uc.  SIGSYS is never blocked: the
 * filter's traps would kill the process.  Return: -errno or the result,
 * for RAX.
 */
long relaunch_sigprocmask(ucontext_t *uc, int how, const uint64_t *set, uint64_t *old,
			  unsigned long size);
long relaunch_sigaltstack(ucontext_t *uc, const stack_t *ss, stack_t *old);

#endif /* __ASSEMBLER__ */
#endif
