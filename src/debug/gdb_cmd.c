#include "debug/gdb_cmd.h"

#include <stdio.h>
#include <string.h>

#include "debug/gdb_mem.h"
#include "debug/gdb_target_xml.h"

/* --- registers, in target.xml order --- */

enum {
	REG_RIP = 16, REG_EFLAGS = 17, REG_CS = 18, REG_GS = 23,
	REG_ST0 = 24, REG_FCTRL = 32, REG_XMM0 = 40, REG_MXCSR = 56,
	REG_FS_BASE = 57, REG_GS_BASE = 58, REG_CR0 = 59, REG_EFER = 63,
	NR_REGS = 64,
};

/* gdb's rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp, r8..r15 */
static const uint8_t gpr_of[16] = {
	X86_RAX, X86_RBX, X86_RCX, X86_RDX, X86_RSI, X86_RDI, X86_RBP, X86_RSP,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
};
/* gdb's cs, ss, ds, es, fs, gs */
static const uint8_t sreg_of[6] = { X86_CS, X86_SS, X86_DS, X86_ES, X86_FS, X86_GS };

static unsigned reg_size(unsigned n)
{
	if (n < REG_EFLAGS)
		return 8;
	if (n <= REG_GS)
		return 4;
	if (n < REG_FCTRL)
		return 10;
	if (n < REG_XMM0)
		return 4;
	if (n < REG_MXCSR)
		return 16;
	if (n == REG_MXCSR)
		return 4;
	return n < NR_REGS ? 8 : 0;
}

/* The value of an integer or system register; false for the others. */
static bool reg_get(const struct x86_state *st, unsigned n, uint64_t *v)
{
	static const size_t cr_off[] = {
		offsetof(struct x86_state, cr0), offsetof(struct x86_state, cr2),
		offsetof(struct x86_state, cr3), offsetof(struct x86_state, cr4),
		offsetof(struct x86_state, efer),
	};

	if (n < 16)
		*v = st->gpr[gpr_of[n]];
	else if (n == REG_RIP)
		*v = st->rip;
	else if (n == REG_EFLAGS)
		*v = st->rflags & 0xffffffffull;
	else if (n <= REG_GS)
		*v = st->seg[sreg_of[n - REG_CS]].selector;
	else if (n == REG_FS_BASE)
		*v = st->seg[X86_FS].base;
	else if (n == REG_GS_BASE)
		*v = st->seg[X86_GS].base;
	else if (n >= REG_CR0 && n <= REG_EFER)
		memcpy(v, (const char *)st + cr_off[n - REG_CR0], 8);
	else
		return false;
	return true;
}

/* Sets register n; false when it cannot be set that way.  A segment
 * selector would need its descriptor loaded too: only its current value
 * is accepted (gdb's 'G' writes every register back). */
static bool reg_set(struct x86_state *st, unsigned n, uint64_t v)
{
	uint64_t *cr[] = { &st->cr0, &st->cr2, &st->cr3, &st->cr4, &st->efer };

	if (n < 16)
		st->gpr[gpr_of[n]] = v;
	else if (n == REG_RIP)
		st->rip = v;
	else if (n == REG_EFLAGS)
		st->rflags = (v & 0x3f7fd5ull) | X86_RFLAGS_FIXED;
	else if (n <= REG_GS)
		return st->seg[sreg_of[n - REG_CS]].selector == (v & 0xffff);
	else if (n == REG_FS_BASE)
		st->seg[X86_FS].base = v;
	else if (n == REG_GS_BASE)
		st->seg[X86_GS].base = v;
	else if (n >= REG_CR0 && n <= REG_EFER)
		*cr[n - REG_CR0] = v;
	else
		return false;
	return true;
}

/* --- x87 / SSE --- */

