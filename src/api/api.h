/* SPDX-License-Identifier: MIT */
/* What the pieces of libsgxemu share.  Internal to src/api. */
#ifndef SGXEMU_API_API_H
#define SGXEMU_API_API_H

#include "drv/drv.h"
#include "sgxemu/sgxemu.h"

struct drv *api_drv(struct sgxemu_platform *p);

#endif
