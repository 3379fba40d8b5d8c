/* SPDX-License-Identifier: MIT */
/* x86 architectural constants that SGX refers to: vectors, #PF error code
 * bits, MSRs and CPUID bits. */
#ifndef SGXEMU_ARCH_X86_H
#define SGXEMU_ARCH_X86_H

#include "base/bits.h"

enum x86_vector {
	X86_VEC_DE = 0,
	X86_VEC_DB = 1,
	X86_VEC_BP = 3,
	X86_VEC_BR = 5,
	X86_VEC_UD = 6,
	X86_VEC_NM = 7,
	X86_VEC_GP = 13,
	X86_VEC_PF = 14,
	X86_VEC_MF = 16,
	X86_VEC_AC = 17,
	X86_VEC_MC = 18,
	X86_VEC_XM = 19,
	X86_VEC_CP = 21,
};

/* #PF error code */
#define X86_PF_P BIT(0)
#define X86_PF_W BIT(1)
#define X86_PF_U BIT(2)
#define X86_PF_RSVD BIT(3)
#define X86_PF_I BIT(4)
#define X86_PF_PK BIT(5)
#define X86_PF_SGX BIT(15)

#define MSR_IA32_FEATURE_CONTROL 0x0000003A
#define FEAT_CTL_LOCKED BIT_ULL(0)
#define FEAT_CTL_SGX_LC_ENABLED BIT_ULL(17)
#define FEAT_CTL_SGX_ENABLED BIT_ULL(18)

#define MSR_IA32_SGXLEPUBKEYHASH0 0x0000008C
#define MSR_IA32_SGXLEPUBKEYHASH3 0x0000008F

/* CPUID.(7,0) */
#define X86_CPUID7_EBX_SGX BIT(2)
#define X86_CPUID7_ECX_SGX_LC BIT(30)

/* CPUID.(12H,0).EAX */
#define SGX_CPUID 0x12
#define SGX_CPUID_EPC_FIRST 2
#define SGX_CPUID_EAX_SGX1 BIT(0)
#define SGX_CPUID_EAX_SGX2 BIT(1)
/* ENCLU[EDECCSSA], which comes with AEX-Notify. */
#define SGX_CPUID_EAX_EDECCSSA BIT(11)
/* The oversubscription extensions: ENCLV's EINCVIRTCHILD, EDECVIRTCHILD and
 * ESETCONTEXT (bit 5); ETRACKC, ERDINFO, ELDBC and ELDUC (bit 6). */
#define SGX_CPUID_EAX_ENCLV BIT(5)
#define SGX_CPUID_EAX_OVERSUB BIT(6)
#define SGX_CPUID_EPC_SECTION 0x1
#define SGX_CPUID_EPC_MASK 0xF

#endif
