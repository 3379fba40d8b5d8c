// SPDX-License-Identifier: MIT
/*
 * CPUID for host code on hosts without CPUID faulting: the CPUID
 * instructions of the program and of every library it loads, at start
 * (dl_iterate_phdr) or later (dlopen and dlmopen, interposed here), are
 * turned into UD2, whose SIGILL the emulator answers as CPUID
 * (cpu/exec/cpuid.c).
 *
 * A CPUID is patched only where the instruction-length decoder below,
 * started at the entry of a function the object describes, reaches it on
 * an instruction boundary and decodes the function exactly to its end,
 * and no other description of a function around it that decodes
 * disagrees.  The descriptions are the symbol tables (.symtab, or .dynsym
 * alone in a stripped library) and the FDEs of .eh_frame, which stripped
 * libraries keep for unwinding.  So a 0F A2 that is data, or the middle of
 * another instruction, is never touched.
 *
 * Not patched: the dynamic loader, the shim and the libraries it links
 * (the C library, libcrypto), because the emulator runs their code in
 * its own signal handlers, where a UD2 could not be answered; and any
 * other copy of the emulator (a program linked with libsgxemu).
 */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/compiler.h"
#include "base/sys.h"
#include "cpu/exec/exec.h"
#include "preload/shim.h"

/* --- x86-64 instruction lengths -------------------------------------------- */

/* One-byte opcodes: bit 0 ModRM; bits 1-3 the immediate: 1 ib, 2 iz (2 or
 * 4), 3 iw, 4 iw+ib, 5 iv (mov r, imm: 2, 4 or 8), 6 moffs, 7 invalid. */
#define M 1
#define IB (1 << 1)
#define IZ (2 << 1)
#define IW (3 << 1)
#define IWB (4 << 1)
#define IV (5 << 1)
#define MO (6 << 1)
#define BAD (7 << 1)

static const unsigned char one_byte[256] = {
	/* 00 */ M, M, M, M, IB, IZ, BAD, BAD, M, M, M, M, IB, IZ, BAD, 0,
	/* 10 */ M, M, M, M, IB, IZ, BAD, BAD, M, M, M, M, IB, IZ, BAD, BAD,
	/* 20 */ M, M, M, M, IB, IZ, 0, BAD, M, M, M, M, IB, IZ, 0, BAD,
	/* 30 */ M, M, M, M, IB, IZ, 0, BAD, M, M, M, M, IB, IZ, 0, BAD,
	/* 40 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 50 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 60 */ BAD, BAD, BAD, M, 0, 0, 0, 0, IZ, M | IZ, IB, M | IB, 0, 0, 0, 0,
	/* 70 */ IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB,
	/* 80 */ M | IB, M | IZ, BAD, M | IB, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 90 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, BAD, 0, 0, 0, 0, 0,
	/* A0 */ MO, MO, MO, MO, 0, 0, 0, 0, IB, IZ, 0, 0, 0, 0, 0, 0,
	/* B0 */ IB, IB, IB, IB, IB, IB, IB, IB, IV, IV, IV, IV, IV, IV, IV, IV,
	/* C0 */ M | IB, M | IB, IW, 0, BAD, BAD, M | IB, M | IZ, IWB, 0, IW, 0, 0, IB, BAD, 0,
	/* D0 */ M, M, M, M, BAD, BAD, BAD, 0, M, M, M, M, M, M, M, M,
	/* E0 */ IB, IB, IB, IB, IB, IB, IB, IB, IZ, IZ, BAD, IB, 0, 0, 0, 0,
	/* F0 */ 0, 0, 0, 0, 0, 0, M, M, 0, 0, 0, 0, 0, 0, M, M,
};

static bool is_prefix(u8 b)
{
	return b == 0xF0 || b == 0xF2 || b == 0xF3 || b == 0x2E || b == 0x36 || b == 0x3E ||
	       b == 0x26 || b == 0x64 || b == 0x65 || b == 0x66 || b == 0x67;
}

/* Two-byte (0F xx) opcodes without a ModRM byte. */
static bool no_modrm_0f(u8 op)
{
	return (op >= 0x05 && op <= 0x09) || op == 0x0B || op == 0x0E || op == 0x77 ||
	       (op >= 0x30 && op <= 0x37) || (op >= 0x80 && op <= 0x8F) || op == 0xA0 ||
	       op == 0xA1 || op == 0xA2 || op == 0xA8 || op == 0xA9 || op == 0xAA ||
	       (op >= 0xC8 && op <= 0xCF);
}

/* Two-byte opcodes with an 8-bit immediate (after the ModRM). */
static bool imm8_0f(u8 op)
{
	return (op >= 0x70 && op <= 0x73) || op == 0xA4 || op == 0xAC || op == 0xBA ||
	       op == 0xC2 || op == 0xC4 || op == 0xC5 || op == 0xC6 || op == 0x0F;
}

/* Bytes of ModRM, SIB and displacement at @p (ModRM first); -1 if past @end. */
static int modrm_len(const u8 *p, const u8 *end)
{
	u8 modrm, mod, rm;
	int n = 1;

	if (p >= end)
		return -1;
	modrm = p[0];
	mod = modrm >> 6;
	rm = modrm & 7;
	if (mod != 3 && rm == 4) {
		if (p + 1 >= end)
			return -1;
		n++;
		if (mod == 0 && (p[1] & 7) == 5)
			n += 4;
	}
	if (mod == 0 && rm == 5)
		n += 4;
	else if (mod == 1)
		n += 1;
	else if (mod == 2)
		n += 4;
	return n;
}

