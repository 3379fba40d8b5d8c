/* SPDX-License-Identifier: MIT */
/*
 * What the test programs written for the Linux SGX driver share: reading
 * the test enclave's .sgxs and .sig, finding __vdso_sgx_enter_enclave in
 * the vDSO, and calling it from C.  Plain C with the C library only, as a
 * program that knows nothing of sgxemu would be.
 */
#ifndef SGXEMU_TESTS_PROG_UAPI_H
#define SGXEMU_TESTS_PROG_UAPI_H

#include <asm/sgx.h>
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

/* --- the enclave ------------------------------------------------------- */

struct page {
	uint64_t offset, flags;
	int measured;
	uint8_t data[4096] __attribute__((aligned(4096)));
};

static struct page *pages;
static size_t nr_pages;
static uint64_t encl_size;
static uint32_t ssaframesize;
static uint8_t sigstruct[1808] __attribute__((aligned(4096)));
/* SECS: SIZE at 0, BASEADDR 8, SSAFRAMESIZE 16, MISCSELECT 20, ATTRIBUTES 48,
 * XFRM 56 (the uAPI passes it as bytes; the layout is the SDM's). */
static uint8_t secs[4096] __attribute__((aligned(4096)));
#define PT_TCS 1
#define PT_REG 2
#define EENTER_LEAF 2

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "test program: cannot read %s\n", path);
		exit(2);
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		exit(2);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The .sgxs stream: ECREATE, then EADD and EEXTEND records (64 bytes each,
 * EEXTEND followed by its 256 bytes). */
static void read_sgxs(const char *path)
{
	size_t len, pos = 0, i;
	uint8_t *b = slurp(path, &len);

	pages = aligned_alloc(4096, 1024 * sizeof(*pages));
	if (!pages)
		exit(2);
	memset(pages, 0, 1024 * sizeof(*pages));
	while (pos + 64 <= len) {
		const uint8_t *r = b + pos;
		uint64_t off;

		memcpy(&off, r + 8, 8);
		if (!memcmp(r, "ECREATE", 8)) {
			memcpy(&ssaframesize, r + 8, 4);
			memcpy(&encl_size, r + 12, 8);
		} else if (!memcmp(r, "EADD\0\0\0\0", 8)) {
			if (nr_pages == 1024)
				exit(2);
			pages[nr_pages].offset = off;
			memcpy(&pages[nr_pages].flags, r + 16, 8);
			nr_pages++;
		} else if (!memcmp(r, "EEXTEND", 8)) {
			for (i = 0; i < nr_pages; i++)
				if (pages[i].offset == (off & ~4095ULL))
					break;
			if (i == nr_pages || pos + 64 + 256 > len)
				exit(2);
			memcpy(pages[i].data + (off & 4095), r + 64, 256);
			pages[i].measured = 1;
			pos += 256;
		} else {
			fprintf(stderr, "test program: %s: unknown record\n", path);
			exit(2);
		}
		pos += 64;
	}
	free(b);
}

static void read_sig(const char *path)
{
	size_t len;
	uint8_t *b = slurp(path, &len);

	if (len != sizeof(sigstruct))
		exit(2);
	memcpy(sigstruct, b, len);
	free(b);
}

/* --- the vDSO ------------------------------------------------------------ */

typedef int (*vdso_sgx_enter_enclave_t)(unsigned long rdi, unsigned long rsi, unsigned long rdx,
					unsigned int function, unsigned long r8, unsigned long r9,
					struct sgx_enclave_run *run);

static vdso_sgx_enter_enclave_t vdso_lookup(void)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)getauxval(AT_SYSINFO_EHDR);
	Elf64_Phdr *ph;
	Elf64_Dyn *dyn = NULL;
	Elf64_Sym *sym = NULL;
	const char *str = NULL;
	uint32_t *hash = NULL;
	uintptr_t base = (uintptr_t)eh, load = 0;
	uint32_t i;

	if (!eh)
		return NULL;
	ph = (Elf64_Phdr *)(base + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !load)
			load = base + ph[i].p_offset - ph[i].p_vaddr;
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (Elf64_Dyn *)(base + ph[i].p_offset);
	}
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_SYMTAB)
			sym = (Elf64_Sym *)(load + dyn->d_un.d_ptr);
		if (dyn->d_tag == DT_STRTAB)
			str = (const char *)(load + dyn->d_un.d_ptr);
		if (dyn->d_tag == DT_HASH)
			hash = (uint32_t *)(load + dyn->d_un.d_ptr);
	}
	if (!sym || !str || !hash)
		return NULL;
	for (i = 0; i < hash[1]; i++)
		if (!strcmp(str + sym[i].st_name, "__vdso_sgx_enter_enclave"))
			return (vdso_sgx_enter_enclave_t)(load + sym[i].st_value);
	return NULL;
}

/*
 * An AEX leaves the enclave with synthetic registers (R12-R15 zero, among
 * others) and the vDSO passes them on, so C cannot call it directly: this
 * keeps the callee-saved registers, as the Linux selftests' call.S does.
 * call_vdso(rdi, rsi, rdx, function, r8, r9, run) with the target in
 * vdso_target.
 */
static vdso_sgx_enter_enclave_t vdso_target __attribute__((used));
int call_vdso(unsigned long rdi, unsigned long rsi, unsigned long rdx, unsigned int function,
	      unsigned long r8, unsigned long r9, struct sgx_enclave_run *run);
__asm__(".text\n"
	".globl call_vdso\n"
	"call_vdso:\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	push %rbx\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	sub $8, %rsp\n"
	"	push 16(%rbp)\n"
	"	call *vdso_target(%rip)\n"
	"	add $16, %rsp\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbx\n"
	"	pop %rbp\n"
	"	ret\n");

#endif
