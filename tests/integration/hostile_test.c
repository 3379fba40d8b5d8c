// SPDX-License-Identifier: MIT
/*
 * The uAPI under hostile use, through libsgxemu's device files: descriptors
 * closed or replaced while a call on them is running, and mprotect(),
 * munmap() and mmap() of ranges that only partly meet an ELRANGE.  Linux
 * 6.1 is the reference: a call holds its file to the end, a mapping holds
 * its enclave, and every enclave page a range covers is checked.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "dev_fixture.h"
#include "sgxemu/sgx_seed.h"

/* The image's first code page and first TCS, as offsets. */
static u64 first_page(const struct dev *d, bool tcs)
{
	u64 i;

	for (i = 0; i < d->s.nr_pages; i++) {
		u64 f = d->s.pages[i].secinfo_flags;

		if (tcs ? (f >> 8) == SGX_PT_TCS : (f & SGX_SECINFO_X) != 0)
			return d->s.pages[i].offset;
	}
	harness_fail(__FILE__, __LINE__, "no such page in the image");
	return 0;
}

/* Whether this process can read the byte at @addr (a pipe write faults
 * with EFAULT instead of the process). */
static bool readable(u64 addr)
{
	int p[2];
	ssize_t n;

	ASSERT_EQ(pipe(p), 0);
	n = write(p[1], (const void *)(uintptr_t)addr, 1);
	close(p[0]);
	close(p[1]);
	return n == 1;
}

struct racer {
	struct dev *d;
	u8 *src;
	u64 offset, length, count;
	int ret;
	atomic_bool started;
};

/* ADD_PAGES of @length bytes at @offset: long enough to race with. */
static void *add_pages_thread(void *arg)
{
	struct racer *r = arg;
	struct sgx_secinfo si __aligned(64) = { .flags = 0x203 };
	struct sgx_enclave_add_pages a = { .src = (u64)(uintptr_t)r->src,
					   .offset = r->offset,
					   .length = r->length,
					   .secinfo = (u64)(uintptr_t)&si,
					   .flags = SGX_PAGE_MEASURE };

	atomic_store(&r->started, true);
	r->ret = sgxemu_ioctl(r->d->fd, SGX_IOC_ENCLAVE_ADD_PAGES, (unsigned long)&a);
	r->count = a.count;
	return NULL;
}

/* An enclave with its image added, and a thread adding the rest of ELRANGE. */
static void start_racer(struct racer *r, struct dev *d, pthread_t *th)
{
	struct timespec ms = { 0, 2 * 1000 * 1000 };
	u64 i;

	dev_open(d);
	dev_add_all(d);
	memset(r, 0, sizeof(*r));
	r->d = d;
	for (i = 0; i < d->s.nr_pages; i++)
		if (d->s.pages[i].offset + 4096 > r->offset)
			r->offset = d->s.pages[i].offset + 4096;
	r->length = d->s.size - r->offset;
	ASSERT_GT(r->length, 16 * 4096);
	r->src = aligned_alloc(4096, r->length);
	ASSERT_TRUE(r->src != NULL);
	memset(r->src, 0x5a, r->length);
	ASSERT_EQ(pthread_create(th, NULL, add_pages_thread, r), 0);
	while (!atomic_load(&r->started))
		sched_yield();
	nanosleep(&ms, NULL);
}

/* Linux holds the file for the ioctl's duration (fdget): close() returns 0
 * at once, the ioctl finishes its work, and the enclave goes with the last
 * reference. */
TEST(hostile, close_during_ioctl_lets_it_finish)
{
	static struct dev d;
	struct racer r;
	pthread_t th;

	start_racer(&r, &d, &th);
	ASSERT_EQ(sgxemu_close(d.fd), 0);
	ASSERT_EQ(sgxemu_ioctl(d.fd, SGX_IOC_ENCLAVE_INIT, 0), -EBADF);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	ASSERT_EQ(r.ret, 0);
	ASSERT_EQ(r.count, r.length);
	free(r.src);
}