/*
 * The length of the instruction at @p, and in *@cpuid whether it is CPUID
 * (0F A2 with nothing but prefixes before).  Return: the length, or -1 for
 * what this decoder does not know (the caller then leaves the function
 * alone).
 */
static int insn_len(const u8 *p, const u8 *end, bool *cpuid)
{
	const u8 *s = p;
	bool opsize = false, addr32 = false, rexw = false;
	int n, imm = 0;
	u8 op, map = 0, attr;

	*cpuid = false;
	while (p < end && is_prefix(*p)) {
		opsize |= *p == 0x66;
		addr32 |= *p == 0x67;
		p++;
	}
	if (p < end && (*p & 0xF0) == 0x40)
		rexw = (*p++ & 8) != 0;
	if (p >= end)
		return -1;
	op = *p++;
	if (op == 0xC4 || op == 0xC5 || op == 0x62) {
		/* VEX (2 or 3 bytes) or EVEX (4): a map, then opcode and ModRM. */
		int pl = op == 0xC5 ? 1 : op == 0xC4 ? 2 : 3;
		bool evex = op == 0x62;

		if (p + pl >= end)
			return -1;
		map = op == 0xC5 ? 1 : (p[0] & (op == 0x62 ? 7 : 0x1F));
		p += pl;
		op = *p++;
		/* Maps 5 and 6 (EVEX only) take no immediate, like 0F38. */
		if (evex && (map == 5 || map == 6))
			map = 2;
		if (map < 1 || map > 3)
			return -1;
		if (map == 1 && op == 0x77)  /* VZEROUPPER/VZEROALL */
			return (int)(p - s);
		n = modrm_len(p, end);
		if (n < 0)
			return -1;
		p += n;
		imm = map == 3 || (map == 1 && imm8_0f(op)) ? 1 : 0;
		return p + imm > end ? -1 : (int)(p + imm - s);
	}
	if (op == 0x0F) {
		if (p >= end)
			return -1;
		op = *p++;
		if (op == 0x38 || op == 0x3A) {
			map = op == 0x38 ? 2 : 3;
			if (p >= end)
				return -1;
			op = *p++;
			n = modrm_len(p, end);
			if (n < 0)
				return -1;
			p += n;
			imm = map == 3 ? 1 : 0;
			return p + imm > end ? -1 : (int)(p + imm - s);
		}
		if (op == 0xA2)
			*cpuid = true;
		if (op >= 0x80 && op <= 0x8F)
			imm = 4;  /* Jcc rel32 */
		if (!no_modrm_0f(op)) {
			n = modrm_len(p, end);
			if (n < 0)
				return -1;
			p += n;
			if (imm8_0f(op))
				imm = 1;
		}
		return p + imm > end ? -1 : (int)(p + imm - s);
	}
	attr = one_byte[op];
	if ((attr & ~M) == BAD)
		return -1;
	if (attr & M) {
		u8 reg;

		if (p >= end)
			return -1;
		reg = (p[0] >> 3) & 7;
		n = modrm_len(p, end);
		if (n < 0)
			return -1;
		p += n;
		/* TEST r/m, imm in the F6/F7 groups. */
		if (op == 0xF6 && reg <= 1)
			imm = 1;
		if (op == 0xF7 && reg <= 1)
			imm = opsize ? 2 : 4;
	}
	switch (attr & ~M) {
	case IB:
		imm = 1;
		break;
	case IZ:
		/* Near branches keep a 32-bit displacement in 64-bit mode. */
		imm = opsize && op != 0xE8 && op != 0xE9 ? 2 : 4;
		break;
	case IW:
		imm = 2;
		break;
	case IWB:
		imm = 3;
		break;
	case IV:
		imm = rexw ? 8 : opsize ? 2 : 4;
		break;
	case MO:
		imm = addr32 ? 4 : 8;
		break;
	default:
		break;
	}
	return p + imm > end ? -1 : (int)(p + imm - s);
}

/* --- the objects: their files and memory ------------------------------------- */

/* A loaded object as dl_iterate_phdr() describes it. */
struct obj {
	char *name;             /* the loader's name for it; "" for the program */
	u64 bias;               /* load address minus link-time address */
	const Elf64_Phdr *ph;
	unsigned int phnum;
};

/* A function: [start, end) in link-time addresses. */
struct range {
	u64 start, end;
};

struct ranges {
	struct range *r;
	size_t n, cap;
};

static void add_range(struct ranges *rs, u64 start, u64 end)
{
	if (end <= start)
		return;
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 256;
		struct range *r = realloc(rs->r, cap * sizeof(*r));

		if (!r)
			return;
		rs->r = r;
		rs->cap = cap;
	}
	rs->r[rs->n].start = start;
	rs->r[rs->n].end = end;
	rs->n++;
}

/* The file @path, mapped read-only (never written, never executed). */
static u8 *map_file(const char *path, size_t *len)
{
	struct stat st;
	long fd = sys_call6(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	void *m = NULL;

	*len = 0;
	if (fd < 0)
		return NULL;
	if (!sys_call6(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) && S_ISREG(st.st_mode) &&
	    st.st_size >= (off_t)sizeof(Elf64_Ehdr) && st.st_size <= (1L << 31)) {
		m = sys_mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, (int)fd, 0);
		if (sys_failed(m))
			m = NULL;
		else
			*len = (size_t)st.st_size;
	}
	sys_close((int)fd);
	return m;
}

