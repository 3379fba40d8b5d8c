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
#include "cpu/crypto.h"

#define RECORD 64
/* Refuse streams whose pages would not fit in memory we are willing to use. */
#define SGXS_MAX_FILE (4ULL << 30)

struct parser {
	const u8 *buf;
	size_t len, pos;
	u64 record;
	char *why;
	size_t whylen;
	struct sgxs *s;
	u64 cap_pages, cap_ops;
	/* 1 + page index by page number within ELRANGE (0: not added), for
	 * the duplicate and order checks.  calloc'd, so a large sparse ELRANGE
	 * costs only the pages it touches. */
	u32 *slot_of;
	u64 nr_slots;
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

static int parse_ecreate(struct parser *p, const u8 *r)
{
	struct sgx_measure_ecreate rec;

	memcpy(&rec, r, sizeof(rec));
	if (!mem_is_zero(rec.reserved, sizeof(rec.reserved)))
		return bad(p, "ECREATE reserved bytes are not zero");
	if (rec.size < 2 * SGX_PAGE_SIZE || (rec.size & (rec.size - 1)))
		return bad(p, "ECREATE SIZE %#llx is not a power of two of at least 8 KiB",
			   (unsigned long long)rec.size);
	if (rec.ssaframesize == 0)
		return bad(p, "ECREATE SSAFRAMESIZE is 0");
	p->s->size = rec.size;
	p->s->ssaframesize = rec.ssaframesize;
	return 0;
}

/* The slot of the page holding @offset, which the caller checked is < SIZE. */
static u32 *slot_for(struct parser *p, u64 offset)
{
	return &p->slot_of[offset / SGX_PAGE_SIZE];
}

static int parse_eadd(struct parser *p, const u8 *r)
{
	struct sgx_measure_eadd rec;
	struct sgxs_page *page;
	u64 pt, perm;
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
	slot = slot_for(p, rec.offset);
	if (*slot)
		return bad(p, "page at offset %#llx is added twice", (unsigned long long)rec.offset);
	err = grow((void **)&p->s->pages, &p->cap_pages, p->s->nr_pages + 1, sizeof(*page));
	if (err)
		return err;
	*slot = (u32)p->s->nr_pages + 1;
	page = &p->s->pages[p->s->nr_pages++];
	page->offset = rec.offset;
	page->secinfo_flags = rec.secinfo_flags;
	page->data = NULL;
	return 0;
}

static int parse_eextend(struct parser *p, const u8 *r, u64 *page_index)
{
	struct sgx_measure_eextend rec;
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
	if (p->pos + RECORD + SGX_EEXTEND_CHUNK > p->len)
		return bad(p, "truncated: EEXTEND needs 256 data bytes, %zu left",
			   p->len - p->pos - RECORD);
	slot = slot_for(p, rec.offset);
	if (!*slot)
		return bad(p, "EEXTEND of offset %#llx before the EADD of its page (records out of "
			   "order)", (unsigned long long)rec.offset);
	*page_index = *slot - 1;
	return 0;
}

static int parse(struct parser *p)
{
	struct sgxs *s = p->s;
	u8 *data;
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
			p->nr_slots = s->size / SGX_PAGE_SIZE;
			p->slot_of = calloc(p->nr_slots, sizeof(*p->slot_of));
			if (!p->slot_of)
				return -ENOMEM;
			p->pos += RECORD;
			continue;
		}
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
	/* Second pass: assemble page contents from the EEXTEND data. */
	/* Page aligned, as EADD wants its source page. */
	s->data = aligned_alloc(SGX_PAGE_SIZE, s->nr_pages * SGX_PAGE_SIZE);
	if (!s->data)
		return -ENOMEM;
	memset(s->data, 0, s->nr_pages * SGX_PAGE_SIZE);
	for (i = 0; i < s->nr_pages; i++)
		s->pages[i].data = s->data + i * SGX_PAGE_SIZE;
	for (p->pos = 0, p->record = 0, i = 0; p->pos < p->len; p->record++) {
		memcpy(&tag, p->buf + p->pos, sizeof(tag));
		if (tag != SGX_MEASURE_EEXTEND) {
			p->pos += RECORD;
			continue;
		}
		while (s->ops[i].type != SGXS_OP_EEXTEND)
			i++;
		data = s->pages[s->ops[i].page].data + s->ops[i].offset % SGX_PAGE_SIZE;
		/* Extending one chunk twice is legal, but only with the same bytes:
		 * a page has one content. */
		if (!mem_is_zero(data, SGX_EEXTEND_CHUNK) &&
		    memcmp(data, p->buf + p->pos + RECORD, SGX_EEXTEND_CHUNK))
			return bad(p, "chunk at offset %#llx extended twice with different data",
				   (unsigned long long)s->ops[i].offset);
		memcpy(data, p->buf + p->pos + RECORD, SGX_EEXTEND_CHUNK);
		p->pos += RECORD + SGX_EEXTEND_CHUNK;
		i++;
	}
	crypto_sha256(p->buf, p->len, s->mrenclave);
	return 0;
}

int sgxs_parse(const u8 *buf, size_t len, struct sgxs *out, char *why, size_t whylen)
{
	struct parser p = { .buf = buf, .len = len, .why = why, .whylen = whylen, .s = out };
	int err;

	memset(out, 0, sizeof(*out));
	err = parse(&p);
	free(p.slot_of);
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
		snprintf(why, whylen, "%s: %s", path,
			 err == -EFBIG ? "file too large" : strerror(-err));
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
