/* SPDX-License-Identifier: MIT */
/* What the pieces of libsgxemu share.  Internal to src/api. */
#ifndef SGXEMU_API_API_H
#define SGXEMU_API_API_H

#include "drv/drv.h"
#include "sgxemu/sgxemu.h"

struct drv *api_drv(struct sgxemu_platform *p);
/*
 * A hold on the virtual EPC file @fd (NULL if it is not one), which keeps
 * its vEPC alive after every descriptor of it is closed, as a mapping of
 * the file does on Linux; api_vepc_put() lets go, and closes @fd if it is
 * still that file.
 */
struct dev_file *api_vepc_hold(int fd);
struct vepc *api_vepc(struct dev_file *f);
void api_vepc_put(struct dev_file *f, int fd);
/* The driver's enclave behind @e (for tests that reach into the driver). */
struct encl *api_enclave_encl(struct sgxemu_enclave *e);

/* Set sgxemu_last_error() and return @err. */
int api_fail(int err, const char *fmt, ...) __printf(2, 3);

#endif