/* The file's section headers, if it is the ELF file @o was loaded from:
 * its program headers must be the ones in memory. */
static const Elf64_Shdr *file_sections(const struct obj *o, const u8 *f, size_t len,
				       unsigned int *shnum)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(const void *)f;

	if (!f || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum != o->phnum ||
	    eh->e_phoff > len || o->phnum > (len - eh->e_phoff) / sizeof(Elf64_Phdr) ||
	    memcmp(f + eh->e_phoff, o->ph, o->phnum * sizeof(Elf64_Phdr)) ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > len ||
	    eh->e_shnum > (len - eh->e_shoff) / sizeof(Elf64_Shdr))
		return NULL;
	*shnum = eh->e_shnum;
	return (const Elf64_Shdr *)(const void *)(f + eh->e_shoff);
}

/* The program header of the @flag (PF_R, PF_X) segment that holds
 * [@vaddr, @vaddr + @len) in file-backed memory, or NULL. */
static const Elf64_Phdr *segment(const struct obj *o, u64 vaddr, u64 len, u32 flag)
{
	unsigned int i;

	for (i = 0; i < o->phnum; i++) {
		const Elf64_Phdr *ph = &o->ph[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & flag) && vaddr >= ph->p_vaddr &&
		    vaddr - ph->p_vaddr <= ph->p_filesz && len <= ph->p_filesz - (vaddr - ph->p_vaddr))
			return ph;
	}
	return NULL;
}

static const u8 *live(const struct obj *o, u64 vaddr)
{
	return (const u8 *)(uintptr_t)(o->bias + vaddr);
}

/*
 * Functions from the file's symbol tables (.symtab and .dynsym): typed
 * FUNC (or IFUNC, a resolver) with a size.  Return: true when one of them
 * is sgxemu's own, i.e. the object carries the emulator.
 */
static bool ranges_from_symbols(const u8 *f, size_t len, const Elf64_Shdr *sh,
				unsigned int shnum, struct ranges *rs)
{
	static const char emulator[] = "sgxemu_platform_create";
	bool ours = false;
	unsigned int i;
	u64 k;

	for (i = 0; i < shnum; i++) {
		const Elf64_Shdr *strtab;
		const Elf64_Sym *sym;
		u64 nsym;

		if ((sh[i].sh_type != SHT_SYMTAB && sh[i].sh_type != SHT_DYNSYM) ||
		    sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset ||
		    sh[i].sh_entsize != sizeof(Elf64_Sym) || sh[i].sh_link >= shnum)
			continue;
		strtab = &sh[sh[i].sh_link];
		if (strtab->sh_offset > len || strtab->sh_size > len - strtab->sh_offset)
			strtab = NULL;
		sym = (const Elf64_Sym *)(const void *)(f + sh[i].sh_offset);
		nsym = sh[i].sh_size / sizeof(Elf64_Sym);
		for (k = 0; k < nsym; k++) {
			u8 type = ELF64_ST_TYPE(sym[k].st_info);

			if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !sym[k].st_size ||
			    sym[k].st_shndx == SHN_UNDEF || sym[k].st_shndx >= SHN_LORESERVE)
				continue;
			add_range(rs, sym[k].st_value, sym[k].st_value + sym[k].st_size);
			if (strtab && strtab->sh_size >= sizeof(emulator) &&
			    sym[k].st_name <= strtab->sh_size - sizeof(emulator) &&
			    !memcmp(f + strtab->sh_offset + sym[k].st_name, emulator, sizeof(emulator)))
				ours = true;
		}
	}
	return ours;
}

/* --- functions from .eh_frame --------------------------------------------------- */

/* DWARF pointer encodings (LSB, "DWARF Exception Header Encoding"). */
#define PE_ABSPTR 0x00
#define PE_UDATA2 0x02
#define PE_UDATA4 0x03
#define PE_UDATA8 0x04
#define PE_SDATA2 0x0A
#define PE_SDATA4 0x0B
#define PE_SDATA8 0x0C
#define PE_PCREL 0x10
#define PE_DATAREL 0x30
#define PE_OMIT 0xFF

/* Bytes of the value format of @enc, or 0 for one we do not read. */
static unsigned int pe_size(u8 enc)
{
	switch (enc & 0x0F) {
	case PE_ABSPTR:
	case PE_UDATA8:
	case PE_SDATA8:
		return 8;
	case PE_UDATA4:
	case PE_SDATA4:
		return 4;
	case PE_UDATA2:
	case PE_SDATA2:
		return 2;
	default:
		return 0;
	}
}

/* A reader over one readable segment of an object's memory. */
struct cursor {
	const struct obj *o;
	u64 at, end;            /* link-time addresses */
};

static bool take(struct cursor *c, void *out, u64 n)
{
	if (n > c->end - c->at)
		return false;
	memcpy(out, live(c->o, c->at), n);
	c->at += n;
	return true;
}

static bool uleb(struct cursor *c, u64 *v)
{
	unsigned int shift = 0;
	u8 b;

	*v = 0;
	do {
		if (shift > 63 || !take(c, &b, 1))
			return false;
		*v |= (u64)(b & 0x7F) << shift;
		shift += 7;
	} while (b & 0x80);
	return true;
}

/* A pointer encoded as @enc at the cursor (PC-relative to its own link-time
 * address, or absolute); false for encodings we do not read. */
