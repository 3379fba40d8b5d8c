// SPDX-License-Identifier: MIT
/*
 * SGX2 (EDMM) through libsgxemu's device files, as Linux 6.1's selftests
 * use it: pages EAUGed on first touch, the enclave's EACCEPT, EMODPE and
 * EACCEPTCOPY, and the RESTRICT_PERMISSIONS, MODIFY_TYPES and REMOVE_PAGES
 * ioctls with the errno Linux gives for bad input.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "arch/sgx_status.h"
#include "dev_fixture.h"

#define EENTER 2
#define ERESUME 3
#define EEXIT 4

#define R SGX_SECINFO_R
#define W SGX_SECINFO_W
#define X SGX_SECINFO_X
#define PENDING SGX_SECINFO_PENDING
#define MODIFIED SGX_SECINFO_MODIFIED
#define PR SGX_SECINFO_PR
#define PT(t) ((u64)(t) << SGX_SECINFO_PT_SHIFT)

/* Error codes of the #PFs an enclave takes: U|P|SGX, plus W for a write
 * (the selftests check these exact values). */
#define PF_EPCM_READ 0x8005
#define PF_EPCM_WRITE 0x8007
/* An EPCM fault of EENTER or ERESUME on its TCS: the SDM gives no access
 * type for it, so only P and SGX are checked. */
#define PF_EPCM_BITS 0x8001

static void enter(u64 tcs, unsigned int function, struct encl_op *op, struct sgx_enclave_run *run)
{
	memset(run, 0, sizeof(*run));
	run->tcs = tcs;
	ASSERT_EQ(sgxemu_enter_enclave((unsigned long)op, 0, 0, function, 0, 0, run), 0);
}

/* An operation through TCS @k that must come back by EEXIT; its r0. */
static u64 ecall(struct dev *d, unsigned int k, u64 type, u64 a, u64 b, u64 flags, u64 src)
{
	struct encl_op op = { .type = type, .a = a, .b = b };
	struct encl_sgx2_in in = { .flags = flags, .src = src };
	struct sgx_enclave_run run;

	memcpy(op.in, &in, sizeof(in));
	enter(d->tcs[k], EENTER, &op, &run);
	if (run.function != EEXIT)
		harness_fail(__FILE__, __LINE__, "op %llu at %#llx: exception %u (%#x) at %#llx",
			     (unsigned long long)type, (unsigned long long)a, run.exception_vector,
			     run.exception_error_code, (unsigned long long)run.exception_addr);
	return op.r0;
}

/* An operation through TCS @k that must end in an exception (an AEX,
 * which the vDSO reports as ERESUME), in @run; the TCS is left in its AEX. */
static void efault(struct dev *d, unsigned int k, struct encl_op *op, struct sgx_enclave_run *run)
{
	enter(d->tcs[k], EENTER, op, run);
	ASSERT_EQ(run->function, ERESUME);
}

/* Checks the fault and repairs its cause, through other TCSs. */
typedef void (*fix_fn)(struct dev *d, struct encl_op *op, const struct sgx_enclave_run *fault);

/*
 * @op through TCS @k must fault; @fix repairs the cause, and the call is
 * resumed to its EEXIT.  The EENTER and the ERESUME are the same call
 * instruction in the same frame: the test enclave's EEXIT restores the RSP
 * and RBP of the EENTER that began the call (as Linux's selftest enclave
 * does), and the vDSO finds its struct sgx_enclave_run through RBP, so the
 * ERESUME must come from the same stack depth, which two call sites do not
 * promise (at -O1 GCC defers stack pops across calls).
 */
static void fault_fix_resume(struct dev *d, unsigned int k, struct encl_op *op, fix_fn fix)
{
	struct sgx_enclave_run run;
	unsigned int function;

	for (function = EENTER;; function = ERESUME) {
		memset(&run, 0, sizeof(run));
		run.tcs = d->tcs[k];
		ASSERT_EQ(sgxemu_enter_enclave((unsigned long)op, 0, 0, function, 0, 0, &run), 0);
		if (function == ERESUME)
			break;
		ASSERT_EQ(run.function, ERESUME);
		fix(d, op, &run);
	}
	ASSERT_EQ(run.function, EEXIT);
}

/* Build and initialize, map the image as the selftests do, and learn where
 * the scratch pages are. */
static void setup_with(struct dev *d, const struct sgxemu_platform_options *o,
		       const char *variant)
{
	dev_open_variant(d, o, variant);
	dev_build(d);
	dev_map_image(d);
	/* There is room for the tests' dynamic pages past the image. */
	ASSERT_LE(d->end + 4 * 4096, d->s.size);
	d->scratch = ecall(d, 0, ENCL_OP_SCRATCH, 0, 0, 0, 0);
}

static void setup(struct dev *d)
{
	setup_with(d, NULL, "a");
}

static int restrict_perms(struct dev *d, struct sgx_enclave_restrict_permissions *rp, u64 off,
			  u64 len, u64 perms)
{
	memset(rp, 0, sizeof(*rp));
	rp->offset = off;
	rp->length = len;
	rp->permissions = perms;
	return sgxemu_ioctl(d->fd, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, (unsigned long)rp);
}

