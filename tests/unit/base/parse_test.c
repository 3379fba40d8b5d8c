// SPDX-License-Identifier: MIT
/* One parser per kind of value: what each accepts, and the line it gives. */
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/parse.h"
#include "harness.h"

static char why[512];

static u64 size_ok(const char *s)
{
	u64 v = 0;

	why[0] = '\0';
	if (parse_size("--epc", s, 0, UINT64_MAX, 1, &v, why, sizeof(why)))
		harness_fail(__FILE__, __LINE__, "'%s' refused: %s", s, why);
	return v;
}

static void size_bad(const char *s)
{
	u64 v = 7;

	if (!parse_size("--epc", s, 0, UINT64_MAX, 1, &v, why, sizeof(why)))
		harness_fail(__FILE__, __LINE__, "'%s' accepted as %llu", s, (unsigned long long)v);
	ASSERT_EQ(v, 7);
	ASSERT_STR_CONTAINS(why, "--epc '");
	ASSERT_STR_CONTAINS(why, "is not a size");
}

TEST(parse, size)
{
	ASSERT_EQ(size_ok("0"), 0);
	ASSERT_EQ(size_ok("4096"), 4096);
	ASSERT_EQ(size_ok("0x1000"), 4096);
	ASSERT_EQ(size_ok("256M"), 256ULL << 20);
	ASSERT_EQ(size_ok("256m"), 256ULL << 20);
	ASSERT_EQ(size_ok("64K"), 65536);
	ASSERT_EQ(size_ok("1G"), 1ULL << 30);
	ASSERT_EQ(size_ok("2T"), 2ULL << 40);
	/* A leading zero is decimal, not octal. */
	ASSERT_EQ(size_ok("010"), 10);
	ASSERT_EQ(size_ok("18446744073709551615"), UINT64_MAX);
	ASSERT_EQ(size_ok("16777215T"), 16777215ULL << 40);
	size_bad("");
	size_bad("-1");
	size_bad("+1");
	size_bad(" 1");
	size_bad("1 ");
	size_bad("1\n");
	size_bad("1MB");
	size_bad("1KK");
	size_bad("M");
	size_bad("0x");
	size_bad("0xG");
	size_bad("1.5G");
	size_bad("18446744073709551616");
	size_bad("16777216T");
	size_bad("99999999999999999999999999");
}

TEST(parse, size_bounds_and_unit)
{
	u64 v;

	ASSERT_EQ(parse_size("SGXEMU_EPC_SIZE", "64K", 64 << 10, 64ULL << 30, 4096, &v, why,
			     sizeof(why)), 0);
	ASSERT_EQ(parse_size("SGXEMU_EPC_SIZE", "12345", 64 << 10, 64ULL << 30, 4096, &v, why,
			     sizeof(why)), -EINVAL);
	ASSERT_STREQ(why, "SGXEMU_EPC_SIZE='12345' is not a size from 64K to 64G, a multiple of "
			  "4K: give bytes, or a number with K, M, G or T (powers of 1024)");
	ASSERT_EQ(parse_size("SGXEMU_EPC_SIZE", "128G", 64 << 10, 64ULL << 30, 4096, &v, why,
			     sizeof(why)), -EINVAL);
	ASSERT_EQ(parse_size("SGXEMU_EPC_SIZE", "60K", 64 << 10, 64ULL << 30, 4096, &v, why,
			     sizeof(why)), -EINVAL);
}

TEST(parse, count)
{
	u64 v = 0;

	ASSERT_EQ(parse_count("SGXEMU_NR_LPS", "4", 1, 256, &v, why, sizeof(why)), 0);
	ASSERT_EQ(v, 4);
	ASSERT_EQ(parse_count("--isvsvn", "0xffff", 0, 65535, &v, why, sizeof(why)), 0);
	ASSERT_EQ(v, 65535);
	/* 2^32 + 1 is not 1. */
	ASSERT_EQ(parse_count("SGXEMU_NR_LPS", "4294967297", 1, 256, &v, why, sizeof(why)),
		  -EINVAL);
	ASSERT_STREQ(why, "SGXEMU_NR_LPS='4294967297' is not a number from 1 to 256 (decimal, or "
			  "hex with 0x)");
	ASSERT_EQ(parse_count("SGXEMU_NR_LPS", "0", 1, 256, &v, why, sizeof(why)), -EINVAL);
	ASSERT_EQ(parse_count("SGXEMU_NR_LPS", "2k", 1, 256, &v, why, sizeof(why)), -EINVAL);
	ASSERT_EQ(parse_count("SGXEMU_NR_LPS", "-1", 0, UINT64_MAX, &v, why, sizeof(why)),
		  -EINVAL);
	ASSERT_EQ(parse_count("--isvsvn", "65536", 0, 65535, &v, why, sizeof(why)), -EINVAL);
	ASSERT_STR_CONTAINS(why, "--isvsvn '65536' is not a number from 0 to 65535");
}

