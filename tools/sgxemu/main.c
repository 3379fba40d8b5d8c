// SPDX-License-Identifier: MIT
/* sgxemu: Intel SGX in software.  The command-line front end. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/hex.h"
#include "base/log.h"
#include "cli.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "measure", cmd_measure, "print the MRENCLAVE of an .sgxs file" },
	{ "sigstruct", cmd_sigstruct, "show a SIGSTRUCT and check its signature" },
	{ "sign", cmd_sign, "write a SIGSTRUCT for an .sgxs file" },
	{ "load", cmd_load, "build an enclave on a fresh emulated platform and run EINIT" },
	{ "elf2sgxs", cmd_elf2sgxs, "lay out an enclave ELF as an .sgxs measurement stream" },
	{ "run", cmd_run, "run an unmodified SGX program on the emulated platform" },
	{ "vm", cmd_vm, "run a program inside a VM whose EPC is a virtual EPC of the host's" },
	{ "info", cmd_info, "show what the emulated platform reports" },
	{ "stat", cmd_stat, "run a program and report EINITs, launch-control MSR writes, EPC" },
	{ "quote", cmd_quote, "verify a DCAP quote: 'sgxemu quote verify QUOTE'" },
	{ "machine", cmd_machine, "start, show or stop the host's one emulated SGX machine" },
	{ "aesm", cmd_aesm, "answer AESM socket quote requests with sgxemu's quoting enclave" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: sgxemu COMMAND [OPTIONS] [ARGS]\n\n"
		   "Intel SGX in software: the emulated SGX processor and its tools.\n\n"
		   "commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'sgxemu COMMAND --help' describes a command.\n"
		   "Environment: SGXEMU_STATE_DIR (platform secrets; default "
		   "$XDG_STATE_HOME/sgxemu or ~/.local/state/sgxemu).\n");
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("%s; see 'sgxemu %s --help'", msg, cmd);
	return EXIT_USAGE;
}

void cli_print_hex(const char *label, const void *p, size_t len)
{
	char hex[2 * 512 + 1];

	hex_encode(hex, p, len);
	printf("%s%s\n", label, hex);
}

int cli_read_sigstruct(const char *path, void *sig)
{
	size_t len;
	u8 *buf;
	int err;

	err = file_read_all(path, 1 << 20, &buf, &len);
	if (err) {
		log_err("%s: %s", path, file_strerror(err));
		return EXIT_USAGE;
	}
	if (len != 1808) {
		log_err("%s: %zu bytes; a SIGSTRUCT is exactly 1808 bytes", path, len);
		free(buf);
		return EXIT_USAGE;
	}
	memcpy(sig, buf, 1808);
	free(buf);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("sgxemu 0.1\n");
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[1], commands[i].name)) {
			char prog[64];

			snprintf(prog, sizeof(prog), "sgxemu %s", commands[i].name);
			log_set_prog(strdup(prog));
			return commands[i].fn(argc - 1, argv + 1);
		}
	}
	log_err("unknown command '%s'; see 'sgxemu --help'", argv[1]);
	return EXIT_USAGE;
}
