// SPDX-License-Identifier: MIT
/*
 * The test enclave: freestanding code that exercises every transition and
 * ENCLU leaf the emulator implements.  See enclave.h for the operations.
 */
#include <stddef.h>

#include "enclave.h"
#include "mix.h"

/* Everything resolves inside the enclave: no GOT, no relocations. */
#pragma GCC visibility push(hidden)

/* From rt.c. */
void *memcpy(void *d, const void *s, unsigned long n);
void *memset(void *d, int c, unsigned long n);

typedef uint64_t u64;
typedef uint8_t u8;

#ifndef ENCLAVE_VARIANT
#define ENCLAVE_VARIANT ENCLAVE_VARIANT_A
#endif

/* A saved context, in GPRSGX order. */
struct ctx {
	u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rflags, rip;
};

struct blk {
	u64 self;
	u64 ursp[ENCL_NSSA], urbp[ENCL_NSSA], ret[ENCL_NSSA], stack[ENCL_NSSA];
	u64 ssa;
	u64 counter;
	u64 notify_op;        /* the encl_op of a running ENCL_OP_NOTIFY_SPIN */
	struct ctx ctx;       /* what encl_notify_resume returns to */
};
_Static_assert(__builtin_offsetof(struct blk, ctx) == ENCL_BLK_CTX, "entry.S");

struct gprsgx {
	u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rflags, rip, ursp, urbp;
	uint32_t exitinfo;
	u8 reserved[3];
	u8 aexnotify;
	u64 fsbase, gsbase;
};

extern u8 encl_blk0[], encl_blk1[], encl_blk2[], encl_blk3[];
extern u8 encl_ssa0[], encl_ssa1[], encl_ssa2[], encl_ssa3[];
extern u8 __encl_base[];
extern u8 encl_entry[];
extern u8 encl_notify_resume_end[];
int encl_ud2(void);
void encl_notify_resume(void *xsave, u8 *aexnotify) __attribute__((noreturn));
void encl_body(struct encl_op *op, u64 cssa, u64 base, u64 tcs);

/* Measured, so each variant has its own MRENCLAVE. */
const volatile u8 encl_variant = ENCLAVE_VARIANT;

static u64 buffer[8];
/* Pages the tests remap and write; nothing else lives there. */
static u8 scratch[2][4096] __attribute__((aligned(4096)));
static u8 aligned_in[512] __attribute__((aligned(512)));
static u8 aligned_data[64] __attribute__((aligned(128)));
static u8 aligned_out[512] __attribute__((aligned(512)));
static struct {
	u64 flags;
	u8 reserved[56];
} secinfo __attribute__((aligned(64)));
#if ENCLAVE_VARIANT == ENCLAVE_VARIANT_C
static u8 big[ENCL_BIG_SIZE] __attribute__((aligned(4096)));
#endif

static struct blk *blk_of(u64 index)
{
	switch (index) {
	case 0:
		return (struct blk *)encl_blk0;
	case 1:
		return (struct blk *)encl_blk1;
	case 2:
		return (struct blk *)encl_blk2;
	default:
		return (struct blk *)encl_blk3;
	}
}

static u8 *ssa_of(u64 index)
{
	switch (index) {
	case 0:
		return encl_ssa0;
	case 1:
		return encl_ssa1;
	case 2:
		return encl_ssa2;
	default:
		return encl_ssa3;
	}
}

static u64 enclu(u64 leaf, u64 rbx, u64 rcx, u64 rdx)
{
	u64 rax = leaf;

	__asm__ volatile("enclu" : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx) : : "memory", "cc");
	return rax;
}

