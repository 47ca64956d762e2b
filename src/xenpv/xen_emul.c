/* What Xen emulates for a PV domU that has no I/O privilege: the
 * privileged instructions a kernel executes without a paravirtual
 * replacement (port I/O, MSRs, control registers, CLI/STI, CLTS, WBINVD),
 * software interrupts through the guest's trap table, and the forced-
 * emulation prefix (ud2; .ascii "xen") before CPUID.  Port reads return
 * all ones and writes are dropped: a domU has no devices on ports. */
#include <string.h>

#include "xenpv/xen_emul.h"
#include "core/vm.h"
#include "xenpv/xen_entry.h"

#define MSR_IA32_APIC_BASE    0x1b
#define MSR_IA32_MISC_ENABLE  0x1a0
#define MSR_IA32_CR_PAT	      0x277
#define MSR_FS_BASE	      0xc0000100
#define MSR_GS_BASE	      0xc0000101
#define MSR_KERNEL_GS_BASE    0xc0000102
/* The PAT Xen programs for PV guests (WB, WT, UC-, UC, WC, WP, ...). */
#define XEN_PV_PAT	      0x0000050100070406ull

int xen_insn_decode(const uint8_t *b, size_t n, struct xen_insn *in)
{
	size_t i = 0;

	memset(in, 0, sizeof(*in));
	for (; i < n && i < 14; i++) {
		uint8_t p = b[i];

		if (p == 0x66)
			in->opsize16 = true;
		else if (p == 0xf2 || p == 0xf3 || p == 0x2e || p == 0x36 ||
			 p == 0x3e || p == 0x26 || p == 0x64 || p == 0x65 || p == 0xf0)
			continue;
		else
			break;
	}
	if (i < n && (b[i] & 0xf0) == 0x40)
		in->rex = b[i++];
	if (i >= n)
		return -1;
	in->op = b[i++];
	if (in->op == 0x0f) {
		if (i >= n)
			return -1;
		in->op = 0x0f00 | b[i++];
		if (in->op == 0x0f20 || in->op == 0x0f22) {
			if (i >= n)
				return -1;
			in->modrm = b[i++];
		}
	} else if (in->op == 0xe4 || in->op == 0xe5 || in->op == 0xe6 ||
		   in->op == 0xe7 || in->op == 0xcd) {
		if (i >= n)
			return -1;
		in->imm = b[i++];
	}
	in->len = (unsigned)i;
	return 0;
}

/* Up to 15 bytes at RIP, fewer where the next page is not mapped. */
static size_t fetch(struct xen_vcpu *v, uint64_t rip, uint8_t *buf)
{
	size_t first = 4096 - (rip & 4095);

	if (xen_copy_from_guest(v, rip, buf, 15) == 0)
		return 15;
	if (first < 15 && xen_copy_from_guest(v, rip, buf, first) == 0)
		return first;
	return 0;
}

static uint64_t *gpr(struct x86_state *st, unsigned r)
{
	return &st->gpr[r & 15];
}

static void put_acc(struct x86_state *st, unsigned size, uint64_t val)
{
	uint64_t *rax = &st->gpr[X86_RAX];

	if (size == 4)
		*rax = (uint32_t)val;
	else if (size == 2)
		*rax = (*rax & ~0xffffull) | (val & 0xffff);
	else
		*rax = (*rax & ~0xffull) | (val & 0xff);
}

static bool rdmsr(struct xen_vcpu *v, struct x86_state *st)
{
	uint32_t idx = (uint32_t)st->gpr[X86_RCX];
	uint64_t val;

	switch (idx) {
	case MSR_FS_BASE: val = st->seg[X86_FS].base; break;
	case MSR_GS_BASE: val = st->seg[X86_GS].base; break;
	case MSR_KERNEL_GS_BASE: val = v->kernel_mode ? v->gs_base_user : v->gs_base_kernel; break;
	case MSR_IA32_CR_PAT: val = XEN_PV_PAT; break;
	case MSR_IA32_MISC_ENABLE: val = 0; break;
	default: return false; /* #GP to the guest, which probes with *_safe */
	}
	st->gpr[X86_RAX] = (uint32_t)val;
	st->gpr[X86_RDX] = val >> 32;
	return true;
}

