/* SPDX-License-Identifier: MIT */
/* ENCLS, ENCLU and ENCLV leaf numbers (the value in EAX). */
#ifndef SGXEMU_ARCH_SGX_LEAF_H
#define SGXEMU_ARCH_SGX_LEAF_H

#define SGX_ENCLS_MAP(X) \
	X(ECREATE, 0x00) \
	X(EADD, 0x01)    \
	X(EINIT, 0x02)   \
	X(EREMOVE, 0x03) \
	X(EDBGRD, 0x04)  \
	X(EDBGWR, 0x05)  \
	X(EEXTEND, 0x06) \
	X(ELDB, 0x07)    \
	X(ELDU, 0x08)    \
	X(EBLOCK, 0x09)  \
	X(EPA, 0x0A)     \
	X(EWB, 0x0B)     \
	X(ETRACK, 0x0C)  \
	X(EAUG, 0x0D)    \
	X(EMODPR, 0x0E)  \
	X(EMODT, 0x0F)   \
	X(ERDINFO, 0x10) \
	X(ETRACKC, 0x11) \
	X(ELDBC, 0x12)   \
	X(ELDUC, 0x13)

#define SGX_ENCLU_MAP(X)      \
	X(EREPORT, 0)         \
	X(EGETKEY, 1)         \
	X(EENTER, 2)          \
	X(ERESUME, 3)         \
	X(EEXIT, 4)           \
	X(EACCEPT, 5)         \
	X(EMODPE, 6)          \
	X(EACCEPTCOPY, 7)     \
	X(EVERIFYREPORT2, 8)  \
	X(EDECCSSA, 9)

#define SGX_ENCLV_MAP(X)     \
	X(EDECVIRTCHILD, 0)  \
	X(EINCVIRTCHILD, 1)  \
	X(ESETCONTEXT, 2)

enum sgx_encls_leaf {
#define SGX_LEAF_ENUM_(name, value) SGX_ENCLS_##name = value,
	SGX_ENCLS_MAP(SGX_LEAF_ENUM_)
#undef SGX_LEAF_ENUM_
};

enum sgx_enclu_leaf {
#define SGX_LEAF_ENUM_(name, value) SGX_ENCLU_##name = value,
	SGX_ENCLU_MAP(SGX_LEAF_ENUM_)
#undef SGX_LEAF_ENUM_
};

enum sgx_enclv_leaf {
#define SGX_LEAF_ENUM_(name, value) SGX_ENCLV_##name = value,
	SGX_ENCLV_MAP(SGX_LEAF_ENUM_)
#undef SGX_LEAF_ENUM_
};

#endif
