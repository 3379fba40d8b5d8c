// SPDX-License-Identifier: MIT
/*
 * The SGXS parser on arbitrary bytes.  Whatever it accepts must be
 * consistent: every page inside SIZE and page aligned, every chunk of an
 * EEXTEND inside a page that was added before it, and page data aligned.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "api/sgxs.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t len)
{
	char why[512];
	struct sgxs s;
	u64 i;

	why[0] = '\0';
	if (sgxs_parse(data, len, &s, why, sizeof(why))) {
		/* Every refusal is one line that says where. */
		if (!why[0] || strchr(why, '\n'))
			abort();
		return 0;
	}
	if (s.size < 2 * SGX_PAGE_SIZE || (s.size & (s.size - 1)) || !s.nr_pages)
		abort();
	for (i = 0; i < s.nr_pages; i++) {
		if (s.pages[i].offset % SGX_PAGE_SIZE || s.pages[i].offset >= s.size ||
		    (uintptr_t)s.pages[i].data % SGX_PAGE_SIZE)
			abort();
		/* Readable, all of it. */
		if (s.pages[i].data[SGX_PAGE_SIZE - 1] == 0x5a && s.pages[i].data[0] == 0xa5)
			why[0] = 1;
	}
	for (i = 0; i < s.nr_ops; i++) {
		const struct sgxs_op *op = &s.ops[i];

		if (op->page >= s.nr_pages)
			abort();
		if (op->type == SGXS_OP_EEXTEND &&
		    op->offset - op->offset % SGX_PAGE_SIZE != s.pages[op->page].offset)
			abort();
	}
	sgxs_free(&s);
	return 0;
}
