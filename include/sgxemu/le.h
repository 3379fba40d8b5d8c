/* SPDX-License-Identifier: MIT */
/*
 * The launch enclave's call, shared by libsgxemu (which asks for tokens
 * when the host's launch policy does not list an enclave's signer) and the
 * launch enclave it ships (tests/enclaves/launch_enclave.c).  On EENTER
 * through the LE's first TCS, RDI points to this structure in untrusted
 * memory; the LE reads the request and writes the answer back.
 */
#ifndef SGXEMU_LE_H
#define SGXEMU_LE_H

#include <stdint.h>

#define SGXEMU_LE_TOKEN_SIZE 304

/* Why the LE refused; 0: it wrote a token. */
enum sgxemu_le_status {
	SGXEMU_LE_OK = 0,
	SGXEMU_LE_DENIED = 1,       /* its policy: only launch enclaves may have EINITTOKENKEY */
	SGXEMU_LE_KEY_FAILED = 2,   /* EGETKEY(EINITTOKEN) failed */
};

struct sgxemu_le_request {
	/* In: the enclave to launch, as EINIT will see it. */
	uint8_t mrenclave[32];
	uint8_t mrsigner[32];
	uint64_t attributes;        /* SECS.ATTRIBUTES.FLAGS (without INIT) */
	uint64_t xfrm;
	/* Out. */
	uint64_t status;            /* enum sgxemu_le_status */
	uint8_t token[SGXEMU_LE_TOKEN_SIZE]; /* EINITTOKEN */
};

#endif
