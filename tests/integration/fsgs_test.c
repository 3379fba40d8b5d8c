// SPDX-License-Identifier: MIT
/*
 * FS and GS bases across transitions when the emulator skips the switches
 * it can (src/cpu/exec/fsgs.c): the enclave always runs with its own
 * bases (TCS.OFSBASGX/OGSBASGX), host code always finds its own, whether
 * it uses GS or not, and threads created after an exit inherit a GS they
 * do not use.  Each test runs with and without the FSGSBASE instructions
 * where the host has them (SGXEMU_NO_FSGSBASE=1 forces arch_prctl()).
 */
#include <asm/prctl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec_fixture.h"

void raw_eenter(struct encl_op *op, uint64_t tcs);

static struct xf x;

/* The enclave reads its block through GS and through FS: both bases are
 * the block of the TCS it entered, so the two agree and are not 0. */
static void check_enclave_bases(unsigned int tcs)
{
	struct encl_op op = { .type = ENCL_OP_SEGS };
	struct sgx_enclave_run run;

	ASSERT_EQ(xf_call(xf_tcs(&x, tcs), &op, &run), 0);
	ASSERT_EQ(run.function, EEXIT);
	ASSERT_NE(op.r1, 0);
	ASSERT_EQ(op.r0, op.r1);
}

static uint64_t gs_word(void)
{
	uint64_t v;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(v));
	return v;
}

static void setup(bool no_fsgsbase)
{
	if (no_fsgsbase)
		setenv("SGXEMU_NO_FSGSBASE", "1", 1);
	xf_setup(&x);
}

static void enclave_gets_its_bases(bool no_fsgsbase)
{
	setup(no_fsgsbase);
	check_enclave_bases(0);
	/* Again on the same TCS (the loads are skipped where they can be),
	 * then on another (its block differs), then back. */
	check_enclave_bases(0);
	check_enclave_bases(1);
	check_enclave_bases(0);
}

TEST(fsgs, the_enclave_gets_its_bases_on_every_entry)
{
	enclave_gets_its_bases(false);
}

TEST(fsgs, the_enclave_gets_its_bases_on_every_entry_through_arch_prctl)
{
	enclave_gets_its_bases(true);
}

/* A program that points GS at its own data before its first entry (a
 * runtime's thread block) finds it there after every kind of exit. */
static void host_gs_is_restored(bool no_fsgsbase)
{
	static uint64_t block[2] = { 0x5347584547534753ULL, 0 };
	struct encl_op op = { .type = ENCL_OP_UD2, .exc_skip = 2 };
	struct sgx_enclave_run run;

	ASSERT_EQ(syscall(SYS_arch_prctl, ARCH_SET_GS, block), 0);
	setup(no_fsgsbase);
	check_enclave_bases(0);
	ASSERT_EQ(gs_word(), block[0]);
	/* An exception: AEX, reported through the vDSO. */
	ASSERT_EQ(xf_call(xf_tcs(&x, 1), &op, &run), 0);
	ASSERT_EQ(run.function, ERESUME);
	ASSERT_EQ(gs_word(), block[0]);
	/* Raw ENCLU: both transitions in signal handlers. */
	op = (struct encl_op){ .type = ENCL_OP_NOP };
	raw_eenter(&op, xf_tcs(&x, 2));
	ASSERT_EQ(gs_word(), block[0]);
	check_enclave_bases(3);
	ASSERT_EQ(gs_word(), block[0]);
	syscall(SYS_arch_prctl, ARCH_SET_GS, 0);
}

TEST(fsgs, host_code_that_uses_gs_finds_it_after_every_exit)
{
	host_gs_is_restored(false);
}

TEST(fsgs, host_code_that_uses_gs_finds_it_after_every_exit_through_arch_prctl)
{
	host_gs_is_restored(true);
}

static void *second_thread(void *arg)
{
	(void)arg;
	/* This thread's GS is the one the main thread left (its enclave's);
	 * it enters through another TCS, whose block differs. */
	check_enclave_bases(2);
	check_enclave_bases(3);
	check_enclave_bases(2);
	return NULL;
}

/* A thread created after an exit inherits GS = an enclave's block; it
 * does not use it, and its own entries still get their enclave's. */
TEST(fsgs, a_thread_made_after_an_exit_runs_its_enclave_with_its_own_gs)
{
	pthread_t th;

	setup(true);
	check_enclave_bases(0);
	ASSERT_EQ(pthread_create(&th, NULL, second_thread, NULL), 0);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	check_enclave_bases(0);
}
