// SPDX-License-Identifier: MIT
/*
 * sgxemu elf2sgxs: turn a statically linked enclave ELF into the SGXS
 * stream its measurement is.  Each PT_LOAD segment becomes pages of its
 * permissions; the segment holding the ".tcs" section becomes TCS pages.
 * Every page is added and fully measured, in address order.
 */
#include <elf.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/sgx_arch.h"
#include "base/file.h"
#include "base/log.h"
#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sgxemu elf2sgxs [--ssaframesize N] [--size SIZE] ENCLAVE.elf -o OUT.sgxs\n\n"
		"Lay out a statically linked, position-independent enclave ELF as an SGXS\n"
		"measurement stream: PT_LOAD segments in address order, page by page,\n"
		"with SECINFO from the segment's flags; the segment that holds the .tcs\n"
		"section is made of TCS pages.  Every page is EADDed and EEXTENDed.\n\n"
		"  --ssaframesize N   SECS.SSAFRAMESIZE in pages (default 1)\n"
		"  --size SIZE        ELRANGE size, a power of two (default: the smallest\n"
		"                     that holds the image)\n"
		"  -o, --output FILE  where to write the stream (required)\n");
}

struct image {
	const u8 *buf;
	size_t len;
	const Elf64_Ehdr *eh;
	u64 tcs_start, tcs_end;
	u64 end;
};

static int bad(const char *path, const char *what)
{
	log_err("%s: %s", path, what);
	return EXIT_USAGE;
}

static int parse(const char *path, struct image *im)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(const void *)im->buf;
	const Elf64_Shdr *sh;
	const char *names;
	u64 i;

	if (im->len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return bad(path, "not an ELF file");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64)
		return bad(path, "not a 64-bit x86 ELF file");
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return bad(path, "not an executable ELF file");
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > im->len ||
	    (u64)eh->e_phnum * sizeof(Elf64_Phdr) > im->len - eh->e_phoff)
		return bad(path, "program headers out of bounds");
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > im->len ||
	    (u64)eh->e_shnum * sizeof(Elf64_Shdr) > im->len - eh->e_shoff ||
	    eh->e_shstrndx >= eh->e_shnum)
		return bad(path, "section headers out of bounds (the .tcs section is needed)");
	im->eh = eh;
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(const void *)(im->buf + eh->e_phoff) + i;

		if (ph->p_type == PT_DYNAMIC || ph->p_type == PT_INTERP)
			return bad(path, "dynamically linked; link the enclave statically");
	}
	sh = (const Elf64_Shdr *)(const void *)(im->buf + eh->e_shoff);
	if (sh[eh->e_shstrndx].sh_offset > im->len ||
	    sh[eh->e_shstrndx].sh_size > im->len - sh[eh->e_shstrndx].sh_offset)
		return bad(path, "section names out of bounds");
	names = (const char *)im->buf + sh[eh->e_shstrndx].sh_offset;
	for (i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_name >= sh[eh->e_shstrndx].sh_size)
			return bad(path, "section name out of bounds");
		if (!strncmp(names + sh[i].sh_name, ".tcs",
			     sh[eh->e_shstrndx].sh_size - sh[i].sh_name)) {
			im->tcs_start = sh[i].sh_addr;
			im->tcs_end = sh[i].sh_addr + sh[i].sh_size;
		}
	}
	if (im->tcs_end == im->tcs_start)
		return bad(path, "no .tcs section: an enclave needs at least one TCS");
	return EXIT_OK;
}

static const Elf64_Phdr *phdr(const struct image *im, u64 i)
{
	return (const Elf64_Phdr *)(const void *)(im->buf + im->eh->e_phoff) + i;
}

/* Validate the segments and find where the image ends. */
static int check_segments(const char *path, struct image *im)
{
	u64 i, prev_end = 0;
	char msg[160];

	for (i = 0; i < im->eh->e_phnum; i++) {
		const Elf64_Phdr *ph = phdr(im, i);

		if (ph->p_type != PT_LOAD)
			continue;
		snprintf(msg, sizeof(msg), "segment %llu at %#llx", (unsigned long long)i,
			 (unsigned long long)ph->p_vaddr);
		if (ph->p_vaddr % SGX_PAGE_SIZE || ph->p_offset % SGX_PAGE_SIZE) {
			strncat(msg, " is not page aligned", sizeof(msg) - strlen(msg) - 1);
			return bad(path, msg);
		}
		if (ph->p_filesz > ph->p_memsz || ph->p_offset > im->len ||
		    ph->p_filesz > im->len - ph->p_offset || ph->p_memsz > (1ULL << 40)) {
			strncat(msg, " is out of bounds", sizeof(msg) - strlen(msg) - 1);
			return bad(path, msg);
		}
		if (ph->p_vaddr < prev_end) {
			strncat(msg, " overlaps or is out of order", sizeof(msg) - strlen(msg) - 1);
			return bad(path, msg);
		}
		prev_end = ph->p_vaddr + align_up(ph->p_memsz, SGX_PAGE_SIZE);
	}
	if (!prev_end)
		return bad(path, "no loadable segments");
	im->end = prev_end;
	return EXIT_OK;
}

