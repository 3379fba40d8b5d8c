// SPDX-License-Identifier: MIT
/* libsgxemu: platforms, enclave loading, entry and signals. */
#include <asm/sgx.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/sys.h"
#include "base/bug.h"
#include "api/api.h"
#include "api/sgxs.h"
#include "base/file.h"
#include "base/fork.h"
#include "base/hex.h"
#include "base/parse.h"
#include "arch/sgx_status.h"
#include "cpu/crypto.h"
#include "cpu/exec/exec.h"
#include "drv/drv.h"
#include "drv/machine.h"
#include "virt/virt.h"
#include "sgxemu/le.h"
#include "sgxemu/sgxemu.h"

STATIC_ASSERT_SIZE(struct sgx_einittoken, SGXEMU_LE_TOKEN_SIZE);

struct sgxemu_platform {
	struct platform *plat;
	struct drv *drv;
	/* The launch enclave: where it is, and once loaded, it and its signer. */
	char *le_path;
	pthread_mutex_t le_lock;
	struct sgxemu_enclave *le;
	u8 le_signer[SGX_HASH_SIZE];
	/* A VM: its host, its virtual EPC and the mapping the guest sees. */
	struct sgxemu_platform *host;
	struct vm *vm;
	int vepc_fd;
	struct drv_file *vepc;      /* the VM's hold on it, as QEMU's mapping holds it */
	bool vepc_vmm;              /* the VMM made it (sgxemu_vm_create_vepc()) */
	void *window;
	u64 window_len;
	atomic_int nr_guests;
};

struct sgxemu_enclave {
	struct sgxemu_platform *p;
	struct encl *encl;
	void *reserve;          /* the mapping that reserved ELRANGE */
	u64 reserve_len;
	unsigned int nr_tcs;
	u64 *tcs;
};

static __thread char last_error[512];

__printf(2, 3) static int fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

int api_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

struct drv *api_drv(struct sgxemu_platform *p)
{
	return p->drv;
}

const char *sgxemu_last_error(void)
{
	return last_error;
}

int api_parse_policy(const char *policy, bool *allow_all, bool *locked,
		     u8 (**hashes)[SGX_HASH_SIZE], unsigned int *n, char *why, size_t whylen)
{
	const char *p;
	unsigned int count = 1, i;

	*hashes = NULL;
	*n = 0;
	*locked = false;
	*allow_all = !policy || !strcmp(policy, "allow-all");
	if (*allow_all)
		return 0;
	if (!strcmp(policy, "locked") || !strncmp(policy, "locked=", 7)) {
		/* One hash, the MSRs' value: Intel's unless one is given. */
		*hashes = calloc(1, SGX_HASH_SIZE);
		if (!*hashes)
			return -ENOMEM;
		if (policy[6] != '=')
			memcpy(**hashes, platform_intel_lehash, SGX_HASH_SIZE);
		else if (parse_hash("locked", policy + 7, **hashes, why, whylen))
			goto bad;
		*locked = true;
		*n = 1;
		return 0;
	}
	if (strncmp(policy, "allow=", 6)) {
		char q[128];

		parse_quote(q, sizeof(q), "", policy);
		snprintf(why, whylen,
			 "%s is none of allow-all, allow=HASH[,HASH...] and locked[=HASH]", q);
		return -EINVAL;
	}
	for (p = policy + 6; *p; p++)
		count += *p == ',';
	*hashes = calloc(count, SGX_HASH_SIZE);
	if (!*hashes)
		return -ENOMEM;
	for (p = policy + 6, i = 0; i < count; i++) {
		char hex[2 * SGX_HASH_SIZE + 2];
		size_t len = strcspn(p, ",");

		/* One more than a hash holds, so a longer one is refused. */
		snprintf(hex, sizeof(hex), "%.*s", (int)(len < sizeof(hex) ? len : sizeof(hex) - 1),
			 p);
		if (parse_hash("", hex, (*hashes)[i], why, whylen))
			goto bad;
		p += len + (p[len] == ',');
	}
	*n = count;
	return 0;
bad:
	free(*hashes);
	*hashes = NULL;
	return -EINVAL;
}

