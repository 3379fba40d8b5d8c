/* SPDX-License-Identifier: MIT */
/*
 * Key derivation.  Hardware keys come from a proprietary KDF over fused
 * secrets that no software can reproduce; what matters is that a key is a
 * deterministic function of exactly the dependencies the SDM lists for its
 * KEYNAME, so equal inputs give equal keys and any change gives a new key.
 * Internal to src/cpu.
 */
#ifndef SGXEMU_CPU_KEYS_H
#define SGXEMU_CPU_KEYS_H

#include "arch/sgx_arch.h"
#include "base/compiler.h"

struct platform;

/* Everything a key may depend on; fields a KEYNAME does not use stay 0. */
struct key_deps {
	u16 keyname;
	u16 keypolicy;
	u16 isvprodid;
	u16 isvsvn;
	u16 configsvn;
	u8 reserved[6];
	u8 owner_epoch[16];
	struct sgx_attributes attributes;
	struct sgx_attributes attributemask;
	u8 mrenclave[SGX_HASH_SIZE];
	u8 mrsigner[SGX_HASH_SIZE];
	u8 keyid[SGX_KEYID_SIZE];
	u8 seal_fuses[16];
	u8 cpusvn[SGX_CPUSVN_SIZE];
	u32 miscselect;
	u32 miscmask;
	u8 padding[352];
	u8 configid[SGX_CONFIGID_SIZE];
	u8 isvfamilyid[SGX_ISVEXT_SIZE];
	u8 isvextprodid[SGX_ISVEXT_SIZE];
};

/* AES-CMAC of @deps under the root secret that @deps->keyname uses. */
void keys_derive(const struct platform *plat, const struct key_deps *deps, u8 key[16]);

/* True when every component of @a is <= the same component of @b. */
bool cpusvn_le(const u8 a[SGX_CPUSVN_SIZE], const u8 b[SGX_CPUSVN_SIZE]);

#endif
