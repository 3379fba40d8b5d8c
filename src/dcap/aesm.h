/* SPDX-License-Identifier: MIT */
/*
 * The AESM service's quote requests (the "quote-ex" family Intel's
 * libsgx_quote_ex and DCAP's out-of-process mode send to aesmd), answered
 * with a quoter.  Internal to src/dcap and tools/.
 */
#ifndef SGXEMU_DCAP_AESM_H
#define SGXEMU_DCAP_AESM_H

#include <signal.h>

#include "dcap/dcap.h"

/* aesm_error_t values (Intel's aesm_error.h) this service answers with. */
enum aesm_error {
	AESM_SUCCESS = 0,
	AESM_UNEXPECTED_ERROR = 1,
	AESM_PARAMETER_ERROR = 3,
	AESM_OUT_OF_MEMORY_ERROR = 21,
	AESM_ATT_KEY_BLOB_ERROR = 37,
	AESM_UNSUPPORTED_ATT_KEY_ID = 38,
	AESM_INVALID_REPORT = 47,
	AESM_ENCLAVE_LOAD_ERROR = 48,
};

/* sgx_att_key_id_ext_t: the attestation key ID of sgxemu's QE. */
#define AESM_ATT_KEY_ID_SIZE 256
/* Its first part, sgx_ql_att_key_id_t, is what identifies the key. */
#define AESM_ATT_KEY_ID_BASE 158

/*
 * Answer one request (@req, @len bytes, without the length prefix) in a
 * malloc'd *@resp of *@resp_len bytes.  Requests it does not serve get
 * Intel's UnsupportedRequestResponse.
 * Return: 0, -EBADMSG (not a Request message) or -ENOMEM.
 */
int dcap_aesm_answer(struct dcap_quoter *q, const u8 *req, size_t len, u8 **resp,
		     size_t *resp_len) __must_check;

/*
 * Serve the connections of listening socket @fd until *@stop: each sends
 * requests (a 4-byte length, then the message) and reads one answer each,
 * until it closes.  Return: 0 when stopped, or -errno.
 */
int dcap_aesm_serve(struct dcap_quoter *q, int fd, volatile sig_atomic_t *stop);

#endif
