// SPDX-License-Identifier: MIT
/*
 * Quote generation, next to its baselines from the same run:
 *  - quote_us: one quote of the test enclave's REPORT by the QE (check the
 *    REPORT with EGETKEY, unseal the attestation key, sign with the
 *    enclave's own constant-time P-256) and the certification data, the
 *    ECALL included;
 *  - ereport_ecall_us: one ECALL of the test enclave that makes a REPORT
 *    for the QE, what an application does before it asks for a quote;
 *  - openssl_p256_sign_us: one ECDSA P-256 signature by OpenSSL;
 *  - quoter_start_ms: loading the PCE and QE, a new attestation key, its
 *    certification by the PCE and the PCK certificate (first use on a
 *    machine);
 *  - quote_verify_us: sgxemu_quote_verify() of the quote.
 */
#include <asm/sgx.h>
#include <dirent.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "dcap/dcap.h"
#include "dcap/dev_emu.h"
#include "enclave.h"
#include "sgxemu/sgxemu.h"

#define N_QUOTES 200
#define N_REPORTS 2000
#define N_SIGNS 2000

static void die(const char *what, const char *why)
{
	fprintf(stderr, "quote: %s: %s\n", what, why);
	exit(1);
}

static void ereport(uint64_t tcs, const struct sgx_targetinfo *ti, struct sgx_report *rep)
{
	static struct encl_op op;
	struct sgx_enclave_run run = { .tcs = tcs };

	memset(&op, 0, sizeof(op));
	op.type = ENCL_OP_REPORT;
	memcpy(op.in, ti, sizeof(*ti));
	if (sgxemu_enter_enclave((unsigned long)&op, 0, 0, 2, 0, 0, &run) || run.function != 4)
		die("ereport", "the enclave did not EEXIT");
	memcpy(rep, op.out, sizeof(*rep));
}

/* The bench's machine is thrown away: its state directory holds files only. */
static void remove_dir(const char *dir)
{
	char path[4200];
	struct dirent *d;
	DIR *dp = opendir(dir);

	while (dp && (d = readdir(dp))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		unlink(path);
	}
	if (dp)
		closedir(dp);
	rmdir(dir);
}

static double openssl_sign_us(void)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	u8 msg[432] = { 1 }, sig[80];
	size_t len;
	double t0;
	int i;

	t0 = bench_now();
	for (i = 0; i < N_SIGNS; i++) {
		len = sizeof(sig);
		if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
		    EVP_DigestSign(md, sig, &len, msg, sizeof(msg)) != 1)
			die("openssl", "signing failed");
	}
	t0 = bench_now() - t0;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	return t0 / N_SIGNS * 1e6;
}

int main(int argc, char **argv)
{
	struct sgxemu_platform_options o = { .epc_size = 64 << 20 };
	struct sgxemu_quote_policy policy = { 0 };
	char state[] = "/tmp/sgxemu-bench-quote.XXXXXX", why[512];
	struct sgxemu_platform *plat;
	struct sgxemu_enclave *encl;
	struct sgx_targetinfo ti;
	struct sgx_report rep;
	struct dcap_quoter q;
	struct dcap_dev *dev;
	double t0, start_ms, quote_us, report_us, verify_us;
	u8 *quote;
	u32 len;
	int i;

	bench_open(argc, argv);
	if (!mkdtemp(state))
		die("state", "mkdtemp failed");
	o.state_dir = state;
	policy.state_dir = state;
	if (sgxemu_platform_create(&o, &plat) ||
	    sgxemu_enclave_load(plat, TEST_ENCLAVES "/test_enclave_a.sgxs",
				TEST_ENCLAVES "/test_enclave_a.sig", &encl))
		die("platform", sgxemu_last_error());
	if (dcap_dev_emu(plat, NULL, &dev, why, sizeof(why)) ||
	    dcap_quoter_init(&q, dev, state, TEST_ENCLAVES, why, sizeof(why)))
		die("quoter", why);
	t0 = bench_now();
	if (dcap_quoter_target(&q, &ti, why, sizeof(why)) ||
	    dcap_quoter_quote_size(&q, &len, why, sizeof(why)))
		die("quoter", why);
	start_ms = (bench_now() - t0) * 1e3;
	quote = malloc(len);
	ereport(sgxemu_enclave_tcs(encl, 0), &ti, &rep);
	for (i = 0; i < 10; i++)
		if (dcap_quoter_quote(&q, &rep, NULL, quote, len, why, sizeof(why)))
			die("quote", why);
	t0 = bench_now();
	for (i = 0; i < N_QUOTES; i++)
		if (dcap_quoter_quote(&q, &rep, NULL, quote, len, why, sizeof(why)))
			die("quote", why);
	quote_us = (bench_now() - t0) / N_QUOTES * 1e6;
	t0 = bench_now();
	for (i = 0; i < N_REPORTS; i++)
		ereport(sgxemu_enclave_tcs(encl, 0), &ti, &rep);
	report_us = (bench_now() - t0) / N_REPORTS * 1e6;
	t0 = bench_now();
	for (i = 0; i < N_QUOTES; i++)
		if (sgxemu_quote_verify(quote, len, &policy, NULL))
			die("verify", sgxemu_last_error());
	verify_us = (bench_now() - t0) / N_QUOTES * 1e6;
	bench_metric("quote_us", quote_us, "us");
	bench_metric("ereport_ecall_us", report_us, "us");
	bench_metric("openssl_p256_sign_us", openssl_sign_us(), "us");
	bench_metric("quoter_start_ms", start_ms, "ms");
	bench_metric("quote_verify_us", verify_us, "us");
	bench_metric("quote_bytes", len, "bytes");
	free(quote);
	dcap_quoter_stop(&q);
	dev->destroy(dev);
	sgxemu_enclave_destroy(encl);
	sgxemu_platform_destroy(plat);
	remove_dir(state);
	return 0;
}
