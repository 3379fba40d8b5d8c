// SPDX-License-Identifier: MIT
/*
 * What freestanding enclave code needs from a C library: the compiler may
 * emit calls to memcpy and memset for copies and initialisers.
 */
#pragma GCC visibility push(hidden)

void *memcpy(void *d, const void *s, unsigned long n);
void *memset(void *d, int c, unsigned long n);

void *memcpy(void *d, const void *s, unsigned long n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memset(void *d, int c, unsigned long n)
{
	unsigned char *dp = d;

	while (n--)
		*dp++ = (unsigned char)c;
	return d;
}
