// SPDX-License-Identifier: MIT
/*
 * CPUID for host code.  With CPUID faulting on (ARCH_SET_CPUID, where the
 * CPU and kernel offer it), every CPUID outside an enclave raises #GP and
 * arrives here as SIGSEGV: leaves 7 and 0x12 describe the emulated SGX
 * platform, every other leaf and subleaf is the real CPU's.  The real
 * answer is read with faulting briefly off rather than from a table, so
 * leaves with subleaves (4, 0xB, 0xD, 0x8000001D...) stay exact.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#include "base/sys.h"
#include "cpu/exec/exec.h"
#include "arch/x86.h"

#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012

static _Atomic(struct platform *) cpuid_plat;

static void real_cpuid(u32 leaf, u32 subleaf, u32 r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(subleaf));
}

void exec_cpuid_answer(struct platform *plat, u32 leaf, u32 subleaf, u32 r[4])
{
	u32 sgx[4];
	/* ARCH_GET_CPUID: 1 while CPUID runs normally. */
	bool faulting = sys_call6(SYS_arch_prctl, ARCH_GET_CPUID, 0, 0, 0, 0, 0) == 0;

	if (faulting)
		sys_call6(SYS_arch_prctl, ARCH_SET_CPUID, 1, 0, 0, 0, 0);
	real_cpuid(leaf, subleaf, r);
	if (faulting)
		sys_call6(SYS_arch_prctl, ARCH_SET_CPUID, 0, 0, 0, 0, 0);
	if (leaf == 0 && r[0] < SGX_CPUID)
		r[0] = SGX_CPUID;
	if (leaf == 7 && subleaf == 0) {
		platform_cpuid(plat, 7, 0, sgx);
		r[1] |= sgx[1];
		r[2] |= sgx[2];
	}
	if (leaf == SGX_CPUID)
		platform_cpuid(plat, leaf, subleaf, r);
}

/* Perform the 2-byte CPUID (or the UD2 standing for it) at RIP. */
static void complete(struct platform *plat, greg_t *g)
{
	u32 r[4];

	exec_cpuid_answer(plat, (u32)g[REG_RAX], (u32)g[REG_RCX], r);
	/* CPUID writes the 32-bit registers, clearing the upper halves. */
	g[REG_RAX] = r[0];
	g[REG_RBX] = r[1];
	g[REG_RCX] = r[2];
	g[REG_RDX] = r[3];
	g[REG_RIP] += 2;
}

bool exec_cpuid_emulate(struct platform *plat, ucontext_t *uc)
{
	greg_t *g = uc->uc_mcontext.gregs;
	const u8 *ip = (const u8 *)(uintptr_t)g[REG_RIP];

	if (ip[0] != 0x0F || ip[1] != 0xA2)
		return false;
	complete(plat, g);
	return true;
}

/* Patched CPUIDs (UD2 where CPUID was), for hosts without faulting. */
#define MAX_SITES 1024
static _Atomic(u64) sites[MAX_SITES];
static atomic_uint nr_sites;

int exec_cpuid_add_site(u64 addr)
{
	unsigned int i = atomic_fetch_add(&nr_sites, 1);

	if (i >= MAX_SITES) {
		atomic_fetch_sub(&nr_sites, 1);
		return -ENOSPC;
	}
	atomic_store(&sites[i], addr);
	return 0;
}

void exec_cpuid_use(struct platform *plat)
{
	atomic_store(&cpuid_plat, plat);
}

bool exec_cpuid_patched(const siginfo_t *info, ucontext_t *uc)
{
	struct platform *plat = atomic_load(&cpuid_plat);
	greg_t *g = uc->uc_mcontext.gregs;
	u64 rip = (u64)g[REG_RIP];
	unsigned int i, n = atomic_load(&nr_sites);

	if (!plat || info->si_code != ILL_ILLOPN)
		return false;
	for (i = 0; i < n && i < MAX_SITES; i++) {
		if (atomic_load(&sites[i]) != rip)
			continue;
		complete(plat, g);
		return true;
	}
	return false;
}

bool exec_cpuid_trap(const siginfo_t *info, ucontext_t *uc)
{
	struct platform *plat = atomic_load(&cpuid_plat);

	/* CPUID faulting raises #GP(0): SIGSEGV with SI_KERNEL. */
	return plat && info->si_code == SI_KERNEL && exec_cpuid_emulate(plat, uc);
}

bool exec_cpuid_faulting_on(void)
{
	return sys_call6(SYS_arch_prctl, ARCH_GET_CPUID, 0, 0, 0, 0, 0) == 0;
}

int exec_cpuid_enable(struct platform *plat)
{
	int err = exec_init_process();

	if (err)
		return err;
	err = (int)sys_call6(SYS_arch_prctl, ARCH_SET_CPUID, 0, 0, 0, 0, 0);
	if (err)
		return err;
	atomic_store(&cpuid_plat, plat);
	return 0;
}
