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
# The software CPU's differential tester (library part) joins the unit tests.
DT_SRC	 := $(shell find tests/difftest -name 'dt_*.c' | sort)
UNIT_SRC += $(DT_SRC)
LIB_OBJ	 := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ	 := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
WHOLE	 = -Wl,--whole-archive $(BUILD)/libgamut.a -Wl,--no-whole-archive

.PHONY: all deps test quick asan clean spectrum bench guest-kit test-guests fuzz fuzz-cpu emu-mips
all: $(BUILD)/gamut $(BUILD)/unit-tests test-guests

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libgamut.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/gamut: $(CLI_OBJ) $(BUILD)/libgamut.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(WHOLE) $(LDLIBS)
	ln -sf gamut $(BUILD)/gamut-oci

$(BUILD)/unit-tests: $(UNIT_OBJ) $(BUILD)/libgamut.a
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(WHOLE) $(LDLIBS)

# Small guests the tests boot (asm and freestanding C).
test-guests:
	@$(MAKE) -s -C tests/guests BUILD=$(abspath $(BUILD))/guests

deps:
	@scripts/install-deps.sh

quick: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

test: deps
	@$(MAKE) -s all
	@tests/run.sh $(BUILD)

asan:
	@$(MAKE) BUILD=build-asan SAN=1 test

guest-kit: deps
	@guest/kit/build.sh $(BUILD)/kit

spectrum: deps all guest-kit
	$(BUILD)/gamut spectrum --kit $(BUILD)/kit

bench: deps all guest-kit
	@bench/run.sh $(BUILD)

# libFuzzer target for the software CPU's decoder (clang).
$(BUILD)/fuzz/fuzz_decode: fuzz/fuzz_decode.c src/cpu/emu/decode.c
	@mkdir -p $(@D)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c17 -D_GNU_SOURCE -Isrc $^ -o $@
fuzz: $(BUILD)/fuzz/fuzz_decode

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

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)
