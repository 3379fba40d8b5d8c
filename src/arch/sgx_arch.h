/* SPDX-License-Identifier: MIT */
/*
 * SGX architectural structures and constants, as the SDM (Vol. 3D, "SGX
 * Data Structures") lays them out.  Only architecture lives here; emulator
 * state never shares this header.  Every layout is pinned by static asserts.
 */
#ifndef SGXEMU_ARCH_SGX_ARCH_H
#define SGXEMU_ARCH_SGX_ARCH_H

#include "base/bits.h"
#include "base/compiler.h"
#include "base/types.h"

#define SGX_PAGE_SIZE 4096
#define SGX_MODULUS_SIZE 384
#define SGX_HASH_SIZE 32
#define SGX_CPUSVN_SIZE 16
#define SGX_KEYID_SIZE 32
#define SGX_MAC_SIZE 16
#define SGX_REPORTDATA_SIZE 64
#define SGX_CONFIGID_SIZE 64
#define SGX_ISVEXT_SIZE 16
#define SGX_VA_SLOT_COUNT 512

/* ATTRIBUTES.FLAGS */
#define SGX_ATTR_INIT BIT_ULL(0)
#define SGX_ATTR_DEBUG BIT_ULL(1)
#define SGX_ATTR_MODE64BIT BIT_ULL(2)
#define SGX_ATTR_PROVISIONKEY BIT_ULL(4)
#define SGX_ATTR_EINITTOKENKEY BIT_ULL(5)
#define SGX_ATTR_CET BIT_ULL(6)
#define SGX_ATTR_KSS BIT_ULL(7)
#define SGX_ATTR_AEXNOTIFY BIT_ULL(10)

/* XFRM: x87 and SSE must always be set. */
#define SGX_XFRM_LEGACY 0x3ULL

/* MISCSELECT */
#define SGX_MISC_EXINFO BIT(0)
#define SGX_MISC_CPINFO BIT(1)

/* SECINFO.FLAGS */
#define SGX_SECINFO_R BIT_ULL(0)
#define SGX_SECINFO_W BIT_ULL(1)
#define SGX_SECINFO_X BIT_ULL(2)
#define SGX_SECINFO_PENDING BIT_ULL(3)
#define SGX_SECINFO_MODIFIED BIT_ULL(4)
#define SGX_SECINFO_PR BIT_ULL(5)
#define SGX_SECINFO_PERM_MASK GENMASK_ULL(2, 0)
#define SGX_SECINFO_STATE_MASK GENMASK_ULL(5, 3)
#define SGX_SECINFO_PT_SHIFT 8
#define SGX_SECINFO_PT_MASK GENMASK_ULL(15, 8)
/* Bits 7:6 and 63:16 are reserved and must be zero. */
#define SGX_SECINFO_RESERVED_MASK (GENMASK_ULL(7, 6) | GENMASK_ULL(63, 16))

enum sgx_page_type {
	SGX_PT_SECS = 0,
	SGX_PT_TCS = 1,
	SGX_PT_REG = 2,
	SGX_PT_VA = 3,
	SGX_PT_TRIM = 4,
	SGX_PT_SS_FIRST = 5,
	SGX_PT_SS_REST = 6,
};

/* TCS.FLAGS */
#define SGX_TCS_DBGOPTIN BIT_ULL(0)
#define SGX_TCS_AEXNOTIFY BIT_ULL(1)

struct sgx_attributes {
	u64 flags;
	u64 xfrm;
};
STATIC_ASSERT_SIZE(struct sgx_attributes, 16);

