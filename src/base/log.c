// SPDX-License-Identifier: MIT
/* One-line diagnostics on stderr. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>

static const char *log_prog = "sgxemu";
static enum log_level log_level = LOG_WARN;

void log_set_prog(const char *prog)
{
	log_prog = prog;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	char line[1024];
	va_list ap;
	int n;

	if (level > log_level && level != LOG_ERR)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* One fprintf call so concurrent lines do not interleave. */
	fprintf(stderr, "%s: %s%s\n", log_prog, tag[level], line);
}
