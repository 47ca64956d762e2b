/* Exceptions (docs/pv-abi.md section 5).  The ring-0 stub saved rax and rdx
 * on the ring-0 stack and wrote the vector to the trap port; the CPU's
 * exception frame sits above them.  gamut reads that frame, then either
 * bounces the exception to the guest's trap entry at CPL 3 or stops the
 * guest with the reason.  No iret ever runs: gamut sets the whole state. */
#include "pv/pv.h"

#include <string.h>

#include "core/vm.h"
#include "pv/pv_layout.h"

static const char *const vector_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault", "vector 9",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "vector 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
};

static const char *vector_name(uint32_t v)
{
	return v < 32 && vector_names[v] ? vector_names[v] : "reserved vector";
}

/* Vectors for which the CPU pushes an error code. */
static bool has_error_code(uint32_t v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 ||
	       v == 29 || v == 30;
}

void pv_user_segments(struct x86_state *st)
{
	struct x86_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = PV_SEL_UCODE,
		.type = 0xb, .s = 1, .dpl = 3, .present = 1, .l = 1, .g = 1,
	};
	struct x86_segment data = {
		.base = 0, .limit = 0xffffffff, .selector = PV_SEL_UDATA,
		.type = 0x3, .s = 1, .dpl = 3, .present = 1, .db = 1, .g = 1,
	};

	st->seg[X86_CS] = code;
	st->seg[X86_SS] = st->seg[X86_DS] = st->seg[X86_ES] = data;
	st->seg[X86_FS] = st->seg[X86_GS] = data;
}

/* Writes `len` bytes at guest-virtual va through the guest's user-writable
 * mappings, page by page. */
static int write_virt(struct pv *pv, uint64_t va, const void *src, size_t len)
{
	const uint8_t *s = src;

	while (len) {
		uint64_t gpa, chunk = PV_PAGE_SIZE - (va & (PV_PAGE_SIZE - 1));

		if (chunk > len)
			chunk = len;
		if (pv_mmu_translate(&pv->mmu, va, true, &gpa) < 0 ||
		    !pv_guest_range(pv, gpa, chunk) ||
		    gmem_write(pv->mem, gpa, s, chunk) < 0)
			return -1;
		va += chunk;
		s += chunk;
		len -= chunk;
	}
	return 0;
}

struct hw_frame {
	uint64_t rdx, rax; /* pushed by the stub */
	uint64_t error_code, rip, cs, rflags, rsp, ss;
};

static int read_hw_frame(struct pv *pv, const struct x86_state *st,
			 uint32_t vector, struct hw_frame *f)
{
	bool err = has_error_code(vector);
	uint64_t words = 2 + (err ? 1 : 0) + 5, w[8];

	if (st->gpr[X86_RSP] != PV_STACK0_TOP - words * 8 ||
	    gmem_read(pv->mem, st->gpr[X86_RSP], w, words * 8) < 0)
		return -1;
	f->rdx = w[0];
	f->rax = w[1];
	f->error_code = err ? w[2] : 0;
	memcpy(&f->rip, &w[err ? 3 : 2], 5 * 8);
	return 0;
}

static void bounce(struct pv *pv, int cpu, struct x86_state *st, uint32_t vector,
		   const struct hw_frame *hw)
{
	struct pv_trap_frame tf;
	uint64_t va = ((hw->rsp - 128 - sizeof(tf)) & ~15ull);

	memset(&tf, 0, sizeof(tf));
	tf.vector = vector;
	tf.error_code = hw->error_code;
	tf.cr2 = vector == 14 ? st->cr2 : 0;
	tf.depth = pv->trap_depth + 1;
	memcpy(tf.gpr, st->gpr, sizeof(tf.gpr));
	tf.gpr[X86_RAX] = hw->rax;
	tf.gpr[X86_RDX] = hw->rdx;
	tf.gpr[X86_RSP] = hw->rsp;
	tf.rip = hw->rip;
	tf.rflags = hw->rflags;
	if (hw->rsp < 128 + sizeof(tf) || write_virt(pv, va, &tf, sizeof(tf)) < 0) {
		pv_crash(pv, "%s at rip 0x%llx: the guest stack at 0x%llx cannot take the trap frame",
			 vector_name(vector), (unsigned long long)hw->rip,
			 (unsigned long long)hw->rsp);
		return;
	}
	pv->trap_depth++;
	memcpy(st->gpr, tf.gpr, sizeof(st->gpr));
	pv_user_segments(st);
	st->rip = pv->trap_entry;
	st->gpr[X86_RSP] = va;
	st->gpr[X86_RDI] = va;
	st->rflags = PV_RFLAGS_FIXED;
	if (pv_set_state(pv, cpu, st) == 0 && vector == 14)
		pv->pf_bounced++;
}

