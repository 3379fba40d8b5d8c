// SPDX-License-Identifier: MIT
/*
 * Quotes end to end in one process: the PCE and QE on the emulated
 * platform, the machine's CA, and sgxemu_quote_verify() accepting what
 * they make and refusing every kind of tampering with the right line.
 */
#include <sys/stat.h>

#include "quote_fixture.h"

static struct sgxemu_quote_policy policy_of(const struct qf *f)
{
	struct sgxemu_quote_policy p = { .state_dir = f->state };

	return p;
}

TEST(quote, made_and_verified)
{
	struct sgxemu_quote_policy p;
	struct sgxemu_quote_info info;
	struct sgx_report self;
	struct qf f;

	qf_setup(&f);
	p = policy_of(&f);
	if (sgxemu_quote_verify(f.quote, f.len, &p, &info))
		harness_fail(__FILE__, __LINE__, "verify: %s", sgxemu_last_error());
	ASSERT_MEMEQ(info.body.reportdata, f.reportdata, 64);
	qf_report(&f, &f.ti, f.reportdata, &self);
	ASSERT_MEMEQ(info.body.mrenclave, self.mrenclave, 32);
	ASSERT_MEMEQ(info.body.mrsigner, self.mrsigner, 32);
	ASSERT_EQ(info.header.version, 3);
	ASSERT_EQ(info.header.att_key_type, 2);
	ASSERT_EQ(info.header.qe_svn, 1);
	ASSERT_EQ(info.header.pce_svn, 1);
	ASSERT_EQ(info.qe_report.isvprodid, 1);
	ASSERT_EQ(info.pcesvn, 1);
	ASSERT_MEMEQ(info.fmspc, "SGXEMU", 6);
	ASSERT_STR_CONTAINS(info.root, "sgxemu SGX Root CA");
}
