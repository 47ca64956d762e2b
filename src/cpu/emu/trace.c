/* --trace: one disassembled line per executed instruction, on stderr
 * (capstone does the disassembly). */
#include <capstone/capstone.h>
#include <stdio.h>

#include "cpu/emu/cpu.h"

static void hex(char *out, size_t n, const uint8_t *b, unsigned len)
{
	size_t o = 0;

	out[0] = 0;
	for (unsigned i = 0; i < len && o + 3 < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%02x", b[i]);
}

void trace_insn(struct emu_cpu *c, const uint8_t *bytes, unsigned len)
{
	csh h;
	cs_insn *in = NULL;
	cs_mode mode = c->code_size == DEC_MODE64 ? CS_MODE_64
		       : c->code_size == DEC_MODE32 ? CS_MODE_32 : CS_MODE_16;
	char hx[40];
	size_t n = 0;

	hex(hx, sizeof(hx), bytes, len);
	if (cs_open(CS_ARCH_X86, mode, &h) == CS_ERR_OK) {
		n = cs_disasm(h, bytes, len, c->rip, 1, &in);
		fprintf(stderr, "cpu%d %04x:%016llx %-30s %s %s\n", c->index,
			c->seg[X86_CS].selector, (unsigned long long)c->rip, hx,
			n ? in->mnemonic : "(bad)", n ? in->op_str : "");
		if (n)
			cs_free(in, n);
		cs_close(&h);
	}
}

void trace_unimplemented(struct emu_cpu *c, const uint8_t *bytes,
			 unsigned len)
{
	char hx[40];

	hex(hx, sizeof(hx), bytes, len);
	fprintf(stderr, "cpu%d: #UD: opcode bytes %s at %04x:%016llx not implemented\n",
		c->index, hx, c->seg[X86_CS].selector, (unsigned long long)c->rip);
}
