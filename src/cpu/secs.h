/* SPDX-License-Identifier: MIT */
/*
 * Hardware-private SECS fields.  The SDM leaves their location to the
 * implementation; like silicon we keep them in the SECS page's reserved
 * area, so they travel with the page (EWB/ELDU) and software never sees
 * them (the SECS is not software-accessible after ECREATE).
 */
#ifndef SGXEMU_CPU_SECS_H
#define SGXEMU_CPU_SECS_H

#include "arch/sgx_arch.h"
#include "base/compiler.h"
#include "cpu/crypto.h"

#define SECS_PRIVATE_OFFSET 1024

struct secs_private {
	u64 eid;                          /* enclave id, unique per platform */
	u64 mr_updates;                   /* 64-byte MRENCLAVE updates so far */
	struct crypto_sha256 mr;          /* running MRENCLAVE */
	u8 padding[352];                  /* SIGSTRUCT EM prefix, a key input */
	u8 isvfamilyid[SGX_ISVEXT_SIZE];
	u8 isvextprodid[SGX_ISVEXT_SIZE];
	/* Oversubscription extensions: child pages a VMM evicted (EINCVIRTCHILD,
	 * EDECVIRTCHILD), and the VMM's name for the SECS (ECREATE and ELD of
	 * a SECS store its physical address; ESETCONTEXT overwrites it). */
	u64 virtchildcnt;
	u64 enclavecontext;
};
_Static_assert(SECS_PRIVATE_OFFSET >= offsetof(struct sgx_secs, reserved4), "overlaps SECS");
_Static_assert(SECS_PRIVATE_OFFSET + sizeof(struct secs_private) <= sizeof(struct sgx_secs),
	       "secs_private does not fit");

static inline struct sgx_secs *secs_of(void *mem)
{
	return (struct sgx_secs *)mem;
}

static inline struct secs_private *secs_private(void *mem)
{
	return (struct secs_private *)(void *)((u8 *)mem + SECS_PRIVATE_OFFSET);
}

#endif
