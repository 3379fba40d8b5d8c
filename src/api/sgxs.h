/* SPDX-License-Identifier: MIT */
/*
 * The SGXS format: the exact stream of 64-byte ECREATE/EADD/EEXTEND records
 * that MRENCLAVE hashes, each EEXTEND followed by its 256 measured bytes,
 * so SHA-256 of a well-formed file is the enclave's MRENCLAVE.
 */
#ifndef SGXEMU_API_SGXS_H
#define SGXEMU_API_SGXS_H

#include "arch/sgx_arch.h"
#include "base/compiler.h"

enum sgxs_op_type { SGXS_OP_EADD, SGXS_OP_EEXTEND };

/* One measurement step, in stream order. */
struct sgxs_op {
	enum sgxs_op_type type;
	u64 page;    /* index into sgxs.pages */
	u64 offset;  /* EEXTEND: chunk offset from the enclave base */
	size_t pos;  /* where its record starts in the stream */
};

struct sgxs_page {
	u64 offset;          /* from the enclave base */
	u64 secinfo_flags;   /* as measured (a TCS has no permissions) */
	const u8 *data;      /* 4 KiB, page aligned, read only; unextended chunks are zero */
};

struct sgxs {
	u64 size;            /* SECS.SIZE */
	u32 ssaframesize;    /* SECS.SSAFRAMESIZE */
	u64 nr_pages;
	struct sgxs_page *pages;
	u64 nr_ops;
	struct sgxs_op *ops;
	u8 mrenclave[SGX_HASH_SIZE];
	u8 *data;            /* backing for all pages, page aligned */
};

/*
 * Parse and validate an SGXS stream: ECREATE first and once, SIZE a power
 * of two from 8 KiB to what the largest platform takes, page offsets
 * aligned and below SIZE, each page added once with a legal SECINFO before
 * any of its chunks is extended, and each chunk extended at most once.
 * Memory use follows the stream's length, whatever SIZE it claims.
 * @why gets "record N at byte X: <what>" on failure.
 * Return: 0, -EINVAL for malformed input, or -ENOMEM.
 */
int sgxs_parse(const u8 *buf, size_t len, struct sgxs *out, char *why, size_t whylen) __must_check;

/* sgxs_parse() on a file; @why then also names the file. */
int sgxs_load_file(const char *path, struct sgxs *out, char *why, size_t whylen) __must_check;

void sgxs_free(struct sgxs *sgxs);

#endif
