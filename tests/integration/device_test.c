// SPDX-License-Identifier: MIT
/*
 * The Linux uAPI through libsgxemu's device files, in the order Linux's
 * selftests use it, and every errno the driver returns for bad input.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "dev_fixture.h"
#include "sgxemu/sgx_seed.h"


/* The selftests' sequence: probe mmaps, CREATE, ADD_PAGES, INIT, mmap the
 * pages MAP_FIXED, and enter through the vDSO ABI. */
TEST(device, selftest_flow)
{
	struct encl_op op = { .type = ENCL_OP_PUT, .a = 0x5a5a };
	struct sgx_enclave_run run;
	static struct dev d;
	u64 tcs;
	void *m;

	dev_open(&d);
	ASSERT_EQ(sgxemu_mmap(NULL, 4096, PROT_READ, MAP_SHARED, d.fd, 0, &m), 0);
	ASSERT_EQ(sgxemu_munmap(m, 4096), 0);
	ASSERT_EQ(sgxemu_mmap(NULL, 4096, PROT_EXEC, MAP_SHARED, d.fd, 0, &m), 0);
	ASSERT_EQ(sgxemu_munmap(m, 4096), 0);
	dev_build(&d);
	dev_map_image(&d);
	tcs = d.tcs[0];
	memset(&run, 0, sizeof(run));
	run.tcs = tcs;
	ASSERT_EQ(sgxemu_enter_enclave((unsigned long)&op, 0, 0, 2, 0, 0, &run), 0);
	ASSERT_EQ(run.function, 4);
	op.type = ENCL_OP_GET;
	ASSERT_EQ(sgxemu_enter_enclave((unsigned long)&op, 0, 0, 2, 0, 0, &run), 0);
	ASSERT_EQ(op.r0, 0x5a5a);
	/* munmap: the processor no longer finds the TCS. */
	ASSERT_EQ(sgxemu_munmap((void *)(uintptr_t)tcs, 4096), 0);
	ASSERT_EQ(sgxemu_enter_enclave((unsigned long)&op, 0, 0, 2, 0, 0, &run), 0);
	ASSERT_EQ(run.function, 2);
	ASSERT_EQ(run.exception_vector, 14);
	ASSERT_EQ(sgxemu_close(d.fd), 0);
	ASSERT_EQ(sgxemu_close(d.fd), -EBADF);
}

TEST(device, create_errors)
{
	struct sgx_enclave_create c = { .src = 16 };
	static struct dev d;

	dev_open(&d);
	dev_secs(&d);
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_CREATE, 8), -EFAULT);
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_CREATE, (unsigned long)&c), -EFAULT);
	d.secs.size = 0x30000;
	ASSERT_EQ(dev_create(&d), -EINVAL);
	/* The processor rejects the SECS (XFRM without x87/SSE). */
	d.secs.size = d.s.size;
	d.secs.attributes.xfrm = 0;
	ASSERT_EQ(dev_create(&d), -EIO);
	d.secs.attributes.xfrm = 3;
	ASSERT_EQ(dev_create(&d), 0);
	ASSERT_EQ(dev_create(&d), -EINVAL);
}

TEST(device, add_pages_errors)
{
	struct sgx_secinfo si __aligned(64);
	struct sgx_enclave_add_pages a = { 0 };
	static struct dev d;
	u64 count;
	u8 *two;

	dev_open(&d);
	ASSERT_EQ(dev_add_page(&d, 0, NULL), -EINVAL); /* before CREATE */
	dev_secs(&d);
	ASSERT_EQ(dev_create(&d), 0);
	memset(&si, 0, sizeof(si));
	si.flags = 0x203;
	a.src = (u64)(uintptr_t)d.s.pages[1].data;
	a.secinfo = (u64)(uintptr_t)&si;
	a.length = 4096;
	a.offset = 0x1000;
	a.src += 8;
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_ADD_PAGES, (unsigned long)&a), -EINVAL);
	a.src -= 8;
	a.offset = d.s.size;
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_ADD_PAGES, (unsigned long)&a), -EINVAL);
	a.offset = 0x1000;
	a.length = 0;
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_ADD_PAGES, (unsigned long)&a), -EINVAL);
	a.length = 4096;
	a.flags = 2;
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_ADD_PAGES, (unsigned long)&a), -EINVAL);
	a.flags = 0;
	si.flags = 0x103; /* a TCS with permissions */
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_ADD_PAGES, (unsigned long)&a), -EINVAL);
	si.flags = 0x202; /* W without R */
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_ADD_PAGES, (unsigned long)&a), -EINVAL);
	si.flags = 0x203;
	a.secinfo = 24;
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_ADD_PAGES, (unsigned long)&a), -EFAULT);
	a.secinfo = (u64)(uintptr_t)&si;
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_ADD_PAGES, (unsigned long)&a), 0);
	ASSERT_EQ(a.count, 4096);
	/* The same page again: -EBUSY, nothing added. */
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_ADD_PAGES, (unsigned long)&a), -EBUSY);
	ASSERT_EQ(a.count, 0);
	/* Two pages whose second source page is not readable: one added. */
	two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(two != MAP_FAILED);
	ASSERT_EQ(mprotect(two + 4096, 4096, PROT_NONE), 0);
	a.src = (u64)(uintptr_t)two;
	a.offset = 0x2000;
	a.length = 8192;
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_ADD_PAGES, (unsigned long)&a), -EFAULT);
	ASSERT_EQ(a.count, 4096);
	(void)count;
}

