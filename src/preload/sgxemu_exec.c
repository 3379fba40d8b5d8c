// SPDX-License-Identifier: MIT
/*
 * sgxemu-exec: how a program under the shim's seccomp filter becomes
 * another program.  The filter survives execve() but the SIGSYS handler
 * does not, so a plain execve() would leave the new program's dynamic
 * linker to die on its first trapped call.  The shim executes this helper
 * instead (sgxemu-exec PATH ARGV...): it is linked at the gate's address,
 * so its own calls pass the filter; it installs a SIGSYS handler that
 * performs trapped calls unchanged, maps PATH and its ELF interpreter as
 * the kernel would, and jumps to them with the stack the kernel gave it,
 * minus its own two arguments.  The new program's shim then takes over
 * SIGSYS.  Built without the C library.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "preload/gate.h"

#define PAGE 4096UL
#define PATH_MAX_ 4096
#define SA_RESTORER_ 0x04000000UL

/* The kernel's struct sigaction. */
struct ksigaction {
	void *handler;
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

struct loaded {
	unsigned long bias, entry, phdr;
	unsigned int phnum;
	char interp[PATH_MAX_];
};

static char self[PATH_MAX_], shim[PATH_MAX_];
static char script_interp[256], script_arg[256];
/* SGXEMU_EXE=PATH: what /proc/self/exe should name (it names us). */
static char exe_env[16 + PATH_MAX_];

/* The compiler may call these for copies and clears. */
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *dp = d;

	while (n--)
		*dp++ = (unsigned char)c;
	return d;
}

static long sc(long nr, long a, long b, long c, long d, long e, long f)
{
	return gate()(nr, a, b, c, d, e, f);
}

static size_t slen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static void say(const char *a, const char *b, const char *c)
{
	sc(SYS_write, 2, (long)a, (long)slen(a), 0, 0, 0);
	sc(SYS_write, 2, (long)b, (long)slen(b), 0, 0, 0);
	sc(SYS_write, 2, (long)c, (long)slen(c), 0, 0, 0);
}

static __attribute__((noreturn)) void die(const char *path, const char *what)
{
	say("sgxemu-exec: ", path, ": ");
	say(what, "\n", "");
	sc(SYS_exit_group, 127, 0, 0, 0, 0, 0);
	__builtin_unreachable();
}

void helper_sigreturn(void);
__asm__(".text\n"
	".globl helper_sigreturn\n"
	".hidden helper_sigreturn\n"
	"helper_sigreturn:\n"
	"	mov $15, %eax\n" /* rt_sigreturn */
	"	syscall\n"
	"	ud2\n");

/*
 * Until the new program's shim takes SIGSYS over: perform each trapped call
 * as asked, except the ones that would take the handler away or that
 * sigreturn would undo.
 */
static void on_sigsys(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *g = uc->uc_mcontext.gregs;
	long nr = info->si_syscall, ret;

	(void)sig;
	switch (nr) {
	case SYS_rt_sigprocmask:
		ret = relaunch_sigprocmask(uc, (int)g[REG_RDI], (const uint64_t *)g[REG_RSI],
					   (uint64_t *)g[REG_RDX], (unsigned long)g[REG_R10]);
		break;
	case SYS_sigaltstack:
		ret = relaunch_sigaltstack(uc, (const stack_t *)g[REG_RDI], (stack_t *)g[REG_RSI]);
		break;
	case SYS_rt_sigaction: {
		struct ksigaction ka;
		long act = g[REG_RSI];

		/* A program without the shim cannot have SIGSYS, nor block it
		 * in a handler (a trapped call there would kill it). */
		if (g[REG_RDI] == SIGSYS && act) {
			ret = -EINVAL;
			break;
		}
		if (act) {
			if (rl_copy_from(&ka, (const void *)act, sizeof(ka)) != sizeof(ka)) {
				ret = -EFAULT;
				break;
			}
			ka.mask &= ~(1UL << (SIGSYS - 1));
			act = (long)&ka;
		}
		ret = sc(nr, g[REG_RDI], act, g[REG_RDX], g[REG_R10], 0, 0);
		break;
	}
	case SYS_execve:
		ret = relaunch_execveat(uc, self, shim, AT_FDCWD, (const char *)g[REG_RDI],
					(char *const *)g[REG_RSI], (char *const *)g[REG_RDX], 0);
		break;
	case SYS_execveat:
		ret = relaunch_execveat(uc, self, shim, (int)g[REG_RDI], (const char *)g[REG_RSI],
					(char *const *)g[REG_RDX], (char *const *)g[REG_R10],
					(int)g[REG_R8]);
		break;
	default:
		ret = sc(nr, g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]);
		break;
	}
	g[REG_RAX] = ret;
}