/* The same for dup2() of another descriptor over it. */
TEST(hostile, dup2_over_a_busy_descriptor)
{
	static struct dev d;
	struct racer r;
	pthread_t th;
	u64 total, free_before, free_after;
	int other;

	start_racer(&r, &d, &th);
	other = sgxemu_open(d.plat, "/dev/sgx_provision", 0);
	ASSERT_GE(other, 0);
	ASSERT_EQ(sgxemu_dup(other, d.fd, 0), d.fd);
	ASSERT_STREQ(sgxemu_fd_path(d.fd), "/dev/sgx_provision");
	ASSERT_EQ(pthread_join(th, NULL), 0);
	ASSERT_EQ(r.ret, 0);
	ASSERT_EQ(r.count, r.length);
	/* The enclave went with the ioctl's reference: its pages are free. */
	sgxemu_epc_stats(d.plat, &total, &free_before);
	ASSERT_EQ(sgxemu_close(d.fd), 0);
	ASSERT_EQ(sgxemu_close(other), 0);
	sgxemu_epc_stats(d.plat, &total, &free_after);
	ASSERT_EQ(free_after, free_before);
	ASSERT_EQ(free_after, total);
	free(r.src);
}

struct mmapper {
	struct dev *d;
	atomic_bool stop;
	unsigned long maps;
};

static void *mmap_thread(void *arg)
{
	struct mmapper *m = arg;
	void *p;

	while (!atomic_load(&m->stop)) {
		if (!sgxemu_mmap(NULL, 8192, PROT_READ, MAP_SHARED, m->d->fd, 0, &p)) {
			ASSERT_EQ(sgxemu_munmap(p, 8192), 0);
			m->maps++;
		}
	}
	return NULL;
}

/* mmap() racing with close() and reopen of the same number. */
TEST(hostile, mmap_races_close)
{
	static struct dev d;
	struct mmapper m = { .d = &d };
	pthread_t th;
	int i;

	dev_open(&d);
	ASSERT_EQ(pthread_create(&th, NULL, mmap_thread, &m), 0);
	for (i = 0; i < 2000; i++) {
		ASSERT_EQ(sgxemu_close(d.fd), 0);
		ASSERT_EQ(sgxemu_open(d.plat, "/dev/sgx_enclave", 0), d.fd);
	}
	atomic_store(&m.stop, true);
	ASSERT_EQ(pthread_join(th, NULL), 0);
}

/* A running enclave outlives its last descriptor while it is mapped. */
TEST(hostile, mapping_holds_the_enclave)
{
	struct encl_op op = { .type = ENCL_OP_PUT, .a = 0x1234 };
	struct sgx_enclave_run run;
	static struct dev d;
	u64 total, nfree;

	dev_open(&d);
	dev_build(&d);
	dev_map_image(&d);
	ASSERT_EQ(sgxemu_close(d.fd), 0);
	memset(&run, 0, sizeof(run));
	run.tcs = d.tcs[0];
	ASSERT_EQ(sgxemu_enter_enclave((unsigned long)&op, 0, 0, 2, 0, 0, &run), 0);
	ASSERT_EQ(run.function, 4);
	sgxemu_epc_stats(d.plat, &total, &nfree);
	ASSERT_LT(nfree, total);
	/* Unmapping all of it lets it go. */
	ASSERT_EQ(sgxemu_munmap((void *)(uintptr_t)d.base, d.s.size), 0);
	sgxemu_epc_stats(d.plat, &total, &nfree);
	ASSERT_EQ(nfree, total);
}

