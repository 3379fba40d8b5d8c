// SPDX-License-Identifier: MIT
/* SGXS parsing and validation. */
#include "api/sgxs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/mem.h"
#include "cpu/cpu.h"
#include "cpu/crypto.h"

#define RECORD 64
/* Refuse streams whose pages would not fit in memory we are willing to use. */
#define SGXS_MAX_FILE (4ULL << 30)
#define CHUNKS_PER_PAGE (SGX_PAGE_SIZE / SGX_EEXTEND_CHUNK)

/* What a page that no EEXTEND measured holds.  Shared and read only, so
 * an enclave's unmeasured heap costs no memory here. */
static const u8 zero_page[SGX_PAGE_SIZE] __aligned(SGX_PAGE_SIZE);

struct parser {
	const u8 *buf;
	size_t len, pos;
	u64 record;
	char *why;
	size_t whylen;
	struct sgxs *s;
	u64 cap_pages, cap_ops;
	/* Per page: which of its 16 chunks were extended. */
	u16 *extended;
	/* Open addressing from page number to 1 + page index (0: empty).
	 * Sized by the pages added, never by SIZE, so memory follows the
	 * file whatever ELRANGE it claims. */
	u32 *table;
	u64 table_bits;
};

__printf(2, 3) static int bad(struct parser *p, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(p->why, p->whylen, "record %llu at byte %zu: %s", (unsigned long long)p->record,
		 p->pos, what);
	return -EINVAL;
}

static int grow(void **arr, u64 *cap, u64 need, size_t elem)
{
	u64 ncap = *cap ? *cap : 64;
	void *n;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*arr, ncap * elem);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

static u64 hash_of(const struct parser *p, u64 offset)
{
	return (offset / SGX_PAGE_SIZE * 0x9E3779B97F4A7C15ULL) >> (64 - p->table_bits);
}

/* The table slot for the page at @offset: its entry, or the empty slot
 * where it would go. */
static u32 *slot_for(struct parser *p, u64 offset)
{
	u64 mask = (1ULL << p->table_bits) - 1, i = hash_of(p, offset);

	while (p->table[i] && p->s->pages[p->table[i] - 1].offset != offset)
		i = (i + 1) & mask;
	return &p->table[i];
}

/* Keep the table at most half full, for @n pages. */
static int table_fit(struct parser *p, u64 n)
{
	u64 bits = p->table_bits ? p->table_bits : 10, i;
	u32 *old = p->table;

	while (2 * n > 1ULL << bits)
		bits++;
	if (bits == p->table_bits)
		return 0;
	p->table = calloc(1ULL << bits, sizeof(*p->table));
	if (!p->table) {
		p->table = old;
		return -ENOMEM;
	}
	p->table_bits = bits;
	for (i = 0; i < p->s->nr_pages; i++)
		*slot_for(p, p->s->pages[i].offset) = (u32)i + 1;
	free(old);
	return 0;
}

static int parse_ecreate(struct parser *p, const u8 *r)
{
	struct sgx_measure_ecreate rec;

	memcpy(&rec, r, sizeof(rec));
	if (!mem_is_zero(rec.reserved, sizeof(rec.reserved)))
		return bad(p, "ECREATE reserved bytes are not zero");
	if (rec.size < 2 * SGX_PAGE_SIZE || (rec.size & (rec.size - 1)))
		return bad(p, "ECREATE SIZE %#llx is not a power of two of at least 8 KiB",
			   (unsigned long long)rec.size);
	/* Checked before anything is allocated for the enclave. */
	if (rec.size >= 1ULL << PLATFORM_MAX_ENCLAVE_SIZE_LOG2)
		return bad(p, "ECREATE SIZE %#llx is larger than any platform takes (2^%u)",
			   (unsigned long long)rec.size, PLATFORM_MAX_ENCLAVE_SIZE_LOG2 - 1);
	if (rec.ssaframesize == 0)
		return bad(p, "ECREATE SSAFRAMESIZE is 0");
	p->s->size = rec.size;
	p->s->ssaframesize = rec.ssaframesize;
	return table_fit(p, 1);
}