/* SGX Enclave Control Structure: 4 KiB, lives in the EPC. */
struct sgx_secs {
	u64 size;
	u64 baseaddr;
	u32 ssaframesize;
	u32 miscselect;
	u64 cet_leg_bitmap_offset;
	u8 cet_attributes;
	u8 reserved1[15];
	struct sgx_attributes attributes;
	u8 mrenclave[SGX_HASH_SIZE];
	u8 reserved2[32];
	u8 mrsigner[SGX_HASH_SIZE];
	u8 reserved3[32];
	u8 configid[SGX_CONFIGID_SIZE];
	u16 isvprodid;
	u16 isvsvn;
	u16 configsvn;
	u8 reserved4[3834];
};
STATIC_ASSERT_SIZE(struct sgx_secs, 4096);
STATIC_ASSERT_OFFSET(struct sgx_secs, baseaddr, 8);
STATIC_ASSERT_OFFSET(struct sgx_secs, ssaframesize, 16);
STATIC_ASSERT_OFFSET(struct sgx_secs, miscselect, 20);
STATIC_ASSERT_OFFSET(struct sgx_secs, cet_leg_bitmap_offset, 24);
STATIC_ASSERT_OFFSET(struct sgx_secs, cet_attributes, 32);
STATIC_ASSERT_OFFSET(struct sgx_secs, attributes, 48);
STATIC_ASSERT_OFFSET(struct sgx_secs, mrenclave, 64);
STATIC_ASSERT_OFFSET(struct sgx_secs, mrsigner, 128);
STATIC_ASSERT_OFFSET(struct sgx_secs, configid, 192);
STATIC_ASSERT_OFFSET(struct sgx_secs, isvprodid, 256);
STATIC_ASSERT_OFFSET(struct sgx_secs, isvsvn, 258);
STATIC_ASSERT_OFFSET(struct sgx_secs, configsvn, 260);
STATIC_ASSERT_OFFSET(struct sgx_secs, reserved4, 262);

/* Thread Control Structure: 4 KiB, PT_TCS. */
struct sgx_tcs {
	u64 state;
	u64 flags;
	u64 ossa;
	u32 cssa;
	u32 nssa;
	u64 oentry;
	u64 aep;
	u64 ofsbase;
	u64 ogsbase;
	u32 fslimit;
	u32 gslimit;
	u8 reserved[4024];
};
STATIC_ASSERT_SIZE(struct sgx_tcs, 4096);
STATIC_ASSERT_OFFSET(struct sgx_tcs, flags, 8);
STATIC_ASSERT_OFFSET(struct sgx_tcs, ossa, 16);
STATIC_ASSERT_OFFSET(struct sgx_tcs, cssa, 24);
STATIC_ASSERT_OFFSET(struct sgx_tcs, nssa, 28);
STATIC_ASSERT_OFFSET(struct sgx_tcs, oentry, 32);
STATIC_ASSERT_OFFSET(struct sgx_tcs, aep, 40);
STATIC_ASSERT_OFFSET(struct sgx_tcs, ofsbase, 48);
STATIC_ASSERT_OFFSET(struct sgx_tcs, ogsbase, 56);
STATIC_ASSERT_OFFSET(struct sgx_tcs, fslimit, 64);
STATIC_ASSERT_OFFSET(struct sgx_tcs, gslimit, 68);
STATIC_ASSERT_OFFSET(struct sgx_tcs, reserved, 72);

/* EXITINFO in GPRSGX: VECTOR[7:0], EXIT_TYPE[10:8], VALID[31]. */
#define SGX_EXITINFO_VECTOR_MASK GENMASK_ULL(7, 0)
#define SGX_EXITINFO_TYPE_SHIFT 8
#define SGX_EXITINFO_TYPE_HW 3
#define SGX_EXITINFO_TYPE_SW 6
#define SGX_EXITINFO_VALID BIT(31)

/* GPRSGX.AEXNOTIFY (byte 167): bit 0 asks for an AEX notification at the
 * ERESUME that returns to this frame; bits 7:1 are reserved. */
#define SGX_SSA_AEXNOTIFY BIT(0)

/* The general-purpose register part of an SSA frame: its last 184 bytes. */
struct sgx_gprsgx {
	u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rflags;
	u64 rip;
	u64 ursp;
	u64 urbp;
	u32 exitinfo;
	u8 reserved[3];
	u8 aexnotify;
	u64 fsbase;
	u64 gsbase;
};
STATIC_ASSERT_SIZE(struct sgx_gprsgx, 184);
STATIC_ASSERT_OFFSET(struct sgx_gprsgx, r8, 64);
STATIC_ASSERT_OFFSET(struct sgx_gprsgx, rflags, 128);
STATIC_ASSERT_OFFSET(struct sgx_gprsgx, rip, 136);
STATIC_ASSERT_OFFSET(struct sgx_gprsgx, ursp, 144);
STATIC_ASSERT_OFFSET(struct sgx_gprsgx, urbp, 152);
STATIC_ASSERT_OFFSET(struct sgx_gprsgx, exitinfo, 160);
STATIC_ASSERT_OFFSET(struct sgx_gprsgx, aexnotify, 167);
STATIC_ASSERT_OFFSET(struct sgx_gprsgx, fsbase, 168);
STATIC_ASSERT_OFFSET(struct sgx_gprsgx, gsbase, 176);

