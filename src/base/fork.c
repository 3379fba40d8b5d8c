// SPDX-License-Identifier: MIT
#include <errno.h>
#include <sys/mman.h>

#include "base/fork.h"
#include "base/sys.h"

/* Until armed, the word is one nothing wipes: no child is noticed. */
static _Atomic u32 unarmed = 1;
_Atomic u32 *_Atomic fork_word = &unarmed;
static void (*_Atomic child_hook)(void);

int fork_watch(void (*in_child)(void))
{
	void (*none)(void) = NULL;
	_Atomic u32 *w;
	void *p;

	atomic_compare_exchange_strong(&child_hook, &none, in_child);
	if (atomic_load(&fork_word) != &unarmed)
		return 0;
	p = sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sys_failed(p))
		return -ENOMEM;
	if (sys_call6(SYS_madvise, (long)p, 4096, MADV_WIPEONFORK, 0, 0, 0)) {
		sys_munmap(p, 4096);
		return -EOPNOTSUPP;
	}
	w = p;
	atomic_store(w, 1);
	/* Two threads arming at once: the first one's page is the word. */
	{
		_Atomic u32 *was = &unarmed;

		if (!atomic_compare_exchange_strong(&fork_word, &was, w))
			sys_munmap(p, 4096);
	}
	return 0;
}

void fork_noticed(void)
{
	void (*hook)(void) = atomic_load(&child_hook);

	/* Only the child's copy of the page is written: the parent's never
	 * reads 0. */
	atomic_store(atomic_load(&fork_word), 1);
	if (hook)
		hook();
}
