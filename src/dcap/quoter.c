// SPDX-License-Identifier: MIT
/*
 * The quoter: the PCE and the QE loaded through a struct dcap_dev, the
 * attestation key the QE sealed and the PCE certified (kept in the state
 * directory so every process of the machine quotes with it), and the PCK
 * certificate chain that goes into every quote.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/state.h"
#include "dcap/dcap.h"

#define KEY_MAGIC "SGXEMU-QEKEY-1\0"

/* DCAP_KEY_FILE: the sealed key and the certification of it. */
struct key_file {
	char magic[16];
	struct sgxemu_qe_blob blob;
	struct sgxemu_report_body qe_report;    /* as the PCE signed it */
	u8 qe_report_sig[64];
	u8 pck_pub[64];                         /* of the PCK that signed */
};

int dcap_default_enclaves(const void *fn, char *dir, size_t len)
{
	/* The build tree (build/bin, build/lib), then what `make install`
	 * lays out: PREFIX/bin and PREFIX/lib/sgxemu beside PREFIX/share/sgxemu. */
	static const char *const where[] = { "../enclaves", "../share/sgxemu",
					     "../../share/sgxemu" };
	const char *env = getenv("SGXEMU_QE_DIR");
	char base[4096], probe[4200];
	Dl_info info;
	char *slash;
	size_t i;

	if (env && *env) {
		snprintf(dir, len, "%s", env);
		return 0;
	}
	if (!dladdr(fn, &info) || !info.dli_fname)
		return -ENOENT;
	snprintf(base, sizeof(base), "%s", info.dli_fname);
	slash = strrchr(base, '/');
	/* The main program is named as it was started: ask the kernel. */
	if (!slash) {
		ssize_t n = readlink("/proc/self/exe", base, sizeof(base) - 1);

		if (n <= 0)
			return -ENOENT;
		base[n] = '\0';
		slash = strrchr(base, '/');
	}
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	/* The first that holds the PCE; else the build tree's, which the
	 * error that follows then names. */
	for (i = 0; i < ARRAY_SIZE(where); i++) {
		snprintf(probe, sizeof(probe), "%s/%s/pce.sgxs", base, where[i]);
		if (!access(probe, R_OK))
			break;
	}
	if (i == ARRAY_SIZE(where))
		i = 0;
	if ((size_t)snprintf(dir, len, "%s/%s", base, where[i]) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int dcap_quoter_init(struct dcap_quoter *q, struct dcap_dev *dev, const char *state_dir,
		     const char *enclaves, char *why, size_t whylen)
{
	char dir[4096];
	int err;

	memset(q, 0, sizeof(*q));
	q->dev = dev;
	q->pce.fd = q->qe.fd = -1;
	pthread_mutex_init(&q->lock, NULL);
	err = state_dir_open(state_dir, q->state_dir, sizeof(q->state_dir), why, whylen);
	if (err)
		return err;
	if (enclaves) {
		snprintf(dir, sizeof(dir), "%s", enclaves);
	} else {
		err = dcap_default_enclaves((const void *)dcap_quoter_init, dir, sizeof(dir));
		if (err) {
			snprintf(why, whylen,
				 "cannot tell where the quoting enclaves are; set SGXEMU_QE_DIR");
			return err;
		}
	}
	snprintf(q->pce_path, sizeof(q->pce_path), "%.4000s/pce", dir);
	snprintf(q->qe_path, sizeof(q->qe_path), "%.4000s/quoting_enclave", dir);
	return 0;
}

/* Run @op in @e; the enclave's status as -errno with a reason. */
static int call(struct dcap_quoter *q, struct dcap_encl *e, const char *name,
		struct sgxemu_qe_call *c, u64 op, char *why, size_t whylen)
{
	static const char *const status[] = {
		[SGXEMU_QE_BAD_OP] = "not an operation it has",
		[SGXEMU_QE_INVALID_REPORT] = "the REPORT does not verify",
		[SGXEMU_QE_NOT_PRIVILEGED] = "the enclave lacks ATTRIBUTES.PROVISIONKEY",
		[SGXEMU_QE_KEY_FAILED] = "EGETKEY failed",
		[SGXEMU_QE_BAD_BLOB] = "the sealed attestation key is damaged or not its own",
		[SGXEMU_QE_CRYPTO_FAILED] = "signing failed",
	};
	int err;

	c->op = op;
	c->status = ~0ULL;
	err = dcap_encl_call(q->dev, e, c);
	if (err) {
		snprintf(why, whylen, "the %s took an exception (%s)", name, strerror(-err));
		return -EIO;
	}
	if (c->status == SGXEMU_QE_OK)
		return 0;
	snprintf(why, whylen, "the %s refused: %s", name,
		 c->status < sizeof(status) / sizeof(status[0]) && status[c->status] ?
			 status[c->status] :
			 "unknown status");
	switch (c->status) {
	case SGXEMU_QE_INVALID_REPORT:
		return -EBADMSG;
	case SGXEMU_QE_NOT_PRIVILEGED:
		return -EPERM;
	case SGXEMU_QE_BAD_BLOB:
		return -EKEYREJECTED;
	default:
		return -EIO;
	}
}

/* The TARGETINFO of the enclave whose REPORT (of itself) is @rep. */
static void target_of(const struct sgx_report *rep, struct sgx_targetinfo *ti)
{
	memset(ti, 0, sizeof(*ti));
	memcpy(ti->measurement, rep->mrenclave, sizeof(ti->measurement));
	ti->attributes = rep->attributes;
	ti->configsvn = rep->configsvn;
	ti->miscselect = rep->miscselect;
	memcpy(ti->configid, rep->configid, sizeof(ti->configid));
}

/* A new attestation key, certified by the PCE, kept in the state directory. */
static int new_key(struct dcap_quoter *q, const struct sgx_targetinfo *pce, char *why,
		   size_t whylen)
{
	static struct sgxemu_qe_call c;
	struct key_file f;
	int err;

	memset(&c, 0, sizeof(c));
	memcpy(c.targetinfo, pce, sizeof(*pce));
	err = call(q, &q->qe, "QE", &c, SGXEMU_QE_OP_NEW_KEY, why, whylen);
	if (err)
		return err;
	q->blob = c.blob;
	memcpy(&q->qe_report, c.out_report, sizeof(q->qe_report));
	memcpy(c.report, c.out_report, sizeof(c.report));
	err = call(q, &q->pce, "PCE", &c, SGXEMU_PCE_OP_CERTIFY, why, whylen);
	if (err)
		return err;
	memcpy(q->qe_report_sig, c.signature, sizeof(q->qe_report_sig));
	memset(&f, 0, sizeof(f));
	memcpy(f.magic, KEY_MAGIC, sizeof(f.magic));
	f.blob = q->blob;
	f.qe_report = q->qe_report;
	memcpy(f.qe_report_sig, q->qe_report_sig, sizeof(f.qe_report_sig));
	memcpy(f.pck_pub, c.pck_pub, sizeof(f.pck_pub));
	err = state_write_file(q->state_dir, DCAP_KEY_FILE, &f, sizeof(f), false);
	if (err)
		snprintf(why, whylen, "cannot write %s/%s: %s", q->state_dir, DCAP_KEY_FILE,
			 strerror(-err));
	return err;
}

/*
 * The kept key, when it was certified by this PCK for this QE at this
 * TCB: the QE's identity in the certified REPORT is its current one.
 */
static bool kept_key(struct dcap_quoter *q, const struct sgx_report *qe_self)
{
	struct key_file f;
	size_t len;
	u8 *buf;
	bool ok;

	if (state_read_file(q->state_dir, DCAP_KEY_FILE, 4096, &buf, &len))
		return false;
	ok = len == sizeof(f);
	if (ok)
		memcpy(&f, buf, sizeof(f));
	free(buf);
	ok = ok && !memcmp(f.magic, KEY_MAGIC, sizeof(f.magic)) &&
	     !memcmp(f.pck_pub, q->pck.pub, sizeof(f.pck_pub)) &&
	     !memcmp(f.qe_report.cpusvn, qe_self->cpusvn, sizeof(qe_self->cpusvn)) &&
	     !memcmp(f.qe_report.mrenclave, qe_self->mrenclave, sizeof(qe_self->mrenclave)) &&
	     f.qe_report.isvsvn == qe_self->isvsvn &&
	     f.qe_report.attributes == qe_self->attributes.flags;
	if (!ok)
		return false;
	q->blob = f.blob;
	q->qe_report = f.qe_report;
	memcpy(q->qe_report_sig, f.qe_report_sig, sizeof(q->qe_report_sig));
	return true;
}

static int start_locked(struct dcap_quoter *q, char *why, size_t whylen)
{
	static struct sgxemu_qe_call c;
	struct sgx_report qe_self;
	struct sgx_targetinfo pce_target;
	int err;

	if (q->loaded)
		return 0;
	err = dcap_encl_load(q->dev, q->pce_path, &q->pce, why, whylen);
	if (err)
		return err;
	err = dcap_encl_load(q->dev, q->qe_path, &q->qe, why, whylen);
	if (err)
		goto err_pce;
	memset(&c, 0, sizeof(c));
	err = call(q, &q->qe, "QE", &c, SGXEMU_QE_OP_REPORT, why, whylen);
	if (err)
		goto err_qe;
	memcpy(&qe_self, c.out_report, sizeof(qe_self));
	target_of(&qe_self, &q->qe_target);
	memcpy(q->qe_mrsigner, qe_self.mrsigner, sizeof(q->qe_mrsigner));
	q->qe_isvprodid = qe_self.isvprodid;
	err = call(q, &q->pce, "PCE", &c, SGXEMU_QE_OP_REPORT, why, whylen);
	if (err)
		goto err_qe;
	target_of((const struct sgx_report *)c.out_report, &pce_target);
	err = call(q, &q->pce, "PCE", &c, SGXEMU_PCE_OP_INFO, why, whylen);
	if (err)
		goto err_qe;
	memcpy(q->pck.ppid, c.ppid, sizeof(q->pck.ppid));
	memcpy(q->pck.pub, c.pck_pub, sizeof(q->pck.pub));
	memcpy(q->pck.cpusvn, c.cpusvn, sizeof(q->pck.cpusvn));
	q->pck.pce_svn = c.pce_svn;
	q->pck.pce_id = c.pce_id;
	if (!kept_key(q, &qe_self)) {
		err = new_key(q, &pce_target, why, whylen);
		if (err)
			goto err_qe;
	}
	err = dcap_pck_chain(q->state_dir, &q->pck, why, whylen);
	if (err)
		goto err_qe;
	q->loaded = true;
	return 0;

err_qe:
	dcap_encl_unload(q->dev, &q->qe);
err_pce:
	dcap_encl_unload(q->dev, &q->pce);
	return err;
}

int dcap_quoter_start(struct dcap_quoter *q, char *why, size_t whylen)
{
	int err;

	pthread_mutex_lock(&q->lock);
	err = start_locked(q, why, whylen);
	pthread_mutex_unlock(&q->lock);
	return err;
}

int dcap_quoter_target(struct dcap_quoter *q, struct sgx_targetinfo *ti, char *why,
		       size_t whylen)
{
	int err = dcap_quoter_start(q, why, whylen);

	if (!err)
		*ti = q->qe_target;
	return err;
}

static u32 quote_size(const struct dcap_quoter *q)
{
	return (u32)(SGXEMU_QUOTE_SIGNED_PART + 2 + 4 + q->pck.chain_len);
}

int dcap_quoter_quote_size(struct dcap_quoter *q, u32 *size, char *why, size_t whylen)
{
	int err = dcap_quoter_start(q, why, whylen);

	if (!err)
		*size = quote_size(q);
	return err;
}

static int quote_locked(struct dcap_quoter *q, const void *report,
			struct dcap_qe_report_info *info, u8 *quote, u32 cap, char *why,
			size_t whylen)
{
	static struct sgxemu_qe_call c;
	u32 size = quote_size(q);
	struct sgx_targetinfo pce_target;
	int err, tries;

	if (cap < size) {
		snprintf(why, whylen, "the quote needs %u bytes, the buffer has %u", size, cap);
		return -ENOSPC;
	}
	if (q->pck.chain_len > SGXEMU_QE_MAX_CERTS) {
		snprintf(why, whylen, "the PCK certificate chain is larger than the QE takes");
		return -EIO;
	}
	for (tries = 0; tries < 2; tries++) {
		memset(&c, 0, sizeof(c));
		memcpy(c.report, report, sizeof(c.report));
		c.blob = q->blob;
		c.qe_report_body = q->qe_report;
		memcpy(c.qe_report_sig, q->qe_report_sig, sizeof(c.qe_report_sig));
		c.pce_svn = q->pck.pce_svn;
		c.certs_len = (u32)q->pck.chain_len;
		memcpy(c.certs, q->pck.chain, q->pck.chain_len);
		if (info) {
			c.want_report = 1;
			memcpy(c.nonce, info->nonce, sizeof(c.nonce));
			memcpy(c.targetinfo, &info->app, sizeof(info->app));
		}
		err = call(q, &q->qe, "QE", &c, SGXEMU_QE_OP_QUOTE, why, whylen);
		if (err != -EKEYREJECTED || tries)
			break;
		/* A damaged or foreign sealed key: make and certify a new one. */
		memset(&c, 0, sizeof(c));
		err = call(q, &q->pce, "PCE", &c, SGXEMU_QE_OP_REPORT, why, whylen);
		if (err)
			return err;
		target_of((const struct sgx_report *)c.out_report, &pce_target);
		err = new_key(q, &pce_target, why, whylen);
		if (err)
			return err;
	}
	if (err == -EBADMSG)
		snprintf(why, whylen,
			 "the application enclave's REPORT does not verify: it must be made by "
			 "EREPORT for the QE's TARGETINFO on this machine");
	if (err)
		return err;
	if (c.quote_len != size) {
		snprintf(why, whylen, "the QE wrote a quote of %u bytes, not %u", c.quote_len, size);
		return -EIO;
	}
	memcpy(quote, c.quote, size);
	if (info)
		memcpy(&info->qe_report, c.out_report, sizeof(info->qe_report));
	return 0;
}

int dcap_quoter_quote(struct dcap_quoter *q, const void *report, struct dcap_qe_report_info *info,
		      u8 *quote, u32 cap, char *why, size_t whylen)
{
	int err;

	pthread_mutex_lock(&q->lock);
	err = start_locked(q, why, whylen);
	if (!err)
		err = quote_locked(q, report, info, quote, cap, why, whylen);
	pthread_mutex_unlock(&q->lock);
	return err;
}

void dcap_quoter_stop(struct dcap_quoter *q)
{
	pthread_mutex_lock(&q->lock);
	if (q->loaded) {
		dcap_encl_unload(q->dev, &q->qe);
		dcap_encl_unload(q->dev, &q->pce);
		q->loaded = false;
	}
	free(q->pck.chain);
	q->pck.chain = NULL;
	q->pck.chain_len = 0;
	memset(&q->blob, 0, sizeof(q->blob));
	pthread_mutex_unlock(&q->lock);
}
