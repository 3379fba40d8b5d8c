// SPDX-License-Identifier: MIT
/*
 * hello: an enclave program on sgxemu.  The first run seals a secret to the
 * enclave (only the same enclave on the same platform can unseal it); the
 * next run unseals it.  Each run the enclave also proves itself to a second
 * enclave with a report, which the second enclave verifies (local
 * attestation).
 */
#include <asm/sgx.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hello.h"
#include "sgxemu/sgxemu.h"

#define SECRET "the secret is 42"

static int call(struct sgxemu_enclave *e, struct hello_call *c)
{
	struct sgx_enclave_run run;

	memset(&run, 0, sizeof(run));
	run.tcs = sgxemu_enclave_tcs(e, 0);
	if (sgxemu_enter_enclave((unsigned long)c, 0, 0, 2, 0, 0, &run) || run.function != 4) {
		fprintf(stderr, "hello: the enclave faulted (vector %u at %#llx)\n",
			run.exception_vector, (unsigned long long)run.exception_addr);
		exit(1);
	}
	return (int)c->status;
}

static struct sgxemu_enclave *load(struct sgxemu_platform *p, const char *dir, const char *name)
{
	char sgxs[4096], sig[4096];
	struct sgxemu_enclave *e;

	snprintf(sgxs, sizeof(sgxs), "%s/%s.sgxs", dir, name);
	snprintf(sig, sizeof(sig), "%s/%s.sig", dir, name);
	if (sgxemu_enclave_load(p, sgxs, sig, &e)) {
		fprintf(stderr, "hello: %s\n", sgxemu_last_error());
		exit(1);
	}
	return e;
}

static void hex(const char *label, const uint8_t *p, size_t n)
{
	size_t i;

	printf("%s", label);
	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static int seal_or_unseal(struct sgxemu_enclave *e, const char *path)
{
	static struct hello_call c;
	FILE *f = fopen(path, "rb");

	memset(&c, 0, sizeof(c));
	if (!f) {
		if (errno != ENOENT) {
			fprintf(stderr, "hello: %s: %s\n", path, strerror(errno));
			return 1;
		}
		c.op = HELLO_SEAL;
		c.len = strlen(SECRET);
		memcpy(c.secret, SECRET, c.len);
		if (call(e, &c)) {
			fprintf(stderr, "hello: sealing failed\n");
			return 1;
		}
		f = fopen(path, "wb");
		if (!f || fwrite(c.blob, 1, c.len, f) != c.len || fclose(f)) {
			fprintf(stderr, "hello: cannot write %s: %s\n", path, strerror(errno));
			return 1;
		}
		printf("sealed %llu bytes to %s; run me again to unseal them\n",
		       (unsigned long long)c.len, path);
		return 0;
	}
	c.op = HELLO_UNSEAL;
	c.len = fread(c.blob, 1, sizeof(c.blob), f);
	fclose(f);
	if (call(e, &c)) {
		fprintf(stderr, "hello: %s does not unseal here: sealed by another enclave or on "
				"another platform (state directory)\n",
			path);
		return 1;
	}
	printf("unsealed from %s: \"%.*s\"\n", path, (int)c.len, (const char *)c.secret);
	return 0;
}

/* The prover reports to the verifier, which checks the report's MAC. */
static int attest(struct sgxemu_enclave *prover, struct sgxemu_enclave *verifier)
{
	static struct hello_call c;
	uint8_t ti[512] = { 0 };

	/* The verifier's identity, from a report of its own. */
	memset(&c, 0, sizeof(c));
	c.op = HELLO_REPORT;
	if (call(verifier, &c))
		return 1;
	memcpy(ti, c.report + 64, 32);      /* MEASUREMENT = its MRENCLAVE */
	memcpy(ti + 32, c.report + 48, 16); /* ATTRIBUTES */
	memcpy(ti + 52, c.report + 16, 4);  /* MISCSELECT */
	memset(&c, 0, sizeof(c));
	c.op = HELLO_REPORT;
	memcpy(c.target, ti, sizeof(ti));
	memcpy(c.data, "hello, verifier", 16);
	if (call(prover, &c))
		return 1;
	c.op = HELLO_VERIFY;
	if (call(verifier, &c)) {
		fprintf(stderr, "hello: the verifier rejected the prover's report\n");
		return 1;
	}
	hex("verifier: report verified from MRENCLAVE ", c.report + 64, 32);
	hex("                              MRSIGNER  ", c.report + 128, 32);
	/* A report changed on the way is refused. */
	c.report[320] ^= 1;
	c.op = HELLO_VERIFY;
	if (!call(verifier, &c)) {
		fprintf(stderr, "hello: the verifier accepted a tampered report\n");
		return 1;
	}
	printf("verifier: a tampered copy of the report is rejected\n");
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: hello [--sealed FILE] [--enclaves DIR]\n\n"
		   "Seal a secret inside an enclave (first run), unseal it (later runs),\n"
		   "and attest the enclave to a second one.  Platform secrets live in\n"
		   "$SGXEMU_STATE_DIR.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "sealed", required_argument, NULL, 's' },
		{ "enclaves", required_argument, NULL, 'e' },
		{ 0 },
	};
	const char *sealed = "hello.sealed", *dir = HELLO_ENCLAVES;
	struct sgxemu_enclave *prover, *verifier;
	struct sgxemu_platform *p;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case 's':
			sealed = optarg;
			break;
		case 'e':
			dir = optarg;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (sgxemu_platform_create(NULL, &p)) {
		fprintf(stderr, "hello: %s\n", sgxemu_last_error());
		return 1;
	}
	prover = load(p, dir, "hello_prover");
	verifier = load(p, dir, "hello_verifier");
	rc = seal_or_unseal(prover, sealed);
	if (!rc)
		rc = attest(prover, verifier);
	sgxemu_enclave_destroy(verifier);
	sgxemu_enclave_destroy(prover);
	sgxemu_platform_destroy(p);
	return rc;
}
