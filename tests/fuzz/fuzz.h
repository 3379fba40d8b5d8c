/* SPDX-License-Identifier: MIT */
/* What the libFuzzer targets share. */
#ifndef SGXEMU_TESTS_FUZZ_H
#define SGXEMU_TESTS_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#include "base/types.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t len);

/* Platforms made by a fuzzer keep their secrets in a private directory
 * ($SGXEMU_STATE_DIR when the runner set one), never the user's. */
static inline void fuzz_private_state(void)
{
	static char dir[] = "/tmp/sgxemu-fuzz.XXXXXX";

	if (getenv("SGXEMU_STATE_DIR"))
		return;
	if (!mkdtemp(dir))
		abort();
	setenv("SGXEMU_STATE_DIR", dir, 1);
}

#endif