static int modify_types(struct dev *d, struct sgx_enclave_modify_types *mt, u64 off, u64 len,
			u64 type)
{
	memset(mt, 0, sizeof(*mt));
	mt->offset = off;
	mt->length = len;
	mt->page_type = type;
	return sgxemu_ioctl(d->fd, SGX_IOC_ENCLAVE_MODIFY_TYPES, (unsigned long)mt);
}

static int remove_pages(struct dev *d, struct sgx_enclave_remove_pages *rm, u64 off, u64 len)
{
	memset(rm, 0, sizeof(*rm));
	rm->offset = off;
	rm->length = len;
	return sgxemu_ioctl(d->fd, SGX_IOC_ENCLAVE_REMOVE_PAGES, (unsigned long)rm);
}

/* Selftest augment_via_eaccept: EACCEPT of a mapped page that has no EPC
 * page yet faults, the driver EAUGs, the EACCEPT is retried and succeeds.
 * The page is zeroed, usable, and accepting it again is a mismatch (it is
 * no longer PENDING). */
TEST(edmm, augment_accept_use)
{
	static struct dev d;
	u64 hole;

	setup(&d);
	hole = d.end;
	dev_map(&d, hole, 4096, PROT_READ | PROT_WRITE);
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPT, hole, 0, R | W | PT(SGX_PT_REG) | PENDING, 0), 0);
	ASSERT_EQ(ecall(&d, 1, ENCL_OP_READ, hole, 0, 0, 0), 0);
	ecall(&d, 1, ENCL_OP_WRITE, hole, 0x1122334455667788ULL, 0, 0);
	ASSERT_EQ(ecall(&d, 2, ENCL_OP_READ, hole, 0, 0, 0), 0x1122334455667788ULL);
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPT, hole, 0, R | W | PT(SGX_PT_REG) | PENDING, 0),
		  SGX_PAGE_ATTRIBUTES_MISMATCH);
	/* The refused EACCEPT changed nothing. */
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_READ, hole, 0, 0, 0), 0x1122334455667788ULL);
}

static void accept_pending_read(struct dev *d, struct encl_op *op,
				const struct sgx_enclave_run *fault)
{
	ASSERT_EQ(fault->exception_vector, 14);
	ASSERT_EQ(fault->exception_error_code, PF_EPCM_READ);
	ASSERT_EQ(fault->exception_addr, d->base + op->a);
	ASSERT_EQ(ecall(d, 0, ENCL_OP_EACCEPT, op->a, 0, R | W | PT(SGX_PT_REG) | PENDING, 0), 0);
}

/* EACCEPT compares the whole request with the EPCM: other permissions are
 * a mismatch, an impossible request (a REG page never becomes MODIFIED
 * without a type change; a TCS is never PENDING) is #GP.  None of them
 * accepts the page. */
TEST(edmm, eaccept_wrong_flags)
{
	struct encl_op op = { .type = ENCL_OP_EACCEPT };
	struct encl_sgx2_in in = { 0 };
	struct sgx_enclave_run run;
	static struct dev d;
	u64 hole;

	setup(&d);
	hole = d.end;
	dev_map(&d, hole, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
	/* EAUG makes the page RW whatever the mapping allows. */
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPT, hole, 0, R | W | X | PT(SGX_PT_REG) | PENDING, 0),
		  SGX_PAGE_ATTRIBUTES_MISMATCH);
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPT, hole, 0, R | PT(SGX_PT_REG) | PENDING, 0),
		  SGX_PAGE_ATTRIBUTES_MISMATCH);
	op.a = hole;
	in.flags = PT(SGX_PT_REG) | MODIFIED;
	memcpy(op.in, &in, sizeof(in));
	efault(&d, 1, &op, &run);
	ASSERT_EQ(run.exception_vector, 13);
	in.flags = PT(SGX_PT_TCS) | PENDING;
	memcpy(op.in, &in, sizeof(in));
	efault(&d, 2, &op, &run);
	ASSERT_EQ(run.exception_vector, 13);
	/* Still PENDING: a read faults with the SGX bit until the right
	 * request is accepted, then completes. */
	memset(&op, 0, sizeof(op));
	op.type = ENCL_OP_READ;
	op.a = hole;
	fault_fix_resume(&d, 3, &op, accept_pending_read);
	ASSERT_EQ(op.r0, 0);
}

/* The write to an R page faulted; EMODPE from TCS 1 makes it writable. */
static void extend_to_rw(struct dev *d, struct encl_op *op, const struct sgx_enclave_run *fault)
{
	ASSERT_EQ(fault->exception_vector, 14);
	ASSERT_EQ(fault->exception_error_code, PF_EPCM_WRITE);
	ASSERT_EQ(fault->exception_addr, d->base + op->a);
	ecall(d, 1, ENCL_OP_EMODPE, op->a, 0, R | W, 0);
}

/* Selftest epcm_permissions: the OS restricts a writable data page to R,
 * the enclave accepts, writes fault with the SGX bit until the enclave
 * extends the permissions again with EMODPE, which never narrows them. */
