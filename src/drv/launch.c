// SPDX-License-Identifier: MIT
/* Launch control: the per-LP hash cache and the host policy (see launch.h). */
#include "drv/launch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/sgx_status.h"
#include "arch/x86.h"
#include "base/hex.h"
#include "base/log.h"
#include "base/shm.h"
#include "cpu/crypto.h"
#include "drv/encl.h"
#include "drv/machine.h"

int launch_init(struct launch *l, unsigned int nr_lps, bool fork_shared)
{
	memset(l, 0, sizeof(*l));
	l->lps = shm_zalloc(nr_lps * sizeof(*l->lps), fork_shared);
	if (!l->lps)
		return -ENOMEM;
	l->nr_lps = nr_lps;
	l->allow_all = true;
	return 0;
}

static void free_lps(struct launch *l)
{
	if (!l->shared)
		shm_free(l->lps, l->nr_lps * sizeof(*l->lps));
}

void launch_destroy(struct launch *l)
{
	free_lps(l);
	free(l->allowed);
	memset(l, 0, sizeof(*l));
}

int launch_share(struct launch *l, struct machine *m)
{
	if (machine_config(m)->nr_lps != l->nr_lps)
		return -EINVAL;
	free_lps(l);
	l->lps = machine_lp(m, 0);
	l->shared = true;
	return 0;
}

/*
 * Lock @c, one of @l's.  Both kinds survive their holder: if it died (in
 * the middle of the writes, maybe), the cache no longer knows what the
 * MSRs hold.
 */
static void lp_lock(const struct launch *l, struct launch_lp *c)
{
	if (!l->shared) {
		if (shm_lock(&c->own) == 1)
			c->known = false;
	} else if (pthread_mutex_lock(&c->lock) == EOWNERDEAD) {
		c->known = false;
		pthread_mutex_consistent(&c->lock);
	}
}

static void lp_unlock(const struct launch *l, struct launch_lp *c)
{
	if (!l->shared)
		shm_unlock(&c->own);
	else
		pthread_mutex_unlock(&c->lock);
}

static bool allowed(const struct launch *l, const u8 mrsigner[SGX_HASH_SIZE])
{
	unsigned int i;

	if (l->allow_all)
		return true;
	for (i = 0; i < l->nr_allowed; i++)
		if (!memcmp(l->allowed[i], mrsigner, SGX_HASH_SIZE))
			return true;
	return false;
}

/*
 * A machine's MSRs are one set, which the cache records; this process's
 * model of the LP catches up with what other clients wrote, as no write
 * of the machine's (it happened already).
 */
static void sync_msrs(struct lp *lp, const u64 hash[4])
{
	unsigned int i;
	u64 v;

	for (i = 0; i < 4; i++)
		/* (Read-only MSRs hold what the cache read from them.) */
		if (!lp_rdmsr(lp, MSR_IA32_SGXLEPUBKEYHASH0 + i, &v) && v != hash[i] &&
		    lp_wrmsr(lp, MSR_IA32_SGXLEPUBKEYHASH0 + i, hash[i]))
			return;
}

/*
 * Make the LP's MSRs hold @want unless the cache says they do (or @force).
 * With the hash locked the writes fault; the cache then learns what the
 * MSRs hold, and EINIT decides.
 */
static void update_hash(struct launch_lp *c, struct lp *lp, const u64 want[4], bool force,
			bool shared)
{
	unsigned int i;

	if (c->known && !force && !memcmp(c->hash, want, sizeof(c->hash))) {
		c->stats.cache_hits++;
		if (shared)
			sync_msrs(lp, c->hash);
		return;
	}
	for (i = 0; i < 4; i++) {
		if (lp_wrmsr(lp, MSR_IA32_SGXLEPUBKEYHASH0 + i, want[i])) {
			/* Read-only (IA32_FEATURE_CONTROL.SGX_LC clear). */
			for (i = 0; i < 4; i++)
				if (lp_rdmsr(lp, MSR_IA32_SGXLEPUBKEYHASH0 + i, &c->hash[i]))
					c->hash[i] = 0;
			c->known = true;
			return;
		}
		c->stats.msr_writes++;
	}
	memcpy(c->hash, want, sizeof(c->hash));
	c->known = true;
}

bool drv_launch_allowed(struct drv *drv, const u8 mrsigner[SGX_HASH_SIZE])
{
	return allowed(drv_launch(drv), mrsigner);
}

bool drv_launch_allows_all(struct drv *drv)
{
	return drv_launch(drv)->allow_all;
}

