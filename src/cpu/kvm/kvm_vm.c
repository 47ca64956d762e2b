/* The KVM VM: guest RAM slots, the in-kernel irqchip and PIT, interrupt
 * routing, and the interrupt / notification fast paths. */
#include "cpu/kvm/kvm_int.h"
#include "cpu/kvm/kvm_vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/host.h"
#include "core/layout.h"
#include "core/vm.h"

/* Adds one route to `r`; the table has room for every line (see below). */
static void route_add(struct kvm_irq_routing *r, unsigned gsi, unsigned chip,
		      unsigned pin)
{
	struct kvm_irq_routing_entry *e = &r->entries[r->nr++];

	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_IRQCHIP;
	e->u.irqchip.irqchip = chip;
	e->u.irqchip.pin = pin;
}

unsigned kvm_gsi_routes(struct kvm_irq_routing *r)
{
	/* Lines 0-15: ISA IRQs, on the PIC pair and the IOAPIC; line 0 (PIT)
	 * reaches IOAPIC pin 2, as the MADT's source override says, and line
	 * 2 is the PIC cascade, so it drives nothing.  Lines 16-23: IOAPIC
	 * pins of the same number (core/layout.h). */
	r->nr = 0;
	r->flags = 0;
	for (unsigned line = 0; line < 16; line++) {
		if (line == 2)
			continue;
		route_add(r, line, line < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
			  line % 8);
		route_add(r, line, KVM_IRQCHIP_IOAPIC,
			  line == LAYOUT_IRQ_PIT ? LAYOUT_IOAPIC_PIN_PIT : line);
	}
	for (unsigned line = 16; line < KVM_IOAPIC_PINS; line++)
		route_add(r, line, KVM_IRQCHIP_IOAPIC, line);
	return r->nr;
}

static int set_routing(int vm_fd, struct gerr *err)
{
	struct kvm_irq_routing *r =
		calloc(1, sizeof(*r) + KVM_GSI_ROUTES_MAX * sizeof(r->entries[0]));
	int ret;

	if (!r)
		return gerr_set(err, "out of memory for the GSI routing table");
	kvm_gsi_routes(r);
	ret = kvm_ioctl(vm_fd, KVM_SET_GSI_ROUTING, r);
	free(r);
	return ret < 0 ? gerr_errno(err, errno, "KVM_SET_GSI_ROUTING") : 0;
}

static int set_memory(int vm_fd, const struct guest_mem *m, struct gerr *err)
{
	for (unsigned i = 0; i < m->nr_regions; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = i,
			.guest_phys_addr = m->region[i].gpa,
			.memory_size = m->region[i].size,
			.userspace_addr = (uint64_t)(uintptr_t)m->region[i].host,
		};

		if (kvm_ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			return gerr_errno(err, errno,
					  "KVM_SET_USER_MEMORY_REGION (slot %u, GPA %#llx, %llu bytes)",
					  i, (unsigned long long)r.guest_phys_addr,
					  (unsigned long long)r.memory_size);
	}
	return 0;
}

/* The platform KVM models in the kernel: Intel's private pages, the
 * PIC/IOAPIC/LAPIC and the PIT.  Order matters: the identity map before
 * any vCPU, the irqchip before the PIT. */
