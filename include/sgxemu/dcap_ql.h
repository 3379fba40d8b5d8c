/* SPDX-License-Identifier: MIT */
/*
 * sgxemu's quote library, libsgx_dcap_ql.so.1: the calls of Intel's DCAP
 * quote library (sgx_dcap_ql_wrapper.h), with Intel's names, return codes
 * and structure sizes, so programs built against Intel's library run with
 * sgxemu's.  It runs sgxemu's PCE and QE as the program runs its own
 * enclaves: through /dev/sgx_enclave and the vDSO, which `sgxemu run`
 * answers.  The quote is Intel's version 3 format (<sgxemu/quote.h>).
 *
 *   sgx_qe_get_target_info(ti)       the QE's TARGETINFO (512 bytes), for
 *                                    the application enclave's EREPORT
 *   sgx_qe_get_quote_size(&size)
 *   sgx_qe_get_quote(report, size, quote)
 *
 * A failure also prints one line saying why on stderr.
 */
#ifndef SGXEMU_DCAP_QL_H
#define SGXEMU_DCAP_QL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Intel's quote3_error_t values (sgx_ql_lib_common.h); the ones returned here. */
typedef enum _quote3_error_t {
	SGX_QL_SUCCESS = 0x0000,
	SGX_QL_ERROR_UNEXPECTED = 0xE001,
	SGX_QL_ERROR_INVALID_PARAMETER = 0xE002,
	SGX_QL_ERROR_OUT_OF_MEMORY = 0xE003,
	SGX_QL_ATT_KEY_BLOB_ERROR = 0xE00A,
	SGX_QL_UNSUPPORTED_LOADING_POLICY = 0xE00C,
	SGX_QL_ATT_KEY_CERT_DATA_INVALID = 0xE010,
	SGX_QL_OUT_OF_EPC = 0xE012,
	SGX_QL_INVALID_REPORT = 0xE015,
	SGX_QL_ENCLAVE_LOAD_ERROR = 0xE016,
	SGX_QL_NO_DEVICE = 0xE03F,
} quote3_error_t;

/* sgx_ql_request_policy_t. */
typedef enum { SGX_QL_PERSISTENT = 0, SGX_QL_EPHEMERAL = 1 } sgx_ql_request_policy_t;
/* sgx_ql_path_type_t. */
typedef enum { SGX_QL_QE3_PATH, SGX_QL_PCE_PATH, SGX_QL_QPL_PATH, SGX_QL_IDE_PATH } sgx_ql_path_type_t;

/* @p_qe_target_info: an sgx_target_info_t (512 bytes). */
quote3_error_t sgx_qe_get_target_info(void *p_qe_target_info);
quote3_error_t sgx_qe_get_quote_size(uint32_t *p_quote_size);
/* @p_app_report: an sgx_report_t (432 bytes) made for the QE's TARGETINFO. */
quote3_error_t sgx_qe_get_quote(const void *p_app_report, uint32_t quote_size, uint8_t *p_quote);
/* Both policies behave alike: the enclaves stay loaded until cleanup. */
quote3_error_t sgx_qe_set_enclave_load_policy(sgx_ql_request_policy_t policy);
/* Unload the PCE and QE. */
quote3_error_t sgx_qe_cleanup_by_policy(void);
/* QE3 and PCE: PATH.sgxs and PATH.sig (a PATH ending in .sgxs or .sig is
 * taken without it); the QPL and IDE paths are accepted and not used. */
quote3_error_t sgx_ql_set_path(sgx_ql_path_type_t path_type, const char *p_path);

#ifdef __cplusplus
}
#endif

#endif
