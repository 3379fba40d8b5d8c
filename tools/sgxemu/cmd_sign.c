// SPDX-License-Identifier: MIT
/* sgxemu sign: write a SIGSTRUCT for an .sgxs file. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/sgxs.h"
#include "base/file.h"
#include "base/log.h"
#include "base/parse.h"
#include "cli.h"
#include "cpu/crypto.h"
#include "cpu/sigstruct.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sgxemu sign --key KEY.pem [OPTIONS] FILE.sgxs -o OUT.sig\n\n"
		"Sign the enclave measured by FILE.sgxs: write a SIGSTRUCT whose\n"
		"ENCLAVEHASH is its MRENCLAVE, signed with KEY.pem (RSA-3072, e = 3).\n\n"
		"  -k, --key KEY.pem        signing key (required)\n"
		"  -o, --output OUT.sig     where to write the SIGSTRUCT (required)\n"
		"      --isvprodid N        ISVPRODID, 0..65535 (default 0)\n"
		"      --isvsvn N           ISVSVN, 0..65535 (default 0)\n"
		"      --debug              set ATTRIBUTES.DEBUG\n"
		"      --attributes X       ATTRIBUTES.FLAGS (default 0x4, MODE64BIT)\n"
		"      --xfrm X             ATTRIBUTES.XFRM (default 0x3)\n"
		"      --attributemask X    ATTRIBUTEMASK.FLAGS (default ~DEBUG)\n"
		"      --xfrmmask X         ATTRIBUTEMASK.XFRM (default 0xffffffffffffff1b)\n"
		"      --miscselect X       MISCSELECT (default 0)\n"
		"      --miscmask X         MISCMASK (default 0xffffffff)\n"
		"      --date YYYYMMDD      DATE (default today, or $SOURCE_DATE_EPOCH)\n"
		"      --intel              VENDOR = 0x8086 instead of 0\n"
		"Numbers are decimal or 0x-prefixed hex.\n");
}

enum {
	OPT_ISVPRODID = 256,
	OPT_ISVSVN,
	OPT_DEBUG,
	OPT_ATTRIBUTES,
	OPT_XFRM,
	OPT_ATTRMASK,
	OPT_XFRMMASK,
	OPT_MISCSELECT,
	OPT_MISCMASK,
	OPT_DATE,
	OPT_INTEL,
};

static u32 to_bcd(u32 v)
{
	u32 r = 0, shift = 0;

	while (v) {
		r |= (v % 10) << shift;
		v /= 10;
		shift += 4;
	}
	return r;
}

/* 2015-06-16 as 0x20150616. */
static u32 bcd_date(const struct tm *tm)
{
	return to_bcd((u32)(tm->tm_year + 1900) * 10000 + (u32)(tm->tm_mon + 1) * 100 +
		      (u32)tm->tm_mday);
}

/* Today, or $SOURCE_DATE_EPOCH's day (reproducible builds). */
static int default_date(u32 *out)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t = time(NULL);
	char why[512];
	struct tm tm;
	u64 v;

	if (sde && *sde) {
		/* DATE has four year digits: up to 9999-12-31T23:59:59Z. */
		if (parse_count("SOURCE_DATE_EPOCH", sde, 0, 253402300799ULL, &v, why,
				sizeof(why))) {
			log_err("%s", why);
			return -EINVAL;
		}
		t = (time_t)v;
	}
	gmtime_r(&t, &tm);
	*out = bcd_date(&tm);
	return 0;
}

static int parse_date(const char *s, u32 *out)
{
	char why[512];
	u64 v;

	if (strlen(s) != 8 || strspn(s, "0123456789") != 8 ||
	    parse_count("--date", s, 10000101, 99991231, &v, why, sizeof(why)) ||
	    v % 100 == 0 || v % 100 > 31 || (v / 100) % 100 == 0 || (v / 100) % 100 > 12)
		return -EINVAL;
	*out = to_bcd((u32)v);
	return 0;
}

int cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "key", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "isvprodid", required_argument, NULL, OPT_ISVPRODID },
		{ "isvsvn", required_argument, NULL, OPT_ISVSVN },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "attributes", required_argument, NULL, OPT_ATTRIBUTES },
		{ "xfrm", required_argument, NULL, OPT_XFRM },
		{ "attributemask", required_argument, NULL, OPT_ATTRMASK },
		{ "xfrmmask", required_argument, NULL, OPT_XFRMMASK },
		{ "miscselect", required_argument, NULL, OPT_MISCSELECT },
		{ "miscmask", required_argument, NULL, OPT_MISCMASK },
		{ "date", required_argument, NULL, OPT_DATE },
		{ "intel", no_argument, NULL, OPT_INTEL },
		{ 0 },
	};
	const char *key_path = NULL, *out_path = NULL;
	struct crypto_rsa_key *key = NULL;
	struct sigstruct_verdict v;
	struct sgx_sigstruct sig;
	char why[512];
	struct sgxs s;
	bool debug = false, have_date = false;
	u64 n;
	int opt, rc = EXIT_USAGE;

	memset(&sig, 0, sizeof(sig));
	sig.attributes.flags = SGX_ATTR_MODE64BIT;
	sig.attributes.xfrm = SGX_XFRM_LEGACY;
	sig.attributemask.flags = ~SGX_ATTR_DEBUG;
	sig.attributemask.xfrm = 0xffffffffffffff1bULL;
	sig.miscmask = 0xffffffff;
	while ((opt = getopt_long(argc, argv, "hk:o:", opts, NULL)) != -1) {
		const char *name = NULL;
		u64 *field = NULL;

		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'k':
			key_path = optarg;
			continue;
		case 'o':
			out_path = optarg;
			continue;
		case OPT_DEBUG:
			debug = true;
			continue;
		case OPT_INTEL:
			sig.vendor = SGX_SIGSTRUCT_VENDOR_INTEL;
			continue;
		case OPT_DATE:
			if (parse_date(optarg, &sig.date)) {
				log_err("--date '%s' is not a date YYYYMMDD", optarg);
				return EXIT_USAGE;
			}
			have_date = true;
			continue;
		case OPT_ISVPRODID:
		case OPT_ISVSVN:
			if (parse_count(opt == OPT_ISVSVN ? "--isvsvn" : "--isvprodid", optarg, 0,
					UINT16_MAX, &n, why, sizeof(why)))
				goto bad_value;
			if (opt == OPT_ISVSVN)
				sig.isvsvn = (u16)n;
			else
				sig.isvprodid = (u16)n;
			continue;
		case OPT_MISCSELECT:
		case OPT_MISCMASK:
			if (parse_mask(opt == OPT_MISCMASK ? "--miscmask" : "--miscselect", optarg, 32,
				       &n, why, sizeof(why)))
				goto bad_value;
			if (opt == OPT_MISCMASK)
				sig.miscmask = (u32)n;
			else
				sig.miscselect = (u32)n;
			continue;
		case OPT_ATTRIBUTES:
			field = &sig.attributes.flags;
			name = "--attributes";
			break;
		case OPT_XFRM:
			field = &sig.attributes.xfrm;
			name = "--xfrm";
			break;
		case OPT_ATTRMASK:
			field = &sig.attributemask.flags;
			name = "--attributemask";
			break;
		case OPT_XFRMMASK:
			field = &sig.attributemask.xfrm;
			name = "--xfrmmask";
			break;
		default:
			return cli_usage_error("sign", "unknown option");
		}
		if (parse_mask(name, optarg, 64, field, why, sizeof(why)))
			goto bad_value;
	}
	if (!key_path)
		return cli_usage_error("sign", "--key KEY.pem is required");
	if (!out_path)
		return cli_usage_error("sign", "-o OUT.sig is required");
	if (argc - optind != 1)
		return cli_usage_error("sign", "expected one FILE.sgxs");
	if (debug)
		sig.attributes.flags |= SGX_ATTR_DEBUG;
	if (sig.attributes.flags & SGX_ATTR_INIT) {
		log_err("--attributes: INIT (bit 0) is set by EINIT and cannot be signed");
		return EXIT_USAGE;
	}
	if (!have_date && default_date(&sig.date))
		return EXIT_USAGE;
	if (sgxs_load_file(argv[optind], &s, why, sizeof(why))) {
		log_err("%s", why);
		return EXIT_USAGE;
	}
	memcpy(sig.enclavehash, s.mrenclave, sizeof(sig.enclavehash));
	sgxs_free(&s);
	if (crypto_rsa_key_load(key_path, &key, why, sizeof(why))) {
		log_err("%s: %s", key_path, why);
		return EXIT_USAGE;
	}
	if (sigstruct_sign(&sig, key)) {
		log_err("%s: signing failed", key_path);
		goto out;
	}
	/* Check our own work the way EINIT will. */
	if (sigstruct_verify(&sig, &v) || !v.header_ok || !v.signature_ok || !v.q1_ok ||
	    !v.q2_ok) {
		log_err("internal error: the new SIGSTRUCT does not verify");
		goto out;
	}
	n = (u64)-file_write_atomic(out_path, &sig, sizeof(sig), 0644, false);
	if (n) {
		log_err("%s: cannot write: %s", out_path, strerror((int)n));
		goto out;
	}
	rc = EXIT_OK;
out:
	crypto_rsa_key_free(key);
	return rc;
bad_value:
	log_err("%s", why);
	return EXIT_USAGE;
}
