// SPDX-License-Identifier: MIT
/* sgxemu load: build an enclave on a fresh platform and run EINIT. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/sgxs.h"
#include "arch/sgx_status.h"
#include "arch/x86.h"
#include "base/file.h"
#include "base/hex.h"
#include "base/log.h"
#include "base/parse.h"
#include "cli.h"
#include "cpu/cpu.h"
#include "cpu/crypto.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sgxemu load FILE.sgxs FILE.sig [--lehash HEX] [--token FILE]\n\n"
		"Replay FILE.sgxs into a fresh emulated platform (ECREATE, EADD,\n"
		"EEXTEND), run EINIT with FILE.sig and print MRENCLAVE, MRSIGNER and\n"
		"'EINIT: SUCCESS' or 'EINIT: <STATUS> (<code>)'.  Exit status 0 only on\n"
		"success, 1 when a leaf fails, 2 for bad input.\n\n"
		"  --lehash HEX   IA32_SGXLEPUBKEYHASH0-3 as 64 hex digits (SHA-256 byte\n"
		"                 order).  Default: the enclave's MRSIGNER, as Linux\n"
		"                 writes it with flexible launch control.\n"
		"  --token FILE   a 304-byte EINITTOKEN (default: none, VALID = 0)\n"
		"  --epc SIZE     EPC size, bytes or with K, M or G (default: 128M, or\n"
		"                 enough pages for the enclave)\n");
}

/* "#GP(0)" or "#PF(0x..., error code 0x...)". */
static void print_fault(const char *leaf, const char *what, const struct lp_fault *f)
{
	if (f->vector == X86_VEC_PF)
		printf("%s%s: #PF at %#llx, error code %#x\n", leaf, what,
		       (unsigned long long)f->addr, f->error_code);
	else if (f->vector == X86_VEC_GP)
		printf("%s%s: #GP(0)\n", leaf, what);
	else
		printf("%s%s: exception %u\n", leaf, what, f->vector);
}

static int read_token(const char *path, struct sgx_einittoken *token)
{
	size_t len;
	u8 *buf;
	int err;

	err = file_read_all(path, 1 << 20, &buf, &len);
	if (err) {
		log_err("%s: %s", path, file_strerror(err));
		return EXIT_USAGE;
	}
	if (len != sizeof(*token)) {
		log_err("%s: %zu bytes; an EINITTOKEN is exactly 304 bytes", path, len);
		free(buf);
		return EXIT_USAGE;
	}
	memcpy(token, buf, sizeof(*token));
	free(buf);
	return EXIT_OK;
}

struct load_ctx {
	struct platform *plat;
	struct lp *lp;
	struct sgxs s;
	void *secs_epc;
};

static int build(struct load_ctx *c, const struct sgx_sigstruct *sig)
{
	static struct sgx_secs secs __aligned(4096);
	static struct sgx_secinfo secinfo;
	struct sgx_pageinfo pginfo;
	u64 base = c->s.size, i;
	char what[64];
	int ret;

	memset(&secs, 0, sizeof(secs));
	secs.size = c->s.size;
	secs.baseaddr = base;
	secs.ssaframesize = c->s.ssaframesize;
	secs.miscselect = sig->miscselect;
	secs.attributes.flags = sig->attributes.flags & ~SGX_ATTR_INIT;
	secs.attributes.xfrm = sig->attributes.xfrm;
	memset(&secinfo, 0, sizeof(secinfo));
	secinfo.flags = (u64)SGX_PT_SECS << SGX_SECINFO_PT_SHIFT;
	memset(&pginfo, 0, sizeof(pginfo));
	pginfo.srcpge = (u64)(uintptr_t)&secs;
	pginfo.secinfo = (u64)(uintptr_t)&secinfo;
	c->secs_epc = platform_epc_page(c->plat, 0);
	ret = encls_ecreate(c->lp, &pginfo, c->secs_epc);
	if (ret) {
		print_fault("ECREATE", "", lp_last_fault(c->lp));
		return EXIT_VERDICT;
	}
	for (i = 0; i < c->s.nr_ops; i++) {
		const struct sgxs_op *op = &c->s.ops[i];
		const struct sgxs_page *page = &c->s.pages[op->page];
		void *epc = platform_epc_page(c->plat, 1 + op->page);

		if (op->type == SGXS_OP_EADD) {
			secinfo.flags = page->secinfo_flags;
			pginfo.linaddr = base + page->offset;
			pginfo.srcpge = (u64)(uintptr_t)page->data;
			pginfo.secs = (u64)(uintptr_t)c->secs_epc;
			ret = encls_eadd(c->lp, &pginfo, epc);
			snprintf(what, sizeof(what), " of offset %#llx", (unsigned long long)page->offset);
			if (ret) {
				print_fault("EADD", what, lp_last_fault(c->lp));
				return EXIT_VERDICT;
			}
		} else {
			ret = encls_eextend(c->lp, c->secs_epc,
					    (u8 *)epc + op->offset % SGX_PAGE_SIZE);
			snprintf(what, sizeof(what), " of offset %#llx", (unsigned long long)op->offset);
			if (ret) {
				print_fault("EEXTEND", what, lp_last_fault(c->lp));
				return EXIT_VERDICT;
			}
		}
	}
	return EXIT_OK;
}