int sgxemu_launch_policy_check(const char *policy)
{
	u8 (*hashes)[SGX_HASH_SIZE];
	unsigned int n;
	bool all, locked;
	char why[160];
	int err = api_parse_policy(policy, &all, &locked, &hashes, &n, why, sizeof(why));

	free(hashes);
	return err ? fail(err, "launch policy: %s", err == -EINVAL ? why : strerror(-err)) : 0;
}

/* The options' CPUID limits in @cfg. */
static void cpuid_limits(struct platform_config *cfg, const struct sgxemu_platform_options *opts)
{
	cfg->miscselect = opts->miscselect;
	cfg->attributes = opts->attributes;
	cfg->xfrm = opts->xfrm;
	if (opts->max_enclave_size_log2)
		cfg->max_enclave_size_log2 = opts->max_enclave_size_log2;
}

/*
 * Give @p, whose platform exists, its driver, launch policy and LE; on the
 * machine @m (which the driver takes over) if not NULL, whose policy it is.
 */
static int attach_driver(struct sgxemu_platform *p, const struct sgxemu_platform_options *opts,
			 struct machine *m)
{
	u8 (*hashes)[SGX_HASH_SIZE];
	unsigned int nr_hashes;
	bool allow_all, locked;
	char why[256];
	int err;

	pthread_mutex_init(&p->le_lock, NULL);
	/* A locked host launches its one hash's signer (and what its LE
	 * gives tokens to): its policy is that hash alone. */
	err = api_parse_policy(opts ? opts->launch_policy : NULL, &allow_all, &locked, &hashes,
			       &nr_hashes, why, sizeof(why));
	if (err) {
		machine_detach(m);
		return fail(err, "launch policy: %s", err == -EINVAL ? why : strerror(-err));
	}
	if (opts && opts->launch_enclave) {
		p->le_path = strdup(opts->launch_enclave);
		if (!p->le_path) {
			free(hashes);
			machine_detach(m);
			return fail(-ENOMEM, "out of memory");
		}
	}
	api_fdtable_init();
	err = drv_create(p->plat, &p->drv);
	if (err)
		machine_detach(m);
	else if (m)
		err = drv_use_machine(p->drv, m);
	if (!err && !p->vm)
		vepc_register(p->drv);
	if (!err && m)
		err = drv_set_launch_policy(p->drv, machine_config(m)->allow_all,
					    (const u8(*)[SGX_HASH_SIZE])machine_config(m)->signers,
					    machine_config(m)->nr_signers);
	else if (!err)
		err = drv_set_launch_policy(p->drv, allow_all, (const u8(*)[SGX_HASH_SIZE])hashes,
					    nr_hashes);
	free(hashes);
	if (err)
		return fail(err, "cannot set up the driver: %s", strerror(-err));
	return 0;
}

/* Set by the preload shim in its own copy of the library. */
static bool shim_here;

void api_shim_here(void)
{
	shim_here = true;
}

void sgxemu_after_fork(void)
{
	static pid_t done;
	pid_t pid = (pid_t)sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0);

	/* The shim's trapped fork and pthread_atfork may both call this. */
	if (done == pid)
		return;
	done = pid;
	exec_fork_child();
	drv_fork_child();
}

/* The C library's fork(): after the child's first act, what needs the C
 * library (threads) can be done. */
static void after_libc_fork(void)
{
	sgxemu_after_fork();
	drv_fork_settled();
}

static void atfork_once(void)
{
	pthread_atfork(NULL, NULL, after_libc_fork);
	/* And a child of the bare fork system call, at its first call into
	 * the emulator.  A kernel before 4.14 cannot: only fork() is seen. */
	(void)!fork_watch(sgxemu_after_fork);
}

