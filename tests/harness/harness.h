/* SPDX-License-Identifier: MIT */
/*
 * The in-tree test harness.  Each TEST() runs in a forked child with a
 * timeout, so a crash or a hang fails one test, not the run.  Output is one
 * line per test and a final "N passed, N failed, N skipped" line.
 */
#ifndef SGXEMU_TESTS_HARNESS_H
#define SGXEMU_TESTS_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *suite;
	const char *name;
	void (*fn)(void);
	unsigned int timeout_s;
};

void harness_register(const struct test_case *tc);
void harness_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
void harness_expect_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void harness_skip(const char *reason) __attribute__((noreturn));
/* A fresh private directory for this test (removed afterwards). */
const char *harness_tmpdir(void);
/* The known-answer vectors ($VECTORS, else TEST_VECTORS); skips the test
 * when they are not there. */
const char *harness_vectors(void);
/*
 * Run @argv (argv[0] a path) to completion with stdout and stderr in @out
 * and @err (NUL-terminated, truncated to the buffers; @err may be NULL to
 * merge it into @out).  Return: the exit status, or 128 + signal.
 */
int harness_run(char *const argv[], char *out, size_t outcap, char *err, size_t errcap);
/*
 * The times thread @tid of this process gave up the processor of its own
 * accord (/proc's voluntary_ctxt_switches): each sleep of a waiter is one,
 * so a waiter that naps in a loop shows thousands where one that waits on
 * its condition shows one.  -1 if /proc does not say.
 */
long harness_voluntary_switches(int tid);

#define TEST_TIMEOUT_DEFAULT 30

#define TEST_T(suite, name, timeout)                                              \
	static void test_##suite##_##name(void);                                  \
	__attribute__((constructor)) static void register_##suite##_##name(void) \
	{                                                                         \
		static const struct test_case tc = { #suite, #name,               \
						     test_##suite##_##name, timeout }; \
		harness_register(&tc);                                            \
	}                                                                         \
	static void test_##suite##_##name(void)

#define TEST(suite, name) TEST_T(suite, name, TEST_TIMEOUT_DEFAULT)

#define SKIP(reason) harness_skip(reason)

#define CHECK_CMP_(fail, a, op, b, fmt, cast)                                       \
	do {                                                                        \
		cast a_ = (cast)(a);                                                \
		cast b_ = (cast)(b);                                                \
		if (!(a_ op b_))                                                    \
			fail(__FILE__, __LINE__, "%s %s %s (" fmt " vs " fmt ")", #a, \
			     #op, #b, a_, b_);                                      \
	} while (0)

#define ASSERT_EQ(a, b) CHECK_CMP_(harness_fail, a, ==, b, "%#llx", unsigned long long)
#define ASSERT_NE(a, b) CHECK_CMP_(harness_fail, a, !=, b, "%#llx", unsigned long long)
#define ASSERT_LT(a, b) CHECK_CMP_(harness_fail, a, <, b, "%lld", long long)
#define ASSERT_LE(a, b) CHECK_CMP_(harness_fail, a, <=, b, "%lld", long long)
#define ASSERT_GT(a, b) CHECK_CMP_(harness_fail, a, >, b, "%lld", long long)
#define ASSERT_GE(a, b) CHECK_CMP_(harness_fail, a, >=, b, "%lld", long long)
#define EXPECT_EQ(a, b) CHECK_CMP_(harness_expect_fail, a, ==, b, "%#llx", unsigned long long)
#define EXPECT_NE(a, b) CHECK_CMP_(harness_expect_fail, a, !=, b, "%#llx", unsigned long long)
#define EXPECT_TRUE(c) EXPECT_NE(!!(c), 0)
#define ASSERT_TRUE(c) ASSERT_NE(!!(c), 0)
#define ASSERT_FALSE(c) ASSERT_EQ(!!(c), 0)

#define ASSERT_STREQ(a, b)                                                         \
	do {                                                                       \
		const char *sa_ = (a), *sb_ = (b);                                 \
		if (!sa_ || !sb_ || strcmp(sa_, sb_))                              \
			harness_fail(__FILE__, __LINE__, "%s == %s (\"%s\" vs \"%s\")", \
				     #a, #b, sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)"); \
	} while (0)

#define ASSERT_MEMEQ(a, b, n)                                                      \
	do {                                                                       \
		if (memcmp((a), (b), (n)))                                         \
			harness_fail(__FILE__, __LINE__, "%s and %s differ", #a, #b); \
	} while (0)

#define ASSERT_STR_CONTAINS(hay, needle)                                           \
	do {                                                                       \
		const char *h_ = (hay), *n_ = (needle);                            \
		if (!h_ || !strstr(h_, n_))                                        \
			harness_fail(__FILE__, __LINE__, "\"%s\" not found in: %s", n_, \
				     h_ ? h_ : "(null)");                          \
	} while (0)

#endif