static bool wrmsr(struct xen_vcpu *v, struct x86_state *st)
{
	uint32_t idx = (uint32_t)st->gpr[X86_RCX];
	uint64_t val = (uint32_t)st->gpr[X86_RAX] | st->gpr[X86_RDX] << 32;

	if ((idx == MSR_FS_BASE || idx == MSR_GS_BASE || idx == MSR_KERNEL_GS_BASE) &&
	    (uint64_t)((int64_t)(val << 16) >> 16) != val)
		return false;
	switch (idx) {
	case MSR_FS_BASE: st->seg[X86_FS].base = val; return true;
	case MSR_GS_BASE: st->seg[X86_GS].base = val; return true;
	case MSR_KERNEL_GS_BASE:
		if (v->kernel_mode)
			v->gs_base_user = val;
		else
			v->gs_base_kernel = val;
		return true;
	case MSR_IA32_CR_PAT:
		return val == XEN_PV_PAT; /* the PAT is Xen's, not the guest's */
	default:
		return false;
	}
}

static bool mov_cr(struct xen_vcpu *v, struct x86_state *st, const struct xen_insn *in)
{
	unsigned cr = ((in->modrm >> 3) & 7) | ((in->rex & 4) ? 8 : 0);
	uint64_t *r = gpr(st, (in->modrm & 7) | ((in->rex & 1) ? 8 : 0));
	struct vcpu_info *vi;

	if ((in->modrm >> 6) != 3)
		return false;
	if (in->op == 0x0f20) {
		switch (cr) {
		case 0: *r = st->cr0; return true;
		case 2:
			vi = xen_vcpu_info(v);
			*r = vi ? vi->arch.cr2 : 0;
			return true;
		case 3: *r = xen_current_l4(v) << 12; return true;
		case 4: *r = st->cr4; return true;
		default: return false;
		}
	}
	switch (cr) {
	case 0: /* only TS may change, as fpu_taskswitch would */
		if ((*r ^ st->cr0) & ~X86_CR0_TS)
			return false;
		st->cr0 = (st->cr0 & ~X86_CR0_TS) | (*r & X86_CR0_TS);
		return true;
	case 4: /* global pages and PSE are Xen's to decide: ignored */
		return ((*r ^ st->cr4) & ~(X86_CR4_PGE | X86_CR4_PSE)) == 0;
	default:
		return false;
	}
}

static bool soft_int(struct xen_vcpu *v, struct x86_state *st, unsigned vec,
		     unsigned len)
{
	const struct trap_info *t = &v->trap[vec];

	if (!t->address || (!v->kernel_mode && (t->flags & 3) != 3))
		return false;
	st->rip += len;
	xen_bounce(v, st, t->address, false, 0, (t->flags & 4) != 0);
	return true;
}

bool xen_emulate_gp(struct xen_vcpu *v, struct x86_state *st, uint64_t err)
{
	uint8_t buf[15];
	size_t n = fetch(v, st->rip, buf);
	struct xen_insn in;
	struct vcpu_info *vi;
	unsigned size;

	if (!n || xen_insn_decode(buf, n, &in) < 0)
		return false;
	if (err & 2) /* an IDT gate: INT n, INT3 or INTO from the guest */
		return (in.op == 0xcd && in.imm == err >> 3 && soft_int(v, st, in.imm, in.len)) ||
		       ((in.op == 0xcc || in.op == 0xce) && soft_int(v, st, (unsigned)err >> 3, in.len));
	if (err)
		return false;
	/* The rest is emulated for the guest kernel only.  Guest user space
	 * runs at CPL 3 like its kernel, but to Xen it is ring 3 and its
	 * kernel ring 0: a privileged instruction there is the kernel's #GP
	 * to handle (a user `cli` would otherwise mask the kernel's events,
	 * a user WRMSR set the GS base the kernel enters with). */
	if (!v->kernel_mode)
		return false;
	v->stat_emulated++;
	size = (in.op & 1) ? (in.opsize16 ? 2 : 4) : 1;
	switch (in.op) {
	case 0xe4: case 0xe5: case 0xec: case 0xed: /* IN: nothing there */
		put_acc(st, size, ~0ull);
		break;
	case 0xe6: case 0xe7: case 0xee: case 0xef: /* OUT: dropped */
		break;
	case 0xfa: case 0xfb: /* CLI/STI: the event mask is the guest's IF */
		vi = xen_vcpu_info(v);
		if (!vi)
			return false;
		vi->evtchn_upcall_mask = in.op == 0xfa;
		break;
	case 0x0f06: /* CLTS */
		st->cr0 &= ~X86_CR0_TS;
		break;
	case 0x0f09: /* WBINVD: the guest has no caches of its own to flush */
		break;
	case 0x0f20:
	case 0x0f22:
		if (!mov_cr(v, st, &in))
			return false;
		break;
	case 0x0f30:
		if (!wrmsr(v, st))
			return false;
		break;
	case 0x0f32:
		if (!rdmsr(v, st))
			return false;
		break;
	default:
		return false;
	}
	st->rip += in.len;
	return true;
}

/* The hypervisor's CPUID leaves (0x40000000 up: Xen's
 * arch-x86/cpuid.h): the signature a kernel looks for to know it runs on
 * Xen, the interface version, and no hypercall-page MSR to speak of
 * beyond Xen's own number. */
