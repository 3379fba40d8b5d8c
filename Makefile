# SPDX-License-Identifier: MIT
# sgxemu: the one build entry point.  See doc/development.md.

.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY:
MAKEFLAGS += --no-builtin-rules --warn-undefined-variables

MODE ?= debug

# The default (debug) build lives directly under build/ so that the CLI is at
# build/bin/sgxemu; every other mode gets its own tree and they coexist.
ifeq ($(MODE),debug)
O := build
else
O := build/$(MODE)
endif

include mk/modes.mk
include mk/rules.mk

LAYERS := base arch cpu drv virt api
base_SRCS := $(wildcard src/base/*.c)
arch_SRCS := $(wildcard src/arch/*.c)
cpu_SRCS := $(wildcard src/cpu/*.c src/cpu/*/*.c src/cpu/*/*.S)
drv_SRCS := $(wildcard src/drv/*.c)
virt_SRCS := $(wildcard src/virt/*.c)
api_SRCS := $(wildcard src/api/*.c src/api/*.S)

$(foreach l,$(LAYERS),$(eval $(l)_OBJS := $(patsubst %.S,$(O)/obj/%.o,$(patsubst %.c,$(O)/obj/%.o,$($(l)_SRCS)))))
$(foreach l,$(LAYERS),$(eval $(O)/lib/lib$(l).a: $($(l)_OBJS)))

# Bottom-up link order; a binary of layer L links L and everything to its right.
LINK_api := $(O)/lib/libapi.a $(O)/lib/libvirt.a $(O)/lib/libdrv.a $(O)/lib/libcpu.a $(O)/lib/libarch.a $(O)/lib/libbase.a
LINK_virt := $(O)/lib/libvirt.a $(O)/lib/libdrv.a $(O)/lib/libcpu.a $(O)/lib/libarch.a $(O)/lib/libbase.a
LINK_drv := $(O)/lib/libdrv.a $(O)/lib/libcpu.a $(O)/lib/libarch.a $(O)/lib/libbase.a
LINK_cpu := $(O)/lib/libcpu.a $(O)/lib/libarch.a $(O)/lib/libbase.a
LINK_arch := $(O)/lib/libarch.a $(O)/lib/libbase.a
LINK_base := $(O)/lib/libbase.a

# --- the CLI ------------------------------------------------------------------
SGXEMU_SRCS := $(wildcard tools/sgxemu/*.c)
SGXEMU_OBJS := $(patsubst %.c,$(O)/obj/%.o,$(SGXEMU_SRCS))
$(O)/bin/sgxemu: $(SGXEMU_OBJS) $(O)/lib/libdcap.a $(LINK_api)
	@mkdir -p $(@D)
	$(Q_LD)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(SGXEMU_OBJS) $(O)/lib/libdcap.a $(LINK_api) \
		$(LDLIBS) -lprotobuf-c

# --- the preload shim -----------------------------------------------------------
PRELOAD := $(O)/lib/libsgxemu-preload.so
PRELOAD_OBJS := $(addprefix $(O)/obj/src/preload/,preload.o seccomp.o relaunch.o gate.o \
	cpuid_patch.o vdso_blob.o)
HELPER := $(O)/lib/sgxemu-exec

$(O)/preload/vdso.so: src/preload/vdso.S src/preload/vdso.lds
	@mkdir -p $(@D)
	$(Q_LD)$(CC) -nostdlib -shared -fPIC -Wl,-T,src/preload/vdso.lds -Wl,--hash-style=both \
		-Wl,-soname,linux-vdso.so.1 -Wl,--build-id=none -Wl,-z,noexecstack -o $@ $<

$(O)/obj/src/preload/vdso_blob.o: src/preload/vdso_blob.S $(O)/preload/vdso.so
	@mkdir -p $(@D)
	$(Q_CC)$(CC) $(CPPFLAGS) $(CFLAGS) -DVDSO_IMAGE=\"$(abspath $(O)/preload/vdso.so)\" -c -o $@ $<

$(PRELOAD): $(PRELOAD_OBJS) $(LINK_api) src/preload/preload.map
	@mkdir -p $(@D)
	$(Q_LD)$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,--version-script=src/preload/preload.map \
		-Wl,-z,noexecstack -o $@ $(PRELOAD_OBJS) $(LINK_api) $(LDLIBS)

# The exec helper runs before any C library: freestanding, static, linked
# at the gate's address, never built with the sanitizers.
HELPER_CFLAGS := -std=c11 -O2 -ffreestanding -nostdlib -fPIE -fno-stack-protector \
	-fcf-protection=none -fno-asynchronous-unwind-tables $(WARN)
HELPER_SRCS := src/preload/sgxemu_exec.c src/preload/relaunch.c src/preload/gate.S
$(HELPER): $(HELPER_SRCS) src/preload/gate.h src/preload/sgxemu_exec.lds
	@mkdir -p $(@D)
	$(Q_LD)$(CC) -D_GNU_SOURCE -DSGXEMU_HELPER -Isrc $(HELPER_CFLAGS) -static -no-pie \
		-Wl,-T,src/preload/sgxemu_exec.lds -Wl,--no-relax -Wl,--build-id=none -Wl,-z,noexecstack \
		-o $@ $(HELPER_SRCS)

# --- the quote library and the AESM service (src/dcap) ----------------------
# A front end beside the shim: libsgx_dcap_ql.so runs the PCE and QE
# through the Linux uAPI of the program that loads it; libdcap.a (the CLI,
# the tests) runs them on a platform of its own.  The AESM protocol's C
# code is generated from src/dcap/aesm.proto at build time.
DCAP_CORE := $(addprefix $(O)/obj/src/dcap/,encl.o quoter.o pck.o)
DCAP_SO := $(O)/lib/libsgx_dcap_ql.so
DCAP_SO_OBJS := $(DCAP_CORE) $(addprefix $(O)/obj/src/dcap/,ql.o dev_uapi.o vdso_call.o)
AESM_GEN := $(O)/gen/dcap
$(O)/lib/libdcap.a: $(DCAP_CORE) $(O)/obj/src/dcap/dev_emu.o $(O)/obj/src/dcap/aesm.o \
	$(O)/obj/gen/aesm.pb-c.o

$(AESM_GEN)/aesm.pb-c.c $(AESM_GEN)/aesm.pb-c.h &: src/dcap/aesm.proto
	@mkdir -p $(AESM_GEN)
	$(Q_CC)protoc-c --proto_path=src/dcap --c_out=$(AESM_GEN) aesm.proto

$(O)/obj/gen/aesm.pb-c.o: $(AESM_GEN)/aesm.pb-c.c $(AESM_GEN)/aesm.pb-c.h
	@mkdir -p $(@D)
	$(Q_CC)$(CC) $(CPPFLAGS) -I$(AESM_GEN) $(CFLAGS) -c -o $@ $<

$(O)/obj/src/dcap/aesm.o: CPPFLAGS += -I$(AESM_GEN)
$(O)/obj/src/dcap/aesm.o: | $(AESM_GEN)/aesm.pb-c.h
$(O)/obj/tests/integration/quote_test.o: CPPFLAGS += -I$(AESM_GEN)
$(O)/obj/tests/integration/quote_test.o: | $(AESM_GEN)/aesm.pb-c.h

$(DCAP_SO): $(DCAP_SO_OBJS) $(LINK_api) src/dcap/libsgx_dcap_ql.map
	@mkdir -p $(@D)
	$(Q_LD)$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,libsgx_dcap_ql.so.1 \
		-Wl,--version-script=src/dcap/libsgx_dcap_ql.map -Wl,-z,noexecstack -o $@ \
		$(DCAP_SO_OBJS) $(LINK_api) $(LDLIBS)
	@ln -sf libsgx_dcap_ql.so $(O)/lib/libsgx_dcap_ql.so.1

# --- libsgxemu.so -------------------------------------------------------------
# Every layer in one shared library; only include/sgxemu's SGXEMU_API symbols
# are exported (everything is built -fPIC -fvisibility=hidden).
SOVERSION := 0
LIBSGXEMU := $(O)/lib/libsgxemu.so.$(SOVERSION)
$(LIBSGXEMU): $(LINK_api)
	@mkdir -p $(@D)
	$(Q_LD)$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,libsgxemu.so.$(SOVERSION) \
		-Wl,-z,defs -Wl,-z,noexecstack -o $@ -Wl,--whole-archive $(LINK_api) \
		-Wl,--no-whole-archive $(LDLIBS)

# --- test enclaves ------------------------------------------------------------
# Freestanding, position independent, linked at 0; never built with the
# sanitizers.  Turned into .sgxs and signed by the CLI we just built.
ENCL_DIR := $(O)/enclaves
ENCL_CFLAGS := -std=gnu11 -O2 -ffreestanding -nostdlib -fPIC -fno-stack-protector \
	-fvisibility=hidden -fno-asynchronous-unwind-tables -fcf-protection=none -mfsgsbase \
	-Wall -Wextra -Werror -Itests/enclaves
ENCL_LDFLAGS := -static -nostdlib -Wl,-T,tests/enclaves/enclave.lds -Wl,--build-id=none \
	-Wl,-z,noexecstack
ENCL_RT := tests/enclaves/entry.S tests/enclaves/rt.c
ENCL_SRCS := $(ENCL_RT) tests/enclaves/test_enclave.c
ENCL_DEPS := $(ENCL_SRCS) tests/enclaves/enclave.h tests/enclaves/mix.h tests/enclaves/enclave.lds \
	tests/enclaves/aes_cmac.h
SIGN := $(O)/bin/sgxemu sign --date 20260101 --isvprodid 1 --isvsvn 2 --debug --miscselect 1
ENCLAVES := $(addprefix $(ENCL_DIR)/,test_enclave_a.sgxs test_enclave_a.sig \
	test_enclave_a.other.sig test_enclave_b.sgxs test_enclave_b.sig \
	test_enclave_c.sgxs test_enclave_c.sig test_enclave_d.sgxs test_enclave_d.sig \
	test_enclave_c1t.sgxs test_enclave_c1t.sig \
	launch_enclave.sgxs launch_enclave.sig pce.sgxs pce.sig quoting_enclave.sgxs \
	quoting_enclave.sig)

$(ENCL_DIR)/test_enclave_%.elf: $(ENCL_DEPS)
	@mkdir -p $(@D)
	$(Q_CC)$(ENCL_CC) $(ENCL_CFLAGS) -DENCLAVE_VARIANT=ENCLAVE_VARIANT_$(shell echo $* | tr a-z A-Z) \
		$(ENCL_LDFLAGS) -o $@ $(ENCL_SRCS)

# The launch enclave: EINITTOKENKEY (0x20) besides MODE64BIT.
$(ENCL_DIR)/launch_enclave.elf: tests/enclaves/launch_enclave.c include/sgxemu/le.h $(ENCL_DEPS)
	@mkdir -p $(@D)
	$(Q_CC)$(ENCL_CC) $(ENCL_CFLAGS) -maes -mrdrnd -Iinclude $(ENCL_LDFLAGS) -o $@ \
		$(ENCL_RT) tests/enclaves/launch_enclave.c

$(ENCL_DIR)/launch_enclave.sig: $(ENCL_DIR)/launch_enclave.sgxs tests/data/signing-key.pem \
		$(O)/bin/sgxemu
	$(Q_CC)$(SIGN) --attributes 0x24 --key tests/data/signing-key.pem $< -o $@

# Variant D: AEXNOTIFY (0x400) besides MODE64BIT.
$(ENCL_DIR)/test_enclave_d.sig: $(ENCL_DIR)/test_enclave_d.sgxs tests/data/signing-key.pem \
		$(O)/bin/sgxemu
	$(Q_CC)$(SIGN) --attributes 0x404 --key tests/data/signing-key.pem $< -o $@

# The attestation enclaves (doc/attestation.md): production enclaves with
# PROVISIONKEY (0x10) besides MODE64BIT, signed by their own key.
QE_DEPS := include/sgxemu/qe.h include/sgxemu/quote.h tests/enclaves/qe_common.h \
	tests/enclaves/sha256.h tests/enclaves/p256.h $(ENCL_DEPS)
$(ENCL_DIR)/pce.elf $(ENCL_DIR)/quoting_enclave.elf: $(ENCL_DIR)/%.elf: tests/enclaves/%.c $(QE_DEPS)
	@mkdir -p $(@D)
	$(Q_CC)$(CC) $(ENCL_CFLAGS) -maes -mrdrnd -Iinclude -Isrc $(ENCL_LDFLAGS) -o $@ \
		$(ENCL_RT) $<

$(ENCL_DIR)/pce.sig $(ENCL_DIR)/quoting_enclave.sig: $(ENCL_DIR)/%.sig: $(ENCL_DIR)/%.sgxs \
		tests/data/qe-signing-key.pem $(O)/bin/sgxemu
	$(Q_CC)$(O)/bin/sgxemu sign --date 20260101 --isvprodid 1 --isvsvn 1 --attributes 0x14 \
		--key tests/data/qe-signing-key.pem $< -o $@

$(ENCL_DIR)/%.sgxs: $(ENCL_DIR)/%.elf $(O)/bin/sgxemu
	$(Q_CC)$(O)/bin/sgxemu elf2sgxs $< -o $@

# Variant C in a 1 TiB ELRANGE, as a runtime that takes pages on demand
# lays out its enclave.
$(ENCL_DIR)/test_enclave_c1t.sgxs: $(ENCL_DIR)/test_enclave_c.elf $(O)/bin/sgxemu
	$(Q_CC)$(O)/bin/sgxemu elf2sgxs --size 1T $< -o $@

$(ENCL_DIR)/%.sig: $(ENCL_DIR)/%.sgxs tests/data/signing-key.pem $(O)/bin/sgxemu
	$(Q_CC)$(SIGN) --key tests/data/signing-key.pem $< -o $@

$(ENCL_DIR)/%.other.sig: $(ENCL_DIR)/%.sgxs tests/data/other-key.pem $(O)/bin/sgxemu
	$(Q_CC)$(SIGN) --key tests/data/other-key.pem $< -o $@

# --- examples -------------------------------------------------------------------
HELLO_DIR := $(O)/examples/hello
HELLO_ENCLAVES := $(addprefix $(HELLO_DIR)/,hello_prover.sgxs hello_prover.sig \
	hello_verifier.sgxs hello_verifier.sig)

$(HELLO_DIR)/hello_%.elf: examples/hello/hello_enclave.c examples/hello/hello.h $(ENCL_DEPS)
	@mkdir -p $(@D)
	$(Q_CC)$(ENCL_CC) $(ENCL_CFLAGS) -maes -mrdrnd -Iexamples/hello \
		-DHELLO_ROLE=$(if $(filter prover,$*),1,2) $(ENCL_LDFLAGS) -o $@ \
		$(ENCL_RT) examples/hello/hello_enclave.c

$(HELLO_DIR)/%.sgxs: $(HELLO_DIR)/%.elf $(O)/bin/sgxemu
	$(Q_CC)$(O)/bin/sgxemu elf2sgxs $< -o $@

$(HELLO_DIR)/%.sig: $(HELLO_DIR)/%.sgxs tests/data/signing-key.pem $(O)/bin/sgxemu
	$(Q_CC)$(O)/bin/sgxemu sign --key tests/data/signing-key.pem --date 20260101 $< -o $@

$(HELLO_DIR)/hello: $(O)/obj/examples/hello/hello.o $(LINK_api) $(HELLO_ENCLAVES)
	@mkdir -p $(@D)
	$(Q_LD)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LINK_api) $(LDLIBS)

$(O)/obj/examples/hello/hello.o: CPPFLAGS += -DHELLO_ENCLAVES=\"$(abspath $(HELLO_DIR))\" \
	-Iexamples/hello

# The quote example: an enclave, an SGX program for the Linux driver that
# links libsgx_dcap_ql (and speaks the AESM protocol), and a verifier.
QUOTE_DIR := $(O)/examples/quote
QUOTE_EXAMPLE := $(addprefix $(QUOTE_DIR)/,quote_enclave.sgxs quote_enclave.sig quote_app \
	quote_verify)

$(QUOTE_DIR)/quote_enclave.elf: examples/quote/quote_enclave.c examples/quote/quote_call.h \
		tests/enclaves/sha256.h $(ENCL_DEPS)
	@mkdir -p $(@D)
	$(Q_CC)$(CC) $(ENCL_CFLAGS) -Iexamples/quote $(ENCL_LDFLAGS) -o $@ $(ENCL_RT) $<

$(QUOTE_DIR)/%.sgxs: $(QUOTE_DIR)/%.elf $(O)/bin/sgxemu
	$(Q_CC)$(O)/bin/sgxemu elf2sgxs $< -o $@

$(QUOTE_DIR)/%.sig: $(QUOTE_DIR)/%.sgxs tests/data/signing-key.pem $(O)/bin/sgxemu
	$(Q_CC)$(O)/bin/sgxemu sign --key tests/data/signing-key.pem --date 20260101 $< -o $@

$(QUOTE_DIR)/quote_app: examples/quote/quote_app.c examples/quote/quote_call.h \
		include/sgxemu/dcap_ql.h $(AESM_GEN)/aesm.pb-c.c $(DCAP_SO)
	@mkdir -p $(@D)
	$(Q_LD)$(CC) -D_GNU_SOURCE -Iinclude -Iexamples/quote -I$(AESM_GEN) $(CFLAGS) $(LDFLAGS) \
		-o $@ $< $(AESM_GEN)/aesm.pb-c.c -L$(O)/lib -lsgx_dcap_ql \
		-Wl,-rpath,$(abspath $(O)/lib) -lprotobuf-c

$(QUOTE_DIR)/quote_verify: examples/quote/quote_verify.c examples/quote/quote_call.h $(LINK_api)
	@mkdir -p $(@D)
	$(Q_LD)$(CC) -D_GNU_SOURCE -Iinclude -Iexamples/quote $(CFLAGS) $(LDFLAGS) -o $@ $< \
		$(LINK_api) $(LDLIBS)

# --- tests --------------------------------------------------------------------
HARNESS_OBJS := $(patsubst %.c,$(O)/obj/%.o,$(wildcard tests/harness/*.c))
$(O)/lib/libharness.a: $(HARNESS_OBJS)

UNIT_LAYERS := base arch cpu drv virt api
$(foreach l,$(UNIT_LAYERS),$(eval UNIT_$(l) := $(patsubst tests/unit/$(l)/%.c,$(O)/tests/unit/$(l)/%,$(wildcard tests/unit/$(l)/*_test.c))))
UNIT_TESTS := $(foreach l,$(UNIT_LAYERS),$(UNIT_$(l)))
INTEGRATION_TESTS := $(patsubst tests/integration/%.c,$(O)/tests/integration/%,$(wildcard tests/integration/*_test.c))
TESTS := $(UNIT_TESTS) $(INTEGRATION_TESTS)

# A unit test of layer L may link only L and the layers below it, so a
# layering violation is a link error.
define unit_rule
$(O)/tests/unit/$(1)/%: $(O)/obj/tests/unit/$(1)/%.o $(O)/lib/libharness.a $(LINK_$(1))
	@mkdir -p $$(@D)
	$$(Q_LD)$$(CC) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$< $(O)/lib/libharness.a $(LINK_$(1)) $$(LDLIBS)
endef
$(foreach l,$(UNIT_LAYERS),$(eval $(call unit_rule,$(l))))

INTEGRATION_ASM := $(patsubst %.S,$(O)/obj/%.o,$(wildcard tests/integration/*.S))
$(O)/tests/integration/%: $(O)/obj/tests/integration/%.o $(INTEGRATION_ASM) $(O)/lib/libharness.a \
		$(O)/lib/libdcap.a $(LINK_api)
	@mkdir -p $(@D)
	$(Q_LD)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(INTEGRATION_ASM) $(O)/lib/libharness.a \
		$(O)/lib/libdcap.a $(LINK_api) $(LDLIBS) -lprotobuf-c

# Programs written for the Linux driver, run under `sgxemu run` by the
# tests: plain C, no libsgxemu; built with the sanitizers when the shim is
# (`sgxemu run` then preloads the sanitizer's runtime first).
PROGS := $(O)/tests/prog/driver_prog $(O)/tests/prog/static_prog $(O)/tests/prog/cpuid_prog \
	$(O)/tests/prog/reexec_prog $(O)/tests/prog/runtime_prog $(O)/tests/prog/cpuid_linked_prog \
	$(O)/tests/prog/cpuid_dl_prog $(O)/tests/prog/libcpuid_lib_stripped.so
PROG_CFLAGS := -std=gnu11 -O1 -g -D_GNU_SOURCE -Itests/enclaves $(WARN)
$(O)/tests/prog/%: tests/integration/prog/%.c tests/enclaves/enclave.h tests/integration/prog/uapi.h \
		tests/integration/raw_enclu.S
	@mkdir -p $(@D)
	$(Q_CC)$(CC) $(PROG_CFLAGS) $(SAN) -pthread -o $@ $< tests/integration/raw_enclu.S
$(O)/tests/prog/static_prog: tests/integration/prog/static_prog.c
	@mkdir -p $(@D)
	$(Q_CC)$(CC) $(PROG_CFLAGS) -static -o $@ $<
# A library with CPUIDs of its own, as built and stripped (.dynsym and
# .eh_frame only), and programs that load it at start and with dlopen; their
# RUNPATH ($ORIGIN) finds it by name.
$(O)/tests/prog/libcpuid_lib.so: tests/integration/prog/cpuid_lib.c
	@mkdir -p $(@D)
	$(Q_CC)$(CC) $(PROG_CFLAGS) -fPIC -shared -o $@ $<
$(O)/tests/prog/libcpuid_lib_stripped.so: $(O)/tests/prog/libcpuid_lib.so
	$(Q_CC)strip --strip-all -o $@ $<
$(O)/tests/prog/cpuid_linked_prog: tests/integration/prog/cpuid_linked_prog.c \
		$(O)/tests/prog/libcpuid_lib.so
	$(Q_CC)$(CC) $(PROG_CFLAGS) -o $@ $< -L$(O)/tests/prog -lcpuid_lib \
		-Wl,--enable-new-dtags,-rpath,'$$ORIGIN'
$(O)/tests/prog/cpuid_dl_prog: tests/integration/prog/cpuid_dl_prog.c $(O)/tests/prog/libcpuid_lib.so
	$(Q_CC)$(CC) $(PROG_CFLAGS) -o $@ $< -Wl,--enable-new-dtags,-rpath,'$$ORIGIN'

# --- fuzzing (MODE=fuzz) -------------------------------------------------------
# libFuzzer targets, one per kind of untrusted input (doc/development.md).
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(O)/tests/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TOOL_OBJS := $(O)/obj/tools/sgxemu/elf_layout.o
$(O)/tests/fuzz/%: $(O)/obj/tests/fuzz/%.o $(FUZZ_TOOL_OBJS) $(LINK_api)
	@mkdir -p $(@D)
	$(Q_LD)$(CC) $(CFLAGS) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_TOOL_OBJS) $(LINK_api) \
		$(LDLIBS)
FUZZ_SECONDS ?= 30

# --- ThreadSanitizer (MODE=tsan) ----------------------------------------------
# The tests that link the library and run threads: the driver, paging,
# EDMM, the launch cache, VMs, enclave entry, signal actions, TCBs.  Not
# the ones that run programs under the preload shim (a TSan-built shim
# cannot be preloaded into uninstrumented programs), listed in
# TSAN_EXCLUDE with those that cannot run under TSan (doc/development.md
# says why).
TSAN_TESTS := $(addprefix $(O)/tests/,unit/base/shm_test unit/cpu/paging_test unit/cpu/sig_test \
	unit/cpu/tcb_test unit/virt/vm_test integration/device_test \
	integration/paging_test integration/edmm_test integration/exec_test \
	integration/launch_test integration/vm_test)
TSAN_EXCLUDE_SHIM := launch.run_with_policy,launch.stat_reports_the_counters,vm.cli
# A process made with a raw clone(CLONE_VM) runs TSan's runtime on its
# parent's thread state and can wait forever on its locks.
TSAN_EXCLUDE_CLONE := exec.a_clone_vm_process_keeps_its_tcb
# A child of the bare fork system call, which TSan does not see: it takes
# the parent's threads for the child's own, and can wait on their locks.
TSAN_EXCLUDE_RAWFORK := exec.a_raw_fork_never_corrupts_the_parent,$(strip \
	)exec.a_raw_fork_child_may_destroy_the_platform,$(strip \
	)exec.a_forked_child_keeps_elrange_reserved,exec.raw_forks_during_a_paging_storm,$(strip \
	)exec.a_raw_fork_child_shares_the_enclave,exec.fork_shares_the_enclave_under_paging,$(strip \
	)exec.sharers_killed_at_random,exec.a_child_that_execs_lets_go_of_the_enclave
# Signals at every instruction of host code: the emulator's handler, not
# TSan's, can interrupt TSan's runtime and wait for a lock it holds.
TSAN_EXCLUDE_STORM := exec.a_signal_storm_that_jumps_out_of_ecalls
# A child of fork() that shares its parent's enclaves starts its tick and
# reclaimer, and TSan ends a child of a threaded process that starts
# threads: under TSan children let go (SGXEMU_FORK_SHARE=0 in tsan-run),
# and the tests of sharing that fork from a threaded process are left out.
TSAN_EXCLUDE_FORKSHARE := exec.a_shared_enclave_goes_with_its_last_process,$(strip \
	)exec.eviction_interrupts_threads_of_a_sharing_process
TSAN_EXCLUDE := $(TSAN_EXCLUDE_SHIM),$(TSAN_EXCLUDE_CLONE),$(TSAN_EXCLUDE_RAWFORK),$(strip \
	)$(TSAN_EXCLUDE_STORM),$(TSAN_EXCLUDE_FORKSHARE)

# --- benchmarks ---------------------------------------------------------------
BENCHES := $(patsubst bench/%.c,$(O)/bench/%,$(wildcard bench/*.c))
$(O)/bench/%: $(O)/obj/bench/%.o $(LINK_api) bench/bench.h
	@mkdir -p $(@D)
	$(Q_LD)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LINK_api) $(LDLIBS)

# Quote generation needs the quote library's insides.
$(O)/bench/quote: $(O)/obj/bench/quote.o $(O)/lib/libdcap.a $(LINK_api) bench/bench.h
	@mkdir -p $(@D)
	$(Q_LD)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/lib/libdcap.a $(LINK_api) $(LDLIBS) \
		-lprotobuf-c

# --- header self-containment --------------------------------------------------
HEADERS := $(wildcard src/*/*.h src/*/*/*.h include/sgxemu/*.h tests/harness/*.h)
HDR_OKS := $(patsubst %.h,$(O)/hdr/%.h.ok,$(HEADERS))

# --- phony targets ------------------------------------------------------------
.PHONY: all check check-external check-external-run bench bench-run bench-programs clean demo demo-run \
	demo-vectors headers lint help fuzz fuzz-programs fuzz-smoke fuzz-run check-tsan tsan-run \
	install install-release check-install check-install-run
.DEFAULT_GOAL := all

all: $(O)/bin/sgxemu $(PRELOAD) $(HELPER) $(LIBSGXEMU) headers $(ENCLAVES) $(HELLO_DIR)/hello \
	$(DCAP_SO) $(QUOTE_EXAMPLE)

headers: $(HDR_OKS)

check: all $(TESTS) $(ENCLAVES) $(HELLO_DIR)/hello $(PRELOAD) $(HELPER) $(PROGS)
	@SGXEMU=$(abspath $(O)/bin/sgxemu) VECTORS=$(abspath $(VECTORS)) \
		tests/harness/run-tests $(TESTS)

# What users get is the release build: `make demo` and `make check-external`
# run it unless MODE is given on the command line.
USER_MODE := $(if $(filter command line,$(origin MODE)),$(MODE),release)

# Third-party programs, unmodified: the Linux kernel's SGX selftests under
# `sgxemu run` and `sgxemu vm`, and Intel's SGX SDK samples under `sgxemu run`.
check-external:
	@$(MAKE) --no-print-directory MODE=$(USER_MODE) check-external-run

check-external-run: $(O)/bin/sgxemu $(PRELOAD) $(HELPER)
	@SGXEMU=$(abspath $(O)/bin/sgxemu) WORK=$(abspath $(O)/external) \
		SDK=$(abspath ../shared/external/intel-sgx-sdk) tests/external/run

# Benchmarks run from a release build unless MODE is given.
BENCH_MODE ?= release
bench:
	@$(MAKE) --no-print-directory MODE=$(BENCH_MODE) bench-run

bench-programs: $(BENCHES)

bench-run: $(O)/bin/sgxemu $(BENCHES) $(ENCLAVES) $(PRELOAD) $(HELPER)
	@mkdir -p build/bench
	@: > build/bench/results.jsonl
	@rm -f build/bench/host.json
	@set -e; for b in $(BENCHES); do $$b build/bench/results.jsonl; done

# The main job: an enclave that seals a secret, unseals it in a second run
# and attests itself to a second enclave, on a fresh emulated platform.
demo:
	@$(MAKE) --no-print-directory MODE=$(USER_MODE) demo-run

demo-run: $(HELLO_DIR)/hello $(O)/bin/sgxemu $(PRELOAD) $(HELPER) $(PROGS) $(ENCLAVES) \
		$(DCAP_SO) $(QUOTE_EXAMPLE)
	@HELLO=$(HELLO_DIR)/hello SGXEMU=$(O)/bin/sgxemu DRIVER_PROG=$(O)/tests/prog/driver_prog \
		ENCLAVES=$(O)/enclaves QUOTE_EXAMPLE=$(QUOTE_DIR) scripts/demo

# --- installation -------------------------------------------------------------
# `make install [PREFIX=/usr/local] [DESTDIR=...]` installs the release
# build.  The shim, its exec helper and the DCAP quote library go to
# PREFIX/lib/sgxemu, which `sgxemu run` finds from its own location
# (PREFIX/bin/..), so BINDIR and that directory follow PREFIX only; the
# launch, provisioning and quoting enclaves to DATADIR/sgxemu (the CLI and
# the quote library look in PREFIX/share/sgxemu, else $SGXEMU_QE_DIR).
PREFIX ?= /usr/local
DESTDIR ?=
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
MANPAGES := $(wildcard doc/man/*.[17])

install:
	@$(MAKE) --no-print-directory MODE=release install-release

QE_ENCLAVES := $(foreach e,pce quoting_enclave,$(ENCL_DIR)/$(e).sgxs $(ENCL_DIR)/$(e).sig)

install-release: $(O)/bin/sgxemu $(PRELOAD) $(HELPER) $(LIBSGXEMU) $(DCAP_SO) $(QE_ENCLAVES) \
		$(ENCL_DIR)/launch_enclave.sgxs $(ENCL_DIR)/launch_enclave.sig mk/sgxemu.pc.in \
		mk/sgxemu-machine.service.in
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/sgxemu $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR)/sgxemu $(DESTDIR)$(DATADIR)/sgxemu $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man7
	install -m 755 $(O)/bin/sgxemu $(DESTDIR)$(PREFIX)/bin/sgxemu
	install -m 755 $(PRELOAD) $(HELPER) $(DESTDIR)$(PREFIX)/lib/sgxemu/
	install -m 755 $(DCAP_SO) $(DESTDIR)$(PREFIX)/lib/sgxemu/libsgx_dcap_ql.so.1
	ln -sf libsgx_dcap_ql.so.1 $(DESTDIR)$(PREFIX)/lib/sgxemu/libsgx_dcap_ql.so
	install -m 755 $(LIBSGXEMU) $(DESTDIR)$(LIBDIR)/
	ln -sf libsgxemu.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libsgxemu.so
	install -m 644 include/sgxemu/*.h $(DESTDIR)$(INCLUDEDIR)/sgxemu/
	install -m 644 $(ENCL_DIR)/launch_enclave.sgxs $(ENCL_DIR)/launch_enclave.sig \
		$(QE_ENCLAVES) $(DESTDIR)$(DATADIR)/sgxemu/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@DATADIR@|$(DATADIR)|' mk/sgxemu.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/sgxemu.pc
	install -m 644 $(filter %.1,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(filter %.7,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man7/
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed -e 's|@PREFIX@|$(PREFIX)|' mk/sgxemu-machine.service.in \
		> $(DESTDIR)$(PREFIX)/lib/systemd/system/sgxemu-machine.service

# Install into a scratch prefix and use it as a user would (tests/install/run),
# with the release build's test programs and enclaves.
check-install:
	@$(MAKE) --no-print-directory MODE=release check-install-run

check-install-run: all $(PROGS)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
		$(MAKE) --no-print-directory install PREFIX=$$tmp/usr >/dev/null && \
		tests/install/run $$tmp/usr $(abspath $(O))

# Real hardware-built enclaves measured, signed and launched.
demo-vectors: $(O)/bin/sgxemu
	@SGXEMU=$(O)/bin/sgxemu VECTORS=$(VECTORS) scripts/demo-vectors

# Fuzzing: `make fuzz` builds the targets (build/fuzz/tests/fuzz/), `make
# fuzz-smoke` runs each for FUZZ_SECONDS from its committed corpus.
fuzz:
	@$(MAKE) --no-print-directory MODE=fuzz fuzz-programs

fuzz-programs: $(FUZZ_TARGETS)

fuzz-smoke:
	@$(MAKE) --no-print-directory MODE=fuzz fuzz-run

fuzz-run: $(FUZZ_TARGETS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) ARTIFACTS=$(abspath $(O)/fuzz-artifacts) tests/fuzz/run \
		$(FUZZ_TARGETS)

# ThreadSanitizer: `make check-tsan` (or `make MODE=tsan check-tsan`).
check-tsan:
	@$(MAKE) --no-print-directory MODE=tsan tsan-run

# The paging stress runs 10 s instead of 30: TSan defers an asynchronous
# signal until the thread calls into the C library, which enclave code
# never does, so each kick waits for the next ECALL's return.
tsan-run: $(TSAN_TESTS) $(ENCLAVES)
	@TSAN_OPTIONS="suppressions=$(abspath tests/tsan.supp) $${TSAN_OPTIONS:-}" \
		SGXEMU_TEST_TIMEOUT_MULTIPLIER=$${SGXEMU_TEST_TIMEOUT_MULTIPLIER:-5} \
		SGXEMU_STRESS_SECONDS=$${SGXEMU_STRESS_SECONDS:-10} SGXEMU_FORK_SHARE=0 \
		SGXEMU_TEST_EXCLUDE=$(TSAN_EXCLUDE) tests/harness/run-tests $(TSAN_TESTS)

lint: headers
	@scripts/check-layering

clean:
	rm -rf build

help:
	@echo 'make [MODE=debug|release|asan] [all|check|bench|lint|clean]'
	@echo '  all    build build/bin/sgxemu (MODE=debug) or build/MODE/bin/sgxemu'
	@echo '  check  build and run every test; last line: N passed, N failed, N skipped'
	@echo '  bench  run the benchmarks; results in build/bench/results.jsonl'
	@echo '  check-external  the Linux SGX selftests (6.1, 6.12) under sgxemu run and vm,'
	@echo '                  and the Intel SGX SDK samples under sgxemu run (release build)'
	@echo '  demo   an enclave seals, unseals and attests; a DCAP quote is made and verified (release build)'
	@echo '  install  the release build into $$(DESTDIR)$$(PREFIX) (default /usr/local)'
	@echo '  check-install  install into a scratch prefix and run the demo from there'
	@echo '  lint   header self-containment and layering checks'
	@echo '  fuzz   build the libFuzzer targets (clang); fuzz-smoke runs each for FUZZ_SECONDS'
	@echo '  check-tsan  the threaded tests under ThreadSanitizer (clang)'

VECTORS ?= ../shared/vectors

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
