// SPDX-License-Identifier: MIT
/*
 * The operand pages an ENCLU leaf holds in the EPC (access.c's pin_walk):
 * every page a leaf uses is held by the OS while it does, however deep
 * leaves nest under signal handlers; a leaf for which the thread has no
 * room left faults rather than use a page it does not hold.  The leaves
 * run on a TCB of the test's whose "page tables" map enclave page k to
 * EPC page k + 1; no enclave code runs.
 */
#include <errno.h>
#include <sys/mman.h>

#include "fixture.h"

#include "cpu/enclu/enclu.h"
#include "cpu/exec/exec.h"
#include "cpu/platform.h"

#define NR_SLOTS ARRAY_SIZE(((struct tcb *)0)->pinned)
/*
 * Nested EREPORTs, each on three pages of its own (TARGETINFO, REPORTDATA,
 * the REPORT), the next one running from the OS's pin of the REPORT page,
 * as a signal's handler would at that instant: each level then holds two
 * pages, and the innermost needs three.  LAST is the first level that
 * cannot have all three.
 */
#define LAST ((NR_SLOTS - 3) / 2 + 1)
#define NR_PAGES (3 * (LAST + 1))

struct pn {
	struct fx fx;
	struct tcb t;
	unsigned int held[NR_PAGES];    /* pins per enclave page */
	unsigned int nr_pins, nr_unheld;
	u64 unheld_la;
	int ret[LAST + 1];
	u64 fault_addr[LAST + 1];
};

static struct pn s;

static u64 la_of(unsigned int page)
{
	return FX_BASE + (u64)page * SGX_PAGE_SIZE;
}

static int walk(void *ctx, u64 la, void **epc, unsigned int *prot)
{
	u64 k = (la - FX_BASE) / SGX_PAGE_SIZE;

	(void)ctx;
	if (la < FX_BASE || k >= NR_PAGES)
		return -EFAULT;
	/* The processor uses what it walks to: the OS must hold it. */
	if (!s.held[k] && !s.nr_unheld++)
		s.unheld_la = la;
	*epc = platform_epc_page(s.fx.plat, k + 1);
	*prot = PROT_READ | PROT_WRITE;
	return 0;
}

static int ereport(unsigned int level)
{
	struct cpu_regs r = { .rax = SGX_ENCLU_EREPORT };
	unsigned int p = 3 * level;

	r.rbx = la_of(p);
	r.rcx = la_of(p + 1);
	r.rdx = la_of(p + 2);
	return enclu_in_enclave(&s.t, &r);
}

static int pin_and_nest(void *ctx, u64 la)
{
	unsigned int k = (unsigned int)((la - FX_BASE) / SGX_PAGE_SIZE), level = k / 3;

	(void)ctx;
	s.held[k]++;
	s.nr_pins++;
	if (k % 3 == 2 && level < LAST) {
		/* As exec_signal() runs a handler's leaf. */
		struct enclu_mark keep = enclu_mark(&s.t);

		s.ret[level + 1] = ereport(level + 1);
		s.fault_addr[level + 1] = s.t.fault.addr;
		enclu_unpin_to(&s.t, keep);
	}
	return 0;
}

static void unpin(void *ctx, u64 la)
{
	(void)ctx;
	s.held[(la - FX_BASE) / SGX_PAGE_SIZE]--;
}

/* An enclave of NR_PAGES read-write pages, and a thread in it. */
static void setup(void)
{
	unsigned int i;

	memset(&s, 0, sizeof(s));
	fx_enclave(&s.fx, NR_PAGES + 1 < 16 ? 16 : NR_PAGES + 1);
	for (i = 0; i < NR_PAGES; i++)
		ASSERT_STATUS(fx_eadd(&s.fx, i + 1, (u64)i * SGX_PAGE_SIZE, FX_REG_RW),
			      SGX_SUCCESS);
	s.fx.plat->mmu.walk = walk;
	s.fx.plat->mmu.pin = pin_and_nest;
	s.fx.plat->mmu.unpin = unpin;
	s.fx.plat->mmu.ctx = &s;
	s.t.plat = s.fx.plat;
	s.t.secs = epc_page_at(s.fx.plat, s.fx.secs);
	s.t.base = FX_BASE;
	s.t.size = FX_SIZE;
	s.t.in_enclave = 1;
}

/*
 * Leaves nested until the thread's slots run out: each one that runs uses
 * only pages the OS holds, and the one with no room left takes a #PF at
 * the operand it could not have held (as when the OS cannot bring a page
 * in), instead of running on it unheld.
 */
TEST(pin, a_leaf_with_no_room_left_faults_and_uses_nothing_unheld)
{
	unsigned int i;

	setup();
	s.ret[0] = ereport(0);
	if (s.nr_unheld)
		harness_fail(__FILE__, __LINE__, "%u accesses to pages nobody held, first %#llx",
			     s.nr_unheld, (unsigned long long)s.unheld_la);
	for (i = 0; i < LAST; i++)
		ASSERT_EQ(s.ret[i], 0);
	ASSERT_EQ(s.ret[LAST], ENCLS_FAULT_FLAG | X86_VEC_PF);
	ASSERT_EQ(s.fault_addr[LAST], la_of(3 * LAST + 2));
	ASSERT_EQ(s.t.nr_pinned, 3);
	enclu_unpin_all(&s.t);
	for (i = 0; i < NR_PAGES; i++)
		ASSERT_EQ(s.held[i], 0);
}

/* A page a leaf names twice, or one a leaf below it holds, is held once:
 * a slot per page, not per operand. */
TEST(pin, a_page_already_held_takes_no_second_slot)
{
	struct cpu_regs r = { .rax = SGX_ENCLU_EREPORT };

	setup();
	r.rbx = la_of(LAST * 3);        /* no nesting from these */
	r.rcx = la_of(LAST * 3) + 512;
	r.rdx = la_of(LAST * 3) + 1024;
	ASSERT_EQ(enclu_in_enclave(&s.t, &r), 0);
	ASSERT_EQ(s.nr_pins, 1);
	ASSERT_EQ(s.t.nr_pinned, 1);
	ASSERT_EQ(enclu_in_enclave(&s.t, &r), 0);
	ASSERT_EQ(s.nr_pins, 1);
	ASSERT_EQ(s.t.nr_pinned, 1);
	ASSERT_EQ(s.nr_unheld, 0);
	enclu_unpin_all(&s.t);
	ASSERT_EQ(s.held[LAST * 3], 0);
}
