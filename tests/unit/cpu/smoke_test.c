// SPDX-License-Identifier: MIT
#include "fixture.h"

TEST(smoke, ecreate_eadd_eremove)
{
	struct fx fx;

	fx_enclave(&fx, 16);
	ASSERT_STATUS(fx_eadd(&fx, 1, 0, FX_REG_RW), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_CHILD_PRESENT);
	ASSERT_STATUS(encls_eremove(fx.lp, platform_epc_page(fx.plat, 1)), SGX_SUCCESS);
	ASSERT_STATUS(encls_eremove(fx.lp, fx.secs), SGX_SUCCESS);
	platform_destroy(fx.plat);
}
