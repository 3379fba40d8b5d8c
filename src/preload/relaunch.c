// SPDX-License-Identifier: MIT
/*
 * execve() under the filter, and the calls whose effect lives in the signal
 * frame.  Linked into both the shim and the exec helper, so it uses no C
 * library: every system call goes through the gate, and everything it
 * needs is on the stack or in memory it maps itself (it runs in signal
 * handlers and in the child of vfork()).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <ucontext.h>

#include "base/sys.h"
#include "preload/gate.h"

#define RL_PATH_MAX 4096
#define KSIG(s) (1UL << ((s) - 1))
#define SS_AUTODISARM_ (1U << 31)

/* The kernel's limit on #! interpreter lines. */
#define RL_BINPRM_BUF 256

/* The helper always has the gate; the shim has it only when the filter is
 * on, and sys_call6() knows. */
static long sc(long nr, long a, long b, long c, long d, long e, long f)
{
#ifdef SGXEMU_HELPER
	return gate()(nr, a, b, c, d, e, f);
#else
	return sys_call6(nr, a, b, c, d, e, f);
#endif
}

long rl_copy_from(void *dst, const void *src, unsigned long len)
{
	unsigned long a = (unsigned long)src, first = 4096 - (a & 4095);
	struct iovec local = { dst, len }, remote[2] = { { (void *)src, len }, { NULL, 0 } };
	long pid = sc(SYS_getpid, 0, 0, 0, 0, 0, 0), n;

	if (!len)
		return 0;
	/* Split at the page boundary: the kernel transfers whole elements, so
	 * a readable first page still counts when the second is not. */
	if (first < len) {
		remote[0].iov_len = first;
		remote[1].iov_base = (void *)(a + first);
		remote[1].iov_len = len - first;
	}
	n = sc(SYS_process_vm_readv, pid, (long)&local, 1, (long)remote, remote[1].iov_len ? 2 : 1,
	       0);
	return n > 0 ? n : -EFAULT;
}

long rl_copy_to(void *dst, const void *src, unsigned long len)
{
	struct iovec local = { (void *)src, len }, remote = { dst, len };
	long pid = sc(SYS_getpid, 0, 0, 0, 0, 0, 0);

	if (!len)
		return 0;
	return sc(SYS_process_vm_writev, pid, (long)&local, 1, (long)&remote, 1, 0) == (long)len ?
		       0 :
		       -EFAULT;
}

static void memcpy_(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
}

static size_t rl_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static bool rl_prefix(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return false;
	return true;
}

static bool rl_prefix_n(const char *s, const char *prefix, size_t n)
{
	while (n--)
		if (*s++ != *prefix++)
			return false;
	return true;
}

static bool rl_contains(const char *s, const char *needle)
{
	for (; *s; s++)
		if (rl_prefix(s, needle))
			return true;
	return false;
}

static char *rl_append(char *dst, const char *end, const char *src)
{
	while (*src && dst < end)
		*dst++ = *src++;
	return dst;
}

/* Decimal digits of @v at @dst. */
static char *rl_utoa(char *dst, unsigned long v)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*dst++ = tmp[--n];
	return dst;
}

/*
 * @path relative to @dirfd as a path that means the same in the program the
 * helper will be (the descriptor may be close-on-exec): through
 * /proc/self/fd.  Return: 0 or -errno.
 */
