// SPDX-License-Identifier: MIT
/* How ENCLU leaves reach enclave memory: the OS's page walk, then the EPCM. */
#include <string.h>
#include <sys/mman.h>

#include "base/shm.h"
#include "cpu/enclu/enclu.h"
#include "cpu/track.h"
#include "cpu/leaf.h"
#include "cpu/secs.h"

int enclu_raise(struct tcb *t, u8 vector, u32 ec, u64 addr)
{
	t->fault.vector = vector;
	t->fault.error_code = ec;
	t->fault.addr = addr;
	return ENCLS_FAULT_FLAG | vector;
}

static int raise_pf(struct tcb *t, u64 la, u32 ec)
{
	t->fault.vector = X86_VEC_PF;
	t->fault.error_code = ec;
	t->fault.addr = la;
	return ENCLS_FAULT_FLAG | X86_VEC_PF;
}

static int raise_gp(struct tcb *t)
{
	t->fault.vector = X86_VEC_GP;
	t->fault.error_code = 0;
	t->fault.addr = 0;
	return ENCLS_FAULT_FLAG | X86_VEC_GP;
}

/*
 * A slot holds a page's address with bit 0 set, and 0 when free: a leaf
 * may claim a slot and be interrupted before it writes it, and a handler's
 * leaf that reads the stack then must not take what the slot held before
 * for a page someone holds.
 */
#define PIN_SLOT_USED 1ULL

/* Whether the thread holds @page already, for this leaf or for a leaf it
 * interrupted: either lets go of it only after this leaf is over. */
static bool pin_held(const struct tcb *t, u64 page)
{
	unsigned int i, n = t->nr_pinned;

	for (i = 0; i < n && i < ARRAY_SIZE(t->pinned); i++)
		if (t->pinned[i] == (page | PIN_SLOT_USED))
			return true;
	return false;
}

/*
 * The OS's part of resolving @la: hold the page in the EPC until the leaf
 * is over (a later operand's reload must not evict an earlier one from
 * under us), then walk the page tables.  NULL (#PF with @ec) when nothing
 * is mapped there, or when the page cannot be held.
 */
static struct epc_page *pin_walk(struct tcb *t, u64 la, u32 ec, unsigned int *prot)
{
	struct platform *plat = t->plat;
	u64 page_la = la & PAGE_MASK;
	struct epc_page *page;
	void *epc;

	if (plat->mmu.pin && !pin_held(t, page_la)) {
		unsigned int n = t->nr_pinned;

		/*
		 * No room: nested deeper than TCB_MAX_PINNED allows.  A page
		 * the leaf used without a hold could be evicted under it (or
		 * never brought back: only the pin reloads), so the access
		 * faults as when the OS cannot bring the page in.  Signal
		 * handlers above us give their slots back before we resume,
		 * so the count read here is still ours after pin().
		 */
		if (n >= ARRAY_SIZE(t->pinned)) {
			raise_pf(t, la, ec);
			return NULL;
		}
		if (plat->mmu.pin(plat->mmu.ctx, page_la)) {
			raise_pf(t, la, ec);
			return NULL;
		}
		/* A signal handler may pin and unpin on top of ours (above
		 * its mark) at any instruction: a slot is claimed before it
		 * is written, and read before it is given up. */
		t->nr_pinned = n + 1;
		atomic_signal_fence(memory_order_seq_cst);
		t->pinned[n] = page_la | PIN_SLOT_USED;
	}
	if (plat->mmu.walk(plat->mmu.ctx, page_la, &epc, prot)) {
		raise_pf(t, la, ec);
		return NULL;
	}
	page = epc_page_at(plat, epc);
	if (!page)
		raise_pf(t, la, ec | X86_PF_P | X86_PF_SGX);
	return page;
}

bool enclu_in_elrange(const struct tcb *t, u64 la, size_t len)
{
	return la >= t->base && la - t->base < t->size && len <= t->base + t->size - la;
}

struct epc_page *enclu_resolve(struct tcb *t, u64 la, bool write, unsigned int *prot)
{
	return pin_walk(t, la, X86_PF_U | (write ? X86_PF_W : 0), prot);
}