TEST(edmm, restrict_then_extend)
{
	struct sgx_enclave_restrict_permissions rp;
	struct encl_op op = { .type = ENCL_OP_WRITE };
	static struct dev d;
	u64 page;

	setup(&d);
	page = d.scratch + 4096;
	ecall(&d, 0, ENCL_OP_WRITE, page, 0xA1, 0, 0);
	ASSERT_EQ(restrict_perms(&d, &rp, page, 4096, R), 0);
	ASSERT_EQ(rp.result, 0);
	ASSERT_EQ(rp.count, 4096);
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPT, page, 0, R | PT(SGX_PT_REG) | PR, 0), 0);
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_READ, page, 0, 0, 0), 0xA1);
	op.a = page;
	op.b = 0xB2;
	fault_fix_resume(&d, 0, &op, extend_to_rw);
	ASSERT_EQ(ecall(&d, 1, ENCL_OP_READ, page, 0, 0, 0), 0xB2);
	/* EMODPE ORs permissions in: R alone leaves the page writable. */
	ecall(&d, 1, ENCL_OP_EMODPE, page, 0, R, 0);
	ecall(&d, 1, ENCL_OP_WRITE, page, 0xC3, 0, 0);
	ASSERT_EQ(ecall(&d, 2, ENCL_OP_READ, page, 0, 0, 0), 0xC3);
}

/* Every check Linux makes before it touches a page, and the per-page
 * refusals, with count telling how far it got. */
TEST(edmm, ioctl_errors)
{
	static const unsigned long cmds[] = { SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS,
					      SGX_IOC_ENCLAVE_MODIFY_TYPES,
					      SGX_IOC_ENCLAVE_REMOVE_PAGES };
	const struct sgxemu_platform_options sgx1 = { .sgx2 = -1 };
	struct sgx_enclave_restrict_permissions rp;
	struct sgx_enclave_modify_types mt;
	struct sgx_enclave_remove_pages rm;
	static struct dev d, pre, old;
	u64 page, hole;
	size_t k;

	setup(&d);
	page = d.scratch + 4096;
	hole = d.end;
	for (k = 0; k < 3; k++) {
		/* A zeroed argument: length 0.  The selftests probe with it. */
		memset(&rp, 0, sizeof(rp));
		ASSERT_EQ(sgxemu_ioctl(d.fd, cmds[k], (unsigned long)&rp), -EINVAL);
		ASSERT_EQ(sgxemu_ioctl(d.fd, cmds[k], 8), -EFAULT);
	}
	ASSERT_EQ(restrict_perms(&d, &rp, page + 8, 4096, R), -EINVAL);
	ASSERT_EQ(restrict_perms(&d, &rp, page, 4095, R), -EINVAL);
	ASSERT_EQ(restrict_perms(&d, &rp, d.s.size, 4096, R), -EINVAL);
	ASSERT_EQ(restrict_perms(&d, &rp, page, 4096, W), -EINVAL);
	ASSERT_EQ(restrict_perms(&d, &rp, page, 4096, R | PENDING), -EINVAL);
	/* The outputs must be zero on input. */
	rp = (struct sgx_enclave_restrict_permissions){ page, 4096, R, .result = 1 };
	ASSERT_EQ(sgxemu_ioctl(d.fd, cmds[0], (unsigned long)&rp), -EINVAL);
	rp = (struct sgx_enclave_restrict_permissions){ page, 4096, R, .count = 4096 };
	ASSERT_EQ(sgxemu_ioctl(d.fd, cmds[0], (unsigned long)&rp), -EINVAL);
	mt = (struct sgx_enclave_modify_types){ page, 4096, SGX_PT_TRIM, .result = 1 };
	ASSERT_EQ(sgxemu_ioctl(d.fd, cmds[1], (unsigned long)&mt), -EINVAL);
	mt = (struct sgx_enclave_modify_types){ page, 4096, SGX_PT_TRIM, .count = 4096 };
	ASSERT_EQ(sgxemu_ioctl(d.fd, cmds[1], (unsigned long)&mt), -EINVAL);
	rm = (struct sgx_enclave_remove_pages){ page, 4096, .count = 4096 };
	ASSERT_EQ(sgxemu_ioctl(d.fd, cmds[2], (unsigned long)&rm), -EINVAL);
	/* A page can only become a TCS or be trimmed. */
	ASSERT_EQ(modify_types(&d, &mt, page, 4096, SGX_PT_REG), -EINVAL);
	ASSERT_EQ(modify_types(&d, &mt, page, 4096, SGX_PT_TRIM | 0x100), -EINVAL);
	/* Selftest tcs_permissions: a TCS's permissions are not restricted. */
	ASSERT_EQ(restrict_perms(&d, &rp, 0, 4096, R), -EINVAL);
	ASSERT_EQ(rp.result, 0);
	ASSERT_EQ(rp.count, 0);
	/* A page never added (nor touched): no page to load. */
	ASSERT_EQ(modify_types(&d, &mt, hole, 4096, SGX_PT_TRIM), -EFAULT);
	ASSERT_EQ(mt.count, 0);
	ASSERT_EQ(mt.result, 0);
	/* Only trimmed pages are removed. */
	ASSERT_EQ(remove_pages(&d, &rm, page, 4096), -EPERM);
	ASSERT_EQ(rm.count, 0);
	/* EMODPR refuses a PENDING page: -EFAULT, with its status in result.
	 * The mismatched EACCEPT makes the driver EAUG without accepting. */
	dev_map(&d, hole, 4096, PROT_READ | PROT_WRITE);
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPT, hole, 0, R | PT(SGX_PT_REG) | PENDING, 0),
		  SGX_PAGE_ATTRIBUTES_MISMATCH);
	ASSERT_EQ(restrict_perms(&d, &rp, hole, 4096, R), -EFAULT);
	ASSERT_EQ(rp.result, SGX_PAGE_NOT_MODIFIABLE);
	ASSERT_EQ(rp.count, 0);
	ASSERT_EQ(modify_types(&d, &mt, hole, 4096, SGX_PT_TCS), -EFAULT);
	ASSERT_EQ(mt.result, SGX_PAGE_NOT_MODIFIABLE);
	ASSERT_EQ(mt.count, 0);
	/* Two pages whose second one was never added: the first (the last
	 * of the image) is done, and count says so. */
	ASSERT_EQ(modify_types(&d, &mt, hole + 4096 - 8192, 8192, SGX_PT_TRIM), -EFAULT);
	ASSERT_EQ(mt.count, 4096);

	/* Before EINIT, even with good arguments. */
	dev_open_variant(&pre, NULL, "a");
	dev_add_all(&pre);
	ASSERT_EQ(restrict_perms(&pre, &rp, 0x5000, 4096, R), -EINVAL);
	ASSERT_EQ(modify_types(&pre, &mt, 0x5000, 4096, SGX_PT_TRIM), -EINVAL);
	ASSERT_EQ(remove_pages(&pre, &rm, 0x5000, 4096), -EINVAL);

	/* Without SGX2, before the argument is even read. */
	dev_open_variant(&old, &sgx1, "a");
	dev_add_all(&old);
	for (k = 0; k < 3; k++)
		ASSERT_EQ(sgxemu_ioctl(old.fd, cmds[k], 0), -ENODEV);
}

