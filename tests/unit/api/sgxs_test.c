// SPDX-License-Identifier: MIT
/* SGXS parsing: every malformation is one clear error naming the record. */
#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "api/sgxs.h"
#include "harness.h"

struct stream {
	u8 buf[64 * 1024];
	size_t len;
};

static void rec(struct stream *s, const char *tag, u64 a, u64 b)
{
	u8 *r = s->buf + s->len;

	memset(r, 0, 64);
	memcpy(r, tag, strlen(tag));
	memcpy(r + 8, &a, 8);
	memcpy(r + 16, &b, 8);
	s->len += 64;
}

static void ecreate(struct stream *s, u32 ssa, u64 size)
{
	u8 *r = s->buf + s->len;

	memset(r, 0, 64);
	memcpy(r, "ECREATE", 8);
	memcpy(r + 8, &ssa, 4);
	memcpy(r + 12, &size, 8);
	s->len += 64;
}

static void eextend(struct stream *s, u64 off, u8 fill)
{
	rec(s, "EEXTEND", off, 0);
	memset(s->buf + s->len, fill, 256);
	s->len += 256;
}

/* A small good stream: a TCS and a measured RW page. */
static void good(struct stream *s)
{
	int i;

	s->len = 0;
	ecreate(s, 1, 0x10000);
	rec(s, "EADD", 0, 0x100);
	rec(s, "EADD", 0x1000, 0x203);
	for (i = 0; i < 16; i++)
		eextend(s, 0x1000 + i * 256, (u8)i);
}

static void expect_error(struct stream *s, const char *what)
{
	char why[512];
	struct sgxs x;

	ASSERT_EQ(sgxs_parse(s->buf, s->len, &x, why, sizeof(why)), -EINVAL);
	ASSERT_STR_CONTAINS(why, what);
}

TEST(sgxs, good_stream)
{
	struct stream s;
	char why[512];
	struct sgxs x;

	good(&s);
	ASSERT_EQ(sgxs_parse(s.buf, s.len, &x, why, sizeof(why)), 0);
	ASSERT_EQ(x.nr_pages, 2);
	ASSERT_EQ(x.nr_ops, 18);
	ASSERT_EQ(x.pages[1].data[255], 0);
	ASSERT_EQ(x.pages[1].data[256], 1);
	ASSERT_EQ(x.pages[0].data[0], 0);
	ASSERT_EQ((uintptr_t)x.pages[1].data % 4096, 0);
	sgxs_free(&x);
}

TEST(sgxs, empty)
{
	struct stream s = { .len = 0 };

	expect_error(&s, "empty file");
}

TEST(sgxs, truncated_record)
{
	struct stream s;

	good(&s);
	s.len -= 300;
	expect_error(&s, "truncated");
	good(&s);
	s.len += 10;
	expect_error(&s, "truncated: 10 bytes left");
}

TEST(sgxs, truncated_eextend_data)
{
	struct stream s;

	good(&s);
	s.len -= 100;
	expect_error(&s, "record 18 at byte 4992");
	expect_error(&s, "EEXTEND needs 256 data bytes");
}

TEST(sgxs, first_record_not_ecreate)
{
	struct stream s = { .len = 0 };

	rec(&s, "EADD", 0, 0x203);
	expect_error(&s, "record 0 at byte 0: the first record must be ECREATE");
}

TEST(sgxs, second_ecreate)
{
	struct stream s;

	good(&s);
	ecreate(&s, 1, 0x10000);
	expect_error(&s, "ECREATE after the first record");
}

TEST(sgxs, size_not_power_of_two)
{
	struct stream s = { .len = 0 };

	ecreate(&s, 1, 0x18000);
	expect_error(&s, "not a power of two");
	s.len = 0;
	ecreate(&s, 1, 0x1000);
	expect_error(&s, "not a power of two of at least 8 KiB");
}

TEST(sgxs, eadd_offset_past_size)
{
	struct stream s;

	good(&s);
	rec(&s, "EADD", 0x10000, 0x203);
	expect_error(&s, "record 19 at byte");
	expect_error(&s, "past SIZE");
}

TEST(sgxs, eadd_unaligned)
{
	struct stream s;

	good(&s);
	rec(&s, "EADD", 0x2010, 0x203);
	expect_error(&s, "not page aligned");
}

TEST(sgxs, eadd_twice)
{
	struct stream s;

	good(&s);
	rec(&s, "EADD", 0x1000, 0x203);
	expect_error(&s, "added twice");
}

