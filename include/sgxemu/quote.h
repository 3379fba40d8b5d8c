/* SPDX-License-Identifier: MIT */
/*
 * Intel's DCAP quote, version 3, with an ECDSA-256-with-P-256 attestation
 * key and a PCK certificate chain as certification data: the byte layout
 * sgxemu's quoting enclave writes and sgxemu_quote_verify() reads.  The
 * facts and their sources are in doc/attestation.md.  All integers are
 * little-endian; signatures and public keys are big-endian (r || s, x || y).
 *
 *   0    header (48)
 *   48   the application enclave's REPORT body (384)
 *   432  signature data length (u32)
 *   436  signature data:
 *        0    ECDSA signature over header || body, by the attestation key (64)
 *        64   attestation public key (64)
 *        128  the QE's REPORT body; its REPORTDATA holds
 *             SHA-256(attestation key || authentication data) || 32 zeros (384)
 *        512  ECDSA signature over the QE REPORT body, by the PCK (64)
 *        576  authentication data size (u16), then the data
 *        ...  certification data type (u16, 5), size (u32), then the data:
 *             PEM certificates, PCK || intermediate CA || root CA
 */
#ifndef SGXEMU_QUOTE_H
#define SGXEMU_QUOTE_H

#include <stddef.h>
#include <stdint.h>

#define SGXEMU_QUOTE_VERSION 3
/* sgx_attestation_algorithm_id_t: SGX_QL_ALG_ECDSA_P256. */
#define SGXEMU_QUOTE_ATT_KEY_ECDSA_P256 2
/* sgx_ql_cert_key_type_t: PCK_CERT_CHAIN. */
#define SGXEMU_QUOTE_CERT_PCK_CHAIN 5
/* The QE vendor ID of Intel's quoting enclaves, 939A7233-F79C-4CA9-940A-0DB3957F0607. */
#define SGXEMU_QUOTE_VENDOR_ID                                                            \
	{ 0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, \
	  0x06, 0x07 }

/* sgx_report_body_t: the first 384 bytes of the SDM's REPORT. */
struct sgxemu_report_body {
	uint8_t cpusvn[16];
	uint32_t miscselect;
	uint8_t reserved1[12];
	uint8_t isvextprodid[16];
	uint64_t attributes;      /* ATTRIBUTES.FLAGS */
	uint64_t xfrm;            /* ATTRIBUTES.XFRM */
	uint8_t mrenclave[32];
	uint8_t reserved2[32];
	uint8_t mrsigner[32];
	uint8_t reserved3[32];
	uint8_t configid[64];
	uint16_t isvprodid;
	uint16_t isvsvn;
	uint16_t configsvn;
	uint8_t reserved4[42];
	uint8_t isvfamilyid[16];
	uint8_t reportdata[64];
};

/* sgx_quote_header_t. */
struct sgxemu_quote_header {
	uint16_t version;         /* 3 */
	uint16_t att_key_type;    /* 2: ECDSA-256-with-P-256 */
	uint32_t reserved;        /* att_key_data_0: 0 */
	uint16_t qe_svn;          /* the QE's ISVSVN */
	uint16_t pce_svn;         /* the PCE's ISVSVN */
	uint8_t vendor_id[16];
	uint8_t user_data[20];    /* the QE ID, then 4 zero bytes */
};

/*
 * sgx_quote3_t: the header, the body, the signature data length and the
 * signature data, at these offsets (its u32 is not 8-byte aligned, so it
 * is read and written with memcpy rather than as one structure).
 */
#define SGXEMU_QUOTE_BODY_OFFSET 48
#define SGXEMU_QUOTE_SIG_LEN_OFFSET 432
#define SGXEMU_QUOTE_SIG_OFFSET 436

/* sgx_ql_ecdsa_sig_data_t without its variable part. */
struct sgxemu_quote_ecdsa_sig {
	uint8_t sig[64];
	uint8_t attest_pub_key[64];
	struct sgxemu_report_body qe_report;
	uint8_t qe_report_sig[64];
};

#ifndef __cplusplus
_Static_assert(sizeof(struct sgxemu_report_body) == 384, "sgx_report_body_t");
_Static_assert(offsetof(struct sgxemu_report_body, attributes) == 48, "report_body.attributes");
_Static_assert(offsetof(struct sgxemu_report_body, mrsigner) == 128, "report_body.mr_signer");
_Static_assert(offsetof(struct sgxemu_report_body, isvprodid) == 256, "report_body.isv_prod_id");
_Static_assert(offsetof(struct sgxemu_report_body, reportdata) == 320, "report_body.report_data");
_Static_assert(sizeof(struct sgxemu_quote_header) == 48, "sgx_quote_header_t");
_Static_assert(offsetof(struct sgxemu_quote_header, vendor_id) == 12, "header.vendor_id");
_Static_assert(offsetof(struct sgxemu_quote_header, user_data) == 28, "header.user_data");
_Static_assert(SGXEMU_QUOTE_BODY_OFFSET + sizeof(struct sgxemu_report_body) ==
		       SGXEMU_QUOTE_SIG_LEN_OFFSET, "sgx_quote3_t");
_Static_assert(sizeof(struct sgxemu_quote_ecdsa_sig) == 576, "sgx_ql_ecdsa_sig_data_t");
#endif

/* Where the authentication data (its u16 size) starts in a quote. */
#define SGXEMU_QUOTE_AUTH_OFFSET (SGXEMU_QUOTE_SIG_OFFSET + sizeof(struct sgxemu_quote_ecdsa_sig))
/* The authentication data sgxemu's QE binds to its attestation key. */
#define SGXEMU_QUOTE_AUTH_DATA_SIZE 32
/* A quote up to the certification data: what the QE itself writes. */
#define SGXEMU_QUOTE_SIGNED_PART (SGXEMU_QUOTE_AUTH_OFFSET + 2 + SGXEMU_QUOTE_AUTH_DATA_SIZE)

#endif
