// SPDX-License-Identifier: MIT
/*
 * Executions that name no ordinary path: re-executing oneself through
 * /proc/self/exe, and fexecve() of a memfd copy of /bin/echo.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	static char self_arg[] = "via-proc-self-exe", echo[] = "echo", memfd_arg[] = "from-memfd";
	char *again[] = { argv[0], self_arg, NULL }, *e[] = { echo, memfd_arg, NULL };
	char buf[65536];
	int in, m, status;
	ssize_t n;
	pid_t pid;

	if (argc > 1) {
		printf("child %s\n", argv[1]);
		return 0;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execv("/proc/self/exe", again);
		perror("execv /proc/self/exe");
		_exit(1);
	}
	waitpid(pid, &status, 0);
	in = open("/bin/echo", O_RDONLY);
	m = memfd_create("echo", 0);
	if (in < 0 || m < 0)
		return 1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(m, buf, (size_t)n) != n)
			return 1;
	pid = fork();
	if (pid == 0) {
		fexecve(m, e, environ);
		perror("fexecve");
		_exit(1);
	}
	waitpid(pid, &status, 0);
	return 0;
}
