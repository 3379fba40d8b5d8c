// SPDX-License-Identifier: MIT
/*
 * The quote example's verifier, as a relying party would run it: is QUOTE
 * a genuine quote of this machine (or of the machine whose root
 * certificate --root names), from the expected enclave, and does its
 * REPORTDATA say MESSAGE?
 *
 *   quote_verify [--root CERT] [--mrenclave HEX] QUOTE MESSAGE
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quote_call.h"
#include "sgxemu/sgxemu.h"

static int unhex(const char *s, uint8_t out[32])
{
	unsigned int i, v;

	if (strlen(s) != 64)
		return -1;
	for (i = 0; i < 32; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sgxemu_quote_policy policy = { 0 };
	struct sgxemu_quote_info info;
	uint8_t want[64] = { 0 }, mrenclave[32], quote[65536];
	unsigned int md_len;
	EVP_MD_CTX *md;
	size_t len;
	FILE *f;
	int i = 1;

	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "--root")) {
			policy.root = argv[i + 1];
		} else if (!strcmp(argv[i], "--mrenclave") && !unhex(argv[i + 1], mrenclave)) {
			policy.mrenclave = mrenclave;
		} else {
			fprintf(stderr, "quote_verify: bad option %s\n", argv[i]);
			return 2;
		}
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: quote_verify [--root CERT] [--mrenclave HEX] QUOTE MESSAGE\n");
		return 2;
	}
	f = fopen(argv[i], "rb");
	if (!f) {
		fprintf(stderr, "quote_verify: %s: %s\n", argv[i], strerror(errno));
		return 2;
	}
	len = fread(quote, 1, sizeof(quote), f);
	fclose(f);
	/* The signatures, the certificate chain and the enclave's identity. */
	if (sgxemu_quote_verify(quote, len, &policy, &info)) {
		fprintf(stderr, "quote_verify: refused: %s\n", sgxemu_last_error());
		return 1;
	}
	/* What the enclave said: SHA-256(label || message), then zeros. */
	md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	EVP_DigestUpdate(md, QUOTE_EXAMPLE_LABEL, strlen(QUOTE_EXAMPLE_LABEL));
	EVP_DigestUpdate(md, argv[i + 1], strlen(argv[i + 1]));
	EVP_DigestFinal_ex(md, want, &md_len);
	EVP_MD_CTX_free(md);
	if (memcmp(info.body.reportdata, want, sizeof(want))) {
		fprintf(stderr, "quote_verify: refused: the enclave did not say \"%s\"\n", argv[i + 1]);
		return 1;
	}
	printf("quote_verify: genuine: an enclave with MRENCLAVE ");
	for (i = 0; i < 32; i++)
		printf("%02x", info.body.mrenclave[i]);
	printf("\nquote_verify: on the machine whose root is %s\n", info.root);
	printf("quote_verify: says \"%s\"%s\n", argv[argc - 1],
	       (info.body.attributes & 2) ? " (a debug enclave)" : "");
	return 0;
}
