# KVM backend guests (tests/integration/kvm_*.sh): raw PVH ELF, no libc.
all: $(BUILD)/kvm/smp.elf
$(BUILD)/kvm/%.elf: kvm/%.S kvm/guest.ld
	@mkdir -p $(@D)
	$(CC) -nostdlib -static -Wl,-T,kvm/guest.ld -Wl,--build-id=none -o $@ $<