static unsigned long page_down(unsigned long v)
{
	return v & ~(PAGE - 1);
}

static unsigned long page_up(unsigned long v)
{
	return (v + PAGE - 1) & ~(PAGE - 1);
}

static int prot_of(unsigned int flags)
{
	return ((flags & PF_R) ? PROT_READ : 0) | ((flags & PF_W) ? PROT_WRITE : 0) |
	       ((flags & PF_X) ? PROT_EXEC : 0);
}

/* Map an ELF file as the kernel's binfmt_elf would.  Exits on failure. */
static void load_elf(const char *path, struct loaded *out)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	unsigned long lo = -1UL, hi = 0, base;
	long fd, n;
	int i;

	fd = sc(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		die(path, "cannot open");
	n = sc(SYS_pread64, fd, (long)&eh, sizeof(eh), 0, 0, 0);
	if (n != sizeof(eh) || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phnum > 64)
		die(path, "not an ELF program this helper can load");
	n = sc(SYS_pread64, fd, (long)ph, eh.e_phnum * sizeof(Elf64_Phdr), (long)eh.e_phoff, 0, 0);
	if (n != (long)(eh.e_phnum * sizeof(Elf64_Phdr)))
		die(path, "truncated program headers");
	out->interp[0] = '\0';
	out->phdr = 0;
	for (i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD) {
			if (ph[i].p_vaddr < lo)
				lo = ph[i].p_vaddr;
			if (ph[i].p_vaddr + ph[i].p_memsz > hi)
				hi = ph[i].p_vaddr + ph[i].p_memsz;
		} else if (ph[i].p_type == PT_INTERP) {
			if (ph[i].p_filesz >= sizeof(out->interp) ||
			    sc(SYS_pread64, fd, (long)out->interp, (long)ph[i].p_filesz,
			       (long)ph[i].p_offset, 0, 0) != (long)ph[i].p_filesz)
				die(path, "bad PT_INTERP");
			out->interp[ph[i].p_filesz] = '\0';
		}
	}
	if (hi <= lo)
		die(path, "no loadable segments");
	lo = page_down(lo);
	/* Reserve the whole span first, so the segments land together. */
	base = (unsigned long)sc(SYS_mmap, eh.e_type == ET_EXEC ? (long)lo : 0,
				 (long)(page_up(hi) - lo), PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS |
					 (eh.e_type == ET_EXEC ? MAP_FIXED_NOREPLACE : 0),
				 -1, 0);
	if (base > -4096UL)
		die(path, "cannot reserve its address range");
	out->bias = eh.e_type == ET_EXEC ? 0 : base - lo;
	for (i = 0; i < eh.e_phnum; i++) {
		unsigned long va, off, fend, mend, m;
		int prot = prot_of(ph[i].p_flags);

		if (ph[i].p_type != PT_LOAD)
			continue;
		va = out->bias + ph[i].p_vaddr;
		off = ph[i].p_offset - (ph[i].p_vaddr - page_down(ph[i].p_vaddr));
		fend = va + ph[i].p_filesz;
		mend = va + ph[i].p_memsz;
		if (ph[i].p_filesz) {
			m = (unsigned long)sc(SYS_mmap, (long)page_down(va),
					      (long)(fend - page_down(va)), prot | PROT_WRITE,
					      MAP_PRIVATE | MAP_FIXED, fd, (long)off);
			if (m > -4096UL)
				die(path, "cannot map a segment");
			/* The bss starts inside the last file page. */
			if (mend > fend && (fend & (PAGE - 1)))
				memset((void *)fend, 0, page_up(fend) - fend);
			if (!(prot & PROT_WRITE))
				sc(SYS_mprotect, (long)page_down(va), (long)(page_up(fend) - page_down(va)),
				   prot, 0, 0, 0);
		}
		/* The bss past the file's pages; all of the segment's pages
		 * when it has no file contents at all. */
		fend = ph[i].p_filesz ? page_up(fend) : page_down(va);
		if (page_up(mend) > fend) {
			m = (unsigned long)sc(SYS_mmap, (long)fend, (long)(page_up(mend) - fend),
					      prot, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
			if (m > -4096UL)
				die(path, "cannot map its bss");
		}
		if (eh.e_phoff >= ph[i].p_offset &&
		    eh.e_phoff + eh.e_phnum * sizeof(Elf64_Phdr) <= ph[i].p_offset + ph[i].p_filesz)
			out->phdr = va + (eh.e_phoff - ph[i].p_offset);
	}
	for (i = 0; i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_PHDR)
			out->phdr = out->bias + ph[i].p_vaddr;
	out->phnum = eh.e_phnum;
	out->entry = out->bias + eh.e_entry;
	sc(SYS_close, fd, 0, 0, 0, 0, 0);
}