/* MISC region entry for MISCSELECT.EXINFO, directly below GPRSGX. */
struct sgx_exinfo {
	u64 maddr;
	u32 errcd;
	u32 reserved;
};
STATIC_ASSERT_SIZE(struct sgx_exinfo, 16);

struct sgx_secinfo {
	u64 flags;
	u8 reserved[56];
} __aligned(64);
STATIC_ASSERT_SIZE(struct sgx_secinfo, 64);

struct sgx_pageinfo {
	u64 linaddr;
	u64 srcpge;
	u64 secinfo; /* or PCMD, for EWB/ELDB/ELDU */
	u64 secs;
} __aligned(32);
STATIC_ASSERT_SIZE(struct sgx_pageinfo, 32);

/* Paging Crypto MetaData, written by EWB and checked by ELDB/ELDU. */
struct sgx_pcmd {
	struct sgx_secinfo secinfo;
	u64 enclaveid;
	u8 reserved[40];
	u8 mac[SGX_MAC_SIZE];
} __aligned(128);
STATIC_ASSERT_SIZE(struct sgx_pcmd, 128);
STATIC_ASSERT_OFFSET(struct sgx_pcmd, enclaveid, 64);
STATIC_ASSERT_OFFSET(struct sgx_pcmd, mac, 112);

/* ERDINFO's output (oversubscription extensions): a page's EPCM state and
 * its enclave's SECS.ENCLAVECONTEXT.  32-byte aligned. */
struct sgx_rdinfo {
	u64 status;          /* SGX_RDINFO_CHILDPRESENT, SGX_RDINFO_VIRTCHILDPRESENT */
	u64 flags;           /* SECINFO.FLAGS bits (RWX, PENDING, MODIFIED, PR, PT) and BLOCKED */
	u64 enclavecontext;
	u64 reserved;
} __aligned(32);
STATIC_ASSERT_SIZE(struct sgx_rdinfo, 32);

#define SGX_RDINFO_CHILDPRESENT BIT_ULL(0)
#define SGX_RDINFO_VIRTCHILDPRESENT BIT_ULL(1)
#define SGX_RDINFO_BLOCKED BIT_ULL(63)

/* Version Array page: 512 eight-byte version slots. */
struct sgx_va_page {
	u64 slot[SGX_VA_SLOT_COUNT];
};
STATIC_ASSERT_SIZE(struct sgx_va_page, 4096);

/* SIGSTRUCT header constants (SDM "SIGSTRUCT Layout"). */
#define SGX_SIGSTRUCT_HEADER \
	{ 0x06, 0x00, 0x00, 0x00, 0xE1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00 }
#define SGX_SIGSTRUCT_HEADER2 \
	{ 0x01, 0x01, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 }
#define SGX_SIGSTRUCT_VENDOR_ISV 0x00000000
#define SGX_SIGSTRUCT_VENDOR_INTEL 0x00008086
#define SGX_SIGSTRUCT_EXPONENT 3

struct sgx_sigstruct {
	u8 header[16];
	u32 vendor;
	u32 date;
	u8 header2[16];
	u32 swdefined;
	u8 reserved1[84];
	u8 modulus[SGX_MODULUS_SIZE];
	u32 exponent;
	u8 signature[SGX_MODULUS_SIZE];
	u32 miscselect;
	u32 miscmask;
	u8 cet_attributes;
	u8 cet_attributes_mask;
	u8 reserved2[2];
	u8 isvfamilyid[SGX_ISVEXT_SIZE];
	struct sgx_attributes attributes;
	struct sgx_attributes attributemask;
	u8 enclavehash[SGX_HASH_SIZE];
	u8 reserved3[16];
	u8 isvextprodid[SGX_ISVEXT_SIZE];
	u16 isvprodid;
	u16 isvsvn;
	u8 reserved4[12];
	u8 q1[SGX_MODULUS_SIZE];
	u8 q2[SGX_MODULUS_SIZE];
};
STATIC_ASSERT_SIZE(struct sgx_sigstruct, 1808);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, vendor, 16);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, date, 20);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, header2, 24);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, swdefined, 40);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, reserved1, 44);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, modulus, 128);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, exponent, 512);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, signature, 516);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, miscselect, 900);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, miscmask, 904);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, cet_attributes, 908);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, isvfamilyid, 912);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, attributes, 928);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, attributemask, 944);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, enclavehash, 960);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, reserved3, 992);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, isvextprodid, 1008);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, isvprodid, 1024);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, isvsvn, 1026);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, reserved4, 1028);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, q1, 1040);
STATIC_ASSERT_OFFSET(struct sgx_sigstruct, q2, 1424);