static int create_platform(int vm_fd, struct gerr *err)
{
	uint64_t idmap = KVM_IDENTITY_MAP_ADDR;
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (kvm_ioctl(vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0)
		return gerr_errno(err, errno, "KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0)
		return gerr_errno(err, errno, "KVM_SET_TSS_ADDR");
	if (kvm_ioctl(vm_fd, KVM_CREATE_IRQCHIP, NULL) < 0)
		return gerr_errno(err, errno, "KVM_CREATE_IRQCHIP");
	if (kvm_ioctl(vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return gerr_errno(err, errno, "KVM_CREATE_PIT2");
	return set_routing(vm_fd, err);
}

static int kvm_vm_tables(struct kvm_vm *k, struct gerr *err)
{
	k->run_size = ioctl(k->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (k->run_size < (int)sizeof(struct kvm_run))
		return gerr_errno(err, errno, "KVM_GET_VCPU_MMAP_SIZE");
	k->supported_cpuid = kvm_sys_supported_cpuid(k->kvm_fd, err);
	if (!k->supported_cpuid)
		return -1;
	k->msr_index = kvm_sys_msr_index_list(k->kvm_fd, err);
	if (!k->msr_index)
		return -1;
	k->enforce_pv_cpuid =
		ioctl(k->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ENFORCE_PV_FEATURE_CPUID) > 0;
	k->tsc_deadline =
		ioctl(k->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	/* Without VT-x/AMD-V the host's instruction emulator runs guest
	 * kernel code, and it fails on CMPXCHG16B (SPECTRUM.md). */
	k->hide_cx16 = !host_has_hw_virt();
	return 0;
}

int kvm_vm_init(struct vm *vm, struct gerr *err)
{
	struct kvm_vm *k = calloc(1, sizeof(*k));

	if (!k)
		return gerr_set(err, "out of memory");
	k->kvm_fd = k->vm_fd = -1;
	vm->backend_state = k;
	k->kvm_fd = kvm_sys_open(KVM_DEV_PATH, err);
	if (k->kvm_fd < 0)
		return -1;
	if (kvm_vm_tables(k, err) < 0)
		return -1;
	k->vm_fd = ioctl(k->kvm_fd, KVM_CREATE_VM, 0);
	if (k->vm_fd < 0)
		return gerr_errno(err, errno, "KVM_CREATE_VM");
	if (create_platform(k->vm_fd, err) < 0 || set_memory(k->vm_fd, &vm->mem, err) < 0)
		return -1;
	vm->irqchip_in_backend = true;
	return 0;
}

void kvm_vm_destroy(struct vm *vm)
{
	struct kvm_vm *k = vm->backend_state;

	if (k->vm_fd >= 0)
		close(k->vm_fd);
	if (k->kvm_fd >= 0)
		close(k->kvm_fd);
	free(k->supported_cpuid);
	free(k->msr_index);
	free(k);
	vm->backend_state = NULL;
}

/* irq_set has no way to report failure (backend.h); a line outside the
 * routing table is a device bug, and KVM ignores it. */
void kvm_vm_irq_set(struct vm *vm, unsigned gsi, int level)
{
	struct kvm_vm *k = vm->backend_state;
	struct kvm_irq_level l = { .irq = gsi, .level = level ? 1 : 0 };

	kvm_ioctl(k->vm_fd, KVM_IRQ_LINE, &l);
}

void kvm_vm_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	struct kvm_vm *k = vm->backend_state;
	struct kvm_msi m = { .address_lo = (uint32_t)addr,
			     .address_hi = (uint32_t)(addr >> 32), .data = data };

	kvm_ioctl(k->vm_fd, KVM_SIGNAL_MSI, &m);
}

int kvm_vm_ioeventfd(struct vm *vm, uint64_t addr, unsigned len,
		     uint64_t datamatch, int fd, struct gerr *err)
{
	struct kvm_vm *k = vm->backend_state;
	struct kvm_ioeventfd io = { .addr = addr, .len = len, .fd = fd };

	if (datamatch != UINT64_MAX) {
		io.datamatch = datamatch;
		io.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
	}
	if (kvm_ioctl(k->vm_fd, KVM_IOEVENTFD, &io) < 0)
		return gerr_errno(err, errno, "KVM_IOEVENTFD at MMIO %#llx (%u bytes)",
				  (unsigned long long)addr, len);
	return 0;
}

int kvm_vm_irqfd(struct vm *vm, unsigned line, int fd, struct gerr *err)
{
	struct kvm_vm *k = vm->backend_state;
	struct kvm_irqfd irq = { .fd = (uint32_t)fd, .gsi = line };

	if (line >= KVM_IOAPIC_PINS || line == 2)
		return gerr_set(err, "irqfd: interrupt line %u is not routed", line);
	if (kvm_ioctl(k->vm_fd, KVM_IRQFD, &irq) < 0)
		return gerr_errno(err, errno, "KVM_IRQFD for line %u", line);
	return 0;
}
