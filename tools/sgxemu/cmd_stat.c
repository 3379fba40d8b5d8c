// SPDX-License-Identifier: MIT
/*
 * sgxemu stat: run a program as `sgxemu run` does and report what the
 * emulated platform of each of its processes counted: EINITs and the
 * launch-control cache per logical processor, and the EPC.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/log.h"
#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: sgxemu stat [RUN OPTIONS] -- PROG [ARGS...]\n"
		   "       sgxemu stat --vm [VM OPTIONS] -- PROG [ARGS...]\n\n"
		   "Run PROG as `sgxemu run` would (same options), or with --vm as `sgxemu vm`\n"
		   "would, and, when it exits, print for every process that used the\n"
		   "platform: EINITs, IA32_SGXLEPUBKEYHASH writes, launch-control cache hits\n"
		   "and policy refusals per logical processor, the EPC in all and free at\n"
		   "exit, and the pages evicted and reloaded; in a VM also the guest pages\n"
		   "its VMM evicted and reloaded, apart from the guest's own paging.  The exit\n"
		   "status is PROG's.\n");
}

static void report(FILE *in)
{
	char line[512];
	bool header = false;

	while (fgets(line, sizeof(line), in)) {
		unsigned long long a, b, c, d, e, f, total, nfree, ev = 0, rl = 0;
		unsigned int lp;
		long pid;

		if (sscanf(line, "lp pid=%ld lp=%u einits=%llu msr_writes=%llu cache_hits=%llu "
				 "refused=%llu",
			   &pid, &lp, &a, &b, &c, &d) == 6) {
			if (!header)
				printf("%-8s %3s %10s %11s %11s %8s\n", "process", "LP", "EINITs",
				       "MSR writes", "cache hits", "refused");
			header = true;
			printf("%-8ld %3u %10llu %11llu %11llu %8llu\n", pid, lp, a, b, c, d);
		} else if (sscanf(line,
				  "encl pid=%ld base=%llx size=%llu evicted=%llu reloaded=%llu "
				  "augmented=%llu removed=%llu",
				  &pid, &a, &b, &c, &d, &e, &f) == 7) {
			printf("%-8ld enclave at %#llx, %llu KiB: %llu pages evicted, %llu reloaded; "
			       "%llu added by EAUG, %llu removed\n",
			       pid, a, b / 1024, c, d, e, f);
			header = false;
		} else if (sscanf(line, "vm pid=%ld host_pages=%llu vmm_evicted=%llu vmm_reloaded=%llu",
				  &pid, &a, &b, &c) == 4) {
			printf("%-8ld VM: %llu host EPC pages at exit; the VMM evicted %llu guest "
			       "pages and reloaded %llu\n",
			       pid, a, b, c);
			header = false;
		} else if (sscanf(line, "epc pid=%ld total=%llu free=%llu evicted=%llu reloaded=%llu",
				  &pid, &total, &nfree, &ev, &rl) >= 3) {
			printf("%-8ld EPC %llu KiB (%llu pages), %llu pages free at exit; "
			       "%llu pages evicted, %llu reloaded\n",
			       pid, total * 4, total, nfree, ev, rl);
			header = false;
		}
	}
}

int cmd_stat(int argc, char **argv)
{
	char path[] = "/tmp/sgxemu-stat.XXXXXX";
	int fd, status;
	bool vm;
	pid_t pid;
	FILE *f;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return EXIT_OK;
	}
	vm = argc > 1 && !strcmp(argv[1], "--vm");
	fd = mkstemp(path);
	if (fd < 0) {
		log_err("cannot create a file for the statistics: %s", strerror(errno));
		return EXIT_USAGE;
	}
	setenv("SGXEMU_STAT_FILE", path, 1);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_err("fork: %s", strerror(errno));
		unlink(path);
		return EXIT_USAGE;
	}
	if (pid == 0) {
		close(fd);
		if (vm) {
			/* cmd_vm() parses from argv[1], as for `sgxemu vm`. */
			argv[1] = argv[0];
			_exit(cmd_vm(argc - 1, argv + 1));
		}
		_exit(cmd_run(argc, argv));
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	f = fdopen(fd, "r");
	if (f) {
		printf("sgxemu stat:\n");
		report(f);
		fclose(f);
	}
	unlink(path);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
