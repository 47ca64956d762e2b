# gamut: one C program for the whole virtualization spectrum.
# `make` builds build/gamut; `make test` runs the whole suite (installing
# what it needs first); `make quick` runs the unit tests only.

BUILD	?= build
CC	?= cc
PKGS	:= slirp capstone json-c libseccomp
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS	?= -O2 -g
CFLAGS	+= -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc $(PKG_CFLAGS) \
	   -fno-strict-aliasing -MMD -MP
LDLIBS	+= $(PKG_LIBS) -lpthread -lm
ifeq ($(SAN),1)
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
endif

LIB_SRC	 := $(shell find src -name '*.c' ! -path 'src/cli/*' | sort)
CLI_SRC	 := $(shell find src/cli -name '*.c' | sort)
UNIT_SRC := $(shell find tests/unit -name '*.c' | sort)
LIB_OBJ	 := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ	 := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
WHOLE	 = -Wl,--whole-archive $(BUILD)/libgamut.a -Wl,--no-whole-archive

.PHONY: all deps test quick asan clean spectrum bench guest-kit test-guests fuzz
all: $(BUILD)/gamut $(BUILD)/unit-tests $(BUILD)/gamut-workload test-guests

$(BUILD)/%.o: %.c
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

# The spectrum workload, native and static (also copied into the guest kit).
$(BUILD)/gamut-workload: workload/workload.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) -O2 -static -o $@ $<

# Small guests the tests boot (asm and freestanding C).
test-guests:
	@$(MAKE) -s -C tests/guests BUILD=$(abspath $(BUILD))/guests

deps:
	@scripts/install-deps.sh

quick: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

test: deps
	@$(MAKE) -s all
	@$(MAKE) -s guest-kit || echo "guest kit not built: the Linux tests will skip"
	@tests/run.sh $(BUILD)

asan:
	@$(MAKE) BUILD=build-asan SAN=1 test

guest-kit: deps $(BUILD)/gamut-workload
	@KIT_EXTRA=$(BUILD)/gamut-workload guest/kit/build.sh $(BUILD)/kit

spectrum: deps all guest-kit
	$(BUILD)/gamut spectrum --kit $(BUILD)/kit

bench: deps all guest-kit
	@bench/run.sh $(BUILD)

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)

# Fuzz targets (clang + libFuzzer): `make fuzz`, then run build/fuzz/fuzz_X.
FUZZ_CC	   ?= clang
FUZZ_FLAGS := -g -O1 -std=c17 -D_GNU_SOURCE -Isrc -fsanitize=fuzzer,address,undefined
fuzz: $(BUILD)/fuzz/fuzz_virtq
$(BUILD)/fuzz/fuzz_virtq: fuzz/fuzz_virtq.c src/virtio/virtq.c src/core/gmem.c src/core/err.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $^ -o $@

# Platform devices (fuzz/fuzz_platform_io.c): every device file, no vm.c.
PLATFORM_FUZZ_SRC := src/core/bus.c src/core/device.c src/core/evloop.c src/core/err.c \
	src/console/console.c src/devices/uart8250.c src/devices/i8042.c \
	src/devices/acpi_pm.c src/devices/pic.c src/devices/ioapic.c src/devices/pit.c \
	src/devices/rtc.c
fuzz: $(BUILD)/fuzz/fuzz_platform_io
$(BUILD)/fuzz/fuzz_platform_io: fuzz/fuzz_platform_io.c $(PLATFORM_FUZZ_SRC)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $^ -o $@
