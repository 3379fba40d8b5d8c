// SPDX-License-Identifier: MIT
/* The host machine, a client's side (see machine.h). */
#include "drv/machine.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/compiler.h"
#include "base/log.h"
#include "base/sys.h"
#include "drv/machine_proto.h"

struct machine {
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
	enum machine_kind kind;
	char name[MACHINE_NAME_LEN];
	int min_fd;
	/* Our connection: the daemon frees our slot when it closes (exit,
	 * exec, a crash).  -1 in a forked child until it attaches again. */
	int conn;
	int slot;
	u64 token;              /* the slot's, for a forked child to join it */
	const struct machine_config *cfg;
	struct machine_state *st;
	u64 cfg_size, st_size;
	struct launch_lp *lps;
	_Atomic u8 *owner;
	u64 nr_pages;
	atomic_bool lost;
	atomic_bool told;
};

/* --- layout ------------------------------------------------------------------ */

static u64 lps_offset(void)
{
	return (sizeof(struct machine_state) + 63) & ~63ULL;
}

u64 machine_state_size(u32 nr_lps, u64 nr_pages)
{
	u64 n = lps_offset() + (u64)nr_lps * sizeof(struct launch_lp) + nr_pages;

	return (n + 4095) & ~4095ULL;
}

struct launch_lp *machine_state_lps(struct machine_state *s)
{
	/* lps_offset() is a multiple of 64, so the array is aligned. */
	return (struct launch_lp *)(void *)((u8 *)s + lps_offset());
}

_Atomic u8 *machine_state_owners(struct machine_state *s, u32 nr_lps)
{
	return (_Atomic u8 *)((u8 *)s + lps_offset() + (u64)nr_lps * sizeof(struct launch_lp));
}

/* --- finding and attaching ----------------------------------------------------- */

bool machine_running(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, ok;

	if (strlen(path) >= sizeof(a.sun_path))
		return false;
	strcpy(a.sun_path, path);
	fd = (int)sys_call6(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0);
	if (fd < 0)
		return false;
	ok = !sys_call6(SYS_connect, fd, (long)&a, sizeof(a), 0, 0, 0);
	sys_close(fd);
	return ok;
}

void machine_user_socket(char *out, size_t len)
{
	const char *run = getenv("XDG_RUNTIME_DIR");

	if (run && *run == '/')
		snprintf(out, len, "%s/sgxemu/machine.sock", run);
	else
		snprintf(out, len, "/tmp/sgxemu-%u/machine.sock", (unsigned int)getuid());
}

void machine_socket_path(const char *path, char *out, size_t len)
{
	const char *env = getenv("SGXEMU_MACHINE");

	if (!path || !*path)
		path = env && *env ? env : NULL;
	if (path) {
		snprintf(out, len, "%s", strcmp(path, "none") ? path : "");
		return;
	}
	if (machine_running(MACHINE_SYSTEM_SOCKET)) {
		snprintf(out, len, "%s", MACHINE_SYSTEM_SOCKET);
		return;
	}
	machine_user_socket(out, len);
}

/*
 * The user's default socket lives where others may be able to create it
 * first (/tmp without XDG_RUNTIME_DIR, or a directory they can write): a
 * machine found there must be the user's own or root's, or another user
 * would hand this one its configuration, state directory and secrets.  A
 * socket named on purpose (--machine, SGXEMU_MACHINE: a --group machine of
 * another user) is the caller's choice.
 */