static bool pointer(struct cursor *c, u8 enc, u64 *v)
{
	u64 where = c->at, raw = 0;
	unsigned int n = pe_size(enc);

	if (!n || (enc & 0x70) > PE_PCREL || !take(c, &raw, n))
		return false;
	if ((enc & 0x0F) == PE_SDATA4)
		raw = (u64)(s64)(s32)raw;
	else if ((enc & 0x0F) == PE_SDATA2)
		raw = (u64)(s64)(int16_t)raw;
	*v = (enc & 0x70) == PE_PCREL ? where + raw : raw;
	return true;
}

/* The FDE pointer encoding of the CIE at @cie ('R' in its augmentation). */
static bool cie_encoding(const struct obj *o, u64 cie, u8 *enc)
{
	const Elf64_Phdr *seg = segment(o, cie, 8, PF_R);
	struct cursor c = { o, cie, seg ? seg->p_vaddr + seg->p_filesz : cie };
	char aug[8];
	u32 length, id;
	u64 v, auglen;
	u8 version, b;
	unsigned int i;

	if (!take(&c, &length, 4) || length == 0xFFFFFFFF || length > c.end - c.at)
		return false;
	c.end = c.at + length;
	if (!take(&c, &id, 4) || id != 0 || !take(&c, &version, 1))
		return false;
	for (i = 0;; i++) {
		if (i == sizeof(aug) || !take(&c, &aug[i], 1))
			return false;
		if (!aug[i])
			break;
	}
	if (aug[0] != 'z')
		return false;
	if (!uleb(&c, &v) || !uleb(&c, &v))       /* code and data alignment */
		return false;
	if (version == 1 ? !take(&c, &b, 1) : !uleb(&c, &v))
		return false;
	if (!uleb(&c, &auglen))
		return false;
	*enc = PE_ABSPTR;
	for (i = 1; aug[i]; i++) {
		if (aug[i] == 'R')
			return take(&c, enc, 1);
		if (aug[i] == 'L') {
			if (!take(&c, &b, 1))
				return false;
		} else if (aug[i] == 'P') {
			if (!take(&c, &b, 1) || !pointer(&c, b & 0x7F, &v))
				return false;
		} else if (aug[i] != 'S') {
			return false;
		}
	}
	return true;
}

/*
 * Functions from the FDEs that .eh_frame_hdr indexes (PT_GNU_EH_FRAME, in
 * memory): each FDE's PC range, if its start is the one the index gives.
 * Only the index encoding GNU ld writes is read.
 */
static void ranges_from_eh_frame(const struct obj *o, struct ranges *rs)
{
	const Elf64_Phdr *hdr = NULL, *seg;
	struct cursor c;
	u8 head[4];
	u64 eh_frame, count, i;
	unsigned int k;

	for (k = 0; k < o->phnum; k++)
		if (o->ph[k].p_type == PT_GNU_EH_FRAME)
			hdr = &o->ph[k];
	if (!hdr || !(seg = segment(o, hdr->p_vaddr, hdr->p_memsz, PF_R)))
		return;
	c.o = o;
	c.at = hdr->p_vaddr;
	c.end = hdr->p_vaddr + hdr->p_memsz;
	if (!take(&c, head, 4) || head[0] != 1 || head[3] != (PE_DATAREL | PE_SDATA4) ||
	    !pointer(&c, head[1], &eh_frame) || !pointer(&c, head[2], &count))
		return;
	for (i = 0; i < count; i++) {
		s32 rel[2];
		u64 start, fde, cie, begin, len;
		u32 length, cie_off;
		u8 enc;
		struct cursor f;

		if (!take(&c, rel, sizeof(rel)))
			return;
		start = hdr->p_vaddr + (u64)(s64)rel[0];
		fde = hdr->p_vaddr + (u64)(s64)rel[1];
		seg = segment(o, fde, 8, PF_R);
		if (!seg)
			continue;
		f.o = o;
		f.at = fde;
		f.end = seg->p_vaddr + seg->p_filesz;
		if (!take(&f, &length, 4) || length == 0xFFFFFFFF || length < 8 ||
		    length > f.end - f.at)
			continue;
		f.end = f.at + length;
		cie = f.at;
		if (!take(&f, &cie_off, 4) || !cie_off || cie_off > cie)
			continue;
		cie -= cie_off;
		if (!cie_encoding(o, cie, &enc) || !pointer(&f, enc, &begin) || begin != start)
			continue;
		/* PC range: the same format, never relative. */
		if (!pointer(&f, enc & 0x0F, &len))
			continue;
		add_range(rs, start, start + len);
	}
}

/* --- proving and patching sites -------------------------------------------------- */

/*
 * Decode the function at [@start, @end) of @o from its first byte.
 * Return: 1 if a bare CPUID (0F A2, no prefix) starts at @site, 0 if the
 * function decodes to its end without an instruction starting there, -1
 * if it does not decode (then it tells nothing).
 */
static int decodes_cpuid_at(const struct obj *o, u64 start, u64 end, u64 site)
{
	const u8 *p = live(o, start), *e = live(o, end), *at = live(o, site);
	bool found = false, is_cpuid;

	if (!segment(o, start, end - start, PF_X))
		return -1;
	while (p < e) {
		int n = insn_len(p, e, &is_cpuid);

		if (n <= 0)
			return -1;
		if (p == at)
			found = is_cpuid && n == 2;
		p += n;
	}
	return p == e ? found : -1;
}

/* Turn the CPUID at @addr into UD2 and tell the emulator; @prot is the
 * segment's protection to put back. */