/* The new page under an interrupted write is PENDING: accept it; it is
 * zeroed until the write resumes. */
static void accept_new_page(struct dev *d, struct encl_op *op, const struct sgx_enclave_run *fault)
{
	ASSERT_EQ(fault->exception_vector, 14);
	ASSERT_EQ(fault->exception_error_code, PF_EPCM_WRITE);
	ASSERT_EQ(fault->exception_addr, d->base + op->a);
	ASSERT_EQ(ecall(d, 1, ENCL_OP_EACCEPT, op->a, 0, R | W | PT(SGX_PT_REG) | PENDING, 0), 0);
	ASSERT_EQ(ecall(d, 1, ENCL_OP_READ, op->a, 0, 0, 0), 0);
}

/* A read of a trimmed page faulted: accept the trim, remove the page, and
 * write to where it was (from TCS 3, resumed once the new page is in). */
static void accept_and_remove(struct dev *d, struct encl_op *op,
			      const struct sgx_enclave_run *fault)
{
	struct encl_op wr = { .type = ENCL_OP_WRITE, .a = op->a, .b = 0x6666 };
	struct sgx_enclave_remove_pages rm;
	struct sgx_enclave_run run;

	ASSERT_EQ(fault->exception_vector, 14);
	ASSERT_EQ(fault->exception_error_code, PF_EPCM_READ);
	ASSERT_EQ(fault->exception_addr, d->base + op->a);
	ASSERT_EQ(ecall(d, 1, ENCL_OP_EACCEPT, op->a, 0, PT(SGX_PT_TRIM) | MODIFIED, 0), 0);
	/* Accepted but not removed: still no access. */
	efault(d, 2, op, &run);
	ASSERT_EQ(run.exception_error_code, PF_EPCM_READ);
	ASSERT_EQ(remove_pages(d, &rm, op->a, 4096), 0);
	ASSERT_EQ(rm.count, 4096);
	/* Gone: the next touch EAUGs a new page, which is PENDING. */
	fault_fix_resume(d, 3, &wr, accept_new_page);
	ASSERT_EQ(ecall(d, 1, ENCL_OP_READ, op->a, 0, 0, 0), 0x6666);
}

/* Selftests remove_added_page_*: a trimmed page is unusable at once, is
 * not removed until the enclave accepts the trim, and once removed the
 * next touch gets a fresh, zeroed, PENDING page. */
TEST(edmm, remove_needs_accept)
{
	struct encl_op rd = { .type = ENCL_OP_READ };
	struct sgx_enclave_modify_types mt;
	struct sgx_enclave_remove_pages rm;
	static struct dev d;
	u64 page;

	setup(&d);
	page = d.scratch + 4096;
	ecall(&d, 0, ENCL_OP_WRITE, page, 0x5555, 0, 0);
	ASSERT_EQ(modify_types(&d, &mt, page, 4096, SGX_PT_TRIM), 0);
	ASSERT_EQ(mt.result, 0);
	ASSERT_EQ(mt.count, 4096);
	ASSERT_EQ(remove_pages(&d, &rm, page, 4096), -EPERM);
	ASSERT_EQ(rm.count, 0);
	/* A trimmed page is still a TRIM page to the driver: it cannot be
	 * trimmed again. */
	ASSERT_EQ(modify_types(&d, &mt, page, 4096, SGX_PT_TRIM), -EINVAL);
	/* The interrupted read completes on the new page. */
	rd.a = page;
	fault_fix_resume(&d, 0, &rd, accept_and_remove);
	ASSERT_EQ(rd.r0, 0x6666);
}

/* The destination faulted on a read, PENDING: EACCEPTCOPY the code from
 * the scratch page into it, and call it. */