int sgxemu_platform_create(const struct sgxemu_platform_options *opts,
			   struct sgxemu_platform **out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct platform_config cfg;
	struct sgxemu_platform *p;
	struct machine *m = NULL;
	u8 (*locked_hash)[SGX_HASH_SIZE] = NULL;
	unsigned int n;
	bool all, locked = false;
	char why[256];
	int err;

	err = sgxemu_launch_policy_check(opts ? opts->launch_policy : NULL);
	if (err)
		return err;
	if (opts && api_parse_policy(opts->launch_policy, &all, &locked, &locked_hash, &n, why,
				     sizeof(why)))
		return fail(-ENOMEM, "out of memory");
	/* Two emulators in one process would each take the other's signals,
	 * sigaltstacks and Syscall User Dispatch for the program's. */
	if (!shim_here && dlsym(RTLD_DEFAULT, "sgxemu_shim_marker"))
		return fail(-EBUSY, "%s is linked with libsgxemu, which emulates SGX itself: run "
				    "it directly, not under sgxemu run, stat or vm",
			    program_invocation_short_name);
	pthread_once(&once, atfork_once);
	p = calloc(1, sizeof(*p));
	if (!p)
		return fail(-ENOMEM, "out of memory");
	p->vepc_fd = -1;
	platform_config_default(&cfg);
	if (opts && opts->epc_size)
		cfg.epc_size = opts->epc_size;
	if (opts && opts->nr_lps)
		cfg.nr_lps = opts->nr_lps;
	if (opts) {
		cfg.state_dir = opts->state_dir;
		cfg.sgx2 = opts->sgx2 >= 0;
		cfg.aexnotify = opts->aexnotify >= 0;
		cfg.lc_locked = opts->lc_locked != 0;
		cpuid_limits(&cfg, opts);
	}
	/* "locked[=HASH]": the MSRs as a BIOS locked them. */
	if (locked) {
		cfg.lc_locked = true;
		memcpy(cfg.lehash, locked_hash, sizeof(cfg.lehash));
	}
	free(locked_hash);
	err = api_machine_attach(opts, &cfg, &m);
	if (err) {
		free(p);
		return err;
	}
	/* Children of fork() share the enclaves, as Linux shares the enclave
	 * object (SGXEMU_FORK_SHARE=0: they let go of them); on a machine,
	 * its slot too (machine_fork_share()).  Not a VM host's: the VM is
	 * its process's (doc/decisions.md). */
	cfg.fork_shared = !(opts && opts->vm_host) &&
			  parse_env_bool("SGXEMU_FORK_SHARE", true);
	err = platform_create(&cfg, &p->plat, why, sizeof(why));
	if (err) {
		machine_detach(m);
		free(p);
		return fail(err, "%s", why);
	}
	err = attach_driver(p, opts, m);
	if (err) {
		sgxemu_platform_destroy(p);
		return err;
	}
	*out = p;
	return 0;
}

/* Let go of a VM's vEPC file: its descriptor, if the library opened it and
 * the program has not closed it (the number may be another file's by
 * now), and the VM's hold. */
static void vm_put_vepc(struct sgxemu_platform *p)
{
	struct drv_file *f = api_file_get(p->vepc_fd);

	if (f == p->vepc && !p->vepc_vmm)
		sgxemu_close(p->vepc_fd);
	drv_file_put(f);
	drv_file_put(p->vepc);
}

int sgxemu_vm_config_check(const char *sgx)
{
	struct vm_config cfg;
	char why[512], q[160];
	int err = vm_config_parse(sgx, &cfg, why, sizeof(why));

	parse_quote(q, sizeof(q), "--sgx", sgx ? sgx : "");
	return err ? fail(err, "%s: %s", q, why) : 0;
}

/*
 * The VM's vEPC file: @fd, the VMM's (sgxemu_vm_create_vepc()), which must
 * be a vEPC of @host that backs no VM yet; or, for @fd < 0, one the
 * library opens.  p->vepc holds it for the VM.
 */
static int vm_get_vepc(struct sgxemu_platform *host, struct sgxemu_platform *p, int fd)
{
	struct drv_file *f;

	if (fd < 0) {
		p->vepc_fd = sgxemu_open(host, "/dev/sgx_vepc", O_RDWR);
		if (p->vepc_fd < 0)
			return fail(p->vepc_fd, "cannot open the host's /dev/sgx_vepc: %s",
				    strerror(-p->vepc_fd));
		p->vepc = api_file_get(p->vepc_fd);
		/* A new file backs nothing yet. */
		BUG_ON(vepc_claim(drv_file_private(p->vepc)));
		return 0;
	}
	f = api_file_get(fd);
	if (!f || drv_file_node(f) != DRV_NODE_VEPC || drv_file_drv(f) != host->drv) {
		drv_file_put(f);
		return fail(-EINVAL, "descriptor %d is not a virtual EPC of this host: open the "
				     "host's /dev/sgx_vepc, or use SGX_IOC_CREATE_VIRTUAL_EPC on its "
				     "/dev/sgx",
			    fd);
	}
	if (vepc_claim(drv_file_private(f))) {
		drv_file_put(f);
		return fail(-EBUSY, "the virtual EPC of descriptor %d backs a VM already: give "
				    "each VM its own",
			    fd);
	}
	p->vepc_fd = fd;
	p->vepc_vmm = true;
	p->vepc = f;
	return 0;
}