static int parse_eadd(struct parser *p, const u8 *r)
{
	struct sgx_measure_eadd rec;
	struct sgxs_page *page;
	u64 pt, perm, cap;
	u32 *slot;
	int err;

	memcpy(&rec, r, sizeof(rec));
	if (rec.offset % SGX_PAGE_SIZE)
		return bad(p, "EADD offset %#llx is not page aligned",
			   (unsigned long long)rec.offset);
	if (rec.offset >= p->s->size)
		return bad(p, "EADD offset %#llx is past SIZE %#llx", (unsigned long long)rec.offset,
			   (unsigned long long)p->s->size);
	if ((rec.secinfo_flags & SGX_SECINFO_RESERVED_MASK) ||
	    !mem_is_zero(rec.secinfo_reserved, sizeof(rec.secinfo_reserved)))
		return bad(p, "EADD SECINFO has reserved bits set (flags %#llx)",
			   (unsigned long long)rec.secinfo_flags);
	pt = (rec.secinfo_flags & SGX_SECINFO_PT_MASK) >> SGX_SECINFO_PT_SHIFT;
	perm = rec.secinfo_flags & SGX_SECINFO_PERM_MASK;
	if (pt != SGX_PT_REG && pt != SGX_PT_TCS)
		return bad(p, "EADD page type %llu is neither REG (2) nor TCS (1)",
			   (unsigned long long)pt);
	if (pt == SGX_PT_TCS && perm)
		return bad(p, "EADD of a TCS with permissions %#llx (hardware measures a TCS as 0)",
			   (unsigned long long)perm);
	if (pt == SGX_PT_REG && (perm & SGX_SECINFO_W) && !(perm & SGX_SECINFO_R))
		return bad(p, "EADD page is writable but not readable");
	if (rec.secinfo_flags & SGX_SECINFO_STATE_MASK)
		return bad(p, "EADD SECINFO has PENDING, MODIFIED or PR set");
	if (*slot_for(p, rec.offset))
		return bad(p, "page at offset %#llx is added twice", (unsigned long long)rec.offset);
	cap = p->cap_pages;
	err = grow((void **)&p->s->pages, &p->cap_pages, p->s->nr_pages + 1, sizeof(*page));
	if (!err)
		err = grow((void **)&p->extended, &cap, p->s->nr_pages + 1, sizeof(*p->extended));
	if (!err)
		err = table_fit(p, p->s->nr_pages + 1);
	if (err)
		return err;
	slot = slot_for(p, rec.offset);
	*slot = (u32)p->s->nr_pages + 1;
	p->extended[p->s->nr_pages] = 0;
	page = &p->s->pages[p->s->nr_pages++];
	page->offset = rec.offset;
	page->secinfo_flags = rec.secinfo_flags;
	page->data = NULL;
	return 0;
}

static int parse_eextend(struct parser *p, const u8 *r, u64 *page_index)
{
	struct sgx_measure_eextend rec;
	u16 bit;
	u32 *slot;

	memcpy(&rec, r, sizeof(rec));
	if (!mem_is_zero(rec.reserved, sizeof(rec.reserved)))
		return bad(p, "EEXTEND reserved bytes are not zero");
	if (rec.offset % SGX_EEXTEND_CHUNK)
		return bad(p, "EEXTEND offset %#llx is not 256-byte aligned",
			   (unsigned long long)rec.offset);
	if (rec.offset >= p->s->size)
		return bad(p, "EEXTEND offset %#llx is past SIZE %#llx",
			   (unsigned long long)rec.offset, (unsigned long long)p->s->size);
	if (p->len - p->pos - RECORD < SGX_EEXTEND_CHUNK)
		return bad(p, "truncated: EEXTEND needs 256 data bytes, %zu left",
			   p->len - p->pos - RECORD);
	slot = slot_for(p, rec.offset - rec.offset % SGX_PAGE_SIZE);
	if (!*slot)
		return bad(p, "EEXTEND of offset %#llx before the EADD of its page (records out of "
			   "order)", (unsigned long long)rec.offset);
	/* EEXTEND measures the page as the loader built it: a chunk measured
	 * twice (zeros and then data, or the same bytes again) is a stream no
	 * loader can reproduce, so EINIT could never accept it. */
	bit = (u16)(1U << (rec.offset % SGX_PAGE_SIZE / SGX_EEXTEND_CHUNK));
	if (p->extended[*slot - 1] & bit)
		return bad(p, "chunk at offset %#llx is extended twice",
			   (unsigned long long)rec.offset);
	p->extended[*slot - 1] |= bit;
	*page_index = *slot - 1;
	return 0;
}