static bool xen_cpuid_leaf(struct xen_vcpu *v, struct x86_state *st)
{
	uint32_t leaf = (uint32_t)st->gpr[X86_RAX], r[4] = { 0, 0, 0, 0 };

	(void)v;
	if ((leaf & 0xffffff00u) != 0x40000000u)
		return false;
	switch (leaf) {
	case 0x40000000:
		r[0] = 0x40000002;
		memcpy(&r[1], "XenV", 4);
		memcpy(&r[2], "MMXe", 4);
		memcpy(&r[3], "nVMM", 4);
		break;
	case 0x40000001:
		r[0] = 4 << 16 | 17; /* the Xen 4.17 interface, as xen_version */
		break;
	case 0x40000002:
		r[0] = 1;	   /* hypercall pages */
		r[1] = 0x40000000; /* the MSR that would place one */
		break;
	default:
		break;
	}
	st->gpr[X86_RAX] = r[0];
	st->gpr[X86_RBX] = r[1];
	st->gpr[X86_RCX] = r[2];
	st->gpr[X86_RDX] = r[3];
	return true;
}

#define BIT(n) (1u << (n))

/* The vCPU's CPUID reduced to what Xen gives a PV guest (the features
 * marked 'A' in xen/arch-x86/cpufeatureset.h): no large or global pages,
 * no MTRRs, no local APIC extensions, nothing that needs CR4 bits or
 * XCR0 the guest cannot set (XSAVE and what depends on it, FSGSBASE,
 * PCID, SMEP/SMAP, PKU), no virtualisation extensions; and the
 * hypervisor bit. */
static bool pv_cpuid(struct xen_vcpu *v, struct x86_state *st)
{
	struct vm *vm = v->x->vm;
	uint32_t leaf = (uint32_t)st->gpr[X86_RAX], sub = (uint32_t)st->gpr[X86_RCX];
	uint32_t r[4];
	struct gerr err;

	if (!vm->backend->vcpu_cpuid ||
	    vm->backend->vcpu_cpuid(&vm->vcpu[v->index], leaf, sub, r, &err) < 0)
		return false;
	switch (leaf) {
	case 1:
		r[3] &= ~(BIT(1) | BIT(3) | BIT(12) | BIT(13) | BIT(17) | BIT(21) |
			  BIT(29) | BIT(31)); /* VME PSE MTRR PGE PSE36 DS TM1 PBE */
		r[2] &= ~(BIT(3) | BIT(5) | BIT(17) | BIT(21) | BIT(24) | BIT(26) |
			  BIT(27) | BIT(28) | BIT(12) | BIT(29));
		/* MONITOR VMX PCID X2APIC TSC_DEADLINE XSAVE OSXSAVE AVX FMA F16C */
		r[2] |= BIT(31);
		break;
	case 7:
		if (sub == 0) {
			r[1] &= ~(BIT(0) | BIT(5) | BIT(7) | BIT(10) | BIT(16) | BIT(20) |
				  BIT(30) | BIT(31) | BIT(17) | BIT(28) | BIT(26) | BIT(27) |
				  BIT(21));
			/* FSGSBASE AVX2 SMEP INVPCID AVX512* SMAP */
			r[2] &= ~(BIT(2) | BIT(3) | BIT(16) | BIT(1) | BIT(6) | BIT(11) | BIT(12) | BIT(14));
			/* UMIP PKU LA57 AVX512VBMI* */
		}
		break;
	case 0xd:
		r[0] = r[1] = r[2] = r[3] = 0; /* no XSAVE */
		break;
	case 0x80000001:
		r[3] &= ~BIT(26); /* PAGE1GB */
		r[2] &= ~BIT(2);  /* SVM */
		break;
	default:
		break;
	}
	st->gpr[X86_RAX] = r[0];
	st->gpr[X86_RBX] = r[1];
	st->gpr[X86_RCX] = r[2];
	st->gpr[X86_RDX] = r[3];
	return true;
}

bool xen_emulate_ud(struct xen_vcpu *v, struct x86_state *st)
{
	static const uint8_t prefix[5] = { 0x0f, 0x0b, 'x', 'e', 'n' };
	uint8_t buf[7];

	if (xen_copy_from_guest(v, st->rip, buf, sizeof(buf)) < 0 ||
	    memcmp(buf, prefix, sizeof(prefix)) || buf[5] != 0x0f || buf[6] != 0xa2)
		return false;
	v->stat_emulated++;
	if (!xen_cpuid_leaf(v, st) && !pv_cpuid(v, st))
		return false;
	st->rip += sizeof(buf);
	return true;
}