static void copy_code(struct dev *d, struct encl_op *op, const struct sgx_enclave_run *fault)
{
	ASSERT_EQ(fault->exception_vector, 14);
	ASSERT_EQ(fault->exception_error_code, PF_EPCM_READ);
	ASSERT_EQ(ecall(d, 0, ENCL_OP_EACCEPTCOPY, op->a, 0, R | X | PT(SGX_PT_REG), d->scratch),
		  0);
	ASSERT_EQ(ecall(d, 0, ENCL_OP_CALL, op->a, 0, 0, 0), 42);
}

/* EACCEPTCOPY: a PENDING page gets its contents and permissions from the
 * enclave in one step, here code that is then called. */
TEST(edmm, eacceptcopy_code)
{
	struct encl_op rd = { .type = ENCL_OP_READ }, wr = { .type = ENCL_OP_WRITE, .b = 1 };
	const u64 code = 0x0000C30000002AB8ULL; /* mov $0x2a, %eax; ret */
	struct sgx_enclave_run run;
	static struct dev d;
	u64 target;

	setup(&d);
	target = d.end;
	ecall(&d, 0, ENCL_OP_WRITE, d.scratch, code, 0, 0);
	dev_map(&d, target, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
	/* The read EAUGs the page, faults on it, and resumes once the code is
	 * there. */
	rd.a = target;
	fault_fix_resume(&d, 3, &rd, copy_code);
	ASSERT_EQ(rd.r0, code);
	/* The SECINFO's permissions, not EAUG's RW: no writes. */
	wr.a = target;
	efault(&d, 2, &wr, &run);
	ASSERT_EQ(run.exception_vector, 14);
	ASSERT_EQ(run.exception_error_code, PF_EPCM_WRITE);
	/* Only a PENDING page can be the destination. */
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPTCOPY, target, 0, R | X | PT(SGX_PT_REG), d.scratch),
		  SGX_PAGE_ATTRIBUTES_MISMATCH);
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPTCOPY, d.scratch + 4096, 0, R | W | PT(SGX_PT_REG),
			d.scratch),
		  SGX_PAGE_ATTRIBUTES_MISMATCH);
}

/* Selftest tcs_create: a thread's TCS and SSA made at run time, used, and
 * removed again. */
TEST(edmm, dynamic_tcs)
{
	struct encl_op op = { .type = ENCL_OP_PUT, .a = 0x7777 };
	struct sgx_enclave_modify_types mt;
	struct sgx_enclave_remove_pages rm;
	struct sgx_enclave_run run;
	static struct dev d;
	u64 tcs, ssa, fs;

	setup(&d);
	tcs = d.end;
	ssa = d.end + 4096;
	dev_map(&d, tcs, 8192, PROT_READ | PROT_WRITE);
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPT, tcs, 0, R | W | PT(SGX_PT_REG) | PENDING, 0), 0);
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPT, ssa, 0, R | W | PT(SGX_PT_REG) | PENDING, 0), 0);
	ecall(&d, 0, ENCL_OP_INIT_TCS, tcs, 0, 0, ssa);
	ASSERT_EQ(modify_types(&d, &mt, tcs, 4096, SGX_PT_TCS), 0);
	ASSERT_EQ(mt.result, 0);
	ASSERT_EQ(mt.count, 4096);
	/* Not a TCS to enter through until the enclave accepts it (MODIFIED:
	 * SDM EENTER "#PF(DS:RBX)"). */
	enter(d.base + tcs, EENTER, &op, &run);
	ASSERT_EQ(run.function, EENTER);
	ASSERT_EQ(run.exception_vector, 14);
	ASSERT_EQ(run.exception_addr, d.base + tcs);
	ASSERT_EQ(run.exception_error_code & PF_EPCM_BITS, PF_EPCM_BITS);
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPT, tcs, 0, PT(SGX_PT_TCS) | MODIFIED, 0), 0);
	/* TCS 3's stacks are the new TCS's: leave TCS 3 alone meanwhile. */
	enter(d.base + tcs, EENTER, &op, &run);
	ASSERT_EQ(run.function, EEXIT);
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_GET, 0, 0, 0, 0), 0x7777);
	op.type = ENCL_OP_INFO;
	enter(d.base + tcs, EENTER, &op, &run);
	ASSERT_EQ(run.function, EEXIT);
	ASSERT_EQ(op.r2, 0); /* CSSA */
	ASSERT_EQ(op.r3, d.base);
	/* FS is TCS 3's block, as INIT_TCS wrote OFSBASE. */
	fs = op.r0;
	enter(d.tcs[3], EENTER, &op, &run);
	ASSERT_EQ(run.function, EEXIT);
	ASSERT_EQ(op.r0, fs);

	ASSERT_EQ(modify_types(&d, &mt, tcs, 8192, SGX_PT_TRIM), 0);
	ASSERT_EQ(mt.result, 0);
	ASSERT_EQ(mt.count, 8192);
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPT, tcs, 0, PT(SGX_PT_TRIM) | MODIFIED, 0), 0);
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPT, ssa, 0, PT(SGX_PT_TRIM) | MODIFIED, 0), 0);
	ASSERT_EQ(remove_pages(&d, &rm, tcs, 8192), 0);
	ASSERT_EQ(rm.count, 8192);
	/*
	 * EENTER through the old TCS address: the mapping is still there, so
	 * the #PF of the ENCLU goes to the driver's fault handler, which EAUGs
	 * a REG page there as Linux's sgx_vma_fault() does; the retried EENTER
	 * finds a PENDING page that is not a TCS: SDM "#PF(DS:RBX)", an EPCM
	 * fault (the SGX bit; without the EAUG it would be a plain not-present
	 * #PF), reported by the vDSO for EENTER.  Hardware under Linux does
	 * the same.
	 */
	op.type = ENCL_OP_NOP;
	enter(d.base + tcs, EENTER, &op, &run);
	ASSERT_EQ(run.function, EENTER);
	ASSERT_EQ(run.exception_vector, 14);
	ASSERT_EQ(run.exception_addr, d.base + tcs);
	ASSERT_EQ(run.exception_error_code & PF_EPCM_BITS, PF_EPCM_BITS);
	/* That page is an ordinary PENDING REG page now (selftest tcs_create
	 * ends the same way), and the enclave goes on. */
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPT, tcs, 0, R | W | PT(SGX_PT_REG) | PENDING, 0), 0);
	ecall(&d, 0, ENCL_OP_WRITE, tcs, 0x8888, 0, 0);
	ASSERT_EQ(ecall(&d, 1, ENCL_OP_READ, tcs, 0, 0, 0), 0x8888);
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_GET, 0, 0, 0, 0), 0x7777);
}