static int vm_create_on(struct sgxemu_platform *host, int fd, const char *sgx,
			const struct sgxemu_platform_options *opts, struct sgxemu_platform **out)
{
	struct platform_config gcfg;
	struct vm_config cfg;
	struct sgxemu_platform *p;
	u8 (*hashes)[SGX_HASH_SIZE];
	unsigned int n;
	bool all, locked;
	char why[512];
	int err;

	err = sgxemu_vm_config_check(sgx);
	if (err)
		return err;
	if (vm_config_parse(sgx, &cfg, why, sizeof(why)))
		return fail(-EINVAL, "%s", why);
	vm_config_host_default(host->drv, &cfg);
	err = sgxemu_launch_policy_check(opts ? opts->launch_policy : NULL);
	if (err)
		return err;
	if (api_parse_policy(opts ? opts->launch_policy : NULL, &all, &locked, &hashes, &n, why,
			     sizeof(why)))
		return fail(-ENOMEM, "out of memory");
	free(hashes);
	if (locked)
		return fail(-EINVAL, "a guest's launch policy cannot be locked: its hash MSRs are "
				     "locked unless the VM has lewr; give its hash as lehash=HEX in "
				     "the VM's configuration");
	/* Refuse before anything is set up. */
	err = vm_check_rules(host->drv, &cfg, why, sizeof(why));
	if (err)
		return fail(err, "%s", why);
	p = calloc(1, sizeof(*p));
	if (!p)
		return fail(-ENOMEM, "out of memory");
	err = vm_get_vepc(host, p, fd);
	if (err) {
		free(p);
		return err;
	}
	/* The guest's EPC is the library's own mapping of the file, as
	 * QEMU's is; the VMM's mappings of it stay the VMM's. */
	p->window_len = cfg.epc_size;
	err = sgxemu_mmap(NULL, cfg.epc_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->vepc_fd, 0,
			  &p->window);
	if (err) {
		fail(err, "cannot map the virtual EPC: %s", strerror(-err));
		goto err_put;
	}
	platform_config_default(&gcfg);
	gcfg.max_enclave_size_log2 = platform_config(host->plat)->max_enclave_size_log2;
	if (opts && opts->nr_lps)
		gcfg.nr_lps = opts->nr_lps;
	gcfg.sgx2 = platform_config(host->plat)->sgx2 && !(opts && opts->sgx2 < 0);
	gcfg.aexnotify = platform_config(host->plat)->aexnotify && !(opts && opts->aexnotify < 0);
	if (opts)
		cpuid_limits(&gcfg, opts);
	err = vm_create(host->drv, drv_file_private(p->vepc), p->window, &cfg, &gcfg, &p->vm, why,
			sizeof(why));
	if (err) {
		fail(err, "%s", why);
		goto err_unmap;
	}
	p->plat = vm_platform(p->vm);
	p->host = host;
	atomic_fetch_add(&host->nr_guests, 1);
	err = attach_driver(p, opts, NULL);
	if (err) {
		sgxemu_platform_destroy(p);
		return err;
	}
	*out = p;
	return 0;

err_unmap:
	sgxemu_munmap(p->window, p->window_len);
err_put:
	vepc_unclaim(drv_file_private(p->vepc));
	vm_put_vepc(p);
	free(p);
	return err;
}

int sgxemu_vm_create(struct sgxemu_platform *host, const char *sgx,
		     const struct sgxemu_platform_options *opts, struct sgxemu_platform **out)
{
	return vm_create_on(host, -1, sgx, opts, out);
}

