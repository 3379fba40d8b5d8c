// SPDX-License-Identifier: MIT
/*
 * A statically linked program (no dynamic linker, so no shim inside it),
 * executed by a program under `sgxemu run`: the exec helper must map it
 * itself and keep passing its trapped calls to the kernel.
 *
 *   static_prog FILE   prints FILE's first line, opened with a raw openat
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[256];
	long fd, n;

	if (argc != 2) {
		fprintf(stderr, "usage: static_prog FILE\n");
		return 2;
	}
	fd = syscall(SYS_openat, AT_FDCWD, argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	n = read((int)fd, buf, sizeof(buf) - 1);
	close((int)fd);
	if (n < 0)
		return 1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	printf("static: %s\n", buf);
	return 0;
}
