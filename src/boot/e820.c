#include "boot/e820.h"

#include "core/layout.h"

uint64_t e820_low_ram_end(const struct guest_mem *mem)
{
	/* Region 0 always starts at GPA 0 (core/gmem.h). */
	return mem->nr_regions ? mem->region[0].gpa + mem->region[0].size : 0;
}

static unsigned add(struct e820_entry *out, unsigned n, uint64_t addr,
		    uint64_t end, uint32_t type)
{
	if (end <= addr || n >= E820_MAX_ENTRIES)
		return n;
	out[n] = (struct e820_entry){ addr, end - addr, type };
	return n + 1;
}

unsigned e820_build(const struct guest_mem *mem, struct e820_entry *out)
{
	uint64_t low_end = e820_low_ram_end(mem);
	unsigned n = 0;

	n = add(out, n, 0, LAYOUT_EBDA, E820_RAM);
	n = add(out, n, LAYOUT_EBDA, LAYOUT_ACPI, E820_RESERVED);
	n = add(out, n, LAYOUT_ACPI, LAYOUT_ACPI + LAYOUT_ACPI_SIZE, E820_ACPI);
	n = add(out, n, LAYOUT_HIGH_MEM, low_end, E820_RAM);
	for (unsigned i = 1; i < mem->nr_regions; i++)
		n = add(out, n, mem->region[i].gpa,
			mem->region[i].gpa + mem->region[i].size, E820_RAM);
	return n;
}