int sgxemu_vm_create_vepc(struct sgxemu_platform *host, int vepc_fd, const char *sgx,
			  const struct sgxemu_platform_options *opts, struct sgxemu_platform **out)
{
	if (vepc_fd < 0)
		return fail(-EBADF, "descriptor %d: give the VMM's virtual EPC descriptor", vepc_fd);
	return vm_create_on(host, vepc_fd, sgx, opts, out);
}

int sgxemu_vm_vepc_fd(struct sgxemu_platform *p)
{
	return p->vm ? p->vepc_fd : fail(-EINVAL, "not a VM");
}

int sgxemu_vm_stats(struct sgxemu_platform *p, struct sgxemu_vm_stats *out)
{
	struct vm_stats st;

	if (!p->vm)
		return fail(-EINVAL, "not a VM");
	vm_stats(p->vm, &st);
	out->ecreate_exits = st.ecreate_exits;
	out->einit_exits = st.einit_exits;
	out->gp_injected = st.gp_injected;
	out->host_pages = vepc_nr_pages(drv_file_private(p->vepc));
	out->vmm_evicted = st.vmm_evicted;
	out->vmm_reloaded = st.vmm_reloaded;
	return 0;
}

void sgxemu_platform_destroy(struct sgxemu_platform *p)
{
	if (!p)
		return;
	/* A VM's EPC is its host's: the host must outlive it. */
	BUG_ON(atomic_load(&p->nr_guests));
	sgxemu_enclave_destroy(p->le);
	free(p->le_path);
	pthread_mutex_destroy(&p->le_lock);
	drv_destroy(p->drv);
	if (p->vm) {
		vm_destroy(p->vm);
		sgxemu_munmap(p->window, p->window_len);
		vepc_unclaim(drv_file_private(p->vepc));
		vm_put_vepc(p);
		atomic_fetch_sub(&p->host->nr_guests, 1);
	} else {
		platform_destroy(p->plat);
	}
	free(p);
}

/* ELRANGE must be naturally aligned: reserve twice the size and trim. */
static int reserve_elrange(struct sgxemu_enclave *e, u64 size, u64 *base)
{
	u8 *p = sys_mmap(NULL, 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			 -1, 0);
	u64 start, end;

	if (sys_failed(p))
		return (int)(long)p;
	start = align_up((u64)(uintptr_t)p, size);
	end = start + size;
	if (start > (u64)(uintptr_t)p)
		sys_munmap(p, start - (u64)(uintptr_t)p);
	if ((u64)(uintptr_t)p + 2 * size > end)
		sys_munmap((void *)(uintptr_t)end, (u64)(uintptr_t)p + 2 * size - end);
	e->reserve = (void *)(uintptr_t)start;
	e->reserve_len = size;
	*base = start;
	return 0;
}

/* The driver adds whole pages, measured or not, as Linux's ADD_PAGES does:
 * the stream must be each EADD followed by none or all 16 of its EEXTENDs. */
static int check_canonical(const struct sgxs *s, const char *path)
{
	u64 i = 0;

	while (i < s->nr_ops) {
		u64 page = s->ops[i].page, c;

		if (s->ops[i].type != SGXS_OP_EADD)
			return fail(-EINVAL, "%s: EEXTEND away from its EADD (op %llu)", path,
				    (unsigned long long)i);
		i++;
		if (i >= s->nr_ops || s->ops[i].type != SGXS_OP_EEXTEND)
			continue;
		for (c = 0; c < 16; c++, i++)
			if (i >= s->nr_ops || s->ops[i].type != SGXS_OP_EEXTEND ||
			    s->ops[i].page != page ||
			    s->ops[i].offset != s->pages[page].offset + c * SGX_EEXTEND_CHUNK)
				return fail(-EINVAL,
					    "%s: page %#llx is not measured whole and in order", path,
					    (unsigned long long)s->pages[page].offset);
	}
	return 0;
}

static int add_pages(struct sgxemu_enclave *e, const struct sgxs *s)
{
	struct sgx_secinfo si __aligned(64);
	u64 i, count;
	int err;

	for (i = 0; i < s->nr_ops; i++) {
		const struct sgxs_page *pg;
		bool measure;

		if (s->ops[i].type != SGXS_OP_EADD)
			continue;
		pg = &s->pages[s->ops[i].page];
		measure = i + 1 < s->nr_ops && s->ops[i + 1].type == SGXS_OP_EEXTEND;
		memset(&si, 0, sizeof(si));
		si.flags = pg->secinfo_flags;
		err = encl_add_pages(e->encl, pg->data, pg->offset, SGX_PAGE_SIZE, &si, measure,
				     &count);
		if (err)
			return fail(err, "EADD of page %#llx: %s", (unsigned long long)pg->offset,
				    strerror(-err));
	}
	return 0;
}