/* Entered with CSSA > 0: an AEX happened at level cssa - 1. */
static void handle_exception(struct encl_op *op, u64 cssa, u64 tcs_index)
{
	struct gprsgx *gpr = (struct gprsgx *)(ssa_of(tcs_index) + cssa * 4096 -
					      sizeof(struct gprsgx));
	u64 *exinfo = (u64 *)((u8 *)gpr - 16);

	op->exc_count++;
	op->exc_cssa = cssa;
	op->exc_exitinfo = gpr->exitinfo;
	op->exc_rip = gpr->rip;
	op->exc_maddr = exinfo[0];
	op->exc_errcd = exinfo[1] & 0xFFFFFFFF;
	/* op->b = 1: fault again inside the first handler (a nested AEX);
	 * op->b = 2: fault in every handler, until CSSA reaches NSSA. */
	if ((cssa == 1 && op->b == 1 && op->exc_count == 1) || op->b == 2)
		__asm__ volatile("ud2");
	if (op->exc_skip)
		gpr->rip += op->exc_skip;
}

/* One of the instructions SGX forbids in enclave mode (ENCL_OP_INSN). */
static void encl_insn(u64 which)
{
	static const unsigned short far_ptr[5]; /* offset 0, selector 0 */

	switch (which) {
	case ENCL_INSN_IN:
		__asm__ volatile("inb $0x80, %%al" : : : "rax");
		break;
	case ENCL_INSN_OUT:
		__asm__ volatile("outb %%al, $0x80" : : "a"(0));
		break;
	case ENCL_INSN_INS:
		__asm__ volatile("insb" : : "D"(aligned_out), "d"(0x80) : "memory");
		break;
	case ENCL_INSN_OUTS:
		__asm__ volatile("outsb" : : "S"(aligned_in), "d"(0x80));
		break;
	case ENCL_INSN_INT:
		__asm__ volatile("int $0x41");
		break;
	case ENCL_INSN_FAR_CALL:
		__asm__ volatile("lcall *%0" : : "m"(far_ptr) : "memory");
		break;
	}
}

static volatile struct gprsgx *gpr_of(u64 tcs_index, u64 frame)
{
	return (volatile struct gprsgx *)(ssa_of(tcs_index) + (frame + 1) * 4096 -
					 sizeof(struct gprsgx));
}

/*
 * Entered by ERESUME with an AEX notification (CSSA > 0, frame CSSA - 1
 * asked for it): count it, keep the interrupted context, and go back to it
 * the way the SDK's handler does, without leaving the enclave.
 */
static void __attribute__((noreturn)) handle_notify(struct blk *b, u64 cssa, u64 tcs_index)
{
	volatile struct gprsgx *gpr = gpr_of(tcs_index, cssa - 1);
	struct encl_op *op = (struct encl_op *)(uintptr_t)b->notify_op;
	u64 rip = gpr->rip;

	op->exc_count++;
	op->exc_cssa = cssa;
	op->exc_rip = rip;
	op->exc_exitinfo = gpr->exitinfo;
	/* Interrupted while resuming: the context saved before still holds. */
	if (rip < (u64)(uintptr_t)encl_notify_resume ||
	    rip >= (u64)(uintptr_t)encl_notify_resume_end) {
		b->ctx.rax = gpr->rax;
		b->ctx.rcx = gpr->rcx;
		b->ctx.rdx = gpr->rdx;
		b->ctx.rbx = gpr->rbx;
		b->ctx.rsp = gpr->rsp;
		b->ctx.rbp = gpr->rbp;
		b->ctx.rsi = gpr->rsi;
		b->ctx.rdi = gpr->rdi;
		b->ctx.r8 = gpr->r8;
		b->ctx.r9 = gpr->r9;
		b->ctx.r10 = gpr->r10;
		b->ctx.r11 = gpr->r11;
		b->ctx.r12 = gpr->r12;
		b->ctx.r13 = gpr->r13;
		b->ctx.r14 = gpr->r14;
		b->ctx.r15 = gpr->r15;
		b->ctx.rflags = gpr->rflags;
		b->ctx.rip = rip;
	}
	/* No notification while the context is put back (the SDK does the same). */
	gpr->aexnotify = 0;
	encl_notify_resume(ssa_of(tcs_index) + (cssa - 1) * 4096, (u8 *)&gpr->aexnotify);
}