void pv_trap_port(struct pv *pv, int cpu, uint32_t vector)
{
	struct x86_state st;
	struct hw_frame hw;

	if (pv_get_state(pv, cpu, &st) < 0)
		return;
	if ((st.seg[X86_CS].selector & 3) != 0 || st.rip < PV_STUB_GPA ||
	    st.rip >= PV_STUB_GPA + PV_PAGE_SIZE || vector >= 32) {
		pv_crash(pv, "write to the trap port from rip 0x%llx (only gamut's ring-0 stub may)",
			 (unsigned long long)st.rip);
		return;
	}
	pv->traps++;
	if (read_hw_frame(pv, &st, vector, &hw) < 0 || (hw.cs & 3) != 3) {
		pv_crash(pv, "%s inside gamut's ring-0 stub", vector_name(vector));
		return;
	}
	if (!pv->trap_entry || !(pv->trap_vectors & (1ull << vector))) {
		if (vector == 14)
			pv_crash(pv, "%s at rip 0x%llx, address 0x%llx (error 0x%llx), and the guest has no handler for it",
				 vector_name(vector), (unsigned long long)hw.rip,
				 (unsigned long long)st.cr2,
				 (unsigned long long)hw.error_code);
		else
			pv_crash(pv, "%s at rip 0x%llx (error 0x%llx), and the guest has no handler for it",
				 vector_name(vector), (unsigned long long)hw.rip,
				 (unsigned long long)hw.error_code);
		return;
	}
	if (pv->trap_depth >= PV_TRAP_NEST_MAX) {
		pv_crash(pv, "%s at rip 0x%llx while %u faults were being handled",
			 vector_name(vector), (unsigned long long)hw.rip,
			 pv->trap_depth);
		return;
	}
	bounce(pv, cpu, &st, vector, &hw);
}

int64_t pv_hc_trap_set(struct pv_call *c, void *blk)
{
	struct pv_hc_trap_set *a = blk;

	if (a->entry >= PV_VA_MAX || (a->vectors >> 32))
		return -PV_EINVAL;
	c->pv->trap_entry = a->entry;
	c->pv->trap_vectors = a->entry ? a->vectors : 0;
	return 0;
}

int64_t pv_hc_trap_return(struct pv_call *c, void *blk)
{
	const struct pv_trap_frame *f = blk;
	struct pv *pv = c->pv;
	struct x86_state st;

	c->no_writeback = true;
	if (pv->trap_depth == 0) {
		pv_crash(pv, "trap return with no trap being handled");
		return 0;
	}
	if (f->rip >= PV_VA_MAX || f->gpr[X86_RSP] >= PV_VA_MAX) {
		pv_crash(pv, "trap return to a non-canonical rip 0x%llx / rsp 0x%llx",
			 (unsigned long long)f->rip,
			 (unsigned long long)f->gpr[X86_RSP]);
		return 0;
	}
	if (pv_get_state(pv, c->cpu, &st) < 0)
		return 0;
	pv->trap_depth--;
	memcpy(st.gpr, f->gpr, sizeof(st.gpr));
	st.rip = f->rip;
	st.rflags = (f->rflags & PV_RFLAGS_USER) | PV_RFLAGS_FIXED;
	pv_user_segments(&st);
	pv_set_state(pv, c->cpu, &st);
	return 0;
}