TEST(device, init_errors)
{
	struct sgx_enclave_init in = { .sigstruct = 64 };
	static struct dev d;
	u64 i;

	dev_open(&d);
	ASSERT_EQ(dev_init(&d), -EINVAL); /* before CREATE */
	dev_secs(&d);
	ASSERT_EQ(dev_create(&d), 0);
	for (i = 0; i < d.s.nr_pages; i++)
		ASSERT_EQ(dev_add_page(&d, i, NULL), 0);
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_INIT, (unsigned long)&in), -EFAULT);
	d.sig.vendor = 7;
	ASSERT_EQ(dev_init(&d), -EINVAL);
	d.sig.vendor = 0;
	d.sig.signature[9] ^= 1;
	ASSERT_EQ(dev_init(&d), -EPERM); /* EINIT: SGX_INVALID_SIGNATURE */
	d.sig.signature[9] ^= 1;
	ASSERT_EQ(dev_init(&d), 0);
	ASSERT_EQ(dev_init(&d), -EINVAL);
	ASSERT_EQ(dev_add_page(&d, 0, NULL), -EINVAL);
}

/* PROVISIONKEY is a privileged attribute: INIT is -EACCES until the enclave
 * is given a /dev/sgx_provision file. */
TEST(device, provision)
{
	struct sgx_enclave_provision pv;
	static struct dev d;
	int pfd;

	dev_open(&d);
	dev_secs(&d);
	d.secs.attributes.flags |= SGX_ATTR_PROVISIONKEY;
	ASSERT_EQ(dev_create(&d), 0);
	ASSERT_EQ(dev_init(&d), -EACCES);
	pv.fd = (u64)d.fd;
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_PROVISION, (unsigned long)&pv), -EINVAL);
	pfd = sgxemu_open(d.plat, "/dev/sgx_provision", 0);
	ASSERT_GE(pfd, 0);
	pv.fd = (u64)pfd;
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_PROVISION, (unsigned long)&pv), 0);
	/* Allowed now; EINIT itself refuses this SIGSTRUCT (its ATTRIBUTES
	 * do not have PROVISIONKEY under the mask): -EPERM, not -EACCES. */
	ASSERT_EQ(dev_init(&d), -EPERM);
	ASSERT_EQ(sgxemu_ioctl(pfd, SGX_IOC_ENCLAVE_INIT, 0), -ENOTTY);
}

TEST(device, sgx2_ioctls_without_sgx2)
{
	const struct sgxemu_platform_options sgx1 = { .sgx2 = -1 };
	struct sgx_enclave_modify_types mt = { 0 };
	static struct dev d;

	dev_open_with(&d, &sgx1);
	dev_build(&d);
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_MODIFY_TYPES, (unsigned long)&mt), -ENODEV);
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, (unsigned long)&mt),
		  -ENODEV);
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_REMOVE_PAGES, (unsigned long)&mt), -ENODEV);
	ASSERT_EQ(sgxemu_ioctl(d.fd, 0xA4FF, 0), -ENOTTY);
	ASSERT_EQ(sgxemu_ioctl(d.fd + 1000, SGX_IOC_ENCLAVE_INIT, 0), -EBADF);
}

TEST(device, mmap_rules)
{
	static struct dev d;
	void *m;
	u64 text = 0, i;

	dev_open(&d);
	ASSERT_EQ(sgxemu_mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, d.fd, 0, &m), -EINVAL);
	dev_build(&d);
	for (i = 0; i < d.s.nr_pages; i++)
		if (dev_prot_of(d.s.pages[i].secinfo_flags) == (PROT_READ | PROT_EXEC))
			text = d.base + d.s.pages[i].offset;
	ASSERT_NE(text, 0);
	/* Never above what the page's SECINFO allows. */
	ASSERT_EQ(sgxemu_mmap((void *)(uintptr_t)text, 4096, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_FIXED, d.fd, 0, &m),
		  -EACCES);
	ASSERT_EQ(sgxemu_mmap((void *)(uintptr_t)text, 4096, PROT_READ, MAP_SHARED | MAP_FIXED,
			      d.fd, 0, &m),
		  0);
	/* Outside ELRANGE, once initialized. */
	ASSERT_EQ(sgxemu_mmap(NULL, 4096, PROT_READ, MAP_SHARED, d.fd, 0, &m), -EACCES);
}

