/* SPDX-License-Identifier: MIT */
/*
 * The layout `sgxemu elf2sgxs` gives an enclave ELF: PT_LOAD segments in
 * address order, page by page, with SECINFO from the segment's flags; the
 * segment that holds the .tcs section is made of TCS pages.  Apart from
 * the command so that a fuzzer can drive it (tests/fuzz/fuzz_elf_layout.c).
 */
#ifndef SGXEMU_TOOLS_ELF_LAYOUT_H
#define SGXEMU_TOOLS_ELF_LAYOUT_H

#include <stdio.h>

#include "base/compiler.h"
#include "base/types.h"

/* The largest image (its last segment's end) elf2sgxs lays out: 32 GiB,
 * every page of which goes into the .sgxs. */
#define ELF2SGXS_MAX_IMAGE (1ULL << 35)

/* One PT_LOAD segment as enclave pages. */
struct elf_layout_seg {
	u64 vaddr;          /* page aligned */
	u64 pages;          /* how many */
	u64 offset, filesz; /* what the file gives; the rest is zero */
	u64 flags;          /* SECINFO.FLAGS: TCS, or REG with R, W, X */
};

struct elf_layout {
	struct elf_layout_seg *segs;
	u64 nr_segs;
	u64 end;            /* where the last page ends: the image's size */
};

/*
 * elf_layout_parse() - check @buf (@len bytes, any alignment) and lay it
 * out.  Every offset and sum is checked; an image that would end past
 * @max_end bytes is refused, so nothing is written for an enclave no
 * platform could build.
 * Return: 0, -EINVAL with one line in @why, or -ENOMEM.
 */
int elf_layout_parse(const u8 *buf, size_t len, u64 max_end, struct elf_layout *out, char *why,
		     size_t whylen) __must_check;
void elf_layout_free(struct elf_layout *l);

/*
 * elf_layout_write() - the SGXS stream of @l over @buf: ECREATE with @size
 * and @ssaframesize, then each page's EADD and its 16 EEXTENDs.
 * Return: 0, or -errno when writing to @out failed.
 */
int elf_layout_write(const struct elf_layout *l, const u8 *buf, u32 ssaframesize, u64 size,
		     FILE *out) __must_check;

#endif