static int map_pages(struct sgxemu_enclave *e, const struct sgxs *s, u64 base)
{
	u64 i;
	int err, n = 0;

	e->tcs = calloc(s->nr_pages, sizeof(*e->tcs));
	if (!e->tcs)
		return fail(-ENOMEM, "out of memory");
	for (i = 0; i < s->nr_pages; i++) {
		const struct sgxs_page *pg = &s->pages[i];
		u64 f = pg->secinfo_flags;
		int prot = ((f & SGX_SECINFO_R) ? PROT_READ : 0) |
			   ((f & SGX_SECINFO_W) ? PROT_WRITE : 0) |
			   ((f & SGX_SECINFO_X) ? PROT_EXEC : 0);

		if ((f & SGX_SECINFO_PT_MASK) >> SGX_SECINFO_PT_SHIFT == SGX_PT_TCS) {
			prot = PROT_READ | PROT_WRITE;
			e->tcs[n++] = base + pg->offset;
		}
		err = encl_map(e->encl, base + pg->offset, SGX_PAGE_SIZE, prot);
		if (err)
			return fail(err, "mapping page %#llx: %s", (unsigned long long)pg->offset,
				    strerror(-err));
	}
	e->nr_tcs = (unsigned int)n;
	/* TCSs in address order: the page list is in stream order. */
	for (i = 1; i < (u64)n; i++) {
		u64 v = e->tcs[i], j = i;

		for (; j > 0 && e->tcs[j - 1] > v; j--)
			e->tcs[j] = e->tcs[j - 1];
		e->tcs[j] = v;
	}
	return 0;
}

static int read_sigstruct(const char *path, struct sgx_sigstruct *sig)
{
	size_t len;
	u8 *buf;
	int err = file_read_all(path, 1 << 20, &buf, &len);

	if (err)
		return fail(err, "%s: %s", path, file_strerror(err));
	if (len != sizeof(*sig)) {
		free(buf);
		return fail(-EINVAL, "%s: %zu bytes; a SIGSTRUCT is 1808", path, len);
	}
	memcpy(sig, buf, sizeof(*sig));
	free(buf);
	return 0;
}

/* The launch enclave, loaded on first use.  Context: p->le_lock held. */
static int load_le(struct sgxemu_platform *p)
{
	struct sgx_sigstruct sig;
	char path[4096], sgxs[4096], hex[2 * SGX_HASH_SIZE + 1];
	u8 signer[SGX_HASH_SIZE];
	int err;

	if (p->le)
		return 0;
	snprintf(path, sizeof(path), "%s.sig", p->le_path);
	err = read_sigstruct(path, &sig);
	if (err)
		return err;
	crypto_sha256(sig.modulus, sizeof(sig.modulus), signer);
	/* It launches by its own signer or not at all. */
	if (!drv_launch_allowed(p->drv, signer)) {
		hex_encode(hex, signer, sizeof(signer));
		return fail(-EPERM, "the launch enclave's signer %s is not allowed by the host launch "
			    "policy", hex);
	}
	snprintf(sgxs, sizeof(sgxs), "%s.sgxs", p->le_path);
	err = sgxemu_enclave_load(p, sgxs, path, &p->le);
	if (err)
		return err;
	memcpy(p->le_signer, signer, sizeof(signer));
	return 0;
}

