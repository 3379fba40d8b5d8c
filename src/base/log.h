/* SPDX-License-Identifier: MIT */
/* One-line diagnostics on stderr, prefixed with the program name. */
#ifndef SGXEMU_BASE_LOG_H
#define SGXEMU_BASE_LOG_H

#include "base/compiler.h"

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Set once at start-up; "sgxemu" by default. */
void log_set_prog(const char *prog);
void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __printf(2, 3);

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
