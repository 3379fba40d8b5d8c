// SPDX-License-Identifier: MIT
/*
 * The quote example's program: an ordinary SGX program for the Linux
 * driver, which knows nothing of sgxemu.  It loads its enclave through
 * /dev/sgx_enclave and enters it through the vDSO; it gets the quoting
 * enclave's TARGETINFO, has its enclave make a REPORT for it that carries
 * MESSAGE, and turns the REPORT into a quote with Intel's DCAP quote
 * library calls (sgx_qe_get_target_info, sgx_qe_get_quote_size,
 * sgx_qe_get_quote) or, with --aesm, through an AESM service's socket.
 *
 *   sgxemu run -- quote_app [--aesm SOCKET] ENCLAVE MESSAGE OUT
 *
 * ENCLAVE is the path of ENCLAVE.sgxs and ENCLAVE.sig; OUT gets the quote.
 */
#include <asm/sgx.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "aesm.pb-c.h"
#include "quote_call.h"
#include "sgxemu/dcap_ql.h"

static void die(const char *what)
{
	fprintf(stderr, "quote_app: %s\n", what);
	exit(1);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		die("cannot read the enclave files");
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		die("cannot read the enclave files");
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* --- loading the enclave, as Linux's selftests do ---------------------- */

static uint8_t sigstruct[1808] __attribute__((aligned(4096)));
static uint8_t secs[4096] __attribute__((aligned(4096)));
static uint8_t page[4096] __attribute__((aligned(4096)));

/* Replay ENCLAVE.sgxs (ECREATE, EADD, EEXTEND records) into the driver;
 * return the first TCS. */
static uint64_t load(const char *prefix)
{
	char path[4096];
	size_t len, pos, n = 0;
	uint8_t *sgxs, *sig;
	uint64_t size = 0, base = 0, tcs = 0, offs[1024], flags[1024];
	uint32_t ssaframesize = 0;
	struct sgx_enclave_init init = { .sigstruct = (uint64_t)(uintptr_t)sigstruct };
	struct sgx_enclave_create create = { .src = (uint64_t)(uintptr_t)secs };
	uint8_t *reserve, (*data)[4096];
	int fd;

	snprintf(path, sizeof(path), "%s.sig", prefix);
	sig = slurp(path, &len);
	if (len != sizeof(sigstruct))
		die("bad SIGSTRUCT");
	memcpy(sigstruct, sig, len);
	free(sig);
	snprintf(path, sizeof(path), "%s.sgxs", prefix);
	sgxs = slurp(path, &len);
	data = calloc(1024, 4096);
	for (pos = 0; pos + 64 <= len; pos += 64) {
		const uint8_t *r = sgxs + pos;
		uint64_t off;

		memcpy(&off, r + 8, 8);
		if (!memcmp(r, "ECREATE", 8)) {
			memcpy(&ssaframesize, r + 8, 4);
			memcpy(&size, r + 12, 8);
		} else if (!memcmp(r, "EADD\0\0\0\0", 8) && n < 1024) {
			offs[n] = off;
			memcpy(&flags[n++], r + 16, 8);
		} else if (!memcmp(r, "EEXTEND", 8) && pos + 320 <= len) {
			size_t i;

			for (i = 0; i < n && offs[i] != (off & ~4095ULL); i++)
				;
			if (i == n)
				die("bad SGXS");
			memcpy(data[i] + (off & 4095), r + 64, 256);
			pos += 256;
		} else {
			die("bad SGXS");
		}
	}
	free(sgxs);
	/* A naturally aligned ELRANGE, then CREATE, ADD_PAGES, INIT, mmap. */
	reserve = mmap(NULL, 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	base = ((uint64_t)(uintptr_t)reserve + size - 1) & ~(size - 1);
	fd = open("/dev/sgx_enclave", O_RDWR);
	if (fd < 0)
		die("no /dev/sgx_enclave: run me under 'sgxemu run'");
	memcpy(secs, &size, 8);
	memcpy(secs + 8, &base, 8);
	memcpy(secs + 16, &ssaframesize, 4);
	memcpy(secs + 20, sigstruct + 900, 4);  /* MISCSELECT */
	memcpy(secs + 48, sigstruct + 928, 16); /* ATTRIBUTES */
	if (ioctl(fd, SGX_IOC_ENCLAVE_CREATE, &create))
		die("SGX_IOC_ENCLAVE_CREATE failed");
	for (pos = 0; pos < n; pos++) {
		uint64_t si[8] __attribute__((aligned(64))) = { flags[pos] };
		struct sgx_enclave_add_pages ap = {
			.src = (uint64_t)(uintptr_t)page, .offset = offs[pos], .length = 4096,
			.secinfo = (uint64_t)(uintptr_t)si, .flags = SGX_PAGE_MEASURE,
		};

		memcpy(page, data[pos], 4096);
		if (ioctl(fd, SGX_IOC_ENCLAVE_ADD_PAGES, &ap))
			die("SGX_IOC_ENCLAVE_ADD_PAGES failed");
		if (((flags[pos] >> 8) & 0xff) == 1 && !tcs)
			tcs = base + offs[pos];
	}
	if (ioctl(fd, SGX_IOC_ENCLAVE_INIT, &init))
		die("SGX_IOC_ENCLAVE_INIT failed");
	for (pos = 0; pos < n; pos++) {
		int prot = ((flags[pos] >> 8) & 0xff) == 1 ? PROT_READ | PROT_WRITE :
							       (int)(flags[pos] & 7);

		if (mmap((void *)(uintptr_t)(base + offs[pos]), 4096, prot, MAP_SHARED | MAP_FIXED,
			 fd, 0) == MAP_FAILED)
			die("mmap of the enclave failed");
	}
	free(data);
	return tcs;
}

/* --- entering it through the vDSO ------------------------------------------- */

typedef int (*vdso_enter_fn)(unsigned long, unsigned long, unsigned long, unsigned int,
			     unsigned long, unsigned long, struct sgx_enclave_run *);

static vdso_enter_fn vdso_enter(void)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Phdr *ph = (const Elf64_Phdr *)((uintptr_t)eh + eh->e_phoff);
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Sym *sym = NULL;
	const char *str = NULL;
	const uint32_t *hash = NULL;
	uintptr_t load_base = 0;
	uint32_t i;

	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !load_base)
			load_base = (uintptr_t)eh + ph[i].p_offset - ph[i].p_vaddr;
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf64_Dyn *)((uintptr_t)eh + ph[i].p_offset);
	}
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_SYMTAB)
			sym = (const Elf64_Sym *)(load_base + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_STRTAB)
			str = (const char *)(load_base + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_HASH)
			hash = (const uint32_t *)(load_base + dyn->d_un.d_ptr);
	}
	for (i = 0; sym && str && hash && i < hash[1]; i++)
		if (!strcmp(str + sym[i].st_name, "__vdso_sgx_enter_enclave"))
			return (vdso_enter_fn)(load_base + sym[i].st_value);
	die("no __vdso_sgx_enter_enclave: run me under 'sgxemu run'");
	return NULL;
}

