// SPDX-License-Identifier: MIT
/* The sgxemu CLI end to end: known answers, round trips, bad input. */
#include <elf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/build.h"
#include "base/file.h"
#include "harness.h"

struct run {
	int status;
	char out[16384];
	char err[4096];
};

/* Run sgxemu with a NULL-terminated argument list. */
static void run(struct run *r, ...)
{
	char *argv[32];
	va_list ap;
	int n = 0;

	argv[n++] = (char *)TEST_SGXEMU;
	va_start(ap, r);
	while ((argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	r->status = harness_run(argv, r->out, sizeof(r->out), r->err, sizeof(r->err));
}

static const char *vec(const char *rel)
{
	static char path[4][1024];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", harness_vectors(), rel);
	return path[i];
}

static const char *tmp(const char *name)
{
	static char path[4][1024];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", harness_tmpdir(), name);
	return path[i];
}

/* Copy a file, flipping one byte at @off (off < 0: no change). */
static void copy_flip(const char *from, const char *to, long off)
{
	size_t len;
	u8 *buf;

	ASSERT_EQ(file_read_all(from, 1 << 24, &buf, &len), 0);
	if (off >= 0)
		buf[off] ^= 0x01;
	ASSERT_EQ(file_write_atomic(to, buf, len, 0600, false), 0);
	free(buf);
}

#define TE_SGXS "fortanix-sgx-detect-test-enclave/test_enclave.sgxs"
#define TE_SIG "fortanix-sgx-detect-test-enclave/test_enclave.sig"
#define MRE "784acfd7d5096a8f0fbd3265760bff21b120f62407a9a9e5ba31aa3c8ed198fc"
#define MRS "fb4bab3d6036ac1d730fa83d7366df1dd2dfeac194ef335d6854d8a6c6475542"

TEST(cli, help)
{
	static const char *const cmds[] = { "measure", "sigstruct", "sign", "load" };
	struct run r;
	size_t i;

	run(&r, "--help", NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "usage: sgxemu COMMAND");
	for (i = 0; i < 4; i++) {
		run(&r, cmds[i], "--help", NULL);
		ASSERT_EQ(r.status, 0);
		ASSERT_STR_CONTAINS(r.out, "usage: sgxemu ");
		ASSERT_STR_CONTAINS(r.out, cmds[i]);
	}
	run(&r, NULL);
	ASSERT_EQ(r.status, 2);
	run(&r, "frobnicate", NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "unknown command 'frobnicate'");
	run(&r, "measure", "--bogus", NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "--help");
}

TEST(cli, measure_vector)
{
	struct run r;

	run(&r, "measure", vec(TE_SGXS), NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STREQ(r.out, MRE "\n");
}

TEST(cli, sigstruct_vector)
{
	struct run r;

	run(&r, "sigstruct", vec(TE_SIG), NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "mrsigner:      " MRS);
	ASSERT_STR_CONTAINS(r.out, "enclavehash:   " MRE);
	ASSERT_STR_CONTAINS(r.out, "isvprodid:     65535");
	ASSERT_STR_CONTAINS(r.out, "signature:     ok");
	ASSERT_STR_CONTAINS(r.out, "q1:            ok");
	ASSERT_STR_CONTAINS(r.out, "q2:            ok");
	run(&r, "sigstruct", vec("fortanix-sgxs-tools-sig1/sig1.sigstruct.bin"), NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out,
			    "mrsigner:      "
			    "83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e");
}

TEST(cli, sigstruct_tampered)
{
	struct run r;

	copy_flip(vec(TE_SIG), tmp("sig"), 600);
	run(&r, "sigstruct", tmp("sig"), NULL);
	ASSERT_EQ(r.status, 1);
	ASSERT_STR_CONTAINS(r.out, "signature:     FAILED");
	copy_flip(vec(TE_SIG), tmp("sig"), 1100);
	run(&r, "sigstruct", tmp("sig"), NULL);
	ASSERT_EQ(r.status, 1);
	ASSERT_STR_CONTAINS(r.out, "q1:            FAILED");
	ASSERT_STR_CONTAINS(r.out, "signature:     ok");
	run(&r, "sigstruct", vec(TE_SGXS), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "exactly 1808 bytes");
	run(&r, "sigstruct", tmp("missing"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "No such file");
}

TEST(cli, load_vector)
{
	struct run r;

	run(&r, "load", vec(TE_SGXS), vec(TE_SIG), NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STREQ(r.out, "MRENCLAVE: " MRE "\nMRSIGNER:  " MRS "\nEINIT: SUCCESS\n");
}

TEST(cli, load_launch_control)
{
	struct run r;

	run(&r, "load", "--lehash", "00000000000000000000000000000000000000000000000000000000000000ff",
	    vec(TE_SGXS), vec(TE_SIG), NULL);
	ASSERT_EQ(r.status, 1);
	ASSERT_STR_CONTAINS(r.out, "EINIT: SGX_INVALID_EINITTOKEN (16)\n");
	run(&r, "load", "--lehash", MRS, vec(TE_SGXS), vec(TE_SIG), NULL);
	ASSERT_EQ(r.status, 0);
	run(&r, "load", "--lehash", "xyz", vec(TE_SGXS), vec(TE_SIG), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "--lehash 'xyz' is not a SHA-256 hash: give 64 hex digits");
}

/* A measured byte changed in the image: SGX_INVALID_MEASUREMENT. */
TEST(cli, load_changed_measured_byte)
{
	struct run r;

	/* Byte 64 + 64 + 10 is inside the first EEXTEND's data. */
	copy_flip(vec(TE_SGXS), tmp("x.sgxs"), 64 + 64 + 64 + 10);
	run(&r, "load", tmp("x.sgxs"), vec(TE_SIG), NULL);
	ASSERT_EQ(r.status, 1);
	ASSERT_STR_CONTAINS(r.out, "EINIT: SGX_INVALID_MEASUREMENT (4)\n");
}

TEST(cli, load_tampered_sigstruct)
{
	struct run r;

	copy_flip(vec(TE_SIG), tmp("sig"), 520);
	run(&r, "load", vec(TE_SGXS), tmp("sig"), NULL);
	ASSERT_EQ(r.status, 1);
	ASSERT_STR_CONTAINS(r.out, "EINIT: SGX_INVALID_SIGNATURE (8)\n");
	copy_flip(vec(TE_SIG), tmp("sig"), 1);
	run(&r, "load", vec(TE_SGXS), tmp("sig"), NULL);
	ASSERT_EQ(r.status, 1);
	ASSERT_STR_CONTAINS(r.out, "EINIT: SGX_INVALID_SIG_STRUCT (1)\n");
}

TEST(cli, sign_then_load)
{
	struct run r;

	run(&r, "sign", "--key", TEST_DATA "/signing-key.pem", "--isvprodid", "0x1234",
	    "--isvsvn", "9", "--date", "20260101", vec(TE_SGXS), "-o", tmp("s.sig"), NULL);
	ASSERT_EQ(r.status, 0);
	run(&r, "sigstruct", tmp("s.sig"), NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "isvprodid:     4660");
	ASSERT_STR_CONTAINS(r.out, "isvsvn:        9");
	ASSERT_STR_CONTAINS(r.out, "date:          2026-01-01");
	ASSERT_STR_CONTAINS(r.out, "enclavehash:   " MRE);
	run(&r, "load", vec(TE_SGXS), tmp("s.sig"), NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "EINIT: SUCCESS");
	/* Signed for another image: the measurement does not match. */
	copy_flip(vec(TE_SGXS), tmp("x.sgxs"), 64 + 64 + 64 + 10);
	run(&r, "load", tmp("x.sgxs"), tmp("s.sig"), NULL);
	ASSERT_EQ(r.status, 1);
	ASSERT_STR_CONTAINS(r.out, "SGX_INVALID_MEASUREMENT");
}

TEST(cli, sign_debug)
{
	struct run r;

	run(&r, "sign", "--key", TEST_DATA "/signing-key.pem", "--debug", vec(TE_SGXS), "-o",
	    tmp("d.sig"), NULL);
	ASSERT_EQ(r.status, 0);
	run(&r, "sigstruct", tmp("d.sig"), NULL);
	ASSERT_STR_CONTAINS(r.out, "attributes:    flags 0x0000000000000006");
	run(&r, "load", vec(TE_SGXS), tmp("d.sig"), NULL);
	ASSERT_EQ(r.status, 0);
}

TEST(cli, sign_bad_input)
{
	struct run r;
	size_t len;
	u8 *buf;

	/* An existing output survives a failed signing untouched. */
	ASSERT_EQ(file_write_atomic(tmp("keep.sig"), "precious", 8, 0600, false), 0);
	run(&r, "sign", "--key", TEST_DATA "/rsa2048-key.pem", vec(TE_SGXS), "-o",
	    tmp("keep.sig"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "rsa2048-key.pem: RSA modulus is 2048 bits; SGX needs 3072");
	ASSERT_EQ(file_read_all(tmp("keep.sig"), 100, &buf, &len), 0);
	ASSERT_EQ(len, 8);
	ASSERT_MEMEQ(buf, "precious", 8);
	free(buf);
	run(&r, "sign", "--key", TEST_DATA "/rsa3072-e65537-key.pem", vec(TE_SGXS), "-o",
	    tmp("x.sig"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "exponent is not 3");
	run(&r, "sign", "--key", TEST_DATA "/signing-key.pem", "--isvprodid", "70000",
	    vec(TE_SGXS), "-o", tmp("x.sig"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "--isvprodid '70000' is not a number from 0 to 65535");
	run(&r, "sign", "--key", TEST_DATA "/signing-key.pem", "--date", "20261301",
	    vec(TE_SGXS), "-o", tmp("x.sig"), NULL);
	ASSERT_EQ(r.status, 2);
	run(&r, "sign", vec(TE_SGXS), "-o", tmp("x.sig"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "--key KEY.pem is required");
	run(&r, "sign", "--key", TEST_DATA "/signing-key.pem", "--attributes", "1",
	    vec(TE_SGXS), "-o", tmp("x.sig"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "INIT");
}

TEST(cli, malformed_sgxs)
{
	struct run r;
	size_t len;
	u8 *buf;

	ASSERT_EQ(file_read_all(vec(TE_SGXS), 1 << 20, &buf, &len), 0);
	ASSERT_EQ(file_write_atomic(tmp("t.sgxs"), buf, len - 100, 0600, false), 0);
	run(&r, "measure", tmp("t.sgxs"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "t.sgxs: record");
	ASSERT_STR_CONTAINS(r.err, "truncated");
	run(&r, "load", tmp("t.sgxs"), vec(TE_SIG), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "truncated");
	run(&r, "sign", "--key", TEST_DATA "/signing-key.pem", tmp("t.sgxs"), "-o", tmp("x.sig"),
	    NULL);
	ASSERT_EQ(r.status, 2);
	/* An unknown tag in the second record. */
	memcpy(buf + 64, "BOGUSTAG", 8);
	ASSERT_EQ(file_write_atomic(tmp("u.sgxs"), buf, len, 0600, false), 0);
	run(&r, "measure", tmp("u.sgxs"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "record 1 at byte 64: unknown tag 'BOGUSTAG'");
	free(buf);
	run(&r, "measure", TEST_DATA, NULL);
	ASSERT_EQ(r.status, 2);
}

TEST(cli, elf2sgxs_round_trip)
{
	struct run r;

	run(&r, "elf2sgxs", TEST_ENCLAVES "/test_enclave_a.elf", "-o", tmp("a.sgxs"), NULL);
	ASSERT_EQ(r.status, 0);
	run(&r, "measure", tmp("a.sgxs"), NULL);
	ASSERT_EQ(r.status, 0);
	run(&r, "load", tmp("a.sgxs"), TEST_ENCLAVES "/test_enclave_a.sig", NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "EINIT: SUCCESS");
	/* A larger ELRANGE is another enclave (SIZE is measured). */
	run(&r, "elf2sgxs", "--size", "0x200000", TEST_ENCLAVES "/test_enclave_a.elf", "-o",
	    tmp("b.sgxs"), NULL);
	ASSERT_EQ(r.status, 0);
	run(&r, "load", tmp("b.sgxs"), TEST_ENCLAVES "/test_enclave_a.sig", NULL);
	ASSERT_EQ(r.status, 1);
	ASSERT_STR_CONTAINS(r.out, "SGX_INVALID_MEASUREMENT");
}

TEST(cli, elf2sgxs_bad_input)
{
	struct run r;
	size_t len;
	u8 *buf;

	run(&r, "elf2sgxs", TEST_DATA "/signing-key.pem", "-o", tmp("x.sgxs"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "not an ELF file");
	ASSERT_EQ(file_read_all(TEST_ENCLAVES "/test_enclave_a.elf", 1 << 24, &buf, &len), 0);
	/* Truncated: the program headers are still there, the segments not. */
	ASSERT_EQ(file_write_atomic(tmp("t.elf"), buf, 2048, 0600, false), 0);
	run(&r, "elf2sgxs", tmp("t.elf"), "-o", tmp("x.sgxs"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "out of bounds");
	run(&r, "elf2sgxs", "--size", "0x3000", TEST_ENCLAVES "/test_enclave_a.elf", "-o",
	    tmp("x.sgxs"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "not a power of two");
	run(&r, "elf2sgxs", "--size", "0x4000", TEST_ENCLAVES "/test_enclave_a.elf", "-o",
	    tmp("x.sgxs"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "too small");
	free(buf);
	run(&r, "elf2sgxs", TEST_HELLO, "-o", tmp("x.sgxs"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "dynamically linked");
}

/* The test enclave with program header @i changed by @edit. */
static void elf_edit(const char *to, unsigned int i, void (*edit)(Elf64_Phdr *ph))
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	size_t len;
	u8 *buf;

	ASSERT_EQ(file_read_all(TEST_ENCLAVES "/test_enclave_a.elf", 1 << 24, &buf, &len), 0);
	memcpy(&eh, buf, sizeof(eh));
	ASSERT_LT(i, eh.e_phnum);
	memcpy(&ph, buf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
	edit(&ph);
	memcpy(buf + eh.e_phoff + i * sizeof(ph), &ph, sizeof(ph));
	ASSERT_EQ(file_write_atomic(to, buf, len, 0600, false), 0);
	free(buf);
}

static void at_2_63(Elf64_Phdr *ph)
{
	ph->p_vaddr = 1ULL << 63;
}

static void wraps(Elf64_Phdr *ph)
{
	ph->p_vaddr = 0xfffffffffffff000ULL;
}

static void memsz_2_40(Elf64_Phdr *ph)
{
	ph->p_memsz = 1ULL << 40;
}

static void memsz_max(Elf64_Phdr *ph)
{
	ph->p_memsz = ~0ULL;
}

/* elf2sgxs under hostile input: no hang, no runaway output, nothing it
 * writes that measure would refuse.  The limits turn a hang or a runaway
 * file into a failure instead of a stuck or full machine. */
TEST(cli, elf2sgxs_hostile_segments)
{
	struct rlimit cpu = { 20, 20 }, fsize = { 64 << 20, 64 << 20 };
	struct stat st;
	struct run r;

	ASSERT_EQ(setrlimit(RLIMIT_CPU, &cpu), 0);
	ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &fsize), 0);
	/* A PT_LOAD at 2^63: the size loop used to overflow and spin. */
	elf_edit(tmp("a.elf"), 2, at_2_63);
	run(&r, "elf2sgxs", tmp("a.elf"), "-o", tmp("a.sgxs"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "a.elf: segment 2 at 0x8000000000000000 ends at");
	ASSERT_STR_CONTAINS(r.err, "past the largest image elf2sgxs lays out (0x800000000 bytes");
	/* Addresses that wrap used to give a stream measure refuses. */
	elf_edit(tmp("w.elf"), 2, wraps);
	run(&r, "elf2sgxs", tmp("w.elf"), "-o", tmp("w.sgxs"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "segment 2 at 0xfffffffffffff000 wraps around the address space");
	elf_edit(tmp("m.elf"), 2, memsz_max);
	run(&r, "elf2sgxs", tmp("m.elf"), "-o", tmp("m.sgxs"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "wraps around the address space");
	/* p_memsz of 2^40 used to write 1.3 TB; refused before any byte. */
	elf_edit(tmp("big.elf"), 2, memsz_2_40);
	run(&r, "elf2sgxs", tmp("big.elf"), "-o", tmp("big.sgxs"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "past the largest image elf2sgxs lays out");
	ASSERT_NE(stat(tmp("big.sgxs"), &st), 0);
	ASSERT_NE(stat(tmp("big.sgxs.tmp"), &st), 0);
	/* --size (ELRANGE, which costs the .sgxs nothing) by the platform's
	 * largest enclave, below 2^47. */
	run(&r, "elf2sgxs", "--size", "128T", TEST_ENCLAVES "/test_enclave_a.elf", "-o",
	    tmp("x.sgxs"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "--size '128T' is not a size from 8K to 64T");
	run(&r, "elf2sgxs", "--size", "64T", TEST_ENCLAVES "/test_enclave_a.elf", "-o",
	    tmp("x.sgxs"), NULL);
	ASSERT_EQ(r.status, 0);
	run(&r, "elf2sgxs", "--ssaframesize", "4294967297", TEST_ENCLAVES "/test_enclave_a.elf",
	    "-o", tmp("x.sgxs"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "--ssaframesize '4294967297' is not a number from 1 to 1024");
}

/* Program and section headers at odd offsets are read in place, without
 * unaligned loads (UBSan's -fsanitize=alignment aborted here). */
TEST(cli, elf2sgxs_unaligned_headers)
{
	Elf64_Ehdr eh;
	struct run r;
	char mre[65];
	size_t len, shlen;
	u8 *buf, *big;

	run(&r, "elf2sgxs", TEST_ENCLAVES "/test_enclave_a.elf", "-o", tmp("a.sgxs"), NULL);
	ASSERT_EQ(r.status, 0);
	run(&r, "measure", tmp("a.sgxs"), NULL);
	ASSERT_EQ(r.status, 0);
	memcpy(mre, r.out, 64);
	mre[64] = '\0';
	ASSERT_EQ(file_read_all(TEST_ENCLAVES "/test_enclave_a.elf", 1 << 24, &buf, &len), 0);
	memcpy(&eh, buf, sizeof(eh));
	/* Program headers moved to 0x101 (padding before the first segment at
	 * 0x1000), section headers appended at an odd offset. */
	ASSERT_LT(0x101 + eh.e_phnum * sizeof(Elf64_Phdr), 0x1000);
	memmove(buf + 0x101, buf + eh.e_phoff, eh.e_phnum * sizeof(Elf64_Phdr));
	eh.e_phoff = 0x101;
	shlen = eh.e_shnum * sizeof(Elf64_Shdr);
	big = malloc(len + 3 + shlen);
	memcpy(big, buf, len);
	memcpy(big + len + 3, buf + eh.e_shoff, shlen);
	eh.e_shoff = len + 3;
	memcpy(big, &eh, sizeof(eh));
	ASSERT_EQ(file_write_atomic(tmp("u.elf"), big, len + 3 + shlen, 0600, false), 0);
	free(big);
	free(buf);
	run(&r, "elf2sgxs", tmp("u.elf"), "-o", tmp("u.sgxs"), NULL);
	ASSERT_EQ(r.status, 0);
	run(&r, "measure", tmp("u.sgxs"), NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, mre);
}

/* OUT.tmp is created beside the output, never opened: a planted symbolic
 * link there is not followed, and the file it points to is left alone. */
TEST(cli, elf2sgxs_planted_tmp)
{
	struct stat st;
	struct run r;
	size_t len;
	u8 *buf;

	ASSERT_EQ(file_write_atomic(tmp("victim"), "precious", 8, 0600, false), 0);
	ASSERT_EQ(symlink(tmp("victim"), tmp("out.sgxs.tmp")), 0);
	run(&r, "elf2sgxs", TEST_ENCLAVES "/test_enclave_a.elf", "-o", tmp("out.sgxs"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "out.sgxs.tmp already exists");
	ASSERT_EQ(file_read_all(tmp("victim"), 100, &buf, &len), 0);
	ASSERT_EQ(len, 8);
	ASSERT_MEMEQ(buf, "precious", 8);
	free(buf);
	ASSERT_EQ(lstat(tmp("out.sgxs.tmp"), &st), 0);
	ASSERT_TRUE(S_ISLNK(st.st_mode));
	ASSERT_NE(lstat(tmp("out.sgxs"), &st), 0);
	/* Without it: the output has the mode the umask gives, no OUT.tmp left. */
	ASSERT_EQ(unlink(tmp("out.sgxs.tmp")), 0);
	umask(027);
	run(&r, "elf2sgxs", TEST_ENCLAVES "/test_enclave_a.elf", "-o", tmp("out.sgxs"), NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_EQ(lstat(tmp("out.sgxs"), &st), 0);
	ASSERT_TRUE(S_ISREG(st.st_mode));
	ASSERT_EQ(st.st_mode & 0777, 0640);
	ASSERT_NE(lstat(tmp("out.sgxs.tmp"), &st), 0);
}

/* Every command that reads a file refuses one that is not regular with
 * one line, at once: `sgxemu sigstruct FIFO` used to wait for a writer. */
TEST(cli, input_not_regular)
{
	static const char *const key = TEST_DATA "/signing-key.pem";
	struct rlimit cpu = { 20, 20 };
	struct run r;

	ASSERT_EQ(setrlimit(RLIMIT_CPU, &cpu), 0);
	ASSERT_EQ(mkfifo(tmp("fifo"), 0600), 0);
	run(&r, "sigstruct", tmp("fifo"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "fifo: not a regular file");
	run(&r, "measure", tmp("fifo"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "fifo: not a regular file");
	run(&r, "load", vec(TE_SGXS), tmp("fifo"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "fifo: not a regular file");
	run(&r, "load", "--token", tmp("fifo"), vec(TE_SGXS), vec(TE_SIG), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "fifo: not a regular file");
	run(&r, "elf2sgxs", tmp("fifo"), "-o", tmp("x.sgxs"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "fifo: not a regular file");
	run(&r, "sign", "--key", tmp("fifo"), vec(TE_SGXS), "-o", tmp("x.sig"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "fifo: not a regular file");
	run(&r, "sign", "--key", key, tmp("fifo"), "-o", tmp("x.sig"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "fifo: not a regular file");
	run(&r, "sigstruct", "/dev/null", NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "/dev/null: not a regular file");
	run(&r, "sigstruct", TEST_DATA, NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "Is a directory");
}

TEST(cli, info)
{
	struct run r;

	run(&r, "info", "--epc", "8M", NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "EPC 8192 KiB (2048 pages)");
	ASSERT_STR_CONTAINS(r.out, "SGX yes, SGX_LC yes");
	ASSERT_STR_CONTAINS(r.out, "SGX1 yes, SGX2 yes");
	ASSERT_STR_CONTAINS(r.out, "paging:       ");
	/* CPUID.(12H,2): the one EPC section, 8 MiB. */
	ASSERT_STR_CONTAINS(r.out, "ecx=0x00800001");
	/* The reset value of IA32_SGXLEPUBKEYHASH: Intel's launch key hash. */
	ASSERT_STR_CONTAINS(r.out,
			    "lepubkeyhash acb77012053e05a63d413b8bbae8fb6c5d73b3f2996d91c43bbbf90959c0f8d4");
	run(&r, "info", "--no-sgx2", NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "SGX1 yes, SGX2 no");
	/* SGX1, EDECCSSA (AEX-Notify) and the oversubscription extensions
	 * (bits 5 and 6). */
	ASSERT_STR_CONTAINS(r.out, "cpuid 12.0:   eax=0x00000861");
	ASSERT_STR_CONTAINS(r.out, "oversubscription (ENCLV, ERDINFO) yes");
	setenv("SGXEMU_SGX2", "0", 1);
	run(&r, "info", NULL);
	ASSERT_STR_CONTAINS(r.out, "SGX1 yes, SGX2 no");
	setenv("SGXEMU_SGX2", "maybe", 1);
	run(&r, "info", NULL);
	unsetenv("SGXEMU_SGX2");
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "SGXEMU_SGX2='maybe' is not a boolean");
	/* AEX-Notify: on by default, off as on a processor without it. */
	run(&r, "info", NULL);
	ASSERT_STR_CONTAINS(r.out, "EDECCSSA yes");
	ASSERT_STR_CONTAINS(r.out, "AEX-Notify:   yes");
	run(&r, "info", "--no-aexnotify", NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "SGX1 yes, SGX2 yes, EDECCSSA no");
	ASSERT_STR_CONTAINS(r.out, "AEX-Notify:   no");
	ASSERT_STR_CONTAINS(r.out, "cpuid 12.0:   eax=0x00000063");
	setenv("SGXEMU_AEXNOTIFY", "0", 1);
	run(&r, "info", NULL);
	ASSERT_STR_CONTAINS(r.out, "AEX-Notify:   no");
	run(&r, "info", "--aexnotify", NULL);
	ASSERT_STR_CONTAINS(r.out, "AEX-Notify:   yes");
	setenv("SGXEMU_AEXNOTIFY", "maybe", 1);
	run(&r, "info", NULL);
	unsetenv("SGXEMU_AEXNOTIFY");
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "SGXEMU_AEXNOTIFY='maybe' is not a boolean");
	run(&r, "info", "--epc", "lots", NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "--epc 'lots' is not a size");
	run(&r, "info", "--epc", "12345", NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "--epc '12345' is not a size from 64K to 64G, a multiple of 4K");
}

/* One bad value, one line naming it and what it should be, exit status 2:
 * the same parser for an option and for the environment, and no fallback. */
static void bad_env(const char *name, const char *value, const char *cmd, const char *line)
{
	struct run r;

	setenv(name, value, 1);
	if (!strcmp(cmd, "info"))
		run(&r, "info", NULL);
	else
		run(&r, cmd, "--", "/bin/true", NULL);
	unsetenv(name);
	if (r.status != 2 || !strstr(r.err, line) || strchr(r.err, '\n') != r.err + strlen(r.err) - 1)
		harness_fail(__FILE__, __LINE__, "%s=%s sgxemu %s: status %d, stderr: %s", name, value,
			     cmd, r.status, r.err);
}

TEST(cli, environment_values)
{
	struct run r;

	bad_env("SGXEMU_NR_LPS", "4294967297", "run",
		"sgxemu run: error: SGXEMU_NR_LPS='4294967297' is not a number from 1 to 256");
	bad_env("SGXEMU_NR_LPS", "4294967297", "info", "SGXEMU_NR_LPS='4294967297'");
	bad_env("SGXEMU_NR_LPS", "4294967297", "stat", "SGXEMU_NR_LPS='4294967297'");
	bad_env("SGXEMU_EPC_SIZE", "lots", "run", "SGXEMU_EPC_SIZE='lots' is not a size from 64K to 64G");
	bad_env("SGXEMU_EPC_SIZE", "12345", "info", "SGXEMU_EPC_SIZE='12345' is not a size");
	bad_env("SGXEMU_SGX2", "maybe", "run", "SGXEMU_SGX2='maybe' is not a boolean");
	bad_env("SGXEMU_CPUID", "of", "run", "SGXEMU_CPUID='of' is not a boolean");
	bad_env("SGXEMU_SECCOMP", "0ff", "run", "SGXEMU_SECCOMP='0ff' is not a boolean");
	bad_env("SGXEMU_SUD", "disabled", "run", "SGXEMU_SUD='disabled' is not a boolean");
	bad_env("SGXEMU_LC", "allow=xyz", "run", "SGXEMU_LC='allow=xyz': launch policy: 'xyz' is not a SHA-256 hash");
	bad_env("SGXEMU_HOST_LC", "deny-all", "run", "SGXEMU_HOST_LC='deny-all'");
	bad_env("SGXEMU_VM", "epc=4Q", "run", "SGXEMU_VM='epc=4Q'");
	setenv("SGXEMU_NR_LPS", "3", 1);
	run(&r, "info", NULL);
	unsetenv("SGXEMU_NR_LPS");
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "platform:     3 logical processors");
	setenv("SGXEMU_EPC_SIZE", "256M", 1);
	run(&r, "info", NULL);
	unsetenv("SGXEMU_EPC_SIZE");
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "EPC 262144 KiB");
}

/* `SGXEMU_EPC_SIZE=256M sgxemu run` used to print "not a number; using 0"
 * and run with 128 MiB; the shim reads the environment with the same
 * parsers, and stops a program it was preloaded into on a bad value. */
TEST(cli, environment_under_the_shim)
{
	char *argv[] = { (char *)TEST_SGXEMU, (char *)"run", (char *)"--",
			 (char *)TEST_PROGS "/cpuid_prog", NULL };
	char *direct[] = { (char *)TEST_PROGS "/cpuid_prog", NULL };
	struct run r;

	setenv("SGXEMU_EPC_SIZE", "256M", 1);
	r.status = harness_run(argv, r.out, sizeof(r.out), r.err, sizeof(r.err));
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "epc=268435456");
	ASSERT_TRUE(strstr(r.err, "not a number") == NULL);
	unsetenv("SGXEMU_EPC_SIZE");
	/* Preloaded without `sgxemu run`, which checks first. */
	setenv("SGXEMU_NR_LPS", "4294967297", 1);
	/* (A sanitizer's runtime comes first, as `sgxemu run` puts it.) */
	setenv("LD_PRELOAD", *SGXEMU_SANITIZER_RUNTIME ? SGXEMU_SANITIZER_RUNTIME ":" TEST_PRELOAD
						       : TEST_PRELOAD, 1);
	r.status = harness_run(direct, r.out, sizeof(r.out), r.err, sizeof(r.err));
	unsetenv("LD_PRELOAD");
	unsetenv("SGXEMU_NR_LPS");
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "sgxemu: error: SGXEMU_NR_LPS='4294967297' is not a number from 1 to 256");
	ASSERT_TRUE(strstr(r.out, "sgx=") == NULL);
}

/* Options: masks and numbers by the shared parsers, sizes with units. */
TEST(cli, option_values)
{
	struct run r;

	run(&r, "sign", "--key", TEST_DATA "/signing-key.pem", "--xfrm", " -1", vec(TE_SGXS), "-o",
	    tmp("x.sig"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "--xfrm ' -1' is not a 64-bit mask");
	run(&r, "sign", "--key", TEST_DATA "/signing-key.pem", "--miscselect", "0x100000000",
	    vec(TE_SGXS), "-o", tmp("x.sig"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "--miscselect '0x100000000' is not a 32-bit mask");
	run(&r, "sign", "--key", TEST_DATA "/signing-key.pem", "--isvsvn", "4294967297",
	    vec(TE_SGXS), "-o", tmp("x.sig"), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "--isvsvn '4294967297' is not a number from 0 to 65535");
	setenv("SOURCE_DATE_EPOCH", "yesterday", 1);
	run(&r, "sign", "--key", TEST_DATA "/signing-key.pem", vec(TE_SGXS), "-o", tmp("x.sig"),
	    NULL);
	unsetenv("SOURCE_DATE_EPOCH");
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "SOURCE_DATE_EPOCH='yesterday' is not a number");
	setenv("SOURCE_DATE_EPOCH", "1767225600", 1);
	run(&r, "sign", "--key", TEST_DATA "/signing-key.pem", "--xfrm", "0x3", vec(TE_SGXS), "-o",
	    tmp("x.sig"), NULL);
	unsetenv("SOURCE_DATE_EPOCH");
	ASSERT_EQ(r.status, 0);
	run(&r, "sigstruct", tmp("x.sig"), NULL);
	ASSERT_STR_CONTAINS(r.out, "date:          2026-01-01");
	/* A size with a unit, as --epc takes everywhere. */
	run(&r, "load", "--epc", "256M", vec(TE_SGXS), vec(TE_SIG), NULL);
	ASSERT_EQ(r.status, 0);
	run(&r, "load", "--epc", "1T", vec(TE_SGXS), vec(TE_SIG), NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "--epc '1T' is not a size from 64K to 64G");
	run(&r, "vm", "--host-epc", "0x", "--sgx", "epc=1M", "--", "/bin/true", NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "--host-epc '0x' is not a size");
	run(&r, "vm", "--sgx", "epc=1M,lehash=xyz", "--", "/bin/true", NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "lehash='xyz' is not a SHA-256 hash");
}

TEST(cli, run_options)
{
	struct run r;

	run(&r, "run", "--sgx2", "--", "/bin/true", NULL);
	ASSERT_EQ(r.status, 0);
	run(&r, "run", "--no-sgx2", "--", "/bin/true", NULL);
	ASSERT_EQ(r.status, 0);
	run(&r, "run", "--no-aexnotify", "--", "/bin/true", NULL);
	ASSERT_EQ(r.status, 0);
	run(&r, "run", "--epc", "3", "--", "/bin/true", NULL);
	ASSERT_EQ(r.status, 2);
	run(&r, "run", NULL);
	ASSERT_EQ(r.status, 2);
	ASSERT_STR_CONTAINS(r.err, "expected a program");
	run(&r, "run", "--", "/nonexistent/program", NULL);
	ASSERT_EQ(r.status, 127);
}

/* Under the shim the device nodes exist, as character devices, for any
 * program that asks the C library. */
TEST(cli, run_shows_devices)
{
	struct run r;

	run(&r, "run", "--", "/bin/ls", "-l", "/dev/sgx_enclave", "/dev/sgx_provision", "/dev/sgx",
	    NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "crw------- 1 root root 10, 125");
	ASSERT_STR_CONTAINS(r.out, "/dev/sgx_enclave");
	ASSERT_STR_CONTAINS(r.out, "10, 126");
	ASSERT_STR_CONTAINS(r.out, "10, 124");
	/* Children the program forks and execs get the shim too. */
	run(&r, "run", "--", "/bin/sh", "-c", "ls -l /dev/sgx_enclave && echo done", NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR_CONTAINS(r.out, "crw------- 1 root root 10, 125");
	ASSERT_STR_CONTAINS(r.out, "done");
}

/* A program linked with libsgxemu under `sgxemu run` would have two
 * emulators claim its signals (it crashed): one line says what to do. */
TEST(cli, run_a_libsgxemu_program)
{
	struct run r;

	setenv("SGXEMU_NOTES", "off", 1);
	run(&r, "run", "--", TEST_HELLO, NULL);
	unsetenv("SGXEMU_NOTES");
	ASSERT_EQ(r.status, 1);
	ASSERT_STR_CONTAINS(r.err, "is linked with libsgxemu, which emulates SGX itself: run it "
				   "directly");
}
