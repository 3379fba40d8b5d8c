// SPDX-License-Identifier: MIT
/*
 * sgxemu_quote_verify(): check a DCAP version 3 quote with OpenSSL, each
 * check in the order a relying party needs them, each failure one line
 * naming the check.  The layout is <sgxemu/quote.h>; doc/attestation.md
 * gives the sources.
 */
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "base/file.h"
#include "base/hex.h"
#include "cpu/crypto.h"
#include "cpu/state.h"

#define SGX_EXT_OID "1.2.840.113741.1.13.1"
#define ROOT_FILE "attestation-root.pem"

struct verify {
	const u8 *q;
	size_t len;
	struct sgxemu_quote_info info;
	struct sgxemu_quote_ecdsa_sig sig;
	const u8 *auth;
	u16 auth_len;
	const u8 *certs;
	u32 certs_len;
	STACK_OF(X509) *chain;  /* as the quote carries it: PCK first */
	X509 *root;
};

#define bad(check, ...) api_fail(-EBADMSG, check ": " __VA_ARGS__)

static int check_format(struct verify *v)
{
	const size_t min = SGXEMU_QUOTE_AUTH_OFFSET + 2;
	u32 sig_len, certs_len;
	u16 cert_type;
	size_t at;

	if (v->len < min)
		return bad("format", "the quote is %zu bytes; one has at least %zu", v->len, min);
	memcpy(&v->info.header, v->q, sizeof(v->info.header));
	memcpy(&v->info.body, v->q + SGXEMU_QUOTE_BODY_OFFSET, sizeof(v->info.body));
	memcpy(&sig_len, v->q + SGXEMU_QUOTE_SIG_LEN_OFFSET, 4);
	memcpy(&v->sig, v->q + SGXEMU_QUOTE_SIG_OFFSET, sizeof(v->sig));
	v->info.qe_report = v->sig.qe_report;
	if (v->info.header.version != SGXEMU_QUOTE_VERSION)
		return bad("format", "version %u; this verifier reads version %u", v->info.header.version,
			   SGXEMU_QUOTE_VERSION);
	if (v->info.header.att_key_type != SGXEMU_QUOTE_ATT_KEY_ECDSA_P256)
		return bad("format", "attestation key type %u; expected %u (ECDSA-256-with-P-256)",
			   v->info.header.att_key_type, SGXEMU_QUOTE_ATT_KEY_ECDSA_P256);
	if ((u64)sig_len + SGXEMU_QUOTE_SIG_OFFSET != v->len)
		return bad("format", "signature data length %u does not match the quote's %zu bytes",
			   sig_len, v->len);
	memcpy(&v->auth_len, v->q + SGXEMU_QUOTE_AUTH_OFFSET, 2);
	at = SGXEMU_QUOTE_AUTH_OFFSET + 2 + (size_t)v->auth_len;
	if (at + 6 > v->len)
		return bad("format", "authentication data of %u bytes runs past the quote's end",
			   v->auth_len);
	v->auth = v->q + SGXEMU_QUOTE_AUTH_OFFSET + 2;
	memcpy(&cert_type, v->q + at, 2);
	memcpy(&certs_len, v->q + at + 2, 4);
	if (cert_type != SGXEMU_QUOTE_CERT_PCK_CHAIN)
		return bad("format", "certification data type %u; expected %u (PCK certificate chain)",
			   cert_type, SGXEMU_QUOTE_CERT_PCK_CHAIN);
	if ((u64)at + 6 + certs_len != v->len)
		return bad("format", "certification data of %u bytes does not end where the quote does",
			   certs_len);
	v->certs = v->q + at + 6;
	v->certs_len = certs_len;
	return 0;
}

