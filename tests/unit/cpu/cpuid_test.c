// SPDX-License-Identifier: MIT
/* CPUID as host code sees it on the emulated platform (cpu/exec/cpuid.c). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "arch/x86.h"
#include "cpu/exec/exec.h"
#include "fixture.h"

static void host_cpuid(u32 leaf, u32 subleaf, u32 r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(subleaf));
}

TEST(cpuid, sgx_leaves_are_the_platforms)
{
	struct fx fx;
	u32 got[4], want[4], sub;

	fx_platform(&fx, 256);
	for (sub = 0; sub < 4; sub++) {
		exec_cpuid_answer(fx.plat, SGX_CPUID, sub, got);
		platform_cpuid(fx.plat, SGX_CPUID, sub, want);
		ASSERT_EQ(memcmp(got, want, sizeof(got)), 0);
	}
	/* CPUID.(12H,2): one EPC section of 1 MiB. */
	exec_cpuid_answer(fx.plat, SGX_CPUID, 2, got);
	ASSERT_EQ(got[0] & 0xF, 1);
	ASSERT_EQ(got[2], 0x100000 | 1);
	platform_destroy(fx.plat);
}

/* Leaf 7 keeps every real feature bit and adds SGX and SGX_LC; leaf 0
 * reaches at least 0x12; other leaves are the CPU's own. */
TEST(cpuid, other_leaves_are_the_hosts)
{
	struct fx fx;
	u32 got[4], real[4];

	fx_platform(&fx, 16);
	host_cpuid(7, 0, real);
	exec_cpuid_answer(fx.plat, 7, 0, got);
	ASSERT_EQ(got[1], real[1] | X86_CPUID7_EBX_SGX);
	ASSERT_EQ(got[2], real[2] | X86_CPUID7_ECX_SGX_LC);
	ASSERT_EQ(got[3], real[3]);
	exec_cpuid_answer(fx.plat, 0, 0, got);
	host_cpuid(0, 0, real);
	ASSERT_GE(got[0], SGX_CPUID);
	ASSERT_EQ(got[1], real[1]);   /* the vendor string */
	host_cpuid(0x80000002, 0, real);
	exec_cpuid_answer(fx.plat, 0x80000002, 0, got);
	ASSERT_EQ(memcmp(got, real, sizeof(got)), 0);
	platform_destroy(fx.plat);
}

/* What the SIGSEGV of a faulting CPUID does to the interrupted context:
 * the four registers (upper halves cleared) and RIP past the instruction. */
TEST(cpuid, emulate_at_rip)
{
	static const u8 code[] = { 0x0F, 0xA2, 0x90 };
	struct fx fx;
	ucontext_t uc;
	u32 want[4];

	fx_platform(&fx, 16);
	memset(&uc, 0, sizeof(uc));
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)code;
	uc.uc_mcontext.gregs[REG_RAX] = (greg_t)0xFFFFFFFF00000012ULL;
	uc.uc_mcontext.gregs[REG_RCX] = 0;
	uc.uc_mcontext.gregs[REG_RBX] = -1;
	ASSERT_TRUE(exec_cpuid_emulate(fx.plat, &uc));
	platform_cpuid(fx.plat, SGX_CPUID, 0, want);
	ASSERT_EQ((u64)uc.uc_mcontext.gregs[REG_RAX], want[0]);
	ASSERT_EQ((u64)uc.uc_mcontext.gregs[REG_RBX], want[1]);
	ASSERT_EQ((u64)uc.uc_mcontext.gregs[REG_RDX], want[3]);
	ASSERT_EQ((u64)uc.uc_mcontext.gregs[REG_RIP], (u64)(uintptr_t)code + 2);
	/* Not a CPUID: left alone, for the program's own handler. */
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)(code + 2);
	ASSERT_FALSE(exec_cpuid_emulate(fx.plat, &uc));
	platform_destroy(fx.plat);
}

/* With CPUID faulting (where the host offers it), a plain CPUID in this
 * program reports SGX; without it, enabling says so with -ENODEV. */
TEST(cpuid, faulting_end_to_end)
{
	char line[4096];
	bool offered = false;
	struct fx fx;
	u32 r[4];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int err;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5) && strstr(line, " cpuid_fault"))
			offered = true;
	if (f)
		fclose(f);
	fx_platform(&fx, 16);
	err = exec_cpuid_enable(fx.plat);
	if (!offered) {
		ASSERT_EQ(err, -ENODEV);
		platform_destroy(fx.plat);
		SKIP("this host has no CPUID faulting (cpuid_fault); answers checked above");
	}
	ASSERT_EQ(err, 0);
	host_cpuid(7, 0, r);
	ASSERT_TRUE(r[1] & X86_CPUID7_EBX_SGX);
	host_cpuid(SGX_CPUID, 0, r);
	ASSERT_TRUE(r[0] & SGX_CPUID_EAX_SGX1);
}

/* A UD2 at a site answers as the CPUID it replaced; anywhere else it is the
 * program's own #UD. */
static bool patched_at(u64 rip)
{
	siginfo_t si;
	ucontext_t uc;

	memset(&si, 0, sizeof(si));
	memset(&uc, 0, sizeof(uc));
	si.si_signo = SIGILL;
	si.si_code = ILL_ILLOPN;
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)rip;
	uc.uc_mcontext.gregs[REG_RAX] = SGX_CPUID;
	return exec_cpuid_patched(&si, &uc) &&
	       (u64)uc.uc_mcontext.gregs[REG_RIP] == rip + 2;
}

/* The site table holds what a process's libraries need (12288 sites, far
 * past the old 1024), says -ENOSPC beyond, and forgets the sites of an
 * unloaded library's range so that a later UD2 there is a UD2. */
TEST(cpuid, patched_sites_many_and_removed)
{
	const u64 base = 0x7f0000000000ULL;
	struct fx fx;
	unsigned int i, n = 0;

	fx_platform(&fx, 16);
	exec_cpuid_use(fx.plat);
	ASSERT_FALSE(patched_at(base));
	for (i = 0; i < 20000; i++) {
		int err = exec_cpuid_add_site(base + 16ULL * i);

		if (err) {
			ASSERT_EQ(err, -ENOSPC);
			break;
		}
		n++;
	}
	ASSERT_EQ(n, 12288);
	/* Adding one that is there is not a new site. */
	ASSERT_EQ(exec_cpuid_add_site(base), 0);
	for (i = 0; i < n; i += 97)
		ASSERT_TRUE(patched_at(base + 16ULL * i));
	ASSERT_FALSE(patched_at(base + 8));
	ASSERT_FALSE(patched_at(base + 16ULL * n));
	/* The first 1000 belonged to a library that went away. */
	exec_cpuid_remove_sites(base, base + 16000);
	ASSERT_FALSE(patched_at(base));
	ASSERT_FALSE(patched_at(base + 16 * 999));
	ASSERT_TRUE(patched_at(base + 16 * 1000));
	ASSERT_TRUE(patched_at(base + 16ULL * (n - 1)));
	/* A later library takes the room they left. */
	for (i = 0; i < 1000; i++)
		ASSERT_EQ(exec_cpuid_add_site(base + 8 + 16ULL * i), 0);
	ASSERT_TRUE(patched_at(base + 8));
	ASSERT_EQ(exec_cpuid_add_site(base + 4), -ENOSPC);
	platform_destroy(fx.plat);
}
