// SPDX-License-Identifier: MIT
/* Names and messages for SGX status codes, generated from the one table. */
#include "arch/sgx_status.h"

#include <stddef.h>

const char *sgx_status_name(int status)
{
	switch (status) {
#define SGX_STATUS_NAME_(name, value, text) \
	case value:                         \
		return #name;
		SGX_STATUS_MAP(SGX_STATUS_NAME_)
#undef SGX_STATUS_NAME_
	}
	return NULL;
}

const char *sgx_status_message(int status)
{
	switch (status) {
#define SGX_STATUS_TEXT_(name, value, text) \
	case value:                         \
		return text;
		SGX_STATUS_MAP(SGX_STATUS_TEXT_)
#undef SGX_STATUS_TEXT_
	}
	return NULL;
}
