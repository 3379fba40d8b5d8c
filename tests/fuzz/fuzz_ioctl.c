// SPDX-License-Identifier: MIT
/*
 * The enclave ioctls' argument checks, through the public entry only
 * (sgxemu_open, sgxemu_ioctl, sgxemu_close), so the driver can change
 * under it.  Each input is one enclave fd and up to 16 ioctls.
 *
 * Input: the first ARENA bytes are user memory the arguments point into;
 * then 65-byte records: an operation byte and 64 bytes of argument.  A
 * pointer field below ARENA is an offset into the arena; a null-page or
 * non-canonical value is passed as it is (EFAULT); anything else is folded
 * into the arena, so every run reads the same memory.
 */
#include <asm/sgx.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz.h"
#include "sgxemu/sgxemu.h"

#define ARENA (4 * 4096)
#define RECORD 65
#define MAX_IOCTLS 16

static struct sgxemu_platform *plat;
static int provision_fd = -1;
static u8 *arena;

static void setup(void)
{
	struct sgxemu_platform_options o = { 0 };

	fuzz_private_state();
	o.epc_size = 1 << 20;
	o.nr_lps = 1;
	/* Small enclaves: the driver's page array is sized by SIZE. */
	o.max_enclave_size_log2 = 24;
	if (sgxemu_platform_create(&o, &plat))
		abort();
	provision_fd = sgxemu_open(plat, "/dev/sgx_provision", O_RDWR);
	/* The arena with a guard page after it: reads past it fault. */
	arena = mmap(NULL, ARENA + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	if (arena == MAP_FAILED || provision_fd < 0 || mprotect(arena + ARENA, 4096, PROT_NONE))
		abort();
}

static u64 ptr(u64 v)
{
	if (v < ARENA)
		return (u64)(uintptr_t)arena + v;
	if (v < 4096 || v >= 1ULL << 47)
		return v;
	return (u64)(uintptr_t)arena + v % ARENA;
}

static const unsigned long cmds[] = {
	SGX_IOC_ENCLAVE_CREATE,	     SGX_IOC_ENCLAVE_ADD_PAGES,
	SGX_IOC_ENCLAVE_INIT,	     SGX_IOC_ENCLAVE_PROVISION,
	SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, SGX_IOC_ENCLAVE_MODIFY_TYPES,
	SGX_IOC_ENCLAVE_REMOVE_PAGES,
};

static void one(int fd, const u8 *rec)
{
	u8 op = rec[0];
	u64 arg[8];
	u32 raw;

	memcpy(arg, rec + 1, sizeof(arg));
	switch (op % 10) {
	case 0: /* struct sgx_enclave_create { src } */
		arg[0] = ptr(arg[0]);
		break;
	case 1: /* struct sgx_enclave_add_pages { src, offset, length, secinfo, flags, count } */
		arg[0] = ptr(arg[0]);
		arg[3] = ptr(arg[3]);
		break;
	case 2: /* struct sgx_enclave_init { sigstruct } */
		arg[0] = ptr(arg[0]);
		break;
	case 3: /* struct sgx_enclave_provision { fd } */
		if (arg[0] & 1)
			arg[0] = (u64)provision_fd;
		break;
	case 7: /* an unknown or mistyped command, the argument in the arena */
		memcpy(&raw, rec + 1, sizeof(raw));
		sgxemu_ioctl(fd, raw | (op & 0x80 ? 0xa400 : 0), (unsigned long)ptr(arg[1]));
		return;
	case 8: /* a bad argument pointer */
	case 9:
		sgxemu_ioctl(fd, cmds[arg[0] % 7], (unsigned long)(op & 0x80 ? 1ULL << 63 : 8));
		return;
	default: /* restrict, modify types, remove: no pointers */
		break;
	}
	sgxemu_ioctl(fd, cmds[op % 10], (unsigned long)(uintptr_t)arg);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t len)
{
	size_t n = len < ARENA ? len : ARENA, i;
	int fd;

	if (!plat)
		setup();
	memset(arena, 0, ARENA);
	memcpy(arena, data, n);
	fd = sgxemu_open(plat, "/dev/sgx_enclave", O_RDWR);
	if (fd < 0)
		abort();
	for (i = 0; i < MAX_IOCTLS && n + RECORD <= len; i++, n += RECORD)
		one(fd, data + n);
	if (sgxemu_close(fd))
		abort();
	return 0;
}
