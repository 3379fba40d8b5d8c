// SPDX-License-Identifier: MIT
/*
 * The driver through its own interface (drv/drv.h), as a program reaches
 * Linux's driver.c: an enclave file opened, its ioctls (and the errno each
 * gives malformed arguments), mmap, munmap and release, and where the
 * enclave's pages are (drv_page_state()).
 */
#include <asm/sgx.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../cpu/fixture.h"
#include "arch/sgx_status.h"
#include "drv/drv.h"
#include "drv/encl.h"

#define ENCL_SIZE 0x10000ULL

struct dfx {
	struct fx fx;
	struct drv *drv;
	struct drv_file *f;
	u8 *reserved;
	u64 base;
	struct sgx_secs secs __aligned(4096);
	u8 page[4096] __aligned(4096);
	struct sgx_secinfo si __aligned(64);
};

/* A platform, its driver, /dev/sgx_enclave open, and an ELRANGE reserved
 * the way Linux's selftests reserve theirs; the SECS not yet created. */
static void dfx_open_machine(struct dfx *d, bool fork_shared)
{
	struct platform_config cfg;
	char why[256];

	memset(d, 0, sizeof(*d));
	platform_config_default(&cfg);
	cfg.epc_size = 64 * 4096;
	cfg.fork_shared = fork_shared;
	if (platform_create(&cfg, &d->fx.plat, why, sizeof(why)))
		harness_fail(__FILE__, __LINE__, "platform_create: %s", why);
	d->fx.lp = platform_lp(d->fx.plat, 0);
	ASSERT_EQ(drv_create(d->fx.plat, &d->drv), 0);
	ASSERT_EQ(drv_open(d->drv, DRV_NODE_ENCLAVE, &d->f), 0);
	d->reserved = mmap(NULL, 2 * ENCL_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(d->reserved != MAP_FAILED);
	d->base = align_up((u64)(uintptr_t)d->reserved, ENCL_SIZE);
	d->secs.size = ENCL_SIZE;
	d->secs.baseaddr = d->base;
	d->secs.ssaframesize = 1;
	d->secs.attributes.flags = SGX_ATTR_MODE64BIT | SGX_ATTR_DEBUG;
	d->secs.attributes.xfrm = 3;
	d->si.flags = (u64)SGX_PT_REG << SGX_SECINFO_PT_SHIFT | SGX_SECINFO_R | SGX_SECINFO_W;
}

static void dfx_open(struct dfx *d)
{
	dfx_open_machine(d, false);
}

static void dfx_close(struct dfx *d)
{
	if (d->f)
		drv_file_put(d->f);
	drv_destroy(d->drv);
	platform_destroy(d->fx.plat);
	munmap(d->reserved, 2 * ENCL_SIZE);
}

static long create(struct dfx *d)
{
	struct sgx_enclave_create c = { .src = (u64)(uintptr_t)&d->secs };

	return drv_ioctl(d->f, SGX_IOC_ENCLAVE_CREATE, (u64)(uintptr_t)&c);
}

static long add(struct dfx *d, u64 offset, u64 length, u64 *count)
{
	struct sgx_enclave_add_pages a = {
		.src = (u64)(uintptr_t)d->page, .offset = offset, .length = length,
		.secinfo = (u64)(uintptr_t)&d->si, .flags = SGX_PAGE_MEASURE,
	};
	long ret = drv_ioctl(d->f, SGX_IOC_ENCLAVE_ADD_PAGES, (u64)(uintptr_t)&a);

	if (count)
		*count = a.count;
	return ret;
}

/* open, CREATE, ADD_PAGES, mmap, release, munmap: the mapping holds the
 * enclave after the file is closed, as a VMA holds its file, and the
 * enclave goes with the last mapping. */
TEST(drv_file, open_ioctl_mmap_release)
{
	struct dfx d;
	u64 out = 0, count = 0;

	dfx_open(&d);
	ASSERT_EQ(drv_file_node(d.f), DRV_NODE_ENCLAVE);
	ASSERT_TRUE(drv_file_encl(d.f) != NULL);
	ASSERT_EQ(drv_page_state(d.drv, d.base), -ENOENT);
	ASSERT_EQ(create(&d), 0);
	ASSERT_EQ(drv_page_state(d.drv, d.base), DRV_PAGE_NONE);
	ASSERT_EQ(add(&d, 0, 4096, &count), 0);
	ASSERT_EQ(count, 4096);
	ASSERT_EQ(drv_page_state(d.drv, d.base), DRV_PAGE_PRESENT);
	ASSERT_EQ(drv_page_state(d.drv, d.base + 4096), DRV_PAGE_NONE);
	ASSERT_EQ(drv_page_state(d.drv, d.base + ENCL_SIZE), -ENOENT);
	ASSERT_EQ(drv_mmap(d.f, d.base, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, 0,
			   &out),
		  0);
	ASSERT_EQ(out, d.base);
	drv_file_put(d.f);
	d.f = NULL;
	ASSERT_EQ(drv_page_state(d.drv, d.base), DRV_PAGE_PRESENT);
	ASSERT_EQ(drv_munmap(d.base, 4096), 0);
	ASSERT_EQ(drv_page_state(d.drv, d.base), -ENOENT);
	dfx_close(&d);
}

/* Linux 6.1's errno for each malformed argument. */
TEST(drv_file, malformed_ioctl_arguments)
{
	struct sgx_enclave_init in = { 0 };
	struct sgx_enclave_provision pv = { .fd = 0 };
	struct dfx d;
	u64 count;
	u64 out;

	dfx_open(&d);
	ASSERT_EQ(drv_ioctl(d.f, _IOW(SGX_MAGIC, 0x7f, u64), 0), -ENOTTY);
	/* Pointers to nothing. */
	ASSERT_EQ(drv_ioctl(d.f, SGX_IOC_ENCLAVE_CREATE, (u64)(uintptr_t)d.reserved), -EFAULT);
	ASSERT_EQ(drv_ioctl(d.f, SGX_IOC_ENCLAVE_CREATE, 8), -EFAULT);
	/* Nothing before CREATE. */
	ASSERT_EQ(add(&d, 0, 4096, NULL), -EINVAL);
	in.sigstruct = (u64)(uintptr_t)d.page;
	ASSERT_EQ(drv_ioctl(d.f, SGX_IOC_ENCLAVE_INIT, (u64)(uintptr_t)&in), -EINVAL);
	/* SIZE not a power of two. */
	d.secs.size = ENCL_SIZE - 4096;
	ASSERT_EQ(create(&d), -EINVAL);
	d.secs.size = ENCL_SIZE;
	ASSERT_EQ(create(&d), 0);
	ASSERT_EQ(create(&d), -EINVAL);
	/* Unaligned, empty, outside ELRANGE, twice. */
	ASSERT_EQ(add(&d, 100, 4096, NULL), -EINVAL);
	ASSERT_EQ(add(&d, 0, 100, NULL), -EINVAL);
	ASSERT_EQ(add(&d, 0, 0, NULL), -EINVAL);
	ASSERT_EQ(add(&d, ENCL_SIZE, 4096, NULL), -EINVAL);
	ASSERT_EQ(add(&d, 0, 4096, &count), 0);
	ASSERT_EQ(add(&d, 0, 4096, &count), -EBUSY);
	ASSERT_EQ(count, 0);
	/* SGX_IOC_ENCLAVE_PROVISION with a descriptor that is no
	 * /dev/sgx_provision (no descriptor table here: none is). */
	ASSERT_EQ(drv_ioctl(d.f, SGX_IOC_ENCLAVE_PROVISION, (u64)(uintptr_t)&pv), -EINVAL);
	/* mmap: private, unaligned. */
	ASSERT_EQ(drv_mmap(d.f, d.base, 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED, 0, &out),
		  -EINVAL);
	ASSERT_EQ(drv_mmap(d.f, d.base + 1, 4096, PROT_READ, MAP_SHARED | MAP_FIXED, 0, &out),
		  -EINVAL);
	ASSERT_EQ(drv_mmap(d.f, d.base, 4096, PROT_READ, MAP_SHARED | MAP_FIXED, 100, &out),
		  -EINVAL);
	/* Above what the page's SECINFO allows. */
	ASSERT_EQ(drv_mmap(d.f, d.base, 4096, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED, 0,
			   &out),
		  -EACCES);
	dfx_close(&d);
}

/* A SIGSTRUCT without the header EINIT requires: EINIT says
 * SGX_INVALID_SIG_STRUCT, which the ioctl turns into -EPERM as Linux 6.1
 * does, and the enclave stays uninitialized. */
TEST(drv_file, einit_refused_is_eperm)
{
	static struct sgx_sigstruct sig_page __aligned(4096);
	struct sgx_sigstruct *sig = &sig_page;
	struct sgx_enclave_init in = { .sigstruct = (u64)(uintptr_t)sig };
	u8 other[1][SGX_HASH_SIZE];
	struct drv_lp_stats stats;
	unsigned int lp;
	u64 refused = 0;
	struct dfx d;
	int status;

	dfx_open(&d);
	ASSERT_EQ(create(&d), 0);
	ASSERT_EQ(add(&d, 0, 4096, NULL), 0);
	memset(sig, 0, sizeof(*sig));
	sig->vendor = SGX_SIGSTRUCT_VENDOR_ISV;
	sig->exponent = 3;
	memset(sig->modulus, 0xa5, sizeof(sig->modulus));
	ASSERT_EQ(drv_ioctl(d.f, SGX_IOC_ENCLAVE_INIT, (u64)(uintptr_t)&in), -EPERM);
	ASSERT_FALSE(encl_initialized(drv_file_encl(d.f)));
	/* The status comes apart from the errno. */
	ASSERT_EQ(encl_init(drv_file_encl(d.f), sig, &status), -EPERM);
	ASSERT_EQ(status, SGX_INVALID_SIG_STRUCT);
	/* A signer the host policy does not list: EINIT never runs, and the
	 * status is the one EINIT gives with the MSRs pointed elsewhere. */
	memset(other, 0x5a, sizeof(other));
	ASSERT_EQ(drv_set_launch_policy(d.drv, false, other, 1), 0);
	ASSERT_EQ(encl_init(drv_file_encl(d.f), sig, &status), -EPERM);
	ASSERT_EQ(status, SGX_INVALID_EINITTOKEN);
	/* Counted on the LP the thread ran on, whichever that was. */
	for (lp = 0; drv_lp_stats(d.drv, lp, &stats) == 0; lp++)
		refused += stats.refused;
	ASSERT_EQ(refused, 1);
	dfx_close(&d);
}

struct waker {
	struct drv *drv;
};

static void *wake(void *arg)
{
	paging_event(((struct waker *)arg)->drv);
	return NULL;
}

/* A thread waiting for the driver's pages to change sleeps until one does:
 * paging_event() wakes it (the hour's bound is never reached; the
 * harness's timeout would fail the test first). */
TEST(drv_paging, event_wakes_a_waiter)
{
	struct waker w;
	struct dfx d;
	pthread_t t;
	u32 seen;

	dfx_open(&d);
	w.drv = d.drv;
	seen = paging_event_seq(d.drv);
	ASSERT_EQ(pthread_create(&t, NULL, wake, &w), 0);
	paging_event_wait(d.drv, seen, 3600 * 1000);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	ASSERT_NE(paging_event_seq(d.drv), seen);
	dfx_close(&d);
}

/*
 * A machine made to be shared with children of fork() (base/shm.h) is one
 * object in both processes: a page the child adds to the enclave is in
 * the parent's enclave and gone from the parent's free EPC, and the
 * EPCM checker (debug build) sees one EPCM.  A private machine's child
 * lets go of the parent's enclaves (-EIO) and changes nothing of the
 * parent's.
 */
static void child_adds_a_page(bool fork_shared)
{
	u64 count, free_before;
	struct dfx d;
	int status;
	pid_t pid;

	dfx_open_machine(&d, fork_shared);
	ASSERT_EQ(create(&d), 0);
	ASSERT_EQ(add(&d, 0, 4096, &count), 0);
	free_before = drv_epc_free_pages(d.drv);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (!pid) {
		memset(d.page, 0x5a, sizeof(d.page));
		if (fork_shared)
			_exit(add(&d, 4096, 4096, &count) || count != 4096 ||
			      drv_page_state(d.drv, d.base + 4096) != DRV_PAGE_PRESENT);
		/* A private machine's child lets go of the parent's enclaves
		 * (what libsgxemu and the shim do at fork). */
		drv_fork_child();
		_exit(add(&d, 4096, 4096, &count) != -EIO);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	if (fork_shared) {
		ASSERT_EQ(drv_page_state(d.drv, d.base + 4096), DRV_PAGE_PRESENT);
		ASSERT_EQ(drv_epc_free_pages(d.drv), free_before - 1);
	} else {
		ASSERT_EQ(drv_page_state(d.drv, d.base + 4096), DRV_PAGE_NONE);
		ASSERT_EQ(drv_epc_free_pages(d.drv), free_before);
	}
	/* The parent goes on with the enclave either way. */
	ASSERT_EQ(add(&d, 2 * 4096, 4096, &count), 0);
	ASSERT_EQ(drv_page_state(d.drv, d.base + 2 * 4096), DRV_PAGE_PRESENT);
	dfx_close(&d);
}

TEST(drv_file, a_fork_shared_machine_is_one_object_in_both_processes)
{
	child_adds_a_page(true);
}

TEST(drv_file, a_private_machines_child_lets_go)
{
	child_adds_a_page(false);
}
