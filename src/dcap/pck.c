// SPDX-License-Identifier: MIT
/*
 * The machine's attestation CA and its PCK certificates, with OpenSSL.
 *
 * A root CA and an intermediate ("PCK Platform") CA, ECDSA P-256 both, are
 * made on first use and kept in the state directory (DCAP_CA_FILE holds
 * their keys and certificates; DCAP_ROOT_FILE the root certificate alone,
 * for verifiers).  Their names say they are sgxemu's and name the host, so
 * nobody takes them for Intel's.  The intermediate issues the PCK
 * certificate for the PCK public key the PCE reports, with Intel's SGX
 * extensions (OID 1.2.840.113741.1.13.1: PPID, TCB, PCE-ID, FMSPC, SGX
 * type); doc/attestation.md lists their encoding and its source.
 */
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/state.h"
#include "dcap/dcap.h"

#define SGX_EXT_OID "1.2.840.113741.1.13.1"
#define ORG "sgxemu (emulated SGX, not Intel)"
/* No real FMSPC: "SGXEMU" in ASCII, so nobody looks it up at Intel. */
static const u8 fmspc[6] = { 'S', 'G', 'X', 'E', 'M', 'U' };

struct ca {
	EVP_PKEY *root_key, *ca_key;
	X509 *root, *ca;
};

static void ca_free(struct ca *c)
{
	EVP_PKEY_free(c->root_key);
	EVP_PKEY_free(c->ca_key);
	X509_free(c->root);
	X509_free(c->ca);
	memset(c, 0, sizeof(*c));
}

static EVP_PKEY *new_key(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* An EVP_PKEY for the P-256 public key x || y. */
static EVP_PKEY *pub_key(const u8 xy[64])
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

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!ext)
		return 0;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* A name: O = sgxemu's, CN = @cn. */
static X509_NAME *name(const char *cn)
{
	X509_NAME *n = X509_NAME_new();

	if (n && X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const u8 *)ORG, -1, -1, 0) &&
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const u8 *)cn, -1, -1, 0))
		return n;
	X509_NAME_free(n);
	return NULL;
}

/*
 * A certificate for @key named @cn, valid for @days, issued by @issuer
 * (NULL: self-signed) with @issuer_key.  @ca: a CA (@pathlen: -1 for none).
 * @extra: one more extension, or NULL.
 */
static X509 *issue(EVP_PKEY *key, const char *cn, long days, X509 *issuer, EVP_PKEY *issuer_key,
		   bool ca, int pathlen, X509_EXTENSION *extra)
{
	X509 *cert = X509_new();
	X509_NAME *n = name(cn);
	BIGNUM *serial = BN_new();
	char bc[64];
	bool ok;

	ok = cert && n && serial && X509_set_version(cert, 2) &&
	     BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
	     BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) &&
	     X509_set_subject_name(cert, n) &&
	     X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : n) &&
	     X509_gmtime_adj(X509_getm_notBefore(cert), -86400) &&
	     X509_time_adj_ex(X509_getm_notAfter(cert), (int)days, 0, NULL) &&
	     X509_set_pubkey(cert, key);
	if (ok && ca) {
		if (pathlen >= 0)
			snprintf(bc, sizeof(bc), "critical,CA:TRUE,pathlen:%d", pathlen);
		else
			snprintf(bc, sizeof(bc), "critical,CA:TRUE");
		ok = add_ext(cert, issuer ? issuer : cert, NID_basic_constraints, bc) &&
		     add_ext(cert, issuer ? issuer : cert, NID_key_usage,
			     "critical,keyCertSign,cRLSign");
	} else if (ok) {
		ok = add_ext(cert, issuer, NID_basic_constraints, "critical,CA:FALSE") &&
		     add_ext(cert, issuer, NID_key_usage, "critical,digitalSignature,nonRepudiation");
	}
	ok = ok && add_ext(cert, issuer ? issuer : cert, NID_subject_key_identifier, "hash") &&
	     (!issuer || add_ext(cert, issuer, NID_authority_key_identifier, "keyid:always")) &&
	     (!extra || X509_add_ext(cert, extra, -1));
	BN_free(serial);
	X509_NAME_free(n);
	if (ok && issuer == NULL)
		ok = X509_sign(cert, key, EVP_sha256()) > 0;
	else if (ok)
		ok = X509_sign(cert, issuer_key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

/* Append the PEM of @key (if any) and @cert to @bio. */
static int pem_out(BIO *bio, EVP_PKEY *key, X509 *cert)
{
	if (key && !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL))
		return 0;
	return cert ? PEM_write_bio_X509(bio, cert) : 1;
}