void *enclu_operand_check(struct tcb *t, u64 la, bool write, struct epc_page *page,
			  unsigned int prot)
{
	u32 ec = X86_PF_U | (write ? X86_PF_W : 0);

	if (!(prot & (write ? PROT_WRITE : PROT_READ))) {
		raise_pf(t, la, ec | X86_PF_P);
		return NULL;
	}
	/* The EPCM must agree: a valid, unblocked REG page of this enclave at
	 * this address, with the access allowed and not pending. */
	if (!page->epcm.valid || page->epcm.pt != SGX_PT_REG ||
	    page->epcm.secs != t->secs || page->epcm.enclave_address != (la & PAGE_MASK) ||
	    (page->epcm.flags & (EPCM_BLOCKED | EPCM_PENDING | EPCM_MODIFIED)) ||
	    !(page->epcm.flags & (write ? EPCM_W : EPCM_R))) {
		raise_pf(t, la, ec | X86_PF_P | X86_PF_SGX);
		return NULL;
	}
	return page->mem + (la & (SGX_PAGE_SIZE - 1));
}

void *enclu_operand(struct tcb *t, u64 la, size_t len, bool write)
{
	struct epc_page *page;
	unsigned int prot;

	/* SDM EREPORT/EGETKEY: "IF (DS:RBX is not within CR_ELRANGE) #GP(0)". */
	if (!enclu_in_elrange(t, la, len)) {
		raise_gp(t);
		return NULL;
	}
	page = enclu_resolve(t, la, write, &prot);
	return page ? enclu_operand_check(t, la, write, page, prot) : NULL;
}

struct epc_page *enclu_target(struct tcb *t, u64 la)
{
	if (!is_aligned(la, SGX_PAGE_SIZE) || !enclu_in_elrange(t, la, SGX_PAGE_SIZE)) {
		raise_gp(t);
		return NULL;
	}
	return enclu_resolve(t, la, false, &(unsigned int){ 0 });
}

void enclu_epcm_changed(struct tcb *t, u64 la)
{
	if (t->plat->mmu.update)
		t->plat->mmu.update(t->plat->mmu.ctx, la);
}

struct enclu_mark enclu_mark(const struct tcb *t)
{
	/* (The EPT's holds are the thread's, TCB or none.) */
	return (struct enclu_mark){ .pinned = t ? t->nr_pinned : 0, .ept_held = ept_held() };
}

void enclu_unpin_to(struct tcb *t, struct enclu_mark mark)
{
	struct platform *plat = t->plat;

	/* The guest pages the instruction translated, through its VMM's EPT. */
	ept_release_instruction(mark.ept_held);

	while (t->nr_pinned > mark.pinned) {
		unsigned int n = t->nr_pinned - 1;
		u64 la = t->pinned[n] & PAGE_MASK;

		/* Free before it is given up: see PIN_SLOT_USED.  (The page
		 * is still held until after the pop, so a handler that finds
		 * it here meanwhile may count on it.) */
		t->pinned[n] = 0;
		atomic_signal_fence(memory_order_seq_cst);
		t->nr_pinned = n;
		if (plat && plat->mmu.unpin)
			plat->mmu.unpin(plat->mmu.ctx, la);
	}
}

void enclu_unpin_all(struct tcb *t)
{
	enclu_unpin_to(t, (struct enclu_mark){ 0, 0 });
}

u32 enclu_classify_pf(struct tcb *t, u64 la, u32 kernel_ec)
{
	struct platform *plat = t->plat;
	struct epc_page *page;
	unsigned int prot;
	void *epc;
	u32 ec = kernel_ec & (X86_PF_P | X86_PF_W | X86_PF_U | X86_PF_I | X86_PF_PK);
	u16 need;

	ec |= X86_PF_U;
	if (plat->mmu.walk(plat->mmu.ctx, la & PAGE_MASK, &epc, &prot))
		return ec;
	/* The PTE refused the access: an ordinary #PF. */
	if ((ec & X86_PF_W) ? !(prot & PROT_WRITE) :
	    (ec & X86_PF_I) ? !(prot & PROT_EXEC) : !(prot & (PROT_READ | PROT_EXEC)))
		return ec | X86_PF_P;
	page = epc_page_at(plat, epc);
	if (!page)
		return ec;
	need = (ec & X86_PF_W) ? EPCM_W : (ec & X86_PF_I) ? EPCM_X : EPCM_R;
	/* The PTE allowed it, so the EPCM refused: the SGX bit (SDM "Page
	 * Faults in an Enclave"). */
	if (!page->epcm.valid || page->epcm.secs != t->secs ||
	    page->epcm.enclave_address != (la & PAGE_MASK) ||
	    (page->epcm.flags & (EPCM_BLOCKED | EPCM_PENDING | EPCM_MODIFIED)) ||
	    page->epcm.pt != SGX_PT_REG || !(page->epcm.flags & need))
		return ec | X86_PF_P | X86_PF_SGX;
	return ec;
}

