// SPDX-License-Identifier: MIT
/* examples/hello end to end: seal, unseal in a new process, refuse on
 * another platform, attest to a second enclave. */
#include <stdlib.h>

#include "harness.h"

static int run_hello(const char *state, const char *sealed, char *out, size_t cap)
{
	char *argv[] = { (char *)TEST_HELLO, (char *)"--sealed", (char *)sealed, NULL };

	setenv("SGXEMU_STATE_DIR", state, 1);
	return harness_run(argv, out, cap, NULL, 0);
}

TEST(hello, seal_unseal_attest)
{
	char a[1024], b[1024], sealed[1024], out[8192];

	snprintf(a, sizeof(a), "%s/platform-a", harness_tmpdir());
	snprintf(b, sizeof(b), "%s/platform-b", harness_tmpdir());
	snprintf(sealed, sizeof(sealed), "%s/secret.sealed", harness_tmpdir());
	ASSERT_EQ(run_hello(a, sealed, out, sizeof(out)), 0);
	ASSERT_STR_CONTAINS(out, "sealed 48 bytes");
	ASSERT_STR_CONTAINS(out, "verifier: report verified from MRENCLAVE");
	ASSERT_STR_CONTAINS(out, "tampered copy of the report is rejected");
	ASSERT_EQ(run_hello(a, sealed, out, sizeof(out)), 0);
	ASSERT_STR_CONTAINS(out, "unsealed from");
	ASSERT_STR_CONTAINS(out, "\"the secret is 42\"");
	ASSERT_EQ(run_hello(b, sealed, out, sizeof(out)), 1);
	ASSERT_STR_CONTAINS(out, "does not unseal here");
}
