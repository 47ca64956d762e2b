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
