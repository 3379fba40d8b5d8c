// SPDX-License-Identifier: MIT
/*
 * A library whose own code asks CPUID for leaf 0x12: in a function its
 * dynamic symbol table exports, and in a local one that only its symbol
 * table, or once stripped only its unwind table (.eh_frame), describes.
 */
#include <cpuid.h>

unsigned int cpuid_lib_exported(void);
unsigned int cpuid_lib_local(void);

static __attribute__((noinline)) unsigned int leaf12_local(void)
{
	unsigned int a, b, c, d;

	__cpuid_count(0x12, 0, a, b, c, d);
	return a;
}

unsigned int cpuid_lib_exported(void)
{
	unsigned int a, b, c, d;

	__cpuid_count(0x12, 0, a, b, c, d);
	return a;
}

unsigned int cpuid_lib_local(void)
{
	return leaf12_local();
}