/* The two signed ranges: [0, 128) and [900, 1028). */
#define SGX_SIGSTRUCT_SIGNED1_OFF 0
#define SGX_SIGSTRUCT_SIGNED1_LEN 128
#define SGX_SIGSTRUCT_SIGNED2_OFF 900
#define SGX_SIGSTRUCT_SIGNED2_LEN 128

struct sgx_einittoken {
	u32 valid;
	u8 reserved1[44];
	struct sgx_attributes attributes;
	u8 mrenclave[SGX_HASH_SIZE];
	u8 reserved2[32];
	u8 mrsigner[SGX_HASH_SIZE];
	u8 reserved3[32];
	u8 cpusvnle[SGX_CPUSVN_SIZE];
	u16 isvprodidle;
	u16 isvsvnle;
	u8 reserved4[24];
	u32 maskedmiscselectle;
	struct sgx_attributes maskedattributesle;
	u8 keyid[SGX_KEYID_SIZE];
	u8 mac[SGX_MAC_SIZE];
};
STATIC_ASSERT_SIZE(struct sgx_einittoken, 304);
STATIC_ASSERT_OFFSET(struct sgx_einittoken, attributes, 48);
STATIC_ASSERT_OFFSET(struct sgx_einittoken, mrenclave, 64);
STATIC_ASSERT_OFFSET(struct sgx_einittoken, mrsigner, 128);
STATIC_ASSERT_OFFSET(struct sgx_einittoken, cpusvnle, 192);
STATIC_ASSERT_OFFSET(struct sgx_einittoken, isvprodidle, 208);
STATIC_ASSERT_OFFSET(struct sgx_einittoken, isvsvnle, 210);
STATIC_ASSERT_OFFSET(struct sgx_einittoken, maskedmiscselectle, 236);
STATIC_ASSERT_OFFSET(struct sgx_einittoken, maskedattributesle, 240);
STATIC_ASSERT_OFFSET(struct sgx_einittoken, keyid, 256);
STATIC_ASSERT_OFFSET(struct sgx_einittoken, mac, 288);
/* The MAC covers the first 192 bytes. */
#define SGX_EINITTOKEN_MACED_LEN 192

struct sgx_report {
	u8 cpusvn[SGX_CPUSVN_SIZE];
	u32 miscselect;
	u8 cet_attributes;
	u8 reserved1[11];
	u8 isvextprodid[SGX_ISVEXT_SIZE];
	struct sgx_attributes attributes;
	u8 mrenclave[SGX_HASH_SIZE];
	u8 reserved2[32];
	u8 mrsigner[SGX_HASH_SIZE];
	u8 reserved3[32];
	u8 configid[SGX_CONFIGID_SIZE];
	u16 isvprodid;
	u16 isvsvn;
	u16 configsvn;
	u8 reserved4[42];
	u8 isvfamilyid[SGX_ISVEXT_SIZE];
	u8 reportdata[SGX_REPORTDATA_SIZE];
	u8 keyid[SGX_KEYID_SIZE];
	u8 mac[SGX_MAC_SIZE];
};
STATIC_ASSERT_SIZE(struct sgx_report, 432);
STATIC_ASSERT_OFFSET(struct sgx_report, miscselect, 16);
STATIC_ASSERT_OFFSET(struct sgx_report, isvextprodid, 32);
STATIC_ASSERT_OFFSET(struct sgx_report, attributes, 48);
STATIC_ASSERT_OFFSET(struct sgx_report, mrenclave, 64);
STATIC_ASSERT_OFFSET(struct sgx_report, mrsigner, 128);
STATIC_ASSERT_OFFSET(struct sgx_report, configid, 192);
STATIC_ASSERT_OFFSET(struct sgx_report, isvprodid, 256);
STATIC_ASSERT_OFFSET(struct sgx_report, configsvn, 260);
STATIC_ASSERT_OFFSET(struct sgx_report, isvfamilyid, 304);
STATIC_ASSERT_OFFSET(struct sgx_report, reportdata, 320);
STATIC_ASSERT_OFFSET(struct sgx_report, keyid, 384);
STATIC_ASSERT_OFFSET(struct sgx_report, mac, 416);
/* The MAC covers the report body, bytes [0, 384). */
#define SGX_REPORT_BODY_LEN 384

