/* SPDX-License-Identifier: MIT */
/*
 * The calls of sgxemu's provisioning certification enclave (PCE,
 * tests/enclaves/pce.c) and quoting enclave (QE,
 * tests/enclaves/quoting_enclave.c), shared with the quote library that
 * runs them (src/dcap).  On EENTER through the enclave's first TCS, RDI
 * points to a struct sgxemu_qe_call in untrusted memory; the enclave reads
 * it once, does the operation and writes the outputs back.
 *
 *   PCE  INFO     the platform's PPID, the PCK public key, PCESVN, CPUSVN, PCE ID
 *   PCE  CERTIFY  check @report (a REPORT for the PCE), refuse an enclave
 *                 without ATTRIBUTES.PROVISIONKEY, sign its body with the PCK
 *   QE   NEW_KEY  a new attestation key, sealed in @blob; a REPORT for
 *                 @targetinfo whose REPORTDATA binds it (for CERTIFY)
 *   QE   QUOTE    check @report (a REPORT for the QE), unseal @blob and
 *                 write the quote with @qe_report_body, @qe_report_sig and
 *                 @pce_svn from the certification and @certs; with
 *                 @want_report also a REPORT for @targetinfo (the
 *                 application's) whose REPORTDATA is SHA-256(@nonce ||
 *                 quote) || zeros, so the application knows the quote is
 *                 the QE's
 *   both REPORT   a REPORT of itself, from which its TARGETINFO is taken
 */
#ifndef SGXEMU_QE_H
#define SGXEMU_QE_H

#include <stdint.h>

#include "sgxemu/quote.h"

enum sgxemu_qe_op {
	SGXEMU_QE_OP_REPORT = 1,
	SGXEMU_PCE_OP_INFO = 2,
	SGXEMU_PCE_OP_CERTIFY = 3,
	SGXEMU_QE_OP_NEW_KEY = 4,
	SGXEMU_QE_OP_QUOTE = 5,
};

enum sgxemu_qe_status {
	SGXEMU_QE_OK = 0,
	SGXEMU_QE_BAD_OP = 1,           /* not an operation of this enclave */
	SGXEMU_QE_INVALID_REPORT = 2,   /* the REPORT's MAC does not verify */
	SGXEMU_QE_NOT_PRIVILEGED = 3,   /* CERTIFY: the enclave lacks PROVISIONKEY */
	SGXEMU_QE_KEY_FAILED = 4,       /* EGETKEY failed */
	SGXEMU_QE_BAD_BLOB = 5,         /* the sealed key is damaged or not this QE's */
	SGXEMU_QE_CRYPTO_FAILED = 6,
};

/* The sealed attestation key: opaque to the host, kept in the state directory. */
struct sgxemu_qe_blob {
	uint8_t bytes[240];
};

/* The largest certification data (a PEM chain) a quote carries. */
#define SGXEMU_QE_MAX_CERTS 8192
#define SGXEMU_QE_MAX_QUOTE (SGXEMU_QUOTE_SIGNED_PART + 6 + SGXEMU_QE_MAX_CERTS)

struct sgxemu_qe_call {
	uint64_t op;                    /* enum sgxemu_qe_op */
	uint64_t status;                /* out: enum sgxemu_qe_status */
	/* In. */
	uint8_t report[432];            /* CERTIFY, QUOTE */
	uint8_t targetinfo[512];        /* NEW_KEY: the PCE's; QUOTE: the application's */
	struct sgxemu_qe_blob blob;     /* QUOTE (out of NEW_KEY) */
	struct sgxemu_report_body qe_report_body;  /* QUOTE: as the PCE certified it */
	uint8_t qe_report_sig[64];      /* QUOTE */
	uint16_t pce_svn;               /* QUOTE; out of INFO and CERTIFY */
	uint16_t pce_id;                /* out of INFO and CERTIFY */
	uint32_t certs_len;             /* QUOTE */
	uint8_t certs[SGXEMU_QE_MAX_CERTS];
	uint64_t want_report;           /* QUOTE: 1 for a REPORT for @targetinfo */
	uint8_t nonce[16];              /* QUOTE, with @want_report */
	/* Out. */
	uint8_t out_report[432];        /* REPORT, NEW_KEY, QUOTE with @want_report */
	uint8_t ppid[16];               /* INFO */
	uint8_t pck_pub[64];            /* INFO, CERTIFY: x || y, big-endian */
	uint8_t cpusvn[16];             /* INFO, CERTIFY: the TCB the PCK belongs to */
	uint8_t signature[64];          /* CERTIFY: r || s, big-endian */
	uint32_t quote_len;             /* QUOTE */
	uint8_t quote[SGXEMU_QE_MAX_QUOTE];
};

#endif