static long resolve(int dirfd, const char *path, int flags, char *out)
{
	char link[64], *p;
	long n;

	if (path[0] == '/' || (dirfd == AT_FDCWD && path[0])) {
		if (rl_strlen(path) >= RL_PATH_MAX)
			return -ENAMETOOLONG;
		/* /proc/self/... names something else in the helper: resolve
		 * it now (re-executing oneself through /proc/self/exe). */
		if (rl_prefix(path, "/proc/self/") || rl_prefix(path, "/proc/thread-self/")) {
			n = sc(SYS_readlink, (long)path, (long)out, RL_PATH_MAX - 1, 0, 0, 0);
			if (n > 0 && out[0] == '/') {
				out[n] = '\0';
				if (!sc(SYS_faccessat, AT_FDCWD, (long)out, F_OK, 0, 0, 0))
					return 0;
			}
		}
		p = rl_append(out, out + RL_PATH_MAX - 1, path);
		*p = '\0';
		return 0;
	}
	if (!path[0] && !(flags & AT_EMPTY_PATH))
		return -ENOENT;
	p = rl_append(link, link + sizeof(link), "/proc/self/fd/");
	p = rl_utoa(p, (unsigned long)(unsigned int)dirfd);
	*p = '\0';
	n = sc(SYS_readlink, (long)link, (long)out, RL_PATH_MAX - 1, 0, 0, 0);
	if (n < 0)
		return n == -ENOENT ? -EBADF : n;
	if (!path[0] && (out[0] != '/' || sc(SYS_faccessat, AT_FDCWD, (long)out, F_OK, 0, 0, 0))) {
		/* fexecve() of a file without a path (a memfd): hand the
		 * helper a descriptor the new program inherits. */
		long fd = sc(SYS_fcntl, dirfd, F_DUPFD, 3, 0, 0, 0);

		if (fd < 0)
			return fd;
		p = rl_append(out, out + RL_PATH_MAX - 1, "/proc/self/fd/");
		p = rl_utoa(p, (unsigned long)fd);
		*p = '\0';
		return 0;
	}
	p = out + n;
	if (path[0]) {
		p = rl_append(p, out + RL_PATH_MAX - 1, "/");
		p = rl_append(p, out + RL_PATH_MAX - 1, path);
		if (p == out + RL_PATH_MAX - 1)
			return -ENAMETOOLONG;
	}
	*p = '\0';
	return 0;
}

/*
 * What the kernel checks before it commits to an execve(): the file (and a
 * script's interpreter, and an ELF interpreter) exists, is a regular
 * executable file, and is a script or an x86-64 ELF program.  Iterative,
 * with its buffers in @scratch (2 * RL_PATH_MAX bytes): it may run on a
 * small sigaltstack.
 */
static long check_exec(const char *path, int flags, char *scratch)
{
	union {
		char b[RL_BINPRM_BUF];
		Elf64_Ehdr eh;
	} hdr;
	struct stat st;
	Elf64_Phdr ph;
	long fd, n, err;
	int i, depth;
	bool elf_interp = false;

	for (depth = 0;; depth++) {
		char *next = scratch + (depth & 1) * RL_PATH_MAX;

		if (depth > 4)
			return -ELOOP;
		fd = sc(SYS_openat, AT_FDCWD, (long)path,
			O_RDONLY | O_CLOEXEC | ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0), 0, 0,
			0);
		if (fd < 0)
			return fd;
		err = sc(SYS_fstat, fd, (long)&st, 0, 0, 0, 0);
		if (!err && !S_ISREG(st.st_mode))
			err = -EACCES;
		if (!err)
			err = sc(SYS_faccessat2, AT_FDCWD, (long)path, X_OK, AT_EACCESS, 0, 0);
		if (err == -ENOSYS)
			err = sc(SYS_faccessat, AT_FDCWD, (long)path, X_OK, 0, 0, 0);
		n = err ? 0 : sc(SYS_pread64, fd, (long)hdr.b, sizeof(hdr.b) - 1, 0, 0, 0);
		if (!err && n < 0)
			err = n;
		if (err || elf_interp)
			break;
		hdr.b[n] = '\0';
		if (n >= 2 && hdr.b[0] == '#' && hdr.b[1] == '!') {
			const char *s = hdr.b + 2;
			char *d = next;

			while (*s == ' ' || *s == '\t')
				s++;
			while (*s && *s != ' ' && *s != '\t' && *s != '\n')
				*d++ = *s++;
			*d = '\0';
			sc(SYS_close, fd, 0, 0, 0, 0, 0);
			if (!next[0])
				return -ENOEXEC;
			path = next;
			flags = 0;
			continue;
		}
		if ((size_t)n < sizeof(Elf64_Ehdr) || hdr.eh.e_ident[EI_MAG0] != ELFMAG0 ||
		    hdr.eh.e_ident[EI_MAG1] != ELFMAG1 || hdr.eh.e_ident[EI_MAG2] != ELFMAG2 ||
		    hdr.eh.e_ident[EI_MAG3] != ELFMAG3 || hdr.eh.e_ident[EI_CLASS] != ELFCLASS64 ||
		    hdr.eh.e_machine != EM_X86_64 ||
		    (hdr.eh.e_type != ET_EXEC && hdr.eh.e_type != ET_DYN) ||
		    hdr.eh.e_phentsize != sizeof(Elf64_Phdr)) {
			err = -ENOEXEC;
			break;
		}
		for (i = 0; i < hdr.eh.e_phnum && !err; i++) {
			n = sc(SYS_pread64, fd, (long)&ph, sizeof(ph),
			       (long)(hdr.eh.e_phoff + i * sizeof(ph)), 0, 0);
			if (n != sizeof(ph))
				err = -ENOEXEC;
			else if (ph.p_type == PT_INTERP && (ph.p_filesz < 2 || ph.p_filesz > RL_PATH_MAX))
				err = -ENOEXEC;
			else if (ph.p_type == PT_INTERP)
				break;
		}
		if (err || i == hdr.eh.e_phnum)
			break;
		n = sc(SYS_pread64, fd, (long)next, (long)ph.p_filesz, (long)ph.p_offset, 0, 0);
		sc(SYS_close, fd, 0, 0, 0, 0, 0);
		if (n != (long)ph.p_filesz || next[n - 1] != '\0')
			return -ENOEXEC;
		/* The interpreter need only be there: a missing one is ENOENT. */
		path = next;
		flags = 0;
		elf_interp = true;
	}
	sc(SYS_close, fd, 0, 0, 0, 0, 0);
	return elf_interp ? (err == -ENOENT ? -ENOENT : 0) : err;
}

