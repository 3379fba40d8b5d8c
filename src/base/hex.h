/* SPDX-License-Identifier: MIT */
/* Lowercase hex encoding of byte strings. */
#ifndef SGXEMU_BASE_HEX_H
#define SGXEMU_BASE_HEX_H

#include "base/types.h"

/* Write 2 * @len lowercase hex digits and a NUL to @out. */
void hex_encode(char *out, const void *in, size_t len);

/*
 * Decode exactly 2 * @len hex digits (either case) from @in into @out.
 * Return: 0, or -EINVAL when @in is not exactly that many hex digits.
 */
int hex_decode(void *out, size_t len, const char *in);

#endif