static void le_put(uint64_t v, unsigned size, uint8_t *out)
{
	for (unsigned i = 0; i < size; i++)
		out[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t le_get(const uint8_t *in, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size && i < 8; i++)
		v |= (uint64_t)in[i] << (8 * i);
	return v;
}

uint16_t gdb_fpu_tag_word(const struct x86_fpu *f)
{
	unsigned top = (f->fsw >> 11) & 7;
	uint16_t tw = 0;

	for (unsigned phys = 0; phys < 8; phys++) {
		const uint8_t *r = f->st[(phys - top) & 7];
		unsigned exp = (unsigned)(r[9] & 0x7f) << 8 | r[8], tag;
		uint64_t mant = le_get(r, 8);

		if (!(f->ftw >> phys & 1))
			tag = 3; /* empty */
		else if (exp == 0x7fff)
			tag = 2; /* infinity, NaN */
		else if (exp == 0)
			tag = mant ? 2 : 1; /* denormal : zero */
		else
			tag = mant >> 63 ? 0 : 2; /* valid : unnormal */
		tw |= (uint16_t)(tag << (2 * phys));
	}
	return tw;
}

uint8_t gdb_fpu_tag_abridge(uint16_t tag_word)
{
	uint8_t ftw = 0;

	for (unsigned phys = 0; phys < 8; phys++)
		if ((tag_word >> (2 * phys) & 3) != 3)
			ftw |= (uint8_t)(1u << phys);
	return ftw;
}

/* gdb's fiseg:fioff and foseg:fooff are the 64-bit FXSAVE pointers'
 * upper 16 and lower 32 bits (that is where gdb's own FXSAVE reader
 * finds them). */
static uint64_t *fpu_ptr(struct x86_fpu *f, unsigned n)
{
	return n <= REG_FCTRL + 4 ? &f->fip : &f->fdp;
}

static void fpu_read(const struct x86_fpu *f, unsigned n, uint8_t *out)
{
	uint64_t v = 0;

	if (n < REG_FCTRL) {
		memcpy(out, f->st[n - REG_ST0], 10);
		return;
	}
	if (n >= REG_XMM0 && n < REG_MXCSR) {
		memcpy(out, f->xmm[n - REG_XMM0], 16);
		return;
	}
	switch (n - REG_FCTRL) {
	case 0: v = f->fcw; break;
	case 1: v = f->fsw; break;
	case 2: v = gdb_fpu_tag_word(f); break;
	case 3: v = (f->fip >> 32) & 0xffff; break;
	case 4: v = (uint32_t)f->fip; break;
	case 5: v = (f->fdp >> 32) & 0xffff; break;
	case 6: v = (uint32_t)f->fdp; break;
	case 7: v = f->fop & 0x7ff; break;
	default: v = f->mxcsr; break; /* REG_MXCSR */
	}
	le_put(v, 4, out);
}

/* False for a value the register cannot hold. */
static bool fpu_write(struct x86_fpu *f, unsigned n, const uint8_t *in)
{
	uint64_t v = le_get(in, 4), *ptr;

	if (n < REG_FCTRL) {
		memcpy(f->st[n - REG_ST0], in, 10);
		return true;
	}
	if (n >= REG_XMM0 && n < REG_MXCSR) {
		memcpy(f->xmm[n - REG_XMM0], in, 16);
		return true;
	}
	if (v > (n == REG_FCTRL + 4 || n == REG_FCTRL + 6 ? 0xffffffffull : 0xffff))
		return false; /* only the offsets are 32 bits wide */
	switch (n - REG_FCTRL) {
	case 0: f->fcw = (uint16_t)v; break;
	case 1: f->fsw = (uint16_t)v; break;
	case 2: f->ftw = gdb_fpu_tag_abridge((uint16_t)v); break;
	case 3: case 5:
		ptr = fpu_ptr(f, n);
		*ptr = (*ptr & 0xffffffffull) | v << 32;
		break;
	case 4: case 6:
		ptr = fpu_ptr(f, n);
		*ptr = (*ptr & ~0xffffffffull) | v;
		break;
	case 7:
		if (v > 0x7ff)
			return false;
		f->fop = (uint16_t)v;
		break;
	default:
		f->mxcsr = (uint32_t)v; /* REG_MXCSR */
		break;
	}
	return true;
}

static bool is_fpu_reg(unsigned n)
{
	return n >= REG_ST0 && n <= REG_MXCSR;
}

/* Register n's bytes (reg_size(n), little-endian); false when gamut does
 * not have it (x87/SSE without `fpu`). */
static bool reg_read(const struct x86_state *st, const struct x86_fpu *f,
		     unsigned n, uint8_t *out)
{
	uint64_t v;

	if (is_fpu_reg(n)) {
		if (!f)
			return false;
		fpu_read(f, n, out);
		return true;
	}
	if (!reg_get(st, n, &v))
		return false;
	le_put(v, reg_size(n), out);
	return true;
}

/* Sets register n from its bytes in `st` or `f` (NULL: not available). */
static bool reg_write(struct x86_state *st, struct x86_fpu *f, unsigned n,
		      const uint8_t *in)
{
	if (is_fpu_reg(n))
		return f && fpu_write(f, n, in);
	return reg_set(st, n, le_get(in, reg_size(n)));
}

static void reg_encode(const struct x86_state *st, const struct x86_fpu *f,
		       unsigned n, char *out)
{
	unsigned size = reg_size(n);
	uint8_t b[16];

	if (!reg_read(st, f, n, b)) {
		memset(out, 'x', 2 * size);
		return;
	}
	gdb_hex_encode(b, size, out);
}

void gdb_regs_encode(const struct x86_state *st, const struct x86_fpu *f,
		     char *out)
{
	for (unsigned n = 0; n < NR_REGS; n++) {
		reg_encode(st, f, n, out);
		out += 2 * reg_size(n);
	}
}

/* The selected vCPU's x87/SSE state, or NULL when there is none. */
static struct x86_fpu *sess_fpu(struct gdb_session *s)
{
	return s->fpu && s->fpu_valid[s->g_cpu] ? &s->fpu[s->g_cpu] : NULL;
}

/* --- replies --- */

static size_t put(char *reply, size_t max, const char *s)
{
	size_t n = strlen(s);

	if (n >= max)
		n = max - 1;
	memcpy(reply, s, n);
	reply[n] = '\0';
	return n;
}

static size_t put_hex_reg_block(struct gdb_session *s, char *reply, size_t max)
{
	if (max < 2 * GDB_G_BYTES + 1)
		return put(reply, max, "E01");
	gdb_regs_encode(&s->regs[s->g_cpu], sess_fpu(s), reply);
	reply[2 * GDB_G_BYTES] = '\0';
	return 2 * GDB_G_BYTES;
}

/* "G": every register whose bytes are all present and not 'x'. */
static size_t cmd_G(struct gdb_session *s, const char *p, size_t len,
		    char *reply, size_t max)
{
	struct x86_state st = s->regs[s->g_cpu];
	struct x86_fpu f, *fp = sess_fpu(s);
	size_t off = 0;

	if (fp)
		f = *fp;
	for (unsigned n = 0; n < NR_REGS; n++) {
		unsigned size = reg_size(n);
		uint8_t b[16];

		if (off + 2 * size > len)
			break;
		if (p[off] != 'x') {
			if (gdb_hex_decode(p + off, size, b) < 0)
				return put(reply, max, "E01");
			/* Untracked registers, unchanged selectors and values
			 * a register cannot hold stay as they were. */
			(void)reg_write(&st, fp ? &f : NULL, n, b);
		}
		off += 2 * size;
	}
	if (off != len)
		return put(reply, max, "E01");
	s->regs[s->g_cpu] = st;
	s->dirty[s->g_cpu] = true;
	if (fp && memcmp(fp, &f, sizeof(f))) {
		*fp = f;
		s->fpu_dirty[s->g_cpu] = true;
	}
	return put(reply, max, "OK");
}

static size_t cmd_p(struct gdb_session *s, const char *p, char *reply,
		    size_t max)
{
	uint64_t n;

	if (gdb_hex_u64(&p, &n) < 0 || *p || n >= NR_REGS ||
	    2 * reg_size((unsigned)n) + 1 > max)
		return put(reply, max, "E01");
	reg_encode(&s->regs[s->g_cpu], sess_fpu(s), (unsigned)n, reply);
	reply[2 * reg_size((unsigned)n)] = '\0';
	return 2 * reg_size((unsigned)n);
}

static size_t cmd_P(struct gdb_session *s, const char *p, char *reply,
		    size_t max)
{
	struct x86_fpu *fp = sess_fpu(s);
	uint64_t n;
	unsigned size;
	uint8_t b[16];

	if (gdb_hex_u64(&p, &n) < 0 || *p++ != '=' || n >= NR_REGS)
		return put(reply, max, "E01");
	size = reg_size((unsigned)n);
	if (strlen(p) != 2 * size || gdb_hex_decode(p, size, b) < 0 ||
	    !reg_write(&s->regs[s->g_cpu], fp, (unsigned)n, b))
		return put(reply, max, "E01");
	if (is_fpu_reg((unsigned)n))
		s->fpu_dirty[s->g_cpu] = true;
	else
		s->dirty[s->g_cpu] = true;
	return put(reply, max, "OK");
}

/* "ADDR,LEN" then `end` (':' for M, NUL for m). */
static int parse_addr_len(const char **p, uint64_t *addr, uint64_t *len,
			  char end)
{
	if (gdb_hex_u64(p, addr) < 0 || *(*p)++ != ',' ||
	    gdb_hex_u64(p, len) < 0 || **p != end)
		return -1;
	if (end)
		(*p)++;
	return 0;
}

static size_t cmd_m(struct gdb_session *s, const char *p, char *reply,
		    size_t max)
{
	uint8_t buf[GDB_PACKET_SIZE / 2];
	uint64_t addr, len;

	if (parse_addr_len(&p, &addr, &len, '\0') < 0 || !len)
		return put(reply, max, "E01");
	if (len > sizeof(buf))
		len = sizeof(buf); /* gdb asks again for the rest */
	if (2 * len + 1 > max)
		len = (max - 1) / 2;
	if (gdb_mem_read(s->mem, &s->regs[s->g_cpu], addr, buf, (size_t)len) < 0)
		return put(reply, max, "E14");
	gdb_hex_encode(buf, (size_t)len, reply);
	reply[2 * len] = '\0';
	return (size_t)(2 * len);
}

static size_t cmd_M(struct gdb_session *s, const char *p, char *reply,
		    size_t max)
{
	uint8_t buf[GDB_PACKET_SIZE / 2];
	uint64_t addr, len;

	if (parse_addr_len(&p, &addr, &len, ':') < 0 || len > sizeof(buf) ||
	    strlen(p) != 2 * len || gdb_hex_decode(p, (size_t)len, buf) < 0)
		return put(reply, max, "E01");
	if (len && gdb_mem_write(s->mem, &s->regs[s->g_cpu], addr, buf,
				 (size_t)len) < 0)
		return put(reply, max, "E14");
	return put(reply, max, "OK");
}

/* Z2/Z3/Z4 (write, read, access watchpoints): kind is the length. */
static size_t cmd_watch(struct gdb_session *s, bool insert, unsigned type,
			uint64_t addr, uint64_t len, char *reply, size_t max)
{
	static const enum debug_wp_type of[] = { DEBUG_WP_WRITE, DEBUG_WP_READ,
						  DEBUG_WP_ACCESS };
	struct debug_wp w = { .addr = addr, .len = (unsigned)len,
			      .type = of[type - 2] };
	unsigned i;

	if (!s->max_wp)
		return put(reply, max, ""); /* unsupported: gdb falls back */
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return put(reply, max, "E22"); /* EINVAL */
	for (i = 0; i < s->nr_wp; i++)
		if (s->wp[i].addr == w.addr && s->wp[i].len == w.len &&
		    s->wp[i].type == w.type)
			break;
	if (!insert) {
		if (i < s->nr_wp)
			s->wp[i] = s->wp[--s->nr_wp];
		return put(reply, max, "OK");
	}
	if (i == s->nr_wp) {
		if (s->nr_wp >= s->max_wp || s->nr_wp == DEBUG_MAX_WP)
			return put(reply, max, "E28"); /* ENOSPC */
		s->wp[s->nr_wp++] = w;
	}
	return put(reply, max, "OK");
}

/* "Ztype,addr,kind" / "z...": breakpoints (types 0, 1) and watchpoints
 * (2-4). */
static size_t cmd_Z(struct gdb_session *s, bool insert, const char *p,
		    char *reply, size_t max)
{
	uint64_t type, addr, kind;
	unsigned i;

	if (gdb_hex_u64(&p, &type) < 0 || *p++ != ',' ||
	    gdb_hex_u64(&p, &addr) < 0 || *p++ != ',' ||
	    gdb_hex_u64(&p, &kind) < 0 || (*p && *p != ';'))
		return put(reply, max, "E01");
	if (type >= 2 && type <= 4)
		return cmd_watch(s, insert, (unsigned)type, addr, kind, reply, max);
	if (type > 1)
		return put(reply, max, ""); /* unknown type */
	for (i = 0; i < s->nr_bp && s->bp[i] != addr; i++)
		;
	if (!insert) {
		if (i < s->nr_bp) {
			s->nr_bp--;
			s->bp[i] = s->bp[s->nr_bp];
			s->bp_kind[i] = s->bp_kind[s->nr_bp];
		}
		return put(reply, max, "OK");
	}
	if (i == s->nr_bp) {
		if (s->nr_bp == DEBUG_MAX_BP)
			return put(reply, max, "E28"); /* ENOSPC */
		s->bp[s->nr_bp++] = addr;
	}
	s->bp_kind[i] = type ? GDB_BP_HW : GDB_BP_SW;
	return put(reply, max, "OK");
}

/* A thread id: "-1" (all), "0" (any) or a vCPU number + 1.  Returns the
 * vCPU index, -1 for all, -2 for any, -3 when malformed or unknown. */
static int parse_thread(const struct gdb_session *s, const char **p)
{
	uint64_t id;

	if ((*p)[0] == '-' && (*p)[1] == '1') {
		*p += 2;
		return -1;
	}
	if (gdb_hex_u64(p, &id) < 0 || id > s->ncpus)
		return -3;
	return id == 0 ? -2 : (int)id - 1;
}

static size_t cmd_H(struct gdb_session *s, const char *p, char *reply,
		    size_t max)
{
	char which = *p++;
	int t = parse_thread(s, &p);

	if (t == -3 || *p || (which != 'g' && which != 'c'))
		return put(reply, max, "E01");
	if (which == 'g')
		s->g_cpu = t >= 0 ? (unsigned)t : s->stop_cpu;
	else
		s->c_cpu = t >= 0 ? t : -1;
	return put(reply, max, "OK");
}

/* c/s with an optional resume address; C/S with a signal (ignored: there
 * are no signals in a machine) and an optional ";addr". */
static size_t cmd_resume(struct gdb_session *s, char op, const char *p,
			 char *reply, size_t max)
{
	unsigned cpu = s->c_cpu >= 0 ? (unsigned)s->c_cpu : s->stop_cpu;
	uint64_t v;

	if (op == 'C' || op == 'S') {
		if (gdb_hex_u64(&p, &v) < 0)
			return put(reply, max, "E01");
		if (*p == ';')
			p++;
		else if (*p)
			return put(reply, max, "E01");
	}
	if (*p) {
		if (gdb_hex_u64(&p, &v) < 0 || *p)
			return put(reply, max, "E01");
		s->regs[cpu].rip = v;
		s->dirty[cpu] = true;
	}
	s->step_cpu = cpu;
	s->action = (op == 's' || op == 'S') ? GDB_ACT_STEP : GDB_ACT_CONTINUE;
	reply[0] = '\0';
	return 0;
}

/* "vCont;ACTION[:thread]...": a step for any thread wins (that thread
 * steps while the others stay stopped, as with scheduler-locking). */
static size_t cmd_vcont(struct gdb_session *s, const char *p, char *reply,
			size_t max)
{
	enum gdb_action act = GDB_ACT_NONE;
	unsigned step = s->stop_cpu;
	uint64_t sig;

	while (*p == ';') {
		char op = p[1];
		int t = -1;

		p += 2;
		if (op != 'c' && op != 's' && op != 'C' && op != 'S')
			return put(reply, max, "E01");
		if ((op == 'C' || op == 'S') && gdb_hex_u64(&p, &sig) < 0)
			return put(reply, max, "E01");
		if (*p == ':') {
			p++;
			t = parse_thread(s, &p);
			if (t == -3)
				return put(reply, max, "E01");
		}
		if ((op == 's' || op == 'S') && act != GDB_ACT_STEP) {
			act = GDB_ACT_STEP;
			step = t >= 0 ? (unsigned)t : s->stop_cpu;
		} else if (act == GDB_ACT_NONE) {
			act = GDB_ACT_CONTINUE;
		}
	}
	if (*p || act == GDB_ACT_NONE)
		return put(reply, max, "E01");
	s->action = act;
	s->step_cpu = step;
	reply[0] = '\0';
	return 0;
}

/* qXfer:features:read:target.xml:OFFSET,LENGTH */
static size_t cmd_xfer(const char *p, char *reply, size_t max)
{
	static const char pre[] = "qXfer:features:read:target.xml:";
	uint64_t off, len;

	if (strncmp(p, pre, sizeof(pre) - 1))
		return put(reply, max, "");
	p += sizeof(pre) - 1;
	if (parse_addr_len(&p, &off, &len, '\0') < 0 || max < 2)
		return put(reply, max, "E00");
	if (off >= gdb_target_xml_len)
		return put(reply, max, "l");
	if (len > gdb_target_xml_len - off)
		len = gdb_target_xml_len - off;
	if (len > max - 2)
		len = max - 2;
	reply[0] = off + len < gdb_target_xml_len ? 'm' : 'l';
	memcpy(reply + 1, gdb_target_xml + off, (size_t)len);
	reply[len + 1] = '\0';
	return (size_t)len + 1;
}

static size_t cmd_thread_list(const struct gdb_session *s, char *reply,
			      size_t max)
{
	size_t n = put(reply, max, "m");

	for (unsigned i = 0; i < s->ncpus; i++) {
		int w = snprintf(reply + n, max - n, "%s%x", i ? "," : "", i + 1);

		if (w < 0 || (size_t)w >= max - n)
			return put(reply, max, "E01");
		n += (size_t)w;
	}
	return n;
}

static size_t cmd_q(struct gdb_session *s, const char *p, char *reply,
		    size_t max)
{
	if (!strncmp(p, "qSupported", 10))
		return put(reply, max, "PacketSize=1000;qXfer:features:read+;"
				       "swbreak+;hwbreak+;vContSupported+");
	if (!strcmp(p, "qAttached"))
		return put(reply, max, "1");
	if (!strcmp(p, "qC")) {
		snprintf(reply, max, "QC%x", s->stop_cpu + 1);
		return strlen(reply);
	}
	if (!strcmp(p, "qfThreadInfo"))
		return cmd_thread_list(s, reply, max);
	if (!strcmp(p, "qsThreadInfo"))
		return put(reply, max, "l");
	if (!strncmp(p, "qXfer:", 6))
		return cmd_xfer(p, reply, max);
	if (!strncmp(p, "qSymbol", 7))
		return put(reply, max, "OK");
	return put(reply, max, ""); /* unsupported query */
}

size_t gdb_stop_reply(const struct gdb_session *s, char *reply, size_t max)
{
	const char *why = s->stop_bp_kind == GDB_BP_SW ? "swbreak:;"
			  : s->stop_bp_kind == GDB_BP_HW ? "hwbreak:;" : "";
	char watch[48] = "";
	int n;

	if (s->stop_wp_type >= DEBUG_WP_WRITE && s->stop_wp_type <= DEBUG_WP_ACCESS) {
		static const char *const name[] = { "", "watch", "rwatch", "awatch" };

		snprintf(watch, sizeof(watch), "%s:%llx;", name[s->stop_wp_type],
			 (unsigned long long)s->stop_wp_addr);
		why = watch;
	}
	n = snprintf(reply, max, "T%02x%sthread:%x;", s->stop_signal & 0xff,
		     why, s->stop_cpu + 1);

	return n < 0 ? 0 : (size_t)n < max ? (size_t)n : max - 1;
}

size_t gdb_handle(struct gdb_session *s, const char *pkt, size_t len,
		  char *reply, size_t max)
{
	const char *p = pkt + 1;
	const char *t;

	s->action = GDB_ACT_NONE;
	if (!max)
		return 0;
	reply[0] = '\0';
	if (!len || strlen(pkt) != len)
		return put(reply, max, len ? "E01" : ""); /* NUL inside */
	if (s->g_cpu >= s->ncpus)
		s->g_cpu = 0;
	switch (pkt[0]) {
	case '?':
		return gdb_stop_reply(s, reply, max);
	case 'g':
		return put_hex_reg_block(s, reply, max);
	case 'G':
		return cmd_G(s, p, len - 1, reply, max);
	case 'p':
		return cmd_p(s, p, reply, max);
	case 'P':
		return cmd_P(s, p, reply, max);
	case 'm':
		return cmd_m(s, p, reply, max);
	case 'M':
		return cmd_M(s, p, reply, max);
	case 'Z':
	case 'z':
		return cmd_Z(s, pkt[0] == 'Z', p, reply, max);
	case 'H':
		return cmd_H(s, p, reply, max);
	case 'T':
		t = p;
		return put(reply, max, parse_thread(s, &t) >= 0 && !*t ? "OK" : "E01");
	case 'c': case 's': case 'C': case 'S':
		return cmd_resume(s, pkt[0], p, reply, max);
	case 'v':
		if (!strcmp(pkt, "vCont?"))
			return put(reply, max, "vCont;c;C;s;S");
		if (!strncmp(pkt, "vCont;", 6))
			return cmd_vcont(s, pkt + 5, reply, max);
		return put(reply, max, "");
	case 'k':
		s->action = GDB_ACT_KILL;
		return 0;
	case 'D':
		s->action = GDB_ACT_DETACH;
		return put(reply, max, "OK");
	case 'q':
		return cmd_q(s, pkt, reply, max);
	default:
		return put(reply, max, ""); /* unsupported: gdb falls back */
	}
}
