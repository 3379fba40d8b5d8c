/* SPDX-License-Identifier: MIT */
/*
 * Copies from and to "user" pointers: addresses a program handed to an
 * ioctl.  A bad pointer is -EFAULT, never a crash, as in the kernel.
 * For the driver and the front ends above it.
 */
#ifndef SGXEMU_DRV_UACCESS_H
#define SGXEMU_DRV_UACCESS_H

#include "base/compiler.h"
#include "base/types.h"

int uaccess_copy_from(void *dst, u64 src, size_t len) __must_check;
int uaccess_copy_to(u64 dst, const void *src, size_t len) __must_check;

#endif
