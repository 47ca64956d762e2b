#include "boot/acpi.h"

#include <stdio.h>
#include <string.h>

#include "boot/aml.h"
#include "core/layout.h"
#include "core/vm.h"
#include "devices/pvpanic.h"
#include "pci/pci.h"

#define OEM_ID	     "GAMUT "
#define OEM_TABLE_ID "GAMUTVM "
#define CREATOR_ID   "GAMT"
#define HDR_SIZE     36

/* FADT (ACPI 6.3, 5.2.9): revision 6, minor 3, 276 bytes. */
#define FADT_SIZE		276
#define FADT_FLAG_WBINVD	(1u << 0)
#define FADT_FLAG_PROC_C1	(1u << 2)
#define FADT_FLAG_PWR_BUTTON	(1u << 4) /* 1: no fixed power button */
#define FADT_FLAG_SLP_BUTTON	(1u << 5)
#define FADT_FLAG_FIX_RTC	(1u << 6) /* 1: no RTC wake in fixed space */
#define FADT_FLAG_TMR_VAL_EXT	(1u << 8) /* 32-bit PM timer */
#define FADT_FLAG_RESET_REG_SUP (1u << 10)
#define FADT_FLAG_HW_REDUCED	(1u << 20)
#define BOOT_ARCH_LEGACY	(1u << 0)
#define BOOT_ARCH_8042		(1u << 1)
#define BOOT_ARCH_NO_VGA	(1u << 2)
#define BOOT_ARCH_NO_CMOS_RTC	(1u << 5)
#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_BYTE		1
#define GAS_ACCESS_WORD		2
#define GAS_ACCESS_DWORD	3
#define PM1_EVT_LEN		4
#define PM1_CNT_LEN		2
#define PM_TMR_LEN		4
/* C2 and C3 latencies above 100 and 1000 us: the states are absent. */
#define FADT_NO_C2		101
#define FADT_NO_C3		1001
#define RTC_CENTURY_REG		0x32

/* FACS (5.2.10): 64 bytes, 64-byte aligned, no checksum. */
#define FACS_SIZE		64

/* MADT (5.2.12) entry types. */
#define MADT_LAPIC	   0
#define MADT_IOAPIC	   1
#define MADT_ISO	   2
#define MADT_LAPIC_NMI	   4
#define MADT_PCAT_COMPAT   1u
/* MPS INTI flags: polarity bits 1:0 (1 high), trigger bits 3:2 (3 level). */
#define MADT_INTI_LEVEL_HIGH 0x000d

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *p++);
	return (uint8_t)-sum;
}

/* The common System Description Table header; the checksum is set by
 * finish() once the table is complete. */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE_ID, 8);
	put32(t + 24, 1);
	memcpy(t + 28, CREATOR_ID, 4);
	put32(t + 32, 1);
}

static void finish(uint8_t *t, uint32_t len)
{
	put32(t + 4, len);
	t[9] = 0;
	t[9] = acpi_checksum(t, len);
}

/* A Generic Address Structure for `bytes` I/O ports at `port`. */
static void gas_io(uint8_t *p, uint16_t port, unsigned bytes, uint8_t access)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = (uint8_t)(8 * bytes); /* register bit width */
	p[2] = 0;		     /* bit offset */
	p[3] = access;
	put64(p + 4, port);
}

/* The fields both FADTs share: the DSDT, the boot architecture flags, the
 * reset register and the hypervisor identity. */
static void fadt_common(uint8_t *t, const struct acpi_config *cfg, uint64_t dsdt)
{
	uint16_t arch = BOOT_ARCH_NO_VGA;

	if (cfg->pc)
		arch |= BOOT_ARCH_LEGACY;
	if (cfg->pc && cfg->i8042)
		arch |= BOOT_ARCH_8042;
	if (!cfg->rtc)
		arch |= BOOT_ARCH_NO_CMOS_RTC;
	header(t, "FACP", FADT_SIZE, 6);
	put32(t + 40, dsdt <= 0xffffffff ? (uint32_t)dsdt : 0);
	put16(t + 109, arch);
	gas_io(t + 116, LAYOUT_PORT_ACPI_RESET, 1, GAS_ACCESS_BYTE);
	t[128] = LAYOUT_ACPI_RESET_VALUE;
	t[131] = 3; /* FADT minor version: ACPI 6.3 */
	put64(t + 140, dsdt);
	memcpy(t + 268, "GAMUT\0\0\0", 8); /* hypervisor vendor identity */
}

