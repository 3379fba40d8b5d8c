// SPDX-License-Identifier: MIT
/*
 * CPUID for host code on hosts without CPUID faulting: the program's own
 * CPUID instructions are found and turned into UD2, whose SIGILL the
 * emulator answers as CPUID (cpu/exec/cpuid.c).  Only the main executable
 * is patched, and only inside functions its symbol table describes that
 * decode from start to end with the instruction-length decoder below, so
 * a 0F A2 that is data, or the middle of another instruction, is never
 * touched.  Libraries keep the real CPU's answers.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

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

/* --- patching the main executable -------------------------------------------- */

static void *read_file(const char *path, size_t *len)
{
	struct stat st;
	long fd = sys_call6(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	u8 *buf = NULL;
	size_t got = 0;

	*len = 0;
	if (fd < 0)
		return NULL;
	if (sys_call6(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) || st.st_size <= 0 ||
	    st.st_size > (1L << 30))
		goto out;
	buf = malloc((size_t)st.st_size);
	while (buf && got < (size_t)st.st_size) {
		long n = sys_call6(SYS_pread64, fd, (long)(buf + got), (long)((size_t)st.st_size - got),
				   (long)got, 0, 0);

		if (n <= 0) {
			free(buf);
			buf = NULL;
			break;
		}
		got += (size_t)n;
	}
	*len = got;
out:
	sys_close((int)fd);
	return buf;
}

/* Turn the CPUID at @addr into UD2 and tell the emulator. */
static void patch(u64 addr)
{
	u64 page = addr & ~4095ULL, last = (addr + 1) & ~4095ULL;
	u8 *p = (u8 *)(uintptr_t)addr;

	if (sys_mprotect((void *)(uintptr_t)page, last + 4096 - page,
			 PROT_READ | PROT_WRITE | PROT_EXEC))
		return;
	if (!exec_cpuid_add_site(addr))
		p[1] = 0x0B;
	sys_mprotect((void *)(uintptr_t)page, last + 4096 - page, PROT_READ | PROT_EXEC);
}

unsigned int shim_cpuid_patch(void)
{
	const char *path = (const char *)getauxval(AT_EXECFN);
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	u64 phnum = getauxval(AT_PHNUM), bias = 0, i, k;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	unsigned int patched = 0;
	size_t len = 0;
	u8 *file;

	if (!path || !ph)
		return 0;
	for (i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_PHDR)
			bias = (u64)(uintptr_t)ph - ph[i].p_vaddr;
	file = read_file(path, &len);
	if (!file)
		return 0;
	eh = (const Elf64_Ehdr *)(void *)file;
	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff > len || eh->e_shnum > (len - eh->e_shoff) / sizeof(Elf64_Shdr))
		goto out;
	if (eh->e_type == ET_EXEC)
		bias = 0;
	sh = (const Elf64_Shdr *)(const void *)(file + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++) {
		const Elf64_Sym *sym;
		u64 nsym;

		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_offset > len ||
		    sh[i].sh_size > len - sh[i].sh_offset || sh[i].sh_entsize != sizeof(Elf64_Sym))
			continue;
		sym = (const Elf64_Sym *)(const void *)(file + sh[i].sh_offset);
		nsym = sh[i].sh_size / sizeof(Elf64_Sym);
		for (k = 0; k < nsym; k++) {
			const Elf64_Shdr *text;
			const u8 *code, *end, *at;
			u64 sites[64];
			unsigned int nsites = 0, s;
			bool ok = true, is_cpuid;

			if (ELF64_ST_TYPE(sym[k].st_info) != STT_FUNC || !sym[k].st_size ||
			    sym[k].st_shndx == SHN_UNDEF || sym[k].st_shndx >= eh->e_shnum)
				continue;
			text = &sh[sym[k].st_shndx];
			if (!(text->sh_flags & SHF_EXECINSTR) || text->sh_type != SHT_PROGBITS ||
			    sym[k].st_value < text->sh_addr ||
			    sym[k].st_value + sym[k].st_size > text->sh_addr + text->sh_size ||
			    text->sh_offset + (sym[k].st_value - text->sh_addr) + sym[k].st_size > len)
				continue;
			/* Decode the file's copy; patch the mapped one. */
			code = file + text->sh_offset + (sym[k].st_value - text->sh_addr);
			end = code + sym[k].st_size;
			for (at = code; at < end && ok;) {
				int n = insn_len(at, end, &is_cpuid);

				if (n <= 0) {
					ok = false;
					break;
				}
				if (is_cpuid) {
					/* Only a bare 0F A2: with prefixes the fault
					 * would not be at the recorded site. */
					if (nsites == 64 || n != 2)
						ok = false;
					else
						sites[nsites++] = sym[k].st_value + (u64)(at - code) +
								  (u64)n - 2;
				}
				at += n;
			}
			if (!ok || at != end)
				continue;
			for (s = 0; s < nsites; s++) {
				const u8 *live = (const u8 *)(uintptr_t)(bias + sites[s]);

				if (live[0] == 0x0F && live[1] == 0xA2) {
					patch(bias + sites[s]);
					patched++;
				}
			}
		}
	}
out:
	free(file);
	return patched;
}
