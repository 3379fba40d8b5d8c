/* SPDX-License-Identifier: MIT */
/*
 * What a machine's daemon and its clients say over the Unix socket: one
 * fixed-size request, one fixed-size reply, and with an attach or observe
 * reply the configuration and state memory files (SCM_RIGHTS).  Both ends
 * are this build of sgxemu (the configuration's version says so).
 * Internal to src/drv and tools/sgxemu.
 */
#ifndef SGXEMU_DRV_MACHINE_PROTO_H
#define SGXEMU_DRV_MACHINE_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "base/types.h"
#include "drv/machine.h"

/* Where a machine started as a system service listens. */
#define MACHINE_SYSTEM_SOCKET "/run/sgxemu/machine.sock"

enum machine_op {
	MACHINE_OP_ATTACH = 1,  /* a slot; the connection stays open as long as the client */
	MACHINE_OP_OBSERVE,     /* the memory files, read-only use, no slot */
	MACHINE_OP_STOP,        /* flags: MACHINE_STOP_FORCE */
	MACHINE_OP_JOIN,        /* slot and token: a forked child's connection to its parent's slot */
};

#define MACHINE_STOP_FORCE 1

/*
 * The daemon's entries for connections: one per client slot, some for
 * forked children that joined a slot (twice the processes one enclave may
 * have, ENCL_MAX_SHARERS; past those a child holds its parent's
 * connection instead), and some for connections that have not said what
 * they want yet, so a machine whose slots are all taken still hears
 * status and stop.  Under the 1024 descriptors a process gets by default.
 */
#define MACHINE_MAX_JOINS 512
#define MACHINE_CONNS (MACHINE_MAX_CLIENTS + MACHINE_MAX_JOINS + 16)

struct machine_req {
	u64 magic;              /* MACHINE_MAGIC */
	u32 op;
	u32 kind;               /* enum machine_kind, for MACHINE_OP_ATTACH */
	u32 flags;
	s32 slot;               /* for MACHINE_OP_JOIN */
	u32 pad;
	u64 token;              /* for MACHINE_OP_JOIN: the attach reply's */
	char name[MACHINE_NAME_LEN];
};

struct machine_rep {
	u64 magic;
	s32 err;                /* 0 or -errno */
	s32 slot;
	/* A slot's secret, for its forked children to join it with: every
	 * client maps the state, so it cannot live there. */
	u64 token;
	char msg[256];          /* a line for the user */
};

/* Why machine_call() answered -EPERM: the user's default socket is served
 * by another user (peer_trusted() in machine.c). */
#define MACHINE_WHY_NOT_YOURS                                                        \
	"it belongs to another user; stop it, or name a machine of your own with " \
	"--machine PATH or SGXEMU_MACHINE"

/* machine.c, for the daemon and the CLI. */
int machine_call(const char *sock, const struct machine_req *req, struct machine_rep *rep,
		 int fds[2]);
/*
 * Whether configuration @c is one this build can use: its counts within
 * the limits the rest of the code assumes, its strings ended, its state
 * size its layout's.  Return: 0, or -EINVAL with what is wrong in @what
 * (a phrase: "3 signers (at most 2)").
 */
int machine_config_check(const struct machine_config *c, char *what, size_t len);
int machine_map(int fds[2], bool writable, const struct machine_config **cfg,
		struct machine_state **st, u64 *st_size, char *why, size_t whylen);

#endif
