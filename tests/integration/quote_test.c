// SPDX-License-Identifier: MIT
/*
 * Quotes end to end in one process: the PCE and QE on the emulated
 * platform, the machine's CA, and sgxemu_quote_verify() accepting what
 * they make and refusing every kind of tampering with the right line.
 */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aesm.pb-c.h"
#include "base/file.h"
#include "base/hex.h"
#include "cpu/crypto.h"

#include "quote_fixture.h"

static struct sgxemu_quote_policy policy_of(const struct qf *f)
{
	struct sgxemu_quote_policy p = { .state_dir = f->state };

	return p;
}

TEST(quote, made_and_verified)
{
	struct sgxemu_quote_policy p;
	struct sgxemu_quote_info info;
	struct sgx_report self;
	struct qf f;

	qf_setup(&f);
	p = policy_of(&f);
	if (sgxemu_quote_verify(f.quote, f.len, &p, &info))
		harness_fail(__FILE__, __LINE__, "verify: %s", sgxemu_last_error());
	ASSERT_MEMEQ(info.body.reportdata, f.reportdata, 64);
	qf_report(&f, &f.ti, f.reportdata, &self);
	ASSERT_MEMEQ(info.body.mrenclave, self.mrenclave, 32);
	ASSERT_MEMEQ(info.body.mrsigner, self.mrsigner, 32);
	ASSERT_EQ(info.header.version, 3);
	ASSERT_EQ(info.header.att_key_type, 2);
	ASSERT_EQ(info.header.qe_svn, 1);
	ASSERT_EQ(info.header.pce_svn, 1);
	ASSERT_EQ(info.qe_report.isvprodid, 1);
	ASSERT_EQ(info.pcesvn, 1);
	ASSERT_MEMEQ(info.fmspc, "SGXEMU", 6);
	ASSERT_STR_CONTAINS(info.root, "sgxemu SGX Root CA");
}

/* --- tampering -------------------------------------------------------- */

/* Verify @q against machine @f's root with @p's policy; the error line. */
static const char *refusal(const struct qf *f, const u8 *q, size_t len,
			   const struct sgxemu_quote_policy *p)
{
	struct sgxemu_quote_policy dflt = policy_of(f);
	int err = sgxemu_quote_verify(q, len, p ? p : &dflt, NULL);

	if (err != -EBADMSG)
		harness_fail(__FILE__, __LINE__, "verify returned %d: %s", err,
			     sgxemu_last_error());
	return sgxemu_last_error();
}

#define AUTH SGXEMU_QUOTE_AUTH_OFFSET
#define SIG SGXEMU_QUOTE_SIG_OFFSET
#define BODY SGXEMU_QUOTE_BODY_OFFSET
#define CERTS (AUTH + 2 + SGXEMU_QUOTE_AUTH_DATA_SIZE)

/* One field of the quote changed: where, the new byte (or XOR), the line. */
static const struct tamper {
	const char *what;
	size_t off;
	u8 xor;
	const char *line;
} tampers[] = {
	{ "header: version", 0, 0x01, "format: version 2;" },
	{ "header: attestation key type", 2, 0x01, "format: attestation key type 3;" },
	{ "header: reserved", 4, 0x01, "quote signature: " },
	{ "header: QE SVN", 8, 0x01, "quote signature: " },
	{ "header: PCE SVN", 10, 0x01, "quote signature: " },
	{ "header: QE vendor ID", 12, 0x01, "quote signature: " },
	{ "header: user data (QE ID)", 28, 0x01, "quote signature: " },
	{ "body: CPUSVN", BODY + 0, 0x01, "quote signature: " },
	{ "body: MISCSELECT", BODY + 16, 0x01, "quote signature: " },
	{ "body: ATTRIBUTES", BODY + 48, 0x02, "quote signature: " },
	{ "body: MRENCLAVE", BODY + 64, 0x01, "quote signature: " },
	{ "body: MRSIGNER", BODY + 128, 0x01, "quote signature: " },
	{ "body: ISVPRODID", BODY + 256, 0x01, "quote signature: " },
	{ "body: ISVSVN", BODY + 258, 0x01, "quote signature: " },
	{ "body: REPORTDATA", BODY + 320 + 63, 0x01, "quote signature: " },
	{ "signature data length", SGXEMU_QUOTE_SIG_LEN_OFFSET, 0x01,
	  "format: signature data length" },
	{ "quote signature", SIG + 5, 0x01, "quote signature: " },
	{ "attestation public key", SIG + 64 + 7, 0x01, "attestation key binding: " },
	{ "QE report: MRENCLAVE", SIG + 128 + 64, 0x01, "QE report signature: " },
	{ "QE report: ATTRIBUTES", SIG + 128 + 48, 0x02, "QE report signature: " },
	{ "QE report: REPORTDATA", SIG + 128 + 320, 0x01, "QE report signature: " },
	{ "QE report signature", SIG + 512 + 40, 0x01, "QE report signature: " },
	{ "authentication data size", AUTH, 0x01, "format: " },
	{ "authentication data", AUTH + 2 + 3, 0x01, "attestation key binding: " },
	{ "certification data type", CERTS, 0x01, "format: certification data type 4;" },
	{ "certification data size", CERTS + 2, 0x01, "format: certification data of" },
};

