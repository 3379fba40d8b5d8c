/* SPDX-License-Identifier: MIT */
/* The EPCM invariant checker.  Internal to src/cpu. */
#ifndef SGXEMU_CPU_EPCM_H
#define SGXEMU_CPU_EPCM_H

#include "base/types.h"

struct platform;

/*
 * Check the EPCM's invariants: every child page points at a valid SECS and
 * lies inside its ELRANGE, SECS child counts match their children, page
 * types and permissions are legal.  (Two pages may hold one linear address:
 * hardware does not forbid it; page tables decide which one is used.)
 * Return: NULL, or a description of the first violation (@index: the page).
 */
const char *epcm_check(const struct platform *plat, u64 *index);

#endif