struct sgx_targetinfo {
	u8 measurement[SGX_HASH_SIZE];
	struct sgx_attributes attributes;
	u8 cet_attributes;
	u8 reserved1;
	u16 configsvn;
	u32 miscselect;
	u8 reserved2[8];
	u8 configid[SGX_CONFIGID_SIZE];
	u8 reserved3[384];
};
STATIC_ASSERT_SIZE(struct sgx_targetinfo, 512);
STATIC_ASSERT_OFFSET(struct sgx_targetinfo, attributes, 32);
STATIC_ASSERT_OFFSET(struct sgx_targetinfo, configsvn, 50);
STATIC_ASSERT_OFFSET(struct sgx_targetinfo, miscselect, 52);
STATIC_ASSERT_OFFSET(struct sgx_targetinfo, configid, 64);
STATIC_ASSERT_OFFSET(struct sgx_targetinfo, reserved3, 128);

enum sgx_keyname {
	SGX_KEYNAME_EINITTOKEN = 0,
	SGX_KEYNAME_PROVISION = 1,
	SGX_KEYNAME_PROVISION_SEAL = 2,
	SGX_KEYNAME_REPORT = 3,
	SGX_KEYNAME_SEAL = 4,
};

/* KEYREQUEST.KEYPOLICY */
#define SGX_KEYPOLICY_MRENCLAVE BIT(0)
#define SGX_KEYPOLICY_MRSIGNER BIT(1)
#define SGX_KEYPOLICY_NOISVPRODID BIT(2)
#define SGX_KEYPOLICY_CONFIGID BIT(3)
#define SGX_KEYPOLICY_ISVFAMILYID BIT(4)
#define SGX_KEYPOLICY_ISVEXTPRODID BIT(5)
#define SGX_KEYPOLICY_KSS_MASK 0x003CU
#define SGX_KEYPOLICY_RESERVED_MASK 0xFFC0U

struct sgx_keyrequest {
	u16 keyname;
	u16 keypolicy;
	u16 isvsvn;
	u16 reserved1;
	u8 cpusvn[SGX_CPUSVN_SIZE];
	struct sgx_attributes attributemask;
	u8 keyid[SGX_KEYID_SIZE];
	u32 miscmask;
	u16 configsvn;
	u8 reserved2[434];
};
STATIC_ASSERT_SIZE(struct sgx_keyrequest, 512);
STATIC_ASSERT_OFFSET(struct sgx_keyrequest, isvsvn, 4);
STATIC_ASSERT_OFFSET(struct sgx_keyrequest, cpusvn, 8);
STATIC_ASSERT_OFFSET(struct sgx_keyrequest, attributemask, 24);
STATIC_ASSERT_OFFSET(struct sgx_keyrequest, keyid, 40);
STATIC_ASSERT_OFFSET(struct sgx_keyrequest, miscmask, 72);
STATIC_ASSERT_OFFSET(struct sgx_keyrequest, configsvn, 76);
STATIC_ASSERT_OFFSET(struct sgx_keyrequest, reserved2, 78);

/* MRENCLAVE update records (SDM ECREATE/EADD/EEXTEND), 64 bytes each. */
#define SGX_MEASURE_ECREATE 0x0045544145524345ULL /* "ECREATE\0" */
#define SGX_MEASURE_EADD 0x0000000044444145ULL    /* "EADD\0\0\0\0" */
#define SGX_MEASURE_EEXTEND 0x00444E4554584545ULL /* "EEXTEND\0" */
#define SGX_EEXTEND_CHUNK 256

struct sgx_measure_ecreate {
	u64 tag;
	u32 ssaframesize;
	u64 size;
	u8 reserved[44];
} __packed;
STATIC_ASSERT_SIZE(struct sgx_measure_ecreate, 64);

struct sgx_measure_eadd {
	u64 tag;
	u64 offset;
	u64 secinfo_flags;
	u8 secinfo_reserved[40];
};
STATIC_ASSERT_SIZE(struct sgx_measure_eadd, 64);

struct sgx_measure_eextend {
	u64 tag;
	u64 offset;
	u8 reserved[48];
};
STATIC_ASSERT_SIZE(struct sgx_measure_eextend, 64);

/* Size of GPRSGX and of the EXINFO MISC component at the end of an SSA frame. */
#define SGX_SSA_GPRS_SIZE 184
#define SGX_SSA_MISC_EXINFO_SIZE 16

#endif
