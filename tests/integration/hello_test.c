// SPDX-License-Identifier: MIT
/* examples/hello end to end: seal, unseal in a new process, refuse on
 * another platform, attest to a second enclave. */
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "base/file.h"
#include "harness.h"

extern char **environ;

static int run_hello(const char *state, const char *sealed, char *out, size_t cap)
{
	char outp[1024], *argv[] = { (char *)TEST_HELLO, (char *)"--sealed", (char *)sealed, NULL };
	posix_spawn_file_actions_t fa;
	size_t len;
	u8 *buf;
	pid_t pid;
	int st;

	setenv("SGXEMU_STATE_DIR", state, 1);
	snprintf(outp, sizeof(outp), "%s/out", harness_tmpdir());
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, outp, O_WRONLY | O_CREAT | O_APPEND, 0600);
	ASSERT_EQ(posix_spawn(&pid, TEST_HELLO, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_EQ(file_read_all(outp, 1 << 16, &buf, &len), 0);
	if (len >= cap)
		len = cap - 1;
	memcpy(out, buf, len);
	out[len] = '\0';
	free(buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
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