/* The enclave's REPORT for @target with @message. */
static void enclave_report(uint64_t tcs, const void *target, const char *message,
			   uint8_t report[432])
{
	static struct quote_call c;
	struct sgx_enclave_run run = { .tcs = tcs };

	memcpy(c.target, target, sizeof(c.target));
	c.len = strlen(message) < sizeof(c.message) ? strlen(message) : sizeof(c.message);
	memcpy(c.message, message, c.len);
	/* The example enclave preserves the registers C keeps. */
	if (vdso_enter()((unsigned long)&c, 0, 0, 2 /* EENTER */, 0, 0, &run) ||
	    run.function != 4 /* EEXIT */)
		die("the enclave did not return");
	memcpy(report, c.report, 432);
}

/* --- the AESM socket ------------------------------------------------------- */

/* One request over a new connection: a 4-byte length, then the message. */
static Aesm__Message__Response *aesm(const char *sock, const Aesm__Message__Request *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint32_t len = (uint32_t)aesm__message__request__get_packed_size(req);
	uint8_t *buf = malloc(4 + len);
	Aesm__Message__Response *res;
	size_t off;
	ssize_t got;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.107s", sock);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("cannot connect to the AESM socket");
	memcpy(buf, &len, 4);
	aesm__message__request__pack(req, buf + 4);
	if (write(fd, buf, 4 + len) != (ssize_t)(4 + len) || read(fd, &len, 4) != 4)
		die("the AESM service did not answer");
	buf = realloc(buf, len + 1);
	for (off = 0; off < len; off += (size_t)got)
		if ((got = read(fd, buf + off, len - off)) <= 0)
			die("the AESM service's answer was cut short");
	close(fd);
	res = aesm__message__response__unpack(NULL, len, buf);
	free(buf);
	if (!res)
		die("the AESM service's answer is not a Response");
	return res;
}