/* The microvm: hardware-reduced, sleep through the SLEEP_CONTROL/STATUS
 * registers, no SCI, no FACS. */
static size_t build_fadt_reduced(uint8_t *t, const struct acpi_config *cfg, uint64_t dsdt)
{
	fadt_common(t, cfg, dsdt);
	put16(t + 46, LAYOUT_IRQ_ACPI); /* SCI_INT: unused when hardware-reduced */
	put32(t + 112, FADT_FLAG_WBINVD | FADT_FLAG_PWR_BUTTON | FADT_FLAG_SLP_BUTTON |
			       FADT_FLAG_RESET_REG_SUP | FADT_FLAG_HW_REDUCED);
	gas_io(t + 244, LAYOUT_PORT_ACPI_SLEEP_CTL, 1, GAS_ACCESS_BYTE);
	gas_io(t + 256, LAYOUT_PORT_ACPI_SLEEP_STS, 1, GAS_ACCESS_BYTE);
	finish(t, FADT_SIZE);
	return FADT_SIZE;
}

/* The PC: fixed ACPI hardware (devices/acpi_pm.c).  The SCI is ISA IRQ 9;
 * SMI_CMD 0 says the machine is always in ACPI mode, so the OS never runs
 * the enable handshake; no GPE blocks; only C1.  Each block is given in
 * both the 32-bit and the extended (GAS) field, with equal lengths. */
static size_t build_fadt_pc(uint8_t *t, const struct acpi_config *cfg, uint64_t dsdt,
			    uint64_t facs)
{
	fadt_common(t, cfg, dsdt);
	put32(t + 36, (uint32_t)facs);
	put16(t + 46, LAYOUT_IRQ_ACPI);
	put32(t + 56, LAYOUT_PORT_ACPI_PM1A_EVT);
	put32(t + 64, LAYOUT_PORT_ACPI_PM1A_CNT);
	put32(t + 76, LAYOUT_PORT_ACPI_PM_TMR);
	t[88] = PM1_EVT_LEN;
	t[89] = PM1_CNT_LEN;
	t[91] = PM_TMR_LEN;
	put16(t + 96, FADT_NO_C2);
	put16(t + 98, FADT_NO_C3);
	t[108] = cfg->rtc ? RTC_CENTURY_REG : 0;
	put32(t + 112, FADT_FLAG_WBINVD | FADT_FLAG_PROC_C1 | FADT_FLAG_PWR_BUTTON |
			       FADT_FLAG_SLP_BUTTON | FADT_FLAG_FIX_RTC |
			       FADT_FLAG_TMR_VAL_EXT | FADT_FLAG_RESET_REG_SUP);
	put64(t + 132, facs);
	gas_io(t + 148, LAYOUT_PORT_ACPI_PM1A_EVT, PM1_EVT_LEN, GAS_ACCESS_WORD);
	gas_io(t + 172, LAYOUT_PORT_ACPI_PM1A_CNT, PM1_CNT_LEN, GAS_ACCESS_WORD);
	gas_io(t + 208, LAYOUT_PORT_ACPI_PM_TMR, PM_TMR_LEN, GAS_ACCESS_DWORD);
	finish(t, FADT_SIZE);
	return FADT_SIZE;
}

static void build_facs(uint8_t *t)
{
	memcpy(t, "FACS", 4);
	put32(t + 4, FACS_SIZE);
	t[32] = 2; /* version (ACPI 6.3) */
}

/* The PC's level-triggered, active-high ISA lines, where an ISA line
 * defaults to edge: the SCI (which ACPI would otherwise take as level,
 * active low), and lines 10 and 11, which carry the PCI INTx lines
 * (PCI_INTX_LINES), shared. */
static const uint8_t pc_level_lines[] = { LAYOUT_IRQ_ACPI, 10, 11 };

static size_t madt_iso(uint8_t *t, size_t n, uint8_t isa, uint32_t gsi, uint16_t flags)
{
	t[n] = MADT_ISO;
	t[n + 1] = 10;
	t[n + 2] = 0; /* bus: ISA */
	t[n + 3] = isa;
	put32(t + n + 4, gsi);
	put16(t + n + 8, flags);
	return n + 10;
}