struct spinner {
	struct dev *d;
	volatile u64 flags[2];  /* [0]: go home; [1]: set by the enclave once inside */
	atomic_int done;        /* read by the test while the spinner runs */
	struct encl_op op;
	struct sgx_enclave_run run;
	int ret;
};

static void *spin(void *arg)
{
	struct spinner *s = arg;

	s->op.type = ENCL_OP_SPIN;
	s->op.a = (u64)(uintptr_t)s->flags;
	memset(&s->run, 0, sizeof(s->run));
	s->run.tcs = s->d->tcs[0];
	s->ret = sgxemu_enter_enclave((unsigned long)&s->op, 0, 0, EENTER, 0, 0, &s->run);
	atomic_store(&s->done, 1);
	return NULL;
}

/* EMODT has no in-use check: the OS may trim the TCS a thread is running
 * on.  The ioctl's ETRACK kicks that thread out; its ERESUME then finds no
 * TCS there and faults, and the page is removed as any other. */
TEST(edmm, trim_tcs_in_use)
{
	struct sgx_enclave_modify_types mt;
	struct sgx_enclave_remove_pages rm;
	static struct spinner s;
	static struct dev d;
	pthread_t th;
	int i, out;

	setup(&d);
	memset((void *)&s, 0, sizeof(s));
	s.d = &d;
	ASSERT_EQ(pthread_create(&th, NULL, spin, &s), 0);
	for (i = 0; i < 5000 && !s.flags[1]; i++)
		usleep(1000);
	ASSERT_EQ(s.flags[1], 1);
	ASSERT_EQ(modify_types(&d, &mt, 0, 4096, SGX_PT_TRIM), 0);
	ASSERT_EQ(mt.count, 4096);
	/* The spinner comes out by itself, without the flag: the kick made
	 * it AEX, and its ERESUME found a TRIM page, an EPCM #PF. */
	for (i = 0; i < 5000 && !atomic_load(&s.done); i++)
		usleep(1000);
	out = atomic_load(&s.done);
	s.flags[0] = 1;
	pthread_join(th, NULL);
	ASSERT_EQ(out, 1);
	ASSERT_EQ(s.ret, 0);
	ASSERT_EQ(s.run.function, ERESUME);
	ASSERT_EQ(s.run.exception_vector, 14);
	ASSERT_EQ(s.run.exception_addr, d.tcs[0]);
	ASSERT_EQ(s.run.exception_error_code & PF_EPCM_BITS, PF_EPCM_BITS);
	ASSERT_EQ(ecall(&d, 1, ENCL_OP_EACCEPT, 0, 0, PT(SGX_PT_TRIM) | MODIFIED, 0), 0);
	ASSERT_EQ(remove_pages(&d, &rm, 0, 4096), 0);
	ASSERT_EQ(rm.count, 4096);
	ASSERT_EQ(ecall(&d, 1, ENCL_OP_NOP, 0, 0, 0, 0), 0);
}

/* Augmented pages are enclave pages like the others: several times the
 * EPC of them are evicted and reloaded with their contents intact. */
