# Boot test guests (tests/guests/boot, nasm): PVH ELFs linked at 1 MiB (one
# also as ELF32), a fake bzImage, and the initrd the loaders hand them.
BOOT_OUT := $(BUILD)/boot
BOOT_PVH := pvh_entry i8042_reset smp
all: boot-guests
boot-guests: $(BOOT_PVH:%=$(BOOT_OUT)/%.elf) $(BOOT_OUT)/pvh_entry32.elf \
	$(BOOT_OUT)/bzimage64.bin $(BOOT_OUT)/initrd.img
$(BOOT_OUT)/%.o: boot/%.asm boot/common.inc
	@mkdir -p $(@D)
	nasm -f elf64 -Iboot/ $< -o $@
$(BOOT_OUT)/%.elf: $(BOOT_OUT)/%.o boot/pvh.ld
	ld -m elf_x86_64 --no-warn-rwx-segments -T boot/pvh.ld $< -o $@
# The same PVH entry guest as an ELF32 i386 file, as small PVH kernels are
# often linked (the entry is 32-bit code either way).
$(BOOT_OUT)/pvh_entry32.o: boot/pvh_entry.asm boot/common.inc
	@mkdir -p $(@D)
	nasm -f elf32 -Iboot/ $< -o $@
$(BOOT_OUT)/pvh_entry32.elf: $(BOOT_OUT)/pvh_entry32.o boot/pvh.ld
	ld -m elf_i386 --oformat elf32-i386 --no-warn-rwx-segments -T boot/pvh.ld $< -o $@
$(BOOT_OUT)/bzimage64.bin: boot/bzimage64.asm boot/common.inc
	@mkdir -p $(@D)
	nasm -f bin -Iboot/ $< -o $@
$(BOOT_OUT)/initrd.img:
	@mkdir -p $(@D)
	printf 'GAMUTRD!initrd for the boot test guests\n' >$@
.PHONY: boot-guests