TEST(quote, each_tampered_field_refused_with_its_line)
{
	unsigned int i;
	struct qf f;
	u8 *q;

	qf_setup(&f);
	q = malloc(f.len);
	for (i = 0; i < sizeof(tampers) / sizeof(tampers[0]); i++) {
		const char *line;

		memcpy(q, f.quote, f.len);
		q[tampers[i].off] ^= tampers[i].xor;
		line = refusal(&f, q, f.len, NULL);
		if (strncmp(line, tampers[i].line, strlen(tampers[i].line)))
			harness_fail(__FILE__, __LINE__, "%s: got \"%s\", expected \"%s...\"",
				     tampers[i].what, line, tampers[i].line);
	}
	/* Cut short, or longer than it says. */
	ASSERT_STR_CONTAINS(refusal(&f, f.quote, 500, NULL), "format: the quote is 500 bytes");
	ASSERT_STR_CONTAINS(refusal(&f, f.quote, f.len - 1, NULL), "format: signature data length");
	free(q);
}

TEST(quote, policy_mrenclave_mrsigner_and_debug)
{
	struct sgxemu_quote_policy p;
	struct sgxemu_quote_info info;
	u8 other[32];
	struct qf f;

	qf_setup(&f);
	p = policy_of(&f);
	ASSERT_EQ(sgxemu_quote_verify(f.quote, f.len, &p, &info), 0);
	/* The expected identities pass... */
	p.mrenclave = info.body.mrenclave;
	p.mrsigner = info.body.mrsigner;
	ASSERT_EQ(sgxemu_quote_verify(f.quote, f.len, &p, NULL), 0);
	/* ...others do not. */
	memcpy(other, info.body.mrenclave, 32);
	other[0] ^= 1;
	p.mrenclave = other;
	ASSERT_STR_CONTAINS(refusal(&f, f.quote, f.len, &p), "policy: MRENCLAVE ");
	p.mrenclave = NULL;
	p.mrsigner = other;
	ASSERT_STR_CONTAINS(refusal(&f, f.quote, f.len, &p), "policy: MRSIGNER ");
	/* The test enclave is a debug enclave: refused when asked. */
	p.mrsigner = NULL;
	p.no_debug = 1;
	ASSERT_TRUE(info.body.attributes & SGX_ATTR_DEBUG);
	ASSERT_STR_CONTAINS(refusal(&f, f.quote, f.len, &p), "policy: the enclave is a debug enclave");
}

TEST(quote, quote_from_another_machine_refused)
{
	struct sgxemu_quote_policy p;
	struct qf a, b;

	qf_setup(&a);
	qf_machine(&b, "other-machine");
	qf_quote(&b);
	/* B's quote is good on B... */
	p = policy_of(&b);
	ASSERT_EQ(sgxemu_quote_verify(b.quote, b.len, &p, NULL), 0);
	/* ...and leads to another root than A's. */
	ASSERT_STR_CONTAINS(refusal(&a, b.quote, b.len, NULL),
			    "certificate chain: the PCK certificate does not lead to the trusted root");
	/* An explicit root file works the same way. */
	{
		char root[1200];

		snprintf(root, sizeof(root), "%s/%s", a.state, DCAP_ROOT_FILE);
		p.root = root;
		p.state_dir = NULL;
		ASSERT_STR_CONTAINS(refusal(&a, b.quote, b.len, &p), "certificate chain: ");
	}
}

TEST(quote, report_not_for_the_qe_refused)
{
	struct sgx_targetinfo wrong;
	struct sgx_report rep;
	char why[512];
	struct qf f;
	u32 len;
	u8 *q;

	qf_machine(&f, "machine");
	ASSERT_EQ(dcap_quoter_quote_size(&f.q, &len, why, sizeof(why)), 0);
	q = malloc(len);
	wrong = f.ti;
	wrong.measurement[0] ^= 1;
	qf_report(&f, &wrong, f.reportdata, &rep);
	ASSERT_EQ(dcap_quoter_quote(&f.q, &rep, NULL, q, len, why, sizeof(why)), -EBADMSG);
	ASSERT_STR_CONTAINS(why, "REPORT does not verify");
	/* A buffer too small is said so. */
	qf_report(&f, &f.ti, f.reportdata, &rep);
	ASSERT_EQ(dcap_quoter_quote(&f.q, &rep, NULL, q, len - 1, why, sizeof(why)), -ENOSPC);
	free(q);
}

