// SPDX-License-Identifier: MIT
/*
 * The /dev/sgx_enclave ioctls of Linux 6.1 (arch/x86/include/uapi/asm/sgx.h),
 * with its checks and errno values.  Arguments are user pointers.
 */
#include <asm/sgx.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/sgx_status.h"
#include "base/overflow.h"
#include "drv/encl.h"
#include "drv/uaccess.h"

/* Linux's sgx_validate_offset_length(). */
static int check_range(const struct encl *encl, u64 offset, u64 length)
{
	u64 end;

	if (!is_aligned(offset, SGX_PAGE_SIZE) || !length || !is_aligned(length, SGX_PAGE_SIZE) ||
	    check_add_overflow_u64(offset, length, &end) || end - SGX_PAGE_SIZE >= encl->size)
		return -EINVAL;
	return 0;
}

static int ioc_create(struct encl *encl, u64 arg)
{
	struct sgx_enclave_create c;
	struct sgx_secs *secs;
	int err;

	if (uaccess_copy_from(&c, arg, sizeof(c)))
		return -EFAULT;
	if (encl->created)
		return -EINVAL;
	secs = aligned_alloc(SGX_PAGE_SIZE, sizeof(*secs));
	if (!secs)
		return -ENOMEM;
	err = uaccess_copy_from(secs, c.src, sizeof(*secs));
	if (!err)
		err = encl_create(encl, secs);
	free(secs);
	return err;
}

static int ioc_add_pages(struct encl *encl, u64 arg)
{
	struct sgx_enclave_add_pages a;
	struct sgx_secinfo si __aligned(64);
	u8 *page = NULL;
	u64 done = 0, n;
	int err;

	if (uaccess_copy_from(&a, arg, sizeof(a)))
		return -EFAULT;
	if (!encl->created || encl->initialized)
		return -EINVAL;
	if (!is_aligned(a.src, SGX_PAGE_SIZE))
		return -EINVAL;
	if (check_range(encl, a.offset, a.length))
		return -EINVAL;
	if (uaccess_copy_from(&si, a.secinfo, sizeof(si)))
		return -EFAULT;
	if (a.flags & ~(u64)SGX_PAGE_MEASURE)
		return -EINVAL;
	page = aligned_alloc(SGX_PAGE_SIZE, SGX_PAGE_SIZE);
	if (!page)
		return -ENOMEM;
	/* Page by page, as Linux does, so *count reports partial progress. */
	for (err = 0; done < a.length; done += SGX_PAGE_SIZE) {
		err = uaccess_copy_from(page, a.src + done, SGX_PAGE_SIZE);
		if (err)
			break;
		err = encl_add_pages(encl, page, a.offset + done, SGX_PAGE_SIZE, &si,
				     a.flags & SGX_PAGE_MEASURE, &n);
		if (err)
			break;
	}
	free(page);
	a.count = done;
	if (uaccess_copy_to(arg, &a, sizeof(a)))
		return -EFAULT;
	return err;
}

static int ioc_init(struct encl *encl, u64 arg)
{
	struct sgx_enclave_init in;
	struct sgx_sigstruct sig;
	const struct platform *plat = drv_platform(encl->drv);
	u32 r[4];
	u64 attr_reserved, xfrm_reserved, misc_reserved;
	int status;

	if (uaccess_copy_from(&in, arg, sizeof(in)))
		return -EFAULT;
	if (!encl->created || encl->initialized)
		return -EINVAL;
	if (uaccess_copy_from(&sig, in.sigstruct, sizeof(sig)))
		return -EFAULT;
	if (sig.vendor != SGX_SIGSTRUCT_VENDOR_ISV && sig.vendor != SGX_SIGSTRUCT_VENDOR_INTEL)
		return -EINVAL;
	/* Privileged attributes need permission (SGX_IOC_ENCLAVE_PROVISION). */
	if (encl->attributes & ~encl->attributes_mask)
		return -EACCES;
	/* Bits the platform does not know may not be both set and checked. */
	platform_cpuid(plat, 0x12, 0, r);
	misc_reserved = ~(u64)r[1] | GENMASK_ULL(63, 32);
	platform_cpuid(plat, 0x12, 1, r);
	/* Linux 6.2's SGX_ATTR_RESERVED_MASK (bit 10, AEXNOTIFY, is not) and
	 * whatever CPUID does not report. */
	attr_reserved = ~((u64)r[1] << 32 | r[0]) | BIT_ULL(3) | BIT_ULL(6) | BIT_ULL(8) |
			BIT_ULL(9) | GENMASK_ULL(63, 11);
	xfrm_reserved = ~((u64)r[3] << 32 | r[2]);
	if ((sig.attributes.flags & sig.attributemask.flags & attr_reserved) ||
	    ((u64)sig.miscselect & sig.miscmask & misc_reserved) ||
	    (sig.attributes.xfrm & sig.attributemask.xfrm & xfrm_reserved))
		return -EINVAL;
	return encl_init(encl, &sig, &status);
}

static int sgx2_ready(const struct encl *encl)
{
	if (!platform_config(drv_platform(encl->drv))->sgx2)
		return -ENODEV;
	if (!encl->initialized)
		return -EINVAL;
	return 0;
}

/*
 * The loop all three SGX2 ioctls share: one page at a time, *@count the
 * bytes done when it stops.  @op is edmm_restrict(), edmm_modify_type() or
 * edmm_remove(), adapted.
 */
