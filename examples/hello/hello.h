/* SPDX-License-Identifier: MIT */
/* The hello example's calling convention, shared by its enclave and host. */
#ifndef SGXEMU_EXAMPLES_HELLO_H
#define SGXEMU_EXAMPLES_HELLO_H

#include <stdint.h>

enum hello_op {
	HELLO_SEAL,     /* in: secret (len) -> blob: sealed secret, len = blob length */
	HELLO_UNSEAL,   /* blob (len) -> secret; status != 0 if it does not verify */
	HELLO_REPORT,   /* target (TARGETINFO), data (REPORTDATA) -> report */
	HELLO_VERIFY,   /* report -> status 0 if its MAC verifies for this enclave */
};

#define HELLO_MAX_SECRET 256
/* nonce (16) | ciphertext | tag (16) */
#define HELLO_MAX_BLOB (16 + HELLO_MAX_SECRET + 16)

struct hello_call {
	uint64_t op;
	uint64_t len;
	uint64_t status;
	uint8_t secret[HELLO_MAX_SECRET];
	uint8_t blob[HELLO_MAX_BLOB];
	uint8_t target[512];
	uint8_t data[64];
	uint8_t report[432];
};

#endif
