/* SPDX-License-Identifier: MIT */
/*
 * The host machine: one SGX machine per host, as both seeds describe it,
 * shared by every process and VM that uses it (doc/architecture.md,
 * "One machine per host").
 *
 * A daemon (`sgxemu machine start`) owns it.  What is the machine's lives
 * in two memory files the daemon hands each client over a Unix socket: the
 * configuration (EPC size, LPs, features, launch policy, state directory),
 * sealed so that no client can change it, and the shared state: who holds
 * each EPC page, the LPs' hash MSRs with their cache lock and counters, and
 * one slot per client.  Neither holds a pointer: each process maps them
 * wherever it likes.
 *
 * Each client keeps its own EPC contents and EPCM entries, for the pages
 * the machine lets it hold: a page index belongs to one client at a time,
 * so the EPC is one (one size, one set of physical addresses) and an
 * allocation anywhere can make another client evict.  A client that dies
 * holds nothing for long: the daemon sees its connection close and gives
 * back every page its slot owned, and the LP locks are robust mutexes.
 *
 * Internal to src/drv and tools/sgxemu.
 */
#ifndef SGXEMU_DRV_MACHINE_H
#define SGXEMU_DRV_MACHINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "arch/sgx_arch.h"
#include "base/compiler.h"
#include "drv/drv.h"
#include "drv/launch.h"

#define MACHINE_MAGIC 0x3148434d45584753ULL /* "SGXEMCH1" */
#define MACHINE_VERSION 2
/* Slots; an EPC page's owner is slot + 1 in a byte, 0 when free. */
#define MACHINE_MAX_CLIENTS 250
#define MACHINE_MAX_SIGNERS 64
#define MACHINE_NAME_LEN 64

/* The configuration, written once by the daemon, then sealed. */
struct machine_config {
	u64 magic;
	u32 version;
	u32 state_size;             /* bytes of the shared state */
	u64 boot_id;                /* random, per start */
	s32 daemon_pid;
	u32 nr_lps;
	u64 epc_size;
	u32 max_enclave_size_log2;
	u8 sgx2, aexnotify, lc_locked;
	u8 allow_all;               /* the launch policy: every signer, or... */
	u32 nr_signers;             /* ...these MRSIGNERs */
	u8 signers[MACHINE_MAX_SIGNERS][SGX_HASH_SIZE];
	s32 provision_gid;          /* -1: anyone may open /dev/sgx_provision */
	char state_dir[4096];
	char socket[4096];          /* where the daemon listens */
};

enum machine_kind { MACHINE_PROCESS = 1, MACHINE_VM };

/* A client's slot.  Written by the client, read by anyone. */
struct machine_client {
	_Atomic s32 pid;            /* 0: free (the daemon frees it) */
	_Atomic u32 procs;          /* processes sharing it (fork), by the daemon */
	u32 kind;                   /* enum machine_kind */
	u8 may_provision;           /* set by the daemon from the peer's groups */
	char name[MACHINE_NAME_LEN];
	_Atomic u64 pages;          /* EPC pages it holds */
	_Atomic u64 evicted, reloaded;
	/* Pages other clients ask it to evict, and the futex its reclaimer
	 * sleeps on (bumped to wake it). */
	_Atomic u64 want;
	_Atomic u32 wake;
};

struct machine_state {
	u64 magic;
	_Atomic u32 running;        /* 1 while the daemon serves; futex */
	_Atomic u32 freed;          /* bumped when pages go free; futex */
	_Atomic u32 waiters;        /* threads waiting on freed */
	_Atomic u64 used, peak;     /* pages held, and the most ever held */
	_Atomic u64 hand;           /* where the next allocation looks */
	struct machine_client clients[MACHINE_MAX_CLIENTS];
	/* Then nr_lps struct launch_lp (the seed's per-CPU cache, its lock
	 * robust and process-shared), then one owner byte per EPC page. */
};

/* The shared state's layout for @cfg. */
u64 machine_state_size(u32 nr_lps, u64 nr_pages);
struct launch_lp *machine_state_lps(struct machine_state *s);
_Atomic u8 *machine_state_owners(struct machine_state *s, u32 nr_lps);

/* --- a client -------------------------------------------------------------- */

struct machine;

/*
 * The socket of the machine to use: @path if given ("none": no machine),
 * else $SGXEMU_MACHINE, else the system's (/run/sgxemu/machine.sock) if
 * one listens there, else the user's ($XDG_RUNTIME_DIR/sgxemu/machine.sock,
 * or /tmp/sgxemu-UID/machine.sock).  Return: the path in @out, or ""
 * for none.
 */
void machine_socket_path(const char *path, char *out, size_t len);
/* Whether a machine listens at @sock. */
bool machine_running(const char *sock);
/* The user's machine's socket. */
void machine_user_socket(char *out, size_t len);

