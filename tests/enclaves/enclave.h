/* SPDX-License-Identifier: MIT */
/*
 * The test enclave's calling convention, shared by the enclave and the
 * tests: on EENTER, RDI points to a struct encl_op in untrusted memory; the
 * enclave reads it, does the work and writes the results back.
 */
#ifndef SGXEMU_TESTS_ENCLAVES_ENCLAVE_H
#define SGXEMU_TESTS_ENCLAVES_ENCLAVE_H

/* Identifies which build of the enclave this is (it is measured). */
#define ENCLAVE_VARIANT_A 0x0A
#define ENCLAVE_VARIANT_B 0x0B
/* Variant C adds a large working set, for the paging tests. */
#define ENCLAVE_VARIANT_C 0x0C
#define ENCL_BIG_SIZE (1024 * 1024)
/* Variant D asks for AEX-Notify: ATTRIBUTES.AEXNOTIFY in its SIGSTRUCT, and
 * every TCS with FLAGS.AEXNOTIFY, as the SDM requires of such an enclave. */
#define ENCLAVE_VARIANT_D 0x0D

#if defined(ENCLAVE_VARIANT) && ENCLAVE_VARIANT == ENCLAVE_VARIANT_D
#define ENCL_TCS_FLAGS 2
#else
#define ENCL_TCS_FLAGS 0
#endif

/* Where the per-TCS block (at FS) keeps the context an AEX notification's
 * handler resumes: RAX..R15, RFLAGS, RIP in GPRSGX order. */
#define ENCL_BLK_CTX 128

#define ENCL_NR_TCS 4
#define ENCL_NSSA 3

#ifndef __ASSEMBLER__
#include <stdint.h>

enum encl_op_type {
	ENCL_OP_NOP,
	ENCL_OP_PUT,          /* buffer[0] = a */
	ENCL_OP_GET,          /* r0 = buffer[0] */
	ENCL_OP_READ,         /* r0 = *(u64 *)(base + a) */
	ENCL_OP_WRITE,        /* *(u64 *)(base + a) = b */
	ENCL_OP_INFO,         /* r0 = FS base, r1 = GS base, r2 = CSSA, r3 = base, r4 = %fs:0 */
	ENCL_OP_COMPUTE,      /* r0 = a rounds of a fixed integer mix of b */
	ENCL_OP_UD2,          /* ud2; r12-r15 must survive an AEX; r0 = 1 after */
	ENCL_OP_INT3,         /* int3 */
	ENCL_OP_DIV0,         /* divide by zero */
	ENCL_OP_SPIN,         /* set *(u64 *)(a + 8); spin until *(u64 *)a; r0 = iterations */
	ENCL_OP_COUNTER,      /* per-TCS counter: expect a, store a + 1; r0 = 0 or 1 on mismatch */
	ENCL_OP_REPORT,       /* EREPORT: in = TARGETINFO, data = REPORTDATA; out = REPORT */
	ENCL_OP_GETKEY,       /* EGETKEY: in = KEYREQUEST; out = key; r0 = status */
	ENCL_OP_EREPORT_AT,   /* EREPORT with RBX = a (to fault) */
	ENCL_OP_SYSCALL,      /* a raw syscall instruction */
	ENCL_OP_SCRATCH,      /* r0 = offset of the two scratch pages from the base */
	ENCL_OP_BIG,          /* r0 = offset of the large buffer from the base, r1 = its size */
	ENCL_OP_FILL,         /* pages [a, a + b pages): first word = offset ^ r4 */
	ENCL_OP_CHECK,        /* r0 = pages in [a, a + b pages) whose first word is not that */
	/* SGX2.  The SECINFO flags are struct encl_sgx2_in.flags (op->in). */
	ENCL_OP_EACCEPT,      /* EACCEPT of the page at base + a; r0 = RAX */
	ENCL_OP_EMODPE,       /* EMODPE of the page at base + a */
	ENCL_OP_EACCEPTCOPY,  /* EACCEPTCOPY to base + a from base + in.src; r0 = RAX */
	ENCL_OP_CALL,         /* r0 = the u64 returned by a call to base + a */
	ENCL_OP_INIT_TCS,     /* write a TCS at base + a: SSA at base + in.src, NSSA 1,
			       * TCS 3's stacks, the usual entry point */
	ENCL_OP_INSN,         /* execute instruction a of ENCL_INSN_*; r0 = 1 after it */
	/* AEX-Notify (variant D).  Write in[0] to SSA frame 0's AEXNOTIFY
	 * byte, set *(u64 *)(a + 8), then step x = mix(x) from b until
	 * *(u64 *)a; r0 = steps, r1 = x.  Each notification runs the
	 * enclave's handler (exc_count, exc_cssa, exc_rip), which returns to
	 * the loop with EDECCSSA. */
	ENCL_OP_NOTIFY_SPIN,
	ENCL_OP_EDECCSSA,     /* ENCLU[EDECCSSA]; r0 = 1 after it */
	ENCL_OP_FILL_WORDS,   /* pages [a, a + b pages): every word = ENCL_WORD(offset, r4) */
	ENCL_OP_CHECK_WORDS,  /* r0 = pages in [a, a + b pages) with a word that is not */
	ENCL_OP_SEGS,         /* r0 = this TCS's first stack top read through GS,
			       * r1 = the same read through FS (both bases are its block) */
};

/* ENCL_OP_INSN: instructions SGX makes #UD in enclave mode that fault on
 * the host (so the emulator sees them). */
enum encl_insn {
	ENCL_INSN_IN,
	ENCL_INSN_OUT,
	ENCL_INSN_INS,
	ENCL_INSN_OUTS,
	ENCL_INSN_INT,        /* INT n, n not 3 */
	ENCL_INSN_FAR_CALL,   /* through a null selector */
	ENCL_NR_INSNS
};

/* What ENCL_OP_FILL_WORDS writes at enclave offset @off. */
#define ENCL_WORD(off, seed) ((uint64_t)(off) * 0x9E3779B97F4A7C15ULL ^ (seed))

/* The input of the SGX2 operations, in encl_op.in. */
struct encl_sgx2_in {
	uint64_t flags;
	uint64_t src;
};

struct encl_op {
	uint64_t type;
	uint64_t a, b;
	uint64_t r0, r1, r2, r3, r4;
	uint8_t in[512];      /* TARGETINFO or KEYREQUEST */
	uint8_t data[64];     /* REPORTDATA */
	uint8_t out[512];     /* REPORT or key */
	/* Set by the exception handler entry (CSSA > 0). */
	uint64_t exc_exitinfo;
	uint64_t exc_rip;
	uint64_t exc_maddr;
	uint64_t exc_errcd;
	uint64_t exc_cssa;
	uint64_t exc_skip;    /* bytes to advance GPRSGX.RIP by; 0: leave it */
	uint64_t exc_count;
};

#endif /* __ASSEMBLER__ */
#endif
