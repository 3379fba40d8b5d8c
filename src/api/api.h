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

/* Set sgxemu_last_error() and return @err. */
int api_fail(int err, const char *fmt, ...) __printf(2, 3);

#endif