static uint8_t *quote_by_aesm(const char *sock, uint64_t tcs, const char *message,
			      uint32_t *size)
{
	Aesm__Message__Request req = AESM__MESSAGE__REQUEST__INIT;
	Aesm__Message__Request__SelectAttKeyIDRequest sel =
		AESM__MESSAGE__REQUEST__SELECT_ATT_KEY_IDREQUEST__INIT;
	Aesm__Message__Request__InitQuoteExRequest init =
		AESM__MESSAGE__REQUEST__INIT_QUOTE_EX_REQUEST__INIT;
	Aesm__Message__Request__GetQuoteSizeExRequest qs =
		AESM__MESSAGE__REQUEST__GET_QUOTE_SIZE_EX_REQUEST__INIT;
	Aesm__Message__Request__GetQuoteExRequest get =
		AESM__MESSAGE__REQUEST__GET_QUOTE_EX_REQUEST__INIT;
	Aesm__Message__Response *res;
	uint8_t key[256], target[512], report[432], *quote;

	req.selectattkeyidreq = &sel;
	res = aesm(sock, &req);
	if (!res->selectattkeyidres || res->selectattkeyidres->errorcode ||
	    res->selectattkeyidres->selected_att_key_id.len != sizeof(key))
		die("SelectAttKeyID failed");
	memcpy(key, res->selectattkeyidres->selected_att_key_id.data, sizeof(key));
	aesm__message__response__free_unpacked(res, NULL);
	req.selectattkeyidreq = NULL;
	req.initquoteexreq = &init;
	init.has_att_key_id = 1;
	init.att_key_id = (ProtobufCBinaryData){ sizeof(key), key };
	res = aesm(sock, &req);
	if (!res->initquoteexres || res->initquoteexres->errorcode ||
	    res->initquoteexres->target_info.len != sizeof(target))
		die("InitQuoteEx failed");
	memcpy(target, res->initquoteexres->target_info.data, sizeof(target));
	aesm__message__response__free_unpacked(res, NULL);
	req.initquoteexreq = NULL;
	req.getquotesizeexreq = &qs;
	qs.has_att_key_id = 1;
	qs.att_key_id = init.att_key_id;
	res = aesm(sock, &req);
	if (!res->getquotesizeexres || res->getquotesizeexres->errorcode)
		die("GetQuoteSizeEx failed");
	*size = res->getquotesizeexres->quote_size;
	aesm__message__response__free_unpacked(res, NULL);
	enclave_report(tcs, target, message, report);
	req.getquotesizeexreq = NULL;
	req.getquoteexreq = &get;
	get.report = (ProtobufCBinaryData){ sizeof(report), report };
	get.has_att_key_id = 1;
	get.att_key_id = init.att_key_id;
	get.buf_size = *size;
	res = aesm(sock, &req);
	if (!res->getquoteexres || res->getquoteexres->errorcode ||
	    res->getquoteexres->quote.len > *size) {
		fprintf(stderr, "quote_app: GetQuoteEx: AESM error %u\n",
			res->getquoteexres ? res->getquoteexres->errorcode : 1);
		exit(1);
	}
	*size = (uint32_t)res->getquoteexres->quote.len;
	quote = malloc(*size);
	memcpy(quote, res->getquoteexres->quote.data, *size);
	aesm__message__response__free_unpacked(res, NULL);
	return quote;
}

/* --- Intel's quote library calls ----------------------------------------- */

static uint8_t *quote_by_library(uint64_t tcs, const char *message, uint32_t *size)
{
	uint8_t target[512], report[432], *quote;
	quote3_error_t err;

	err = sgx_qe_get_target_info(target);
	if (err) {
		fprintf(stderr, "quote_app: sgx_qe_get_target_info: %#x\n", err);
		exit(1);
	}
	enclave_report(tcs, target, message, report);
	err = sgx_qe_get_quote_size(size);
	quote = err ? NULL : malloc(*size);
	if (quote)
		err = sgx_qe_get_quote(report, *size, quote);
	if (err || !quote) {
		fprintf(stderr, "quote_app: sgx_qe_get_quote: %#x\n", err);
		exit(1);
	}
	return quote;
}

int main(int argc, char **argv)
{
	const char *sock = NULL;
	uint8_t *quote;
	uint32_t size;
	uint64_t tcs;
	FILE *f;

	if (argc == 6 && !strcmp(argv[1], "--aesm")) {
		sock = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: quote_app [--aesm SOCKET] ENCLAVE MESSAGE OUT\n");
		return 2;
	}
	tcs = load(argv[1]);
	quote = sock ? quote_by_aesm(sock, tcs, argv[2], &size) :
		       quote_by_library(tcs, argv[2], &size);
	f = fopen(argv[3], "wb");
	if (!f || fwrite(quote, 1, size, f) != size || fclose(f))
		die("cannot write the quote");
	printf("quote_app: a %u-byte quote of the enclave saying \"%s\" (%s), in %s\n", size,
	       argv[2], sock ? "from the AESM service" : "from the DCAP quote library", argv[3]);
	free(quote);
	return 0;
}
