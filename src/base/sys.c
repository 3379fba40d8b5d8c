// SPDX-License-Identifier: MIT
#include "base/sys.h"

long (*sys_gate)(long nr, long a, long b, long c, long d, long e, long f);
