# gamut: one C program for the whole virtualization spectrum.
# `make` builds build/gamut; `make test` runs the whole suite (installing
# what it needs first); `make quick` runs the unit tests only.

BUILD	?= build
CC	?= cc
PKGS	:= slirp capstone json-c libseccomp liblz4 zlib libzstd
# These are read once, when make reads this file: on a machine without the
# -dev packages they come out empty.  So the targets that install them
# (DEPS_GOALS below) run `deps` first and build in a second make, which
# reads them afresh; everything else stops early (pkgs-present) instead of
# failing in the link with a wall of undefined references.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# capstone is dlopen'ed by --trace only (src/cpu/emu/trace.c says why).
PKG_LIBS   := $(shell pkg-config --libs $(filter-out capstone,$(PKGS)) 2>/dev/null)
CAPSTONE_MAJOR := $(firstword $(subst ., ,$(shell pkg-config --modversion capstone 2>/dev/null)))
PKG_MISSING := $(strip $(foreach p,$(PKGS),$(if $(shell pkg-config --exists $(p) 2>/dev/null && echo y),,$(p))))
# Xen's public headers (libxen-dev) have no pkg-config file of their own.
ifeq ($(wildcard /usr/include/xen/arch-x86/xen.h),)
PKG_MISSING += libxen-dev
endif

CFLAGS	?= -O2 -g
CFLAGS	+= -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc -Iinclude $(PKG_CFLAGS) \
	   -fno-strict-aliasing -MMD -MP
LDLIBS	+= $(PKG_LIBS) -lpthread -lm -ldl
ifeq ($(SAN),1)
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
endif

LIB_SRC	 := $(shell find src -name '*.c' ! -path 'src/cli/*' | sort)
CLI_SRC	 := $(shell find src/cli -name '*.c' | sort)
UNIT_SRC := $(shell find tests/unit -name '*.c' | sort)
# The software CPU's differential tester (library part) joins the unit tests.
DT_SRC	 := $(shell find tests/difftest -name 'dt_*.c' | sort)
UNIT_SRC += $(DT_SRC)
LIB_OBJ	 := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ	 := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
WHOLE	 = -Wl,--whole-archive $(BUILD)/libgamut.a -Wl,--no-whole-archive

.PHONY: all deps test quick asan clean spectrum bench guest-kit test-guests fuzz fuzz-long fuzz-cpu emu-mips
all: $(BUILD)/gamut $(BUILD)/unit-tests $(BUILD)/gamut-workload test-guests

# One clear line instead of compile and link errors when a library's -dev
# package (or pkg-config itself) is missing.
.PHONY: pkgs-present
pkgs-present:
ifneq ($(PKG_MISSING),)
	@echo "gamut: pkg-config does not find $(PKG_MISSING): run 'make deps' first (installs the build dependencies)" >&2; exit 1
endif

$(BUILD)/%.o: %.c | pkgs-present
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libgamut.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/gamut: $(CLI_OBJ) $(BUILD)/libgamut.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(WHOLE) $(LDLIBS)
	@ln -sf gamut $(BUILD)/gamut-oci

$(BUILD)/unit-tests: $(UNIT_OBJ) $(BUILD)/libgamut.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(WHOLE) $(LDLIBS)