static bool peer_trusted(int fd, const char *sock)
{
	char mine[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ucred cred;
	socklen_t len = sizeof(cred);

	machine_user_socket(mine, sizeof(mine));
	if (strcmp(sock, mine))
		return true;
	if (sys_call6(SYS_getsockopt, fd, SOL_SOCKET, SO_PEERCRED, (long)&cred, (long)&len, 0))
		return false;
	return cred.uid == getuid() || cred.uid == 0;
}

/* How long a request waits for the machine: one that stopped (SIGSTOP, a
 * debugger) must not hang a client's start, or its fork(), for good. */
#define MACHINE_CALL_SECONDS 10

static u64 mono_ms(void)
{
	struct timespec ts = { 0, 0 };

	sys_call6(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0);
	return (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
}

/*
 * System call @nr on a socket with a timeout: a signal handler that runs
 * meanwhile makes it -EINTR even when the program asked for SA_RESTART
 * (signal(7): the kernel restarts no socket call that has a timeout), and
 * a program with a fast timer would fail its start or its fork()'s join.
 * Made again until @until (mono_ms()).
 */
static long sock_call(u64 until, long nr, long a, long b, long c, long d)
{
	long r;

	do
		r = sys_call6(nr, a, b, c, d, 0, 0);
	while (r == -EINTR && mono_ms() < until);
	return r;
}

/* Connect to @sock and make request @req; the reply in @rep, the memory
 * files (if any) in @fds.  Return: the connected socket, or -errno
 * (-ETIMEDOUT: no answer within MACHINE_CALL_SECONDS). */
int machine_call(const char *sock, const struct machine_req *req, struct machine_rep *rep,
		 int fds[2])
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = rep, .iov_len = sizeof(*rep) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct timeval limit = { .tv_sec = MACHINE_CALL_SECONDS };
	u64 until = mono_ms() + MACHINE_CALL_SECONDS * 1000;
	struct cmsghdr *c;
	long n;
	int fd, err;

	fds[0] = fds[1] = -1;
	if (strlen(sock) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	strcpy(a.sun_path, sock);
	fd = (int)sys_call6(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0);
	if (fd < 0)
		return fd;
	/* The send timeout also bounds connect() on a full backlog. */
	err = (int)sys_call6(SYS_setsockopt, fd, SOL_SOCKET, SO_RCVTIMEO, (long)&limit,
			     sizeof(limit), 0);
	if (!err)
		err = (int)sys_call6(SYS_setsockopt, fd, SOL_SOCKET, SO_SNDTIMEO, (long)&limit,
				     sizeof(limit), 0);
	if (!err) {
		err = (int)sock_call(until, SYS_connect, fd, (long)&a, sizeof(a), 0);
		/* (Connected after all, by the call a signal broke.) */
		if (err == -EISCONN)
			err = 0;
	}
	if (!err && !peer_trusted(fd, sock))
		err = -EPERM;
	if (!err && sock_call(until, SYS_sendto, fd, (long)req, sizeof(*req), MSG_NOSIGNAL) !=
			    (long)sizeof(*req))
		err = -EPIPE;
	if (!err) {
		n = sock_call(until, SYS_recvmsg, fd, (long)&msg, MSG_CMSG_CLOEXEC, 0);
		if (n != (long)sizeof(*rep) || rep->magic != MACHINE_MAGIC)
			err = n < 0 ? (int)n : -EPROTO;
	}
	for (c = err ? NULL : CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(2 * sizeof(int)))
			memcpy(fds, CMSG_DATA(c), 2 * sizeof(int));
	if (err) {
		sys_close(fd);
		if (err == -EAGAIN || err == -EINPROGRESS)
			return -ETIMEDOUT;
		return err == -ECONNREFUSED ? -ENOENT : err;
	}
	return fd;
}

static void close_fds(int fds[2])
{
	if (fds[0] >= 0)
		sys_close(fds[0]);
	if (fds[1] >= 0)
		sys_close(fds[1]);
}

/* Whether @s has its end within its @len bytes. */
static bool has_end(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

int machine_config_check(const struct machine_config *c, char *what, size_t len)
{
	if (!c->nr_lps || c->nr_lps > PLATFORM_MAX_LPS)
		snprintf(what, len, "%u logical processors (1 to %d)", c->nr_lps, PLATFORM_MAX_LPS);
	else if (c->epc_size < PLATFORM_MIN_EPC_SIZE || c->epc_size > PLATFORM_MAX_EPC_SIZE ||
		 c->epc_size % SGX_PAGE_SIZE)
		snprintf(what, len, "an EPC of %llu bytes (a multiple of 4 KiB, %llu to %llu)",
			 (unsigned long long)c->epc_size, PLATFORM_MIN_EPC_SIZE,
			 PLATFORM_MAX_EPC_SIZE);
	else if (c->max_enclave_size_log2 < PLATFORM_MIN_ENCLAVE_SIZE_LOG2 ||
		 c->max_enclave_size_log2 > PLATFORM_MAX_ENCLAVE_SIZE_LOG2)
		snprintf(what, len, "a largest enclave of 2^%u bytes (2^%d to 2^%d)",
			 c->max_enclave_size_log2, PLATFORM_MIN_ENCLAVE_SIZE_LOG2,
			 PLATFORM_MAX_ENCLAVE_SIZE_LOG2);
	else if (c->nr_signers > MACHINE_MAX_SIGNERS)
		snprintf(what, len, "%u signers (at most %d)", c->nr_signers, MACHINE_MAX_SIGNERS);
	else if (!has_end(c->state_dir, sizeof(c->state_dir)))
		snprintf(what, len, "a state directory with no end");
	else if (!has_end(c->socket, sizeof(c->socket)))
		snprintf(what, len, "a socket path with no end");
	else if (c->state_size != machine_state_size(c->nr_lps, c->epc_size / SGX_PAGE_SIZE))
		snprintf(what, len, "a state of %u bytes (%llu for its EPC and LPs)", c->state_size,
			 (unsigned long long)machine_state_size(c->nr_lps,
								  c->epc_size / SGX_PAGE_SIZE));
	else
		return 0;
	return -EINVAL;
}

/* The seals a memory file needs: what the daemon sealed it with. */
#define CONFIG_SEALS (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW)
#define STATE_SEALS (F_SEAL_SHRINK | F_SEAL_GROW)

/* Whether @fd is sealed with every one of @seals. */
static bool sealed(int fd, long seals)
{
	long have = sys_call6(SYS_fcntl, fd, F_GET_SEALS, 0, 0, 0, 0);

	return have >= 0 && (have & seals) == seals;
}

/*
 * Map the configuration and the state behind @fds; check them first.
 * They come from whatever listens at the socket: a configuration that is
 * not sealed could change (or shrink: SIGBUS) after the checks, and every
 * count in it sizes something a client indexes.
 */
int machine_map(int fds[2], bool writable, const struct machine_config **cfg,
		struct machine_state **st, u64 *st_size, char *why, size_t whylen)
{
	const struct machine_config *c;
	struct stat a, b;
	char what[160];
	void *p, *q;

	if (fds[0] < 0 || fds[1] < 0 || sys_call6(SYS_fstat, fds[0], (long)&a, 0, 0, 0, 0) ||
	    sys_call6(SYS_fstat, fds[1], (long)&b, 0, 0, 0, 0)) {
		snprintf(why, whylen, "the machine sent no memory files: restart the machine");
		return -EPROTO;
	}
	if (!sealed(fds[0], CONFIG_SEALS)) {
		snprintf(why, whylen, "the machine's configuration is not sealed against change "
				      "(is it sgxemu's?): restart the machine");
		return -EPROTO;
	}
	if (a.st_size < (off_t)sizeof(*c)) {
		snprintf(why, whylen, "the machine's configuration is cut short (%lld of %zu bytes): "
				      "restart the machine", (long long)a.st_size, sizeof(*c));
		return -EPROTO;
	}
	p = sys_mmap(NULL, sizeof(*c), PROT_READ, MAP_SHARED, fds[0], 0);
	if (sys_failed(p)) {
		snprintf(why, whylen, "cannot map the machine: %s", strerror(-(int)(long)p));
		return (int)(long)p;
	}
	c = p;
	if (c->magic != MACHINE_MAGIC || c->version != MACHINE_VERSION ||
	    a.st_size != (off_t)sizeof(*c))
		snprintf(why, whylen, "the machine is of another sgxemu version; restart it");
	else if (machine_config_check(c, what, sizeof(what)))
		snprintf(why, whylen, "the machine's configuration has %s: restart the machine",
			 what);
	else if (!sealed(fds[1], STATE_SEALS))
		snprintf(why, whylen, "the machine's state is not sealed against shrinking "
				      "(is it sgxemu's?): restart the machine");
	else if ((u64)b.st_size < c->state_size)
		snprintf(why, whylen, "the machine's state is smaller than its configuration says "
				      "(%lld of %u bytes): restart the machine",
			 (long long)b.st_size, c->state_size);
	else
		why[0] = '\0';
	if (why[0]) {
		sys_munmap(p, sizeof(*c));
		return -EPROTO;
	}
	q = sys_mmap(NULL, c->state_size, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED,
		     fds[1], 0);
	if (sys_failed(q)) {
		snprintf(why, whylen, "cannot map the machine: %s", strerror(-(int)(long)q));
		sys_munmap(p, sizeof(*c));
		return (int)(long)q;
	}
	*cfg = c;
	*st = q;
	*st_size = c->state_size;
	return 0;
}

/* The connections of this process's clients, for machine_owns_fd(). */
static _Atomic int conns[8] = { -1, -1, -1, -1, -1, -1, -1, -1 };

static void conn_set(int old, int fd)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(conns); i++) {
		int o = old;

		if (atomic_compare_exchange_strong(&conns[i], &o, fd))
			return;
	}
}

bool machine_owns_fd(int fd)
{
	size_t i;

	for (i = 0; fd >= 0 && i < ARRAY_SIZE(conns); i++)
		if (atomic_load(&conns[i]) == fd)
			return true;
	return false;
}

static void conn_close(struct machine *m)
{
	if (m->conn < 0)
		return;
	conn_set(m->conn, -1);
	sys_close(m->conn);
	m->conn = -1;
}

/* A descriptor at or above @min_fd, where the preload shim guards it. */
static int raise_fd(int fd, int min_fd)
{
	int moved;

	if (min_fd <= 0 || fd >= min_fd)
		return fd;
	moved = (int)sys_call6(SYS_fcntl, fd, F_DUPFD_CLOEXEC, min_fd, 0, 0, 0);
	if (moved < 0)
		return fd;
	sys_close(fd);
	return moved;
}

static int request_slot(struct machine *m, int fds[2], char *why, size_t whylen)
{
	struct machine_req req = { .magic = MACHINE_MAGIC, .op = MACHINE_OP_ATTACH,
				   .kind = (u32)m->kind };
	struct machine_rep rep;
	int fd;

	memcpy(req.name, m->name, sizeof(req.name));
	fd = machine_call(m->sock, &req, &rep, fds);
	if (fd == -EPERM)
		snprintf(why, whylen, "%s", MACHINE_WHY_NOT_YOURS);
	if (fd < 0)
		return fd;
	if (rep.err) {
		snprintf(why, whylen, "%s", rep.msg);
		sys_close(fd);
		close_fds(fds);
		return rep.err;
	}
	if (rep.slot < 0 || rep.slot >= MACHINE_MAX_CLIENTS) {
		snprintf(why, whylen, "the machine answered nonsense");
		sys_close(fd);
		close_fds(fds);
		return -EPROTO;
	}
	m->slot = rep.slot;
	m->token = rep.token;
	m->conn = raise_fd(fd, m->min_fd);
	conn_set(-1, m->conn);
	return 0;
}

int machine_attach(const char *sock, enum machine_kind kind, const char *name, int min_fd,
		   struct machine **out, char *why, size_t whylen)
{
	struct machine *m;
	int fds[2], err;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	if (strlen(sock) >= sizeof(m->sock)) {
		free(m);
		snprintf(why, whylen, "%s: path too long", sock);
		return -ENAMETOOLONG;
	}
	strcpy(m->sock, sock);
	m->kind = kind;
	snprintf(m->name, sizeof(m->name), "%s", name ? name : "");
	m->min_fd = min_fd;
	m->conn = -1;
	m->slot = -1;
	err = request_slot(m, fds, why, whylen);
	if (!err)
		err = machine_map(fds, true, &m->cfg, &m->st, &m->st_size, why, whylen);
	close_fds(fds);
	if (err) {
		if (err != -ENOENT && !*why)
			snprintf(why, whylen, "%s", strerror(-err));
		conn_close(m);
		free(m);
		return err;
	}
	m->lps = machine_state_lps(m->st);
	m->nr_pages = m->cfg->epc_size / 4096;
	m->owner = machine_state_owners(m->st, m->cfg->nr_lps);
	*out = m;
	return 0;
}

void machine_detach(struct machine *m)
{
	if (!m)
		return;
	conn_close(m);
	sys_munmap(m->st, m->st_size);
	sys_munmap((void *)m->cfg, sizeof(*m->cfg));
	free(m);
}

const struct machine_config *machine_config(const struct machine *m)
{
	return m->cfg;
}

const char *machine_socket(const struct machine *m)
{
	return m->sock;
}

int machine_conn_fd(const struct machine *m)
{
	return m->conn;
}

bool machine_may_provision(const struct machine *m)
{
	return m->slot >= 0 && m->st->clients[m->slot].may_provision;
}

/* --- losing the machine ---------------------------------------------------------- */

static void lose(struct machine *m)
{
	atomic_store(&m->lost, true);
	if (!atomic_exchange(&m->told, true))
		log_warn("the machine at %s stopped: this program goes on with the EPC it shares "
			 "with the machine's other programs (restart it to use a new machine)",
			 m->sock);
}

bool machine_lost(const struct machine *m)
{
	return atomic_load(&m->lost) || !atomic_load(&m->st->running) ||
	       m->st->magic != MACHINE_MAGIC;
}

/* Whether the daemon hung up on us. */
static bool hung_up(struct machine *m)
{
	struct pollfd p = { .fd = m->conn, .events = POLLIN };

	return m->conn >= 0 && sys_call6(SYS_poll, (long)&p, 1, 0, 0, 0, 0) > 0 &&
	       (p.revents & (POLLIN | POLLHUP | POLLERR));
}

/* --- EPC pages --------------------------------------------------------------------- */

/* After fork(): a slot of our own, without allocating (we may be in a
 * signal handler).  Return: 0 or -errno. */
static int reattach(struct machine *m)
{
	char why[160];
	int fds[2], err;

	err = request_slot(m, fds, why, sizeof(why));
	/* Our mappings came with fork(); the files are the same. */
	if (!err)
		close_fds(fds);
	return err;
}

static struct machine_client *me(struct machine *m)
{
	return &m->st->clients[m->slot];
}

/* Eight owner bytes at a time: a word with a zero byte has a free page. */
static bool word_has_zero(u64 v)
{
	return ((v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL) != 0;
}

s64 machine_epc_take(struct machine *m)
{
	struct machine_state *st = m->st;
	u64 n = m->nr_pages, start, k, used, peak;
	u8 tag;

	/* A machine that went away leaves its clients the table they share:
	 * they go on with the pages among them, told once. */
	if (!atomic_load(&m->told) && machine_lost(m))
		lose(m);
	if (m->slot < 0 && reattach(m))
		return -EIO;
	/* Counted before the claim: a client killed between the two leaves
	 * the count high by one, never below the pages held. */
	used = atomic_fetch_add(&st->used, 1) + 1;
	if (used > n) {
		atomic_fetch_sub(&st->used, 1);
		return -ENOMEM;
	}
	tag = (u8)(m->slot + 1);
	start = atomic_load_explicit(&st->hand, memory_order_relaxed) % n;
	for (k = 0; k < n;) {
		u64 i = (start + k) % n;

		/* Skip full words quickly (owners are bytes; the array is
		 * 64-byte aligned and a whole number of pages long). */
		if (!(i & 7) && i + 8 <= n) {
			u64 v;

			memcpy(&v, (const void *)&m->owner[i], sizeof(v));
			if (!word_has_zero(v)) {
				k += 8;
				continue;
			}
		}
		{
			u8 zero = 0;

			if (!atomic_load_explicit(&m->owner[i], memory_order_relaxed) &&
			    atomic_compare_exchange_strong(&m->owner[i], &zero, tag)) {
				atomic_store_explicit(&st->hand, i + 1, memory_order_relaxed);
				peak = atomic_load(&st->peak);
				while (used > peak && !atomic_compare_exchange_weak(&st->peak, &peak, used))
					;
				atomic_fetch_add(&me(m)->pages, 1);
				return (s64)i;
			}
		}
		k++;
	}
	atomic_fetch_sub(&st->used, 1);
	return -ENOMEM;
}

void machine_epc_give(struct machine *m, u64 i)
{
	struct machine_state *st = m->st;
	struct machine_client *c;
	u64 want;

	if (i >= m->nr_pages || m->slot < 0)
		return;
	/* Only ours: after fork() the parent's pages stay the parent's. */
	{
		u8 tag = (u8)(m->slot + 1);

		if (!atomic_compare_exchange_strong(&m->owner[i], &tag, 0))
			return;
	}
	c = me(m);
	atomic_fetch_sub(&st->used, 1);
	atomic_fetch_sub(&c->pages, 1);
	want = atomic_load(&c->want);
	while (want && !atomic_compare_exchange_weak(&c->want, &want, want - 1))
		;
	atomic_fetch_add(&st->freed, 1);
	if (atomic_load(&st->waiters))
		sys_futex_wake(&st->freed);
}

u64 machine_epc_free(const struct machine *m)
{
	u64 used = atomic_load_explicit(&m->st->used, memory_order_relaxed);

	return used < m->nr_pages ? m->nr_pages - used : 0;
}

bool machine_ask_others(struct machine *m, u64 n)
{
	struct machine_client *best = NULL;
	u64 most = 0;
	int i;

	for (i = 0; i < MACHINE_MAX_CLIENTS; i++) {
		struct machine_client *c = &m->st->clients[i];
		u64 pages = atomic_load(&c->pages);

		if (i != m->slot && atomic_load(&c->pid) && pages > most) {
			most = pages;
			best = c;
		}
	}
	if (!best)
		return false;
	if (atomic_load(&best->want) < n)
		atomic_fetch_add(&best->want, n);
	atomic_fetch_add(&best->wake, 1);
	sys_futex_wake(&best->wake);
	return true;
}

bool machine_over_share(const struct machine *m)
{
	u64 mine, used = atomic_load(&m->st->used), holders = 0;
	int i;

	if (m->slot < 0)
		return false;
	mine = atomic_load(&m->st->clients[m->slot].pages);
	for (i = 0; i < MACHINE_MAX_CLIENTS; i++)
		holders += atomic_load(&m->st->clients[i].pid) &&
			   atomic_load(&m->st->clients[i].pages);
	return mine && mine * holders >= used;
}

u32 machine_freed_seq(const struct machine *m)
{
	return atomic_load(&m->st->freed);
}

void machine_wait_freed(struct machine *m, u32 seen, int ms)
{
	atomic_fetch_add(&m->st->waiters, 1);
	if (atomic_load(&m->st->freed) == seen && atomic_load(&m->st->running))
		sys_futex_wait(&m->st->freed, seen, ms);
	atomic_fetch_sub(&m->st->waiters, 1);
}

/* --- the reclaimer's side ------------------------------------------------------------- */

u32 machine_work_seq(const struct machine *m)
{
	return m->slot >= 0 ? atomic_load(&m->st->clients[m->slot].wake) : 0;
}

void machine_wait_work(struct machine *m, u32 seen, int ms)
{
	if (m->slot < 0) {
		struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
		return;
	}
	sys_futex_wait(&me(m)->wake, seen, ms);
	if (!atomic_load(&m->lost) && (hung_up(m) || machine_lost(m)))
		lose(m);
}

void machine_wake(struct machine *m)
{
	if (m->slot < 0)
		return;
	atomic_fetch_add(&me(m)->wake, 1);
	sys_futex_wake(&me(m)->wake);
}

u64 machine_wanted(const struct machine *m)
{
	return m->slot >= 0 ? atomic_load(&m->st->clients[m->slot].want) : 0;
}

void machine_wanted_none(struct machine *m)
{
	if (m->slot >= 0)
		atomic_store(&me(m)->want, 0);
}

void machine_count_paging(struct machine *m, u64 evicted, u64 reloaded)
{
	if (m->slot < 0)
		return;
	if (evicted)
		atomic_fetch_add(&me(m)->evicted, evicted);
	if (reloaded)
		atomic_fetch_add(&me(m)->reloaded, reloaded);
}

struct launch_lp *machine_lp(struct machine *m, unsigned int i)
{
	return i < m->cfg->nr_lps ? &m->lps[i] : NULL;
}

void machine_fork_share(struct machine *m)
{
	struct machine_req req = { .magic = MACHINE_MAGIC, .op = MACHINE_OP_JOIN,
				   .slot = m->slot, .token = m->token };
	struct machine_rep rep;
	int fds[2], fd, old = m->conn;

	if (m->slot < 0 || old < 0)
		return;
	fd = machine_call(m->sock, &req, &rep, fds);
	if (fd >= 0)
		close_fds(fds);
	if (fd >= 0 && (rep.err || rep.slot != m->slot)) {
		sys_close(fd);
		fd = -1;
	}
	if (fd < 0)
		return;
	m->conn = raise_fd(fd, m->min_fd);
	conn_set(old, m->conn);
	sys_close(old);
}

void machine_fork_child(struct machine *m)
{
	/* The parent's connection: its close must tell the daemon the
	 * parent is gone, so the child lets go of its copy. */
	conn_close(m);
	m->slot = -1;
}
