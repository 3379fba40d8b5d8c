// SPDX-License-Identifier: MIT
/*
 * The hello enclave: seals a secret to itself (EGETKEY SEAL, MRENCLAVE
 * policy; AES-128-CTR with an AES-CMAC tag), unseals it, produces reports
 * for another enclave, and verifies reports addressed to it (EGETKEY REPORT).
 * Freestanding: AES comes from the CPU's AES-NI instructions.
 */
#include "enclave.h"
#include "hello.h"

#pragma GCC visibility push(hidden)

/* From rt.c. */
void *memcpy(void *d, const void *s, unsigned long n);
void *memset(void *d, int c, unsigned long n);

typedef uint8_t u8;
typedef uint64_t u64;

#include "aes_cmac.h"

void encl_body(struct hello_call *c, u64 cssa, u64 base, u64 tcs);
/* Compare without an early exit, so timing says nothing about the tag. */
static int differ(const u8 *a, const u8 *b, unsigned long n)
{
	u8 d = 0;

	while (n--)
		d |= *a++ ^ *b++;
	return d != 0;
}

static u64 enclu(u64 leaf, u64 rbx, u64 rcx, u64 rdx)
{
	__asm__ volatile("enclu" : "+a"(leaf), "+b"(rbx), "+c"(rcx), "+d"(rdx) : : "memory", "cc");
	return leaf;
}

#ifndef HELLO_ROLE
#define HELLO_ROLE 1
#endif
/* Measured: the prover (1) and the verifier (2) are different enclaves. */
const volatile u8 hello_role = HELLO_ROLE;

static u8 keyreq[512] __attribute__((aligned(512)));
static u8 key_out[16] __attribute__((aligned(16)));
static u8 report_in[432] __attribute__((aligned(512)));
static u8 target_in[512] __attribute__((aligned(512)));
static u8 data_in[64] __attribute__((aligned(128)));

/*
 * EGETKEY for @keyname; a SEAL key under the MRENCLAVE policy, or the
 * REPORT key for @keyid.  Return: EGETKEY's status; the key is in key_out.
 */
static u64 getkey(uint16_t keyname, const u8 *keyid)
{
	u64 mask = ~0ULL;
	uint32_t miscmask = ~0U;
	uint16_t policy = 1; /* MRENCLAVE */

	memset(keyreq, 0, sizeof(keyreq));
	memcpy(keyreq + 0, &keyname, 2);
	memcpy(keyreq + 2, &policy, 2);
	memcpy(keyreq + 24, &mask, 8);
	if (keyid)
		memcpy(keyreq + 40, keyid, 32);
	memcpy(keyreq + 72, &miscmask, 4);
	return enclu(1, (u64)(uintptr_t)keyreq, (u64)(uintptr_t)key_out, 0);
}

/* Two keys from the seal key: one to encrypt, one to authenticate. */
static int seal_keys(struct aes *enc, u8 mac_key[16])
{
	static const u8 label_enc[16] = "hello: encrypt";
	static const u8 label_mac[16] = "hello: mac";
	struct aes root;
	u8 k[16];

	if (getkey(4, 0))
		return -1;
	aes_init(&root, key_out);
	memset(key_out, 0, sizeof(key_out));
	aes_block(&root, label_enc, k);
	aes_init(enc, k);
	aes_block(&root, label_mac, mac_key);
	memset(k, 0, sizeof(k));
	return 0;
}

static void ctr(const struct aes *a, const u8 nonce[16], const u8 *in, u8 *out, u64 len)
{
	u8 block[16], ks[16];
	u64 i;

	memcpy(block, nonce, 16);
	for (i = 0; i < len; i++) {
		if (i % 16 == 0) {
			aes_block(a, block, ks);
			block[15]++;
		}
		out[i] = in[i] ^ ks[i % 16];
	}
}

static u64 rdrand64(void)
{
	u64 v;
	unsigned char ok;

	do
		__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
	while (!ok);
	return v;
}

static void seal(struct hello_call *c)
{
	u8 mac_key[16], secret[HELLO_MAX_SECRET], blob[HELLO_MAX_BLOB];
	u64 n = c->len, r;
	struct aes enc;

	c->status = 1;
	if (n > HELLO_MAX_SECRET || seal_keys(&enc, mac_key))
		return;
	memcpy(secret, c->secret, n);
	r = rdrand64();
	memcpy(blob, &r, 8);
	r = rdrand64();
	memcpy(blob + 8, &r, 8);
	blob[15] = 0;
	ctr(&enc, blob, secret, blob + 16, n);
	cmac(mac_key, blob, 16 + n, blob + 16 + n);
	memcpy(c->blob, blob, 16 + n + 16);
	c->len = 16 + n + 16;
	c->status = 0;
}

static void unseal(struct hello_call *c)
{
	u8 mac_key[16], tag[16], blob[HELLO_MAX_BLOB];
	u64 n = c->len;
	struct aes enc;

	c->status = 1;
	if (n < 32 || n > HELLO_MAX_BLOB || seal_keys(&enc, mac_key))
		return;
	memcpy(blob, c->blob, n);
	cmac(mac_key, blob, n - 16, tag);
	if (differ(tag, blob + n - 16, 16))
		return;
	ctr(&enc, blob, blob + 16, c->secret, n - 32);
	c->len = n - 32;
	c->status = 0;
}

static void report(struct hello_call *c)
{
	memcpy(target_in, c->target, sizeof(target_in));
	memcpy(data_in, c->data, sizeof(data_in));
	c->status = enclu(0, (u64)(uintptr_t)target_in, (u64)(uintptr_t)data_in,
			  (u64)(uintptr_t)report_in);
	memcpy(c->report, report_in, sizeof(report_in));
}

/* A report for this enclave carries a MAC under this enclave's REPORT key
 * for the report's KEYID; nobody else on the platform can make one. */
static void verify(struct hello_call *c)
{
	u8 rep[432], mac[16];

	memcpy(rep, c->report, sizeof(rep));
	c->status = 1;
	if (getkey(3, rep + 384))
		return;
	cmac(key_out, rep, 384, mac);
	memset(key_out, 0, sizeof(key_out));
	c->status = differ(mac, rep + 416, 16);
}

void encl_body(struct hello_call *c, u64 cssa, u64 base, u64 tcs)
{
	(void)base;
	(void)tcs;
	(void)hello_role;
	if (cssa)
		return;
	switch (c->op) {
	case HELLO_SEAL:
		seal(c);
		break;
	case HELLO_UNSEAL:
		unseal(c);
		break;
	case HELLO_REPORT:
		report(c);
		break;
	case HELLO_VERIFY:
		verify(c);
		break;
	default:
		c->status = 1;
	}
}