int enclu_find_tcs(struct tcb *t, struct platform **platp, u64 la, struct enclu_entry *e)
{
	struct platform *plat;
	struct epc_page *page;
	struct sgx_secs *secs;
	unsigned int prot;
	void *epc;

	/* SDM EENTER/ERESUME: "IF (DS:RBX is not 4KByte Aligned) THEN #GP(0)". */
	if (!is_aligned(la, SGX_PAGE_SIZE))
		return raise_gp(t);
	plat = *platp ? *platp : exec_platform_for(la, &epc, &prot);
	if (!plat || plat->mmu.walk(plat->mmu.ctx, la, &epc, &prot))
		return raise_pf(t, la, X86_PF_U);
	*platp = plat;
	page = epc_page_at(plat, epc);
	if (!page || !page->epcm.valid || page->epcm.pt != SGX_PT_TCS ||
	    (page->epcm.flags & (EPCM_BLOCKED | EPCM_PENDING | EPCM_MODIFIED)))
		return raise_pf(t, la, X86_PF_U | X86_PF_P | X86_PF_SGX);
	if (page->epcm.enclave_address != la)
		return raise_gp(t);
	secs = secs_of(page->epcm.secs->mem);
	/* Only initialized 64-bit enclaves run here. */
	if (!(secs->attributes.flags & SGX_ATTR_INIT) ||
	    !(secs->attributes.flags & SGX_ATTR_MODE64BIT))
		return raise_gp(t);
	e->tcs_page = page;
	e->tcs = (struct sgx_tcs *)(void *)page->mem;
	e->secs_page = page->epcm.secs;
	e->secs = secs;
	if (!is_aligned(e->tcs->ossa, SGX_PAGE_SIZE) || !is_aligned(e->tcs->ofsbase, SGX_PAGE_SIZE) ||
	    !is_aligned(e->tcs->ogsbase, SGX_PAGE_SIZE))
		return raise_gp(t);
	/* Reserved FLAGS bits: all but DBGOPTIN, and AEXNOTIFY where the
	 * processor has no AEX-Notify (SDM EENTER/ERESUME). */
	if (e->tcs->flags & ~(SGX_TCS_DBGOPTIN | ((plat->attributes_mask & SGX_ATTR_AEXNOTIFY) ?
						       SGX_TCS_AEXNOTIFY : 0)))
		return raise_gp(t);
	/* XFRM must be enabled in XCR0 (ECREATE guaranteed it was then). */
	if (secs->attributes.xfrm & ~plat->xfrm_mask)
		return raise_gp(t);
	/* "IF (TCS.FLAGS.DBGOPTIN = 0 and TCS.FLAGS.AEXNOTIFY ≠
	 * SECS.ATTRIBUTES.AEXNOTIFY) THEN #GP(0)": every thread of an
	 * AEX-Notify enclave takes notifications unless a debugger opted in. */
	if (!(e->tcs->flags & SGX_TCS_DBGOPTIN) &&
	    !(e->tcs->flags & SGX_TCS_AEXNOTIFY) != !(secs->attributes.flags & SGX_ATTR_AEXNOTIFY))
		return raise_gp(t);
	/* The enclave the next checks are against; harmless outside enclave
	 * mode, which only enclu_enter_mode() turns on. */
	t->plat = plat;
	t->secs = e->secs_page;
	t->base = secs->baseaddr;
	t->size = secs->size;
	t->ssaframesize = secs->ssaframesize;
	t->xfrm = secs->attributes.xfrm;
	t->miscselect = secs->miscselect;
	return 0;
}

int enclu_check_ssa(struct tcb *t, const struct enclu_entry *e, u32 frame)
{
	u64 la = e->secs->baseaddr + e->tcs->ossa +
		 (u64)frame * e->secs->ssaframesize * SGX_PAGE_SIZE;
	u32 i;

	for (i = 0; i < e->secs->ssaframesize; i++)
		if (!enclu_operand(t, la + (u64)i * SGX_PAGE_SIZE, SGX_PAGE_SIZE, true))
			return ENCLS_FAULT_FLAG | t->fault.vector;
	return 0;
}

