// SPDX-License-Identifier: MIT
/*
 * AEX-Notify with enclave code running: variant D of the test enclave asks
 * for it (ATTRIBUTES.AEXNOTIFY, TCS.FLAGS.AEXNOTIFY); its handler counts
 * each notification and returns to the interrupted loop with EDECCSSA, as
 * the SDK's does.  Interrupts are timer signals, through the vDSO and
 * through a raw ENCLU whose AEP is another ENCLU.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/time.h>
#include <time.h>

#include "exec_fixture.h"
#include "mix.h"

void raw_eenter(struct encl_op *op, uint64_t tcs);

#define SEED 0x5eed

static volatile uint64_t flag[2];
static atomic_int alarms;

static void alarm_handler(int sig)
{
	(void)sig;
	if (atomic_fetch_add(&alarms, 1) + 1 >= 5)
		flag[0] = 1;
}

static void load_d(struct xf *x, int aexnotify)
{
	struct sgxemu_platform_options o = { .aexnotify = aexnotify };

	memset(x, 0, sizeof(*x));
	/* The test's own timer is the only interrupt: its counts are exact. */
	setenv("SGXEMU_TICK_HZ", "0", 1);
	if (sgxemu_platform_create(&o, &x->plat))
		harness_fail(__FILE__, __LINE__, "platform: %s", sgxemu_last_error());
	x->encl = xf_load(x, "test_enclave_d", "test_enclave_d.sig");
}

/* A timer that interrupts the enclave until five signals were handled. */
static void start_timer(void)
{
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } };
	struct sigaction sa = { 0 };

	flag[0] = flag[1] = 0;
	atomic_store(&alarms, 0);
	sa.sa_handler = alarm_handler;
	ASSERT_EQ(sgxemu_sigaction(SIGALRM, &sa, NULL), 0);
	ASSERT_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void stop_timer(void)
{
	struct itimerval off = { { 0, 0 }, { 0, 0 } };

	setitimer(ITIMER_REAL, &off, NULL);
}

static void spin_op(struct encl_op *op, uint8_t aexnotify)
{
	memset(op, 0, sizeof(*op));
	op->type = ENCL_OP_NOTIFY_SPIN;
	op->a = (uint64_t)(uintptr_t)flag;
	op->b = SEED;
	op->in[0] = aexnotify;
}

/* The loop ran to the end with every register it computes in intact. */
static void assert_loop_intact(const struct encl_op *op)
{
	ASSERT_GT(op->r0, 0);
	ASSERT_EQ(op->r1, encl_mix(op->r0, SEED));
}

/* Each timer interrupt is an AEX; the ERESUME at the vDSO's AEP delivers a
 * notification because SSA frame 0 asks for one: the enclave's handler
 * runs at CSSA 1 and returns to the loop by itself. */
TEST(aexnotify, notifications_through_the_vdso)
{
	struct sgx_enclave_run run;
	struct encl_op op;
	static struct xf x;
	uint64_t base;

	load_d(&x, 0);
	base = sgxemu_enclave_base(x.encl);
	spin_op(&op, 1);
	start_timer();
	ASSERT_EQ(xf_call(xf_tcs(&x, 0), &op, &run), 0);
	stop_timer();
	ASSERT_EQ(run.function, EEXIT);
	ASSERT_GE(atomic_load(&alarms), 5);
	/* One per interrupt that found the loop asking for it. */
	ASSERT_GE(op.exc_count, 1);
	ASSERT_LE(op.exc_count, (uint64_t)atomic_load(&alarms));
	ASSERT_EQ(op.exc_cssa, 1);
	/* An interrupt: no EXITINFO. */
	ASSERT_EQ(op.exc_exitinfo, 0);
	ASSERT_TRUE(op.exc_rip >= base && op.exc_rip < base + sgxemu_enclave_size(x.encl));
	assert_loop_intact(&op);
	/* CSSA is back to 0 and the TCS is free: the next call enters at 0. */
	memset(&op, 0, sizeof(op));
	op.type = ENCL_OP_INFO;
	ASSERT_EQ(xf_call(xf_tcs(&x, 0), &op, &run), 0);
	ASSERT_EQ(run.function, EEXIT);
	ASSERT_EQ(op.r2, 0);
}

/* The same through a raw ENCLU, whose AEP is an ENCLU (ERESUME) that the
 * emulator answers from SIGILL. */