/* The seed's /dev/sgx: many enclaves per file, no mmap of its own, and
 * get_unmapped_area rules for enclave files. */
TEST(device, seed_dev_sgx)
{
	static struct dev d;
	int sgx, e1, e2;
	void *m;

	dev_open(&d);
	sgx = sgxemu_open(d.plat, "/dev/sgx", 0);
	ASSERT_GE(sgx, 0);
	ASSERT_EQ(sgxemu_mmap(NULL, 4096, PROT_READ, MAP_SHARED, sgx, 0, &m), -EINVAL);
	e1 = sgxemu_ioctl(sgx, SGX_IOC_CREATE_ENCLAVE, 0);
	e2 = sgxemu_ioctl(sgx, SGX_IOC_CREATE_ENCLAVE, 0);
	ASSERT_GE(e1, 0);
	ASSERT_GE(e2, 0);
	ASSERT_NE(e1, e2);
	/* Virtual EPC files come from it too (tests/integration/vm_test.c). */
	{
		int v = sgxemu_ioctl(sgx, SGX_IOC_CREATE_VIRTUAL_EPC, 0);

		ASSERT_GE(v, 0);
		ASSERT_STREQ(sgxemu_fd_path(v), "/dev/sgx_vepc");
		ASSERT_EQ(sgxemu_close(v), 0);
	}
	ASSERT_EQ(sgxemu_ioctl(sgx, _IO(SGX_SEED_MAGIC, 0x42), 0), -ENOTTY);
	/* Before ECREATE: a power-of-two length, an address aligned to it. */
	ASSERT_EQ(sgxemu_mmap(NULL, 0x3000, PROT_READ, MAP_SHARED, e1, 0, &m), -EINVAL);
	ASSERT_EQ(sgxemu_mmap(NULL, d.s.size, PROT_READ, MAP_SHARED, e1, 0, &m), 0);
	ASSERT_EQ((u64)(uintptr_t)m % d.s.size, 0);
	/* ECREATE there, through the enclave file. */
	d.fd = e1;
	dev_secs(&d);
	d.secs.baseaddr = (u64)(uintptr_t)m;
	ASSERT_EQ(dev_create(&d), 0);
	/* After ECREATE: mmap(NULL) maps at the base; past the end is -EINVAL. */
	ASSERT_EQ(sgxemu_mmap(NULL, 4096, PROT_READ, MAP_SHARED, e1, 0, &m), 0);
	ASSERT_EQ((u64)(uintptr_t)m, d.secs.baseaddr);
	ASSERT_EQ(sgxemu_mmap(NULL, 2 * d.s.size, PROT_READ, MAP_SHARED, e1, 0, &m), -EINVAL);
	ASSERT_EQ(sgxemu_close(e2), 0);
	ASSERT_EQ(sgxemu_close(e1), 0);
	ASSERT_EQ(sgxemu_close(sgx), 0);
}

/* A duplicate refers to the same enclave, which lives until the last
 * descriptor is closed. */
TEST(device, dup_shares_the_enclave)
{
	static struct dev d;
	int fd2, fd3, high;
	void *m;

	dev_open(&d);
	fd2 = sgxemu_dup(d.fd, -1, 0);
	ASSERT_GE(fd2, 0);
	ASSERT_NE(fd2, d.fd);
	high = sgxemu_dup(d.fd, -501, O_CLOEXEC);
	ASSERT_GE(high, 500);
	fd3 = sgxemu_dup(fd2, 777, 0);
	ASSERT_EQ(fd3, 777);
	/* CREATE through one descriptor, seen through the others. */
	dev_secs(&d);
	ASSERT_EQ(dev_create(&d), 0);
	ASSERT_EQ(sgxemu_close(d.fd), 0);
	d.fd = fd3;
	ASSERT_EQ(dev_create(&d), -EINVAL); /* already created */
	ASSERT_EQ(sgxemu_close(fd2), 0);
	ASSERT_EQ(sgxemu_close(high), 0);
	ASSERT_EQ(sgxemu_mmap((void *)(uintptr_t)d.base, 4096, PROT_READ, MAP_SHARED | MAP_FIXED,
			      fd3, 0, &m),
		  0);
	ASSERT_EQ(sgxemu_close(fd3), 0);
	ASSERT_EQ(sgxemu_dup(fd3, -1, 0), -EBADF);
	/* Replacing a device descriptor behind its back is forgotten safely. */
	fd2 = sgxemu_open(d.plat, "/dev/sgx_enclave", 0);
	ASSERT_GE(fd2, 0);
	ASSERT_EQ(dup2(0, fd2), fd2);
	sgxemu_forget_fd(fd2);
	ASSERT_EQ(sgxemu_ioctl(fd2, SGX_IOC_ENCLAVE_INIT, 0), -EBADF);
}

