// SPDX-License-Identifier: MIT
/* Key derivation from the platform's fused secrets. */
#include "cpu/keys.h"

#include <string.h>

#include "cpu/crypto.h"
#include "cpu/platform.h"

void keys_derive(const struct platform *plat, const struct key_deps *deps, u8 key[16])
{
	const u8 *root = plat->secrets.seal_root;

	if (deps->keyname == SGX_KEYNAME_PROVISION || deps->keyname == SGX_KEYNAME_PROVISION_SEAL)
		root = plat->secrets.provision_root;
	crypto_aes128_cmac(root, deps, sizeof(*deps), key);
}

bool cpusvn_le(const u8 a[SGX_CPUSVN_SIZE], const u8 b[SGX_CPUSVN_SIZE])
{
	int i;

	for (i = 0; i < SGX_CPUSVN_SIZE; i++)
		if (a[i] > b[i])
			return false;
	return true;
}

void platform_einittoken_key(const struct platform *plat, const struct sgx_einittoken *token,
			     const u8 le_mrsigner[SGX_HASH_SIZE], u8 key[16])
{
	struct key_deps deps = { 0 };

	/* SDM EINIT: the EINITTOKEN key's dependencies come from the token's LE
	 * fields, the LE's signer and the fixed PKCS#1 padding. */
	deps.keyname = SGX_KEYNAME_EINITTOKEN;
	deps.isvprodid = token->isvprodidle;
	deps.isvsvn = token->isvsvnle;
	memcpy(deps.owner_epoch, plat->secrets.owner_epoch, 16);
	deps.attributes = token->maskedattributesle;
	memcpy(deps.mrsigner, le_mrsigner, SGX_HASH_SIZE);
	memcpy(deps.keyid, token->keyid, SGX_KEYID_SIZE);
	memcpy(deps.seal_fuses, plat->secrets.seal_root, 16);
	memcpy(deps.cpusvn, token->cpusvnle, SGX_CPUSVN_SIZE);
	memcpy(deps.padding, crypto_pkcs1_sha256_prefix, sizeof(deps.padding));
	deps.miscselect = token->maskedmiscselectle;
	keys_derive(plat, &deps, key);
}
