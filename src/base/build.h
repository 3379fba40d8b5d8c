/* SPDX-License-Identifier: MIT */
/* What the build mode tells the code, with the defaults of a plain build. */
#ifndef SGXEMU_BASE_BUILD_H
#define SGXEMU_BASE_BUILD_H

/*
 * A shim built with a sanitizer can be preloaded only after the
 * sanitizer's runtime: its path ("" in a plain build), which `sgxemu run`
 * and execve() under the shim put first in LD_PRELOAD.
 */
#ifndef SGXEMU_SANITIZER_RUNTIME
#define SGXEMU_SANITIZER_RUNTIME ""
#endif

/*
 * Forget what AddressSanitizer remembers of stack frames below @top, down
 * to @bottom: frames the emulator's handlers left on a sigaltstack without
 * returning (a vfork()ed child that shares it executed a program from
 * there) poison it.  Nothing without the sanitizer.
 */
#ifdef SGXEMU_ASAN
#include <sanitizer/asan_interface.h>
static inline void build_unpoison_stack(void *bottom, void *top)
{
	__asan_unpoison_memory_region(bottom, (size_t)((char *)top - (char *)bottom));
}
#else
static inline void build_unpoison_stack(void *bottom, void *top)
{
	(void)bottom;
	(void)top;
}
#endif

#endif
