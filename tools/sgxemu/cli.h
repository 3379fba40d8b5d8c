/* SPDX-License-Identifier: MIT */
/* Shared pieces of the sgxemu command-line tool. */
#ifndef SGXEMU_TOOLS_CLI_H
#define SGXEMU_TOOLS_CLI_H

#include "base/types.h"

/* Exit codes: 0 success, 1 a negative verdict (EINIT failed, a signature
 * did not verify), 2 bad usage or bad input. */
enum { EXIT_OK = 0, EXIT_VERDICT = 1, EXIT_USAGE = 2 };

int cmd_measure(int argc, char **argv);
int cmd_sigstruct(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_elf2sgxs(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_vm(int argc, char **argv);
int cmd_quote(int argc, char **argv);
int cmd_aesm(int argc, char **argv);
int cmd_machine(int argc, char **argv);

/* Run argv[0] under the preload shim, for `sgxemu @cmd`; returns only on
 * failure, with the exit code. */
int cli_exec_shim(const char *cmd, char **argv);

/*
 * Check every environment variable the shim and the emulator read
 * (SGXEMU_EPC_SIZE, SGXEMU_NR_LPS, SGXEMU_SGX2, SGXEMU_LC, ...) with the
 * parsers they use, so that a bad one stops `sgxemu run` before PROG
 * starts.  Return: EXIT_OK, or EXIT_USAGE after one line.
 */
int cli_check_env(void);
/*
 * Which machine `sgxemu @cmd` runs its program on, said in a note; an
 * option the running machine owns (@owned, as the user wrote it, or NULL)
 * or a named machine that is not there is an error.
 * Return: EXIT_OK, or EXIT_USAGE after one line.
 */
int cli_machine_check(const char *cmd, const char *owned);
/*
 * What this host cannot give enclave code, and what that means for it,
 * one line each after @prefix (nothing when it lacks nothing).
 */
void cli_host_gaps(FILE *f, const char *prefix);
/* Print "LABEL HEX" for a byte string. */
void cli_print_hex(const char *label, const void *p, size_t len);
/* Read exactly one SIGSTRUCT (1808 bytes) from @path; errors are printed. */
int cli_read_sigstruct(const char *path, void *sig);
/* One usage error line plus the hint to run --help. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
