/* SPDX-License-Identifier: MIT */
/*
 * SGX status codes returned in RAX by ENCLS/ENCLU leaves (SDM "Error or
 * Information Codes").  One X-macro table gives the enum, the names and the
 * messages, so they cannot drift apart.
 */
#ifndef SGXEMU_ARCH_SGX_STATUS_H
#define SGXEMU_ARCH_SGX_STATUS_H

#define SGX_STATUS_MAP(X)                                                                   \
	X(SGX_SUCCESS, 0, "success")                                                        \
	X(SGX_INVALID_SIG_STRUCT, 1, "SIGSTRUCT contains an unsupported value")             \
	X(SGX_INVALID_ATTRIBUTE, 2, "enclave attributes not allowed by SIGSTRUCT or platform") \
	X(SGX_BLKSTATE, 3, "EPC page already blocked")                                       \
	X(SGX_INVALID_MEASUREMENT, 4, "MRENCLAVE or MRSIGNER does not match")               \
	X(SGX_NOTBLOCKABLE, 5, "EPC page type cannot be blocked")                           \
	X(SGX_PG_INVLD, 6, "EPC page is not valid")                                          \
	X(SGX_EPC_PAGE_CONFLICT, 7, "EPC page in use by another SGX instruction")           \
	X(SGX_INVALID_SIGNATURE, 8, "SIGSTRUCT signature does not verify")                  \
	X(SGX_MAC_COMPARE_FAIL, 9, "MAC of the evicted page does not verify")               \
	X(SGX_PAGE_NOT_BLOCKED, 10, "EPC page is not blocked")                               \
	X(SGX_NOT_TRACKED, 11, "ETRACK not complete for this page")                          \
	X(SGX_VA_SLOT_OCCUPIED, 12, "version array slot already in use")                     \
	X(SGX_CHILD_PRESENT, 13, "SECS still has child pages in the EPC")                    \
	X(SGX_ENCLAVE_ACT, 14, "threads are still active in the enclave")                   \
	X(SGX_ENTRYEPOCH_LOCKED, 15, "entry epoch is locked")                                \
	X(SGX_INVALID_EINITTOKEN, 16, "EINITTOKEN invalid, or required and missing")        \
	X(SGX_PREV_TRK_INCMPL, 17, "previous tracking cycle not complete")                  \
	X(SGX_PG_IS_SECS, 18, "EPC page is a SECS")                                          \
	X(SGX_PAGE_ATTRIBUTES_MISMATCH, 19, "page attributes do not match SECINFO")         \
	X(SGX_PAGE_NOT_MODIFIABLE, 20, "EPC page cannot be modified in its current state")  \
	X(SGX_PAGE_NOT_DEBUGGABLE, 21, "EPC page cannot be accessed for debugging")         \
	X(SGX_INVALID_COUNTER, 25, "virtual child counter would underflow or overflow")     \
	X(SGX_PG_NONEPC, 26, "page is not an EPC page")                                      \
	X(SGX_TRACK_NOT_REQUIRED, 27, "tracking is not required for this page")             \
	X(SGX_INVALID_REPORTMACSTRUCT, 28, "REPORTMACSTRUCT is invalid")                    \
	X(SGX_INVALID_CPUSVN, 32, "CPUSVN is above the platform's")                          \
	X(SGX_INVALID_ISVSVN, 64, "ISVSVN is above the enclave's")                           \
	X(SGX_UNMASKED_EVENT, 128, "an unmasked event arrived during EINIT")               \
	X(SGX_INVALID_KEYNAME, 256, "unsupported KEYNAME")

enum sgx_status {
#define SGX_STATUS_ENUM_(name, value, text) name = value,
	SGX_STATUS_MAP(SGX_STATUS_ENUM_)
#undef SGX_STATUS_ENUM_
};

/* "SGX_INVALID_SIGNATURE" for 8; NULL for a value not in the table. */
const char *sgx_status_name(int status);
/* A one-line description; NULL for a value not in the table. */
const char *sgx_status_message(int status);

#endif
