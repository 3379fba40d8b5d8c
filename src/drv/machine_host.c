// SPDX-License-Identifier: MIT
/*
 * The host machine, the daemon's side (see machine.h): the memory files,
 * the socket, a slot per client, and each client's pages back when its
 * connection closes.
 */
#include "drv/machine.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/sys.h"
#include "cpu/crypto.h"
#include "drv/machine_proto.h"

/*
 * A client sends its request as soon as it connects: a connection that has
 * said nothing for this long is dropped (until then it waits in the poll
 * set with the others, and holds up no one).
 */
#define MACHINE_REQUEST_MS 10000
/* How long `stop --force` waits for the clients it ended to be gone. */
#define MACHINE_END_MS 5000

struct conn {
	int fd;                 /* -1: none */
	int slot;               /* -1: not attached (yet) */
	bool joined;            /* a forked child's, to its parent's slot */
	pid_t pid;
	u64 deadline;           /* not attached: when it is dropped (now_ms()) */
};

struct machine_host {
	struct machine_config cfg;
	int cfg_fd, st_fd;
	struct machine_state *st;
	u64 st_size;
	_Atomic u8 *owner;
	int listen_fd;
	bool bound;
	dev_t sock_dev;             /* the socket we bound, to notice its removal */
	ino_t sock_ino;
	struct conn conns[MACHINE_CONNS];
	u64 tokens[MACHINE_MAX_CLIENTS];    /* each slot's, for MACHINE_OP_JOIN */
};

static u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
}

static void drop(struct conn *k)
{
	close(k->fd);
	*k = (struct conn){ .fd = -1, .slot = -1 };
}

/* "@what@arg: reason" in @why; @err. */
static int fail(char *why, size_t whylen, int err, const char *what, const char *arg)
{
	snprintf(why, whylen, "%s%s: %s", what, arg, strerror(-err));
	return err;
}

/* The configuration file: written, then sealed against every change. */
static int make_config(struct machine_host *h, char *why, size_t whylen)
{
	void *p;
	int fd = memfd_create("sgxemu-machine-config", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return fail(why, whylen, -errno, "cannot make the machine's memory", "");
	h->cfg_fd = fd;
	if (ftruncate(fd, sizeof(h->cfg)))
		return fail(why, whylen, -errno, "cannot size the machine's memory", "");
	p = mmap(NULL, sizeof(h->cfg), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail(why, whylen, -errno, "cannot map the machine's memory", "");
	memcpy(p, &h->cfg, sizeof(h->cfg));
	munmap(p, sizeof(h->cfg));
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL))
		return fail(why, whylen, -errno, "cannot seal the machine's configuration", "");
	return 0;
}

