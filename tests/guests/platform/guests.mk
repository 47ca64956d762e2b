# Platform-device guests (tests/integration/platform_devices.sh): raw PVH ELF.
all: $(BUILD)/platform/devices.elf
$(BUILD)/platform/%.elf: platform/%.S kvm/guest.ld
	@mkdir -p $(@D)
	$(CC) -nostdlib -static -no-pie -Wl,-T,kvm/guest.ld -Wl,--build-id=none -o $@ $<
