/* SPDX-License-Identifier: MIT */
/* What the pieces of libsgxemu share.  Internal to src/api. */
#ifndef SGXEMU_API_API_H
#define SGXEMU_API_API_H

#include "drv/drv.h"
#include "sgxemu/sgxemu.h"

struct drv *api_drv(struct sgxemu_platform *p);
/* The virtual EPC behind the device file @fd, or NULL. */
struct vepc *api_vepc_of(int fd);
/* The driver's enclave behind @e (for tests that reach into the driver). */
struct encl *api_enclave_encl(struct sgxemu_enclave *e);

#endif
