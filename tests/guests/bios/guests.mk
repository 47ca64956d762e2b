# BIOS service test disk (tests/integration/pc_bios_*.sh): a 1 MiB image
# whose boot sector loads and runs bios/services.asm.
all: $(BUILD)/bios/services.img
$(BUILD)/bios/services.img: bios/services.asm
	@mkdir -p $(@D)
	nasm -f bin -o $@ $<
