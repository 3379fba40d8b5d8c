// SPDX-License-Identifier: MIT
/* Invariant failure reporting; async-signal-safe (write(2) only). */
#include "base/bug.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put(const char *s)
{
	ssize_t r = write(STDERR_FILENO, s, strlen(s));
	(void)r;
}

static void report(const char *what, const char *file, int line, const char *cond)
{
	char num[16];
	int i = sizeof(num) - 1;

	num[i] = '\0';
	do {
		num[--i] = (char)('0' + line % 10);
		line /= 10;
	} while (line && i > 0);
	put("sgxemu: ");
	put(what);
	put(" at ");
	put(file);
	put(":");
	put(&num[i]);
	put(": ");
	put(cond);
	put("\n");
}

void bug_fail(const char *file, int line, const char *cond)
{
	report("internal error", file, line, cond);
	abort();
}

void warn_once_fail(const char *file, int line, const char *cond)
{
	report("warning", file, line, cond);
}
