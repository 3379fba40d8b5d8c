// SPDX-License-Identifier: MIT
/*
 * The quote example's enclave: it binds a message to its identity with a
 * REPORT for the quoting enclave, which the program turns into a quote
 * that anyone with the machine's root certificate can check.
 */
#include <stddef.h>

#include "quote_call.h"

#pragma GCC visibility push(hidden)

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

void *memcpy(void *d, const void *s, unsigned long n);
void *memset(void *d, int c, unsigned long n);

#include "sha256.h"

void encl_body(struct quote_call *c, u64 cssa, u64 base, u64 tcs);

void encl_body(struct quote_call *c, u64 cssa, u64 base, u64 tcs)
{
	static u8 target[512] __attribute__((aligned(512)));
	static u8 data[64] __attribute__((aligned(128)));
	static u8 report[432] __attribute__((aligned(512)));
	static u8 message[256];
	struct sha256 s;
	u64 len, rax = 0;

	(void)base;
	(void)tcs;
	if (cssa)
		return;
	/* Read the call once: the host may change it under us. */
	memcpy(target, c->target, sizeof(target));
	len = c->len < sizeof(message) ? c->len : sizeof(message);
	memcpy(message, c->message, len);
	memset(data, 0, sizeof(data));
	sha256_init(&s);
	sha256_update(&s, QUOTE_EXAMPLE_LABEL, sizeof(QUOTE_EXAMPLE_LABEL) - 1);
	sha256_update(&s, message, len);
	sha256_final(&s, data);
	__asm__ volatile("enclu"
			 : "+a"(rax)
			 : "b"(target), "c"(data), "d"(report)
			 : "memory", "cc");
	memcpy(c->report, report, sizeof(report));
}
