#include "cpu/x86_state.h"

#include <string.h>

static struct x86_segment real_seg(uint16_t sel, uint8_t type)
{
	return (struct x86_segment){ .base = (uint64_t)sel << 4, .limit = 0xffff,
				     .selector = sel, .type = type, .s = 1,
				     .present = 1 };
}

void x86_state_reset(struct x86_state *st)
{
	memset(st, 0, sizeof(*st));
	st->rip = 0xfff0;
	st->rflags = X86_RFLAGS_FIXED;
	st->gpr[X86_RDX] = 0x600; /* family 6 reset signature */
	for (int i = 0; i < X86_NR_SREGS; i++)
		st->seg[i] = real_seg(0, 0x3); /* read/write, accessed */
	st->seg[X86_CS] = real_seg(0xf000, 0xb); /* exec/read, accessed */
	st->seg[X86_CS].base = 0xffff0000;
	st->ldt = (struct x86_segment){ .limit = 0xffff, .type = 0x2, .present = 1 };
	st->tr = (struct x86_segment){ .limit = 0xffff, .type = 0xb, .present = 1 };
	st->gdt.limit = 0xffff;
	st->idt.limit = 0xffff;
	st->cr0 = X86_CR0_ET | X86_CR0_NW | X86_CR0_CD;
	st->apic_base = 0xfee00000 | (1u << 11) | (1u << 8); /* enabled, BSP */
}

static struct x86_segment flat(uint16_t sel, uint8_t type, uint8_t db, uint8_t l)
{
	return (struct x86_segment){ .base = 0, .limit = 0xffffffff,
				     .selector = sel, .type = type, .s = 1,
				     .present = 1, .db = db, .l = l, .g = 1 };
}

struct x86_segment x86_flat_code32(uint16_t sel) { return flat(sel, 0xb, 1, 0); }
struct x86_segment x86_flat_code64(uint16_t sel) { return flat(sel, 0xb, 0, 1); }
struct x86_segment x86_flat_data(uint16_t sel) { return flat(sel, 0x3, 1, 0); }
