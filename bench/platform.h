/* SPDX-License-Identifier: MIT */
/* A throwaway processor for the benchmarks that drive leaves directly:
 * its fused secrets in a temporary state directory, no EPCM checker. */
#ifndef SGXEMU_BENCH_PLATFORM_H
#define SGXEMU_BENCH_PLATFORM_H

#include <stdio.h>
#include <stdlib.h>

#include "cpu/cpu.h"

#define BENCH_DIR_TEMPLATE "/tmp/sgxemu-bench.XXXXXX"

/* @dir: a copy of BENCH_DIR_TEMPLATE, made into the state directory.
 * Return: the platform, or NULL after one line naming @who. */
static inline struct platform *bench_platform(const char *who, u64 epc_size, char *dir)
{
	struct platform_config cfg;
	struct platform *plat;
	char why[256];

	if (!mkdtemp(dir)) {
		perror(who);
		return NULL;
	}
	platform_config_default(&cfg);
	cfg.epc_size = epc_size;
	cfg.state_dir = dir;
	if (platform_create(&cfg, &plat, why, sizeof(why))) {
		fprintf(stderr, "%s: %s\n", who, why);
		return NULL;
	}
	platform_set_epcm_check(plat, false);
	return plat;
}

/* Destroy @plat and its state directory.  Return: 0, or 1 if that failed. */
static inline int bench_platform_done(struct platform *plat, const char *dir)
{
	char cmd[64];

	platform_destroy(plat);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : 0;
}

#endif
