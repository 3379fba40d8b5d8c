// SPDX-License-Identifier: MIT
/*
 * CPUID.(12H,0).EAX as a library loaded with dlopen() sees it, twice: the
 * library is closed and opened again in between.
 *
 *   cpuid_dl_prog LIBRARY     (a path, or a bare name this program's
 *                              RUNPATH finds)
 */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	unsigned int (*exported)(void), (*local)(void);
	void *h;
	int round;

	if (argc != 2) {
		fprintf(stderr, "usage: cpuid_dl_prog LIBRARY\n");
		return 2;
	}
	for (round = 0; round < 2; round++) {
		h = dlopen(argv[1], RTLD_NOW);
		if (!h) {
			printf("dlopen: %s\n", dlerror());
			return 1;
		}
		exported = (unsigned int (*)(void))dlsym(h, "cpuid_lib_exported");
		local = (unsigned int (*)(void))dlsym(h, "cpuid_lib_local");
		if (!exported || !local) {
			printf("dlsym: %s\n", dlerror());
			return 1;
		}
		printf("exported=%#x local=%#x\n", exported(), local());
		if (dlclose(h)) {
			printf("dlclose: %s\n", dlerror());
			return 1;
		}
	}
	return 0;
}
