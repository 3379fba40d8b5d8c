/* SPDX-License-Identifier: MIT */
/*
 * One parser per kind of value, the same for command-line options,
 * environment variables and the library's string options, so that
 * `--epc 256M` and `SGXEMU_EPC_SIZE=256M` cannot mean different things.
 *
 * Numbers are decimal or hex with 0x (a leading 0 is not octal).  No parser
 * accepts a sign, whitespace, an empty string or anything after the value.
 * @name is what the user set, as they spelled it ("--epc",
 * "SGXEMU_EPC_SIZE"); on failure @why gets one line naming it, the value as
 * given (quoted, cut short, unprintable bytes as '?') and what is expected.
 * Each returns 0, or -EINVAL and leaves *@out alone.
 */
#ifndef SGXEMU_BASE_PARSE_H
#define SGXEMU_BASE_PARSE_H

#include "base/compiler.h"
#include "base/types.h"

/*
 * parse_size() - a byte count: a number with an optional K, M, G or T
 * (powers of 1024, either case), from @min to @max and a multiple of
 * @unit (1 or 0 for any).
 */
int parse_size(const char *name, const char *s, u64 min, u64 max, u64 unit, u64 *out,
	       char *why, size_t whylen) __must_check;

/* parse_size_log2() - a size that is a power of two from 2^@min to 2^@max,
 * as parse_size() reads it: *@out gets its log2. */
int parse_size_log2(const char *name, const char *s, unsigned int min, unsigned int max,
		    unsigned int *out, char *why, size_t whylen) __must_check;

/* parse_count() - an unsigned number from @min to @max: a count, an SVN, ... */
int parse_count(const char *name, const char *s, u64 min, u64 max, u64 *out, char *why,
		size_t whylen) __must_check;

/* parse_mask() - a mask of @bits bits (64: ATTRIBUTES, XFRM; 32: MISCSELECT). */
int parse_mask(const char *name, const char *s, unsigned int bits, u64 *out, char *why,
	       size_t whylen) __must_check;

/* parse_hash() - a SHA-256 value: exactly 64 hex digits, in byte order. */
int parse_hash(const char *name, const char *s, u8 out[32], char *why, size_t whylen) __must_check;

/* parse_bool() - 1, on, yes, true or 0, off, no, false (lowercase). */
int parse_bool(const char *name, const char *s, bool *out, char *why, size_t whylen) __must_check;

/*
 * parse_quote() - "--opt 'VALUE'", "NAME='VALUE'" or (@name "") "'VALUE'"
 * in @out, printable and cut short, so that a hostile value can neither
 * break the error line nor flood the terminal.
 */
void parse_quote(char *out, size_t outlen, const char *name, const char *s);

/*
 * The environment, for code that has no caller to report an error to (the
 * preload shim, the emulator's set-up): unset or empty gives @dflt, and a
 * value that does not parse stops the program with exit status 2 after
 * one line on stderr.  A silent fallback would run something other than
 * what the user asked for.
 */
u64 parse_env_size(const char *name, u64 min, u64 max, u64 unit, u64 dflt);
unsigned int parse_env_size_log2(const char *name, unsigned int min, unsigned int max,
				 unsigned int dflt);
u64 parse_env_count(const char *name, u64 min, u64 max, u64 dflt);
bool parse_env_bool(const char *name, bool dflt);

#endif
