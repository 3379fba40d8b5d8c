// SPDX-License-Identifier: MIT
/*
 * Many enclaves in one process: each costs the same, and the driver's
 * limit on how many a platform holds is said plainly when reached.
 */
#include <sys/resource.h>

#include "api/api.h"
#include "cpu/cpu.h"
#include "drv/encl.h"
#include "exec_fixture.h"

/* Loading past the driver's table fails with a message that names the
 * limit and what to do, not as if the processor had refused the SECS. */
TEST_T(scale, too_many_enclaves_is_said_plainly, 120)
{
	static struct sgxemu_enclave *e[4096];
	struct sgxemu_platform_options o = { .epc_size = 128ULL << 20 };
	struct sgxemu_platform *p;
	struct rlimit rl;
	unsigned int n;

	/* Each enclave holds a descriptor (its memory file). */
	ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	ASSERT_EQ(sgxemu_platform_create(&o, &p), 0);
	/* Hundreds of loads: the debug build's EPCM check after every leaf
	 * would take minutes, and it is not what this test is about. */
	platform_set_epcm_check(api_drv(p)->plat, false);
	for (n = 0; n < 4096; n++)
		if (sgxemu_enclave_load(p, TEST_ENCLAVES "/test_enclave_a.sgxs",
					TEST_ENCLAVES "/test_enclave_a.sig", &e[n]))
			break;
	ASSERT_GE(n, 256);
	if (n == 4096)
		SKIP("the driver took 4096 enclaves: no limit to reach");
	ASSERT_STR_CONTAINS(sgxemu_last_error(), "as many enclaves as its driver can");
	while (n--)
		sgxemu_enclave_destroy(e[n]);
	sgxemu_platform_destroy(p);
}
