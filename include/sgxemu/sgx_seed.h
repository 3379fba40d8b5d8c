/* SPDX-License-Identifier: MIT */
/*
 * The /dev/sgx interface of the December 2018 design (LKML, Sean
 * Christopherson): one device that creates any number of enclave files and
 * virtual-EPC files.  Enclave files take the upstream SGX_IOC_ENCLAVE_*
 * ioctls of <asm/sgx.h>.
 */
#ifndef SGXEMU_SGX_SEED_H
#define SGXEMU_SGX_SEED_H

#include <linux/ioctl.h>

#define SGX_SEED_MAGIC 0xA4

/* Return a new enclave file descriptor. */
#define SGX_IOC_CREATE_ENCLAVE _IO(SGX_SEED_MAGIC, 0x40)
/* Return a new virtual-EPC file descriptor (as /dev/sgx_vepc). */
#define SGX_IOC_CREATE_VIRTUAL_EPC _IO(SGX_SEED_MAGIC, 0x41)

#endif
