// SPDX-License-Identifier: MIT
/*
 * libsgx_dcap_ql.so: Intel's DCAP quote library calls over the quoter,
 * which runs sgxemu's PCE and QE through the Linux uAPI of this process
 * (<sgxemu/dcap_ql.h>).  One quoter per process, made on first use.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "dcap/dcap.h"
#include "sgxemu/dcap_ql.h"

#define QL_API __attribute__((visibility("default")))

static struct dcap_quoter ql;
static struct dcap_dev *ql_dev;
static pthread_once_t ql_once = PTHREAD_ONCE_INIT;
static int ql_err;
static char ql_why[512];

static void ql_init(void)
{
	ql_err = dcap_dev_uapi(&ql_dev, ql_why, sizeof(ql_why));
	if (!ql_err)
		ql_err = dcap_quoter_init(&ql, ql_dev, NULL, NULL, ql_why, sizeof(ql_why));
}

/* One line on stderr and Intel's code for -errno @err. */
static quote3_error_t ql_fail(int err, const char *why)
{
	fprintf(stderr, "sgxemu quote library: %s\n", why);
	switch (err) {
	case -EINVAL:
	case -ENOSPC:
		return SGX_QL_ERROR_INVALID_PARAMETER;
	case -ENOMEM:
		return SGX_QL_ERROR_OUT_OF_MEMORY;
	case -EBADMSG:
		return SGX_QL_INVALID_REPORT;
	case -EKEYREJECTED:
		return SGX_QL_ATT_KEY_BLOB_ERROR;
	case -ENODEV:
		return SGX_QL_NO_DEVICE;
	case -ENOENT:
	case -EPERM:
	case -EACCES:
		return SGX_QL_ENCLAVE_LOAD_ERROR;
	default:
		return SGX_QL_ERROR_UNEXPECTED;
	}
}

static int ql_ready(void)
{
	pthread_once(&ql_once, ql_init);
	return ql_err;
}

QL_API quote3_error_t sgx_qe_get_target_info(void *p_qe_target_info)
{
	struct sgx_targetinfo ti;
	char why[512];
	int err;

	if (!p_qe_target_info)
		return SGX_QL_ERROR_INVALID_PARAMETER;
	if (ql_ready())
		return ql_fail(ql_err, ql_why);
	err = dcap_quoter_target(&ql, &ti, why, sizeof(why));
	if (err)
		return ql_fail(err, why);
	memcpy(p_qe_target_info, &ti, sizeof(ti));
	return SGX_QL_SUCCESS;
}

QL_API quote3_error_t sgx_qe_get_quote_size(uint32_t *p_quote_size)
{
	char why[512];
	int err;

	if (!p_quote_size)
		return SGX_QL_ERROR_INVALID_PARAMETER;
	if (ql_ready())
		return ql_fail(ql_err, ql_why);
	err = dcap_quoter_quote_size(&ql, p_quote_size, why, sizeof(why));
	return err ? ql_fail(err, why) : SGX_QL_SUCCESS;
}

QL_API quote3_error_t sgx_qe_get_quote(const void *p_app_report, uint32_t quote_size,
				       uint8_t *p_quote)
{
	char why[512];
	int err;

	if (!p_app_report || !p_quote)
		return SGX_QL_ERROR_INVALID_PARAMETER;
	if (ql_ready())
		return ql_fail(ql_err, ql_why);
	err = dcap_quoter_quote(&ql, p_app_report, NULL, p_quote, quote_size, why, sizeof(why));
	return err ? ql_fail(err, why) : SGX_QL_SUCCESS;
}

QL_API quote3_error_t sgx_qe_set_enclave_load_policy(sgx_ql_request_policy_t policy)
{
	if (policy != SGX_QL_PERSISTENT && policy != SGX_QL_EPHEMERAL)
		return SGX_QL_UNSUPPORTED_LOADING_POLICY;
	return SGX_QL_SUCCESS;
}

QL_API quote3_error_t sgx_qe_cleanup_by_policy(void)
{
	if (!ql_ready())
		dcap_quoter_stop(&ql);
	return SGX_QL_SUCCESS;
}

QL_API quote3_error_t sgx_ql_set_path(sgx_ql_path_type_t path_type, const char *p_path)
{
	char *dst, *dot;
	size_t len;

	if (!p_path)
		return SGX_QL_ERROR_INVALID_PARAMETER;
	if (path_type == SGX_QL_QPL_PATH || path_type == SGX_QL_IDE_PATH)
		return SGX_QL_SUCCESS;
	if (path_type != SGX_QL_QE3_PATH && path_type != SGX_QL_PCE_PATH)
		return SGX_QL_ERROR_INVALID_PARAMETER;
	if (ql_ready())
		return ql_fail(ql_err, ql_why);
	len = strlen(p_path);
	if (len >= sizeof(ql.qe_path))
		return SGX_QL_ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&ql.lock);
	dst = path_type == SGX_QL_QE3_PATH ? ql.qe_path : ql.pce_path;
	memcpy(dst, p_path, len + 1);
	dot = strrchr(dst, '.');
	if (dot && (!strcmp(dot, ".sgxs") || !strcmp(dot, ".sig")))
		*dot = '\0';
	pthread_mutex_unlock(&ql.lock);
	return SGX_QL_SUCCESS;
}
