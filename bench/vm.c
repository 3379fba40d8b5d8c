// SPDX-License-Identifier: MIT
/*
 * What a VM costs, each figure next to the host's from the same run:
 *  - guest_ecall_roundtrip_ns vs ecall_roundtrip_ns: enclave entry in a
 *    guest goes through the same native path, its EPC addresses
 *    translated through the virtual EPC;
 *  - guest_enclave_load_us vs enclave_load_us: loading the test enclave
 *    (ECREATE and EINIT exit to the host; EADD and EEXTEND run directly);
 *    target ratio <= 1.2.
 * Both load one signer, so after the first EINIT the host LP's hash cache
 * hits for both.
 */
#include <stdlib.h>

#include "bench.h"
#include "ecall.h"
#include "sgxemu/sgxemu.h"

#define ENCLAVE TEST_ENCLAVES "/test_enclave_a"
#define N_CALLS 100000
#define N_LOADS 200

static double load_us(struct sgxemu_platform *p)
{
	struct sgxemu_enclave *e;
	double t0 = bench_now();
	int i;

	for (i = 0; i < N_LOADS; i++) {
		if (sgxemu_enclave_load(p, ENCLAVE ".sgxs", ENCLAVE ".sig", &e)) {
			fprintf(stderr, "vm: %s\n", sgxemu_last_error());
			exit(1);
		}
		sgxemu_enclave_destroy(e);
	}
	return (bench_now() - t0) / N_LOADS * 1e6;
}

static double ecall_ns(struct sgxemu_platform *p)
{
	struct sgxemu_enclave *e;
	double ns;

	if (sgxemu_enclave_load(p, ENCLAVE ".sgxs", ENCLAVE ".sig", &e)) {
		fprintf(stderr, "vm: %s\n", sgxemu_last_error());
		exit(1);
	}
	ns = bench_ecall_ns(sgxemu_enclave_tcs(e, 0), N_CALLS);
	sgxemu_enclave_destroy(e);
	return ns;
}

int main(int argc, char **argv)
{
	struct sgxemu_platform_options opts = { 0 };
	struct sgxemu_platform *host, *guest;
	char dir[] = "/tmp/sgxemu-bench.XXXXXX", cmd[64];
	double host_ecall, guest_ecall, host_load, guest_load;

	bench_open(argc, argv);
	if (!mkdtemp(dir))
		return 1;
	opts.state_dir = dir;
	opts.epc_size = 64 << 20;
	if (sgxemu_platform_create(&opts, &host) ||
	    sgxemu_vm_create(host, "epc=32M,lewr", NULL, &guest)) {
		fprintf(stderr, "vm: %s\n", sgxemu_last_error());
		return 1;
	}
	/* Interleaved, so drift on a shared machine hits both. */
	host_load = load_us(host);
	guest_load = load_us(guest);
	host_load = (host_load + load_us(host)) / 2;
	guest_load = (guest_load + load_us(guest)) / 2;
	host_ecall = ecall_ns(host);
	guest_ecall = ecall_ns(guest);
	bench_metric("ecall_roundtrip_ns", host_ecall, "ns");
	bench_metric("guest_ecall_roundtrip_ns", guest_ecall, "ns");
	bench_metric("guest_over_host_ecall_ratio", guest_ecall / host_ecall, "ratio");
	bench_metric("enclave_load_us", host_load, "us");
	bench_metric("guest_enclave_load_us", guest_load, "us");
	bench_metric("guest_over_host_load_ratio", guest_load / host_load, "ratio");
	sgxemu_platform_destroy(guest);
	sgxemu_platform_destroy(host);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : 0;
}