void encl_body(struct encl_op *op, u64 cssa, u64 base, u64 tcs)
{
	u64 index = (tcs - base) / 4096;
	struct blk *b = blk_of(index);
	u64 v;

	if (cssa > 0) {
		if (b->notify_op && (gpr_of(index, cssa - 1)->aexnotify & 1))
			handle_notify(b, cssa, index);
		handle_exception(op, cssa, index);
		return;
	}
	switch (op->type) {
	case ENCL_OP_NOP:
		break;
	case ENCL_OP_PUT:
		buffer[0] = op->a;
		break;
	case ENCL_OP_GET:
		op->r0 = buffer[0];
		op->r1 = encl_variant;
		break;
	case ENCL_OP_READ:
		op->r0 = *(volatile u64 *)(base + op->a);
		break;
	case ENCL_OP_WRITE:
		*(volatile u64 *)(base + op->a) = op->b;
		break;
	case ENCL_OP_INFO:
		__asm__ volatile("rdfsbase %0" : "=r"(v));
		op->r0 = v;
		__asm__ volatile("rdgsbase %0" : "=r"(v));
		op->r1 = v;
		op->r2 = cssa;
		op->r3 = base;
		op->r4 = (u64)(uintptr_t)b;
		break;
	case ENCL_OP_COMPUTE:
		op->r0 = encl_mix(op->a, op->b);
		break;
	case ENCL_OP_UD2:
		op->r0 = (u64)encl_ud2();
		break;
	case ENCL_OP_INT3:
		__asm__ volatile("int3");
		op->r0 = 1;
		break;
	case ENCL_OP_DIV0:
		v = 0;
		__asm__ volatile("xor %%edx, %%edx\n\tmov $1, %%eax\n\tdivq %0" : : "r"(v) : "rax", "rdx");
		op->r0 = 1;
		break;
	case ENCL_OP_SPIN:
		/* Tell the host we are inside, then wait for its flag. */
		*(volatile u64 *)(uintptr_t)(op->a + 8) = 1;
		v = 0;
		while (!*(volatile u64 *)(uintptr_t)op->a)
			v++;
		op->r0 = v;
		break;
	case ENCL_OP_COUNTER:
		op->r0 = b->counter != op->a;
		b->counter = op->a + 1;
		break;
	case ENCL_OP_REPORT:
		memcpy(aligned_in, op->in, sizeof(aligned_in));
		memcpy(aligned_data, op->data, sizeof(aligned_data));
		op->r0 = enclu(0, (u64)(uintptr_t)aligned_in, (u64)(uintptr_t)aligned_data,
			       (u64)(uintptr_t)aligned_out);
		memcpy(op->out, aligned_out, 432);
		break;
	case ENCL_OP_GETKEY:
		memcpy(aligned_in, op->in, sizeof(aligned_in));
		op->r0 = enclu(1, (u64)(uintptr_t)aligned_in, (u64)(uintptr_t)aligned_out, 0);
		memcpy(op->out, aligned_out, 16);
		break;
	case ENCL_OP_EREPORT_AT:
		op->r0 = enclu(0, op->a, (u64)(uintptr_t)aligned_data, (u64)(uintptr_t)aligned_out);
		break;
	case ENCL_OP_SCRATCH:
		op->r0 = (u64)(uintptr_t)scratch - base;
		break;
	case ENCL_OP_BIG:
#if ENCLAVE_VARIANT == ENCLAVE_VARIANT_C
		op->r0 = (u64)(uintptr_t)big - base;
		op->r1 = sizeof(big);
#else
		op->r0 = op->r1 = 0;
#endif
		break;
	case ENCL_OP_FILL:
		for (v = 0; v < op->b; v++)
			*(volatile u64 *)(base + op->a + v * 4096) = (op->a + v * 4096) ^ op->r4;
		break;
	case ENCL_OP_CHECK:
		op->r0 = 0;
		for (v = 0; v < op->b; v++)
			op->r0 += *(volatile u64 *)(base + op->a + v * 4096) !=
				  ((op->a + v * 4096) ^ op->r4);
		break;
	case ENCL_OP_FILL_WORDS:
		for (v = 0; v < op->b * 512; v++)
			*(volatile u64 *)(base + op->a + v * 8) = ENCL_WORD(op->a + v * 8, op->r4);
		break;
	case ENCL_OP_CHECK_WORDS: {
		u64 w, bad;

		op->r0 = 0;
		for (v = 0; v < op->b; v++) {
			bad = 0;
			for (w = 0; w < 512; w++) {
				u64 off = op->a + v * 4096 + w * 8;

				bad |= *(volatile u64 *)(base + off) != ENCL_WORD(off, op->r4);
			}
			op->r0 += bad;
		}
		break;
	}
	case ENCL_OP_EACCEPT:
	case ENCL_OP_EMODPE:
	case ENCL_OP_EACCEPTCOPY: {
		struct encl_sgx2_in in;

		memcpy(&in, op->in, sizeof(in));
		secinfo.flags = in.flags;
		v = op->type == ENCL_OP_EACCEPT ? 5 : op->type == ENCL_OP_EMODPE ? 6 : 7;
		op->r0 = enclu(v, (u64)(uintptr_t)&secinfo, base + op->a, base + in.src);
		break;
	}
	case ENCL_OP_CALL:
		op->r0 = ((u64(*)(void))(base + op->a))();
		break;
	case ENCL_OP_INIT_TCS: {
		struct encl_sgx2_in in;
		volatile u64 *tcs = (volatile u64 *)(base + op->a);

		memcpy(&in, op->in, sizeof(in));
		tcs[0] = 0;                                     /* STATE */
		tcs[1] = 0;                                     /* FLAGS */
		tcs[2] = in.src;                                /* OSSA */
		tcs[3] = 1ULL << 32;                            /* CSSA 0, NSSA 1 */
		tcs[4] = (u64)(uintptr_t)encl_entry - base;     /* OENTRY */
		tcs[5] = 0;                                     /* AEP */
		tcs[6] = (u64)(uintptr_t)encl_blk3 - base;      /* OFSBASE */
		tcs[7] = (u64)(uintptr_t)encl_blk3 - base;      /* OGSBASE */
		tcs[8] = 0xFFFFFFFFFFFFFFFFULL;                 /* FSLIMIT, GSLIMIT */
		break;
	}
	case ENCL_OP_NOTIFY_SPIN: {
		volatile struct gprsgx *g0 = gpr_of(index, 0);
		volatile u64 *flag = (volatile u64 *)(uintptr_t)op->a;
		u64 x = op->b, n = 0;

		b->notify_op = (u64)(uintptr_t)op;
		g0->aexnotify = op->in[0];
		flag[1] = 1;
		while (!flag[0]) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			x ^= x >> 33;
			n++;
		}
		g0->aexnotify = 0;
		b->notify_op = 0;
		op->r0 = n;
		op->r1 = x;
		break;
	}
	case ENCL_OP_EDECCSSA:
		enclu(9, 0, 0, 0);
		op->r0 = 1;
		break;
	case ENCL_OP_SEGS:
		__asm__ volatile("mov %%gs:%c1, %0" : "=r"(v) : "i"(offsetof(struct blk, stack)));
		op->r0 = v;
		__asm__ volatile("mov %%fs:%c1, %0" : "=r"(v) : "i"(offsetof(struct blk, stack)));
		op->r1 = v;
		break;
	case ENCL_OP_SYSCALL:
		v = 39; /* getpid */
		__asm__ volatile("syscall" : "+a"(v) : : "rcx", "r11", "memory");
		op->r0 = v;
		break;
	case ENCL_OP_INSN:
		encl_insn(op->a);
		op->r0 = 1;
		break;
	}
	(void)__encl_base;
}
