# SPDX-License-Identifier: MIT
# Flag sets per MODE.  Keep comments off assignment lines: trailing spaces
# would become part of the value.

CC ?= cc
AR ?= ar
# Enclaves are built by the system compiler in every mode: built by clang
# the test enclave fails exec tests (doc/development.md).
ENCL_CC := $(CC)
# The fuzz and tsan modes need clang (libFuzzer; gcc's TSan lacks what the
# emulator's signal handling needs to be seen through).
CLANG ?= clang-14

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	-Wformat=2 -Wundef -Wimplicit-fallthrough -Wcast-align -Wwrite-strings \
	-Wno-missing-field-initializers -Werror
CFLAGS := -std=c11 -g -fPIC -fno-common -fvisibility=hidden -pthread $(WARN)
CPPFLAGS := -D_GNU_SOURCE -Iinclude -Isrc -Itests/harness -Itests/enclaves -DTEST_DATA=\"$(abspath tests/data)\" -DTEST_VECTORS=\"$(abspath ../shared/vectors)\"
LDFLAGS := -pthread
LDLIBS := -lcrypto
# The sanitizers' flags, for the programs the tests run too (empty unless asan).
SAN :=

ifeq ($(MODE),debug)
CFLAGS += -O0
CPPFLAGS += -DSGXEMU_DEBUG=1
else ifeq ($(MODE),release)
CFLAGS += -O2
CPPFLAGS += -DNDEBUG
else ifeq ($(MODE),asan)
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CFLAGS += -O1 $(SAN)
LDFLAGS += $(SAN)
CPPFLAGS += -DSGXEMU_DEBUG=1 -DSGXEMU_ASAN=1 \
	-DSGXEMU_SANITIZER_RUNTIME=\"$(shell $(CC) -print-file-name=libasan.so)\"
else ifeq ($(MODE),fuzz)
# libFuzzer targets (tests/fuzz): clang, with ASan and UBSan; the library
# gets coverage instrumentation, the targets link libFuzzer's main.
CC := $(CLANG)
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CFLAGS += -O1 $(SAN) -fsanitize=fuzzer-no-link
LDFLAGS += $(SAN)
CPPFLAGS += -DSGXEMU_DEBUG=1 -DSGXEMU_ASAN=1 -DSGXEMU_FUZZ=1
else ifeq ($(MODE),tsan)
# ThreadSanitizer, for the tests that link the library and run threads
# (make check-tsan; doc/development.md says which and why).
CC := $(CLANG)
CFLAGS += -O1 -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS += -fsanitize=thread
CPPFLAGS += -DSGXEMU_DEBUG=1 -DSGXEMU_TSAN=1
else
$(error MODE must be debug, release, asan, fuzz or tsan (got '$(MODE)'))
endif

# V=1 shows the full commands.
V ?= 0
ifeq ($(V),1)
Q_CC :=
Q_LD :=
Q_AR :=
else
Q_CC = @printf '  CC      %s\n' $@;
Q_LD = @printf '  LD      %s\n' $@;
Q_AR = @printf '  AR      %s\n' $@;
endif

# Tests find the CLI of their own build mode.
CPPFLAGS += -DTEST_SGXEMU=\"$(abspath $(O)/bin/sgxemu)\" \
	-DTEST_ENCLAVES=\"$(abspath $(O)/enclaves)\" \
	-DTEST_HELLO=\"$(abspath $(O)/examples/hello/hello)\" \
	-DTEST_PRELOAD=\"$(abspath $(O)/lib/libsgxemu-preload.so)\" \
	-DTEST_PROGS=\"$(abspath $(O)/tests/prog)\" \
	-DTEST_QUOTE_EXAMPLE=\"$(abspath $(O)/examples/quote)\"
