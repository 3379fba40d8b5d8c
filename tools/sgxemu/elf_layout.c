// SPDX-License-Identifier: MIT
/*
 * An enclave ELF laid out as SGXS pages.  The input is untrusted: every
 * header is copied out before use (the file need not align them), and
 * every offset, size and sum is checked before it is used.
 */
#include "elf_layout.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arch/sgx_arch.h"
#include "base/overflow.h"

__printf(3, 4) static int bad(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* @count records of @size bytes at @off lie inside the file. */
static bool in_file(size_t len, u64 off, u64 count, u64 size)
{
	u64 bytes;

	return off <= len && !check_mul_overflow_u64(count, size, &bytes) && bytes <= len - off;
}

static void phdr_at(const u8 *buf, const Elf64_Ehdr *eh, u64 i, Elf64_Phdr *ph)
{
	memcpy(ph, buf + eh->e_phoff + i * sizeof(*ph), sizeof(*ph));
}

static void shdr_at(const u8 *buf, const Elf64_Ehdr *eh, u64 i, Elf64_Shdr *sh)
{
	memcpy(sh, buf + eh->e_shoff + i * sizeof(*sh), sizeof(*sh));
}

static int check_header(const u8 *buf, size_t len, Elf64_Ehdr *eh, char *why, size_t whylen)
{
	if (len < sizeof(*eh) || memcmp(buf, ELFMAG, SELFMAG))
		return bad(why, whylen, "not an ELF file");
	memcpy(eh, buf, sizeof(*eh));
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64)
		return bad(why, whylen, "not a 64-bit x86 ELF file");
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return bad(why, whylen, "not an executable ELF file");
	if (eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    !in_file(len, eh->e_phoff, eh->e_phnum, sizeof(Elf64_Phdr)))
		return bad(why, whylen, "program headers out of bounds");
	if (eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(len, eh->e_shoff, eh->e_shnum, sizeof(Elf64_Shdr)) ||
	    eh->e_shstrndx >= eh->e_shnum)
		return bad(why, whylen,
			   "section headers out of bounds (the .tcs section is needed)");
	return 0;
}

/* The .tcs section's range, [*start, *end). */
static int find_tcs(const u8 *buf, size_t len, const Elf64_Ehdr *eh, u64 *start, u64 *end,
		    char *why, size_t whylen)
{
	Elf64_Shdr strtab, sh;
	const char *names;
	u64 i;

	shdr_at(buf, eh, eh->e_shstrndx, &strtab);
	if (!in_file(len, strtab.sh_offset, strtab.sh_size, 1))
		return bad(why, whylen, "section names out of bounds");
	names = (const char *)buf + strtab.sh_offset;
	*start = *end = 0;
	for (i = 0; i < eh->e_shnum; i++) {
		shdr_at(buf, eh, i, &sh);
		if (sh.sh_name >= strtab.sh_size)
			return bad(why, whylen, "section %llu's name is out of bounds",
				   (unsigned long long)i);
		/* ".tcs" and its NUL, inside the table. */
		if (strtab.sh_size - sh.sh_name < sizeof(".tcs") ||
		    memcmp(names + sh.sh_name, ".tcs", sizeof(".tcs")))
			continue;
		if (check_add_overflow_u64(sh.sh_addr, sh.sh_size, end))
			return bad(why, whylen, "the .tcs section at %#llx wraps around the address "
				   "space", (unsigned long long)sh.sh_addr);
		*start = sh.sh_addr;
	}
	if (*end == *start)
		return bad(why, whylen, "no .tcs section: an enclave needs at least one TCS");
	return 0;
}

static u64 secinfo_flags(const Elf64_Phdr *ph, u64 end, u64 tcs_start, u64 tcs_end)
{
	if (ph->p_vaddr < tcs_end && end > tcs_start)
		return (u64)SGX_PT_TCS << SGX_SECINFO_PT_SHIFT;
	return (u64)SGX_PT_REG << SGX_SECINFO_PT_SHIFT |
	       ((ph->p_flags & PF_R) ? SGX_SECINFO_R : 0) |
	       ((ph->p_flags & PF_W) ? SGX_SECINFO_W | SGX_SECINFO_R : 0) |
	       ((ph->p_flags & PF_X) ? SGX_SECINFO_X : 0);
}

