// SPDX-License-Identifier: MIT
/*
 * A platform on the host's machine: finding it, and refusing what its
 * clients may not choose (the machine's configuration is the machine's).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "cpu/cpu.h"
#include "drv/machine.h"

/* A client's choice of something the machine owns: one line saying so. */
static int owned(const struct machine *m, const char *what, const char *how)
{
	return api_fail(-EPERM,
			"%s belongs to the machine at %s, not to its programs (see `sgxemu machine "
			"status`): leave out %s, or use a private machine (SGXEMU_MACHINE=none)",
			what, machine_socket(m), how);
}

static bool same_dir(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	return realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

/* Refuse options that would make this platform another machine. */
static int check_options(const struct machine *m, const struct sgxemu_platform_options *o)
{
	const struct machine_config *c = machine_config(m);

	if (!o)
		return 0;
	if (o->launch_policy)
		return owned(m, "the launch policy", "SGXEMU_LC and --lc");
	if (o->epc_size && o->epc_size != c->epc_size)
		return owned(m, "the EPC size", "SGXEMU_EPC_SIZE and --epc");
	if (o->nr_lps && o->nr_lps != c->nr_lps)
		return owned(m, "the number of logical processors", "SGXEMU_NR_LPS");
	if ((o->sgx2 < 0) != !c->sgx2)
		return owned(m, "SGX2", "SGXEMU_SGX2 and --no-sgx2");
	if ((o->aexnotify < 0) != !c->aexnotify)
		return owned(m, "AEX-Notify", "SGXEMU_AEXNOTIFY and --no-aexnotify");
	if (o->lc_locked && !c->lc_locked)
		return owned(m, "IA32_FEATURE_CONTROL", "--host-lc locked");
	if (o->max_enclave_size_log2 && o->max_enclave_size_log2 != c->max_enclave_size_log2)
		return owned(m, "the largest enclave", "SGXEMU_MAX_ENCLAVE_SIZE and "
						       "--max-enclave-size");
	if (o->state_dir && !same_dir(o->state_dir, c->state_dir))
		return owned(m, "the state directory (the fused secrets)",
			     "SGXEMU_STATE_DIR and --state-dir");
	return 0;
}

int api_machine_attach(const struct sgxemu_platform_options *opts, struct platform_config *cfg,
		       struct machine **out)
{
	const char *named = opts && opts->machine ? opts->machine : getenv("SGXEMU_MACHINE");
	const struct machine_config *c;
	char sock[4096], why[256] = "";
	struct machine *m;
	int err;

	*out = NULL;
	machine_socket_path(opts ? opts->machine : NULL, sock, sizeof(sock));
	if (!*sock)
		return 0;
	err = machine_attach(sock, opts && opts->vm_host ? MACHINE_VM : MACHINE_PROCESS,
			     program_invocation_short_name, api_fd_floor(), &m, why, sizeof(why));
	if (err == -ENOENT) {
		/* Nothing there: a private machine, unless one was named. */
		if (named && *named)
			return api_fail(-ENOENT, "no machine runs at %s (start one with `sgxemu "
						 "machine start`, or set SGXEMU_MACHINE=none)", sock);
		return 0;
	}
	if (err)
		return api_fail(err, "the machine at %s: %s", sock, why);
	err = check_options(m, opts);
	if (err) {
		machine_detach(m);
		return err;
	}
	c = machine_config(m);
	cfg->epc_size = c->epc_size;
	cfg->nr_lps = c->nr_lps;
	cfg->sgx2 = c->sgx2;
	cfg->aexnotify = c->aexnotify;
	cfg->lc_locked = c->lc_locked;
	cfg->max_enclave_size_log2 = c->max_enclave_size_log2;
	cfg->state_dir = c->state_dir;
	*out = m;
	return 0;
}