# The legacy BIOS (16-bit, nasm), embedded by src/bios/bios_image.c.
BIOS_ASM := $(wildcard src/bios/*.asm)
$(BUILD)/bios/bios.bin: $(BIOS_ASM)
	@mkdir -p $(@D)
	@echo "  NASM    $@"
	@nasm -f bin -I src/bios/ -o $@ src/bios/bios.asm
BIOS_IMAGE_OBJ := $(BUILD)/src/bios/bios_image.o $(BUILD)/fuzz/obj/src/bios/bios_image.o
$(BIOS_IMAGE_OBJ): $(BUILD)/bios/bios.bin
$(BIOS_IMAGE_OBJ): CFLAGS += -DGAMUT_BIOS_BIN='"$(abspath $(BUILD))/bios/bios.bin"'

TRACE_OBJ := $(BUILD)/src/cpu/emu/trace.o $(BUILD)/fuzz/obj/src/cpu/emu/trace.o
ifneq ($(CAPSTONE_MAJOR),)
$(TRACE_OBJ): CFLAGS += -DGAMUT_CAPSTONE_SONAME='"libcapstone.so.$(CAPSTONE_MAJOR)"'
endif

# The spectrum workload, native and static (also copied into the guest kit).
$(BUILD)/gamut-workload: workload/workload.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) -O2 -static -o $@ $<

# Small guests the tests boot (asm and freestanding C).
test-guests:
	@$(MAKE) -s -C tests/guests BUILD=$(abspath $(BUILD))/guests

# The PV guest SDK (guest/pv) and gamut-pv-cc, installed next to gamut;
# the PV examples (examples/pv) built with it.  docs/pv-abi.md section 8.
PV_CC	 ?= gcc
PV_SDK	 := $(BUILD)/pv-sdk
PV_LIB_SRC := $(sort $(wildcard guest/pv/lib/*.c))
PV_LIB_OBJ := $(PV_LIB_SRC:guest/pv/lib/%.c=$(PV_SDK)/obj/%.o)
PV_HDRS	 := $(wildcard guest/pv/include/*.h guest/pv/include/gamut/*.h guest/pv/lib/*.h) \
	    include/gamut/pv_abi.h
PV_SDK_CFLAGS := -std=gnu17 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin \
	-nostdinc -isystem guest/pv/include -isystem include \
	-isystem $(shell $(PV_CC) -print-file-name=include 2>/dev/null) -fno-pie -fno-pic \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fcf-protection=none -fno-tree-loop-distribute-patterns
PV_EXAMPLES := $(patsubst examples/pv/%.c,$(BUILD)/pv-examples/%.pv,$(wildcard examples/pv/*.c))
PVCC	 = $(abspath $(BUILD))/gamut-pv-cc
# Hostile PV guests for tests/integration/pv_hostile.sh.
PV_HOSTILE := $(patsubst tests/guests/pv/%.c,$(BUILD)/guests/pv/%.pv,$(wildcard tests/guests/pv/*.c))

.PHONY: pv-sdk pv-examples
all: pv-sdk pv-examples
pv-sdk: $(BUILD)/gamut-pv-cc

$(PV_SDK)/obj/%.o: guest/pv/lib/%.c $(PV_HDRS)
	@mkdir -p $(@D)
	$(PV_CC) $(PV_SDK_CFLAGS) -c $< -o $@

$(PV_SDK)/lib/libgamutpv.a: $(PV_LIB_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(PV_SDK)/lib/crt0.o: guest/pv/crt0.S
	@mkdir -p $(@D)
	$(PV_CC) -c $< -o $@

$(PV_SDK)/include/.stamp: $(PV_HDRS) guest/pv/pv.ld
	@mkdir -p $(PV_SDK)/include/gamut $(PV_SDK)/lib
	cp guest/pv/include/*.h $(PV_SDK)/include/
	cp guest/pv/include/gamut/*.h include/gamut/pv_abi.h $(PV_SDK)/include/gamut/
	cp guest/pv/pv.ld $(PV_SDK)/lib/
	@touch $@

$(BUILD)/gamut-pv-cc: guest/pv/gamut-pv-cc $(PV_SDK)/include/.stamp $(PV_SDK)/lib/crt0.o \
		      $(PV_SDK)/lib/libgamutpv.a
	cp $< $@

pv-examples: $(PV_EXAMPLES) $(BUILD)/pv-examples/cpubench-native $(PV_HOSTILE) \
	     $(BUILD)/gamut-workload.pv

# The spectrum workload as a PV guest (`gamut spectrum`'s pv row).
$(BUILD)/gamut-workload.pv: workload/workload.c $(BUILD)/gamut-pv-cc
	$(PVCC) -O2 $< -o $@

$(BUILD)/pv-examples/%.pv: examples/pv/%.c $(BUILD)/gamut-pv-cc
	@mkdir -p $(@D)
	$(PVCC) -O2 -Wall -Wextra -Werror $< -o $@

$(BUILD)/guests/pv/%.pv: tests/guests/pv/%.c tests/guests/pv/hostile.h $(BUILD)/gamut-pv-cc
	@mkdir -p $(@D)
	$(PVCC) -O2 -Wall -Wextra -Werror $< -o $@

# The CPU benchmark, built natively from the same source with the same -O2.
$(BUILD)/pv-examples/cpubench-native: examples/pv/cpubench.c
	@mkdir -p $(@D)
	$(PV_CC) -O2 -Wall -Wextra -Werror $< -o $@

deps:
	@scripts/install-deps.sh

quick: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

# The targets that install what they need: `deps`, then the rest in a
# second make (`_NAME`), which sees the freshly installed packages
# (PKG_CFLAGS above says why).  The `_` targets are internal.
DEPS_GOALS := test guest-kit spectrum bench
.PHONY: $(DEPS_GOALS) $(DEPS_GOALS:%=_%)
$(DEPS_GOALS): deps
	@$(MAKE) --no-print-directory _$@

_test:
	@$(MAKE) -s all _guest-kit
	@tests/run.sh $(BUILD)

asan:
	@$(MAKE) BUILD=build-asan SAN=1 test

_guest-kit: $(BUILD)/gamut-workload
	@KIT_EXTRA=$(BUILD)/gamut-workload guest/kit/build.sh $(BUILD)/kit

_spectrum: all _guest-kit
	$(BUILD)/gamut spectrum --kit $(BUILD)/kit

_bench: all _guest-kit
	@scripts/install-deps.sh --bench
	@bench/run.sh $(BUILD)

# libFuzzer targets: fuzz/fuzz_NAME.c -> $(BUILD)/fuzz/fuzz_NAME, linked
# against the library rebuilt with clang's coverage and ASan/UBSan.
FUZZ_CC	  ?= clang
FUZZ_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_SRC  := $(wildcard fuzz/fuzz_*.c)
FUZZ_OBJ  := $(LIB_SRC:%.c=$(BUILD)/fuzz/obj/%.o)
FUZZ_CFLAGS = $(filter-out -O2 -fsanitize=%,$(CFLAGS)) -O1 $(FUZZ_SAN)
fuzz: $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/obj/%.o: %.c | pkgs-present
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/libgamut.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

# FUZZ_EXTRA_<target>: more sources one target needs (a test fixture).
FUZZ_EXTRA_fuzz_pv_hypercall := tests/unit/test_pv_fixture.c
FUZZ_EXTRA_fuzz_xen_hypercall := tests/unit/test_xen_fixture.c
# The virtio targets put virtio-net on a backend of their own and see the
# console's input hook (fuzz/fuzz_virtio.h): the linker routes those two
# calls to the target, the device code stays the real one.
FUZZ_VIRTIO_WRAP := -Wl,--wrap=net_tap_open -Wl,--wrap=console_attach_input
$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(wildcard fuzz/*.h) $(BUILD)/fuzz/libgamut.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_EXTRA_fuzz_$*) \
		$(if $(filter virtio_%,$*),$(FUZZ_VIRTIO_WRAP)) \
		-Wl,--whole-archive $(BUILD)/fuzz/libgamut.a -Wl,--no-whole-archive $(LDLIBS) -o $@

# Every fuzz target for FUZZ_SECONDS each (the issue's 600 by default),
# corpora kept in $(BUILD)/fuzz/corpus; fails when a target finds anything.
FUZZ_SECONDS ?= 600
fuzz-long: fuzz
	@BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz-long.sh

# Millions of differential cases of the software CPU against the host CPU.
$(BUILD)/difftest-cpu: $(BUILD)/tests/difftest/fuzz_cpu.o $(DT_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libgamut.a
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(WHOLE) $(LDLIBS)

$(BUILD)/emu-mips: $(BUILD)/tests/difftest/mips.o $(BUILD)/libgamut.a
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(WHOLE) $(LDLIBS)

# Guest MIPS of the software CPU on an integer loop.
emu-mips: $(BUILD)/emu-mips
	$(BUILD)/emu-mips

fuzz-cpu: $(BUILD)/difftest-cpu
	$(BUILD)/difftest-cpu $(or $(COUNT),2000000) $(or $(SEED),1)

# README's quick start on a freshly debootstrapped Debian 12 (root only;
# FRESH_TEST=1 runs `make test` there too).  docs/testing.md.
.PHONY: fresh-check
fresh-check:
	@scripts/fresh-check.sh

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(wildcard $(BUILD)/fuzz/obj/src/*/*.d $(BUILD)/fuzz/obj/src/*/*/*.d)