static void put_record(FILE *out, u64 tag, u64 a, u64 b)
{
	u8 rec[64] = { 0 };

	memcpy(rec, &tag, 8);
	memcpy(rec + 8, &a, 8);
	memcpy(rec + 16, &b, 8);
	fwrite(rec, 1, sizeof(rec), out);
}

static void put_ecreate(FILE *out, u32 ssaframesize, u64 size)
{
	struct sgx_measure_ecreate rec;

	memset(&rec, 0, sizeof(rec));
	rec.tag = SGX_MEASURE_ECREATE;
	rec.ssaframesize = ssaframesize;
	rec.size = size;
	fwrite(&rec, 1, sizeof(rec), out);
}

static void emit(FILE *out, const struct image *im)
{
	static u8 page[SGX_PAGE_SIZE];
	u64 i, off, c;

	for (i = 0; i < im->eh->e_phnum; i++) {
		const Elf64_Phdr *ph = phdr(im, i);
		u64 flags;

		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_vaddr < im->tcs_end && ph->p_vaddr + ph->p_memsz > im->tcs_start)
			flags = (u64)SGX_PT_TCS << SGX_SECINFO_PT_SHIFT;
		else
			flags = (u64)SGX_PT_REG << SGX_SECINFO_PT_SHIFT |
				((ph->p_flags & PF_R) ? SGX_SECINFO_R : 0) |
				((ph->p_flags & PF_W) ? SGX_SECINFO_W | SGX_SECINFO_R : 0) |
				((ph->p_flags & PF_X) ? SGX_SECINFO_X : 0);
		for (off = 0; off < ph->p_memsz; off += SGX_PAGE_SIZE) {
			memset(page, 0, sizeof(page));
			if (off < ph->p_filesz)
				memcpy(page, im->buf + ph->p_offset + off,
				       ph->p_filesz - off < SGX_PAGE_SIZE ? ph->p_filesz - off :
									    SGX_PAGE_SIZE);
			put_record(out, SGX_MEASURE_EADD, ph->p_vaddr + off, flags);
			for (c = 0; c < SGX_PAGE_SIZE; c += SGX_EEXTEND_CHUNK) {
				put_record(out, SGX_MEASURE_EEXTEND, ph->p_vaddr + off + c, 0);
				fwrite(page + c, 1, SGX_EEXTEND_CHUNK, out);
			}
		}
	}
}

int cmd_elf2sgxs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "ssaframesize", required_argument, NULL, 'S' },
		{ "size", required_argument, NULL, 'Z' },
		{ 0 },
	};
	const char *out_path = NULL, *in_path;
	struct image im = { 0 };
	u64 ssaframesize = 1, size = 0, n;
	char tmp[4200];
	u8 *buf = NULL;
	FILE *out;
	int opt, rc, err;

	while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'o':
			out_path = optarg;
			break;
		case 'S':
			if (cli_parse_u64(optarg, 1024, &ssaframesize) || !ssaframesize)
				return cli_bad_number("--ssaframesize", optarg, 1024);
			break;
		case 'Z':
			if (cli_parse_u64(optarg, 1ULL << 47, &size) || !is_power_of_2(size) ||
			    size < 2 * SGX_PAGE_SIZE) {
				log_err("--size '%s' is not a power of two from 8 KiB to 2^47", optarg);
				return EXIT_USAGE;
			}
			break;
		default:
			return cli_usage_error("elf2sgxs", "unknown option");
		}
	}
	if (!out_path)
		return cli_usage_error("elf2sgxs", "-o OUT.sgxs is required");
	if (argc - optind != 1)
		return cli_usage_error("elf2sgxs", "expected one ENCLAVE.elf");
	in_path = argv[optind];
	err = file_read_all(in_path, 1ULL << 31, &buf, &im.len);
	if (err) {
		log_err("%s: %s", in_path, strerror(-err));
		return EXIT_USAGE;
	}
	im.buf = buf;
	rc = parse(in_path, &im);
	if (!rc)
		rc = check_segments(in_path, &im);
	if (rc)
		goto out;
	for (n = 2 * SGX_PAGE_SIZE; n < im.end; n *= 2)
		;
	if (!size)
		size = n;
	if (size < im.end) {
		log_err("%s: the image needs %#llx bytes; --size %#llx is too small", in_path,
			(unsigned long long)im.end, (unsigned long long)size);
		rc = EXIT_USAGE;
		goto out;
	}
	/* Write a temporary file and rename it, so a failure leaves no half
	 * stream under the final name. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", out_path);
	out = fopen(tmp, "wb");
	if (!out) {
		log_err("%s: %s", tmp, strerror(errno));
		rc = EXIT_USAGE;
		goto out;
	}
	put_ecreate(out, (u32)ssaframesize, size);
	emit(out, &im);
	if (fclose(out) || rename(tmp, out_path)) {
		log_err("%s: %s", out_path, strerror(errno));
		remove(tmp);
		rc = EXIT_USAGE;
	}
out:
	free(buf);
	return rc;
}
