// SPDX-License-Identifier: MIT
#include "base/shm.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "base/fork.h"
#include "base/sys.h"

/* The leak checker finds heap blocks through pointers in the heap, the
 * stacks and the globals, not in memory of ours: what only this memory
 * points to (a driver's machine connection, its launch policy) would
 * look leaked.  So it looks here too: in the objects, not in the EPC,
 * page tables and backing stores (up to terabytes reserved, and no
 * pointers). */
#define SHM_ROOT_MAX ((size_t)1 << 20)
#if defined(__SANITIZE_ADDRESS__)
#define SHM_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SHM_LSAN 1
#endif
#endif
#ifdef SHM_LSAN
#include <sanitizer/lsan_interface.h>
#else
static inline void __lsan_register_root_region(const void *p, size_t len)
{
	(void)p;
	(void)len;
}

static inline void __lsan_unregister_root_region(const void *p, size_t len)
{
	(void)p;
	(void)len;
}
#endif

static size_t pages_of(size_t len)
{
	return (len + 4095) & ~(size_t)4095;
}

void *shm_zalloc(size_t len, bool shared)
{
	void *m;

	if (!len || len > (size_t)1 << 47)
		return NULL;
	/* Anonymous memory is zero; NORESERVE so untouched pages cost nothing. */
	m = sys_mmap(NULL, pages_of(len), PROT_READ | PROT_WRITE,
		     (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sys_failed(m))
		return NULL;
	if (pages_of(len) <= SHM_ROOT_MAX)
		__lsan_register_root_region(m, pages_of(len));
	return m;
}

void shm_free(void *p, size_t len)
{
	if (!p)
		return;
	if (pages_of(len) <= SHM_ROOT_MAX)
		__lsan_unregister_root_region(p, pages_of(len));
	sys_munmap(p, pages_of(len));
}

int shm_mutex_init(pthread_mutex_t *m, bool shared)
{
	pthread_mutexattr_t a;
	int err;

	err = pthread_mutexattr_init(&a);
	if (!err && shared)
		err = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (!err)
		err = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return -err;
}

int shm_rwlock_init(pthread_rwlock_t *l, bool shared)
{
	pthread_rwlockattr_t a;
	int err;

	err = pthread_rwlockattr_init(&a);
	if (!err && shared)
		err = pthread_rwlockattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (!err)
		err = pthread_rwlock_init(l, &a);
	pthread_rwlockattr_destroy(&a);
	return -err;
}

/* The calling thread's kernel id: a system call the first time only.  A
 * child of fork() forgets it (shm_fork_child()), as its thread is new. */
static __thread int cached_tid;

int shm_self_tid(void)
{
	/* A child of a bare fork that has not noticed yet (base/fork.h) has
	 * its parent's thread's id cached. */
	if (unlikely(fork_unnoticed()))
		return (int)sys_call6(SYS_gettid, 0, 0, 0, 0, 0, 0);
	if (unlikely(!cached_tid))
		cached_tid = (int)sys_call6(SYS_gettid, 0, 0, 0, 0, 0, 0);
	return cached_tid;
}

void shm_fork_child(void)
{
	cached_tid = 0;
}

/* Open /proc/@tid/@name.  No snprintf(): this may run in a child of fork()
 * before the C library has made its locks anew.  Return: fd or -errno. */
static long proc_open(int tid, const char *name)
{
	char path[48] = "/proc/", digits[12];
	unsigned int n_digits = 0, at = 6;
	u32 v = (u32)tid;

	do
		digits[n_digits++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n_digits)
		path[at++] = digits[--n_digits];
	path[at++] = '/';
	memcpy(path + at, name, strlen(name) + 1);
	return sys_call6(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
}

bool shm_tid_alive(int tid)
{
	char buf[512], *p;
	long fd, n;

	if (tid <= 0 || sys_call6(SYS_kill, tid, 0, 0, 0, 0, 0) == -ESRCH)
		return false;
	/* A zombie answers kill(). */
	fd = proc_open(tid, "stat");
	if (fd < 0)
		return fd != -ENOENT;
	n = sys_call6(SYS_read, fd, (long)buf, sizeof(buf) - 1, 0, 0, 0);
	sys_close((int)fd);
	if (n <= 0)
		return true;
	buf[n] = 0;
	/* "tid (comm) S ...": the state follows the last parenthesis. */
	p = strrchr(buf, ')');
	return !p || p[1] != ' ' || (p[2] != 'Z' && p[2] != 'X');
}

bool shm_maps_at(int pid, const void *addr)
{
	u64 want = (u64)(uintptr_t)addr, start = 0;
	bool line_start = true, in_start = false;
	char buf[4096];
	long fd, n, i;

	fd = proc_open(pid, "maps");
	if (fd < 0)
		return fd != -ENOENT && fd != -ESRCH;
	/* Each line begins "start-end ": a byte at a time, across reads. */
	while ((n = sys_call6(SYS_read, fd, (long)buf, sizeof(buf), 0, 0, 0)) > 0) {
		for (i = 0; i < n; i++) {
			char c = buf[i];

			if (line_start) {
				line_start = false;
				in_start = true;
				start = 0;
			}
			if (c == '\n') {
				line_start = true;
			} else if (in_start && c == '-') {
				in_start = false;
				if (start == want) {
					sys_close((int)fd);
					return true;
				}
			} else if (in_start) {
				start = start << 4 |
					(u64)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
			}
		}
	}
	sys_close((int)fd);
	/* A read that failed says nothing: still there, for all we know. */
	return n < 0;
}

int shm_lock(struct shm_lock *l)
{
	u32 me = (u32)shm_self_tid(), cur = 0;
	int taken = 0;

	if (atomic_compare_exchange_strong_explicit(&l->owner, &cur, me, memory_order_acquire,
						    memory_order_relaxed))
		return 0;
	atomic_fetch_add(&l->waiters, 1);
	for (;;) {
		cur = 0;
		if (atomic_compare_exchange_strong_explicit(&l->owner, &cur, me,
							    memory_order_acquire,
							    memory_order_relaxed))
			break;
		/* A holder that died wakes nobody: look at it now and then. */
		sys_futex_wait(&l->owner, cur, 50);
		cur = atomic_load_explicit(&l->owner, memory_order_relaxed);
		if (cur && !shm_tid_alive((int)cur) &&
		    atomic_compare_exchange_strong_explicit(&l->owner, &cur, me,
							    memory_order_acquire,
							    memory_order_relaxed)) {
			taken = 1;
			break;
		}
	}
	atomic_fetch_sub(&l->waiters, 1);
	return taken;
}

int shm_trylock(struct shm_lock *l)
{
	u32 cur = 0;

	return atomic_compare_exchange_strong_explicit(&l->owner, &cur, (u32)shm_self_tid(),
						       memory_order_acquire,
						       memory_order_relaxed) ?
		       0 :
		       -EBUSY;
}

void shm_unlock(struct shm_lock *l)
{
	atomic_store_explicit(&l->owner, 0, memory_order_release);
	if (atomic_load(&l->waiters))
		sys_futex_wake(&l->owner);
}

int shm_rlock_lock(struct shm_rlock *l)
{
	int taken;

	/* Only this thread stores its own id, so a match is ours. */
	if (atomic_load_explicit(&l->lock.owner, memory_order_relaxed) == (u32)shm_self_tid()) {
		l->depth++;
		return 0;
	}
	taken = shm_lock(&l->lock);
	l->depth = 1;
	return taken;
}

int shm_rlock_trylock(struct shm_rlock *l)
{
	u32 me = (u32)shm_self_tid(), cur;

	if (atomic_load_explicit(&l->lock.owner, memory_order_relaxed) == me) {
		l->depth++;
		return 0;
	}
	if (!shm_trylock(&l->lock)) {
		l->depth = 1;
		return 0;
	}
	cur = atomic_load_explicit(&l->lock.owner, memory_order_relaxed);
	if (!cur || shm_tid_alive((int)cur) ||
	    !atomic_compare_exchange_strong_explicit(&l->lock.owner, &cur, me,
						     memory_order_acquire, memory_order_relaxed))
		return -EBUSY;
	l->depth = 1;
	return 1;
}

void shm_rlock_unlock(struct shm_rlock *l)
{
	if (--l->depth)
		return;
	shm_unlock(&l->lock);
}