/* Check PT_LOAD @ph (number @i) and return where its pages end. */
static int check_segment(size_t len, const Elf64_Phdr *ph, u64 i, u64 prev_end, u64 max_end,
			 u64 *end, char *why, size_t whylen)
{
	u64 bytes;

	if (ph->p_vaddr % SGX_PAGE_SIZE || ph->p_offset % SGX_PAGE_SIZE)
		return bad(why, whylen, "segment %llu at %#llx is not page aligned",
			   (unsigned long long)i, (unsigned long long)ph->p_vaddr);
	if (ph->p_filesz > ph->p_memsz || !in_file(len, ph->p_offset, ph->p_filesz, 1))
		return bad(why, whylen, "segment %llu at %#llx is out of bounds",
			   (unsigned long long)i, (unsigned long long)ph->p_vaddr);
	if (ph->p_vaddr < prev_end)
		return bad(why, whylen, "segment %llu at %#llx overlaps or is out of order",
			   (unsigned long long)i, (unsigned long long)ph->p_vaddr);
	if (check_add_overflow_u64(ph->p_memsz, SGX_PAGE_SIZE - 1, &bytes) ||
	    check_add_overflow_u64(ph->p_vaddr, bytes & ~(u64)(SGX_PAGE_SIZE - 1), end))
		return bad(why, whylen, "segment %llu at %#llx wraps around the address space",
			   (unsigned long long)i, (unsigned long long)ph->p_vaddr);
	if (*end > max_end)
		return bad(why, whylen,
			   "segment %llu at %#llx ends at %#llx, past the largest image elf2sgxs "
			   "lays out (%#llx bytes: every page of it is written to the .sgxs)",
			   (unsigned long long)i, (unsigned long long)ph->p_vaddr,
			   (unsigned long long)*end, (unsigned long long)max_end);
	return 0;
}

int elf_layout_parse(const u8 *buf, size_t len, u64 max_end, struct elf_layout *out, char *why,
		     size_t whylen)
{
	/* Set by find_tcs() and check_segment(); initialized for gcc -O2, which
	 * cannot see that (-Wmaybe-uninitialized breaks the release build). */
	u64 i, tcs_start = 0, tcs_end = 0, end = 0, prev_end = 0;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int err;

	memset(out, 0, sizeof(*out));
	err = check_header(buf, len, &eh, why, whylen);
	if (err)
		return err;
	for (i = 0; i < eh.e_phnum; i++) {
		phdr_at(buf, &eh, i, &ph);
		if (ph.p_type == PT_DYNAMIC || ph.p_type == PT_INTERP)
			return bad(why, whylen, "dynamically linked; link the enclave statically");
	}
	err = find_tcs(buf, len, &eh, &tcs_start, &tcs_end, why, whylen);
	if (err)
		return err;
	out->segs = calloc(eh.e_phnum ? eh.e_phnum : 1, sizeof(*out->segs));
	if (!out->segs)
		return -ENOMEM;
	for (i = 0; i < eh.e_phnum; i++) {
		struct elf_layout_seg *seg = &out->segs[out->nr_segs];

		phdr_at(buf, &eh, i, &ph);
		if (ph.p_type != PT_LOAD)
			continue;
		err = check_segment(len, &ph, i, prev_end, max_end, &end, why, whylen);
		if (err) {
			elf_layout_free(out);
			return err;
		}
		seg->vaddr = ph.p_vaddr;
		seg->pages = (end - ph.p_vaddr) / SGX_PAGE_SIZE;
		seg->offset = ph.p_offset;
		seg->filesz = ph.p_filesz;
		seg->flags = secinfo_flags(&ph, end, tcs_start, tcs_end);
		out->nr_segs++;
		prev_end = end;
	}
	if (!prev_end) {
		elf_layout_free(out);
		return bad(why, whylen, "no loadable segments");
	}
	out->end = prev_end;
	return 0;
}

void elf_layout_free(struct elf_layout *l)
{
	free(l->segs);
	memset(l, 0, sizeof(*l));
}

static void put_record(FILE *out, u64 tag, u64 a, u64 b)
{
	u8 rec[64] = { 0 };

	memcpy(rec, &tag, 8);
	memcpy(rec + 8, &a, 8);
	memcpy(rec + 16, &b, 8);
	fwrite(rec, 1, sizeof(rec), out);
}

int elf_layout_write(const struct elf_layout *l, const u8 *buf, u32 ssaframesize, u64 size,
		     FILE *out)
{
	u8 page[SGX_PAGE_SIZE];
	struct sgx_measure_ecreate rec;
	u64 i, p, c, off, n;

	memset(&rec, 0, sizeof(rec));
	rec.tag = SGX_MEASURE_ECREATE;
	rec.ssaframesize = ssaframesize;
	rec.size = size;
	fwrite(&rec, 1, sizeof(rec), out);
	for (i = 0; i < l->nr_segs && !ferror(out); i++) {
		const struct elf_layout_seg *seg = &l->segs[i];

		for (p = 0; p < seg->pages && !ferror(out); p++) {
			off = p * SGX_PAGE_SIZE;
			memset(page, 0, sizeof(page));
			if (off < seg->filesz) {
				n = seg->filesz - off < SGX_PAGE_SIZE ? seg->filesz - off : SGX_PAGE_SIZE;
				memcpy(page, buf + seg->offset + off, n);
			}
			put_record(out, SGX_MEASURE_EADD, seg->vaddr + off, seg->flags);
			for (c = 0; c < SGX_PAGE_SIZE; c += SGX_EEXTEND_CHUNK) {
				put_record(out, SGX_MEASURE_EEXTEND, seg->vaddr + off + c, 0);
				fwrite(page + c, 1, SGX_EEXTEND_CHUNK, out);
			}
		}
	}
	/* fwrite() left the cause in errno. */
	return ferror(out) ? (errno ? -errno : -EIO) : 0;
}