TEST(sgxs, eadd_bad_secinfo)
{
	struct stream s;

	good(&s);
	rec(&s, "EADD", 0x2000, 0x303);
	expect_error(&s, "page type 3");
	good(&s);
	rec(&s, "EADD", 0x2000, 0x10203);
	expect_error(&s, "reserved bits");
	good(&s);
	rec(&s, "EADD", 0x2000, 0x202);
	expect_error(&s, "writable but not readable");
	good(&s);
	rec(&s, "EADD", 0x2000, 0x103);
	expect_error(&s, "TCS with permissions");
	good(&s);
	rec(&s, "EADD", 0x2000, 0x20B);
	expect_error(&s, "PENDING");
}

TEST(sgxs, eextend_before_eadd)
{
	struct stream s;

	good(&s);
	eextend(&s, 0x3000, 1);
	expect_error(&s, "records out of order");
}

TEST(sgxs, eextend_unaligned_and_past_size)
{
	struct stream s;

	good(&s);
	eextend(&s, 0x1010, 1);
	expect_error(&s, "not 256-byte aligned");
	good(&s);
	eextend(&s, 0x20000, 1);
	expect_error(&s, "past SIZE");
}

/* A page has one content, and EEXTEND measures it as it is when the
 * enclave is built: a chunk measured twice (as zeros and then as data, or
 * twice alike) describes no enclave a loader can build, so it is refused
 * in any form. */
TEST(sgxs, chunk_extended_twice)
{
	struct stream s;

	good(&s);
	eextend(&s, 0x1100, 1);
	expect_error(&s, "chunk at offset 0x1100 is extended twice");
	good(&s);
	eextend(&s, 0x1100, 9);
	expect_error(&s, "extended twice");
	/* Zeros first, data later: measure and sign used to accept it. */
	s.len = 0;
	ecreate(&s, 1, 0x10000);
	rec(&s, "EADD", 0, 0x100);
	rec(&s, "EADD", 0x1000, 0x203);
	eextend(&s, 0x1000, 0);
	eextend(&s, 0x1000, 7);
	expect_error(&s, "chunk at offset 0x1000 is extended twice");
	/* The TCS's zero chunks the same way. */
	s.len = 0;
	ecreate(&s, 1, 0x10000);
	rec(&s, "EADD", 0, 0x100);
	eextend(&s, 0, 0);
	eextend(&s, 0, 0);
	expect_error(&s, "chunk at offset 0 is extended twice");
}

/* A stream with an enormous ELRANGE: refused from its ECREATE, before
 * anything is allocated for it, and memory follows the file, not SIZE. */
TEST(sgxs, huge_size)
{
	static const u64 huge[] = { 1ULL << 47, 1ULL << 48, 1ULL << 62, 1ULL << 63 };
	struct stream s;
	char why[512];
	struct sgxs x;
	size_t i;

#ifndef SGXEMU_ASAN /* ASan's shadow needs more address space */
	struct rlimit rl = { 1ULL << 30, 1ULL << 30 };

	ASSERT_EQ(setrlimit(RLIMIT_AS, &rl), 0);
#endif
	for (i = 0; i < ARRAY_SIZE(huge); i++) {
		s.len = 0;
		ecreate(&s, 1, huge[i]);
		rec(&s, "EADD", 0, 0x100);
		ASSERT_EQ(sgxs_parse(s.buf, s.len, &x, why, sizeof(why)), -EINVAL);
		ASSERT_STR_CONTAINS(why, "record 0 at byte 0: ECREATE SIZE");
		ASSERT_STR_CONTAINS(why, "larger than any platform takes (2^46)");
	}
	/* The largest SIZE any platform takes, with two pages at its ends. */
	s.len = 0;
	ecreate(&s, 1, 1ULL << 46);
	rec(&s, "EADD", 0, 0x100);
	rec(&s, "EADD", (1ULL << 46) - 0x1000, 0x203);
	eextend(&s, (1ULL << 46) - 0x100, 5);
	ASSERT_EQ(sgxs_parse(s.buf, s.len, &x, why, sizeof(why)), 0);
	ASSERT_EQ(x.nr_pages, 2);
	ASSERT_EQ(x.pages[1].data[4095], 5);
	sgxs_free(&x);
}

TEST(sgxs, unknown_tag)
{
	struct stream s;

	good(&s);
	rec(&s, "UNMEASRD", 0, 0);
	expect_error(&s, "unknown tag 'UNMEASRD'");
}

TEST(sgxs, no_pages)
{
	struct stream s = { .len = 0 };

	ecreate(&s, 1, 0x10000);
	expect_error(&s, "no pages");
}

TEST(sgxs, reserved_bytes)
{
	struct stream s;

	good(&s);
	s.buf[40] = 1; /* ECREATE reserved */
	expect_error(&s, "ECREATE reserved bytes");
}
