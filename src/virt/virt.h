/* SPDX-License-Identifier: MIT */
/*
 * Virtualization (architecture.md section 6): virtual EPC, and VMs whose
 * EPC is a virtual EPC of their host.  A guest is a platform of its own
 * (its LPs with virtual hash MSRs, its CPUID 0x12, its driver) whose ENCLS
 * leaves run directly on host EPC pages, except ECREATE and EINIT, which
 * exit here: ECREATE is checked against the guest's CPUID, EINIT runs with
 * the guest's virtual hash through the host's per-LP cache.  Nothing
 * happens on VM entry or exit.  Functions return 0 or -errno.
 */
#ifndef SGXEMU_VIRT_VIRT_H
#define SGXEMU_VIRT_VIRT_H

#include "base/compiler.h"
#include "cpu/cpu.h"
#include "drv/drv.h"

struct vepc;
struct vm;

/*
 * A virtual EPC (/dev/sgx_vepc) of @host's EPC: slots addressed by page
 * offset, each holding a host EPC page from the first time it is used.
 */
int vepc_create(struct drv *host, struct vepc **out) __must_check;
/* Tear down: EREMOVE every page (children before SECS) and return them. */
void vepc_destroy(struct vepc *v);
/* Make slots [0, @nr_pages) usable (an mmap() of them).  Return: 0, -ENOMEM. */
int vepc_reserve(struct vepc *v, u64 nr_pages) __must_check;
/* The host EPC page in slot @index, taken on first use: NULL past the
 * reserved slots or when the host has no free EPC page. */
void *vepc_page(struct vepc *v, u64 index);
/* Host EPC pages the virtual EPC holds. */
u64 vepc_nr_pages(struct vepc *v);
/*
 * SGX_IOC_VEPC_REMOVE_ALL: EREMOVE every page, keeping them.
 * Return: how many SECS pages still had children (the caller retries),
 * or -EBUSY when a page is in use (a thread inside its enclave).
 */
long vepc_remove_all(struct vepc *v);

/* /dev/sgx_vepc and the seed's SGX_IOC_CREATE_VIRTUAL_EPC on @host. */
void vepc_register(struct drv *host);

/* A VM as QEMU's proposal configured one: "epc=SIZE[,lehash=HEX][,lewr]". */
struct vm_config {
	u64 epc_size;
	u8 lehash[SGX_HASH_SIZE];   /* the guest's IA32_SGXLEPUBKEYHASH0-3, bytes in MSR order */
	bool lewr;                  /* the guest may write its hash MSRs */
};

/* Parse @s; @why gets a one-line reason for -EINVAL. */
int vm_config_parse(const char *s, struct vm_config *cfg, char *why, size_t whylen) __must_check;
/*
 * The seed's creation rules: a host that allows every signer accepts any
 * VM; a host with an allow list accepts only a listed lehash, without
 * lewr; a host whose hash MSRs are locked, only its own hash.
 * Return: 0, or -EPERM with @why naming the rule.
 */
int vm_check_rules(struct drv *host, const struct vm_config *cfg, char *why,
		   size_t whylen) __must_check;
/*
 * Create a VM on @host whose EPC is @vepc, seen by the guest through
 * @window (slots 0 onwards, cfg->epc_size bytes, reserved by the caller).
 * @guest gives the guest's LPs, SGX2 and CPUID limits; its EPC size and
 * hash MSRs come from @cfg.  The rules above are checked first.
 * Return: 0, -EPERM or -EINVAL with @why, -ENOMEM.
 */
int vm_create(struct drv *host, struct vepc *vepc, void *window, const struct vm_config *cfg,
	      const struct platform_config *guest, struct vm **out, char *why,
	      size_t whylen) __must_check;
void vm_destroy(struct vm *vm);
struct platform *vm_platform(struct vm *vm);

/* What a VM's exits did. */
struct vm_stats {
	u64 ecreate_exits, einit_exits;
	u64 gp_injected;            /* guest ECREATEs refused with #GP */
};
void vm_stats(struct vm *vm, struct vm_stats *out);

#endif