static bool patch(u64 addr, int prot)
{
	u64 page = addr & ~4095ULL, last = (addr + 1) & ~4095ULL;
	u8 *p = (u8 *)(uintptr_t)addr;
	bool done = false;

	/* Writable and still executable: another thread may run this page. */
	if (sys_mprotect((void *)(uintptr_t)page, last + 4096 - page,
			 PROT_READ | PROT_WRITE | PROT_EXEC))
		return false;
	if (p[0] == 0x0F && p[1] == 0xA2 && !exec_cpuid_add_site(addr)) {
		p[1] = 0x0B;
		done = true;
	}
	sys_mprotect((void *)(uintptr_t)page, last + 4096 - page, prot);
	return done;
}

static int seg_prot(const Elf64_Phdr *ph)
{
	return ((ph->p_flags & PF_R) ? PROT_READ : 0) | ((ph->p_flags & PF_W) ? PROT_WRITE : 0) |
	       ((ph->p_flags & PF_X) ? PROT_EXEC : 0);
}

static bool (*answer_hook)(void);
static bool answering;

/* Every proven CPUID of @o patched; the number. */
static unsigned int patch_object(const struct obj *o, const struct ranges *rs)
{
	unsigned int i, patched = 0;

	for (i = 0; i < o->phnum; i++) {
		const Elf64_Phdr *ph = &o->ph[i];
		const u8 *base, *p, *end;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || ph->p_filesz < 2)
			continue;
		base = live(o, ph->p_vaddr);
		end = base + ph->p_filesz;
		for (p = base; (p = memmem(p, (size_t)(end - p), "\x0F\xA2", 2)); p++) {
			u64 site = ph->p_vaddr + (u64)(p - base);
			bool yes = false, no = false;
			size_t k;

			for (k = 0; k < rs->n && !no; k++) {
				int d;

				if (site < rs->r[k].start || site >= rs->r[k].end)
					continue;
				d = decodes_cpuid_at(o, rs->r[k].start, rs->r[k].end, site);
				yes |= d == 1;
				no |= d == 0;
			}
			if (!yes || no)
				continue;
			/* CPUIDs must be answered before the first UD2 exists. */
			if (!answering && !(answering = answer_hook()))
				return patched;
			patched += patch(o->bias + site, seg_prot(ph));
		}
	}
	return patched;
}

/* --- which objects ------------------------------------------------------------------ */

/* What the shim links (DT_NEEDED of its file), by file name. */
static char shim_needed[8][64];
static unsigned int nr_shim_needed;

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static bool contains(const struct obj *o, const void *addr)
{
	u64 a = (u64)(uintptr_t)addr - o->bias;
	unsigned int i;

	for (i = 0; i < o->phnum; i++)
		if (o->ph[i].p_type == PT_LOAD && a >= o->ph[i].p_vaddr &&
		    a - o->ph[i].p_vaddr < o->ph[i].p_memsz)
			return true;
	return false;
}

/* Record the names in the DT_NEEDED entries of the shim's file. */
static void read_shim_needed(const struct obj *self)
{
	const Elf64_Shdr *sh;
	unsigned int shnum, i;
	size_t len;
	u8 *f = map_file(self->name, &len);

	sh = file_sections(self, f, len, &shnum);
	for (i = 0; sh && i < shnum; i++) {
		const Elf64_Dyn *d;
		const Elf64_Shdr *str;
		u64 k;

		if (sh[i].sh_type != SHT_DYNAMIC || sh[i].sh_offset > len ||
		    sh[i].sh_size > len - sh[i].sh_offset || sh[i].sh_link >= shnum)
			continue;
		str = &sh[sh[i].sh_link];
		if (str->sh_offset > len || str->sh_size > len - str->sh_offset)
			continue;
		d = (const Elf64_Dyn *)(const void *)(f + sh[i].sh_offset);
		for (k = 0; k < sh[i].sh_size / sizeof(*d) && d[k].d_tag != DT_NULL; k++) {
			const char *name = (const char *)f + str->sh_offset + d[k].d_un.d_val;

			if (d[k].d_tag != DT_NEEDED || d[k].d_un.d_val >= str->sh_size ||
			    nr_shim_needed == ARRAY_SIZE(shim_needed) ||
			    !memchr(name, 0, str->sh_size - d[k].d_un.d_val))
				continue;
			snprintf(shim_needed[nr_shim_needed++], sizeof(shim_needed[0]), "%s", name);
		}
	}
	if (f)
		sys_munmap(f, len);
}

/* The program's PT_INTERP (the dynamic loader it asked for), or "". */
static const char *interpreter(void)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	u64 phnum = getauxval(AT_PHNUM), bias = 0, i;

	for (i = 0; ph && i < phnum; i++)
		if (ph[i].p_type == PT_PHDR)
			bias = (u64)(uintptr_t)ph - ph[i].p_vaddr;
	for (i = 0; ph && i < phnum; i++)
		if (ph[i].p_type == PT_INTERP)
			return (const char *)(uintptr_t)(bias + ph[i].p_vaddr);
	return "";
}

/* Whether @o's code may be patched: not the vDSO, the dynamic loader, the
 * shim or what the shim links (see the top of this file). */
static bool patchable(const struct obj *o)
{
	const char *name = base_name(o->name);
	unsigned int i;

	if (!strncmp(name, "linux-vdso", 10) || !strncmp(name, "linux-gate", 10))
		return false;
	if ((getauxval(AT_BASE) && o->bias == getauxval(AT_BASE)) ||
	    (*o->name && !strcmp(name, base_name(interpreter()))))
		return false;
	if (contains(o, (const void *)patchable))
		return false;
	for (i = 0; i < nr_shim_needed; i++)
		if (*o->name && !strcmp(name, shim_needed[i]))
			return false;
	return true;
}

