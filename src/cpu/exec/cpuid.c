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

/*
 * Patched CPUIDs (UD2 where CPUID was), for hosts without faulting: an
 * open-addressing hash set of their addresses, read from the SIGILL
 * handler without a lock; one writer at a time (the shim's patcher holds
 * its lock).  0 is a free slot.  A removed site (its library was unloaded)
 * becomes a tombstone, which a later site may take, so a lookup never
 * stops short of a site that is there.  Up to 12288 sites: enough for
 * every CPUID of every library a real program loads (the SGX SDK's
 * runtime libraries have 32, its sample programs about 60 in all).  Some
 * slots always stay free, so that every probe ends.
 */
#define SITE_SLOTS 16384
#define SITE_MAX (SITE_SLOTS / 4 * 3)
#define SITE_TOMBSTONE 1ULL
static _Atomic(u64) sites[SITE_SLOTS];
static unsigned int nr_sites;  /* sites */
static unsigned int nr_used;   /* slots not free: sites and tombstones */

static unsigned int site_hash(u64 addr)
{
	return (unsigned int)((addr * 0x9E3779B97F4A7C15ULL) >> 50) & (SITE_SLOTS - 1);
}

/**
 * exec_cpuid_add_site() - answer a UD2 at @addr as CPUID from now on.
 * @addr: where a CPUID was patched into UD2 (0F 0B)
 *
 * Context: one caller at a time (exec_cpuid_patched() may run meanwhile).
 * Return: 0 (also when @addr is already a site), -EINVAL for an address
 * that cannot be one, -ENOSPC when 12288 sites are taken.
 */
int exec_cpuid_add_site(u64 addr)
{
	unsigned int i = site_hash(addr), n, tomb = SITE_SLOTS;

	if (addr <= SITE_TOMBSTONE)
		return -EINVAL;
	for (n = 0; n < SITE_SLOTS; n++, i = (i + 1) & (SITE_SLOTS - 1)) {
		u64 cur = atomic_load(&sites[i]);

		if (cur == addr)
			return 0;
		if (cur == SITE_TOMBSTONE && tomb == SITE_SLOTS)
			tomb = i;
		if (!cur)
			break;
	}
	if (nr_sites >= SITE_MAX)
		return -ENOSPC;
	/* Not there: take the first tombstone on the way, or the free slot. */
	if (tomb != SITE_SLOTS) {
		atomic_store(&sites[tomb], addr);
	} else {
		if (n == SITE_SLOTS || nr_used >= SITE_SLOTS - SITE_SLOTS / 16)
			return -ENOSPC;
		nr_used++;
		atomic_store(&sites[i], addr);
	}
	nr_sites++;
	return 0;
}

/**
 * exec_cpuid_remove_sites() - stop answering the sites in [@start, @end).
 * @start: first address of an unloaded object
 * @end: the address after it
 *
 * Context: one caller at a time, as exec_cpuid_add_site().
 */
void exec_cpuid_remove_sites(u64 start, u64 end)
{
	unsigned int i;

	for (i = 0; i < SITE_SLOTS; i++) {
		u64 cur = atomic_load(&sites[i]);

		if (cur > SITE_TOMBSTONE && cur >= start && cur < end) {
			atomic_store(&sites[i], SITE_TOMBSTONE);
			nr_sites--;
		}
	}
}

static bool is_site(u64 addr)
{
	unsigned int i = site_hash(addr), n;

	for (n = 0; n < SITE_SLOTS; n++, i = (i + 1) & (SITE_SLOTS - 1)) {
		u64 cur = atomic_load(&sites[i]);

		if (cur == addr)
			return true;
		if (!cur)
			return false;
	}
	return false;
}

void exec_cpuid_use(struct platform *plat)
{
	atomic_store(&cpuid_plat, plat);
}

bool exec_cpuid_patched(const siginfo_t *info, ucontext_t *uc)
{
	struct platform *plat = atomic_load(&cpuid_plat);
	greg_t *g = uc->uc_mcontext.gregs;

	if (!plat || info->si_code != ILL_ILLOPN || !is_site((u64)g[REG_RIP]))
		return false;
	complete(plat, g);
	return true;
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