/* The machine's files: private, and the key and certificate kept. */
TEST(quote, state_kept_private_and_reused)
{
	static const char *const files[] = { DCAP_CA_FILE, DCAP_ROOT_FILE, DCAP_PCK_FILE,
					     DCAP_KEY_FILE };
	struct sgxemu_quote_info i1, i2;
	struct sgxemu_quote_policy p;
	struct stat st, st2;
	char path[1200];
	struct qf f, g;
	unsigned int i;

	qf_setup(&f);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", f.state, files[i]);
		ASSERT_EQ(stat(path, &st), 0);
		ASSERT_EQ(st.st_mode & 0777, 0600);
	}
	snprintf(path, sizeof(path), "%s/%s", f.state, DCAP_PCK_FILE);
	ASSERT_EQ(stat(path, &st), 0);
	/* A second quoter on the machine (another process, as it were) uses
	 * the same attestation key and PCK certificate. */
	qf_machine(&g, "machine");
	qf_quote(&g);
	ASSERT_EQ(stat(path, &st2), 0);
	ASSERT_EQ(st.st_ino, st2.st_ino);
	p = policy_of(&f);
	ASSERT_EQ(sgxemu_quote_verify(f.quote, f.len, &p, &i1), 0);
	ASSERT_EQ(sgxemu_quote_verify(g.quote, g.len, &p, &i2), 0);
	ASSERT_MEMEQ(f.quote + SIG + 64, g.quote + SIG + 64, 64);
	ASSERT_MEMEQ(i1.ppid, i2.ppid, 16);
}

/* A damaged sealed key is replaced by a new, certified one. */
TEST(quote, damaged_sealed_key_replaced)
{
	struct sgxemu_quote_policy p;
	char path[1200];
	u8 *buf;
	size_t len;
	struct qf f, g;
	FILE *fp;

	qf_setup(&f);
	snprintf(path, sizeof(path), "%s/%s", f.state, DCAP_KEY_FILE);
	ASSERT_EQ(file_read_all(path, 4096, &buf, &len), 0);
	buf[16 + 200] ^= 1; /* inside the sealed private key */
	fp = fopen(path, "wb");
	ASSERT_EQ(fwrite(buf, 1, len, fp), len);
	fclose(fp);
	free(buf);
	qf_machine(&g, "machine");
	qf_quote(&g);
	p = policy_of(&f);
	ASSERT_EQ(sgxemu_quote_verify(g.quote, g.len, &p, NULL), 0);
	ASSERT_NE(memcmp(f.quote + SIG + 64, g.quote + SIG + 64, 64), 0);
}

/* --- certificates ------------------------------------------------------- */

/* The certificates in @f's quote, PCK first. */
static STACK_OF(X509) *chain_of(const u8 *quote, size_t len)
{
	u32 certs_len;
	BIO *bio;
	X509 *c;
	STACK_OF(X509) *sk = sk_X509_new_null();

	(void)len;
	memcpy(&certs_len, quote + CERTS + 2, 4);
	bio = BIO_new_mem_buf(quote + CERTS + 6, (int)certs_len);
	while ((c = PEM_read_bio_X509(bio, NULL, NULL, NULL)))
		sk_X509_push(sk, c);
	BIO_free(bio);
	ERR_clear_error();
	return sk;
}

/* @f's quote with its certification data replaced by @certs (PEM). */
static u8 *with_certs(const struct qf *f, STACK_OF(X509) *certs, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	long n;
	u32 sig_len, certs_len;
	u8 *q;
	int i;

	for (i = 0; i < sk_X509_num(certs); i++)
		ASSERT_EQ(PEM_write_bio_X509(bio, sk_X509_value(certs, i)), 1);
	n = BIO_get_mem_data(bio, &pem);
	*len = CERTS + 6 + (size_t)n;
	q = malloc(*len);
	memcpy(q, f->quote, CERTS + 2);
	certs_len = (u32)n;
	memcpy(q + CERTS + 2, &certs_len, 4);
	if (n > 0)
		memcpy(q + CERTS + 6, pem, (size_t)n);
	sig_len = (u32)(*len - SIG);
	memcpy(q + SGXEMU_QUOTE_SIG_LEN_OFFSET, &sig_len, 4);
	BIO_free(bio);
	return q;
}

/* The machine's CA (from its state directory): root key, root, CA key, CA. */
struct test_ca {
	EVP_PKEY *root_key, *ca_key;
	X509 *root, *ca;
};

static void ca_of(const struct qf *f, struct test_ca *c)
{
	char path[1200];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->state, DCAP_CA_FILE);
	fp = fopen(path, "r");
	ASSERT_TRUE(fp != NULL);
	c->root_key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	c->root = PEM_read_X509(fp, NULL, NULL, NULL);
	c->ca_key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	c->ca = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	ASSERT_TRUE(c->root_key && c->root && c->ca_key && c->ca);
}

/* A copy of @tmpl for a new key, signed by @issuer_key, with (@keep_ext)
 * or without its SGX extensions. */
