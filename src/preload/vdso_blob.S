/* SPDX-License-Identifier: MIT */
/* The vDSO image, built from vdso.S, carried inside the shim. */
	.section .rodata
	.balign 4096
	.globl preload_vdso_image
	.hidden preload_vdso_image
preload_vdso_image:
	.incbin VDSO_IMAGE
	.globl preload_vdso_image_end
	.hidden preload_vdso_image_end
preload_vdso_image_end:

	.section .note.GNU-stack, "", @progbits