/* Page contents from the EEXTEND data; unmeasured pages share zero_page. */
static int assemble(struct parser *p)
{
	struct sgxs *s = p->s;
	u64 i, n = 0;
	u8 *data;

	for (i = 0; i < s->nr_pages; i++)
		n += p->extended[i] != 0;
	if (n) {
		/* Page aligned, as EADD wants its source page. */
		s->data = aligned_alloc(SGX_PAGE_SIZE, n * SGX_PAGE_SIZE);
		if (!s->data)
			return -ENOMEM;
		memset(s->data, 0, n * SGX_PAGE_SIZE);
	}
	for (i = 0, n = 0; i < s->nr_pages; i++)
		s->pages[i].data = p->extended[i] ? s->data + n++ * SGX_PAGE_SIZE : zero_page;
	for (i = 0; i < s->nr_ops; i++) {
		const struct sgxs_op *op = &s->ops[i];

		if (op->type != SGXS_OP_EEXTEND)
			continue;
		data = (u8 *)s->pages[op->page].data + op->offset % SGX_PAGE_SIZE;
		memcpy(data, p->buf + op->pos + RECORD, SGX_EEXTEND_CHUNK);
	}
	return 0;
}

static int parse(struct parser *p)
{
	struct sgxs *s = p->s;
	u64 i, tag;
	int err;

	if (p->len == 0)
		return bad(p, "empty file");
	for (p->pos = 0, p->record = 0; p->pos < p->len; p->record++) {
		const u8 *r = p->buf + p->pos;
		struct sgxs_op op = { 0 };
		char name[9];

		if (p->len - p->pos < RECORD)
			return bad(p, "truncated: %zu bytes left of a 64-byte record", p->len - p->pos);
		memcpy(&tag, r, sizeof(tag));
		if (p->record == 0 && tag != SGX_MEASURE_ECREATE)
			return bad(p, "the first record must be ECREATE");
		if (tag == SGX_MEASURE_ECREATE) {
			if (p->record != 0)
				return bad(p, "ECREATE after the first record");
			err = parse_ecreate(p, r);
			if (err)
				return err;
			p->pos += RECORD;
			continue;
		}
		op.pos = p->pos;
		if (tag == SGX_MEASURE_EADD) {
			err = parse_eadd(p, r);
			op.type = SGXS_OP_EADD;
			op.page = s->nr_pages - 1;
			p->pos += RECORD;
		} else if (tag == SGX_MEASURE_EEXTEND) {
			err = parse_eextend(p, r, &op.page);
			op.type = SGXS_OP_EEXTEND;
			memcpy(&op.offset, r + 8, sizeof(op.offset));
			p->pos += RECORD + SGX_EEXTEND_CHUNK;
		} else {
			for (i = 0; i < 8; i++)
				name[i] = (r[i] >= 0x20 && r[i] < 0x7F) ? (char)r[i] : '.';
			name[8] = '\0';
			return bad(p, "unknown tag '%s' (%#018llx)", name, (unsigned long long)tag);
		}
		if (err)
			return err;
		err = grow((void **)&s->ops, &p->cap_ops, s->nr_ops + 1, sizeof(op));
		if (err)
			return err;
		s->ops[s->nr_ops++] = op;
	}
	if (!s->nr_pages) {
		p->pos = p->len;
		return bad(p, "the enclave has no pages");
	}
	err = assemble(p);
	if (err)
		return err;
	crypto_sha256(p->buf, p->len, s->mrenclave);
	return 0;
}

int sgxs_parse(const u8 *buf, size_t len, struct sgxs *out, char *why, size_t whylen)
{
	struct parser p = { .buf = buf, .len = len, .why = why, .whylen = whylen, .s = out };
	int err;

	memset(out, 0, sizeof(*out));
	err = parse(&p);
	free(p.table);
	free(p.extended);
	if (err == -ENOMEM)
		snprintf(why, whylen, "out of memory");
	if (err)
		sgxs_free(out);
	return err;
}

int sgxs_load_file(const char *path, struct sgxs *out, char *why, size_t whylen)
{
	char inner[384];
	size_t len;
	u8 *buf;
	int err;

	err = file_read_all(path, SGXS_MAX_FILE, &buf, &len);
	if (err) {
		snprintf(why, whylen, "%s: %s", path, file_strerror(err));
		return err;
	}
	err = sgxs_parse(buf, len, out, inner, sizeof(inner));
	free(buf);
	if (err)
		snprintf(why, whylen, "%s: %s", path, inner);
	return err;
}

void sgxs_free(struct sgxs *sgxs)
{
	free(sgxs->pages);
	free(sgxs->ops);
	free(sgxs->data);
	memset(sgxs, 0, sizeof(*sgxs));
}