/* The bytes written to a memory BIO. */
static int bio_bytes(BIO *bio, char **buf, size_t *len)
{
	char *p;
	long n = BIO_get_mem_data(bio, &p);

	if (n <= 0)
		return -EIO;
	*buf = malloc((size_t)n + 1);
	if (!*buf)
		return -ENOMEM;
	memcpy(*buf, p, (size_t)n);
	(*buf)[n] = '\0';
	*len = (size_t)n;
	return 0;
}

static int make_ca(const char *dir, char *why, size_t whylen)
{
	char host[256] = "localhost", cn[400];
	struct ca c = { 0 };
	BIO *bio = BIO_new(BIO_s_mem());
	char *buf = NULL;
	size_t len;
	int err = -EIO;

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	c.root_key = new_key();
	c.ca_key = new_key();
	if (!bio || !c.root_key || !c.ca_key)
		goto out;
	snprintf(cn, sizeof(cn), "sgxemu SGX Root CA for %s", host);
	c.root = issue(c.root_key, cn, 25 * 365, NULL, NULL, true, -1, NULL);
	snprintf(cn, sizeof(cn), "sgxemu SGX PCK Platform CA for %s", host);
	if (c.root)
		c.ca = issue(c.ca_key, cn, 20 * 365, c.root, c.root_key, true, 0, NULL);
	if (!c.ca || !pem_out(bio, c.root_key, c.root) || !pem_out(bio, c.ca_key, c.ca))
		goto out;
	err = bio_bytes(bio, &buf, &len);
	if (err)
		goto out;
	err = state_write_file(dir, DCAP_CA_FILE, buf, len, true);
	if (err == -EEXIST)
		err = 0; /* another process made it first: theirs it is */
	memset(buf, 0, len);
	free(buf);
out:
	if (err)
		snprintf(why, whylen, "cannot create the attestation CA in %s: %s", dir,
			 err == -EIO ? "OpenSSL failed" : strerror(-err));
	BIO_free(bio);
	ca_free(&c);
	return err;
}

static int load_ca(const char *dir, struct ca *c, char *why, size_t whylen)
{
	size_t len;
	u8 *buf;
	BIO *bio;
	int err;

	memset(c, 0, sizeof(*c));
	err = state_read_file(dir, DCAP_CA_FILE, 1 << 20, &buf, &len);
	if (err) {
		snprintf(why, whylen, "cannot read %s/%s: %s", dir, DCAP_CA_FILE, strerror(-err));
		return err;
	}
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio) {
		c->root_key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		c->root = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		c->ca_key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		c->ca = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	}
	BIO_free(bio);
	memset(buf, 0, len);
	free(buf);
	if (!c->root_key || !c->root || !c->ca_key || !c->ca) {
		ca_free(c);
		snprintf(why, whylen,
			 "%s/%s is damaged; remove it (and %s, %s, %s) to make a new attestation CA",
			 dir, DCAP_CA_FILE, DCAP_ROOT_FILE, DCAP_PCK_FILE, DCAP_KEY_FILE);
		return -EBADMSG;
	}
	return 0;
}

int dcap_ca_ensure(const char *dir, char *why, size_t whylen)
{
	struct ca c;
	size_t len;
	u8 *buf;
	BIO *bio;
	char *pem;
	int err;

	err = state_read_file(dir, DCAP_CA_FILE, 1 << 20, &buf, &len);
	if (!err)
		free(buf);
	else if (err == -ENOENT)
		err = make_ca(dir, why, whylen);
	else
		snprintf(why, whylen, "cannot read %s/%s: %s", dir, DCAP_CA_FILE, strerror(-err));
	if (err)
		return err;
	/* The root certificate on its own, for verifiers. */
	if (!state_read_file(dir, DCAP_ROOT_FILE, 1 << 20, &buf, &len)) {
		free(buf);
		return 0;
	}
	err = load_ca(dir, &c, why, whylen);
	if (err)
		return err;
	bio = BIO_new(BIO_s_mem());
	err = bio && pem_out(bio, NULL, c.root) ? bio_bytes(bio, &pem, &len) : -EIO;
	if (!err) {
		err = state_write_file(dir, DCAP_ROOT_FILE, pem, len, false);
		free(pem);
	}
	if (err)
		snprintf(why, whylen, "cannot write %s/%s: %s", dir, DCAP_ROOT_FILE,
			 strerror(-err));
	BIO_free(bio);
	ca_free(&c);
	return err;
}

