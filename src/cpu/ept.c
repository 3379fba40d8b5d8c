// SPDX-License-Identifier: MIT
/*
 * Guest EPC through the EPT: the translations a thread holds while an
 * instruction uses them.  On hardware a VMM that takes a guest page out
 * of the EPT also interrupts every vCPU (INVEPT and IPIs), so no
 * instruction is half way through the page when it goes; here the
 * processor holds each guest page it translated for a leaf until the leaf
 * is over, and the VMM leaves held pages alone.  The holds are per thread
 * (a leaf runs on the thread that issued it), in a small stack: a leaf
 * that nests in another (the guest OS's reload inside an ENCLU operand's
 * page walk) lets go of its own pages only.
 */
#include "cpu/leaf.h"

/* More than any leaf takes: EACCEPTCOPY and EREPORT hold three or four,
 * EENTER the TCS, its SSA frame and GPRSGX. */
#define EPT_MAX_HELD 64

struct ept_hold {
	const struct platform *plat;
	u64 index;
};

static __thread struct ept_hold held[EPT_MAX_HELD];
static __thread unsigned int nr_held;

static struct epc_page *host_page(const struct platform *plat, void *host)
{
	s64 i = host ? platform_epc_index(plat->root, host) : -1;

	return i < 0 ? NULL : &plat->root->epc[i];
}

struct epc_page *ept_page_peek(const struct platform *plat, u64 index)
{
	const struct platform_ept *ept = &plat->ept;

	return host_page(plat, ept->peek ? ept->peek(ept->ctx, index) : ept->get(ept->ctx, index));
}

struct epc_page *ept_page_get(const struct platform *plat, u64 index)
{
	const struct platform_ept *ept = &plat->ept;
	unsigned int k;
	void *host;

	/* Held already: the VMM cannot have moved it. */
	for (k = 0; k < nr_held; k++)
		if (held[k].plat == plat && held[k].index == index && ept->peek)
			return host_page(plat, ept->peek(ept->ctx, index));
	host = ept->get(ept->ctx, index);
	if (!host || !ept->put)
		return host_page(plat, host);
	if (nr_held < EPT_MAX_HELD) {
		unsigned int n = nr_held;

		/* A signal handler's leaf may hold and let go on top of
		 * ours at any instruction: a slot is claimed before it is
		 * written, and read before it is given up. */
		nr_held = n + 1;
		atomic_signal_fence(memory_order_seq_cst);
		held[n].plat = plat;
		held[n].index = index;
	} else {
		/* Cannot happen with the leaves we have; hold nothing rather
		 * than hold forever. */
		ept->put(ept->ctx, index);
	}
	return host_page(plat, host);
}

/* Open leaves: where each one's holds begin. */
#define EPT_MAX_DEPTH 8
static __thread unsigned int marks[EPT_MAX_DEPTH];
static __thread unsigned int depth;

static void release_to(unsigned int mark)
{
	while (nr_held > mark) {
		struct ept_hold h = held[nr_held - 1];

		atomic_signal_fence(memory_order_seq_cst);
		nr_held--;
		h.plat->ept.put(h.plat->ept.ctx, h.index);
	}
}

void ept_scope_begin(void)
{
	if (depth < EPT_MAX_DEPTH)
		marks[depth] = nr_held;
	depth++;
}

void ept_scope_end(void)
{
	if (!depth)
		return;
	depth--;
	if (depth < EPT_MAX_DEPTH)
		release_to(marks[depth]);
}

unsigned int ept_held(void)
{
	return nr_held;
}

void ept_release_instruction(unsigned int keep)
{
	/* ENCLU and AEX run outside any leaf; a signal that finds a leaf
	 * open interrupted it, and the leaf lets go of its own pages. */
	if (!depth)
		release_to(keep);
}