int sgxemu_launch_token(struct sgxemu_platform *p, const void *sigstruct, uint64_t attributes,
			uint64_t xfrm, void *token)
{
	const struct sgx_sigstruct *sig = sigstruct;
	struct sgxemu_le_request req;
	struct sgx_enclave_run run;
	int err;

	if (!p->le_path)
		return fail(-ENOENT, "no launch enclave configured");
	memset(&req, 0, sizeof(req));
	memcpy(req.mrenclave, sig->enclavehash, sizeof(req.mrenclave));
	crypto_sha256(sig->modulus, sizeof(sig->modulus), req.mrsigner);
	req.attributes = attributes & ~SGX_ATTR_INIT;
	req.xfrm = xfrm;
	pthread_mutex_lock(&p->le_lock);
	err = load_le(p);
	if (!err) {
		memset(&run, 0, sizeof(run));
		run.tcs = sgxemu_enclave_tcs(p->le, 0);
		err = sgxemu_enter_enclave((unsigned long)&req, 0, 0, 2, 0, 0, &run);
		if (!err && run.function != 4)
			err = fail(-EIO, "the launch enclave took exception %u", run.exception_vector);
		else if (!err && req.status)
			err = fail(-EPERM, "the launch enclave refused the enclave (status %llu)",
				   (unsigned long long)req.status);
	}
	pthread_mutex_unlock(&p->le_lock);
	if (!err)
		memcpy(token, req.token, sizeof(req.token));
	return err;
}

int sgxemu_enclave_load(struct sgxemu_platform *p, const char *sgxs_path, const char *sig_path,
			struct sgxemu_enclave **out)
{
	struct sgx_sigstruct sig;
	struct sgx_einittoken token;
	struct sgx_secs *secs = NULL;
	struct sgxemu_enclave *e;
	u8 mrsigner[SGX_HASH_SIZE];
	char why[512];
	struct sgxs s;
	u64 base = 0, attributes, xfrm;
	int err, status;

	err = read_sigstruct(sig_path, &sig);
	if (err)
		return err;
	err = sgxs_load_file(sgxs_path, &s, why, sizeof(why));
	if (err)
		return fail(err, "%s", why);
	e = calloc(1, sizeof(*e));
	if (!e) {
		sgxs_free(&s);
		return fail(-ENOMEM, "out of memory");
	}
	e->p = p;
	err = check_canonical(&s, sgxs_path);
	if (err)
		goto err_free;
	err = reserve_elrange(e, s.size, &base);
	if (err) {
		fail(err, "cannot reserve a %#llx-byte ELRANGE: %s", (unsigned long long)s.size,
		     strerror(-err));
		goto err_free;
	}
	secs = aligned_alloc(SGX_PAGE_SIZE, sizeof(*secs));
	if (!secs) {
		err = fail(-ENOMEM, "out of memory");
		goto err_free;
	}
	memset(secs, 0, sizeof(*secs));
	secs->size = s.size;
	secs->baseaddr = base;
	secs->ssaframesize = s.ssaframesize;
	secs->miscselect = sig.miscselect;
	secs->attributes.flags = sig.attributes.flags & ~SGX_ATTR_INIT;
	secs->attributes.xfrm = sig.attributes.xfrm;
	attributes = secs->attributes.flags;
	xfrm = secs->attributes.xfrm;
	err = encl_alloc(p->drv, &e->encl);
	if (!err)
		err = encl_create(e->encl, secs);
	free(secs);
	if (err == -ENOSPC) {
		fail(err, "this platform already holds as many enclaves as its driver can; "
			  "destroy one first");
		goto err_free;
	}
	if (err) {
		fail(err, "ECREATE failed: the platform does not accept this SECS");
		goto err_free;
	}
	err = add_pages(e, &s);
	if (err)
		goto err_free;
	if (p->le_path)
		crypto_sha256(sig.modulus, sizeof(sig.modulus), mrsigner);
	if (p->le_path && !drv_launch_allowed(p->drv, mrsigner)) {
		/* Not listed: a token from the launch enclave may launch it. */
		err = sgxemu_launch_token(p, &sig, attributes, xfrm, &token);
		if (err)
			goto err_free;
		err = encl_init_token(e->encl, &sig, &token, p->le_signer, &status);
	} else {
		err = encl_init(e->encl, &sig, &status);
	}
	if (err) {
		fail(err, "EINIT failed: %s",
		     status ? sgx_status_name(status) : strerror(-err));
		goto err_free;
	}
	err = map_pages(e, &s, base);
	if (err)
		goto err_free;
	sgxs_free(&s);
	*out = e;
	return 0;
err_free:
	sgxs_free(&s);
	sgxemu_enclave_destroy(e);
	return err;
}

