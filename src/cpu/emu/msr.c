/* Model-specific registers: those the CPUID model implies; any other
 * index makes RDMSR/WRMSR raise #GP (the callers do). */
#include "cpu/emu/cpu.h"
#include "cpu/emu/kvm_pv.h"
#include "cpu/emu/kvmclock.h"
#include "cpu/emu/lapic.h"

enum {
	MSR_TSC = 0x10, MSR_PLATFORM_ID = 0x17, MSR_APIC_BASE = 0x1b,
	MSR_TSC_ADJUST = 0x3b,
	MSR_UCODE_REV = 0x8b, MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175,
	MSR_SYSENTER_EIP = 0x176, MSR_MISC_ENABLE = 0x1a0, MSR_DEBUGCTL = 0x1d9,
	MSR_PAT = 0x277, MSR_ARCH_CAPABILITIES = 0x10a,
	MSR_EFER = 0xc0000080, MSR_STAR = 0xc0000081, MSR_LSTAR = 0xc0000082,
	MSR_CSTAR = 0xc0000083, MSR_FMASK = 0xc0000084, MSR_FS_BASE = 0xc0000100,
	MSR_GS_BASE = 0xc0000101, MSR_KERNEL_GS_BASE = 0xc0000102,
	MSR_TSC_AUX = 0xc0000103,
};

/* An interpreter does not speculate: it is not affected by Meltdown, L1TF,
 * SSB, MDS, TAA, the MMIO stale-data family, PBRSB, GDS or RFDS, and says so
 * (RDCL_NO, SKIP_L1DFL_VMENTRY, SSB_NO, MDS_NO, PSCHANGE_MC_NO, TAA_NO,
 * SBDR_SSDP_NO, FBSDP_NO, PSDP_NO, PBRSB_NO, GDS_NO, RFDS_NO), which also
 * spares guests the cost of the mitigations (page-table isolation). */
#define ARCH_CAP_NOT_AFFECTED                                                  \
	((1ull << 0) | (1ull << 3) | (1ull << 4) | (1ull << 5) | (1ull << 6) | \
	 (1ull << 8) | (1ull << 13) | (1ull << 14) | (1ull << 15) |            \
	 (1ull << 24) | (1ull << 26) | (1ull << 27))

uint64_t cpu_tsc(struct emu_cpu *c)
{
	return emu_now_ns() + c->tsc_offset; /* 1 GHz */
}

static bool canonical(uint64_t v)
{
	return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

bool msr_read(struct emu_cpu *c, uint32_t idx, uint64_t *v)
{
	switch (idx) {
	case MSR_TSC: *v = cpu_tsc(c); return true;
	case MSR_TSC_ADJUST: *v = c->tsc_adjust; return true;
	case MSR_PLATFORM_ID: *v = 0; return true;
	case MSR_APIC_BASE: *v = c->lapic ? lapic_get_base(c->lapic) : c->apic_base; return true;
	case MSR_UCODE_REV: *v = 0; return true;
	case MSR_SYSENTER_CS: *v = c->sysenter_cs; return true;
	case MSR_SYSENTER_ESP: *v = c->sysenter_esp; return true;
	case MSR_SYSENTER_EIP: *v = c->sysenter_eip; return true;
	case MSR_MISC_ENABLE: *v = c->misc_enable; return true;
	case MSR_DEBUGCTL: *v = 0; return true;
	case MSR_PAT: *v = c->pat; return true;
	case MSR_ARCH_CAPABILITIES: *v = ARCH_CAP_NOT_AFFECTED; return true;
	case MSR_EFER: *v = c->efer; return true;
	case MSR_STAR: *v = c->star; return true;
	case MSR_LSTAR: *v = c->lstar; return true;
	case MSR_CSTAR: *v = c->cstar; return true;
	case MSR_FMASK: *v = c->sfmask; return true;
	case MSR_FS_BASE: *v = c->seg[X86_FS].base; return true;
	case MSR_GS_BASE: *v = c->seg[X86_GS].base; return true;
	case MSR_KERNEL_GS_BASE: *v = c->kernel_gs_base; return true;
	case MSR_TSC_AUX: *v = c->tsc_aux; return true;
	}
	return kvmclock_msr_read(c, idx, v) || kvm_pv_msr_read(c, idx, v);
}

static bool efer_write(struct emu_cpu *c, uint64_t v)
{
	uint64_t allowed = X86_EFER_SCE | X86_EFER_LME | X86_EFER_NXE;

	if (v & ~(allowed | X86_EFER_LMA))
		return false;
	if ((c->cr0 & X86_CR0_PG) && ((v ^ c->efer) & X86_EFER_LME))
		return false;
	c->efer = (c->efer & X86_EFER_LMA) | (v & allowed);
	mmu_flush(c, true);
	return true;
}

bool msr_write(struct emu_cpu *c, uint32_t idx, uint64_t v)
{
	switch (idx) {
	case MSR_TSC: {
		uint64_t old = cpu_tsc(c);

		/* SDM: a TSC write moves IA32_TSC_ADJUST by the same amount. */
		c->tsc_offset = v - emu_now_ns();
		c->tsc_adjust += cpu_tsc(c) - old;
		kvmclock_update(c); /* its TSC timestamp moved too */
		return true;
	}
	case MSR_TSC_ADJUST:
		c->tsc_offset += v - c->tsc_adjust;
		c->tsc_adjust = v;
		kvmclock_update(c);
		return true;
	case MSR_APIC_BASE:
		if (c->lapic)
			lapic_set_base(c->lapic, v);
		else
			c->apic_base = v;
		return true;
	case MSR_UCODE_REV: return true;
	case MSR_SYSENTER_CS: c->sysenter_cs = v & 0xffff; return true;
	case MSR_SYSENTER_ESP: c->sysenter_esp = v; return true;
	case MSR_SYSENTER_EIP: c->sysenter_eip = v; return true;
	case MSR_MISC_ENABLE: c->misc_enable = v; return true;
	case MSR_DEBUGCTL: return v == 0;
	case MSR_PAT: c->pat = v; return true;
	case MSR_EFER: return efer_write(c, v);
	case MSR_STAR: c->star = v; return true;
	case MSR_LSTAR: if (!canonical(v)) return false; c->lstar = v; return true;
	case MSR_CSTAR: if (!canonical(v)) return false; c->cstar = v; return true;
	case MSR_FMASK: c->sfmask = v & 0xffffffffu; return true;
	case MSR_FS_BASE: if (!canonical(v)) return false; c->seg[X86_FS].base = v; return true;
	case MSR_GS_BASE: if (!canonical(v)) return false; c->seg[X86_GS].base = v; return true;
	case MSR_KERNEL_GS_BASE: if (!canonical(v)) return false; c->kernel_gs_base = v; return true;
	case MSR_TSC_AUX: c->tsc_aux = v & 0xffffffffu; return true;
	}
	return kvmclock_msr_write(c, idx, v) || kvm_pv_msr_write(c, idx, v);
}
