// SPDX-License-Identifier: MIT
/* VMs: configuration, the seed's creation rules, the ENCLS exits, VMX. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86.h"
#include "base/hex.h"
#include "base/log.h"
#include "base/parse.h"
#include "drv/uaccess.h"
#include "virt/virt.h"

struct vm {
	struct drv *host;
	struct vepc *vepc;
	struct platform *guest;
	struct vm_config cfg;
	atomic_ullong ecreate_exits, einit_exits, gp_injected;
};

/* @len bytes at @s as a string; longer values are cut (and then refused). */
static const char *value(char *buf, size_t buflen, const char *s, size_t len)
{
	snprintf(buf, buflen, "%.*s", (int)(len < buflen ? len : buflen - 1), s);
	if (len >= buflen)
		buf[buflen - 2] = '?';
	return buf;
}

int vm_config_parse(const char *s, struct vm_config *cfg, char *why, size_t whylen)
{
	bool have_epc = false;
	char val[80];

	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->lehash, platform_intel_lehash, sizeof(cfg->lehash));
	while (s && *s) {
		size_t len = strcspn(s, ",");

		if (len >= 4 && !strncmp(s, "epc=", 4)) {
			if (parse_size("epc", value(val, sizeof(val), s + 4, len - 4),
				       PLATFORM_MIN_EPC_SIZE, PLATFORM_MAX_EPC_SIZE, 4096,
				       &cfg->epc_size, why, whylen))
				return -EINVAL;
			have_epc = true;
		} else if (len >= 7 && !strncmp(s, "lehash=", 7)) {
			if (parse_hash("lehash", value(val, sizeof(val), s + 7, len - 7), cfg->lehash,
				       why, whylen))
				return -EINVAL;
			cfg->lehash_given = true;
		} else if (len == 4 && !strncmp(s, "lewr", 4)) {
			cfg->lewr = true;
		} else {
			char q[128];

			parse_quote(q, sizeof(q), "", value(val, sizeof(val), s, len));
			snprintf(why, whylen, "%s: expected epc=SIZE, lehash=HEX or lewr", q);
			return -EINVAL;
		}
		s += len + (s[len] == ',');
	}
	if (!have_epc) {
		snprintf(why, whylen, "no epc=SIZE: a VM needs an EPC size (epc=SIZE[,lehash=HEX][,lewr])");
		return -EINVAL;
	}
	return 0;
}

void vm_config_host_default(struct drv *host, struct vm_config *cfg)
{
	if (!cfg->lehash_given && !drv_launch_single(host, cfg->lehash))
		memcpy(cfg->lehash, platform_intel_lehash, sizeof(cfg->lehash));
}

int vm_check_rules(struct drv *host, const struct vm_config *cfg, char *why, size_t whylen)
{
	const struct platform_config *hc = platform_config(drv_platform(host));
	char hex[2 * SGX_HASH_SIZE + 1];

	hex_encode(hex, cfg->lehash, SGX_HASH_SIZE);
	if (hc->lc_locked) {
		/* The host's MSRs are fixed, and every guest EINIT runs with them. */
		if (cfg->lewr || memcmp(cfg->lehash, hc->lehash, SGX_HASH_SIZE)) {
			snprintf(why, whylen,
				 "VM refused: the host's hash MSRs are locked, so a guest may only "
				 "have the host's own lehash, without lewr");
			return -EPERM;
		}
		return 0;
	}
	if (drv_launch_allows_all(host))
		return 0;
	if (cfg->lewr) {
		snprintf(why, whylen,
			 "VM refused: lewr needs a host that allows every signer (this host has an "
			 "allow list; a guest may not be less restrictive than its host)");
		return -EPERM;
	}
	if (!drv_launch_allowed(host, cfg->lehash)) {
		snprintf(why, whylen,
			 "VM refused: lehash %s%s is not on the host's allow list (a host with an "
			 "allow list accepts only a listed lehash, without lewr)",
			 hex,
			 memcmp(cfg->lehash, platform_intel_lehash, SGX_HASH_SIZE) ? "" :
										    " (Intel's, the default)");
		return -EPERM;
	}
	return 0;
}

/*
 * Read @len bytes of the guest's operand at @src, once, as KVM copies them
 * before checking: EPC reads as the abort page (all ones), a bad address
 * is a #PF in the guest.
 */
static int guest_read(struct vm *vm, struct lp *lp, void *dst, u64 src, size_t len)
{
	const void *p = (const void *)(uintptr_t)src;

	if (platform_epc_index(vm->guest, p) >= 0 ||
	    platform_epc_index(drv_platform(vm->host), p) >= 0) {
		memset(dst, 0xFF, len);
		return 0;
	}
	return uaccess_copy_from(dst, src, len) ? lp_pf_into(lp, p, false) : 0;
}