/* A page mapped just below ELRANGE, so ranges can start outside it. */
static u64 below(const struct dev *d)
{
	void *m = mmap((void *)(uintptr_t)(d->base - 4096), 4096, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	ASSERT_EQ((u64)(uintptr_t)m, d->base - 4096);
	return d->base - 4096;
}

/* mprotect() from below the base over the code: a writable code page is
 * above what its SECINFO allows (Linux checks every VMA it touches). */
TEST(hostile, mprotect_from_below_checks_the_code)
{
	static struct dev d;
	u64 code, lo;

	dev_open(&d);
	dev_build(&d);
	dev_map_image(&d);
	lo = below(&d);
	code = d.base + first_page(&d, false);
	ASSERT_EQ(sgxemu_mprotect((void *)(uintptr_t)lo, code + 4096 - lo,
				  PROT_READ | PROT_WRITE | PROT_EXEC),
		  -EACCES);
	/* Nothing changed, the page outside ELRANGE included. */
	ASSERT_FALSE(readable(d.tcs[0]));
	ASSERT_TRUE(readable(code));
	/* Past the end too. */
	ASSERT_EQ(sgxemu_mprotect((void *)(uintptr_t)code, d.s.size, PROT_READ | PROT_WRITE),
		  -EACCES);
}

/* A TCS may be mapped read-write (Linux's vm_max_prot_bits), but the host
 * never reaches it, however the range that covers it begins. */
TEST(hostile, mprotect_from_below_never_opens_a_tcs)
{
	static struct dev d;
	u64 lo;

	dev_open(&d);
	dev_build(&d);
	dev_map_image(&d);
	lo = below(&d);
	ASSERT_EQ(sgxemu_mprotect((void *)(uintptr_t)lo, d.tcs[0] + 4096 - lo,
				  PROT_READ | PROT_WRITE),
		  0);
	ASSERT_TRUE(readable(lo));
	ASSERT_FALSE(readable(d.tcs[0]));
	/* A range with an unmapped hole in ELRANGE: -ENOMEM, as the kernel. */
	ASSERT_EQ(sgxemu_munmap((void *)(uintptr_t)(d.base + 4096), 4096), 0);
	ASSERT_EQ(sgxemu_mprotect((void *)(uintptr_t)lo, 3 * 4096, PROT_READ), -ENOMEM);
}

/* munmap() from below the base: the processor no longer finds the TCS. */
TEST(hostile, munmap_from_below_unmaps_the_enclave_part)
{
	struct encl_op op = { .type = ENCL_OP_NOP };
	struct sgx_enclave_run run;
	static struct dev d;
	u64 lo;

	dev_open(&d);
	dev_build(&d);
	dev_map_image(&d);
	lo = below(&d);
	ASSERT_EQ(sgxemu_munmap((void *)(uintptr_t)lo, d.tcs[0] + 4096 - lo), 0);
	memset(&run, 0, sizeof(run));
	run.tcs = d.tcs[0];
	ASSERT_EQ(sgxemu_enter_enclave((unsigned long)&op, 0, 0, 2, 0, 0, &run), 0);
	ASSERT_EQ(run.function, 2);
	ASSERT_EQ(run.exception_vector, 14);
}

/* Another mapping put over part of ELRANGE with MAP_FIXED replaces the
 * enclave's there: the processor must not find the old page. */
TEST(hostile, mmap_fixed_over_elrange_replaces_the_enclave_part)
{
	struct encl_op op = { .type = ENCL_OP_NOP };
	struct sgx_enclave_run run;
	static struct dev d;
	void *m;

	dev_open(&d);
	dev_build(&d);
	dev_map_image(&d);
	m = mmap((void *)(uintptr_t)(d.tcs[0] - 4096 * (d.tcs[0] > d.base)), 8192,
		 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_TRUE(m != MAP_FAILED);
	sgxemu_forget_range(m, 8192);
	memset(&run, 0, sizeof(run));
	run.tcs = d.tcs[0];
	ASSERT_EQ(sgxemu_enter_enclave((unsigned long)&op, 0, 0, 2, 0, 0, &run), 0);
	ASSERT_EQ(run.exception_vector, 14);
	/* The enclave file's own mmap with MAP_FIXED_NOREPLACE refuses it. */
	ASSERT_EQ(sgxemu_mmap(m, 4096, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, d.fd, 0, &m),
		  -EEXIST);
}

/* The kernel's checks come first: a file offset that is not page aligned
 * is -EINVAL, and the seed's get_unmapped_area counts the offset. */
TEST(hostile, mmap_offsets)
{
	static struct dev d;
	void *m;
	int fd;

	dev_open(&d);
	dev_build(&d);
	ASSERT_EQ(sgxemu_mmap((void *)(uintptr_t)d.base, 4096, PROT_READ, MAP_SHARED | MAP_FIXED,
			      d.fd, 100, &m),
		  -EINVAL);
	fd = sgxemu_open(d.plat, "/dev/sgx", 0);
	ASSERT_GE(fd, 0);
	d.fd = sgxemu_ioctl(fd, SGX_IOC_CREATE_ENCLAVE, 0);
	ASSERT_GE(d.fd, 0);
	dev_build(&d);
	/* Inside ELRANGE by address and length, past it once the offset counts. */
	ASSERT_EQ(sgxemu_mmap(NULL, d.s.size - 4096, PROT_READ, MAP_SHARED, d.fd, 8192, &m),
		  -EINVAL);
	ASSERT_EQ(sgxemu_mmap(NULL, d.s.size - 4096, PROT_READ, MAP_SHARED, d.fd, 4096, &m), 0);
	ASSERT_EQ((u64)(uintptr_t)m, d.base);
	ASSERT_EQ(sgxemu_close(fd), 0);
}