/*
 * Patch @o's CPUIDs.  The program's file is AT_EXECFN; a library's, the
 * loader's name for it.  An object whose file cannot be read, or does not
 * match it, is patched from its FDEs alone.  Return: the number patched.
 */
static unsigned int scan(const struct obj *o)
{
	const char *path = *o->name ? o->name : (const char *)getauxval(AT_EXECFN);
	struct ranges rs = { NULL, 0, 0 };
	const Elf64_Shdr *sh;
	unsigned int shnum = 0, patched = 0;
	size_t len = 0;
	u8 *f = path ? map_file(path, &len) : NULL;

	sh = file_sections(o, f, len, &shnum);
	if (!sh || !ranges_from_symbols(f, len, sh, shnum, &rs)) {
		ranges_from_eh_frame(o, &rs);
		patched = patch_object(o, &rs);
	}
	if (f)
		sys_munmap(f, len);
	free(rs.r);
	return patched;
}

/* --- the loaded objects, now and after dlopen ------------------------------------- */

/* An object looked at: where it is (to tell when it is gone) and what we
 * did to it. */
struct seen {
	u64 bias;
	const Elf64_Phdr *ph;
	u64 lo, hi;             /* its PT_LOAD extent, in memory */
	unsigned int patched;
};

static pthread_mutex_t patch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct seen *seen;
static size_t nr_seen, cap_seen;
/* Whether objects are patched (no CPUID faulting): the dlopen entry points
 * below read it. */
atomic_bool shim_dl_patching __attribute__((visibility("hidden")));
/* Set while this thread updates: a dlopen() from inside (libcrypto's, while
 * the answer hook creates the platform) must not wait for itself. */
static __thread bool updating;
static pid_t note_pid;
static unsigned int nr_noted;

struct objs {
	struct obj *o;
	size_t n, cap;
};

static int collect(struct dl_phdr_info *info, size_t size, void *data)
{
	struct objs *os = data;
	struct obj *o;

	(void)size;
	if (os->n == os->cap) {
		size_t cap = os->cap ? 2 * os->cap : 32;

		o = realloc(os->o, cap * sizeof(*o));
		if (!o)
			return 1;
		os->o = o;
		os->cap = cap;
	}
	o = &os->o[os->n];
	o->name = strdup(info->dlpi_name ? info->dlpi_name : "");
	if (!o->name)
		return 1;
	o->bias = info->dlpi_addr;
	o->ph = info->dlpi_phdr;
	o->phnum = info->dlpi_phnum;
	os->n++;
	return 0;
}

static void free_objs(struct objs *os)
{
	size_t i;

	for (i = 0; i < os->n; i++)
		free(os->o[i].name);
	free(os->o);
}

static struct seen *find_seen(const struct obj *o)
{
	size_t i;

	for (i = 0; i < nr_seen; i++)
		if (seen[i].bias == o->bias && seen[i].ph == o->ph)
			return &seen[i];
	return NULL;
}

static void remember(const struct obj *o, unsigned int patched)
{
	struct seen *s;
	unsigned int i;

	if (nr_seen == cap_seen) {
		size_t cap = cap_seen ? 2 * cap_seen : 32;

		s = realloc(seen, cap * sizeof(*s));
		if (!s)
			return;
		seen = s;
		cap_seen = cap;
	}
	s = &seen[nr_seen++];
	s->bias = o->bias;
	s->ph = o->ph;
	s->lo = ~0ULL;
	s->hi = 0;
	s->patched = patched;
	for (i = 0; i < o->phnum; i++) {
		if (o->ph[i].p_type != PT_LOAD)
			continue;
		if (o->bias + o->ph[i].p_vaddr < s->lo)
			s->lo = o->bias + o->ph[i].p_vaddr;
		if (o->bias + o->ph[i].p_vaddr + o->ph[i].p_memsz > s->hi)
			s->hi = o->bias + o->ph[i].p_vaddr + o->ph[i].p_memsz;
	}
}

/* Append "NAME N" for an object with @n sites patched to the note in @buf. */
static void note_add(char *buf, size_t len, const struct obj *o, unsigned int n, bool first)
{
	const char *name = *o->name ? o->name : (const char *)getauxval(AT_EXECFN);
	size_t used = strlen(buf);

	if (used < len)
		snprintf(buf + used, len - used, "%s %s %u", first ? "" : ",",
			 base_name(name ? name : "the program"), n);
}

static void note(const char *buf)
{
	if (note_pid && note_pid == (pid_t)sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0) &&
	    sys_call6(SYS_write, STDERR_FILENO, (long)buf, (long)strlen(buf), 0, 0, 0) < 0)
		note_pid = 0;
}

/*
 * Patch every loaded object not seen before and forget the sites of those
 * that are gone.  @what names the occasion in the note.  Call with
 * patch_lock held.
 */
