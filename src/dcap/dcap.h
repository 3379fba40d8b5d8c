/* SPDX-License-Identifier: MIT */
/*
 * The quote library's insides (src/dcap): it runs sgxemu's PCE and QE as
 * an ordinary SGX program runs its enclaves, through a struct dcap_dev,
 * and keeps the machine's attestation CA, the PCK certificate and the
 * sealed attestation key in the platform's state directory.
 * doc/attestation.md describes the flow.  Internal to src/dcap and tools/.
 */
#ifndef SGXEMU_DCAP_DCAP_H
#define SGXEMU_DCAP_DCAP_H

#include <pthread.h>

#include "arch/sgx_arch.h"
#include "base/compiler.h"
#include "sgxemu/qe.h"

/*
 * How an SGX device is reached: the Linux uAPI through the C library and
 * the vDSO (dcap_dev_uapi(), which `sgxemu run` answers), or libsgxemu's
 * calls on a platform of the process's own (dcap_dev_emu_create()).  All
 * return 0 (or a file descriptor) or -errno.
 */
struct dcap_dev {
	int (*open)(struct dcap_dev *dev, const char *path);
	int (*ioctl)(struct dcap_dev *dev, int fd, unsigned long cmd, void *arg);
	int (*mmap)(struct dcap_dev *dev, void *addr, size_t len, int prot, int fd);
	int (*munmap)(struct dcap_dev *dev, void *addr, size_t len);
	int (*close)(struct dcap_dev *dev, int fd);
	/* EENTER at @tcs with RDI = @arg; an exception inside is -EFAULT. */
	int (*enter)(struct dcap_dev *dev, u64 tcs, void *arg);
	void (*destroy)(struct dcap_dev *dev);
};

/* The Linux uAPI, as any SGX program uses it.  -ENODEV without a vDSO entry. */
int dcap_dev_uapi(struct dcap_dev **out, char *why, size_t whylen);

/* A loaded enclave. */
struct dcap_encl {
	int fd;
	u64 base, size;
	u64 tcs;                /* its first TCS */
	void *reserve;          /* the mapping ELRANGE was carved from */
	size_t reserve_len;
};

/*
 * Load @path.sgxs with the SIGSTRUCT in @path.sig through @dev: ELRANGE,
 * CREATE, ADD_PAGES, PROVISION (when it asks for PROVISIONKEY), INIT and
 * the mappings, as Linux's selftests do.
 * Return: 0, -ENOENT (no such files), -EPERM (EINIT refused), or -errno,
 * with a one-line reason in @why.
 */
int dcap_encl_load(struct dcap_dev *dev, const char *path, struct dcap_encl *out, char *why,
		   size_t whylen) __must_check;
void dcap_encl_unload(struct dcap_dev *dev, struct dcap_encl *e);
/* One call of the PCE or QE; the enclave's status in @c->status. */
int dcap_encl_call(struct dcap_dev *dev, const struct dcap_encl *e, struct sgxemu_qe_call *c);

/* --- the machine's attestation CA and the PCK certificate (pck.c) ----- */

/* What the PCE reports about the platform, and its PCK certificate. */
struct dcap_pck {
	u8 ppid[16];
	u8 pub[64];             /* the PCK: x || y */
	u8 cpusvn[16];
	u16 pce_svn, pce_id;
	char *chain;            /* PEM: PCK || intermediate CA || root CA */
	size_t chain_len;
};

/*
 * The PEM chain for @pck, from a certificate kept in @state_dir when it is
 * of this PCK and TCB, else newly issued by the machine's CA, which is
 * created on first use.
 * Return: 0 or -errno, with a one-line reason in @why.
 */
int dcap_pck_chain(const char *state_dir, struct dcap_pck *pck, char *why,
		   size_t whylen) __must_check;

/* The machine's CA in @state_dir, created when absent (tests, `sgxemu aesm`). */
int dcap_ca_ensure(const char *state_dir, char *why, size_t whylen) __must_check;

#define DCAP_ROOT_FILE "attestation-root.pem"
#define DCAP_CA_FILE "attestation-ca.pem"
#define DCAP_PCK_FILE "attestation-pck.pem"
#define DCAP_KEY_FILE "attestation-key"

/* --- the quoter: PCE + QE + the certified attestation key (quoter.c) --- */

struct dcap_quoter {
	struct dcap_dev *dev;
	char state_dir[4096];
	char pce_path[4096];    /* PATH of PATH.sgxs and PATH.sig */
	char qe_path[4096];
	bool loaded;
	struct dcap_encl pce, qe;
	struct sgx_targetinfo qe_target;
	u8 qe_mrsigner[32];     /* the QE's identity, for AESM's attestation key ID */
	u16 qe_isvprodid;
	/* The attestation key and its certification, as kept in DCAP_KEY_FILE. */
	struct sgxemu_qe_blob blob;
	struct sgxemu_report_body qe_report;
	u8 qe_report_sig[64];
	struct dcap_pck pck;
	pthread_mutex_t lock;
};

/*
 * Set up @q to load the enclaves in @enclaves (NULL: beside the library,
 * see dcap_default_enclaves()) through @dev, with the state directory
 * @state_dir (NULL: the platform's default).  Nothing is loaded yet.
 */
int dcap_quoter_init(struct dcap_quoter *q, struct dcap_dev *dev, const char *state_dir,
		     const char *enclaves, char *why, size_t whylen) __must_check;
/*
 * Load the PCE and QE, unseal or make and certify the attestation key, and
 * get the PCK chain; done once, again after a failure.
 */
int dcap_quoter_start(struct dcap_quoter *q, char *why, size_t whylen) __must_check;
/* The QE's TARGETINFO (starts @q). */
int dcap_quoter_target(struct dcap_quoter *q, struct sgx_targetinfo *ti, char *why,
		       size_t whylen) __must_check;
/* The size of the quotes @q makes (starts @q). */
int dcap_quoter_quote_size(struct dcap_quoter *q, u32 *size, char *why,
			   size_t whylen) __must_check;
/* sgx_ql_qe_report_info_t: a nonce and the application's TARGETINFO in,
 * the QE's REPORT for it out, whose REPORTDATA is SHA-256(nonce || quote). */
struct dcap_qe_report_info {
	u8 nonce[16];
	struct sgx_targetinfo app;
	struct sgx_report qe_report;
};
STATIC_ASSERT_SIZE(struct dcap_qe_report_info, 960);

/*
 * A quote for @report (432 bytes, for the QE) into @quote (@cap bytes);
 * with @info (may be NULL) also the QE's REPORT for the application.
 * Return: 0, -EBADMSG (the REPORT does not verify), -ENOSPC (@cap is too
 * small), or -errno.
 */
int dcap_quoter_quote(struct dcap_quoter *q, const void *report, struct dcap_qe_report_info *info,
		      u8 *quote, u32 cap, char *why, size_t whylen) __must_check;
void dcap_quoter_stop(struct dcap_quoter *q);

/* Where the PCE and QE are for the object that holds @fn: $SGXEMU_QE_DIR, or
 * beside it in the build tree or as `make install` lays them out. */
int dcap_default_enclaves(const void *fn, char *dir, size_t len);

#endif
