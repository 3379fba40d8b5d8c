// SPDX-License-Identifier: MIT
/*
 * A launch enclave: it makes EINITTOKENs, the way Intel's LE did before
 * flexible launch control.  Its SIGSTRUCT asks for EINITTOKENKEY, so EINIT
 * launches it only while the LP's IA32_SGXLEPUBKEYHASH is its signer's
 * hash; EGETKEY then gives it the key EINIT will derive from a token's LE
 * fields, and it MACs each token with AES-CMAC under that key.
 *
 * Its policy is deliberately small: every enclave may launch, except one
 * that asks for EINITTOKENKEY itself.  Freestanding; AES from AES-NI.
 */
#include <stddef.h>

#include "enclave.h"
#include "sgxemu/le.h"

#pragma GCC visibility push(hidden)

/* From rt.c. */
void *memcpy(void *d, const void *s, unsigned long n);
void *memset(void *d, int c, unsigned long n);

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#include "aes_cmac.h"

#define ATTR_EINITTOKENKEY 0x20ULL
#define KEYNAME_EINITTOKEN 0

/* SDM REPORT (the body fields the LE reads). */
struct report {
	u8 cpusvn[16];
	u32 miscselect;
	u8 reserved1[28];
	u64 attributes, xfrm;
	u8 mrenclave[32];
	u8 reserved2[32];
	u8 mrsigner[32];
	u8 reserved3[96];
	u16 isvprodid, isvsvn;
	u8 rest[432 - 260];
};
_Static_assert(offsetof(struct report, attributes) == 48, "REPORT.ATTRIBUTES");
_Static_assert(offsetof(struct report, isvprodid) == 256, "REPORT.ISVPRODID");
_Static_assert(sizeof(struct report) == 432, "REPORT");

/* SDM KEYREQUEST. */
struct keyrequest {
	u16 keyname, keypolicy, isvsvn, reserved1;
	u8 cpusvn[16];
	u64 attributemask, xfrmmask;
	u8 keyid[32];
	u32 miscmask;
	u16 configsvn;
	u8 reserved2[434];
};
_Static_assert(offsetof(struct keyrequest, keyid) == 40, "KEYREQUEST.KEYID");
_Static_assert(sizeof(struct keyrequest) == 512, "KEYREQUEST");

/* SDM EINITTOKEN; the MAC covers the first 192 bytes. */
struct token {
	u32 valid;
	u8 reserved1[44];
	u64 attributes, xfrm;
	u8 mrenclave[32];
	u8 reserved2[32];
	u8 mrsigner[32];
	u8 reserved3[32];
	u8 cpusvnle[16];
	u16 isvprodidle, isvsvnle;
	u8 reserved4[24];
	u32 maskedmiscselectle;
	u64 maskedattributesle, maskedxfrmle;
	u8 keyid[32];
	u8 mac[16];
};
_Static_assert(offsetof(struct token, cpusvnle) == 192, "EINITTOKEN.CPUSVNLE");
_Static_assert(offsetof(struct token, keyid) == 256, "EINITTOKEN.KEYID");
_Static_assert(sizeof(struct token) == SGXEMU_LE_TOKEN_SIZE, "EINITTOKEN");

void encl_body(struct sgxemu_le_request *req, u64 cssa, u64 base, u64 tcs);

static u64 enclu(u64 leaf, u64 rbx, u64 rcx, u64 rdx)
{
	__asm__ volatile("enclu" : "+a"(leaf), "+b"(rbx), "+c"(rcx), "+d"(rdx) : : "memory", "cc");
	return leaf;
}

static u64 rdrand(void)
{
	unsigned long long v;

	while (!__builtin_ia32_rdrand64_step(&v))
		;
	return v;
}

void encl_body(struct sgxemu_le_request *req, u64 cssa, u64 base, u64 tcs)
{
	static u8 targetinfo[512] __attribute__((aligned(512)));
	static u8 reportdata[64] __attribute__((aligned(128)));
	static struct report rep __attribute__((aligned(512)));
	static struct keyrequest kr __attribute__((aligned(512)));
	static u8 key[16] __attribute__((aligned(16)));
	static struct sgxemu_le_request in;
	static struct token tok;
	unsigned int i;

	(void)base;
	(void)tcs;
	if (cssa)
		return;
	/* Read the request once: the host may change it under us. */
	memcpy(&in, req, sizeof(in));
	if (in.attributes & ATTR_EINITTOKENKEY) {
		req->status = SGXEMU_LE_DENIED;
		return;
	}
	/* Our own identity, which the token's LE fields must carry. */
	enclu(0, (u64)(uintptr_t)targetinfo, (u64)(uintptr_t)reportdata, (u64)(uintptr_t)&rep);
	memset(&tok, 0, sizeof(tok));
	tok.valid = 1;
	tok.attributes = in.attributes;
	tok.xfrm = in.xfrm;
	memcpy(tok.mrenclave, in.mrenclave, sizeof(tok.mrenclave));
	memcpy(tok.mrsigner, in.mrsigner, sizeof(tok.mrsigner));
	memcpy(tok.cpusvnle, rep.cpusvn, sizeof(tok.cpusvnle));
	tok.isvprodidle = rep.isvprodid;
	tok.isvsvnle = rep.isvsvn;
	/* EGETKEY masks with all ones: the masked values are our own. */
	tok.maskedmiscselectle = rep.miscselect;
	tok.maskedattributesle = rep.attributes;
	tok.maskedxfrmle = rep.xfrm;
	for (i = 0; i < 4; i++) {
		u64 r = rdrand();

		memcpy(tok.keyid + 8 * i, &r, 8);
	}
	memset(&kr, 0, sizeof(kr));
	kr.keyname = KEYNAME_EINITTOKEN;
	kr.isvsvn = rep.isvsvn;
	memcpy(kr.cpusvn, rep.cpusvn, sizeof(kr.cpusvn));
	kr.attributemask = ~0ULL;
	kr.xfrmmask = ~0ULL;
	memcpy(kr.keyid, tok.keyid, sizeof(kr.keyid));
	kr.miscmask = ~0U;
	if (enclu(1, (u64)(uintptr_t)&kr, (u64)(uintptr_t)key, 0)) {
		req->status = SGXEMU_LE_KEY_FAILED;
		return;
	}
	cmac(key, (const u8 *)&tok, 192, tok.mac);
	memset(key, 0, sizeof(key));
	memcpy(req->token, &tok, sizeof(tok));
	req->status = SGXEMU_LE_OK;
}