static size_t build_madt(uint8_t *t, const struct acpi_config *cfg)
{
	size_t n = HDR_SIZE + 8;

	header(t, "APIC", 0, 5);
	put32(t + 36, (uint32_t)LAYOUT_LAPIC);
	put32(t + 40, cfg->pc ? MADT_PCAT_COMPAT : 0);
	for (unsigned i = 0; i < cfg->ncpus; i++, n += 8) {
		t[n] = MADT_LAPIC;
		t[n + 1] = 8;
		t[n + 2] = (uint8_t)i; /* ACPI processor UID */
		t[n + 3] = (uint8_t)i; /* APIC ID */
		put32(t + n + 4, 1);   /* enabled */
	}
	t[n] = MADT_IOAPIC;
	t[n + 1] = 12;
	t[n + 2] = 0; /* IOAPIC ID: the register's reset value */
	put32(t + n + 4, (uint32_t)LAYOUT_IOAPIC);
	put32(t + n + 8, 0); /* GSI base */
	n += 12;
	/* ISA IRQ 0 (PIT) -> GSI 2, bus-conforming flags */
	n = madt_iso(t, n, LAYOUT_IRQ_PIT, LAYOUT_IOAPIC_PIN_PIT, 0);
	for (size_t i = 0; cfg->pc && i < sizeof(pc_level_lines); i++)
		n = madt_iso(t, n, pc_level_lines[i], pc_level_lines[i], MADT_INTI_LEVEL_HIGH);
	t[n] = MADT_LAPIC_NMI; /* every CPU's LINT1 is NMI, as on a PC */
	t[n + 1] = 6;
	t[n + 2] = 0xff;
	put16(t + n + 3, 0);
	t[n + 5] = 1;
	n += 6;
	finish(t, (uint32_t)n);
	return n;
}

static void dsdt_com1(struct aml *a)
{
	aml_device_open(a, "COM1");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0501");
	aml_name(a, "_UID");
	aml_integer(a, 0);
	aml_name(a, "_CRS");
	aml_buffer_open(a);
	aml_res_io(a, LAYOUT_PORT_COM1, 8);
	aml_res_irq_noflags(a, LAYOUT_IRQ_COM1);
	aml_res_end(a);
	aml_close(a);
	aml_close(a);
}

/* The CMOS RTC as a PNP device: with hardware-reduced ACPI (the microvm)
 * Linux has no legacy PIC, so ISA IRQ 8 reaches rtc_cmos only through a
 * _CRS that ACPI maps to its IOAPIC pin (without it the driver fails with
 * -EINVAL). */
static void dsdt_rtc(struct aml *a)
{
	aml_device_open(a, "RTC0");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0B00");
	aml_name(a, "_CRS");
	aml_buffer_open(a);
	aml_res_io(a, 0x70, 2);
	aml_res_irq_noflags(a, LAYOUT_IRQ_RTC);
	aml_res_end(a);
	aml_close(a);
	aml_close(a);
}

/* The pvpanic port (devices/pvpanic.h).  The ISA variant serves both
 * machines: each has ACPI and port I/O, and the microvm has no PCI for the
 * PCI variant.  Linux binds its pvpanic-mmio driver to this _HID and takes
 * the port from _CRS. */
static void dsdt_pvpanic(struct aml *a)
{
	aml_device_open(a, "PEVT");
	aml_name(a, "_HID");
	aml_string(a, PVPANIC_HID);
	aml_name(a, "_CRS");
	aml_buffer_open(a);
	aml_res_io(a, LAYOUT_PORT_PVPANIC, 1);
	aml_res_end(a);
	aml_close(a);
	aml_close(a);
}

/* Address space type-specific flags: I/O ranges ISA and non-ISA (_RNG 3);
 * memory read-write, non-cacheable. */
#define PCI_PRT_SLOTS	32
#define PCI_PRT_ENTRIES (PCI_PRT_SLOTS * 4)
#define IO_RANGE_ENTIRE 0x03
#define MEM_RW		0x01

/* _CRS of the host bridge: the bus numbers, the I/O ports around the
 * configuration registers (which the bridge itself consumes), the legacy
 * VGA hole and the window pci_register() places memory BARs in. */
static void dsdt_pci_crs(struct aml *a)
{
	aml_name(a, "_CRS");
	aml_buffer_open(a);
	aml_res_word(a, AML_RES_BUS, 0, 0, 0xff);
	aml_res_io(a, PCI_PORT_ADDR, 8);
	aml_res_word(a, AML_RES_IO, IO_RANGE_ENTIRE, 0, PCI_PORT_ADDR - 1);
	aml_res_word(a, AML_RES_IO, IO_RANGE_ENTIRE, PCI_PORT_ADDR + 8, 0xffff);
	aml_res_dword(a, AML_RES_MEM, MEM_RW, 0xa0000, 0xbffff);
	aml_res_dword(a, AML_RES_MEM, MEM_RW, (uint32_t)PCI_MMIO_BASE,
		      (uint32_t)(PCI_MMIO_END - 1));
	aml_res_end(a);
	aml_close(a);
}