static int make_state(struct machine_host *h, char *why, size_t whylen)
{
	pthread_mutexattr_t a;
	struct launch_lp *lps;
	void *p;
	u32 i;
	int fd = memfd_create("sgxemu-machine", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return fail(why, whylen, -errno, "cannot make the machine's memory", "");
	h->st_fd = fd;
	h->st_size = h->cfg.state_size;
	if (ftruncate(fd, (off_t)h->st_size) || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		return fail(why, whylen, -errno, "cannot size the machine's memory", "");
	p = mmap(NULL, h->st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail(why, whylen, -errno, "cannot map the machine's memory", "");
	h->st = p;
	h->owner = machine_state_owners(h->st, h->cfg.nr_lps);
	lps = machine_state_lps(h->st);
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	for (i = 0; i < h->cfg.nr_lps; i++)
		pthread_mutex_init(&lps[i].lock, &a);
	pthread_mutexattr_destroy(&a);
	h->st->magic = MACHINE_MAGIC;
	atomic_store(&h->st->running, 1);
	return 0;
}

/* Bind @path, unless a machine already listens there. */
static int make_socket(struct machine_host *h, gid_t group, char *why, size_t whylen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char *path = h->cfg.socket;
	char dir[sizeof(a.sun_path)], *slash;
	int fd;

	if (strlen(path) >= sizeof(a.sun_path))
		return fail(why, whylen, -ENAMETOOLONG, "", path);
	strcpy(a.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		/* The directory is the machine's: others reach it only through
		 * the socket's own permissions. */
		if (mkdir(dir, group == (gid_t)-1 ? 0700 : 0755) && errno != EEXIST)
			return fail(why, whylen, -errno, "cannot make ", dir);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(why, whylen, -errno, "socket", "");
	h->listen_fd = fd;
	if (!connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		snprintf(why, whylen, "a machine already runs at %s (sgxemu machine status)", path);
		return -EEXIST;
	}
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	h->listen_fd = fd;
	if (fd < 0)
		return fail(why, whylen, -errno, "socket", "");
	/* Nobody listens: what is there is a stale socket of a machine that
	 * is gone, or something that is not ours to remove. */
	{
		struct stat st;

		if (!lstat(path, &st) && !S_ISSOCK(st.st_mode)) {
			snprintf(why, whylen, "%s is not a socket: give the machine another path",
				 path);
			return -EEXIST;
		}
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		return fail(why, whylen, -errno, "cannot listen at ", path);
	h->bound = true;
	{
		struct stat st;

		if (!stat(path, &st)) {
			h->sock_dev = st.st_dev;
			h->sock_ino = st.st_ino;
		}
	}
	if (group != (gid_t)-1 ? chown(path, (uid_t)-1, group) || chmod(path, 0660)
			       : chmod(path, 0600))
		return fail(why, whylen, -errno, "cannot set the permissions of ", path);
	if (listen(fd, 64))
		return fail(why, whylen, -errno, "cannot listen at ", path);
	return 0;
}

int machine_host_create(const struct machine_config *cfg, gid_t group, struct machine_host **out,
			char *why, size_t whylen)
{
	struct machine_host *h;
	char what[160];
	int err, i;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->cfg = *cfg;
	h->cfg.magic = MACHINE_MAGIC;
	h->cfg.version = MACHINE_VERSION;
	h->cfg.daemon_pid = getpid();
	/* What every client checks (machine_map()). */
	h->cfg.state_size = (u32)machine_state_size(cfg->nr_lps, cfg->epc_size / 4096);
	err = machine_config_check(&h->cfg, what, sizeof(what));
	if (err) {
		snprintf(why, whylen, "bad machine configuration: %s", what);
		free(h);
		return err;
	}
	if (crypto_random(&h->cfg.boot_id, sizeof(h->cfg.boot_id)))
		h->cfg.boot_id = (u64)time(NULL) ^ (u64)getpid();
	h->cfg_fd = h->st_fd = h->listen_fd = -1;
	for (i = 0; i < MACHINE_CONNS; i++)
		h->conns[i] = (struct conn){ .fd = -1, .slot = -1 };
	err = make_config(h, why, whylen);
	if (!err)
		err = make_state(h, why, whylen);
	if (!err)
		err = make_socket(h, group, why, whylen);
	if (err) {
		machine_host_destroy(h);
		return err;
	}
	*out = h;
	return 0;
}

const struct machine_config *machine_host_config(const struct machine_host *h)
{
	return &h->cfg;
}

/* Whether the process @pid is in group @gid (its real or any supplementary). */
static bool in_group(pid_t pid, gid_t gid)
{
	char path[64], line[4096];
	bool yes = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!yes && fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (!strncmp(line, "Gid:", 4)) {
			yes = strtoul(line + 4, NULL, 10) == gid;
		} else if (!strncmp(line, "Groups:", 7)) {
			for (p = line + 7;; p = end) {
				unsigned long g = strtoul(p, &end, 10);

				if (end == p)
					break;
				if (g == gid)
					yes = true;
			}
		}
	}
	fclose(f);
	return yes;
}

/* Give back everything slot @s holds; then the slot is free. */
static void release_slot(struct machine_host *h, int s)
{
	struct machine_client *c = &h->st->clients[s];
	u64 n = h->cfg.epc_size / 4096, i, freed = 0;

	for (i = 0; i < n; i++) {
		u8 tag = (u8)(s + 1);

		if (atomic_compare_exchange_strong(&h->owner[i], &tag, 0))
			freed++;
	}
	/* Never below zero: a client that wrote its own bytes (or died
	 * between a claim and its count) must not leave every other one
	 * without EPC. */
	{
		u64 used = atomic_load(&h->st->used);

		while (freed && !atomic_compare_exchange_weak(&h->st->used, &used,
							      used > freed ? used - freed : 0))
			;
	}
	atomic_store(&c->pages, 0);
	atomic_store(&c->want, 0);
	atomic_store(&c->procs, 0);
	atomic_store(&c->pid, 0);
	atomic_fetch_add(&h->st->freed, 1);
	sys_futex_wake(&h->st->freed);
}

/* Whether a connection holds slot @s (the daemon's own record: the
 * state's pid is every client's to write). */
static bool slot_held(const struct machine_host *h, int s)
{
	int c;

	for (c = 0; c < MACHINE_CONNS; c++)
		if (h->conns[c].fd >= 0 && h->conns[c].slot == s)
			return true;
	return false;
}

static int nr_joined(const struct machine_host *h)
{
	int c, n = 0;

	for (c = 0; c < MACHINE_CONNS; c++)
		n += h->conns[c].fd >= 0 && h->conns[c].joined;
	return n;
}

/*
 * Connection @k ended (exit, exec, a crash): its slot is free once no
 * other connection holds it (a forked child that shares it, or the
 * parent), its pages then given back.
 */
static void conn_ended(struct machine_host *h, struct conn *k)
{
	struct machine_client *c = &h->st->clients[k->slot];
	int s = k->slot, i;
	pid_t gone = k->pid;

	drop(k);
	for (i = 0; i < MACHINE_CONNS; i++) {
		struct conn *o = &h->conns[i];
		s32 shown = gone;

		if (o->fd < 0 || o->slot != s)
			continue;
		atomic_fetch_sub(&c->procs, 1);
		/* Status shows a process that is still there. */
		atomic_compare_exchange_strong(&c->pid, &shown, o->pid);
		return;
	}
	release_slot(h, s);
}

static void reply(int fd, int err, int slot, u64 token, const int *fds, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void reply(int fd, int err, int slot, u64 token, const int *fds, const char *fmt, ...)
{
	struct machine_rep rep = { .magic = MACHINE_MAGIC, .err = err, .slot = slot,
				   .token = token };
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rep.msg, sizeof(rep.msg), fmt, ap);
	va_end(ap);
	if (fds) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(2 * sizeof(int));
		memcpy(CMSG_DATA(c), fds, 2 * sizeof(int));
	}
	if (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0)
		(void)0;
}

/* The clients that hold EPC pages, as "pid NAME, ..." in @out; how many. */
static int holders(struct machine_host *h, char *out, size_t len)
{
	int s, n = 0;
	size_t at = 0;

	out[0] = '\0';
	for (s = 0; s < MACHINE_MAX_CLIENTS; s++) {
		struct machine_client *c = &h->st->clients[s];

		if (!atomic_load(&c->pid) || !atomic_load(&c->pages))
			continue;
		if (at < len)
			at += (size_t)snprintf(out + at, len - at, "%s%d (%s)", n ? ", " : "",
					       (int)atomic_load(&c->pid), c->name);
		n++;
	}
	return n;
}

/*
 * Stop with @force: end the clients that hold pages, and give their pages
 * back as their connections close.  The kernel closes a process's sockets
 * as it dies, before its parent reaps it (a zombie still answers
 * kill(pid, 0)).  Return: how many had not gone by the deadline.
 */
static int end_holders(struct machine_host *h)
{
	struct pollfd p[MACHINE_CONNS];
	int map[MACHINE_CONNS];
	u64 end = now_ms() + MACHINE_END_MS;
	int s, n = 0;

	/* The pid from the connection, never the slot's: every client may
	 * write the shared memory. */
	for (s = 0; s < MACHINE_CONNS; s++) {
		struct conn *k = &h->conns[s];
		struct machine_client *c;

		if (k->fd < 0 || k->slot < 0 || k->pid <= 0 || k->pid == getpid())
			continue;
		c = &h->st->clients[k->slot];
		if (atomic_load(&c->pages)) {
			log_warn("ending pid %d, which holds %llu EPC pages", (int)k->pid,
				 (unsigned long long)atomic_load(&c->pages));
			kill(k->pid, SIGKILL);
			p[n] = (struct pollfd){ .fd = k->fd, .events = POLLIN };
			map[n++] = s;
		}
	}
	while (n) {
		u64 now = now_ms();
		int i, r;

		if (now >= end)
			break;
		r = poll(p, (nfds_t)n, (int)(end - now));
		if (r < 0 && errno != EINTR)
			break;
		for (i = 0; r > 0 && i < n;) {
			struct conn *k = &h->conns[map[i]];
			char b[64];
			ssize_t got = p[i].revents ? recv(k->fd, b, sizeof(b), MSG_DONTWAIT) : 1;

			/* Bytes, or nothing yet: not its end. */
			if (got > 0 || (got < 0 && errno == EAGAIN)) {
				i++;
				continue;
			}
			conn_ended(h, k);
			p[i] = p[--n];
			map[i] = map[n];
		}
	}
	return n;
}

static int free_slot(struct machine_host *h)
{
	int s;

	for (s = 0; s < MACHINE_MAX_CLIENTS; s++)
		if (!atomic_load(&h->st->clients[s].pid))
			return s;
	return -1;
}

/* Handle the request on new connection @k, which has something to read
 * (or hung up); whether to stop serving. */
static bool handle(struct machine_host *h, struct conn *k)
{
	struct machine_req req;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int fds[2] = { h->cfg_fd, h->st_fd };
	char who[512];
	int left;
	/* The client sends its request in one piece: part of one is not a
	 * request (and waiting for the rest would hold up the others). */
	ssize_t n = recv(k->fd, &req, sizeof(req), MSG_DONTWAIT);

	if (n != (ssize_t)sizeof(req) || req.magic != MACHINE_MAGIC ||
	    getsockopt(k->fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen)) {
		reply(k->fd, -EPROTO, -1, 0, NULL, "not an sgxemu request");
		return false;
	}
	req.name[sizeof(req.name) - 1] = '\0';
	switch (req.op) {
	case MACHINE_OP_ATTACH: {
		int s = free_slot(h);
		struct machine_client *c;

		if (s < 0) {
			reply(k->fd, -EMFILE, -1, 0, NULL, "the machine has %d clients already",
			      MACHINE_MAX_CLIENTS);
			return false;
		}
		if (crypto_random(&h->tokens[s], sizeof(h->tokens[s]))) {
			reply(k->fd, -EAGAIN, -1, 0, NULL, "no random bytes for the client's token");
			return false;
		}
		c = &h->st->clients[s];
		memset(c, 0, sizeof(*c));
		c->kind = req.kind == MACHINE_VM ? MACHINE_VM : MACHINE_PROCESS;
		memcpy(c->name, req.name, sizeof(c->name));
		c->may_provision = h->cfg.provision_gid < 0 || cred.uid == 0 ||
				   in_group(cred.pid, (gid_t)h->cfg.provision_gid);
		atomic_store(&c->procs, 1);
		atomic_store(&c->pid, cred.pid);
		k->slot = s;
		k->pid = cred.pid;
		reply(k->fd, 0, s, h->tokens[s], fds, "attached");
		return false;
	}
	case MACHINE_OP_JOIN: {
		/* The token proves the joiner has its parent's memory: a
		 * slot number alone would let anyone hold anyone's pages. */
		int s = req.slot;

		if (s < 0 || s >= MACHINE_MAX_CLIENTS || !slot_held(h, s) ||
		    req.token != h->tokens[s]) {
			reply(k->fd, -ESRCH, -1, 0, NULL, "no such client to join");
			return false;
		}
		if (nr_joined(h) >= MACHINE_MAX_JOINS) {
			reply(k->fd, -EMFILE, -1, 0, NULL, "%d forked children joined already",
			      MACHINE_MAX_JOINS);
			return false;
		}
		atomic_fetch_add(&h->st->clients[s].procs, 1);
		k->slot = s;
		k->joined = true;
		k->pid = cred.pid;
		reply(k->fd, 0, s, h->tokens[s], NULL, "joined");
		return false;
	}
	case MACHINE_OP_OBSERVE:
		reply(k->fd, 0, -1, 0, fds, "observing");
		return false;
	case MACHINE_OP_STOP:
		/* With --force it ends other users' programs: the machine's
		 * own user's call (or root's), not every member's of its group. */
		if (cred.uid && cred.uid != geteuid()) {
			reply(k->fd, -EPERM, -1, 0, NULL,
			      "only uid %u (who started the machine) or root may stop it",
			      (unsigned int)geteuid());
			return false;
		}
		if (holders(h, who, sizeof(who)) && !(req.flags & MACHINE_STOP_FORCE)) {
			reply(k->fd, -EBUSY, -1, 0, NULL,
			      "clients hold enclaves: %s; stop them, or use --force to end them", who);
			return false;
		}
		left = req.flags & MACHINE_STOP_FORCE ? end_holders(h) : 0;
		if (left)
			reply(k->fd, 0, -1, 0, NULL,
			      "stopped; %d of the programs it ended were still there after %d ms "
			      "and keep their pages", left, MACHINE_END_MS);
		else
			reply(k->fd, 0, -1, 0, NULL, "stopped");
		return true;
	default:
		reply(k->fd, -EINVAL, -1, 0, NULL, "unknown request %u", req.op);
		return false;
	}
}

/* Whether our socket is still where clients look for it. */
static bool reachable(const struct machine_host *h)
{
	struct stat st;

	return !stat(h->cfg.socket, &st) && st.st_dev == h->sock_dev && st.st_ino == h->sock_ino;
}

/* A free entry for a new connection: when every one is taken, the
 * connection that has waited longest without a request makes room (a flood
 * of silent connections delays only itself).  Its index, or -1. */
static int conn_entry(struct machine_host *h)
{
	int c, oldest = -1;

	for (c = 0; c < MACHINE_CONNS; c++) {
		struct conn *k = &h->conns[c];

		if (k->fd < 0)
			return c;
		if (k->slot < 0 && (oldest < 0 || k->deadline < h->conns[oldest].deadline))
			oldest = c;
	}
	if (oldest >= 0) {
		reply(h->conns[oldest].fd, -EAGAIN, -1, 0, NULL, "the machine is busy; try again");
		drop(&h->conns[oldest]);
	}
	return oldest;
}

int machine_host_serve(struct machine_host *h, volatile int *stop)
{
	struct pollfd p[MACHINE_CONNS + 1];
	int map[MACHINE_CONNS + 1];
	bool done = false;

	while (!done && !*stop) {
		u64 now = now_ms();
		int n = 0, i, r, wait = 1000;

		/* Nobody new can reach a machine whose socket is gone (removed
		 * with its directory, or replaced): it stops, and its clients
		 * go on as after any stop. */
		if (!reachable(h)) {
			log_warn("%s is gone: the machine stops", h->cfg.socket);
			h->bound = false;
			break;
		}

		p[n] = (struct pollfd){ .fd = h->listen_fd, .events = POLLIN };
		map[n++] = -1;
		for (i = 0; i < MACHINE_CONNS; i++) {
			struct conn *k = &h->conns[i];

			if (k->fd < 0)
				continue;
			if (k->slot < 0 && k->deadline < now + (u64)wait)
				wait = k->deadline > now ? (int)(k->deadline - now) : 0;
			p[n] = (struct pollfd){ .fd = k->fd, .events = POLLIN };
			map[n++] = i;
		}
		r = poll(p, (nfds_t)n, wait);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r < 0)
			continue;
		now = now_ms();
		for (i = 1; !done && i < n; i++) {
			struct conn *k = &h->conns[map[i]];
			char b;

			if (k->fd < 0)
				continue;
			if (k->slot < 0) {
				/* A request (only an attached client's
				 * connection stays open), or silence too long. */
				if (p[i].revents) {
					done = handle(h, k);
				} else if (now >= k->deadline) {
					reply(k->fd, -ETIMEDOUT, -1, 0, NULL, "no request in %d ms",
					      MACHINE_REQUEST_MS);
				} else {
					continue;
				}
				if (k->fd >= 0 && k->slot < 0)
					drop(k);
				continue;
			}
			if (!p[i].revents)
				continue;
			/* A client says nothing after attaching: this is its
			 * end (exit, exec, a crash, or a detach). */
			if (recv(k->fd, &b, 1, MSG_DONTWAIT) > 0)
				continue;
			conn_ended(h, k);
		}
		if (!done && (p[0].revents & POLLIN)) {
			int fd = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), c;

			if (fd < 0)
				continue;
			c = conn_entry(h);
			if (c < 0) {
				reply(fd, -EMFILE, -1, 0, NULL, "the machine has %d clients already",
				      MACHINE_MAX_CLIENTS);
				close(fd);
				continue;
			}
			/* Served when it says something, in the next round. */
			h->conns[c] = (struct conn){ .fd = fd, .slot = -1,
						     .deadline = now + MACHINE_REQUEST_MS };
		}
	}
	return 0;
}

void machine_host_destroy(struct machine_host *h)
{
	int i;

	if (!h)
		return;
	if (h->st) {
		/* Clients still attached hear it: they take no new pages. */
		atomic_store(&h->st->running, 0);
		sys_futex_wake(&h->st->running);
		sys_futex_wake(&h->st->freed);
		for (i = 0; i < MACHINE_MAX_CLIENTS; i++) {
			atomic_fetch_add(&h->st->clients[i].wake, 1);
			sys_futex_wake(&h->st->clients[i].wake);
		}
		munmap(h->st, h->st_size);
	}
	for (i = 0; i < MACHINE_CONNS; i++)
		if (h->conns[i].fd >= 0)
			close(h->conns[i].fd);
	if (h->bound)
		unlink(h->cfg.socket);
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	if (h->cfg_fd >= 0)
		close(h->cfg_fd);
	if (h->st_fd >= 0)
		close(h->st_fd);
	free(h);
}

/* --- requests from other commands -------------------------------------------------- */

int machine_request_stop(const char *sock, bool force, char *out, size_t len)
{
	struct machine_req req = { .magic = MACHINE_MAGIC, .op = MACHINE_OP_STOP,
				   .flags = force ? MACHINE_STOP_FORCE : 0 };
	struct machine_rep rep;
	int fds[2], fd = machine_call(sock, &req, &rep, fds);

	if (fd < 0)
		return fd;
	close(fd);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	rep.msg[sizeof(rep.msg) - 1] = '\0';
	snprintf(out, len, "%s", rep.msg);
	return rep.err;
}

int machine_observe(const char *sock, const struct machine_config **cfg,
		    const struct machine_state **state, char *why, size_t whylen)
{
	struct machine_req req = { .magic = MACHINE_MAGIC, .op = MACHINE_OP_OBSERVE };
	struct machine_rep rep;
	struct machine_state *st;
	u64 size;
	int fds[2], err, fd = machine_call(sock, &req, &rep, fds);

	if (fd == -EPERM)
		snprintf(why, whylen, "%s", MACHINE_WHY_NOT_YOURS);
	if (fd < 0)
		return fd;
	close(fd);
	err = rep.err ? rep.err : machine_map(fds, false, cfg, &st, &size, why, whylen);
	if (rep.err)
		snprintf(why, whylen, "%s", rep.msg);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (!err)
		*state = st;
	return err;
}
