# The GDB stub's test guest (tests/guests/gdb, nasm): a PVH ELF that runs
# its 64-bit code at a high virtual address.
GDB_OUT := $(BUILD)/gdb
all: gdb-guests
gdb-guests: $(GDB_OUT)/gdb_target.elf
$(GDB_OUT)/gdb_target.o: gdb/gdb_target.asm boot/common.inc
	@mkdir -p $(@D)
	nasm -f elf64 -Iboot/ $< -o $@
$(GDB_OUT)/gdb_target.elf: $(GDB_OUT)/gdb_target.o boot/pvh.ld
	ld -m elf_x86_64 --no-warn-rwx-segments -T boot/pvh.ld $< -o $@
.PHONY: gdb-guests
# The software CPU's TF/DR0-3 test guest (tests/unit/test_gdb_emu_arch.c):
# flat, loaded at 0x8000, on the emu guests' start-up code.
gdb-guests: $(GDB_OUT)/emu_debug.bin
$(GDB_OUT)/emu_debug.bin: gdb/emu_debug.asm emu/lib.inc
	@mkdir -p $(@D)
	nasm -w+all -f bin -I emu/ -o $@ $<