TEST_T(edmm, augmented_pages_are_paged, 120)
{
	const struct sgxemu_platform_options o = { .epc_size = 48 * 4096 };
	u64 n, i, evicted0, reloaded0, evicted, reloaded;
	struct sgx_enclave_run run;
	static struct encl_op op;
	static struct dev d;

	setup_with(&d, &o, "c");
	n = (d.s.size - d.end) / 4096;
	ASSERT_GE(n, 3 * 48);
	dev_map(&d, d.end, n * 4096, PROT_READ | PROT_WRITE);
	sgxemu_paging_stats(d.plat, &evicted0, &reloaded0);
	for (i = 0; i < n; i++)
		ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPT, d.end + i * 4096, 0,
				R | W | PT(SGX_PT_REG) | PENDING, 0),
			  0);
	/* Each page's first word is its offset ^ seed (r4); CHECK counts
	 * the pages that do not hold that. */
	for (i = 0; i < 2; i++) {
		op.type = ENCL_OP_FILL;
		op.a = d.end;
		op.b = n;
		op.r4 = 0x1000001 * (i + 1);
		enter(d.tcs[0], EENTER, &op, &run);
		ASSERT_EQ(run.function, EEXIT);
		op.type = ENCL_OP_CHECK;
		enter(d.tcs[1], EENTER, &op, &run);
		ASSERT_EQ(run.function, EEXIT);
		ASSERT_EQ(op.r0, 0);
	}
	ASSERT_EQ(ecall(&d, 2, ENCL_OP_READ, d.end + (n - 1) * 4096, 0, 0, 0),
		  (d.end + (n - 1) * 4096) ^ op.r4);
	sgxemu_paging_stats(d.plat, &evicted, &reloaded);
	ASSERT_GE(evicted - evicted0, n - 48);
	ASSERT_GT(reloaded - reloaded0, 0);
}

/* The SGX2 counts per enclave that `sgxemu stat` prints. */
TEST(edmm, stats_count_augmented_and_removed)
{
	struct sgx_enclave_modify_types mt;
	struct sgx_enclave_remove_pages rm;
	struct sgxemu_enclave_stats es;
	static struct dev d;

	setup(&d);
	dev_map(&d, d.end, 2 * 4096, PROT_READ | PROT_WRITE);
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPT, d.end, 0, R | W | PT(SGX_PT_REG) | PENDING, 0), 0);
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPT, d.end + 4096, 0, R | W | PT(SGX_PT_REG) | PENDING,
			0),
		  0);
	ASSERT_EQ(modify_types(&d, &mt, d.end, 4096, SGX_PT_TRIM), 0);
	ASSERT_EQ(ecall(&d, 0, ENCL_OP_EACCEPT, d.end, 0, PT(SGX_PT_TRIM) | MODIFIED, 0), 0);
	ASSERT_EQ(remove_pages(&d, &rm, d.end, 4096), 0);
	ASSERT_EQ(sgxemu_enclave_stats(d.plat, 0, &es), 0);
	ASSERT_TRUE(es.live);
	ASSERT_EQ(es.augmented, 2);
	ASSERT_EQ(es.removed, 1);
}

/*
 * Hostile SGX2 ioctls on a running enclave: random structures, and random
 * but well-formed requests over the whole of ELRANGE (which may trim and
 * remove the enclave's own pages: that is the caller's business).  Each
 * gets 0 or one of Linux's errno values, never a crash, and the platform
 * still builds and runs an enclave afterwards.
 */
TEST_T(edmm, random_sgx2_ioctls, 120)
{
	static const unsigned long cmds[] = { SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS,
					      SGX_IOC_ENCLAVE_MODIFY_TYPES,
					      SGX_IOC_ENCLAVE_REMOVE_PAGES };
	static u64 junk[512] __aligned(4096);
	static struct dev d, fresh;
	u64 r = 0x9E3779B97F4A7C15ULL;
	int i, ret;
	size_t k;

	setup(&d);
	dev_map(&d, d.end, d.s.size - d.end, PROT_READ | PROT_WRITE);
	for (i = 0; i < 3000; i++) {
		for (k = 0; k < ARRAY_SIZE(junk); k++) {
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			junk[k] = r;
		}
		if (i & 1) {
			/* offset, length, permissions or type, result, count */
			junk[0] = (junk[0] % d.s.size) & ~4095ULL;
			junk[1] = 4096 * (1 + junk[1] % 4);
			junk[2] = (i & 2) ? junk[2] & 7 : (junk[2] & 1) ? SGX_PT_TCS : SGX_PT_TRIM;
			junk[3] = junk[4] = 0;
			if (cmds[i % 3] == SGX_IOC_ENCLAVE_REMOVE_PAGES)
				junk[2] = 0;
		}
		ret = sgxemu_ioctl(d.fd, cmds[i % 3], (i % 7) ? (unsigned long)junk : (unsigned long)r);
		ASSERT_TRUE(ret == 0 || ret == -EFAULT || ret == -EINVAL || ret == -EPERM ||
			    ret == -EBUSY || ret == -ENOMEM);
	}
	dev_open(&fresh);
	dev_build(&fresh);
	dev_map_image(&fresh);
	ASSERT_EQ(ecall(&fresh, 0, ENCL_OP_SCRATCH, 0, 0, 0, 0), d.scratch);
}

/*
 * The SGX2 paths against each other and against the reclaimer, in a small
 * EPC: two threads fill and check their halves of a working set of
 * augmented pages (three times the EPC) while a third, through TCS 2,
 * grows, trims and removes other pages and restricts (to what they have)
 * the workers' pages, accepting each change at once.  Every ioctl must
 * succeed and leave EACCEPT nothing to wait for (Linux's IPIs are
 * synchronous), and no worker may see a wrong value or a spurious fault.
 * SGXEMU_STRESS_SECONDS sets the length (default 10).
 */
struct stress {
	struct dev d;
	u64 work, nr_work, spare, nr_spare;
	atomic_bool stop;
	atomic_long failures;
};

/* An operation through TCS @k that is expected to EEXIT; false (and a
 * line saying why) otherwise. */