/*
 * A page of ELRANGE that was never added, mapped by the program, touched by
 * the enclave: the run's exception, which tells SGX1 from SGX2 as in the
 * Linux selftest "augment".
 */
static void touch_hole(const struct sgxemu_platform_options *o, struct sgx_enclave_run *run,
		       u64 *hole_out)
{
	struct encl_op op = { .type = ENCL_OP_WRITE, .b = 1 };
	static struct dev d;
	u64 hole;
	void *m;

	dev_open_with(&d, o);
	dev_build(&d);
	dev_map_image(&d);
	/* The image ends well before the end of ELRANGE. */
	ASSERT_LT(d.end, d.s.size);
	hole = d.base + d.s.size - 4096;
	ASSERT_EQ(sgxemu_mmap((void *)(uintptr_t)hole, 4096, PROT_READ | PROT_WRITE,
			      MAP_SHARED_VALIDATE | MAP_FIXED, d.fd, 0, &m),
		  0);
	op.a = hole - d.base;
	memset(run, 0, sizeof(*run));
	run->tcs = d.tcs[0];
	ASSERT_EQ(sgxemu_enter_enclave((unsigned long)&op, 0, 0, 2, 0, 0, run), 0);
	*hole_out = hole;
}

/* Without SGX2 such a page has no EPC page: touching it is a #PF, even
 * though the program mapped it. */
TEST(device, hole_is_not_memory)
{
	const struct sgxemu_platform_options sgx1 = { .sgx2 = -1 };
	struct sgx_enclave_run run;
	u64 hole;

	touch_hole(&sgx1, &run, &hole);
	ASSERT_EQ(run.function, 3);
	ASSERT_EQ(run.exception_vector, 14);
	ASSERT_EQ(run.exception_addr, hole);
	/* Not present: no P bit, no SGX bit (there is no EPCM entry): Linux's
	 * SIGBUS, error code W|U. */
	ASSERT_EQ(run.exception_error_code, 0x6);
}

/* With SGX2 the driver EAUGs it; the retried write finds it PENDING: a #PF
 * with the SGX bit, until the enclave accepts it. */
TEST(device, hole_is_augmented)
{
	struct sgx_enclave_run run;
	u64 hole;

	touch_hole(NULL, &run, &hole);
	ASSERT_EQ(run.function, 3);
	ASSERT_EQ(run.exception_vector, 14);
	ASSERT_EQ(run.exception_addr, hole);
	ASSERT_EQ(run.exception_error_code, 0x8007);
}

/* Hostile ioctl arguments: random pointers and random structures get
 * -EFAULT or -EINVAL (or a refusal from the processor), never a crash, and
 * the enclave still builds afterwards. */
TEST_T(device, random_ioctl_arguments, 120)
{
	static const unsigned long cmds[] = { SGX_IOC_ENCLAVE_CREATE, SGX_IOC_ENCLAVE_ADD_PAGES,
					      SGX_IOC_ENCLAVE_INIT, SGX_IOC_ENCLAVE_PROVISION };
	static u8 junk[8192] __aligned(4096);
	static struct dev d;
	u64 r = 0x2545F4914F6CDD1DULL;
	int i, ret;
	size_t k;

	dev_open(&d);
	for (i = 0; i < 2000; i++) {
		u64 *q = (u64 *)(void *)junk;

		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		for (k = 0; k < sizeof(junk) / 8; k++) {
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			q[k] = r;
		}
		/* Sometimes point the structure's pointers back into junk. */
		if (i & 1)
			for (k = 0; k < 6; k++)
				q[k] = (u64)(uintptr_t)junk + (q[k] & 0x1000);
		ret = sgxemu_ioctl(d.fd, cmds[i % 4], (i & 2) ? (unsigned long)junk : (unsigned long)r);
		ASSERT_TRUE(ret == -EFAULT || ret == -EINVAL || ret == -EIO || ret == -EPERM ||
			    ret == -EACCES || ret == -EBUSY || ret == -ENOMEM || ret == 0);
	}
	/* Whatever the junk did, a fresh enclave file still builds and runs. */
	sgxemu_close(d.fd);
	d.fd = sgxemu_open(d.plat, "/dev/sgx_enclave", 0);
	ASSERT_GE(d.fd, 0);
	dev_build(&d);
}