static X509 *reissue(X509 *tmpl, EVP_PKEY *issuer_key, bool keep_ext)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *c = X509_dup(tmpl);
	ASN1_OBJECT *obj = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
	int i;

	ASSERT_TRUE(key && c && obj);
	ASSERT_EQ(X509_set_pubkey(c, key), 1);
	if (!keep_ext) {
		i = X509_get_ext_by_OBJ(c, obj, -1);
		ASSERT_GE(i, 0);
		X509_EXTENSION_free(X509_delete_ext(c, i));
	}
	ASSERT_GT(X509_sign(c, issuer_key, EVP_sha256()), 0);
	ASN1_OBJECT_free(obj);
	EVP_PKEY_free(key);
	return c;
}

/* Put @c at @i of @sk, freeing what was there. */
static void replace(STACK_OF(X509) *sk, int i, X509 *c)
{
	X509 *old = sk_X509_value(sk, i);

	sk_X509_set(sk, i, c);
	X509_free(old);
}

/* The quote's PCK certificate replaced by @pck. */
static const char *refusal_with_pck(const struct qf *f, X509 *pck)
{
	STACK_OF(X509) *sk = chain_of(f->quote, f->len);
	const char *line;
	size_t len;
	u8 *q;

	replace(sk, 0, pck);
	q = with_certs(f, sk, &len);
	line = refusal(f, q, len, NULL);
	free(q);
	sk_X509_pop_free(sk, X509_free);
	return line;
}

TEST(quote, certificate_tampering_refused)
{
	STACK_OF(X509) *sk;
	struct test_ca ca, other_ca;
	EVP_PKEY *forger = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *pck;
	struct qf f, g;
	size_t len;
	u8 *q;

	qf_setup(&f);
	ca_of(&f, &ca);
	sk = chain_of(f.quote, f.len);
	ASSERT_EQ(sk_X509_num(sk), 3);
	pck = sk_X509_value(sk, 0);
	/* The chain as it is verifies. */
	q = with_certs(&f, sk, &len);
	ASSERT_EQ(len, f.len);
	ASSERT_MEMEQ(q, f.quote, len);
	free(q);
	/* A PCK certificate signed by someone else (a forger's key). */
	ASSERT_STR_CONTAINS(refusal_with_pck(&f, reissue(pck, forger, true)),
			    "certificate chain: the PCK certificate does not lead to the trusted root");
	/* A genuine certificate of the machine's CA for another key: the
	 * chain holds, the QE's REPORT was not signed by it. */
	ASSERT_STR_CONTAINS(refusal_with_pck(&f, reissue(pck, ca.ca_key, true)),
			    "QE report signature: ");
	/* A certificate of the machine's CA without the SGX extensions. */
	ASSERT_STR_CONTAINS(refusal_with_pck(&f, reissue(pck, ca.ca_key, false)),
			    "PCK certificate: no SGX extensions");
	/* Another machine's intermediate CA in the chain. */
	qf_machine(&g, "other-machine");
	ca_of(&g, &other_ca);
	replace(sk, 1, X509_dup(other_ca.ca));
	q = with_certs(&f, sk, &len);
	ASSERT_STR_CONTAINS(refusal(&f, q, len, NULL), "certificate chain: ");
	free(q);
	/* The genuine intermediate, but another machine's root carried along. */
	replace(sk, 1, X509_dup(ca.ca));
	replace(sk, 2, X509_dup(other_ca.root));
	q = with_certs(&f, sk, &len);
	ASSERT_STR_CONTAINS(refusal(&f, q, len, NULL),
			    "certificate chain: the quote's root CA is not the trusted root");
	free(q);
	/* No certificate at all. */
	while (sk_X509_num(sk))
		X509_free(sk_X509_pop(sk));
	q = with_certs(&f, sk, &len);
	ASSERT_STR_CONTAINS(refusal(&f, q, len, NULL),
			    "certificate chain: the certification data holds no PEM certificate");
	free(q);
	sk_X509_pop_free(sk, X509_free);
	EVP_PKEY_free(forger);
}

/* --- the AESM service ------------------------------------------------------ */

/* `sgxemu aesm` on a socket in the test's directory, for machine @f. */
static pid_t aesm_start(const struct qf *f, char *sock, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pid_t pid;
	int i, fd;

	snprintf(sock, len, "%s/aesm.socket", harness_tmpdir());
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		execl(TEST_SGXEMU, "sgxemu", "aesm", "--socket", sock, "--state-dir", f->state,
		      "--epc", "32M", (char *)NULL);
		_exit(127);
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.107s", sock);
	for (i = 0; i < 400; i++) {
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(fd);
			return pid;
		}
		close(fd);
		usleep(50 * 1000);
	}
	harness_fail(__FILE__, __LINE__, "sgxemu aesm did not listen on %s", sock);
}