/* --- the SGX extensions ----------------------------------------------- */

static ASN1_TYPE *type_str(int type, const u8 *p, int len)
{
	ASN1_TYPE *t = ASN1_TYPE_new();
	ASN1_STRING *s = ASN1_STRING_type_new(type);

	if (!t || !s || !ASN1_STRING_set(s, p, len)) {
		ASN1_TYPE_free(t);
		ASN1_STRING_free(s);
		return NULL;
	}
	ASN1_TYPE_set(t, type, s);
	return t;
}

static ASN1_TYPE *type_int(int type, long v)
{
	ASN1_TYPE *t = ASN1_TYPE_new();
	ASN1_INTEGER *i = type == V_ASN1_ENUMERATED ? (ASN1_INTEGER *)ASN1_ENUMERATED_new() :
						      ASN1_INTEGER_new();

	if (!t || !i ||
	    !(type == V_ASN1_ENUMERATED ? ASN1_ENUMERATED_set(i, v) : ASN1_INTEGER_set(i, v))) {
		ASN1_TYPE_free(t);
		ASN1_INTEGER_free(i);
		return NULL;
	}
	ASN1_TYPE_set(t, type, i);
	return t;
}

/* The DER SEQUENCE of @items, as an ASN1_TYPE (frees @items). */
static ASN1_TYPE *type_seq(STACK_OF(ASN1_TYPE) *items)
{
	u8 *der = NULL;
	int len = items ? i2d_ASN1_SEQUENCE_ANY(items, &der) : -1;
	ASN1_TYPE *t = len > 0 ? type_str(V_ASN1_SEQUENCE, der, len) : NULL;

	OPENSSL_free(der);
	sk_ASN1_TYPE_pop_free(items, ASN1_TYPE_free);
	return t;
}

/* SEQUENCE { OID @oid, @value } pushed onto @seq (frees @value). */
static bool push_pair(STACK_OF(ASN1_TYPE) *seq, const char *oid, ASN1_TYPE *value)
{
	STACK_OF(ASN1_TYPE) *pair = sk_ASN1_TYPE_new_null();
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_TYPE *o = ASN1_TYPE_new(), *p;

	if (!pair || !obj || !o || !value) {
		sk_ASN1_TYPE_free(pair);
		ASN1_OBJECT_free(obj);
		ASN1_TYPE_free(o);
		ASN1_TYPE_free(value);
		return false;
	}
	ASN1_TYPE_set(o, V_ASN1_OBJECT, obj);
	sk_ASN1_TYPE_push(pair, o);
	sk_ASN1_TYPE_push(pair, value);
	p = type_seq(pair);
	return p && sk_ASN1_TYPE_push(seq, p);
}

/* The DER of the SGX extensions for @pck. */
static int sgx_ext_der(const struct dcap_pck *pck, u8 **der, int *len)
{
	STACK_OF(ASN1_TYPE) *ext = sk_ASN1_TYPE_new_null(), *tcb = sk_ASN1_TYPE_new_null();
	u8 pceid[2] = { (u8)pck->pce_id, (u8)(pck->pce_id >> 8) };
	char oid[64];
	bool ok = ext && tcb;
	int i;

	for (i = 1; ok && i <= 16; i++) {
		snprintf(oid, sizeof(oid), SGX_EXT_OID ".2.%d", i);
		ok = push_pair(tcb, oid, type_int(V_ASN1_INTEGER, pck->cpusvn[i - 1]));
	}
	ok = ok && push_pair(tcb, SGX_EXT_OID ".2.17", type_int(V_ASN1_INTEGER, pck->pce_svn)) &&
	     push_pair(tcb, SGX_EXT_OID ".2.18", type_str(V_ASN1_OCTET_STRING, pck->cpusvn, 16));
	ok = ok && push_pair(ext, SGX_EXT_OID ".1", type_str(V_ASN1_OCTET_STRING, pck->ppid, 16)) &&
	     push_pair(ext, SGX_EXT_OID ".2", type_seq(tcb));
	tcb = NULL;
	ok = ok && push_pair(ext, SGX_EXT_OID ".3", type_str(V_ASN1_OCTET_STRING, pceid, 2)) &&
	     push_pair(ext, SGX_EXT_OID ".4", type_str(V_ASN1_OCTET_STRING, fmspc, 6)) &&
	     push_pair(ext, SGX_EXT_OID ".5", type_int(V_ASN1_ENUMERATED, 0 /* Standard */));
	*der = NULL;
	*len = ok ? i2d_ASN1_SEQUENCE_ANY(ext, der) : -1;
	sk_ASN1_TYPE_pop_free(ext, ASN1_TYPE_free);
	sk_ASN1_TYPE_pop_free(tcb, ASN1_TYPE_free);
	return *len > 0 ? 0 : -EIO;
}

