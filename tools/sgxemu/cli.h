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

/* Run argv[0] under the preload shim, for `sgxemu @cmd`; returns only on
 * failure, with the exit code. */
int cli_exec_shim(const char *cmd, char **argv);

/* "64M", "1G", "0x1000": a byte count with an optional K, M or G. */
int cli_parse_size(const char *s, u64 *out);
/* Parse an unsigned number (decimal or 0x hex) no larger than @max. */
int cli_parse_u64(const char *s, u64 max, u64 *out);
/* "--opt VALUE" number errors: one line naming the option, EXIT_USAGE. */
int cli_bad_number(const char *opt, const char *val, u64 max);
/* Print "LABEL HEX" for a byte string. */
void cli_print_hex(const char *label, const void *p, size_t len);
/* Read exactly one SIGSTRUCT (1808 bytes) from @path; errors are printed. */
int cli_read_sigstruct(const char *path, void *sig);
/* One usage error line plus the hint to run --help. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
