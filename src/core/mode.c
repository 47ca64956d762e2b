#include "core/mode.h"

#include <string.h>

static const struct mode_preset hvm = {
	.name = "hvm",
	.summary = "fully emulated PC: legacy BIOS, ATA disk, e1000 NIC",
	.boot = BOOT_BIOS,
	.platform = PLATFORM_PC,
	.io = IO_EMULATED,
	.pv = 0,
	.not_built = NULL,
	.t_boot = "legacy BIOS, 16-bit", .t_platform = "emulated (PCI, PIT/PIC, RTC)",
	.t_io = "emulated (ATA, e1000)", .t_timers = "emulated",
	.t_cpu = "hardware (kvm) or software (emu)",
};

static const struct mode_preset hvm_pv = {
	.name = "hvm-pv",
	.summary = "emulated PC with virtio drivers on PCI",
	.boot = BOOT_BIOS,
	.platform = PLATFORM_PC,
	.io = IO_VIRTIO_PCI,
	.pv = PV_HYPERVISOR_BIT,
	.not_built = NULL,
	.t_boot = "legacy BIOS", .t_platform = "emulated",
	.t_io = "virtio over PCI", .t_timers = "emulated",
	.t_cpu = "hardware (kvm) or software (emu)",
};

static const struct mode_preset pvhvm = {
	.name = "pvhvm",
	.summary = "hvm-pv plus PV clock, PV EOI, steal time",
	.boot = BOOT_BIOS,
	.platform = PLATFORM_PC,
	.io = IO_VIRTIO_PCI,
	.pv = PV_HYPERVISOR_BIT | PV_KVMCLOCK | PV_EOI | PV_STEAL_TIME | PV_UNHALT,
	.not_built = NULL,
	.t_boot = "legacy BIOS", .t_platform = "emulated",
	.t_io = "virtio over PCI", .t_timers = "PV: kvmclock, EOI, steal, unhalt",
	.t_cpu = "hardware (kvm) or software (emu)",
};

static const struct mode_preset pvh = {
	.name = "pvh",
	.summary = "direct kernel entry, no BIOS or PCI, virtio-mmio",
	.boot = BOOT_PVH | BOOT_LINUX64,
	.platform = PLATFORM_MICROVM,
	.io = IO_VIRTIO_MMIO,
	.pv = PV_HYPERVISOR_BIT | PV_KVMCLOCK | PV_EOI | PV_STEAL_TIME | PV_UNHALT,
	.not_built = NULL,
	.t_boot = "direct (PVH note / 64-bit boot)", .t_platform = "none",
	.t_io = "virtio over MMIO", .t_timers = "PV clock, LAPIC/IOAPIC",
	.t_cpu = "hardware (kvm) or software (emu)",
};

static const struct mode_preset pv = {
	.name = "pv",
	.summary = "full paravirtualization: ring-3 kernel, hypercalls, PV MMU (Xen's ABI or gamut's)",
	.boot = BOOT_PV,
	.platform = PLATFORM_PV,
	.io = IO_PV_RINGS,
	.pv = 0,
	.not_built = NULL,
	.t_boot = "direct: Xen PV ABI (kernel with Xen notes) or gamut PV ABI",
	.t_platform = "none",
	.t_io = "Xen: console, xenstore, blkif, netif; gamut: PV rings",
	.t_timers = "PV events (Xen: event channels)",
	.t_cpu = "paravirtual (ring 3, hypercalls, PV MMU)",
};

const struct mode_preset *const mode_all[] = { &hvm, &hvm_pv, &pvhvm, &pvh, &pv, NULL };

const struct mode_preset *mode_find(const char *name)
{
	for (int i = 0; mode_all[i]; i++)
		if (!strcmp(mode_all[i]->name, name))
			return mode_all[i];
	return NULL;
}
