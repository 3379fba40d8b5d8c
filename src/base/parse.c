// SPDX-License-Identifier: MIT
/* One parser per kind of value (see parse.h). */
#include "base/parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

/* How much of a bad value an error line repeats. */
#define SHOWN 64

void parse_quote(char *out, size_t outlen, const char *name, const char *s)
{
	char v[SHOWN + 4];
	size_t i;

	for (i = 0; s[i] && i < SHOWN; i++)
		v[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i]) {
		memcpy(v + i, "...", 3);
		i += 3;
	}
	v[i] = '\0';
	if (!name[0])
		snprintf(out, outlen, "'%s'", v);
	else if (name[0] == '-')
		snprintf(out, outlen, "%s '%s'", name, v);
	else
		snprintf(out, outlen, "%s='%s'", name, v);
}

__printf(5, 6) static int fail(char *why, size_t whylen, const char *name, const char *s,
			       const char *fmt, ...)
{
	char q[256 + SHOWN], what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	parse_quote(q, sizeof(q), name, s);
	snprintf(why, whylen, "%s %s", q, what);
	return -EINVAL;
}

static int digit(char c, unsigned int base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return d < (int)base ? d : -1;
}

/*
 * The number at the start of @s: decimal, or hex after 0x.  *@end is where
 * it stops.  Return: 0, or -EINVAL for no digits or -ERANGE past 2^64 - 1.
 */
static int number(const char *s, const char **end, u64 *out)
{
	unsigned int base = 10;
	u64 v = 0;
	int d, n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; (d = digit(*s, base)) >= 0; s++, n++) {
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, (u64)d, &v))
			return -ERANGE;
	}
	*end = s;
	if (!n)
		return -EINVAL;
	*out = v;
	return 0;
}

/* 65536 as "64K", 2^36 as "64G"; anything else in decimal. */
static const char *human(char *buf, size_t len, u64 v)
{
	static const char units[] = "KMGT";
	int i = -1;

	while (i < 3 && v && !(v & 1023)) {
		v >>= 10;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)v, units[i]);
	return buf;
}

int parse_size(const char *name, const char *s, u64 min, u64 max, u64 unit, u64 *out,
	       char *why, size_t whylen)
{
	char lo[32], hi[32], step[48] = "";
	const char *end;
	u64 v, mult = 1;
	int err;

	if (unit > 1)
		snprintf(step, sizeof(step), ", a multiple of %s", human(lo, sizeof(lo), unit));
	err = number(s, &end, &v);
	if (!err) {
		switch (*end) {
		case 'K': case 'k': mult = 1ULL << 10; break;
		case 'M': case 'm': mult = 1ULL << 20; break;
		case 'G': case 'g': mult = 1ULL << 30; break;
		case 'T': case 't': mult = 1ULL << 40; break;
		default: break;
		}
		if (mult > 1)
			end++;
		if (*end)
			err = -EINVAL;
		else if (__builtin_mul_overflow(v, mult, &v))
			err = -ERANGE;
	}
	if (err || v < min || v > max || (unit > 1 && v % unit))
		return fail(why, whylen, name, s,
			    "is not a size from %s to %s%s: give bytes, or a number with K, M, G "
			    "or T (powers of 1024)",
			    human(lo, sizeof(lo), min), human(hi, sizeof(hi), max), step);
	*out = v;
	return 0;
}

int parse_count(const char *name, const char *s, u64 min, u64 max, u64 *out, char *why,
		size_t whylen)
{
	const char *end;
	u64 v;

	if (number(s, &end, &v) || *end || v < min || v > max)
		return fail(why, whylen, name, s,
			    "is not a number from %llu to %llu (decimal, or hex with 0x)",
			    (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

int parse_mask(const char *name, const char *s, unsigned int bits, u64 *out, char *why,
	       size_t whylen)
{
	const char *end;
	u64 v;

	if (number(s, &end, &v) || *end || (bits < 64 && v >> bits))
		return fail(why, whylen, name, s,
			    "is not a %u-bit mask: give hex digits after 0x (or a decimal number)",
			    bits);
	*out = v;
	return 0;
}

int parse_hash(const char *name, const char *s, u8 out[32], char *why, size_t whylen)
{
	u8 v[32];
	int i;

	for (i = 0; i < 32; i++) {
		int hi = digit(s[2 * i], 16), lo = hi < 0 ? -1 : digit(s[2 * i + 1], 16);

		if (hi < 0 || lo < 0)
			break;
		v[i] = (u8)(hi << 4 | lo);
	}
	if (i < 32 || s[64])
		return fail(why, whylen, name, s, "is not a SHA-256 hash: give 64 hex digits");
	memcpy(out, v, sizeof(v));
	return 0;
}

int parse_bool(const char *name, const char *s, bool *out, char *why, size_t whylen)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i]) || !strcmp(s, no[i])) {
			*out = !strcmp(s, yes[i]);
			return 0;
		}
	}
	return fail(why, whylen, name, s, "is not a boolean: give 1, on, yes, true or 0, off, no, false");
}

static __noreturn void env_bad(const char *why)
{
	log_err("%s", why);
	_exit(2);
}

int parse_size_log2(const char *name, const char *s, unsigned int min, unsigned int max,
		    unsigned int *out, char *why, size_t whylen)
{
	char lo[32], hi[32];
	u64 v;

	if (parse_size(name, s, 1ULL << min, 1ULL << max, 1, &v, why, whylen) ||
	    (v & (v - 1)))
		return fail(why, whylen, name, s,
			    "is not a power of two from %s to %s: give bytes, or a number with "
			    "K, M, G or T (powers of 1024)",
			    human(lo, sizeof(lo), 1ULL << min), human(hi, sizeof(hi), 1ULL << max));
	*out = (unsigned int)__builtin_ctzll(v);
	return 0;
}

unsigned int parse_env_size_log2(const char *name, unsigned int min, unsigned int max,
				 unsigned int dflt)
{
	const char *s = getenv(name);
	char why[512];
	unsigned int v;

	if (!s || !*s)
		return dflt;
	if (parse_size_log2(name, s, min, max, &v, why, sizeof(why)))
		env_bad(why);
	return v;
}

u64 parse_env_size(const char *name, u64 min, u64 max, u64 unit, u64 dflt)
{
	const char *s = getenv(name);
	char why[512];
	u64 v;

	if (!s || !*s)
		return dflt;
	if (parse_size(name, s, min, max, unit, &v, why, sizeof(why)))
		env_bad(why);
	return v;
}

u64 parse_env_count(const char *name, u64 min, u64 max, u64 dflt)
{
	const char *s = getenv(name);
	char why[512];
	u64 v;

	if (!s || !*s)
		return dflt;
	if (parse_count(name, s, min, max, &v, why, sizeof(why)))
		env_bad(why);
	return v;
}

bool parse_env_bool(const char *name, bool dflt)
{
	const char *s = getenv(name);
	char why[512];
	bool v;

	if (!s || !*s)
		return dflt;
	if (parse_bool(name, s, &v, why, sizeof(why)))
		env_bad(why);
	return v;
}