static void update(const char *what)
{
	struct objs os = { NULL, 0, 0 };
	char msg[1024];
	size_t i, k;
	unsigned int total = 0;

	if (dl_iterate_phdr(collect, &os)) {
		free_objs(&os);
		return;
	}
	/* Unloaded: a UD2 mapped there later is the program's. */
	for (i = 0; i < nr_seen;) {
		bool here = false;

		for (k = 0; k < os.n && !here; k++)
			here = seen[i].bias == os.o[k].bias && seen[i].ph == os.o[k].ph;
		if (here) {
			i++;
			continue;
		}
		exec_cpuid_remove_sites(seen[i].lo, seen[i].hi);
		seen[i] = seen[--nr_seen];
	}
	snprintf(msg, sizeof(msg), "sgxemu: %s:", what);
	for (k = 0; k < os.n; k++) {
		unsigned int n = 0;

		if (find_seen(&os.o[k]))
			continue;
		if (patchable(&os.o[k]))
			n = scan(&os.o[k]);
		remember(&os.o[k], n);
		if (n)
			note_add(msg, sizeof(msg), &os.o[k], n, !total);
		total += n;
	}
	free_objs(&os);
	/* At start, always; after dlopen, when it patched something. */
	if (!total && !nr_noted)
		strncat(msg, " none", sizeof(msg) - strlen(msg) - 1);
	if (total || !nr_noted++) {
		strncat(msg, "\n", sizeof(msg) - strlen(msg) - 1);
		note(msg);
	}
}

static int find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	struct obj o = { (char *)info->dlpi_name, info->dlpi_addr, info->dlpi_phdr,
			 info->dlpi_phnum };

	(void)size;
	if (!contains(&o, (const void *)find_self))
		return 0;
	read_shim_needed(&o);
	(void)data;
	return 1;
}

/**
 * shim_cpuid_patch() - patch the CPUIDs of every loaded object, and from now
 * on of every object dlopen() or dlmopen() loads.
 * @answer: called once, before the first UD2 is written, to have patched
 *          sites answered; false leaves everything unpatched
 *
 * Context: the shim's constructor, on a host without CPUID faulting.
 */
void shim_cpuid_patch(bool (*answer)(void))
{
	const char *pid = getenv("SGXEMU_CPUID_NOTE");

	pthread_mutex_lock(&patch_lock);
	answer_hook = answer;
	note_pid = pid ? (pid_t)atol(pid) : 0;
	dl_iterate_phdr(find_self, NULL);
	atomic_store(&shim_dl_patching, true);
	updating = true;
	update("CPUIDs patched to report the emulated platform (no CPUID faulting)");
	updating = false;
	pthread_mutex_unlock(&patch_lock);
}

/* --- dlopen, dlmopen, dlclose -------------------------------------------------------- */

/* The C library's own, found once (before: NULL). */
#define HIDDEN __attribute__((visibility("hidden")))
void *(*shim_real_dlopen)(const char *, int) HIDDEN;
void *(*shim_real_dlmopen)(Lmid_t, const char *, int) HIDDEN;
int (*shim_real_dlclose)(void *) HIDDEN;
static pthread_once_t real_once = PTHREAD_ONCE_INIT;

#define real_dlopen shim_real_dlopen
#define real_dlmopen shim_real_dlmopen
#define real_dlclose shim_real_dlclose

static void find_real(void)
{
	real_dlopen = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
	real_dlmopen = (void *(*)(Lmid_t, const char *, int))dlsym(RTLD_NEXT, "dlmopen");
	real_dlclose = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
}

__attribute__((constructor)) static void find_real_early(void)
{
	pthread_once(&real_once, find_real);
}

/*
 * The exported entry points.  While nothing is patched (CPUID faulting, or
 * SGXEMU_CPUID=off) they jump to the C library's function, so that it sees
 * the program's own call as the caller: nothing changes.  Otherwise, and
 * before the C library's are known, they jump to shim_dl*_patching() below,
 * which still see the program's return address.
 */
__asm__(".text\n"
	".macro shim_dl_entry name\n"
	"	.globl \\name\n"
	"	.type \\name, @function\n"
	"\\name:\n"
	"	endbr64\n"
	"	cmpb $0, shim_dl_patching(%rip)\n"
	"	jne shim_\\name\\()_patching\n"
	"	mov shim_real_\\name(%rip), %rax\n"
	"	test %rax, %rax\n"
	"	jz shim_\\name\\()_patching\n"
	"	jmp *%rax\n"
	"	.size \\name, .-\\name\n"
	".endm\n"
	"shim_dl_entry dlopen\n"
	"shim_dl_entry dlmopen\n"
	"shim_dl_entry dlclose\n");

static void *open_real(bool m, Lmid_t ns, const char *file, int mode)
{
	return m ? real_dlmopen(ns, file, mode) : real_dlopen(file, mode);
}

/* The directories ld.so would search for @map (RTLD_DI_SERINFO), malloc'd. */
static Dl_serinfo *search_list(void *map)
{
	Dl_serinfo size, *si;

	if (dlinfo(map, RTLD_DI_SERINFOSIZE, &size))
		return NULL;
	si = malloc(size.dls_size);
	if (!si)
		return NULL;
	*si = size;
	if (dlinfo(map, RTLD_DI_SERINFO, si)) {
		free(si);
		return NULL;
	}
	return si;
}

static bool listed(const Dl_serinfo *si, const char *dir)
{
	unsigned int i;

	for (i = 0; si && i < si->dls_cnt; i++)
		if (!strcmp(si->dls_serpath[i].dls_name, dir))
			return true;
	return false;
}

/*
 * @file with $ORIGIN (or ${ORIGIN}) made the directory of the caller's
 * file, as ld.so would expand it for the caller (the program's is where
 * AT_EXECFN is: /proc/self/exe may name sgxemu's exec helper).  Other
 * substitutions do not depend on the caller; ld.so makes them.  Return:
 * @out, or NULL if @file has no $ORIGIN or it cannot be expanded.
 */
