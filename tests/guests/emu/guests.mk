# The software CPU's system test guests (tests/unit/test_emu_guests.c):
# flat binaries loaded at 0x8000 and entered in real mode.
EMU_GUESTS := $(patsubst emu/%.asm,$(BUILD)/emu/%.bin,$(wildcard emu/*.asm))
all: $(EMU_GUESTS)
$(BUILD)/emu/%.bin: emu/%.asm emu/lib.inc
	@mkdir -p $(@D)
	nasm -w+all -f bin -I emu/ -o $@ $<
