/* SPDX-License-Identifier: MIT */
/*
 * The platform state directory and its persisted secrets.  Internal to
 * src/cpu, except the file functions at the end, through which the
 * attestation front end (src/dcap) keeps its CA and keys beside them.
 */
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

/*
 * CR_REPORT_KEYID, which hardware draws at reset, for this boot of the
 * host: kept in @dir with the host's boot ID (/proc/sys/kernel/random/
 * boot_id), so every process of one boot sees the same value, and drawn
 * anew when the boot ID changes.  state_report_keyid_for_boot() takes the
 * boot ID as an argument (tests).
 * Return: 0 or -errno, with a one-line reason in @why.
 */
int state_report_keyid(const char *dir, u8 keyid[32], char *why, size_t whylen) __must_check;
int state_report_keyid_for_boot(const char *dir, const char *boot_id, u8 keyid[32], char *why,
				size_t whylen) __must_check;

/* Read @name in @dir, at most @max bytes, into a malloc'd *@buf.
 * Return: 0, -ENOENT when absent, -EFBIG, or -errno. */
int state_read_file(const char *dir, const char *name, size_t max, u8 **buf, size_t *len);
/* Write @name in @dir with mode 0600, atomically, as the secrets are;
 * @exclusive: fail with -EEXIST when it exists.  Return: 0 or -errno. */
int state_write_file(const char *dir, const char *name, const void *buf, size_t len,
		     bool exclusive);

#endif