static X509 *read_root(const struct sgxemu_quote_policy *p, int *err)
{
	char dir[4096], why[512], path[4200];
	const char *file = p ? p->root : NULL;
	size_t len;
	u8 *buf;
	BIO *bio;
	X509 *root;

	if (!file) {
		*err = state_dir_open(p ? p->state_dir : NULL, dir, sizeof(dir), why, sizeof(why));
		if (*err) {
			api_fail(*err, "%s", why);
			return NULL;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, ROOT_FILE);
		file = path;
	}
	*err = file_read_all(file, 1 << 20, &buf, &len);
	if (*err) {
		api_fail(*err, "cannot read the root certificate %s: %s%s", file, strerror(-*err),
			 *err == -ENOENT && !(p && p->root) ?
				 " (this machine has made no quote yet; give the root's PEM file)" :
				 "");
		return NULL;
	}
	bio = BIO_new_mem_buf(buf, (int)len);
	root = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	free(buf);
	if (!root) {
		*err = -EINVAL;
		api_fail(*err, "%s holds no PEM certificate", file);
	}
	return root;
}

static int check_chain(struct verify *v)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	BIO *bio = BIO_new_mem_buf(v->certs, (int)v->certs_len);
	X509 *cert;
	int i, ret = -ENOMEM;

	v->chain = sk_X509_new_null();
	if (!store || !ctx || !untrusted || !bio || !v->chain)
		goto out;
	while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)))
		sk_X509_push(v->chain, cert);
	ERR_clear_error();
	if (sk_X509_num(v->chain) == 0) {
		ret = bad("certificate chain", "the certification data holds no PEM certificate");
		goto out;
	}
	for (i = 1; i < sk_X509_num(v->chain); i++)
		sk_X509_push(untrusted, sk_X509_value(v->chain, i));
	X509_NAME_oneline(X509_get_subject_name(v->root), v->info.root, sizeof(v->info.root));
	if (!X509_STORE_add_cert(store, v->root) ||
	    !X509_STORE_CTX_init(ctx, store, sk_X509_value(v->chain, 0), untrusted))
		goto out;
	if (X509_verify_cert(ctx) != 1) {
		ret = bad("certificate chain", "the PCK certificate does not lead to the trusted root %s: %s",
			  v->info.root, X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	/* The root the quote carries, if any, must be the trusted one. */
	cert = sk_X509_value(v->chain, sk_X509_num(v->chain) - 1);
	if (sk_X509_num(v->chain) > 1 && X509_check_issued(cert, cert) == X509_V_OK &&
	    X509_cmp(cert, v->root)) {
		ret = bad("certificate chain", "the quote's root CA is not the trusted root %s",
			  v->info.root);
		goto out;
	}
	ret = 0;
out:
	if (ret == -ENOMEM)
		api_fail(ret, "out of memory");
	BIO_free(bio);
	sk_X509_free(untrusted);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ret;
}

/* The elements of a DER SEQUENCE held in @t (a V_ASN1_SEQUENCE). */
static ASN1_SEQUENCE_ANY *seq_of(const ASN1_TYPE *t)
{
	const u8 *p;

	if (!t || t->type != V_ASN1_SEQUENCE)
		return NULL;
	p = t->value.sequence->data;
	return d2i_ASN1_SEQUENCE_ANY(NULL, &p, t->value.sequence->length);
}

/* The OID (dotted) and value of one SEQUENCE { OID, value } element. */
static ASN1_SEQUENCE_ANY *pair_of(const ASN1_TYPE *t, char *oid, size_t len, ASN1_TYPE **value)
{
	ASN1_SEQUENCE_ANY *pair = seq_of(t);

	if (!pair || sk_ASN1_TYPE_num(pair) != 2 ||
	    sk_ASN1_TYPE_value(pair, 0)->type != V_ASN1_OBJECT ||
	    OBJ_obj2txt(oid, (int)len, sk_ASN1_TYPE_value(pair, 0)->value.object, 1) <= 0) {
		sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
		return NULL;
	}
	*value = sk_ASN1_TYPE_value(pair, 1);
	return pair;
}

static bool octets(const ASN1_TYPE *t, u8 *out, int len)
{
	if (t->type != V_ASN1_OCTET_STRING || ASN1_STRING_length(t->value.octet_string) != len)
		return false;
	memcpy(out, ASN1_STRING_get0_data(t->value.octet_string), (size_t)len);
	return true;
}

static bool integer(const ASN1_TYPE *t, long max, long *out)
{
	long v;

	if (t->type == V_ASN1_INTEGER)
		v = ASN1_INTEGER_get(t->value.integer);
	else if (t->type == V_ASN1_ENUMERATED)
		v = ASN1_ENUMERATED_get(t->value.enumerated);
	else
		return false;
	*out = v;
	return v >= 0 && v <= max;
}

/* The TCB: 16 component SVNs, PCESVN, CPUSVN. */
static bool parse_tcb(struct verify *v, const ASN1_TYPE *t)
{
	ASN1_SEQUENCE_ANY *tcb = seq_of(t);
	unsigned int seen = 0;
	char oid[80];
	long n = 0;
	int i;

	for (i = 0; tcb && i < sk_ASN1_TYPE_num(tcb); i++) {
		ASN1_TYPE *val;
		ASN1_SEQUENCE_ANY *pair = pair_of(sk_ASN1_TYPE_value(tcb, i), oid, sizeof(oid), &val);
		bool ok = pair != NULL;

		if (ok && !strcmp(oid, SGX_EXT_OID ".2.17")) {
			ok = integer(val, 0xffff, &n);
			v->info.pcesvn = (u16)n;
			seen |= 1;
		} else if (ok && !strcmp(oid, SGX_EXT_OID ".2.18")) {
			ok = octets(val, v->info.cpusvn, 16);
			seen |= 2;
		} else if (ok) {
			ok = integer(val, 255, &n); /* a component SVN */
		}
		sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
		if (!ok)
			seen = 0, i = sk_ASN1_TYPE_num(tcb);
	}
	sk_ASN1_TYPE_pop_free(tcb, ASN1_TYPE_free);
	return seen == 3;
}

static int check_pck_ext(struct verify *v)
{
	X509 *pck = sk_X509_value(v->chain, 0);
	ASN1_OBJECT *obj = OBJ_txt2obj(SGX_EXT_OID, 1);
	ASN1_SEQUENCE_ANY *ext = NULL;
	const ASN1_OCTET_STRING *data;
	unsigned int seen = 0;
	const u8 *p;
	char oid[80];
	long n = 0;
	int i;

	i = obj ? X509_get_ext_by_OBJ(pck, obj, -1) : -1;
	ASN1_OBJECT_free(obj);
	if (i < 0)
		return bad("PCK certificate", "no SGX extensions (OID " SGX_EXT_OID ")");
	data = X509_EXTENSION_get_data(X509_get_ext(pck, i));
	p = ASN1_STRING_get0_data(data);
	ext = d2i_ASN1_SEQUENCE_ANY(NULL, &p, ASN1_STRING_length(data));
	for (i = 0; ext && i < sk_ASN1_TYPE_num(ext); i++) {
		ASN1_TYPE *val;
		ASN1_SEQUENCE_ANY *pair = pair_of(sk_ASN1_TYPE_value(ext, i), oid, sizeof(oid), &val);
		bool ok = pair != NULL;

		if (ok && !strcmp(oid, SGX_EXT_OID ".1"))
			ok = octets(val, v->info.ppid, 16), seen |= 1;
		else if (ok && !strcmp(oid, SGX_EXT_OID ".2"))
			ok = parse_tcb(v, val), seen |= 2;
		else if (ok && !strcmp(oid, SGX_EXT_OID ".3"))
			ok = octets(val, v->info.pceid, 2), seen |= 4;
		else if (ok && !strcmp(oid, SGX_EXT_OID ".4"))
			ok = octets(val, v->info.fmspc, 6), seen |= 8;
		else if (ok && !strcmp(oid, SGX_EXT_OID ".5"))
			ok = integer(val, 2, &n), v->info.sgx_type = (int)n, seen |= 16;
		sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
		if (!ok)
			seen = 0, i = sk_ASN1_TYPE_num(ext);
	}
	sk_ASN1_TYPE_pop_free(ext, ASN1_TYPE_free);
	if (seen != 31)
		return bad("PCK certificate", "its SGX extensions lack or misencode the PPID, TCB, "
					      "PCE-ID, FMSPC or SGX type");
	return 0;
}

/* An EVP_PKEY for the P-256 public key x || y, or NULL. */
static EVP_PKEY *p256_key(const u8 xy[64])
{
	u8 oct[65] = { 4 };
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *key = NULL;

	memcpy(oct + 1, xy, 64);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)"prime256v1", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, oct, sizeof(oct));
	params[2] = OSSL_PARAM_construct_end();
	if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key;
}

