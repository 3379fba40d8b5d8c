/* SPDX-License-Identifier: MIT */
/* Loading the test enclaves and calling into them, for execution tests. */
#ifndef SGXEMU_TESTS_INTEGRATION_EXEC_FIXTURE_H
#define SGXEMU_TESTS_INTEGRATION_EXEC_FIXTURE_H

#include <asm/sgx.h>
#include <string.h>

#include "enclave.h"
#include "harness.h"
#include "sgxemu/sgxemu.h"

#define EENTER 2
#define ERESUME 3
#define EEXIT 4

struct xf {
	struct sgxemu_platform *plat;
	struct sgxemu_enclave *encl;
};

static inline struct sgxemu_enclave *xf_load(struct xf *x, const char *name, const char *sig)
{
	char sgxs[1024], sigp[1024];
	struct sgxemu_enclave *e;
	int err;

	snprintf(sgxs, sizeof(sgxs), "%s/%s.sgxs", TEST_ENCLAVES, name);
	snprintf(sigp, sizeof(sigp), "%s/%s", TEST_ENCLAVES, sig);
	err = sgxemu_enclave_load(x->plat, sgxs, sigp, &e);
	if (err)
		harness_fail(__FILE__, __LINE__, "load %s: %s", name, sgxemu_last_error());
	return e;
}

static inline void xf_setup(struct xf *x)
{
	memset(x, 0, sizeof(*x));
	if (sgxemu_platform_create(NULL, &x->plat))
		harness_fail(__FILE__, __LINE__, "platform: %s", sgxemu_last_error());
	x->encl = xf_load(x, "test_enclave_a", "test_enclave_a.sig");
}

static inline uint64_t xf_tcs(struct xf *x, unsigned int i)
{
	return sgxemu_enclave_tcs(x->encl, i);
}

/* One EENTER through the vDSO ABI; returns the vDSO's return value. */
static inline int xf_call(uint64_t tcs, struct encl_op *op, struct sgx_enclave_run *run)
{
	memset(run, 0, sizeof(*run));
	run->tcs = tcs;
	return sgxemu_enter_enclave((unsigned long)op, 0, 0, EENTER, 0, 0, run);
}

#endif
