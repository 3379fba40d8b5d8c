// SPDX-License-Identifier: MIT
/* CPUID.(12H,0).EAX as a library linked at start sees it. */
#include <stdio.h>

unsigned int cpuid_lib_exported(void);
unsigned int cpuid_lib_local(void);

int main(void)
{
	printf("exported=%#x local=%#x\n", cpuid_lib_exported(), cpuid_lib_local());
	return 0;
}