/* Does @key sign @msg with the ECDSA-SHA256 signature r || s (@sig)? */
static bool ecdsa_ok(EVP_PKEY *key, const void *msg, size_t len, const u8 sig[64])
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *ss = BN_bin2bn(sig + 32, 32, NULL);
	u8 *der = NULL;
	int dlen;
	bool ok = false;

	if (!s || !md || !r || !ss || !ECDSA_SIG_set0(s, r, ss)) {
		BN_free(r);
		BN_free(ss);
		goto out;
	}
	dlen = i2d_ECDSA_SIG(s, &der);
	ok = dlen > 0 && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	     EVP_DigestVerify(md, der, (size_t)dlen, msg, len) == 1;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	ECDSA_SIG_free(s);
	ERR_clear_error();
	return ok;
}

static int check_signatures(struct verify *v)
{
	struct crypto_sha256 sha;
	EVP_PKEY *att;
	u8 h[64];

	if (!ecdsa_ok(X509_get0_pubkey(sk_X509_value(v->chain, 0)), &v->sig.qe_report,
		      sizeof(v->sig.qe_report), v->sig.qe_report_sig))
		return bad("QE report signature", "the PCK certificate's key did not sign the QE's REPORT");
	memset(h, 0, sizeof(h));
	crypto_sha256_init(&sha);
	crypto_sha256_update(&sha, v->sig.attest_pub_key, sizeof(v->sig.attest_pub_key));
	crypto_sha256_update(&sha, v->auth, v->auth_len);
	crypto_sha256_final(&sha, h);
	if (memcmp(h, v->sig.qe_report.reportdata, 64))
		return bad("attestation key binding", "the QE REPORT's REPORTDATA is not SHA-256(attestation "
						      "key || authentication data) || zeros");
	att = p256_key(v->sig.attest_pub_key);
	if (!att)
		return bad("quote signature", "the attestation key is not a P-256 public key");
	if (!ecdsa_ok(att, v->q, SGXEMU_QUOTE_SIG_LEN_OFFSET, v->sig.sig)) {
		EVP_PKEY_free(att);
		return bad("quote signature", "the attestation key did not sign this header and "
					      "report body");
	}
	EVP_PKEY_free(att);
	return 0;
}