static X509 *issue_pck(const struct ca *c, const struct dcap_pck *pck)
{
	EVP_PKEY *key = pub_key(pck->pub);
	ASN1_OBJECT *obj = OBJ_txt2obj(SGX_EXT_OID, 1);
	ASN1_OCTET_STRING *data = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext = NULL;
	X509 *cert = NULL;
	u8 *der = NULL;
	int len;

	if (!key || !obj || !data || sgx_ext_der(pck, &der, &len) ||
	    !ASN1_OCTET_STRING_set(data, der, len))
		goto out;
	ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, data);
	if (ext)
		cert = issue(key, "sgxemu SGX PCK Certificate", 10 * 365, c->ca, c->ca_key, false,
			     -1, ext);
out:
	OPENSSL_free(der);
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(data);
	ASN1_OBJECT_free(obj);
	EVP_PKEY_free(key);
	return cert;
}

/* Is @cert, kept from before, the CA's certificate of this very PCK and TCB? */
static bool pck_current(X509 *cert, const struct ca *c, const struct dcap_pck *pck)
{
	EVP_PKEY *key = pub_key(pck->pub);
	ASN1_OBJECT *obj = OBJ_txt2obj(SGX_EXT_OID, 1);
	const ASN1_OCTET_STRING *have;
	u8 *der = NULL;
	int len, i;
	bool ok = false;

	if (!key || !obj || X509_verify(cert, X509_get0_pubkey(c->ca)) != 1 ||
	    EVP_PKEY_eq(key, X509_get0_pubkey(cert)) != 1)
		goto out;
	i = X509_get_ext_by_OBJ(cert, obj, -1);
	if (i < 0 || sgx_ext_der(pck, &der, &len))
		goto out;
	have = X509_EXTENSION_get_data(X509_get_ext(cert, i));
	ok = ASN1_STRING_length(have) == len && !memcmp(ASN1_STRING_get0_data(have), der, len);
out:
	OPENSSL_free(der);
	ASN1_OBJECT_free(obj);
	EVP_PKEY_free(key);
	return ok;
}

int dcap_pck_chain(const char *dir, struct dcap_pck *pck, char *why, size_t whylen)
{
	struct ca c;
	X509 *cert = NULL;
	BIO *bio = NULL;
	size_t len;
	u8 *buf;
	char *pem;
	int err;

	err = dcap_ca_ensure(dir, why, whylen);
	if (!err)
		err = load_ca(dir, &c, why, whylen);
	if (err)
		return err;
	if (!state_read_file(dir, DCAP_PCK_FILE, 1 << 20, &buf, &len)) {
		bio = BIO_new_mem_buf(buf, (int)len);
		cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
		BIO_free(bio);
		free(buf);
		if (cert && !pck_current(cert, &c, pck)) {
			X509_free(cert);
			cert = NULL;
		}
	}
	err = -EIO;
	bio = BIO_new(BIO_s_mem());
	if (!cert) {
		/* None yet, or of another PCK or TCB: issue one and keep it. */
		cert = issue_pck(&c, pck);
		if (!cert || !bio || !pem_out(bio, NULL, cert) || bio_bytes(bio, &pem, &len))
			goto out;
		err = state_write_file(dir, DCAP_PCK_FILE, pem, len, false);
		free(pem);
		if (err)
			goto out;
		BIO_free(bio);
		bio = BIO_new(BIO_s_mem());
		err = -EIO;
	}
	if (bio && pem_out(bio, NULL, cert) && pem_out(bio, NULL, c.ca) &&
	    pem_out(bio, NULL, c.root)) {
		free(pck->chain);
		err = bio_bytes(bio, &pck->chain, &pck->chain_len);
	}
out:
	if (err)
		snprintf(why, whylen, "cannot issue the PCK certificate in %s: %s", dir,
			 err == -EIO ? "OpenSSL failed" : strerror(-err));
	BIO_free(bio);
	X509_free(cert);
	ca_free(&c);
	return err;
}
