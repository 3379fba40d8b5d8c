/* SPDX-License-Identifier: MIT */
/* The quote library's device through libsgxemu.  Internal to src/dcap and tools/. */
#ifndef SGXEMU_DCAP_DEV_EMU_H
#define SGXEMU_DCAP_DEV_EMU_H

#include "dcap/dcap.h"
#include "sgxemu/sgxemu.h"

/*
 * A struct dcap_dev on @plat, or (@plat NULL) on a platform of its own
 * made with @opts (may be NULL), destroyed with the device.
 * Return: 0 or -errno, with a one-line reason in @why.
 */
int dcap_dev_emu(struct sgxemu_platform *plat, const struct sgxemu_platform_options *opts,
		 struct dcap_dev **out, char *why, size_t whylen) __must_check;

#endif
