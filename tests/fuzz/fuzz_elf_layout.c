// SPDX-License-Identifier: MIT
/*
 * elf2sgxs's layout (tools/sgxemu/elf_layout.c) on arbitrary files.  What
 * it accepts it must write as an SGXS stream that the SGXS parser, and so
 * `sgxemu measure`, accepts with the same pages: the wrapping
 * segments produced streams measure refused.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "api/sgxs.h"
#include "../../tools/sgxemu/elf_layout.h"

/* Small images only: the point is the checks, not writing gigabytes. */
#define MAX_END (1ULL << 22)

int LLVMFuzzerTestOneInput(const u8 *data, size_t len)
{
	struct elf_layout l;
	char why[512], *out = NULL;
	size_t outlen = 0;
	struct sgxs s;
	u64 size, pages = 0, i;
	FILE *f;
	int err;

	why[0] = '\0';
	err = elf_layout_parse(data, len, MAX_END, &l, why, sizeof(why));
	if (err) {
		if (err != -ENOMEM && (!why[0] || strchr(why, '\n')))
			abort();
		return 0;
	}
	if (!l.nr_segs || l.end > MAX_END || l.end % SGX_PAGE_SIZE)
		abort();
	for (size = 2 * SGX_PAGE_SIZE; size < l.end; size *= 2)
		;
	for (i = 0; i < l.nr_segs; i++)
		pages += l.segs[i].pages;
	f = open_memstream(&out, &outlen);
	if (!f)
		abort();
	if (elf_layout_write(&l, data, 1, size, f))
		abort();
	fclose(f);
	if (sgxs_parse((const u8 *)out, outlen, &s, why, sizeof(why))) {
		/* A layout without pages (all segments empty) is the one stream
		 * measure may refuse: an enclave needs pages. */
		if (pages)
			abort();
	} else {
		if (s.nr_pages != pages || s.size != size)
			abort();
		sgxs_free(&s);
	}
	free(out);
	elf_layout_free(&l);
	return 0;
}
