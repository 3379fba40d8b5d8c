/* SPDX-License-Identifier: MIT */
/* The quote example's one call, shared by its enclave and its program. */
#ifndef SGXEMU_EXAMPLES_QUOTE_CALL_H
#define SGXEMU_EXAMPLES_QUOTE_CALL_H

#include <stdint.h>

/*
 * In: the QE's TARGETINFO and a message of the program's (a challenge from
 * a verifier, say).  Out: a REPORT for the QE whose REPORTDATA is the
 * enclave's own: SHA-256("sgxemu quote example" || message), then zeros.
 */
struct quote_call {
	uint8_t target[512];
	uint64_t len;
	uint8_t message[256];
	uint8_t report[432];
};

#define QUOTE_EXAMPLE_LABEL "sgxemu quote example"

#endif