TEST(parse, mask)
{
	u64 v = 0;

	ASSERT_EQ(parse_mask("--xfrm", "0xffffffffffffffff", 64, &v, why, sizeof(why)), 0);
	ASSERT_EQ(v, UINT64_MAX);
	ASSERT_EQ(parse_mask("--xfrm", "3", 64, &v, why, sizeof(why)), 0);
	ASSERT_EQ(v, 3);
	/* strtoull takes " -1" as 2^64 - 1. */
	ASSERT_EQ(parse_mask("--xfrm", " -1", 64, &v, why, sizeof(why)), -EINVAL);
	ASSERT_STREQ(why, "--xfrm ' -1' is not a 64-bit mask: give hex digits after 0x (or a "
			  "decimal number)");
	ASSERT_EQ(v, 3);
	ASSERT_EQ(parse_mask("--xfrm", "-1", 64, &v, why, sizeof(why)), -EINVAL);
	ASSERT_EQ(parse_mask("--xfrm", "0x10000000000000000", 64, &v, why, sizeof(why)), -EINVAL);
	ASSERT_EQ(parse_mask("--xfrm", "0x3 ", 64, &v, why, sizeof(why)), -EINVAL);
	ASSERT_EQ(parse_mask("--miscselect", "0xffffffff", 32, &v, why, sizeof(why)), 0);
	ASSERT_EQ(v, 0xffffffff);
	ASSERT_EQ(parse_mask("--miscselect", "0x100000000", 32, &v, why, sizeof(why)), -EINVAL);
	ASSERT_STR_CONTAINS(why, "--miscselect '0x100000000' is not a 32-bit mask");
}

TEST(parse, hash)
{
	static const char h[] = "fb4bab3d6036ac1d730fa83d7366df1dd2dfeac194ef335d6854d8a6c6475542";
	u8 v[32];

	ASSERT_EQ(parse_hash("--lehash", h, v, why, sizeof(why)), 0);
	ASSERT_EQ(v[0], 0xfb);
	ASSERT_EQ(v[31], 0x42);
	ASSERT_EQ(parse_hash("--lehash", "FB4BAB3D6036AC1D730FA83D7366DF1DD2DFEAC194EF335D6854D8A6C6475542",
			     v, why, sizeof(why)), 0);
	ASSERT_EQ(parse_hash("--lehash", "fb4b", v, why, sizeof(why)), -EINVAL);
	ASSERT_STR_CONTAINS(why, "--lehash 'fb4b' is not a SHA-256 hash: give 64 hex digits");
	ASSERT_EQ(parse_hash("--lehash",
			     "fb4bab3d6036ac1d730fa83d7366df1dd2dfeac194ef335d6854d8a6c64755420",
			     v, why, sizeof(why)), -EINVAL);
	ASSERT_EQ(parse_hash("--lehash",
			     "gb4bab3d6036ac1d730fa83d7366df1dd2dfeac194ef335d6854d8a6c647554",
			     v, why, sizeof(why)), -EINVAL);
	ASSERT_EQ(parse_hash("--lehash", "", v, why, sizeof(why)), -EINVAL);
}

TEST(parse, boolean)
{
	bool v = false;

	ASSERT_EQ(parse_bool("SGXEMU_SGX2", "1", &v, why, sizeof(why)), 0);
	ASSERT_TRUE(v);
	ASSERT_EQ(parse_bool("SGXEMU_SGX2", "off", &v, why, sizeof(why)), 0);
	ASSERT_FALSE(v);
	ASSERT_EQ(parse_bool("SGXEMU_SGX2", "yes", &v, why, sizeof(why)), 0);
	ASSERT_TRUE(v);
	ASSERT_EQ(parse_bool("SGXEMU_SGX2", "false", &v, why, sizeof(why)), 0);
	ASSERT_FALSE(v);
	ASSERT_EQ(parse_bool("SGXEMU_SGX2", "2", &v, why, sizeof(why)), -EINVAL);
	ASSERT_STREQ(why, "SGXEMU_SGX2='2' is not a boolean: give 1, on, yes, true or 0, off, no, "
			  "false");
	ASSERT_EQ(parse_bool("SGXEMU_SGX2", "", &v, why, sizeof(why)), -EINVAL);
	ASSERT_EQ(parse_bool("SGXEMU_SGX2", "on ", &v, why, sizeof(why)), -EINVAL);
}

/* An error line stays one short printable line whatever the value. */
TEST(parse, hostile_value_quoted)
{
	char big[4096];
	u64 v;

	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[3] = '\n';
	big[4] = '\033';
	ASSERT_EQ(parse_count("X", big, 0, 1, &v, why, sizeof(why)), -EINVAL);
	ASSERT_TRUE(strchr(why, '\n') == NULL);
	ASSERT_TRUE(strchr(why, '\033') == NULL);
	ASSERT_STR_CONTAINS(why, "X='AAA??AAA");
	ASSERT_STR_CONTAINS(why, "...' is not a number");
	ASSERT_LT(strlen(why), 200);
}

/* A bad environment value stops the program with one line: no fallback. */
TEST(parse, env_stops_program)
{
	char line[512];
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	setenv("SGXEMU_TEST_SIZE", "256M", 1);
	ASSERT_EQ(parse_env_size("SGXEMU_TEST_SIZE", 0, 1ULL << 40, 4096, 1), 256ULL << 20);
	setenv("SGXEMU_TEST_SIZE", "", 1);
	ASSERT_EQ(parse_env_size("SGXEMU_TEST_SIZE", 0, 1ULL << 40, 4096, 1), 1);
	unsetenv("SGXEMU_TEST_SIZE");
	ASSERT_EQ(parse_env_count("SGXEMU_TEST_SIZE", 1, 256, 2), 2);
	ASSERT_TRUE(parse_env_bool("SGXEMU_TEST_SIZE", true));
	ASSERT_EQ(pipe(fds), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		setenv("SGXEMU_NR_LPS", "4294967297", 1);
		parse_env_count("SGXEMU_NR_LPS", 1, 256, 2);
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], line, sizeof(line) - 1);
	ASSERT_GT(n, 0);
	line[n] = '\0';
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 2);
	ASSERT_STR_CONTAINS(line, "SGXEMU_NR_LPS='4294967297' is not a number from 1 to 256");
	ASSERT_EQ(strchr(line, '\n') - line, n - 1);
}