/* The LP this thread runs on (drv_lp()), and its cache entry. */
static struct launch_lp *this_lp(struct drv *drv, struct lp **lp)
{
	*lp = drv_lp(drv);
	return &drv_launch(drv)->lps[lp_id(*lp)];
}

/*
 * EINIT on @lp with its MSRs holding @want, retried once with a forced
 * rewrite after SGX_INVALID_EINITTOKEN (someone wrote the MSRs behind the
 * cache's back) and while EINIT reports an unmasked event.
 * Context: @c->lock held.
 */
static int cached_einit(struct launch_lp *c, bool shared, struct lp *lp, const u64 want[4],
			const struct sgx_sigstruct *sig, void *secs, struct sgx_einittoken *tok)
{
	bool forced = false;
	int ret = 0, tries;

	update_hash(c, lp, want, false, shared);
	for (tries = 0; tries < 1000; tries++) {
		ret = encls_einit(lp, (struct sgx_sigstruct *)sig, secs, tok);
		c->stats.einits++;
		if (ret == SGX_INVALID_EINITTOKEN && !forced) {
			forced = true;
			update_hash(c, lp, want, true, shared);
			continue;
		}
		if (ret != SGX_UNMASKED_EVENT)
			break;
	}
	return ret;
}

int drv_einit_guest(struct drv *drv, const struct sgx_sigstruct *sig, void *secs,
		    const struct sgx_einittoken *token, const u64 lehash[4], const struct lp **ran_on)
{
	struct launch_lp *c;
	struct lp *lp;
	int ret;

	c = this_lp(drv, &lp);
	lp_lock(drv_launch(drv), c);
	ret = cached_einit(c, drv_launch(drv)->shared, lp, lehash, sig, secs,
			   (struct sgx_einittoken *)token);
	lp_unlock(drv_launch(drv), c);
	*ran_on = lp;
	return ret;
}

int launch_einit(struct drv *drv, const struct sgx_sigstruct *sig, void *secs,
		 const struct sgx_einittoken *token, const u8 *le_signer, int *status)
{
	struct launch *l = drv_launch(drv);
	static const struct sgx_einittoken zero_token __aligned(512);
	struct sgx_einittoken *tok = (struct sgx_einittoken *)&zero_token;
	u8 mrsigner[SGX_HASH_SIZE];
	struct launch_lp *c;
	struct lp *lp;
	u64 want[4];
	int ret;

	*status = 0;
	crypto_sha256(sig->modulus, sizeof(sig->modulus), mrsigner);
	memcpy(want, mrsigner, sizeof(want));
	c = this_lp(drv, &lp);
	lp_lock(l, c);
	if (!allowed(l, mrsigner) && token && le_signer && allowed(l, le_signer)) {
		/* Not listed, but it carries a token: EINIT checks the token's
		 * MAC under the key of the LE whose hash the MSRs hold. */
		memcpy(want, le_signer, sizeof(want));
		tok = (struct sgx_einittoken *)token;
	} else if (!allowed(l, mrsigner)) {
		char hex[2 * SGX_HASH_SIZE + 1];

		c->stats.refused++;
		lp_unlock(l, c);
		hex_encode(hex, mrsigner, sizeof(mrsigner));
		log_err("EINIT refused by the host launch policy: signer (MRSIGNER) %s is not "
			"allowed",
			hex);
		*status = SGX_INVALID_EINITTOKEN;
		return -EPERM;
	}
	ret = cached_einit(c, l->shared, lp, want, sig, secs, tok);
	lp_unlock(l, c);
	if (encls_faulted(ret))
		return -EIO;
	*status = ret;
	return ret ? -EPERM : 0;
}

int drv_set_launch_policy(struct drv *drv, bool allow_all, const u8 (*hashes)[SGX_HASH_SIZE],
			  unsigned int n)
{
	struct launch *l = drv_launch(drv);
	u8 (*copy)[SGX_HASH_SIZE] = NULL;

	if (!allow_all && n) {
		copy = malloc(n * sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, hashes, n * sizeof(*copy));
	}
	free(l->allowed);
	l->allowed = copy;
	l->nr_allowed = allow_all ? 0 : n;
	l->allow_all = allow_all;
	return 0;
}

int drv_lp_stats(struct drv *drv, unsigned int lp, struct drv_lp_stats *out)
{
	struct launch *l = drv_launch(drv);

	if (lp >= l->nr_lps)
		return -EINVAL;
	lp_lock(l, &l->lps[lp]);
	*out = l->lps[lp].stats;
	lp_unlock(l, &l->lps[lp]);
	return 0;
}