static int check_policy(struct verify *v, const struct sgxemu_quote_policy *p)
{
	const struct sgxemu_report_body *b = &v->info.body;
	char have[65], want[65];

	if (!p)
		return 0;
	if (p->mrenclave && memcmp(p->mrenclave, b->mrenclave, 32)) {
		hex_encode(have, b->mrenclave, 32);
		hex_encode(want, p->mrenclave, 32);
		return bad("policy", "MRENCLAVE %s is not the expected %s", have, want);
	}
	if (p->mrsigner && memcmp(p->mrsigner, b->mrsigner, 32)) {
		hex_encode(have, b->mrsigner, 32);
		hex_encode(want, p->mrsigner, 32);
		return bad("policy", "MRSIGNER %s is not the expected %s", have, want);
	}
	if (p->no_debug && (b->attributes & SGX_ATTR_DEBUG))
		return bad("policy", "the enclave is a debug enclave (ATTRIBUTES.DEBUG), which was "
				     "not to be accepted");
	return 0;
}

int sgxemu_quote_verify(const void *quote, size_t len, const struct sgxemu_quote_policy *policy,
			struct sgxemu_quote_info *info)
{
	struct verify v;
	int err;

	memset(&v, 0, sizeof(v));
	if (!quote)
		return api_fail(-EINVAL, "no quote");
	v.q = quote;
	v.len = len;
	err = check_format(&v);
	if (err)
		return err;
	v.root = read_root(policy, &err);
	if (!v.root)
		return err;
	err = check_chain(&v);
	if (!err)
		err = check_pck_ext(&v);
	if (!err)
		err = check_signatures(&v);
	if (!err)
		err = check_policy(&v, policy);
	if (!err && info)
		*info = v.info;
	sk_X509_pop_free(v.chain, X509_free);
	X509_free(v.root);
	return err;
}
