/* SPDX-License-Identifier: MIT */
/* The platform state directory and its persisted secrets.  Internal to src/cpu. */
#ifndef SGXEMU_CPU_STATE_H
#define SGXEMU_CPU_STATE_H

#include "base/compiler.h"
#include "base/types.h"

struct platform_secrets;

/*
 * Resolve the state directory (@configured, else $SGXEMU_STATE_DIR, else
 * $XDG_STATE_HOME/sgxemu, else $HOME/.local/state/sgxemu) into @dir and
 * create it with mode 0700 when absent.  A directory that is not ours, or
 * that group or others may write, is refused (-EPERM) with the chmod that
 * fixes it.
 * Return: 0 or -errno, with a one-line reason in @why.
 */
int state_dir_open(const char *configured, char *dir, size_t dirlen, char *why,
		   size_t whylen) __must_check;

/*
 * Load the secrets from @dir, creating them on first use.  Two processes
 * starting at once agree on one set.  A damaged file, a symbolic link to
 * nothing, or a file that is not ours or that others may read or write is
 * reported, never replaced.
 * Return: 0 or -errno, with a one-line reason in @why.
 */
int state_load_secrets(const char *dir, struct platform_secrets *secrets, char *why,
		       size_t whylen) __must_check;

#endif