static void aesm_stop(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* One request and its answer over a new connection, as Intel's clients do. */
static Aesm__Message__Response *aesm_call(const char *sock, const Aesm__Message__Request *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	u32 len = (u32)aesm__message__request__get_packed_size(req);
	u8 *buf = malloc(4 + len + 1);
	Aesm__Message__Response *res;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	size_t off;
	ssize_t n;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.107s", sock);
	ASSERT_EQ(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	memcpy(buf, &len, 4);
	aesm__message__request__pack(req, buf + 4);
	ASSERT_EQ(write(fd, buf, 4 + len), 4 + len);
	free(buf);
	ASSERT_EQ(read(fd, &len, 4), 4);
	buf = malloc(len + 1);
	for (off = 0; off < len; off += (size_t)n) {
		n = read(fd, buf + off, len - off);
		ASSERT_GT(n, 0);
	}
	close(fd);
	res = aesm__message__response__unpack(NULL, len, buf);
	ASSERT_TRUE(res != NULL);
	free(buf);
	return res;
}

/* A quote through the AESM protocol from another process: the REPORT is
 * made on this process's platform, checked by the QE in the service's. */
TEST(quote, through_the_aesm_socket)
{
	Aesm__Message__Request req = AESM__MESSAGE__REQUEST__INIT;
	Aesm__Message__Request__SelectAttKeyIDRequest sel =
		AESM__MESSAGE__REQUEST__SELECT_ATT_KEY_IDREQUEST__INIT;
	Aesm__Message__Request__InitQuoteExRequest init =
		AESM__MESSAGE__REQUEST__INIT_QUOTE_EX_REQUEST__INIT;
	Aesm__Message__Request__GetQuoteSizeExRequest qsize =
		AESM__MESSAGE__REQUEST__GET_QUOTE_SIZE_EX_REQUEST__INIT;
	Aesm__Message__Request__GetQuoteExRequest get =
		AESM__MESSAGE__REQUEST__GET_QUOTE_EX_REQUEST__INIT;
	Aesm__Message__Request__GetSupportedAttKeyIDNumRequest num =
		AESM__MESSAGE__REQUEST__GET_SUPPORTED_ATT_KEY_IDNUM_REQUEST__INIT;
	Aesm__Message__Response *res;
	struct sgxemu_quote_policy p;
	struct sgxemu_quote_info info;
	struct sgx_targetinfo ti;
	struct sgx_report rep;
	u8 key_id[256];
	char sock[1200];
	struct qf f;
	u32 size;
	pid_t pid;

	qf_machine(&f, "machine");
	pid = aesm_start(&f, sock, sizeof(sock));
	req.getsupportedattkeyidnumreq = &num;
	res = aesm_call(sock, &req);
	ASSERT_TRUE(res->getsupportedattkeyidnumres != NULL);
	ASSERT_EQ(res->getsupportedattkeyidnumres->errorcode, 0);
	ASSERT_EQ(res->getsupportedattkeyidnumres->att_key_id_num, 1);
	aesm__message__response__free_unpacked(res, NULL);
	/* The key: selected from no list (any). */
	req.getsupportedattkeyidnumreq = NULL;
	req.selectattkeyidreq = &sel;
	res = aesm_call(sock, &req);
	ASSERT_EQ(res->selectattkeyidres->errorcode, 0);
	ASSERT_EQ(res->selectattkeyidres->selected_att_key_id.len, 256);
	memcpy(key_id, res->selectattkeyidres->selected_att_key_id.data, 256);
	aesm__message__response__free_unpacked(res, NULL);
	ASSERT_EQ(key_id[154], 2); /* algorithm: ECDSA P-256 */
	/* Its TARGETINFO and public key ID. */
	req.selectattkeyidreq = NULL;
	req.initquoteexreq = &init;
	init.has_att_key_id = 1;
	init.att_key_id = (ProtobufCBinaryData){ 256, key_id };
	init.b_pub_key_id = 1;
	init.has_buf_size = 1;
	init.buf_size = 32;
	res = aesm_call(sock, &req);
	ASSERT_EQ(res->initquoteexres->errorcode, 0);
	ASSERT_EQ(res->initquoteexres->target_info.len, sizeof(ti));
	memcpy(&ti, res->initquoteexres->target_info.data, sizeof(ti));
	ASSERT_MEMEQ(&ti, &f.ti, sizeof(ti));
	ASSERT_EQ(res->initquoteexres->pub_key_id.len, 32);
	aesm__message__response__free_unpacked(res, NULL);
	req.initquoteexreq = NULL;
	req.getquotesizeexreq = &qsize;
	qsize.has_att_key_id = 1;
	qsize.att_key_id = init.att_key_id;
	res = aesm_call(sock, &req);
	ASSERT_EQ(res->getquotesizeexres->errorcode, 0);
	size = res->getquotesizeexres->quote_size;
	aesm__message__response__free_unpacked(res, NULL);
	/* The quote, for a REPORT of this process's enclave. */
	qf_report(&f, &ti, f.reportdata, &rep);
	req.getquotesizeexreq = NULL;
	req.getquoteexreq = &get;
	get.report = (ProtobufCBinaryData){ sizeof(rep), (u8 *)&rep };
	get.has_att_key_id = 1;
	get.att_key_id = init.att_key_id;
	get.buf_size = size;
	res = aesm_call(sock, &req);
	ASSERT_EQ(res->getquoteexres->errorcode, 0);
	ASSERT_EQ(res->getquoteexres->quote.len, size);
	p = policy_of(&f);
	if (sgxemu_quote_verify(res->getquoteexres->quote.data, size, &p, &info))
		harness_fail(__FILE__, __LINE__, "verify: %s", sgxemu_last_error());
	ASSERT_MEMEQ(info.body.reportdata, f.reportdata, 64);
	aesm__message__response__free_unpacked(res, NULL);
	/* With a nonce and this enclave's TARGETINFO, also the QE's REPORT for
	 * it, binding the nonce and the whole quote (qe_report_info). */
	{
		struct dcap_qe_report_info qri;
		struct sgx_keyrequest kr __aligned(512);
		struct sgx_report self;
		static struct encl_op op;
		struct sgx_enclave_run run;
		u8 h[32], mac[16];
		struct crypto_sha256 sha;

		memset(&qri, 0, sizeof(qri));
		memset(qri.nonce, 0x5A, sizeof(qri.nonce));
		qf_report(&f, &ti, f.reportdata, &self);
		memcpy(qri.app.measurement, self.mrenclave, 32);
		qri.app.attributes = self.attributes;
		qri.app.miscselect = self.miscselect;
		get.has_qe_report_info = 1;
		get.qe_report_info = (ProtobufCBinaryData){ sizeof(qri), (u8 *)&qri };
		res = aesm_call(sock, &req);
		ASSERT_EQ(res->getquoteexres->errorcode, 0);
		ASSERT_EQ(res->getquoteexres->qe_report_info.len, sizeof(qri));
		memcpy(&qri, res->getquoteexres->qe_report_info.data, sizeof(qri));
		ASSERT_MEMEQ(qri.qe_report.mrenclave, ti.measurement, 32);
		crypto_sha256_init(&sha);
		crypto_sha256_update(&sha, qri.nonce, 16);
		crypto_sha256_update(&sha, res->getquoteexres->quote.data,
				     res->getquoteexres->quote.len);
		crypto_sha256_final(&sha, h);
		ASSERT_MEMEQ(qri.qe_report.reportdata, h, 32);
		/* Its MAC is right for this enclave's REPORT key. */
		memset(&kr, 0, sizeof(kr));
		kr.keyname = SGX_KEYNAME_REPORT;
		memcpy(kr.keyid, qri.qe_report.keyid, 32);
		memset(&op, 0, sizeof(op));
		op.type = ENCL_OP_GETKEY;
		memcpy(op.in, &kr, sizeof(kr));
		ASSERT_EQ(xf_call(sgxemu_enclave_tcs(f.encl, 0), &op, &run), 0);
		ASSERT_EQ(op.r0, 0);
		crypto_aes128_cmac(op.out, &qri.qe_report, SGX_REPORT_BODY_LEN, mac);
		ASSERT_MEMEQ(mac, qri.qe_report.mac, 16);
		aesm__message__response__free_unpacked(res, NULL);
		get.has_qe_report_info = 0;
	}
	/* A damaged REPORT is refused with AESM_INVALID_REPORT. */
	rep.mac[0] ^= 1;
	res = aesm_call(sock, &req);
	ASSERT_EQ(res->getquoteexres->errorcode, 47);
	aesm__message__response__free_unpacked(res, NULL);
	/* Another attestation key (an EPID one) is not served. */
	key_id[154] = 0;
	rep.mac[0] ^= 1;
	res = aesm_call(sock, &req);
	ASSERT_EQ(res->getquoteexres->errorcode, 38);
	aesm__message__response__free_unpacked(res, NULL);
	/* Nor is a request this service does not know. */
	req.getquoteexreq = NULL;
	res = aesm_call(sock, &req);
	ASSERT_TRUE(res->unsupportedrequestresponse != NULL);
	aesm__message__response__free_unpacked(res, NULL);
	aesm_stop(pid);
}

/* --- the CLI and the independent verifier ------------------------------------ */

struct out {
	int status;
	char out[16384];
	char err[4096];
};

static void run_argv(struct out *o, char *const argv[])
{
	o->status = harness_run(argv, o->out, sizeof(o->out), o->err, sizeof(o->err));
}

/* sgxemu quote verify: 0 and the body; 1 and one line per refusal; 2 for usage. */
TEST(quote, cli_verify)
{
	char file[1200], bad[1200], root[1200], hex[65];
	struct sgxemu_quote_info info;
	struct sgxemu_quote_policy p;
	struct out o;
	struct qf f;
	u8 *q;

	qf_setup(&f);
	p = policy_of(&f);
	ASSERT_EQ(sgxemu_quote_verify(f.quote, f.len, &p, &info), 0);
	qf_write("good.quote", f.quote, f.len, file, sizeof(file));
	q = malloc(f.len);
	memcpy(q, f.quote, f.len);
	q[BODY + 70] ^= 1;
	qf_write("bad.quote", q, f.len, bad, sizeof(bad));
	free(q);
	snprintf(root, sizeof(root), "%s/%s", f.state, DCAP_ROOT_FILE);
	hex_encode(hex, info.body.mrenclave, 32);
	{
		char *argv[] = { (char *)TEST_SGXEMU, (char *)"quote", (char *)"verify", file,
				 (char *)"--state-dir", f.state, (char *)"--mrenclave", hex, NULL };

		run_argv(&o, argv);
		ASSERT_EQ(o.status, 0);
		ASSERT_STR_CONTAINS(o.out, "quote: verified");
		ASSERT_STR_CONTAINS(o.out, hex);
		ASSERT_STR_CONTAINS(o.out, "fmspc:      534758454d55");
	}
	{
		char *argv[] = { (char *)TEST_SGXEMU, (char *)"quote", (char *)"verify", bad,
				 (char *)"--root", root, NULL };

		run_argv(&o, argv);
		ASSERT_EQ(o.status, 1);
		ASSERT_STR_CONTAINS(o.err, "bad.quote: quote signature: ");
		ASSERT_EQ(strchr(o.err, '\n'), o.err + strlen(o.err) - 1);
	}
	{
		char *argv[] = { (char *)TEST_SGXEMU, (char *)"quote", (char *)"verify", file,
				 (char *)"--root", root, (char *)"--no-debug", NULL };

		run_argv(&o, argv);
		ASSERT_EQ(o.status, 1);
		ASSERT_STR_CONTAINS(o.err, "policy: the enclave is a debug enclave");
	}
	{
		char *argv[] = { (char *)TEST_SGXEMU, (char *)"quote", (char *)"verify", file,
				 (char *)"--mrsigner", (char *)"12", NULL };

		run_argv(&o, argv);
		ASSERT_EQ(o.status, 2);
		ASSERT_STR_CONTAINS(o.err, "--mrsigner '12' is not 64 hex digits");
	}
	{
		char *argv[] = { (char *)TEST_SGXEMU, (char *)"quote", (char *)"verify",
				 (char *)"/nonexistent.quote", NULL };

		run_argv(&o, argv);
		ASSERT_EQ(o.status, 2);
	}
}

/* Python with the cryptography package, or skip. */
static void need_python(void)
{
	char *argv[] = { (char *)"/usr/bin/env", (char *)"python3", (char *)"-c",
			 (char *)"import cryptography", NULL };
	struct out o;

	run_argv(&o, argv);
	if (o.status)
		SKIP("python3 with the cryptography package is missing (scripts/setup installs it)");
}

/* The format and signatures as an implementation sharing no code sees them. */
TEST(quote, independent_python_verifier_agrees)
{
	char file[1200], bad[1200], root[1200], want[200];
	char *argv[] = { (char *)"/usr/bin/env", (char *)"python3",
			 (char *)TEST_DATA "/../verify_quote.py", file, root, NULL };
	struct sgxemu_quote_info info;
	struct sgxemu_quote_policy p;
	struct out o;
	struct qf f;
	char hex[65];
	u8 *q;

	need_python();
	qf_setup(&f);
	p = policy_of(&f);
	ASSERT_EQ(sgxemu_quote_verify(f.quote, f.len, &p, &info), 0);
	qf_write("good.quote", f.quote, f.len, file, sizeof(file));
	snprintf(root, sizeof(root), "%s/%s", f.state, DCAP_ROOT_FILE);
	run_argv(&o, argv);
	if (o.status)
		harness_fail(__FILE__, __LINE__, "verify_quote.py: %s%s", o.out, o.err);
	ASSERT_STR_CONTAINS(o.out, "verify_quote: OK");
	hex_encode(hex, info.body.mrenclave, 32);
	snprintf(want, sizeof(want), "mrenclave %s", hex);
	ASSERT_STR_CONTAINS(o.out, want);
	ASSERT_STR_CONTAINS(o.out, "fmspc 534758454d55 pceid 0000 sgxtype 0 pcesvn 1");
	/* And it refuses what sgxemu refuses. */
	q = malloc(f.len);
	memcpy(q, f.quote, f.len);
	q[SIG + 128 + 70] ^= 1;
	qf_write("bad.quote", q, f.len, bad, sizeof(bad));
	free(q);
	argv[3] = bad;
	run_argv(&o, argv);
	ASSERT_EQ(o.status, 1);
	ASSERT_STR_CONTAINS(o.out, "FAIL: the PCK did not sign the QE REPORT");
}

/* --- an unmodified SGX program under sgxemu run ---------------------------- */

/* examples/quote's program, under `sgxemu run` (with "--aesm SOCK" if @sock). */
static void run_app(struct out *o, const char *sock, const char *message, const char *file)
{
	char *argv[12];
	int n = 0;

	argv[n++] = (char *)TEST_SGXEMU;
	argv[n++] = (char *)"run";
	argv[n++] = (char *)"--";
	argv[n++] = (char *)TEST_QUOTE_EXAMPLE "/quote_app";
	if (sock) {
		argv[n++] = (char *)"--aesm";
		argv[n++] = (char *)sock;
	}
	argv[n++] = (char *)TEST_QUOTE_EXAMPLE "/quote_enclave";
	argv[n++] = (char *)message;
	argv[n++] = (char *)file;
	argv[n] = NULL;
	setenv("SGXEMU_CPUID", "off", 1);
	run_argv(o, argv);
	if (o->status)
		harness_fail(__FILE__, __LINE__, "quote_app: %s%s", o->out, o->err);
}

/* Both verifiers accept @file (a quote saying @message) for this machine. */
static void both_verify(const char *file, const char *message)
{
	char *cli[] = { (char *)TEST_SGXEMU, (char *)"quote", (char *)"verify", (char *)file,
			(char *)"--no-debug", NULL };
	char *example[] = { (char *)TEST_QUOTE_EXAMPLE "/quote_verify", (char *)file,
			    (char *)message, NULL };
	struct out o;

	run_argv(&o, cli);
	if (o.status)
		harness_fail(__FILE__, __LINE__, "sgxemu quote verify: %s", o.err);
	ASSERT_STR_CONTAINS(o.out, "quote: verified");
	run_argv(&o, example);
	if (o.status)
		harness_fail(__FILE__, __LINE__, "quote_verify: %s", o.err);
	ASSERT_STR_CONTAINS(o.out, "says \"");
}

/* The DCAP quote library calls (libsgx_dcap_ql.so.1) from a program for
 * the Linux driver: the library runs the PCE and QE through the shim. */
TEST(quote, dcap_library_under_sgxemu_run)
{
	char file[1200], *wrong[] = { (char *)TEST_QUOTE_EXAMPLE "/quote_verify", file,
				      (char *)"something else", NULL };
	struct out o;

	snprintf(file, sizeof(file), "%s/app.quote", harness_tmpdir());
	run_app(&o, NULL, "hello, relying party", file);
	ASSERT_STR_CONTAINS(o.out, "from the DCAP quote library");
	both_verify(file, "hello, relying party");
	run_argv(&o, wrong);
	ASSERT_EQ(o.status, 1);
	ASSERT_STR_CONTAINS(o.err, "the enclave did not say \"something else\"");
}

/* The same program through the AESM socket of `sgxemu aesm`, another
 * process with a platform of its own on the same machine state. */
TEST(quote, aesm_socket_under_sgxemu_run)
{
	struct qf f;
	char file[1200], sock[1200];
	struct out o;
	pid_t pid;

	memset(&f, 0, sizeof(f));
	snprintf(f.state, sizeof(f.state), "%s", getenv("SGXEMU_STATE_DIR"));
	pid = aesm_start(&f, sock, sizeof(sock));
	snprintf(file, sizeof(file), "%s/aesm.quote", harness_tmpdir());
	run_app(&o, sock, "through aesmd", file);
	ASSERT_STR_CONTAINS(o.out, "from the AESM service");
	aesm_stop(pid);
	both_verify(file, "through aesmd");
}

/* sgxemu info names the QE and PCE it would run, and this machine's root. */
TEST(quote, info_shows_the_quoting_enclaves)
{
	char *argv[] = { (char *)TEST_SGXEMU, (char *)"info", (char *)"--epc", (char *)"1M", NULL };
	struct sgxemu_quote_info info;
	struct sgxemu_quote_policy p;
	char want[200], hex[65];
	struct out o;
	struct qf f;

	run_argv(&o, argv);
	ASSERT_EQ(o.status, 0);
	ASSERT_STR_CONTAINS(o.out, "(none yet: made with the first quote)");
	/* The QE identity it prints is the one in quotes. */
	qf_machine(&f, "machine");
	qf_quote(&f);
	p = policy_of(&f);
	ASSERT_EQ(sgxemu_quote_verify(f.quote, f.len, &p, &info), 0);
	hex_encode(hex, info.qe_report.mrenclave, 32);
	snprintf(want, sizeof(want), "qe:           mrenclave %s, isvprodid 1, isvsvn 1", hex);
	ASSERT_STR_CONTAINS(o.out, want);
	hex_encode(hex, info.qe_report.mrsigner, 32);
	ASSERT_STR_CONTAINS(o.out, hex);
}
