// SPDX-License-Identifier: MIT
/* Running enclave code: every transition path of EENTER, EEXIT, AEX, ERESUME. */
#include "exec_fixture.h"

TEST(exec, nop_ecall)
{
	struct sgx_enclave_run run;
	struct encl_op op = { .type = ENCL_OP_NOP };
	struct xf x;

	xf_setup(&x);
	ASSERT_EQ(sgxemu_enclave_nr_tcs(x.encl), ENCL_NR_TCS);
	ASSERT_EQ(xf_call(xf_tcs(&x, 0), &op, &run), 0);
	ASSERT_EQ(run.function, EEXIT);
	ASSERT_EQ(run.exception_vector, 0);
}

TEST(exec, put_get)
{
	struct sgx_enclave_run run;
	struct encl_op op = { .type = ENCL_OP_PUT, .a = 0x1122334455667788ULL };
	struct xf x;

	xf_setup(&x);
	ASSERT_EQ(xf_call(xf_tcs(&x, 0), &op, &run), 0);
	ASSERT_EQ(run.function, EEXIT);
	memset(&op, 0, sizeof(op));
	op.type = ENCL_OP_GET;
	ASSERT_EQ(xf_call(xf_tcs(&x, 1), &op, &run), 0);
	ASSERT_EQ(op.r0, 0x1122334455667788ULL);
	ASSERT_EQ(op.r1, ENCLAVE_VARIANT_A);
}