/* The host leaf's result for the guest: a #PF on the host page behind the
 * guest's operand is the guest's #PF at the operand itself. */
static int reflect(struct lp *lp, const struct lp *host, int ret, const void *hpage,
		   const void *gpage)
{
	const struct lp_fault *f = lp_last_fault(host);

	if (encls_faulted(ret) && f->vector == X86_VEC_PF &&
	    f->addr - (u64)(uintptr_t)hpage < SGX_PAGE_SIZE)
		return lp_pf_into(lp, gpage, true);
	return platform_reflect(lp, host, ret);
}

/*
 * Guest ECREATE: PAGEINFO and the SECS are copied once and the copy must
 * fit the guest's CPUID.(12H,0) and (12H,1), or the guest gets #GP(0);
 * then the host runs ECREATE from the copy on the host page.
 */
static int vm_ecreate(void *ctx, struct lp *lp, struct sgx_pageinfo *pginfo, void *secs)
{
	struct vm *vm = ctx;
	struct sgx_pageinfo pi __aligned(32);
	struct sgx_secs *s;
	u32 r0[4], r1[4], max_log2;
	u64 attributes, xfrm;
	struct lp *hlp;
	void *hsecs;
	s64 index;
	int ret;

	atomic_fetch_add(&vm->ecreate_exits, 1);
	/* The leaf's own alignment #GPs come first, as in KVM's exit. */
	if ((uintptr_t)pginfo % 32 || (uintptr_t)secs % SGX_PAGE_SIZE)
		return lp_gp_into(lp);
	ret = guest_read(vm, lp, &pi, (u64)(uintptr_t)pginfo, sizeof(pi));
	if (ret)
		return ret;
	if (pi.srcpge % SGX_PAGE_SIZE || pi.secinfo % 64)
		return lp_gp_into(lp);
	s = aligned_alloc(SGX_PAGE_SIZE, sizeof(*s));
	if (!s)
		return lp_gp_into(lp); /* the VMM cannot serve the exit */
	ret = guest_read(vm, lp, s, pi.srcpge, sizeof(*s));
	if (ret)
		goto out;
	platform_cpuid(vm->guest, SGX_CPUID, 0, r0);
	platform_cpuid(vm->guest, SGX_CPUID, 1, r1);
	attributes = (u64)r1[1] << 32 | r1[0];
	xfrm = (u64)r1[3] << 32 | r1[2];
	max_log2 = (s->attributes.flags & SGX_ATTR_MODE64BIT) ? (r0[3] >> 8) & 0xFF : r0[3] & 0xFF;
	if ((s->miscselect & ~r0[1]) || (s->attributes.flags & ~attributes) ||
	    (s->attributes.xfrm & ~xfrm) ||
	    (s->attributes.xfrm & SGX_XFRM_LEGACY) != SGX_XFRM_LEGACY ||
	    s->size >= 1ULL << max_log2) {
		atomic_fetch_add(&vm->gp_injected, 1);
		ret = lp_gp_into(lp);
		goto out;
	}
	/* Only the guest's own EPC: any other address, a host EPC page
	 * included, is not EPC to the guest. */
	index = platform_epc_index(vm->guest, secs);
	hsecs = index < 0 ? NULL : vepc_get(vm->vepc, (u64)index);
	if (!hsecs) {
		ret = lp_pf_into(lp, secs, true);
		goto out;
	}
	pi.srcpge = (u64)(uintptr_t)s;
	hlp = drv_lp(vm->host);
	ret = reflect(lp, hlp, encls_ecreate(hlp, &pi, hsecs), hsecs, secs);
	/* ECREATE named the SECS by its host address; the guest's name for
	 * it is what its ERDINFO, and this VMM's, should report. */
	if (!ret) {
		u64 gpa = platform_epc_pa(vm->guest, secs);

		if (enclv_esetcontext(hlp, hsecs, &gpa))
			log_warn("VM: ESETCONTEXT after the guest's ECREATE failed");
	}
	vepc_put(vm->vepc, (u64)index);
out:
	free(s);
	return ret;
}

/* Guest EINIT: on a host LP, with the guest LP's virtual hash. */
static int vm_einit(void *ctx, struct lp *lp, struct sgx_sigstruct *sig, void *secs,
		    struct sgx_einittoken *token)
{
	struct vm *vm = ctx;
	const struct lp *ran_on;
	u64 hash[4];
	void *hsecs;
	unsigned int i;
	s64 index;
	int ret;