void sgxemu_enclave_destroy(struct sgxemu_enclave *e)
{
	if (!e)
		return;
	encl_destroy(e->encl);
	if (e->reserve)
		sys_munmap(e->reserve, e->reserve_len);
	free(e->tcs);
	free(e);
}

uint64_t sgxemu_enclave_base(const struct sgxemu_enclave *e)
{
	return encl_base(e->encl);
}

uint64_t sgxemu_enclave_size(const struct sgxemu_enclave *e)
{
	return encl_size(e->encl);
}

unsigned int sgxemu_enclave_nr_tcs(const struct sgxemu_enclave *e)
{
	return e->nr_tcs;
}

uint64_t sgxemu_enclave_tcs(const struct sgxemu_enclave *e, unsigned int index)
{
	return index < e->nr_tcs ? e->tcs[index] : 0;
}

int sgxemu_enclave_mprotect(struct sgxemu_enclave *e, uint64_t addr, uint64_t len, int prot)
{
	int err = encl_map(e->encl, addr, len, prot);

	return err ? fail(err, "cannot map %#llx+%#llx: %s", (unsigned long long)addr,
			  (unsigned long long)len, strerror(-err)) :
		     0;
}

int sgxemu_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	int err = exec_init();

	if (!err)
		err = sig_action(sig, act, old);
	return err ? fail(err, "sigaction(%d): %s", sig, strerror(-err)) : 0;
}

int sgxemu_sigaltstack(const stack_t *ss, stack_t *old)
{
	struct tcb *t;
	int err = exec_init_process();

	/* The thread gets its TCB now: from here its sigaltstack is the
	 * emulator's, and what the program asks for is recorded. */
	t = err ? NULL : tcb_current();
	err = t ? tcb_sigaltstack(t, ss, old) : sys_sigaltstack(ss, old);

	return err ? fail(err, "sigaltstack: %s", strerror(-err)) : 0;
}

void sgxemu_cpuid(struct sgxemu_platform *p, uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	exec_cpuid_answer(p->plat, leaf, subleaf, regs);
}

int sgxemu_cpuid_faulting(struct sgxemu_platform *p)
{
	int err = exec_cpuid_enable(p->plat);

	return err ? fail(err, "CPUID faulting: %s", err == -ENODEV ?
			  "not offered by this CPU or kernel (no cpuid_fault in /proc/cpuinfo)" :
			  strerror(-err)) :
		     0;
}

int sgxemu_lp_stats(struct sgxemu_platform *p, unsigned int lp, struct sgxemu_lp_stats *out)
{
	struct drv_lp_stats s;
	int err = drv_lp_stats(p->drv, lp, &s);

	if (err)
		return fail(err, "no logical processor %u", lp);
	out->einits = s.einits;
	out->msr_writes = s.msr_writes;
	out->cache_hits = s.cache_hits;
	out->refused = s.refused;
	return 0;
}

unsigned int sgxemu_nr_lps(const struct sgxemu_platform *p)
{
	return platform_config(p->plat)->nr_lps;
}

void sgxemu_epc_stats(struct sgxemu_platform *p, uint64_t *total, uint64_t *free_pages)
{
	*total = platform_epc_pages(p->plat);
	*free_pages = drv_epc_free_pages(p->drv);
}

void sgxemu_paging_stats(struct sgxemu_platform *p, uint64_t *evicted, uint64_t *reloaded)
{
	u64 e, r;

	drv_paging_stats(p->drv, &e, &r);
	*evicted = e;
	*reloaded = r;
}

struct encl *api_enclave_encl(struct sgxemu_enclave *e)
{
	return e->encl;
}

int sgxemu_enclave_stats(struct sgxemu_platform *p, unsigned int index,
			 struct sgxemu_enclave_stats *out)
{
	struct drv_encl_stats s;
	int err = drv_encl_stats(p->drv, index, &s);

	if (err)
		return err;
	out->base = s.base;
	out->size = s.size;
	out->evicted = s.evicted;
	out->reloaded = s.reloaded;
	out->augmented = s.augmented;
	out->removed = s.removed;
	out->live = s.live;
	return 0;
}

void sgxemu_cpuid_answer_patched(struct sgxemu_platform *p)
{
	exec_cpuid_use(p->plat);
}