static char *expand_origin(const struct link_map *map, const char *file, char *out, size_t len)
{
	static const char *const names[] = { "$ORIGIN", "${ORIGIN}" };
	const char *path = *map->l_name ? map->l_name : (const char *)getauxval(AT_EXECFN);
	char dir[4096], *slash;
	size_t used = 0;
	unsigned int i;

	if (!path || !strstr(file, "ORIGIN") || !realpath(path, dir) || !(slash = strrchr(dir, '/')))
		return NULL;
	*slash = '\0';
	while (*file) {
		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (!strncmp(file, names[i], strlen(names[i])))
				break;
		if (i < ARRAY_SIZE(names)) {
			used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s", dir);
			file += strlen(names[i]);
		} else {
			if (used + 1 < len)
				out[used] = *file;
			used++;
			file++;
		}
		if (used >= len)
			return NULL;
	}
	out[used] = '\0';
	return out;
}

/*
 * glibc searches a file name without a slash along the *caller's* DT_RPATH
 * or DT_RUNPATH, and takes the caller from the return address: now the
 * shim.  So where the caller's search list has directories the shim's
 * lacks, try the caller's list in its order up to the last of them (ld.so
 * would reach them before its cache and default directories), then let
 * the loader do the rest.  A name already loaded needs no search.  What
 * still differs from a call by the caller itself: a file found there that
 * the loader refuses is not skipped for the next directory, and a
 * dlmopen() caller in another namespace is not seen (the shim is not
 * preloaded there, so its calls do not come here).
 */
static void *open_as_caller(const void *caller, bool m, Lmid_t ns, const char *file, int mode)
{
	Dl_serinfo *mine = NULL, *theirs = NULL;
	struct link_map *map = NULL, *self = NULL;
	char expanded[4096];
	Dl_info info;
	void *h = NULL;
	unsigned int i, last = 0;

	if (!file || !dladdr1(caller, &info, (void **)&map, RTLD_DL_LINKMAP) || !map ||
	    !dladdr1((const void *)open_as_caller, &info, (void **)&self, RTLD_DL_LINKMAP) ||
	    map == self)
		return open_real(m, ns, file, mode);
	if (strchr(file, '$') && expand_origin(map, file, expanded, sizeof(expanded)))
		file = expanded;
	if (strchr(file, '/') || strchr(file, '$'))
		return open_real(m, ns, file, mode);
	if (!m || ns != LM_ID_NEWLM) {
		h = open_real(m, ns, file, RTLD_LAZY | RTLD_NOLOAD);
		if (h) {
			real_dlclose(h);
			return open_real(m, ns, file, mode);
		}
	}
	theirs = search_list(map);
	mine = search_list(self);
	for (i = 0; theirs && i < theirs->dls_cnt; i++)
		if (!listed(mine, theirs->dls_serpath[i].dls_name))
			last = i + 1;
	for (i = 0; i < last && !h; i++) {
		char path[4096];

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", theirs->dls_serpath[i].dls_name,
				     file) < sizeof(path) && !access(path, F_OK))
			h = open_real(m, ns, path, mode);
	}
	free(theirs);
	free(mine);
	return h ? h : open_real(m, ns, file, mode);
}

static void update_locked(const char *what)
{
	if (updating || !atomic_load(&shim_dl_patching))
		return;
	pthread_mutex_lock(&patch_lock);
	updating = true;
	update(what);
	updating = false;
	pthread_mutex_unlock(&patch_lock);
}

/* After a load: patch what it brought in. */
static void loaded(void *h)
{
	if (h)
		update_locked("dlopen: CPUIDs patched");
}

void *shim_dlopen_patching(const char *file, int mode) HIDDEN;
void *shim_dlmopen_patching(Lmid_t ns, const char *file, int mode) HIDDEN;
int shim_dlclose_patching(void *h) HIDDEN;

/**
 * shim_dlopen_patching() - dlopen() while objects are patched: the C
 * library's, then patch what it loaded.
 * @file: as for dlopen(); a bare name is searched as the caller's
 * @mode: as for dlopen()
 *
 * Return: what dlopen() returned.
 */
void *shim_dlopen_patching(const char *file, int mode)
{
	void *h;

	pthread_once(&real_once, find_real);
	h = open_as_caller(__builtin_return_address(0), false, LM_ID_BASE, file, mode);
	loaded(h);
	return h;
}

/**
 * shim_dlmopen_patching() - dlmopen() while objects are patched: the C
 * library's, then patch what it loaded.
 * @ns: as for dlmopen()
 * @file: as for dlmopen(); a bare name is searched as the caller's
 * @mode: as for dlmopen()
 *
 * Return: what dlmopen() returned.
 */
void *shim_dlmopen_patching(Lmid_t ns, const char *file, int mode)
{
	void *h;

	pthread_once(&real_once, find_real);
	h = open_as_caller(__builtin_return_address(0), true, ns, file, mode);
	loaded(h);
	return h;
}

/**
 * shim_dlclose_patching() - dlclose() while objects are patched: the C
 * library's, then forget the patched sites of what it unloaded.
 * @h: as for dlclose()
 *
 * Return: what dlclose() returned.
 */
int shim_dlclose_patching(void *h)
{
	int ret;

	pthread_once(&real_once, find_real);
	ret = real_dlclose(h);
	if (!ret)
		update_locked("dlclose: CPUIDs patched");
	return ret;
}