/* "#!INTERP [ARG]": fills script_interp and script_arg; false if not a script. */
static bool read_shebang(const char *path)
{
	char buf[256], *s = buf, *d;
	long fd, n;

	fd = sc(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		die(path, "cannot open");
	n = sc(SYS_read, fd, (long)buf, sizeof(buf) - 1, 0, 0, 0);
	sc(SYS_close, fd, 0, 0, 0, 0, 0);
	if (n < 2 || buf[0] != '#' || buf[1] != '!')
		return false;
	buf[n] = '\0';
	s += 2;
	while (*s == ' ' || *s == '\t')
		s++;
	for (d = script_interp; *s && *s != ' ' && *s != '\t' && *s != '\n';)
		*d++ = *s++;
	*d = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	for (d = script_arg; *s && *s != '\n';)
		*d++ = *s++;
	while (d > script_arg && (d[-1] == ' ' || d[-1] == '\t'))
		d--;
	*d = '\0';
	return true;
}

/* The directory of this helper holds the shim. */
static void find_paths(void)
{
	long n = sc(SYS_readlink, (long)"/proc/self/exe", (long)self, sizeof(self) - 1, 0, 0, 0);
	long i, cut = 0;

	if (n <= 0)
		die("/proc/self/exe", "cannot read");
	self[n] = '\0';
	for (i = 0; i < n; i++)
		if (self[i] == '/')
			cut = i;
	if (cut + 1 + (long)sizeof(GATE_SHIM) > (long)sizeof(shim))
		die(self, "path too long");
	memcpy(shim, self, (size_t)cut + 1);
	memcpy(shim + cut + 1, GATE_SHIM, sizeof(GATE_SHIM));
}

static __attribute__((noreturn)) void jump(unsigned long *sp, unsigned long entry)
{
	__asm__ volatile("mov %0, %%rsp\n\t"
			 "xor %%edx, %%edx\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "jmp *%1"
			 :
			 : "r"(sp), "r"(entry)
			 : "memory");
	__builtin_unreachable();
}

__attribute__((noreturn, used)) void helper_main(unsigned long *sp);

void helper_main(unsigned long *sp)
{
	unsigned long argc = sp[0], envc = 0, auxc = 0, i, n, k = 0, nargs;
	char **argv = (char **)(sp + 1), **envp = argv + argc + 1;
	const char *path, *name;
	struct ksigaction sa = { 0 };
	static struct loaded prog, interp;
	unsigned long *auxv, *nsp, *w;
	char *extra[3];

	if (argc < 3)
		die("usage", "sgxemu-exec PATH ARGV0 [ARGS...] (run by the sgxemu shim)");
	while (envp[envc])
		envc++;
	auxv = (unsigned long *)(envp + envc + 1);
	while (auxv[2 * auxc] != AT_NULL)
		auxc++;
	find_paths();

	sa.handler = (void *)on_sigsys;
	sa.flags = SA_SIGINFO | SA_NODEFER | SA_RESTORER_;
	sa.restorer = helper_sigreturn;
	sa.mask = 0;
	if (sc(SYS_rt_sigaction, SIGSYS, (long)&sa, 0, 8, 0, 0))
		die("SIGSYS", "cannot install the handler");

	/* A script: its interpreter runs with [ARG] and the script's path. */
	path = argv[1];
	if (read_shebang(path)) {
		extra[k++] = script_interp;
		if (script_arg[0])
			extra[k++] = script_arg;
		extra[k++] = (char *)path;
		path = script_interp;
		if (read_shebang(path))
			die(argv[1], "an interpreter that is itself a script is not supported");
	}
	if ((unsigned long)gate_page != GATE_ADDR)
		die(self, "built at the wrong address");
	load_elf(path, &prog);
	if (prog.interp[0])
		load_elf(prog.interp, &interp);

	/* The new stack: argc, argv, envp and auxv, well below our own frame. */
	nargs = k ? k + argc - 3 : argc - 2;
	n = 1 + nargs + 1 + envc + 2 + 2 * (auxc + 1);
	nsp = (unsigned long *)(((unsigned long)&argc - 65536 - n * 8) & ~15UL);
	w = nsp;
	*w++ = nargs;
	if (k) {
		/* The interpreter replaces ARGV0; the script's path follows. */
		for (i = 0; i < k; i++)
			*w++ = (unsigned long)extra[i];
		for (i = 3; i < argc; i++)
			*w++ = (unsigned long)argv[i];
	} else {
		for (i = 2; i < argc; i++)
			*w++ = (unsigned long)argv[i];
	}
	*w++ = 0;
	for (i = 0; i < envc; i++)
		*w++ = (unsigned long)envp[i];
	/* The shim reads it, takes it out, and answers /proc/self/exe. */
	if (slen(path) < PATH_MAX_) {
		static const char key[] = "SGXEMU_EXE=";

		for (i = 0; i < sizeof(key) - 1; i++)
			exe_env[i] = key[i];
		for (n = 0; path[n]; n++)
			exe_env[i + n] = path[n];
		exe_env[i + n] = '\0';
		*w++ = (unsigned long)exe_env;
	}
	*w++ = 0;
	for (i = 0; i <= auxc; i++) {
		unsigned long type = auxv[2 * i], val = auxv[2 * i + 1];

		switch (type) {
		case AT_PHDR:
			val = prog.phdr;
			break;
		case AT_PHNUM:
			val = prog.phnum;
			break;
		case AT_PHENT:
			val = sizeof(Elf64_Phdr);
			break;
		case AT_ENTRY:
			val = prog.entry;
			break;
		case AT_BASE:
			val = prog.interp[0] ? interp.bias : 0;
			break;
		case AT_EXECFN:
			val = (unsigned long)argv[1];
			break;
		default:
			break;
		}
		*w++ = type;
		*w++ = val;
	}
	for (name = path + slen(path); name > path && name[-1] != '/'; name--)
		;
	sc(SYS_prctl, PR_SET_NAME, (long)name, 0, 0, 0, 0);
	jump(nsp, prog.interp[0] ? interp.entry : prog.entry);
}

__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call helper_main\n"
	"	ud2\n");