static bool try_ecall(struct stress *s, unsigned int k, struct encl_op *op)
{
	struct sgx_enclave_run run;

	memset(&run, 0, sizeof(run));
	run.tcs = s->d.tcs[k];
	if (sgxemu_enter_enclave((unsigned long)op, 0, 0, EENTER, 0, 0, &run) ||
	    run.function != EEXIT) {
		fprintf(stderr, "# TCS %u, op %llu at %#llx: exception %u (%#x) at %#llx\n", k,
			(unsigned long long)op->type, (unsigned long long)op->a,
			run.exception_vector, run.exception_error_code,
			(unsigned long long)run.exception_addr);
		return false;
	}
	return true;
}

static void stress_fail(struct stress *s, const char *what, long value)
{
	fprintf(stderr, "# %s: %ld\n", what, value);
	atomic_fetch_add(&s->failures, 1);
	atomic_store(&s->stop, true);
}

static struct stress stress;

static void *stress_worker(void *arg)
{
	unsigned int k = (unsigned int)(uintptr_t)arg;
	u64 half = stress.nr_work / 2, seed = 0x1234 * (k + 1);
	struct encl_op op;

	while (!atomic_load(&stress.stop)) {
		memset(&op, 0, sizeof(op));
		op.type = ENCL_OP_FILL;
		op.a = stress.work + k * half * 4096;
		op.b = half;
		op.r4 = ++seed;
		if (!try_ecall(&stress, k, &op))
			stress_fail(&stress, "worker FILL", k);
		op.type = ENCL_OP_CHECK;
		if (!try_ecall(&stress, k, &op) || op.r0)
			stress_fail(&stress, "worker CHECK, pages wrong", (long)op.r0);
	}
	return NULL;
}

static bool stress_accept(u64 off, u64 flags)
{
	struct encl_op op = { .type = ENCL_OP_EACCEPT, .a = off };
	struct encl_sgx2_in in = { .flags = flags };

	memcpy(op.in, &in, sizeof(in));
	if (!try_ecall(&stress, 2, &op) || op.r0) {
		stress_fail(&stress, "EACCEPT status", (long)op.r0);
		return false;
	}
	return true;
}

static void *stress_ioctls(void *arg)
{
	struct sgx_enclave_restrict_permissions rp;
	struct sgx_enclave_modify_types mt;
	struct sgx_enclave_remove_pages rm;
	u64 i, page, work;
	int ret;

	(void)arg;
	for (i = 0; !atomic_load(&stress.stop); i++) {
		page = stress.spare + (i % stress.nr_spare) * 4096;
		work = stress.work + (i % stress.nr_work) * 4096;
		if (!stress_accept(page, R | W | PT(SGX_PT_REG) | PENDING))
			break;
		ret = modify_types(&stress.d, &mt, page, 4096, SGX_PT_TRIM);
		if (ret) {
			stress_fail(&stress, "MODIFY_TYPES", ret);
			break;
		}
		if (!stress_accept(page, PT(SGX_PT_TRIM) | MODIFIED))
			break;
		ret = remove_pages(&stress.d, &rm, page, 4096);
		if (ret) {
			stress_fail(&stress, "REMOVE_PAGES", ret);
			break;
		}
		ret = restrict_perms(&stress.d, &rp, work, 4096, R | W);
		if (ret) {
			stress_fail(&stress, "RESTRICT_PERMISSIONS", ret);
			break;
		}
		if (!stress_accept(work, R | W | PT(SGX_PT_REG) | PR))
			break;
	}
	return NULL;
}

TEST_T(edmm, sgx2_against_threads_and_paging, 120)
{
	const struct sgxemu_platform_options o = { .epc_size = 48 * 4096 };
	const char *env = getenv("SGXEMU_STRESS_SECONDS");
	int seconds = env ? atoi(env) : 10;
	u64 evicted, reloaded, n, i;
	pthread_t th[3];

	setup_with(&stress.d, &o, "c");
	n = (stress.d.s.size - stress.d.end) / 4096;
	stress.work = stress.d.end;
	stress.nr_work = (n * 3 / 4) & ~1ULL;
	stress.spare = stress.work + stress.nr_work * 4096;
	stress.nr_spare = n - stress.nr_work;
	ASSERT_GE(stress.nr_work, 2 * 48);
	dev_map(&stress.d, stress.d.end, n * 4096, PROT_READ | PROT_WRITE);
	for (i = 0; i < stress.nr_work; i++)
		ASSERT_EQ(ecall(&stress.d, 0, ENCL_OP_EACCEPT, stress.work + i * 4096, 0,
				R | W | PT(SGX_PT_REG) | PENDING, 0),
			  0);
	ASSERT_EQ(pthread_create(&th[0], NULL, stress_worker, (void *)0), 0);
	ASSERT_EQ(pthread_create(&th[1], NULL, stress_worker, (void *)1), 0);
	ASSERT_EQ(pthread_create(&th[2], NULL, stress_ioctls, NULL), 0);
	for (i = 0; i < (u64)(seconds > 0 ? seconds : 1) * 10 && !atomic_load(&stress.stop); i++)
		usleep(100 * 1000);
	atomic_store(&stress.stop, true);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	ASSERT_EQ(atomic_load(&stress.failures), 0);
	sgxemu_paging_stats(stress.d.plat, &evicted, &reloaded);
	ASSERT_GT(evicted, 0);
}