/* _PRT: every slot's INTA-INTD as a static GSI (no link devices), the
 * swizzle of pci.c: ACPI pin p (0 = INTA) of slot s reaches ISA line
 * PCI_INTX_LINES[(s + p) & 3], which the IOAPIC has as the same GSI. */
static void dsdt_pci_prt(struct aml *a)
{
	static const unsigned lines[4] = PCI_INTX_LINES;

	aml_name(a, "_PRT");
	aml_package_open(a, PCI_PRT_ENTRIES);
	for (unsigned slot = 0; slot < PCI_PRT_SLOTS; slot++) {
		for (unsigned pin = 0; pin < 4; pin++) {
			aml_package_open(a, 4);
			aml_integer(a, (uint64_t)slot << 16 | 0xffff); /* any function */
			aml_integer(a, pin);
			aml_integer(a, 0); /* source: none, a GSI */
			aml_integer(a, lines[(slot + pin) & 3]);
			aml_close(a);
		}
	}
	aml_close(a);
}

/* The PCI host bridge, segment 0 bus 0: without it an ACPI kernel scans
 * no PCI bus at all. */
static void dsdt_pci(struct aml *a)
{
	aml_device_open(a, "PCI0");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0A03");
	aml_name(a, "_CID");
	aml_eisaid(a, "PNP0A08");
	aml_name(a, "_UID");
	aml_integer(a, 0);
	aml_name(a, "_SEG");
	aml_integer(a, 0);
	aml_name(a, "_BBN");
	aml_integer(a, 0);
	dsdt_pci_crs(a);
	dsdt_pci_prt(a);
	aml_close(a);
}

/* virtio-mmio transports raise a level-triggered, active-high line that
 * stays up until the driver acknowledges InterruptStatus. */
static void dsdt_mmio(struct aml *a, unsigned i, const struct vm_mmio_desc *d)
{
	char name[5];

	snprintf(name, sizeof(name), "VR%02X", i & 0xff);
	aml_device_open(a, name);
	aml_name(a, "_HID");
	aml_string(a, d->hid);
	aml_name(a, "_UID");
	aml_integer(a, i);
	aml_name(a, "_CRS");
	aml_buffer_open(a);
	aml_res_mem32_fixed(a, (uint32_t)d->base, (uint32_t)d->size, true);
	aml_res_interrupt(a, d->gsi, true, true);
	aml_res_end(a);
	aml_close(a);
	aml_close(a);
}

static int build_dsdt(uint8_t *t, size_t cap, const struct acpi_config *cfg,
		      size_t *len, struct gerr *err)
{
	struct aml a;

	if (cap < HDR_SIZE)
		return gerr_set(err, "ACPI: no room for the DSDT");
	header(t, "DSDT", 0, 2); /* revision 2: 64-bit integers */
	aml_init(&a, t + HDR_SIZE, cap - HDR_SIZE);
	aml_scope_open(&a, "\\_SB_");
	if (cfg->pc)
		dsdt_pci(&a);
	if (cfg->com1)
		dsdt_com1(&a);
	if (cfg->rtc)
		dsdt_rtc(&a);
	if (cfg->pvpanic)
		dsdt_pvpanic(&a);
	for (unsigned i = 0; i < cfg->nr_mmio; i++)
		dsdt_mmio(&a, i, &cfg->mmio[i]);
	aml_close(&a);
	/* \_S5: SLP_TYPa, SLP_TYPb, reserved, reserved. */
	aml_name(&a, "\\_S5_");
	aml_package_open(&a, 4);
	aml_integer(&a, LAYOUT_ACPI_S5_SLP_TYP);
	aml_integer(&a, LAYOUT_ACPI_S5_SLP_TYP);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_close(&a);
	if (a.overflow || a.depth)
		return gerr_set(err, "ACPI: the DSDT does not fit in %zu bytes", cap);
	*len = HDR_SIZE + a.len;
	finish(t, (uint32_t)*len);
	return 0;
}

static void build_rsdp(uint8_t *r, uint64_t xsdt)
{
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, OEM_ID, 6);
	r[15] = 2; /* ACPI 2.0+ */
	put32(r + 16, 0); /* no RSDT: the XSDT serves */
	put32(r + 20, 36);
	put64(r + 24, xsdt);
	r[8] = acpi_checksum(r, 20);
	r[32] = acpi_checksum(r, 36);
}

