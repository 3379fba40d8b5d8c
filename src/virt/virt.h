/* SPDX-License-Identifier: MIT */
/*
 * Virtualization (architecture.md section 6): virtual EPC, and VMs whose
 * EPC is a virtual EPC of their host.  A guest is a platform of its own
 * (its LPs with virtual hash MSRs, its CPUID 0x12, its driver) whose ENCLS
 * leaves run directly on host EPC pages, except ECREATE and EINIT, which
 * exit here: ECREATE is checked against the guest's CPUID, EINIT runs with
 * the guest's virtual hash through the host's per-LP cache.  Nothing
 * happens on VM entry or exit.  A guest's EPC may be larger than its
 * host's: the VMM evicts guest pages (ENCLV and the paging leaves) and
 * brings them back when the guest touches them (vepc.c).  Functions
 * return 0 or -errno.
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
 * Every virtual EPC of one host belongs to that host's VMM, which may take
 * pages back from any of them that pages (vepc_enable_paging()).
 */
int vepc_create(struct drv *host, struct vepc **out) __must_check;
/* Tear down: EREMOVE every page (children before SECS) and return them. */
void vepc_destroy(struct vepc *v);
/* @v backs a VM from now on, until vepc_unclaim(); a virtual EPC backs one
 * VM at most.  Return: 0, or -EBUSY if it backs one already. */
int vepc_claim(struct vepc *v) __must_check;
void vepc_unclaim(struct vepc *v);
/* Make slots [0, @nr_pages) usable (an mmap() of them).
 * Return: 0, -ENOMEM, -EBUSY (more slots once paging has started). */
int vepc_reserve(struct vepc *v, u64 nr_pages) __must_check;
/*
 * Let the VMM page this virtual EPC (the guest's is larger than what the
 * host gives it): a backing store for every slot and VA pages for their
 * versions, taken now.  @epc_pa is the guest-physical address of slot 0,
 * the guest's name for its SECS pages (ENCLAVECONTEXT).
 * Return: 0, -EINVAL (no slots), -ENOMEM (no memory, or no host EPC for
 * the VA pages).
 */
int vepc_enable_paging(struct vepc *v, u64 epc_pa) __must_check;
/* The EPT hooks a guest platform on @v needs (virt_ext when it pages). */
void vepc_ept(struct vepc *v, struct platform_ept *ept);
/*
 * The host EPC page in slot @index, taken on first use and brought back
 * if the VMM had evicted it, and held until vepc_put(): NULL past the
 * reserved slots or when no host page can be had.
 */
void *vepc_get(struct vepc *v, u64 index);
void vepc_put(struct vepc *v, u64 index);
/* Host EPC pages the virtual EPC holds. */
u64 vepc_nr_pages(struct vepc *v);
/*
 * SGX_IOC_VEPC_REMOVE_ALL: EREMOVE every page, keeping them (pages the VMM
 * evicted are forgotten).
 * Return: how many SECS pages still had children (the caller retries),
 * or -EBUSY when a page is in use (a thread inside its enclave).
 */
long vepc_remove_all(struct vepc *v);

/* Mappings of virtual EPCs in [@start, @start+@len) went (munmap, or a
 * mapping put over them): the VMM's touches there are no longer theirs. */
void vepc_forget_range(u64 start, u64 len);
/* /dev/sgx_vepc and the seed's SGX_IOC_CREATE_VIRTUAL_EPC on @host; the
 * VMM's touches of its mappings behave as on Linux (vepc.c: the first
 * mmap in a process installs the emulator's fault handlers). */
void vepc_register(struct drv *host);
/* The VMM's paging of one virtual EPC. */
struct vepc_stats {
	u64 host_pages;        /* host EPC pages it holds now */
	u64 evicted, reloaded; /* pages the VMM wrote back and brought back */
	u64 dropped;           /* invalid pages the VMM gave back to the host */
};
void vepc_stats(struct vepc *v, struct vepc_stats *out);
/* Evict up to about @n of @v's pages now, whatever the other VMs hold
 * (tests, benchmarks).  Return: pages that left the host EPC. */
unsigned int vepc_reclaim(struct vepc *v, unsigned int n);
/* Where the VMM keeps evicted slot @index (tests: alter or replay it).
 * Return: 0, or -ENOENT when the slot is not evicted. */
int vepc_evicted_copy(struct vepc *v, u64 index, void **data, struct sgx_pcmd **pcmd);

/* A VM as QEMU's proposal configured one: "epc=SIZE[,lehash=HEX][,lewr]". */
struct vm_config {
	u64 epc_size;
	u8 lehash[SGX_HASH_SIZE];   /* the guest's IA32_SGXLEPUBKEYHASH0-3, bytes in MSR order */
	bool lewr;                  /* the guest may write its hash MSRs */
	bool lehash_given;          /* lehash= was there; else @lehash is a default */
};

/* Parse @s; @why gets a one-line reason for -EINVAL.  Without lehash=,
 * the hash is Intel's until vm_config_host_default(). */
int vm_config_parse(const char *s, struct vm_config *cfg, char *why, size_t whylen) __must_check;
/*
 * The default lehash on @host: a host that launches a single LE's signer
 * (drv_launch_single()) gives its guests that hash, as the seed proposes,
 * so that a VM configured without lehash= passes the rules below; other
 * hosts, Intel's.  A given lehash= stays.
 */
void vm_config_host_default(struct drv *host, struct vm_config *cfg);
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
 * The guest's EPC may be larger than the host's where the host can page
 * (drv_paging_available()): the VMM then evicts guest pages to make room.
 * @guest gives the guest's LPs, SGX2 and CPUID limits; its EPC size and
 * hash MSRs come from @cfg.  The rules above are checked first.
 * Return: 0, -EPERM or -EINVAL with @why, -ENOMEM.
 */
int vm_create(struct drv *host, struct vepc *vepc, void *window, const struct vm_config *cfg,
	      const struct platform_config *guest, struct vm **out, char *why,
	      size_t whylen) __must_check;
void vm_destroy(struct vm *vm);
struct platform *vm_platform(struct vm *vm);

/* What a VM's exits did, and what its VMM paged. */
struct vm_stats {
	u64 ecreate_exits, einit_exits;
	u64 gp_injected;            /* guest ECREATEs refused with #GP */
	u64 vmm_evicted, vmm_reloaded; /* guest pages the VMM wrote back and brought back */
};
void vm_stats(struct vm *vm, struct vm_stats *out);

#endif
