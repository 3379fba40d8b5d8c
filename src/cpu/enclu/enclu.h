/* SPDX-License-Identifier: MIT */
/*
 * ENCLU leaves and AEX.  They operate on a thread's register state: the
 * signal frame's, or the direct path's frame.  Internal to src/cpu.
 *
 * The caller sets regs->rip to the instruction after ENCLU before calling a
 * leaf.  Leaves return 0, an SGX status for the status-returning leaves, or
 * ENCLS_FAULT_FLAG | vector with t->fault filled in; on a fault nothing
 * architectural has changed.
 */
#ifndef SGXEMU_CPU_ENCLU_ENCLU_H
#define SGXEMU_CPU_ENCLU_ENCLU_H

#include "arch/sgx_leaf.h"
#include "cpu/exec/exec.h"

/* Extended state the leaf may read or write (XSAVE standard format). */
struct xstate {
	u8 *area;        /* NULL when the path has none */
	size_t len;
};

int enclu_eenter(struct tcb *t, struct cpu_regs *r);
/* @xs receives the restored extended state; xs->len 0 when ERESUME delivered
 * an AEX notification instead (nothing restored). */
int enclu_eresume(struct tcb *t, struct cpu_regs *r, struct xstate *xs);
int enclu_eexit(struct tcb *t, struct cpu_regs *r);
int enclu_ereport(struct tcb *t, struct cpu_regs *r);
int enclu_egetkey(struct tcb *t, struct cpu_regs *r);
/* SGX2: RBX = SECINFO, RCX = the page (RDX = the source for EACCEPTCOPY). */
int enclu_eaccept(struct tcb *t, struct cpu_regs *r);
int enclu_eacceptcopy(struct tcb *t, struct cpu_regs *r);
int enclu_emodpe(struct tcb *t, struct cpu_regs *r);
/* AEX-Notify: TCS.CSSA -= 1 from inside the enclave. */
int enclu_edeccssa(struct tcb *t, struct cpu_regs *r);
/* Whether @leaf writes a status to RAX and ZF (EGETKEY, EACCEPT,
 * EACCEPTCOPY); the others leave RAX and RFLAGS alone. */
bool enclu_returns_status(u32 leaf);

/* The exception an AEX reports, or none for an interrupt. */
struct aex_exception {
	u8 vector;
	u32 error_code;
	u64 addr;
};

/*
 * AEX: save @r and @xs into the current SSA frame, CSSA += 1, load the
 * synthetic state into @r and @xs, leave enclave mode.
 */
void enclu_aex(struct tcb *t, struct cpu_regs *r, struct xstate *xs,
	       const struct aex_exception *exc);

/* The REPORT key of the enclave @ti describes (EREPORT and EGETKEY agree). */
void enclu_report_key(const struct platform *plat, const struct sgx_targetinfo *ti,
		      const u8 keyid[SGX_KEYID_SIZE], u8 key[16]);

/* Dispatch ENCLU in enclave mode (leaf in r->rax); see above for returns. */
int enclu_in_enclave(struct tcb *t, struct cpu_regs *r);

/*
 * Resolve an operand of @len bytes at enclave linear address @la: inside
 * ELRANGE, mapped, a valid REG page of the current enclave with the access
 * allowed.  Return: the host pointer, or NULL with t->fault set.
 */
void *enclu_operand(struct tcb *t, u64 la, size_t len, bool write);
/*
 * enclu_operand() in its three steps, for leaves whose checks the SDM
 * interleaves across operands: the ELRANGE test (#GP is the caller's to
 * raise), resolving the page through the OS (#PF), then the PTE and EPCM
 * checks on it (#PF).
 */
bool enclu_in_elrange(const struct tcb *t, u64 la, size_t len);
struct epc_page *enclu_resolve(struct tcb *t, u64 la, bool write, unsigned int *prot);
void *enclu_operand_check(struct tcb *t, u64 la, bool write, struct epc_page *page,
			  unsigned int prot);
/*
 * The page an SGX2 leaf changes (RCX): 4K-aligned and inside ELRANGE (#GP
 * otherwise), mapped by the OS (#PF), in whatever EPCM state; the caller
 * checks that.  Return: the EPC page, or NULL with t->fault set.
 */
struct epc_page *enclu_target(struct tcb *t, u64 la);
/* Release the pages the last leaf held (enclu_operand and enclu_target pin them). */
void enclu_unpin_all(struct tcb *t);
/*
 * What the thread holds for leaves now (pins and EPT translations; @t may
 * be NULL), and the release of what it took after: a signal handler's or
 * a nested entry's own, not those of a leaf it interrupted.  A leaf that a
 * program's handler left with siglongjmp() keeps its pages pinned.
 */
struct enclu_mark {
	unsigned int pinned;
	unsigned int ept_held;
};
struct enclu_mark enclu_mark(const struct tcb *t);
void enclu_unpin_to(struct tcb *t, struct enclu_mark mark);
/* The EPCM entry of the page at @la changed: the OS re-derives the host's
 * protection of it (platform_mmu.update). */
void enclu_epcm_changed(struct tcb *t, u64 la);

/* Record a fault in @t; returns ENCLS_FAULT_FLAG | @vector. */
int enclu_raise(struct tcb *t, u8 vector, u32 ec, u64 addr);

/* What EENTER and ERESUME learn from a TCS. */
struct enclu_entry {
	struct epc_page *tcs_page, *secs_page;
	struct sgx_tcs *tcs;
	struct sgx_secs *secs;
};

/*
 * The checks EENTER and ERESUME share on the TCS at @la: alignment, the
 * OS's mapping, the EPCM, an initialized 64-bit enclave, the TCS's fields.
 * *@platp may be NULL (host mode: any registered platform).
 */
int enclu_find_tcs(struct tcb *t, struct platform **platp, u64 la, struct enclu_entry *e);
/*
 * What EENTER (@resume false) and ERESUME share: the TCS checks, taking the
 * TCS (busy is #GP), the CSSA limits, and the SSA frame they will use
 * (@frame: CSSA, or CSSA - 1 to resume) with its GPRSGX.  On failure the
 * TCS is released again.
 */
int enclu_claim_tcs(struct tcb *t, u64 tcs_la, bool resume, struct platform **platp,
		    struct enclu_entry *e, u32 *frame, struct sgx_gprsgx **gpr);
/* Every page of SSA frame @frame must be a writable REG page of the enclave. */
int enclu_check_ssa(struct tcb *t, const struct enclu_entry *e, u32 frame);
/* Linear address of SSA frame @frame, and its GPRSGX (NULL + fault if unmapped). */
u64 enclu_frame_la(const struct tcb *t, const struct sgx_tcs *tcs, u32 frame);
void *enclu_gprsgx(struct tcb *t, const struct sgx_tcs *tcs, u32 frame);
/* Copy to or from enclave memory page by page; false with t->fault set. */
bool enclu_copy(struct tcb *t, u64 la, void *buf, size_t len, bool to_enclave);
/* Enter and leave enclave mode (CR_ENCLAVE_MODE and the CR_* registers). */
void enclu_enter_mode(struct tcb *t, struct platform *plat, const struct enclu_entry *e, u64 tcs_la,
		      u64 aep);
void enclu_leave_mode(struct tcb *t);

/* #PF error code for an access the MMU or EPCM refused (SGX bit for EPCM). */
u32 enclu_classify_pf(struct tcb *t, u64 la, u32 kernel_ec);

#endif
