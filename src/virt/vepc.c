// SPDX-License-Identifier: MIT
/*
 * Virtual EPC: host EPC pages handed to a guest, one per slot, taken the
 * first time the slot is used and never reclaimed (oversubscribing guests
 * is the seed's later step).  The guest owns their EPCM entries, so the
 * host only ever EREMOVEs them.
 */
#include <asm/sgx.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "arch/sgx_status.h"
#include "base/log.h"
#include "base/sys.h"
#include "virt/virt.h"

struct vepc {
	struct drv *host;
	pthread_mutex_t lock;
	u64 nr_slots;
	void **pages;          /* host EPC address per slot, or NULL */
	u64 nr_pages;
	bool warned;           /* the host ran out of EPC once already */
};

int vepc_create(struct drv *host, struct vepc **out)
{
	struct vepc *v = calloc(1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	v->host = host;
	pthread_mutex_init(&v->lock, NULL);
	*out = v;
	return 0;
}

int vepc_reserve(struct vepc *v, u64 nr_pages)
{
	void **pages;
	int err = 0;

	pthread_mutex_lock(&v->lock);
	if (nr_pages > v->nr_slots) {
		pages = realloc(v->pages, nr_pages * sizeof(*pages));
		if (pages) {
			for (u64 i = v->nr_slots; i < nr_pages; i++)
				pages[i] = NULL;
			v->pages = pages;
			v->nr_slots = nr_pages;
		} else {
			err = -ENOMEM;
		}
	}
	pthread_mutex_unlock(&v->lock);
	return err;
}

void *vepc_page(struct vepc *v, u64 index)
{
	void *page = NULL;

	pthread_mutex_lock(&v->lock);
	if (index < v->nr_slots) {
		page = v->pages[index];
		if (!page) {
			page = drv_epc_alloc(v->host);
			v->pages[index] = page;
			if (page) {
				v->nr_pages++;
			} else if (!v->warned) {
				/* Linux sends the VMM SIGBUS here; the guest's
				 * leaf faults instead. */
				v->warned = true;
				log_err("virtual EPC: the host has no free EPC page for guest page "
					"%llu; give the host a larger EPC or the guests smaller ones",
					(unsigned long long)index);
			}
		}
	}
	pthread_mutex_unlock(&v->lock);
	return page;
}

u64 vepc_nr_pages(struct vepc *v)
{
	u64 n;

	pthread_mutex_lock(&v->lock);
	n = v->nr_pages;
	pthread_mutex_unlock(&v->lock);
	return n;
}

long vepc_remove_all(struct vepc *v)
{
	struct lp *lp = drv_lp(v->host);
	long failures = 0;
	u64 i;

	pthread_mutex_lock(&v->lock);
	for (i = 0; i < v->nr_slots; i++) {
		int ret;

		if (!v->pages[i])
			continue;
		ret = encls_eremove(lp, v->pages[i]);
		if (ret == SGX_CHILD_PRESENT) {
			failures++;     /* a SECS: the caller retries after its children */
		} else if (ret) {
			/* SGX_ENCLAVE_ACT or a fault: the guest is still running
			 * on it, as Linux reports. */
			failures = -EBUSY;
			break;
		}
	}
	pthread_mutex_unlock(&v->lock);
	return failures;
}

void vepc_destroy(struct vepc *v)
{
	struct lp *lp;
	unsigned int pass;
	u64 i, left = 0;

	if (!v)
		return;
	lp = drv_lp(v->host);
	/* Children go in the first pass, so their SECS in the second. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < v->nr_slots; i++) {
			if (!v->pages[i] || encls_eremove(lp, v->pages[i]))
				continue;
			drv_epc_free(v->host, v->pages[i]);
			v->pages[i] = NULL;
		}
	}
	for (i = 0; i < v->nr_slots; i++)
		left += v->pages[i] != NULL;
	if (left)
		/* A thread is still inside a guest enclave: the pages cannot
		 * be reused, as Linux's zombie SECS pages. */
		log_err("virtual EPC: %llu EPC pages still in use at teardown are lost to the host",
			(unsigned long long)left);
	pthread_mutex_destroy(&v->lock);
	free(v->pages);
	free(v);
}

/* --- the file: /dev/sgx_vepc --------------------------------------------- */

static int vepc_open(struct drv *host, void **priv)
{
	return vepc_create(host, (struct vepc **)priv);
}

static long vepc_ioctl(struct drv_file *f, unsigned int cmd, u64 arg)
{
	(void)arg;
	/* Linux returns the count of SECS pages left, or -EBUSY. */
	if (cmd == SGX_IOC_VEPC_REMOVE_ALL)
		return vepc_remove_all(drv_file_private(f));
	return -ENOTTY;
}

/*
 * Slots from the page offset on; each takes a host EPC page when the
 * guest first uses it.  The host itself never reads EPC, so the range
 * stays inaccessible to it.
 */
static int vepc_mmap(struct drv_file *f, u64 addr, u64 len, int prot, int flags, u64 pgoff,
		     u64 *out)
{
	void *m;
	int err;

	(void)prot;
	if (len / SGX_PAGE_SIZE > (1ULL << 40) - pgoff / SGX_PAGE_SIZE)
		return -EINVAL;
	err = vepc_reserve(drv_file_private(f), (pgoff + len) / SGX_PAGE_SIZE);
	if (err)
		return err;
	m = sys_mmap((void *)(uintptr_t)addr, len, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			     (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)),
		     -1, 0);
	if (sys_failed(m))
		return (int)(long)m;
	*out = (u64)(uintptr_t)m;
	return 0;
}

static void vepc_release(struct drv_file *f)
{
	vepc_destroy(drv_file_private(f));
}

static const struct drv_file_ops vepc_fops = {
	.ioctl = vepc_ioctl,
	.mmap = vepc_mmap,
	.release = vepc_release,
};

void vepc_register(struct drv *host)
{
	drv_register_vepc(host, vepc_open, &vepc_fops);
}