static size_t align16(size_t v)
{
	return (v + 15) & ~(size_t)15;
}

/* Tables lie one after the other, 16-byte aligned (the FACS 64-byte):
 * RSDP, XSDT (FADT, MADT), FADT, MADT, FACS (PC only), DSDT. */
int acpi_build(const struct acpi_config *cfg, uint64_t base, uint8_t *buf,
	       size_t cap, size_t *used, struct gerr *err)
{
	const size_t xsdt = 0x40, xsdt_len = HDR_SIZE + 2 * 8;
	const size_t fadt = align16(xsdt + xsdt_len);
	const size_t madt = align16(fadt + FADT_SIZE);
	size_t madt_len = HDR_SIZE + 8 + 8 * (size_t)cfg->ncpus + 12 + 10 + 6 +
			  (cfg->pc ? 10 * sizeof(pc_level_lines) : 0);
	/* base is 16-byte aligned (the RSDP's rule); the FACS needs 64. */
	size_t facs = ((base + madt + madt_len + 63) & ~(uint64_t)63) - base;
	size_t dsdt = align16(cfg->pc ? facs + FACS_SIZE : madt + madt_len), dsdt_len = 0;

	if (cfg->ncpus == 0 || cfg->ncpus > 255)
		return gerr_set(err, "ACPI: %u CPUs (1..255 supported)", cfg->ncpus);
	if (base % 16)
		return gerr_set(err, "ACPI: tables at 0x%llx, not 16-byte aligned",
				(unsigned long long)base);
	if (cap < dsdt)
		return gerr_set(err, "ACPI: tables do not fit in %zu bytes", cap);
	memset(buf, 0, cap);
	if (build_dsdt(buf + dsdt, cap - dsdt, cfg, &dsdt_len, err) < 0)
		return -1;
	if (cfg->pc) {
		build_facs(buf + facs);
		build_fadt_pc(buf + fadt, cfg, base + dsdt, base + facs);
	} else {
		build_fadt_reduced(buf + fadt, cfg, base + dsdt);
	}
	build_madt(buf + madt, cfg);
	header(buf + xsdt, "XSDT", (uint32_t)xsdt_len, 1);
	put64(buf + xsdt + HDR_SIZE, base + fadt);
	put64(buf + xsdt + HDR_SIZE + 8, base + madt);
	finish(buf + xsdt, (uint32_t)xsdt_len);
	build_rsdp(buf + ACPI_RSDP_OFF, base + xsdt);
	*used = dsdt + dsdt_len;
	return 0;
}

/* True when a device has registered the port (the tables describe only
 * what exists).  Reads the bus table under its lock; no dispatch. */
static bool port_claimed(struct bus *b, uint64_t port)
{
	bool found = false;

	pthread_rwlock_rdlock(&b->lock);
	for (unsigned i = 0; i < b->nr && !found; i++)
		found = port >= b->ranges[i].base && port - b->ranges[i].base < b->ranges[i].len;
	pthread_rwlock_unlock(&b->lock);
	return found;
}

void acpi_config_for(struct vm *vm, struct acpi_config *cfg)
{
	*cfg = (struct acpi_config){
		.ncpus = vm->ncpus,
		.mmio = vm->mmio_desc,
		.nr_mmio = vm->nr_mmio_desc,
		.pc = vm->cfg.mode && vm->cfg.mode->platform == PLATFORM_PC,
		.i8042 = port_claimed(&vm->pio, LAYOUT_PORT_I8042 + 4),
		.rtc = port_claimed(&vm->pio, 0x70), /* CMOS index port */
		.com1 = port_claimed(&vm->pio, LAYOUT_PORT_COM1),
		.pvpanic = port_claimed(&vm->pio, LAYOUT_PORT_PVPANIC),
	};
}

int acpi_install(struct vm *vm, struct gerr *err)
{
	struct acpi_config cfg;
	uint8_t *dst = gmem_ptr_w(&vm->mem, LAYOUT_ACPI, LAYOUT_ACPI_SIZE);
	size_t used;

	acpi_config_for(vm, &cfg);
	if (!dst)
		return gerr_set(err, "ACPI: 0x%llx is outside guest RAM",
				(unsigned long long)LAYOUT_ACPI);
	return acpi_build(&cfg, LAYOUT_ACPI, dst, LAYOUT_ACPI_SIZE, &used, err);
}
