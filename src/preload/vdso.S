/* SPDX-License-Identifier: MIT */
/*
 * The vDSO image sgxemu's shim shows to programs through AT_SYSINFO_EHDR:
 * an ELF linked at 0, like the kernel's, exporting __vdso_sgx_enter_enclave.
 * The function jumps to the emulator's implementation; the shim patches the
 * target slot (found by its marker) when it maps the image.
 */
	.text
	.globl __vdso_sgx_enter_enclave
	.type __vdso_sgx_enter_enclave, @function
__vdso_sgx_enter_enclave:
	jmp *vdso_target(%rip)
	.size __vdso_sgx_enter_enclave, .-__vdso_sgx_enter_enclave

	.balign 8
vdso_target:
	.quad 0x3053445645584753 /* "SGXEVDS0" until patched */

	.section .note.GNU-stack, "", @progbits