/* Copy the string at @src (at most @max bytes with its NUL).
 * Return: its length, -EFAULT or -ENAMETOOLONG. */
static long copy_str(char *dst, const char *src, size_t max)
{
	size_t off = 0, i;
	long n;

	while (off < max) {
		n = rl_copy_from(dst + off, src + off, max - off < 64 ? max - off : 64);
		if (n < 0)
			return n;
		for (i = 0; i < (size_t)n; i++)
			if (!dst[off + i])
				return (long)(off + i);
		off += (size_t)n;
	}
	return -ENAMETOOLONG;
}

/* The number of entries of a NULL-terminated vector, read safely. */
static long count_vec(char *const *v, size_t *n)
{
	char *p;

	*n = 0;
	if (!v)
		return 0;
	for (;;) {
		if (rl_copy_from(&p, &v[*n], sizeof(p)) != sizeof(p))
			return -EFAULT;
		if (!p)
			return 0;
		if (++*n > (1UL << 20))
			return -E2BIG;
	}
}

long relaunch_execveat(const ucontext_t *uc, const char *helper, const char *shim, int dirfd,
		       const char *upath, char *const argv[], char *const envp[], int flags)
{
	static const char key[] = "LD_PRELOAD=";
	size_t argc, envc, len, i, j;
	char **nargv, **nenvp, *path, *target, *pre, *end, *p, head[sizeof(key)];
	bool have = false;
	long err, n;
	u64 mask, saved;
	void *prev;
	static void *_Atomic stale;
	static _Atomic(size_t) stale_len;

	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	err = count_vec(argv, &argc);
	if (!err)
		err = count_vec(envp, &envc);
	if (err)
		return err;
	/* Two vectors, the path as given and resolved, one LD_PRELOAD, and
	 * check_exec()'s buffers. */
	len = (argc + 3 + envc + 2) * sizeof(char *) + 6 * RL_PATH_MAX + rl_strlen(shim) + 16;
	len = (len + 4095) & ~4095UL;
	nargv = (char **)sc(SYS_mmap, 0, (long)len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if ((unsigned long)nargv > -4096UL)
		return (long)nargv;
	nenvp = nargv + argc + 3;
	path = (char *)(nenvp + envc + 2);
	target = path + RL_PATH_MAX;
	pre = target + RL_PATH_MAX;
	end = pre + 2 * RL_PATH_MAX;
	err = upath ? copy_str(path, upath, RL_PATH_MAX) : -EFAULT;
	if (err >= 0)
		err = resolve(dirfd, path, flags, target);
	if (!err)
		err = check_exec(target, flags, end);
	if (err)
		goto out;

	/* sgxemu-exec TARGET ARGV... */
	nargv[0] = (char *)helper;
	nargv[1] = target;
	for (i = 0; i < argc; i++)
		nargv[2 + i] = argv[i];
	nargv[2 + argc] = NULL;
	/* The new program gets the shim too, whatever its environment says. */
	for (i = j = 0; i < envc; i++) {
		n = rl_copy_from(head, envp[i], sizeof(key) - 1);
		if (n != sizeof(key) - 1 || !rl_prefix_n(head, key, sizeof(key) - 1) || have) {
			nenvp[j++] = envp[i];
			continue;
		}
		/* LD_PRELOAD=SHIM:what it was */
		have = true;
		p = rl_append(pre, end, key);
		p = rl_append(p, end, shim);
		p = rl_append(p, end, ":");
		n = copy_str(p, envp[i] + sizeof(key) - 1, (size_t)(end - p));
		if (n < 0) {
			err = n;
			goto out;
		}
		nenvp[j++] = rl_contains(pre + sizeof(key) - 1 + rl_strlen(shim) + 1, shim) ?
				     envp[i] :
				     pre;
	}
	if (!have) {
		p = rl_append(pre, end, key);
		p = rl_append(p, end, shim);
		*p = '\0';
		nenvp[j++] = pre;
	}
	nenvp[j] = NULL;
	/* The new program starts with the mask the caller had, not this
	 * handler's (execve keeps the mask); SIGSYS stays open. */
	memcpy_(&mask, &uc->uc_sigmask, sizeof(mask));
	mask &= ~KSIG(SIGSYS);
	/* In a vfork child (posix_spawn) this memory is the parent's and
	 * stays when execve succeeds: leave it for the next call to free. */
	prev = atomic_exchange(&stale, (void *)nargv);
	if (prev)
		sc(SYS_munmap, (long)prev, (long)atomic_exchange(&stale_len, len), 0, 0, 0, 0);
	else
		atomic_store(&stale_len, len);
	sc(SYS_rt_sigprocmask, SIG_SETMASK, (long)&mask, (long)&saved, 8, 0, 0);
	err = sc(SYS_execve, (long)helper, (long)nargv, (long)nenvp, 0, 0, 0);
	sc(SYS_rt_sigprocmask, SIG_SETMASK, (long)&saved, 0, 8, 0, 0);
	prev = nargv;
	if (!atomic_compare_exchange_strong(&stale, &prev, NULL))
		return err;
out:
	sc(SYS_munmap, (long)nargv, (long)len, 0, 0, 0, 0);
	return err;
}


long relaunch_sigprocmask(ucontext_t *uc, int how, const uint64_t *set, uint64_t *old,
			  unsigned long size)
{
	uint64_t cur, mask;

	if (size != sizeof(uint64_t))
		return -EINVAL;
	cur = *(const uint64_t *)(const void *)&uc->uc_sigmask;
	if (set) {
		if (rl_copy_from(&mask, set, sizeof(mask)) != sizeof(mask))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK:
			mask = cur | mask;
			break;
		case SIG_UNBLOCK:
			mask = cur & ~mask;
			break;
		case SIG_SETMASK:
			break;
		default:
			return -EINVAL;
		}
		mask &= ~(KSIG(SIGKILL) | KSIG(SIGSTOP) | KSIG(SIGSYS));
	}
	if (old && rl_copy_to(old, &cur, sizeof(cur)))
		return -EFAULT;
	if (set)
		*(uint64_t *)(void *)&uc->uc_sigmask = mask;
	return 0;
}

long relaunch_sigaltstack(ucontext_t *uc, const stack_t *ss, stack_t *old)
{
	stack_t cur = uc->uc_stack, want;
	int mode;

	if (ss) {
		if (rl_copy_from(&want, ss, sizeof(want)) != sizeof(want))
			return -EFAULT;
		ss = &want;
		/* The kernel's checks; sigreturn then installs what we leave in
		 * the frame.  No real call: this handler may itself be running
		 * on the stack in question. */
		if (cur.ss_flags & SS_ONSTACK)
			return -EPERM;
		mode = ss->ss_flags & ~(int)SS_AUTODISARM_;
		if (mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE)
			return -EINVAL;
		if (mode == SS_DISABLE) {
			uc->uc_stack.ss_sp = NULL;
			uc->uc_stack.ss_size = 0;
			uc->uc_stack.ss_flags = SS_DISABLE;
		} else {
			if (ss->ss_size < 2048) /* the kernel's MINSIGSTKSZ */
				return -ENOMEM;
			uc->uc_stack = *ss;
		}
	}
	if (old && rl_copy_to(old, &cur, sizeof(cur)))
		return -EFAULT;
	return 0;
}