u64 enclu_frame_la(const struct tcb *t, const struct sgx_tcs *tcs, u32 frame)
{
	return t->base + tcs->ossa + (u64)frame * t->ssaframesize * SGX_PAGE_SIZE;
}

void *enclu_gprsgx(struct tcb *t, const struct sgx_tcs *tcs, u32 frame)
{
	u64 la = enclu_frame_la(t, tcs, frame + 1) - SGX_SSA_GPRS_SIZE;

	return enclu_operand(t, la, SGX_SSA_GPRS_SIZE, true);
}

bool enclu_copy(struct tcb *t, u64 la, void *buf, size_t len, bool to_enclave)
{
	u8 *p = buf;

	while (len) {
		size_t n = SGX_PAGE_SIZE - (la & (SGX_PAGE_SIZE - 1));
		u8 *m;

		if (n > len)
			n = len;
		m = enclu_operand(t, la, n, to_enclave);
		if (!m)
			return false;
		if (to_enclave)
			memcpy(m, p, n);
		else
			memcpy(p, m, n);
		la += n;
		p += n;
		len -= n;
	}
	return true;
}

void enclu_enter_mode(struct tcb *t, struct platform *plat, const struct enclu_entry *e,
		      u64 tcs_la, u64 aep)
{
	t->tcs = e->tcs_page;
	t->tcs_linaddr = tcs_la;
	t->aep = aep;
	/* The record first, the count after, as in track_enter(). */
	atomic_store(&e->tcs_page->tcs_tid, shm_self_tid());
	atomic_fetch_add(&e->secs_page->nr_active, 1);
	/* Waits while a VMM holds the enclave (platform_vmm_hold()). */
	track_enter_unheld(plat, e->secs_page, e->tcs_page);
	/* The caller turns on t->in_enclave at the point where it can no longer
	 * be interrupted by a signal in host code (see entry.S). */
}

void enclu_leave_mode(struct tcb *t)
{
	/* Whatever kick was on its way has done its job (or will find the
	 * thread outside); the next may be sent. */
	atomic_store(&t->kicked, false);
	tcb_set_in_enclave(t, 0);
	t->load_encl = 0;
	if (!atomic_exchange(&t->parked, false))
		track_exit(t->secs, t->tcs);
	/* The count first, the record after: see track_exit(). */
	atomic_fetch_sub(&t->secs->nr_active, 1);
	atomic_store(&t->tcs->tcs_tid, 0);
	atomic_store(&t->tcs->tcs_active, false);
}

int enclu_claim_tcs(struct tcb *t, u64 tcs_la, bool resume, struct platform **platp,
		    struct enclu_entry *e, u32 *frame, struct sgx_gprsgx **gpr)
{
	u32 cssa;
	int ret;

	if (t->in_enclave)
		return raise_gp(t);
	*platp = NULL;
	ret = enclu_find_tcs(t, platp, tcs_la, e);
	if (ret)
		return ret;
	if ((*platp)->mmu.entering)
		(*platp)->mmu.entering((*platp)->mmu.ctx);
	/* SDM: "IF (TCS is not available) THEN #GP(0)": one thread per TCS. */
	if (atomic_exchange(&e->tcs_page->tcs_active, true))
		return raise_gp(t);
	cssa = e->tcs->cssa;
	/* EENTER: "IF (TCS.CSSA >= TCS.NSSA) THEN #GP(0)"; ERESUME: "IF
	 * (TCS.CSSA = 0) THEN #GP(0)", nothing to resume. */
	if (resume ? cssa == 0 || cssa > e->tcs->nssa : cssa >= e->tcs->nssa) {
		ret = raise_gp(t);
		goto err_release;
	}
	*frame = resume ? cssa - 1 : cssa;
	ret = enclu_check_ssa(t, e, *frame);
	if (ret)
		goto err_release;
	*gpr = enclu_gprsgx(t, e->tcs, *frame);
	if (*gpr)
		return 0;
	ret = ENCLS_FAULT_FLAG | t->fault.vector;
err_release:
	atomic_store(&e->tcs_page->tcs_active, false);
	return ret;
}
