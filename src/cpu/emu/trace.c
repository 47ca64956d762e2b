/* --trace: one disassembled line per executed instruction, on stderr
 * (capstone does the disassembly).
 *
 * capstone is opened with dlopen(3) only when --trace asks for it: its
 * tables carry ~77,000 relocations, and linking it made every gamut
 * process (gamut-oci's included) spend most of its start-up relocating
 * them.  trace_load() runs during setup, before the sandbox forbids
 * opening files. */
#include <capstone/capstone.h>
#include <dlfcn.h>
#include <stdio.h>

#include "cpu/emu/cpu.h"

#ifndef GAMUT_CAPSTONE_SONAME
#define GAMUT_CAPSTONE_SONAME "libcapstone.so.4"
#endif

static struct {
	__typeof__(cs_open) *open;
	__typeof__(cs_disasm) *disasm;
	__typeof__(cs_free) *free;
	__typeof__(cs_close) *close;
	csh h[3]; /* 16-, 32- and 64-bit code */
} cs;

static const cs_mode modes[3] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };

int trace_load(struct gerr *err)
{
	void *h;

	if (cs.open)
		return 0;
	h = dlopen(GAMUT_CAPSTONE_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return gerr_set(err, "--trace needs capstone (%s): %s",
				GAMUT_CAPSTONE_SONAME, dlerror());
	cs.disasm = (__typeof__(cs_disasm) *)dlsym(h, "cs_disasm");
	cs.free = (__typeof__(cs_free) *)dlsym(h, "cs_free");
	cs.close = (__typeof__(cs_close) *)dlsym(h, "cs_close");
	cs.open = (__typeof__(cs_open) *)dlsym(h, "cs_open");
	if (!cs.disasm || !cs.free || !cs.close || !cs.open) {
		cs.open = NULL;
		return gerr_set(err, "--trace: %s lacks the cs_* functions",
				GAMUT_CAPSTONE_SONAME);
	}
	/* One handle per code size, opened now: cs_open allocates and sorts
	 * tables, which need more than the vCPU's seccomp list allows. */
	for (int i = 0; i < 3; i++) {
		static const uint8_t nop = 0x90;
		cs_insn *in = NULL;
		size_t n;

		if (cs.open(CS_ARCH_X86, modes[i], &cs.h[i]) != CS_ERR_OK) {
			cs.open = NULL;
			return gerr_set(err, "--trace: capstone cannot disassemble "
					"x86 mode %d", (int)modes[i]);
		}
		/* The first disassembly sorts capstone's tables (qsort asks
		 * the kernel for the memory size): done here, once. */
		n = cs.disasm(cs.h[i], &nop, 1, 0, 1, &in);
		if (n)
			cs.free(in, n);
	}
	return 0;
}

static void hex(char *out, size_t n, const uint8_t *b, unsigned len)
{
	size_t o = 0;

	out[0] = 0;
	for (unsigned i = 0; i < len && o + 3 < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%02x", b[i]);
}

void trace_insn(struct emu_cpu *c, const uint8_t *bytes, unsigned len)
{
	int m = c->code_size == DEC_MODE64 ? 2 : c->code_size == DEC_MODE32 ? 1 : 0;
	cs_insn *in = NULL;
	char hx[40];
	size_t n = 0;

	hex(hx, sizeof(hx), bytes, len);
	if (cs.open)
		n = cs.disasm(cs.h[m], bytes, len, c->rip, 1, &in);
	fprintf(stderr, "cpu%d %04x:%016llx %-30s %s %s\n", c->index,
		c->seg[X86_CS].selector, (unsigned long long)c->rip, hx,
		n ? in->mnemonic : "(bad)", n ? in->op_str : "");
	if (n)
		cs.free(in, n);
}

void trace_unimplemented(struct emu_cpu *c, const uint8_t *bytes,
			 unsigned len)
{
	char hx[40];

	hex(hx, sizeof(hx), bytes, len);
	fprintf(stderr, "cpu%d: #UD: opcode bytes %s at %04x:%016llx not implemented\n",
		c->index, hx, c->seg[X86_CS].selector, (unsigned long long)c->rip);
}
