// SPDX-License-Identifier: MIT
/*
 * What a program's own CPUID says about SGX, as test_sgx asks it: leaf 7
 * for SGX and SGX_LC, leaf 0x12 for SGX1 and the EPC sections.
 */
#include <cpuid.h>
#include <stdio.h>

int main(void)
{
	unsigned int a, b, c, d, i;
	unsigned long long epc = 0;

	__cpuid_count(7, 0, a, b, c, d);
	printf("sgx=%u lc=%u\n", (b >> 2) & 1, (c >> 30) & 1);
	__cpuid_count(0x12, 0, a, b, c, d);
	printf("sgx1=%u\n", a & 1);
	for (i = 2; i < 10; i++) {
		__cpuid_count(0x12, i, a, b, c, d);
		if ((a & 0xf) != 1)
			break;
		epc += ((unsigned long long)(d & 0xfffff) << 32) | (c & 0xfffff000);
	}
	printf("epc=%llu\n", epc);
	return 0;
}
