// SPDX-License-Identifier: MIT
/*
 * The option and environment parsers (src/base/parse.c) and what is built
 * on them: launch policies and VM strings.  The first byte picks the
 * parser, the rest is the value.  Whatever is accepted lies within its
 * bounds and reads back the same; whatever is refused gets one line.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "base/parse.h"
#include "sgxemu/sgxemu.h"

static void one_line(const char *why)
{
	if (!why[0] || strchr(why, '\n') || strlen(why) > 400)
		abort();
}

/* @v printed in decimal parses back to @v. */
static void round_trip(u64 v, u64 min, u64 max)
{
	char s[32], why[512];
	u64 w;

	snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
	if (parse_count("N", s, min, max, &w, why, sizeof(why)) || w != v)
		abort();
	snprintf(s, sizeof(s), "0x%llx", (unsigned long long)v);
	if (parse_mask("M", s, 64, &w, why, sizeof(why)) || w != v)
		abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t len)
{
	char s[256], why[512];
	u64 v, min, max, unit;
	u8 hash[32];
	bool b;

	if (len < 1 || len > sizeof(s))
		return 0;
	memcpy(s, data + 1, len - 1);
	s[len - 1] = '\0';
	why[0] = '\0';
	switch (data[0] % 7) {
	case 0:
		min = 64 << 10;
		max = 64ULL << 30;
		unit = 4096;
		if (data[0] & 0x80) {
			min = 0;
			max = UINT64_MAX;
			unit = 1;
		}
		if (parse_size("--epc", s, min, max, unit, &v, why, sizeof(why))) {
			one_line(why);
			break;
		}
		if (v < min || v > max || (unit > 1 && v % unit))
			abort();
		round_trip(v, 0, UINT64_MAX);
		break;
	case 1:
		max = data[0] & 0x80 ? UINT32_MAX : 256;
		if (parse_count("SGXEMU_NR_LPS", s, 1, max, &v, why, sizeof(why))) {
			one_line(why);
			break;
		}
		if (v < 1 || v > max)
			abort();
		round_trip(v, 1, max);
		break;
	case 2:
		if (parse_mask("--xfrm", s, data[0] & 0x80 ? 32 : 64, &v, why, sizeof(why))) {
			one_line(why);
			break;
		}
		if ((data[0] & 0x80) && v > UINT32_MAX)
			abort();
		/* No sign, no space: a mask is digits (and 0x) only. */
		if (strspn(s, "0123456789abcdefABCDEFxX") != strlen(s))
			abort();
		break;
	case 3:
		if (parse_hash("--lehash", s, hash, why, sizeof(why))) {
			one_line(why);
			break;
		}
		if (strlen(s) != 64)
			abort();
		break;
	case 4:
		if (parse_bool("SGXEMU_SGX2", s, &b, why, sizeof(why)))
			one_line(why);
		break;
	case 5:
		if (sgxemu_launch_policy_check(s))
			one_line(sgxemu_last_error());
		break;
	default:
		if (sgxemu_vm_config_check(s))
			one_line(sgxemu_last_error());
		break;
	}
	return 0;
}
