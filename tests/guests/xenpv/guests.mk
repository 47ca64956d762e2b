# Hostile Xen PV test kernel (tests/integration/xen_pv_hostile.sh): a
# freestanding 64-bit ELF with Xen's PV notes, linked in the upper half.
XENPV_CFLAGS := -std=gnu17 -O2 -Wall -Wextra -Werror -ffreestanding -fno-builtin \
	-nostdlib -static -fno-pic -mcmodel=kernel -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fcf-protection=none -Wl,--build-id=none -Wl,--no-warn-rwx-segments
all: $(BUILD)/xenpv/hostile.elf
$(BUILD)/xenpv/hostile.elf: xenpv/head.S xenpv/hostile.c xenpv/xen.ld
	@mkdir -p $(@D)
	$(CC) $(XENPV_CFLAGS) -Wl,-T,xenpv/xen.ld -o $@ xenpv/head.S xenpv/hostile.c