static int set_lehash(struct lp *lp, const u8 hash[32])
{
	unsigned int i;
	u64 v;

	for (i = 0; i < 4; i++) {
		memcpy(&v, hash + 8 * i, sizeof(v));
		if (lp_wrmsr(lp, MSR_IA32_SGXLEPUBKEYHASH0 + i, v)) {
			log_err("WRMSR IA32_SGXLEPUBKEYHASH%u: #GP (launch control is locked)", i);
			return EXIT_VERDICT;
		}
	}
	return EXIT_OK;
}

int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "lehash", required_argument, NULL, 'L' },
		{ "token", required_argument, NULL, 'T' },
		{ "epc", required_argument, NULL, 'E' },
		{ 0 },
	};
	static struct sgx_sigstruct sig __aligned(4096);
	static struct sgx_einittoken token __aligned(512);
	const char *lehash_hex = NULL, *token_path = NULL;
	struct platform_config cfg;
	struct load_ctx c = { 0 };
	u8 lehash[32], mrsigner[32];
	char why[512];
	u64 epc = 0, need;
	int opt, rc, ret;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'L':
			lehash_hex = optarg;
			break;
		case 'T':
			token_path = optarg;
			break;
		case 'E':
			if (parse_size("--epc", optarg, PLATFORM_MIN_EPC_SIZE, PLATFORM_MAX_EPC_SIZE,
				       SGX_PAGE_SIZE, &epc, why, sizeof(why))) {
				log_err("%s", why);
				return EXIT_USAGE;
			}
			break;
		default:
			return cli_usage_error("load", "unknown option");
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("load", "expected FILE.sgxs FILE.sig");
	if (lehash_hex && parse_hash("--lehash", lehash_hex, lehash, why, sizeof(why))) {
		log_err("%s", why);
		return EXIT_USAGE;
	}
	memset(&token, 0, sizeof(token));
	if (token_path && (rc = read_token(token_path, &token)))
		return rc;
	rc = cli_read_sigstruct(argv[optind + 1], &sig);
	if (rc)
		return rc;
	if (sgxs_load_file(argv[optind], &c.s, why, sizeof(why))) {
		log_err("%s", why);
		return EXIT_USAGE;
	}
	platform_config_default(&cfg);
	need = (c.s.nr_pages + 1) * SGX_PAGE_SIZE;
	if (epc)
		cfg.epc_size = epc;
	else if (cfg.epc_size < need)
		cfg.epc_size = need < 16 * SGX_PAGE_SIZE ? 16 * SGX_PAGE_SIZE : need;
	if (cfg.epc_size < need) {
		log_err("--epc %llu is too small for the enclave's %llu pages and its SECS",
			(unsigned long long)epc, (unsigned long long)c.s.nr_pages);
		rc = EXIT_USAGE;
		goto out;
	}
	if (platform_create(&cfg, &c.plat, why, sizeof(why))) {
		log_err("%s", why);
		rc = EXIT_USAGE;
		goto out;
	}
	/* The debug build checks the EPCM after every leaf; that is for tests,
	 * not for replaying large enclaves. */
	platform_set_epcm_check(c.plat, c.s.nr_pages <= 4096);
	c.lp = platform_lp(c.plat, 0);
	crypto_sha256(sig.modulus, sizeof(sig.modulus), mrsigner);
	cli_print_hex("MRENCLAVE: ", c.s.mrenclave, sizeof(c.s.mrenclave));
	cli_print_hex("MRSIGNER:  ", mrsigner, sizeof(mrsigner));
	rc = build(&c, &sig);
	if (rc)
		goto out;
	rc = set_lehash(c.lp, lehash_hex ? lehash : mrsigner);
	if (rc)
		goto out;
	ret = encls_einit(c.lp, &sig, c.secs_epc, &token);
	if (encls_faulted(ret)) {
		print_fault("EINIT", "", lp_last_fault(c.lp));
		rc = EXIT_VERDICT;
	} else if (ret) {
		printf("EINIT: %s (%d)\n", sgx_status_name(ret), ret);
		rc = EXIT_VERDICT;
	} else {
		printf("EINIT: SUCCESS\n");
		rc = EXIT_OK;
	}
out:
	sgxs_free(&c.s);
	platform_destroy(c.plat);
	return rc;
}
