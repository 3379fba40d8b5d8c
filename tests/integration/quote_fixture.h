/* SPDX-License-Identifier: MIT */
/*
 * A quote made in the test process: a platform whose state directory is
 * the test's own, the PCE and QE on it through libsgxemu (src/dcap), and
 * the test enclave's REPORT for the QE with REPORTDATA of the test's.
 */
#ifndef SGXEMU_TESTS_INTEGRATION_QUOTE_FIXTURE_H
#define SGXEMU_TESTS_INTEGRATION_QUOTE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "dcap/dcap.h"
#include "dcap/dev_emu.h"
#include "exec_fixture.h"

struct qf {
	char state[1024];
	struct sgxemu_platform *plat;
	struct sgxemu_enclave *encl;
	struct dcap_dev *dev;
	struct dcap_quoter q;
	struct sgx_targetinfo ti;
	u8 reportdata[64];
	u8 *quote;
	u32 len;
};

/* The test enclave's REPORT for @ti with @data. */
static inline void qf_report(struct qf *f, const struct sgx_targetinfo *ti, const u8 data[64],
			     struct sgx_report *rep)
{
	static struct encl_op op;
	struct sgx_enclave_run run;

	memset(&op, 0, sizeof(op));
	op.type = ENCL_OP_REPORT;
	memcpy(op.in, ti, sizeof(*ti));
	memcpy(op.data, data, 64);
	ASSERT_EQ(xf_call(sgxemu_enclave_tcs(f->encl, 0), &op, &run), 0);
	ASSERT_EQ(run.function, EEXIT);
	memcpy(rep, op.out, sizeof(*rep));
}

/* A machine with state directory @name in the test's directory, its quoter
 * started and the test enclave loaded. */
static inline void qf_machine(struct qf *f, const char *name)
{
	struct sgxemu_platform_options o = { 0 };
	char why[512];
	unsigned int i;

	memset(f, 0, sizeof(*f));
	snprintf(f->state, sizeof(f->state), "%s/%s", harness_tmpdir(), name);
	o.state_dir = f->state;
	o.epc_size = 32 << 20;
	if (sgxemu_platform_create(&o, &f->plat))
		harness_fail(__FILE__, __LINE__, "platform: %s", sgxemu_last_error());
	ASSERT_EQ(dcap_dev_emu(f->plat, NULL, &f->dev, why, sizeof(why)), 0);
	if (dcap_quoter_init(&f->q, f->dev, f->state, TEST_ENCLAVES, why, sizeof(why)) ||
	    dcap_quoter_target(&f->q, &f->ti, why, sizeof(why)))
		harness_fail(__FILE__, __LINE__, "quoter: %s", why);
	if (sgxemu_enclave_load(f->plat, TEST_ENCLAVES "/test_enclave_a.sgxs",
				TEST_ENCLAVES "/test_enclave_a.sig", &f->encl))
		harness_fail(__FILE__, __LINE__, "enclave: %s", sgxemu_last_error());
	for (i = 0; i < 64; i++)
		f->reportdata[i] = (u8)(0xA0 + i);
}

/* A quote of the test enclave with f->reportdata, in f->quote. */
static inline void qf_quote(struct qf *f)
{
	struct sgx_report rep;
	char why[512];

	qf_report(f, &f->ti, f->reportdata, &rep);
	ASSERT_EQ(dcap_quoter_quote_size(&f->q, &f->len, why, sizeof(why)), 0);
	free(f->quote);
	f->quote = malloc(f->len);
	ASSERT_TRUE(f->quote != NULL);
	if (dcap_quoter_quote(&f->q, &rep, NULL, f->quote, f->len, why, sizeof(why)))
		harness_fail(__FILE__, __LINE__, "quote: %s", why);
}

static inline void qf_setup(struct qf *f)
{
	qf_machine(f, "machine");
	qf_quote(f);
}

/* Write @len bytes of @p to @name in the test's directory; the path in @path. */
static inline void qf_write(const char *name, const void *p, size_t len, char *path,
			    size_t pathlen)
{
	FILE *fp;

	snprintf(path, pathlen, "%s/%s", harness_tmpdir(), name);
	fp = fopen(path, "wb");
	ASSERT_TRUE(fp != NULL);
	ASSERT_EQ(fwrite(p, 1, len, fp), len);
	fclose(fp);
}

#endif