static int sgx2_for_each(struct encl *encl, u64 offset, u64 length, __u64 *count,
			 int (*op)(struct encl *encl, u64 i, u64 arg, u64 *result), u64 arg,
			 __u64 *result)
{
	u64 done, status = 0;
	int err = 0;

	for (done = 0; done < length; done += SGX_PAGE_SIZE) {
		err = op(encl, (offset + done) / SGX_PAGE_SIZE, arg, &status);
		if (err)
			break;
	}
	*count = done;
	if (status)
		*result = status;
	return err;
}

static int op_restrict(struct encl *encl, u64 i, u64 perms, u64 *result)
{
	return edmm_restrict(encl, i, perms, result);
}

static int op_modify_type(struct encl *encl, u64 i, u64 type, u64 *result)
{
	return edmm_modify_type(encl, i, (u8)type, result);
}

static int op_remove(struct encl *encl, u64 i, u64 unused, u64 *result)
{
	(void)unused;
	(void)result;
	return edmm_remove(encl, i);
}

static int ioc_restrict_permissions(struct encl *encl, u64 arg)
{
	struct sgx_enclave_restrict_permissions rp;
	int err;

	/* Linux checks SGX2 before it reads the argument: a probe with a
	 * zeroed (or no) argument tells SGX1 (ENODEV) from SGX2 (EINVAL). */
	err = sgx2_ready(encl);
	if (err)
		return err;
	if (uaccess_copy_from(&rp, arg, sizeof(rp)))
		return -EFAULT;
	if (check_range(encl, rp.offset, rp.length))
		return -EINVAL;
	/* W without R would make EMODPR #GP. */
	if ((rp.permissions & ~SGX_SECINFO_PERM_MASK) ||
	    ((rp.permissions & SGX_SECINFO_W) && !(rp.permissions & SGX_SECINFO_R)))
		return -EINVAL;
	if (rp.result || rp.count)
		return -EINVAL;
	err = sgx2_for_each(encl, rp.offset, rp.length, &rp.count, op_restrict, rp.permissions,
			    &rp.result);
	if (uaccess_copy_to(arg, &rp, sizeof(rp)))
		return -EFAULT;
	return err;
}

static int ioc_modify_types(struct encl *encl, u64 arg)
{
	struct sgx_enclave_modify_types mt;
	int err;

	err = sgx2_ready(encl);
	if (err)
		return err;
	if (uaccess_copy_from(&mt, arg, sizeof(mt)))
		return -EFAULT;
	if (check_range(encl, mt.offset, mt.length))
		return -EINVAL;
	if (mt.page_type & ~(u64)0xFF)
		return -EINVAL;
	if (mt.result || mt.count)
		return -EINVAL;
	/* The only types a page can be changed to. */
	if (mt.page_type != SGX_PT_TCS && mt.page_type != SGX_PT_TRIM)
		return -EINVAL;
	err = sgx2_for_each(encl, mt.offset, mt.length, &mt.count, op_modify_type, mt.page_type,
			    &mt.result);
	if (uaccess_copy_to(arg, &mt, sizeof(mt)))
		return -EFAULT;
	return err;
}

static int ioc_remove_pages(struct encl *encl, u64 arg)
{
	struct sgx_enclave_remove_pages rm;
	__u64 unused = 0;
	int err;

	err = sgx2_ready(encl);
	if (err)
		return err;
	if (uaccess_copy_from(&rm, arg, sizeof(rm)))
		return -EFAULT;
	if (check_range(encl, rm.offset, rm.length))
		return -EINVAL;
	if (rm.count)
		return -EINVAL;
	err = sgx2_for_each(encl, rm.offset, rm.length, &rm.count, op_remove, 0, &unused);
	if (uaccess_copy_to(arg, &rm, sizeof(rm)))
		return -EFAULT;
	return err;
}

/**
 * encl_ioctl() - an ioctl on an enclave file (/dev/sgx_enclave, or a seed
 * enclave fd).
 * @encl: the enclave
 * @cmd: SGX_IOC_ENCLAVE_*
 * @arg: the user pointer
 *
 * SGX_IOC_ENCLAVE_PROVISION is the front end's: only it knows what a file
 * descriptor is (see encl_allow_provision()).
 *
 * Return: 0 or Linux 6.1's -errno: -EFAULT for bad pointers, -EINVAL for bad
 * arguments or state, -EACCES, -EPERM (EINIT refused), -EIO (a leaf
 * faulted), -EBUSY (another ioctl in flight), -ENODEV (no SGX2), -ENOTTY.
 */
int encl_ioctl(struct encl *encl, unsigned int cmd, u64 arg)
{
	int ret;

	if (encl->proc->forked)
		return encl_forked_error(encl);
	/* Linux serialises ioctls on one enclave with a flag, not a lock. */
	if (atomic_exchange(&encl->in_ioctl, true))
		return -EBUSY;
	switch (cmd) {
	case SGX_IOC_ENCLAVE_CREATE:
		ret = ioc_create(encl, arg);
		break;
	case SGX_IOC_ENCLAVE_ADD_PAGES:
		ret = ioc_add_pages(encl, arg);
		break;
	case SGX_IOC_ENCLAVE_INIT:
		ret = ioc_init(encl, arg);
		break;
	case SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS:
		ret = ioc_restrict_permissions(encl, arg);
		break;
	case SGX_IOC_ENCLAVE_MODIFY_TYPES:
		ret = ioc_modify_types(encl, arg);
		break;
	case SGX_IOC_ENCLAVE_REMOVE_PAGES:
		ret = ioc_remove_pages(encl, arg);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	atomic_store(&encl->in_ioctl, false);
	return ret;
}

void encl_allow_provision(struct encl *encl)
{
	encl->attributes_mask |= SGX_ATTR_PROVISIONKEY;
}
