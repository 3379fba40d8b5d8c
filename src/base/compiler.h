/* SPDX-License-Identifier: MIT */
/* The only place compiler extensions are spelled out. */
#ifndef SGXEMU_BASE_COMPILER_H
#define SGXEMU_BASE_COMPILER_H

#include <stddef.h>

#define __must_check __attribute__((warn_unused_result))
#define __packed __attribute__((packed))
#define __aligned(x) __attribute__((aligned(x)))
#define __maybe_unused __attribute__((unused))
#define __noreturn __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __export __attribute__((visibility("default")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define STATIC_ASSERT_SIZE(type, size) \
	_Static_assert(sizeof(type) == (size), "sizeof(" #type ") != " #size)
#define STATIC_ASSERT_OFFSET(type, member, off) \
	_Static_assert(offsetof(type, member) == (off), #type "." #member " not at " #off)

#endif
