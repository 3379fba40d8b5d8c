/* SPDX-License-Identifier: MIT */
/*
 * Launch control as the seed designed it: a cached copy of each LP's
 * IA32_SGXLEPUBKEYHASH0-3 with a lock, written only when the value EINIT
 * needs differs, and the host's launch policy.  Internal to src/drv.
 */
#ifndef SGXEMU_DRV_LAUNCH_H
#define SGXEMU_DRV_LAUNCH_H

#include <pthread.h>

#include "arch/sgx_arch.h"
#include "base/shm.h"
#include "drv/drv.h"

/*
 * One per logical processor, with a lock held across the MSR compare,
 * writes and EINIT.  A machine client's are the machine's (machine.h), in
 * memory every client shares, where @lock is the C library's robust,
 * process-shared mutex (it knows its holders in any pid namespace).  A
 * private driver's are its own, shared with its children of fork(), where
 * @own is a lock a bare fork's child can take over too (base/shm.h).
 */
struct launch_lp {
	union {
		pthread_mutex_t lock;
		struct shm_lock own;
	};
	bool known;                 /* hash holds what the MSRs hold */
	u64 hash[4];
	struct drv_lp_stats stats;  /* under the lock */
};

struct launch {
	unsigned int nr_lps;
	struct launch_lp *lps;
	bool shared;                /* @lps are a machine's */
	bool allow_all;             /* the default: every signer */
	unsigned int nr_allowed;
	u8 (*allowed)[SGX_HASH_SIZE];
};

struct machine;

/* @fork_shared: the LPs' caches live in memory children of fork() share
 * (base/shm.h). */
int launch_init(struct launch *l, unsigned int nr_lps, bool fork_shared) __must_check;
void launch_destroy(struct launch *l);
/* From now on @l's LPs are those of the machine @m (one cache, one set of
 * counters for every client).  Return: 0, or -EINVAL if the counts differ. */
int launch_share(struct launch *l, struct machine *m) __must_check;

/*
 * EINIT of the enclave with SECS @secs on the LP this thread runs on
 * (drv_lp()), under the host policy: the LP's hash MSRs are pointed at MRSIGNER (if
 * not already there, and if they are writable) and EINIT runs, retried
 * once with a forced rewrite after SGX_INVALID_EINITTOKEN (the MSRs may
 * have changed behind the cache), and while EINIT reports an unmasked event.
 * An enclave whose signer the policy does not list may still launch with
 * @token, made by the launch enclave signed by @le_signer, if that is
 * listed: the MSRs then hold @le_signer and EINIT checks the token.
 * *@status gets EINIT's SGX status (0 on success), or
 * SGX_INVALID_EINITTOKEN when the policy refuses the signer, which is what
 * EINIT would report with the MSRs never pointed at it.
 * Return: 0; -EPERM when EINIT failed (see *@status) or the policy refused
 * the signer (one log line names it); -EIO when EINIT faulted (the LP's
 * fault record says how).
 */
int launch_einit(struct drv *drv, const struct sgx_sigstruct *sig, void *secs,
		 const struct sgx_einittoken *token, const u8 *le_signer,
		 int *status) __must_check;

#endif