/*
 * Attach to the machine at @sock as a client of @kind named @name.  The
 * connection, whose close frees the client's slot, gets a descriptor at
 * or above @min_fd (where the preload shim keeps the program's hands off).
 * Return: 0; -ENOENT when no machine runs there (*@out NULL); else -errno
 * with @why (a machine is there but cannot be used).
 */
int machine_attach(const char *sock, enum machine_kind kind, const char *name, int min_fd,
		   struct machine **out, char *why, size_t whylen) __must_check;
void machine_detach(struct machine *m);
const struct machine_config *machine_config(const struct machine *m);
const char *machine_socket(const struct machine *m);
/* The connection's descriptor, or -1. */
int machine_conn_fd(const struct machine *m);
/* Whether @fd is some machine client's connection (async-signal-safe). */
bool machine_owns_fd(int fd);
bool machine_may_provision(const struct machine *m);

/*
 * EPC pages.  machine_epc_take() claims a free page index for this client:
 * the index, or -ENOMEM when the machine has none free, -EIO when a forked
 * child cannot get a slot of its own.  machine_epc_give() returns one.  machine_epc_free() is
 * how many are free now (a hint: others allocate meanwhile).
 * All three are async-signal-safe and lock-free.
 */
s64 machine_epc_take(struct machine *m);
void machine_epc_give(struct machine *m, u64 index);
u64 machine_epc_free(const struct machine *m);

/*
 * When this client needs a page and cannot free one itself: ask the
 * client that holds the most to evict @n (Linux's reclaimer takes pages
 * from any process's enclaves).  Return: whether anyone was asked.
 */
bool machine_ask_others(struct machine *m, u64 n);
/* Whether this client holds at least its share of the pages in use (an
 * equal one among the clients that hold any). */
bool machine_over_share(const struct machine *m);
/* The pages-freed counter, and a wait of up to @ms for it to move on
 * from @seen (or the machine to stop). */
u32 machine_freed_seq(const struct machine *m);
void machine_wait_freed(struct machine *m, u32 seen, int ms);

/*
 * The reclaimer's side.  machine_wait_work() sleeps up to @ms until woken
 * by machine_wake() (from this process, a signal handler included, or
 * another), and checks that the daemon is still there.
 * machine_wanted() is what others asked this client to evict, and
 * machine_evicted() counts @n evicted pages against it.
 */
void machine_wait_work(struct machine *m, u32 seen, int ms);
u32 machine_work_seq(const struct machine *m);
void machine_wake(struct machine *m);
u64 machine_wanted(const struct machine *m);
/* This client has nothing it can evict: forget what was asked. */
void machine_wanted_none(struct machine *m);
void machine_count_paging(struct machine *m, u64 evicted, u64 reloaded);

/* The machine's LP @i, or NULL past the last. */
struct launch_lp *machine_lp(struct machine *m, unsigned int i);

/*
 * In a child of fork(): the parent's slot and connection are the
 * parent's.  The child attaches again on its first allocation.
 */
void machine_fork_child(struct machine *m);
/*
 * In a child of fork() that shares its parent's enclaves, and so its
 * slot: a connection of the child's own that holds the slot too, so the
 * machine knows the child (status, stop --force) and frees the slot when
 * the last of them ends.  Should the machine not answer, the child keeps
 * its copy of the parent's connection, which holds the slot as well.
 * Context: right after fork(); no allocation.
 */
void machine_fork_share(struct machine *m);

/* Whether the machine stopped or went away (its clients go on with the
 * shared state they have; nothing frees a dead one's pages any more). */
bool machine_lost(const struct machine *m);

/* --- the daemon (machine_host.c) ------------------------------------------- */

struct machine_host;

/*
 * Bring up a machine for @cfg (magic, version, boot_id, daemon_pid,
 * state_size set here) listening at @cfg->socket.  @group: the group
 * whose members may use it (-1: only the daemon's user).
 * Return: 0 or -errno with @why.
 */
int machine_host_create(const struct machine_config *cfg, gid_t group,
			struct machine_host **out, char *why, size_t whylen) __must_check;
const struct machine_config *machine_host_config(const struct machine_host *h);
/* Serve until *@stop or a stop request; return 0 (stopped) or -errno. */
int machine_host_serve(struct machine_host *h, volatile int *stop);
void machine_host_destroy(struct machine_host *h);

/*
 * The requests other commands make of a running machine.  A reply is one
 * line for the user.  machine_request_stop() ends the daemon once no
 * client holds EPC pages, or with @force after ending those that do.
 */
int machine_request_stop(const char *sock, bool force, char *reply, size_t len) __must_check;
/* Map a running machine's configuration and state read-only for a report. */
int machine_observe(const char *sock, const struct machine_config **cfg,
		    const struct machine_state **state, char *why, size_t whylen) __must_check;

#endif