TEST(aexnotify, notifications_through_raw_enclu)
{
	struct encl_op op;
	static struct xf x;

	load_d(&x, 0);
	spin_op(&op, 1);
	start_timer();
	raw_eenter(&op, xf_tcs(&x, 1));
	stop_timer();
	ASSERT_GE(op.exc_count, 1);
	ASSERT_EQ(op.exc_cssa, 1);
	assert_loop_intact(&op);
}

/* Without bit 0 of the SSA frame's AEXNOTIFY byte, ERESUME resumes as it
 * always did: the same interrupts, no notification. */
TEST(aexnotify, no_notification_unless_the_ssa_asks)
{
	static const uint8_t values[] = { 0, 0xFE };
	struct sgx_enclave_run run;
	struct encl_op op;
	static struct xf x;
	unsigned int i;

	load_d(&x, 0);
	for (i = 0; i < 2; i++) {
		spin_op(&op, values[i]);
		start_timer();
		ASSERT_EQ(xf_call(xf_tcs(&x, 2), &op, &run), 0);
		stop_timer();
		ASSERT_EQ(run.function, EEXIT);
		ASSERT_GE(atomic_load(&alarms), 5);
		ASSERT_EQ(op.exc_count, 0);
		assert_loop_intact(&op);
	}
}

/* EDECCSSA with CSSA = 0 is #GP(0), reported by the vDSO like any
 * exception in the enclave. */
TEST(aexnotify, edeccssa_at_cssa_0_is_gp)
{
	struct encl_op op = { .type = ENCL_OP_EDECCSSA };
	struct sgx_enclave_run run;
	static struct xf x;

	load_d(&x, 0);
	ASSERT_EQ(xf_call(xf_tcs(&x, 3), &op, &run), 0);
	ASSERT_EQ(run.function, ERESUME);
	ASSERT_EQ(run.exception_vector, 13);
	ASSERT_EQ(op.r0, 0);
}

/* A processor without AEX-Notify (the library's aexnotify = -1, `sgxemu
 * run --no-aexnotify`): ECREATE refuses the attribute, so the enclave does
 * not load; enclaves without it are unaffected. */
TEST(aexnotify, refused_without_aexnotify)
{
	struct sgxemu_platform_options o = { .aexnotify = -1 };
	struct sgxemu_enclave *e;
	struct sgx_enclave_run run;
	struct encl_op op = { .type = ENCL_OP_NOP };
	static struct xf x;

	memset(&x, 0, sizeof(x));
	ASSERT_EQ(sgxemu_platform_create(&o, &x.plat), 0);
	ASSERT_NE(sgxemu_enclave_load(x.plat, TEST_ENCLAVES "/test_enclave_d.sgxs",
				      TEST_ENCLAVES "/test_enclave_d.sig", &e),
		  0);
	x.encl = xf_load(&x, "test_enclave_a", "test_enclave_a.sig");
	ASSERT_EQ(xf_call(xf_tcs(&x, 0), &op, &run), 0);
	ASSERT_EQ(run.function, EEXIT);
}

static void *stop_after_100ms(void *arg)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	(void)arg;
	while (!flag[1])
		sched_yield();
	nanosleep(&ts, NULL);
	flag[0] = 1;
	return NULL;
}

/* Without a timer of the program's, the emulated processor's own tick
 * interrupts enclave code (as a kernel's tick would on hardware): a loop
 * that runs a tenth of a second sees notifications. */
TEST(aexnotify, the_tick_interrupts_enclave_code)
{
	struct sgx_enclave_run run;
	struct encl_op op;
	static struct xf x;
	pthread_t th;

	memset(&x, 0, sizeof(x));
	ASSERT_EQ(sgxemu_platform_create(NULL, &x.plat), 0);
	x.encl = xf_load(&x, "test_enclave_d", "test_enclave_d.sig");
	spin_op(&op, 1);
	ASSERT_EQ(pthread_create(&th, NULL, stop_after_100ms, &op), 0);
	ASSERT_EQ(xf_call(xf_tcs(&x, 0), &op, &run), 0);
	pthread_join(th, NULL);
	ASSERT_EQ(run.function, EEXIT);
	ASSERT_GE(op.exc_count, 5);
	assert_loop_intact(&op);
}
