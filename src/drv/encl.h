/* SPDX-License-Identifier: MIT */
/* Enclave objects and the driver's internals.  Internal to src/drv. */
#ifndef SGXEMU_DRV_ENCL_H
#define SGXEMU_DRV_ENCL_H

#include <pthread.h>
#include <stdatomic.h>

#include "drv/drv.h"
#include "drv/launch.h"

#define DRV_MAX_ENCLAVES 256

struct drv {
	struct platform *plat;
	pthread_mutex_t lock;       /* protects free, nr_free */
	u64 *free;                  /* free EPC page indices, a stack */
	u64 nr_free;
	/* Enclaves by ELRANGE, read lock-free by drv_walk(). */
	_Atomic(struct encl *) encls[DRV_MAX_ENCLAVES];
	struct launch launch;
};

static inline struct launch *drv_launch(struct drv *drv)
{
	return &drv->launch;
}

/* One entry per page of ELRANGE: the driver's page table. */
struct encl_page {
	_Atomic(u64) epc;   /* EPC page address, 0 if none */
	_Atomic(u8) prot;   /* PROT_* of the process's mapping; 0: unmapped */
	u8 max_prot;        /* PROT_* the page's SECINFO allows (vm_max_prot_bits) */
	u8 type;            /* SGX page type */
};

struct encl {
	struct drv *drv;
	pthread_mutex_t lock;       /* serialises the operations below */
	u64 base, size;
	bool created;               /* ECREATE done */
	bool initialized;           /* EINIT done */
	u64 attributes;             /* SECS.ATTRIBUTES.FLAGS */
	u64 attributes_mask;        /* the attributes this enclave may have */
	atomic_bool in_ioctl;       /* Linux's SGX_ENCL_IOCTL */
	void *secs;                 /* SECS EPC page */
	int memfd;                  /* enclave pages, at their ELRANGE offsets */
	u8 *view;                   /* the driver's own mapping of memfd */
	struct encl_page *pages;    /* size / 4096 entries */
};

void *drv_epc_alloc(struct drv *drv);
void drv_epc_free(struct drv *drv, void *page);
int drv_add_encl(struct drv *drv, struct encl *encl);
void drv_remove_encl(struct drv *drv, struct encl *encl);
int drv_walk(void *ctx, u64 la, void **epc, unsigned int *prot);
int encl_walk(struct encl *encl, u64 la, void **epc, unsigned int *prot);
struct lp *drv_lp(struct drv *drv);

#endif
