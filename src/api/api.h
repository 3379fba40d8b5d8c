/* SPDX-License-Identifier: MIT */
/* What the pieces of libsgxemu share.  Internal to src/api. */
#ifndef SGXEMU_API_API_H
#define SGXEMU_API_API_H

#include "drv/drv.h"
#include "sgxemu/sgxemu.h"

struct drv *api_drv(struct sgxemu_platform *p);
/* The driver file behind descriptor @fd, with a reference, or NULL. */
struct drv_file *api_file_get(int fd);
/* Register the process's descriptor table with the driver (device.c). */
void api_fdtable_init(void);
/* The driver's enclave behind @e (for tests that reach into the driver). */
struct encl *api_enclave_encl(struct sgxemu_enclave *e);

/*
 * A launch policy, "allow-all", "allow=HASH[,HASH...]" or "locked[=HASH]"
 * (the hash MSRs read-only, holding HASH, Intel's by default): *@allow_all,
 * or the hashes in a new array in *@hashes (*@n of them; the one locked
 * hash, with *@locked).
 * Return: 0, -EINVAL (with @why) or -ENOMEM.
 */
int api_parse_policy(const char *policy, bool *allow_all, bool *locked,
		     u8 (**hashes)[SGX_HASH_SIZE], unsigned int *n, char *why, size_t whylen);

struct machine;
struct platform_config;
/*
 * The machine a new platform with @opts runs on (machine.c): *@out NULL
 * for a private one; else @cfg takes the machine's configuration.
 * Return: 0, or -errno with sgxemu_last_error() (options that are the
 * machine's to choose, a named machine that is not there).
 */
int api_machine_attach(const struct sgxemu_platform_options *opts, struct platform_config *cfg,
		       struct machine **out);
/* The preload shim says this copy of the library is its own. */
void api_shim_here(void);
/* Where descriptors the program should not touch start (device.c). */
int api_fd_floor(void);

/* Set sgxemu_last_error() and return @err. */
int api_fail(int err, const char *fmt, ...) __printf(2, 3);

#endif