	atomic_fetch_add(&vm->einit_exits, 1);
	if ((uintptr_t)sig % SGX_PAGE_SIZE || (uintptr_t)secs % SGX_PAGE_SIZE ||
	    (uintptr_t)token % 512)
		return lp_gp_into(lp);
	for (i = 0; i < 4; i++)
		if (lp_rdmsr(lp, MSR_IA32_SGXLEPUBKEYHASH0 + i, &hash[i]))
			return lp_gp_into(lp);
	index = platform_epc_index(vm->guest, secs);
	hsecs = index < 0 ? NULL : vepc_get(vm->vepc, (u64)index);
	if (!hsecs)
		return lp_pf_into(lp, secs, true);
	/* The host's leaf copies SIGSTRUCT and the token before it checks. */
	ret = drv_einit_guest(vm->host, sig, hsecs, token, hash, &ran_on);
	ret = reflect(lp, ran_on, ret, hsecs, secs);
	vepc_put(vm->vepc, (u64)index);
	return ret;
}

int vm_create(struct drv *host, struct vepc *vepc, void *window, const struct vm_config *cfg,
	      const struct platform_config *guest, struct vm **out, char *why, size_t whylen)
{
	u64 host_bytes = platform_epc_pages(drv_platform(host)) * SGX_PAGE_SIZE;
	struct platform_config gcfg = *guest;
	struct platform_ept ept;
	struct platform_vmexits exits;
	char paging_why[160];
	bool paging;
	struct vm *vm;
	int err;

	err = vm_check_rules(host, cfg, why, whylen);
	if (err)
		return err;
	/* A guest larger than its host needs the VMM to page its EPC, which
	 * needs what the host driver's paging needs. */
	paging = drv_paging_available(paging_why, sizeof(paging_why));
	if (cfg->epc_size > host_bytes && !paging) {
		snprintf(why, whylen,
			 "VM refused: a %llu-byte guest EPC is larger than the host's %llu bytes "
			 "and this host cannot page EPC (%s)",
			 (unsigned long long)cfg->epc_size, (unsigned long long)host_bytes,
			 paging_why);
		return -EINVAL;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	vm->host = host;
	vm->vepc = vepc;
	vm->cfg = *cfg;
	err = vepc_reserve(vepc, cfg->epc_size / SGX_PAGE_SIZE);
	if (err) {
		free(vm);
		snprintf(why, whylen, "out of memory");
		return err;
	}
	/* The VMM runs ENCLV: VMX on (VMXON) for the host's LPs. */
	err = platform_vmxon(drv_platform(host));
	if (err) {
		free(vm);
		snprintf(why, whylen, "a VM's host must be a host, not a guest");
		return err;
	}
	gcfg.epc_size = cfg->epc_size;
	gcfg.lc_locked = !cfg->lewr;
	memcpy(gcfg.lehash, cfg->lehash, sizeof(gcfg.lehash));
	vepc_ept(vepc, &ept);
	/* ENABLE_EPC_VIRTUALIZATION_EXTENSIONS for a guest the VMM pages. */
	ept.virt_ext = paging;
	exits.ecreate = vm_ecreate;
	exits.einit = vm_einit;
	exits.ctx = vm;
	err = platform_create_guest(drv_platform(host), &gcfg, window, &ept, &exits, &vm->guest,
				    why, whylen);
	if (err)
		goto err_vmxoff;
	/* The guest names its SECS pages by guest-physical address. */
	if (paging && vepc_enable_paging(vepc, platform_epc_pa(vm->guest, window))) {
		snprintf(why, whylen,
			 "VM refused: no room in the host's EPC for the VMM's version arrays of a "
			 "%llu-byte guest EPC",
			 (unsigned long long)cfg->epc_size);
		platform_destroy(vm->guest);
		err = -ENOMEM;
		goto err_vmxoff;
	}
	*out = vm;
	return 0;
err_vmxoff:
	platform_vmxoff(drv_platform(host));
	free(vm);
	return err;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	platform_destroy(vm->guest);
	platform_vmxoff(drv_platform(vm->host));
	free(vm);
}

struct platform *vm_platform(struct vm *vm)
{
	return vm->guest;
}

void vm_stats(struct vm *vm, struct vm_stats *out)
{
	struct vepc_stats vs;

	vepc_stats(vm->vepc, &vs);
	out->ecreate_exits = atomic_load(&vm->ecreate_exits);
	out->einit_exits = atomic_load(&vm->einit_exits);
	out->gp_injected = atomic_load(&vm->gp_injected);
	out->vmm_evicted = vs.evicted;
	out->vmm_reloaded = vs.reloaded;
}
