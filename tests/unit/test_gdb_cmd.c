/* The GDB stub's packet handlers (src/debug/gdb_cmd.c) over real guest
 * memory and register state, and its page walks (gdb_mem.c). */
#include <string.h>

#include "../harness.h"
#include "core/gmem.h"
#include "debug/gdb_cmd.h"
#include "debug/gdb_mem.h"
#include "debug/gdb_target_xml.h"

#define RAM (4u << 20)

struct fix {
	struct guest_mem mem;
	struct x86_state regs[3];
	bool dirty[3];
	struct x86_fpu fpu[3];
	bool fpu_valid[3], fpu_dirty[3];
	struct gdb_session s;
	char reply[GDB_PACKET_SIZE + 1];
};

static void put64(struct guest_mem *m, uint64_t gpa, uint64_t v)
{
	gmem_write_u64(m, gpa, v);
}

/* 4-level tables at 0x10000: va 0xffff800000001000 -> gpa 0x5000 (4 KiB),
 * va 0x40000000 -> gpa 0x200000 (2 MiB page), va 0x80000000 -> 0 (1 GiB
 * page, partly outside RAM). */
static void map_long(struct fix *f)
{
	struct x86_state *st = &f->regs[0];

	put64(&f->mem, 0x10000 + 256 * 8, 0x11000 | 3); /* PML4[256] */
	put64(&f->mem, 0x11000 + 0 * 8, 0x12000 | 3);	/* PDPT[0] */
	put64(&f->mem, 0x12000 + 0 * 8, 0x13000 | 3);	/* PD[0] */
	put64(&f->mem, 0x13000 + 1 * 8, 0x5000 | 3);	/* PT[1] */
	put64(&f->mem, 0x10000 + 0 * 8, 0x14000 | 3);	/* PML4[0] */
	put64(&f->mem, 0x14000 + 1 * 8, 0x15000 | 3);	/* PDPT[1]: 1 GiB */
	put64(&f->mem, 0x15000 + 0 * 8, 0x200000 | 0x83); /* PD[0]: 2 MiB */
	put64(&f->mem, 0x14000 + 2 * 8, 0x0 | 0x83);	/* PDPT[2]: 1 GiB page */
	st->cr0 = X86_CR0_PE | X86_CR0_PG;
	st->cr4 = X86_CR4_PAE;
	st->efer = X86_EFER_LME | X86_EFER_LMA;
	st->cr3 = 0x10000;
}

static int fix_init(struct fix *f, unsigned ncpus)
{
	struct gerr err;

	memset(f, 0, sizeof(*f));
	if (gmem_init(&f->mem, RAM, false, &err) < 0)
		return -1;
	for (unsigned i = 0; i < 3; i++) {
		x86_state_reset(&f->regs[i]);
		f->regs[i].rip = 0x1000 * (i + 1);
	}
	f->s = (struct gdb_session){ .mem = &f->mem, .ncpus = ncpus,
				     .regs = f->regs, .dirty = f->dirty,
				     .c_cpu = -1, .stop_bp_kind = -1,
				     .stop_wp_type = -1, .stop_signal = 5 };
	return 0;
}

static const char *ask(struct fix *f, const char *pkt)
{
	gdb_handle(&f->s, pkt, strlen(pkt), f->reply, sizeof(f->reply));
	return f->reply;
}

TEST(gdb_cmd_registers_read_and_write)
{
	static struct fix f;

	if (fix_init(&f, 2) < 0)
		SKIP("no memory for guest RAM");
	f.regs[0].gpr[X86_RBX] = 0x1122334455667788ull;
	CHECK_EQ(strlen(ask(&f, "g")), 2 * GDB_G_BYTES);
	/* rbx is register 1: bytes 8..15, little-endian. */
	CHECK(!strncmp(f.reply + 16, "8877665544332211", 16));
	/* rip (16) = 0x1000; x87 registers are unavailable ('x'). */
	CHECK(!strncmp(f.reply + 256, "0010000000000000", 16));
	CHECK(f.reply[2 * 164] == 'x');
	CHECK(!strcmp(ask(&f, "P10=efbeadde00000000"), "OK"));
	CHECK_EQ(f.regs[0].rip, 0xdeadbeef);
	CHECK(f.dirty[0]);
	CHECK(!strcmp(ask(&f, "p10"), "efbeadde00000000"));
	CHECK(!strcmp(ask(&f, "p18"), "xxxxxxxxxxxxxxxxxxxx")); /* st0 */
	/* Selectors only keep their value: no descriptor to load. */
	CHECK(!strcmp(ask(&f, "P12=00f00000"), "OK")); /* cs = f000, as now */
	CHECK(!strcmp(ask(&f, "P12=08000000"), "E01"));
	CHECK(!strcmp(ask(&f, "P40=00"), "E01"));		  /* no register 64 */
	CHECK(!strcmp(ask(&f, "P0=00"), "E01"));		  /* too short */
	CHECK(!strcmp(ask(&f, "P0=zz00000000000000"), "E01"));
	CHECK(!strcmp(ask(&f, "p"), "E01"));
	/* Hg2: the second vCPU's registers. */
	CHECK(!strcmp(ask(&f, "Hg2"), "OK"));
	ask(&f, "g");
	CHECK(!strncmp(f.reply + 256, "0020000000000000", 16));
	CHECK(!strcmp(ask(&f, "Hg3"), "E01"));
	gmem_destroy(&f.mem);
}

TEST(gdb_cmd_G_writes_back_the_block)
{
	static struct fix f;
	static char pkt[2 * GDB_G_BYTES + 2];

	if (fix_init(&f, 1) < 0)
		SKIP("no memory for guest RAM");
	ask(&f, "g");
	pkt[0] = 'G';
	memcpy(pkt + 1, f.reply, 2 * GDB_G_BYTES);
	memcpy(pkt + 1, "0100000000000000", 16); /* rax = 1 */
	CHECK(!strcmp(ask(&f, pkt), "OK"));
	CHECK_EQ(f.regs[0].gpr[X86_RAX], 1);
	pkt[2 * GDB_G_BYTES] = '\0'; /* one digit short */
	CHECK(!strcmp(ask(&f, pkt), "E01"));
	gmem_destroy(&f.mem);
}

TEST(gdb_cmd_memory_through_long_mode_tables)
{
	static struct fix f;
	uint8_t b[4];

	if (fix_init(&f, 1) < 0)
		SKIP("no memory for guest RAM");
	map_long(&f);
	CHECK(!strcmp(ask(&f, "Mffff800000001ffe,4:a1b2c3d4"), "E14")); /* 2nd page unmapped */
	CHECK(!strcmp(ask(&f, "Mffff800000001010,4:a1b2c3d4"), "OK"));
	CHECK_EQ(gmem_read(&f.mem, 0x5010, b, 4), 0);
	CHECK(b[0] == 0xa1 && b[3] == 0xd4);
	CHECK(!strcmp(ask(&f, "mffff800000001010,4"), "a1b2c3d4"));
	CHECK(!strcmp(ask(&f, "mffff800000002000,1"), "E14"));
	CHECK(!strcmp(ask(&f, "m0000800000001010,1"), "E14")); /* not canonical */
	/* 2 MiB page: va 0x40000000 + 0x1234 -> 0x201234. */
	gmem_write_u32(&f.mem, 0x201234, 0x0badf00d);
	CHECK(!strcmp(ask(&f, "m40001234,4"), "0df0ad0b"));
	/* 1 GiB page at va 0x80000000: RAM ends at 4 MiB. */
	CHECK(!strcmp(ask(&f, "m80005010,4"), "a1b2c3d4"));
	CHECK(!strcmp(ask(&f, "m80400000,1"), "E14"));
	/* Malformed. */
	CHECK(!strcmp(ask(&f, "m"), "E01"));
	CHECK(!strcmp(ask(&f, "m1"), "E01"));
	CHECK(!strcmp(ask(&f, "m1,"), "E01"));
	CHECK(!strcmp(ask(&f, "m1,0"), "E01"));
	CHECK(!strcmp(ask(&f, "m1,1x"), "E01"));
	CHECK(!strcmp(ask(&f, "M5000,2:a1"), "E01"));	/* data short */
	CHECK(!strcmp(ask(&f, "M5000,1:a1b2"), "E01")); /* data long */
	CHECK(!strcmp(ask(&f, "M5000,1:zz"), "E01"));
	CHECK(!strcmp(ask(&f, "Mffffffffffffffff,ffffffffffffffff:"), "E01"));
	/* A huge length is cut to what one reply holds. */
	f.regs[0].cr0 = 0;
	CHECK_EQ(strlen(ask(&f, "m0,ffffffffffffffff")), GDB_PACKET_SIZE);
	gmem_destroy(&f.mem);
}

TEST(gdb_mem_walks_pae_and_32bit_tables)
{
	static struct fix f;
	struct x86_state *st;
	uint64_t gpa;

	if (fix_init(&f, 1) < 0)
		SKIP("no memory for guest RAM");
	st = &f.regs[0];
	st->cr0 = X86_CR0_PE | X86_CR0_PG;
	/* 32-bit: PD at 0x20000; va 0x00401000 -> PT at 0x21000 -> 0x7000;
	 * va 0x00800000 is a 4 MiB page at 0 (with CR4.PSE). */
	st->cr3 = 0x20000;
	gmem_write_u32(&f.mem, 0x20000 + 1 * 4, 0x21000 | 3);
	gmem_write_u32(&f.mem, 0x21000 + 1 * 4, 0x7000 | 3);
	gmem_write_u32(&f.mem, 0x20000 + 2 * 4, 0x0 | 0x83);
	CHECK_EQ(gdb_mem_translate(&f.mem, st, 0x00401abc, &gpa), 0);
	CHECK_EQ(gpa, 0x7abc);
	CHECK_EQ(gdb_mem_translate(&f.mem, st, 0x00800010, &gpa), -1); /* PSE off */
	st->cr4 = X86_CR4_PSE;
	CHECK_EQ(gdb_mem_translate(&f.mem, st, 0x00800010, &gpa), 0);
	CHECK_EQ(gpa, 0x10);
	CHECK_EQ(gdb_mem_translate(&f.mem, st, 0xc0000000, &gpa), -1);
	/* PAE: PDPT at 0x30020 (32-byte aligned), PD at 0x31000. */
	st->cr4 = X86_CR4_PAE;
	st->cr3 = 0x30020;
	put64(&f.mem, 0x30020 + 3 * 8, 0x31000 | 1);
	put64(&f.mem, 0x31000 + 1 * 8, 0x200000 | 0x83);
	CHECK_EQ(gdb_mem_translate(&f.mem, st, 0xc0200040, &gpa), 0);
	CHECK_EQ(gpa, 0x200040);
	CHECK_EQ(gdb_mem_translate(&f.mem, st, 0x00200040, &gpa), -1);
	/* Tables outside RAM are "not mapped", never a wild read. */
	st->cr3 = 0xfffff000;
	CHECK_EQ(gdb_mem_translate(&f.mem, st, 0xc0200040, &gpa), -1);
	/* Paging off: physical. */
	st->cr0 = X86_CR0_PE;
	CHECK_EQ(gdb_mem_translate(&f.mem, st, 0x1234, &gpa), 0);
	CHECK_EQ(gpa, 0x1234);
	gmem_destroy(&f.mem);
}

TEST(gdb_cmd_breakpoints)
{
	static struct fix f;

	if (fix_init(&f, 1) < 0)
		SKIP("no memory for guest RAM");
	CHECK(!strcmp(ask(&f, "Z0,1000,1"), "OK"));
	CHECK(!strcmp(ask(&f, "Z0,1000,1"), "OK")); /* twice: one entry */
	CHECK(!strcmp(ask(&f, "Z1,2000,1"), "OK"));
	CHECK(!strcmp(ask(&f, "Z0,3000,1"), "OK"));
	CHECK(!strcmp(ask(&f, "Z0,4000,1"), "OK"));
	CHECK_EQ(f.s.nr_bp, 4);
	CHECK(!strcmp(ask(&f, "Z0,5000,1"), "E28"));
	CHECK(!strcmp(ask(&f, "z0,1000,1"), "OK"));
	CHECK_EQ(f.s.nr_bp, 3);
	CHECK(!strcmp(ask(&f, "z0,1000,1"), "OK"));
	CHECK(!strcmp(ask(&f, "Z2,1000,4"), "")); /* watchpoints: unsupported */
	CHECK(!strcmp(ask(&f, "Z0,1000"), "E01"));
	CHECK(!strcmp(ask(&f, "Z0,,1"), "E01"));
	CHECK(!strcmp(ask(&f, "Z"), "E01"));
	gmem_destroy(&f.mem);
}

TEST(gdb_cmd_execution_and_threads)
{
	static struct fix f;

	if (fix_init(&f, 3) < 0)
		SKIP("no memory for guest RAM");
	f.s.stop_cpu = 1;
	CHECK(!strcmp(ask(&f, "?"), "T05thread:2;"));
	CHECK(!strcmp(ask(&f, "qfThreadInfo"), "m1,2,3"));
	CHECK(!strcmp(ask(&f, "qsThreadInfo"), "l"));
	CHECK(!strcmp(ask(&f, "qC"), "QC2"));
	CHECK(!strcmp(ask(&f, "T3"), "OK"));
	CHECK(!strcmp(ask(&f, "T4"), "E01"));
	ask(&f, "vCont;s:3;c");
	CHECK_EQ(f.s.action, GDB_ACT_STEP);
	CHECK_EQ(f.s.step_cpu, 2);
	ask(&f, "vCont;c");
	CHECK_EQ(f.s.action, GDB_ACT_CONTINUE);
	CHECK(!strcmp(ask(&f, "vCont;s:9"), "E01"));
	CHECK_EQ(f.s.action, GDB_ACT_NONE);
	CHECK(!strcmp(ask(&f, "vCont;"), "E01"));
	CHECK(!strcmp(ask(&f, "vCont;q"), "E01"));
	ask(&f, "s");
	CHECK_EQ(f.s.action, GDB_ACT_STEP);
	CHECK_EQ(f.s.step_cpu, 1);
	ask(&f, "c4000");
	CHECK_EQ(f.s.action, GDB_ACT_CONTINUE);
	CHECK_EQ(f.regs[1].rip, 0x4000);
	CHECK(!strcmp(ask(&f, "C05;zz"), "E01"));
	CHECK(!strcmp(ask(&f, "D"), "OK"));
	CHECK_EQ(f.s.action, GDB_ACT_DETACH);
	ask(&f, "k");
	CHECK_EQ(f.s.action, GDB_ACT_KILL);
	CHECK(!strcmp(ask(&f, "qUnknownThing"), ""));
	CHECK(!strcmp(ask(&f, "!"), ""));
	/* An embedded NUL is refused. */
	CHECK_EQ(gdb_handle(&f.s, "g\0x", 3, f.reply, sizeof(f.reply)), 3);
	CHECK(!strcmp(f.reply, "E01"));
	gmem_destroy(&f.mem);
}

TEST(gdb_cmd_serves_target_xml_in_pieces)
{
	static struct fix f;
	static char xml[8192];
	size_t got = 0;
	char pkt[80];

	if (fix_init(&f, 1) < 0)
		SKIP("no memory for guest RAM");
	CHECK(strstr(ask(&f, "qSupported:multiprocess+"), "qXfer:features:read+"));
	for (;;) {
		snprintf(pkt, sizeof(pkt), "qXfer:features:read:target.xml:%zx,100", got);
		ask(&f, pkt);
		CHECK(f.reply[0] == 'm' || f.reply[0] == 'l');
		CHECK(got + strlen(f.reply + 1) < sizeof(xml));
		memcpy(xml + got, f.reply + 1, strlen(f.reply + 1));
		got += strlen(f.reply + 1);
		if (f.reply[0] == 'l')
			break;
	}
	CHECK_EQ(got, gdb_target_xml_len);
	CHECK(!memcmp(xml, gdb_target_xml, got));
	CHECK(!strcmp(ask(&f, "qXfer:features:read:target.xml:ffffff,10"), "l"));
	CHECK(!strcmp(ask(&f, "qXfer:features:read:other.xml:0,10"), ""));
	CHECK(!strcmp(ask(&f, "qXfer:features:read:target.xml:0"), "E00"));
	gmem_destroy(&f.mem);
}

TEST(gdb_stop_reply_names_the_breakpoint_kind)
{
	static struct fix f;

	if (fix_init(&f, 1) < 0)
		SKIP("no memory for guest RAM");
	f.s.stop_bp_kind = GDB_BP_SW;
	CHECK(!strcmp(ask(&f, "?"), "T05swbreak:;thread:1;"));
	f.s.stop_bp_kind = GDB_BP_HW;
	f.s.stop_signal = 2;
	CHECK(!strcmp(ask(&f, "?"), "T02hwbreak:;thread:1;"));
	gmem_destroy(&f.mem);
}

/* Byte offsets in the 'g' block (target.xml order). */
#define G_ST0	164
#define G_FCTRL 244
#define G_FTAG	252
#define G_FOP	272
#define G_XMM0	276
#define G_MXCSR 532

/* 1.0 as an 80-bit value: mantissa 1 << 63, exponent 0x3fff. */
static void st_one(uint8_t *r)
{
	memset(r, 0, 10);
	r[7] = 0x80;
	r[8] = 0xff;
	r[9] = 0x3f;
}

static void fix_fpu(struct fix *f)
{
	struct x86_fpu *x = &f->fpu[0];

	f->s.fpu = f->fpu;
	f->s.fpu_valid = f->fpu_valid;
	f->s.fpu_dirty = f->fpu_dirty;
	f->fpu_valid[0] = true;
	memset(x, 0, sizeof(*x));
	x->fcw = 0x37f;
	/* Two values pushed: TOP = 6; ST(0) = physical 6 = 1.0, ST(1) =
	 * physical 7 = +0. */
	x->fsw = 6 << 11;
	x->ftw = 0xc0;
	st_one(x->st[0]);
	x->fip = 0x0000123480001000ull;
	x->fop = 0x1e8;
	x->mxcsr = 0x1f80;
	for (unsigned i = 0; i < 16; i++)
		x->xmm[1][i] = (uint8_t)(0xa0 + i);
}

TEST(gdb_cmd_x87_and_sse_registers)
{
	static struct fix f;
	const char *r;

	if (fix_init(&f, 2) < 0)
		SKIP("no memory for guest RAM");
	fix_fpu(&f);
	r = ask(&f, "g");
	CHECK_EQ(strlen(r), 2 * GDB_G_BYTES);
	CHECK(!strncmp(r + 2 * G_ST0, "0000000000000080ff3f", 20)); /* st0 = 1.0 */
	CHECK(!strncmp(r + 2 * G_ST0 + 20, "00000000000000000000", 20)); /* st1 */
	CHECK(!strncmp(r + 2 * G_FCTRL, "7f030000", 8));
	CHECK(!strncmp(r + 2 * G_FCTRL + 8, "00300000", 8)); /* fstat: TOP 6 */
	/* Physical 6 valid (00), 7 zero (01), the rest empty (11). */
	CHECK(!strncmp(r + 2 * G_FTAG, "ff4f0000", 8));
	CHECK(!strncmp(r + 2 * G_FTAG + 8, "34120000", 8));  /* fiseg */
	CHECK(!strncmp(r + 2 * G_FTAG + 16, "00100080", 8)); /* fioff */
	CHECK(!strncmp(r + 2 * G_FOP, "e8010000", 8));
	CHECK(!strncmp(r + 2 * G_XMM0 + 32, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf", 32));
	CHECK(!strncmp(r + 2 * G_MXCSR, "801f0000", 8));
	CHECK(!strcmp(ask(&f, "p18"), "0000000000000080ff3f"));
	CHECK(!strcmp(ask(&f, "p22"), "ff4f0000"));
	CHECK(!strcmp(ask(&f, "p38"), "801f0000"));
	/* Writes. */
	CHECK(!strcmp(ask(&f, "P38=a01f0000"), "OK"));
	CHECK_EQ(f.fpu[0].mxcsr, 0x1fa0);
	CHECK(f.fpu_dirty[0]);
	CHECK(!f.dirty[0]);
	CHECK(!strcmp(ask(&f, "P38=00000100"), "E01")); /* reserved bits */
	CHECK(!strcmp(ask(&f, "P27=00080000"), "E01")); /* fop has 11 bits */
	CHECK(!strcmp(ask(&f, "P28=000102030405060708090a0b0c0d0e0f"), "OK"));
	CHECK_EQ(f.fpu[0].xmm[0][15], 0x0f);
	CHECK(!strcmp(ask(&f, "P28=0001"), "E01")); /* short */
	CHECK(!strcmp(ask(&f, "P19=0000000000000080ff3f"), "OK")); /* st1 = 1.0 */
	CHECK_EQ(f.fpu[0].st[1][9], 0x3f);
	/* ftag: physical 0 in use too (any non-empty tag). */
	CHECK(!strcmp(ask(&f, "P22=fe4f0000"), "OK"));
	CHECK_EQ(f.fpu[0].ftw, 0xc1);
	CHECK(!strcmp(ask(&f, "P23=ffff0100"), "E01")); /* fiseg: 16 bits */
	CHECK(!strcmp(ask(&f, "P24=78563412"), "OK"));	/* fioff */
	CHECK_EQ(f.fpu[0].fip, 0x0000123412345678ull);
	/* 'G' with the same block changes nothing; one byte more does. */
	memset(f.fpu_dirty, 0, sizeof(f.fpu_dirty));
	{
		static char pkt[2 * GDB_G_BYTES + 2];

		pkt[0] = 'G';
		memcpy(pkt + 1, ask(&f, "g"), 2 * GDB_G_BYTES);
		CHECK(!strcmp(ask(&f, pkt), "OK"));
		CHECK(!f.fpu_dirty[0]);
		memcpy(pkt + 1 + 2 * G_XMM0, "55", 2);
		CHECK(!strcmp(ask(&f, pkt), "OK"));
		CHECK(f.fpu_dirty[0]);
		CHECK_EQ(f.fpu[0].xmm[0][0], 0x55);
	}
	/* vCPU 2 has no x87 state read: unavailable, and not writable. */
	CHECK(!strcmp(ask(&f, "Hg2"), "OK"));
	CHECK(!strcmp(ask(&f, "p18"), "xxxxxxxxxxxxxxxxxxxx"));
	CHECK(!strcmp(ask(&f, "P38=801f0000"), "E01"));
	gmem_destroy(&f.mem);
}

TEST(gdb_fpu_tag_word_classes)
{
	struct x86_fpu x;

	memset(&x, 0, sizeof(x));
	CHECK_EQ(gdb_fpu_tag_word(&x), 0xffff); /* all empty */
	x.ftw = 0xff;
	x.fsw = 0; /* TOP 0: ST(i) = physical i */
	st_one(x.st[0]);			/* valid */
	/* st[1] = +0: zero */
	x.st[2][0] = 1;				/* denormal: special */
	x.st[3][8] = 0xff; x.st[3][9] = 0x7f;	/* exponent all ones: special */
	x.st[4][8] = 1;				/* integer bit clear: special */
	st_one(x.st[5]);
	st_one(x.st[6]);
	st_one(x.st[7]);
	CHECK_EQ(gdb_fpu_tag_word(&x), 0x02a4);
	CHECK_EQ(gdb_fpu_tag_abridge(0x02a4), 0xff);
	CHECK_EQ(gdb_fpu_tag_abridge(0xfff0), 0x03);
	/* TOP rotates: with TOP 5, ST(0) is physical 5. */
	memset(&x, 0, sizeof(x));
	x.fsw = 5 << 11;
	x.ftw = 1u << 5;
	st_one(x.st[0]);
	CHECK_EQ(gdb_fpu_tag_word(&x), (uint16_t)~(3u << 10));
}

TEST(gdb_cmd_watchpoints)
{
	static struct fix f;

	if (fix_init(&f, 1) < 0)
		SKIP("no memory for guest RAM");
	/* A backend without them: unsupported (empty reply). */
	CHECK(!strcmp(ask(&f, "Z2,1000,4"), ""));
	CHECK(!strcmp(ask(&f, "Z4,1000,4"), ""));
	CHECK_EQ(f.s.nr_wp, 0);
	f.s.max_wp = 4;
	CHECK(!strcmp(ask(&f, "Z2,1000,4"), "OK"));
	CHECK(!strcmp(ask(&f, "Z2,1000,4"), "OK")); /* twice: one entry */
	CHECK_EQ(f.s.nr_wp, 1);
	CHECK(f.s.wp[0].addr == 0x1000 && f.s.wp[0].len == 4 &&
	      f.s.wp[0].type == DEBUG_WP_WRITE);
	CHECK(!strcmp(ask(&f, "Z3,1000,4"), "OK")); /* same place, reads */
	CHECK(!strcmp(ask(&f, "Z4,ffffffffffffffff,1"), "OK"));
	CHECK_EQ(f.s.wp[2].type, DEBUG_WP_ACCESS);
	CHECK(!strcmp(ask(&f, "Z2,2000,8"), "OK"));
	CHECK(!strcmp(ask(&f, "Z2,3000,2"), "E28")); /* a fifth */
	/* Breakpoints are counted apart. */
	CHECK(!strcmp(ask(&f, "Z0,1000,1"), "OK"));
	CHECK_EQ(f.s.nr_bp, 1);
	/* Lengths: 1, 2, 4 or 8 only. */
	CHECK(!strcmp(ask(&f, "z2,2000,8"), "OK"));
	CHECK(!strcmp(ask(&f, "Z2,3000,3"), "E22"));
	CHECK(!strcmp(ask(&f, "Z2,3000,0"), "E22"));
	CHECK(!strcmp(ask(&f, "Z2,3000,10"), "E22"));
	CHECK(!strcmp(ask(&f, "Z3,3000,ffffffffffffffff"), "E22"));
	CHECK(!strcmp(ask(&f, "z3,3000,3"), "E22"));
	CHECK(!strcmp(ask(&f, "Z2,3000"), "E01"));
	CHECK(!strcmp(ask(&f, "Z2,,4"), "E01"));
	CHECK(!strcmp(ask(&f, "Z5,3000,4"), "")); /* no such type */
	/* Removal matches address, length and type. */
	CHECK(!strcmp(ask(&f, "z2,1000,2"), "OK"));
	CHECK_EQ(f.s.nr_wp, 3);
	CHECK(!strcmp(ask(&f, "z3,1000,4"), "OK"));
	CHECK_EQ(f.s.nr_wp, 2);
	CHECK(f.s.wp[0].type == DEBUG_WP_WRITE && f.s.wp[1].type == DEBUG_WP_ACCESS);
	/* A smaller backend limit holds. */
	f.s.max_wp = 2;
	CHECK(!strcmp(ask(&f, "Z2,4000,1"), "E28"));
	gmem_destroy(&f.mem);
}

TEST(gdb_stop_reply_names_the_watchpoint)
{
	static struct fix f;

	if (fix_init(&f, 2) < 0)
		SKIP("no memory for guest RAM");
	f.s.stop_cpu = 1;
	f.s.stop_wp_type = DEBUG_WP_WRITE;
	f.s.stop_wp_addr = 0xffffffff80001234ull;
	CHECK(!strcmp(ask(&f, "?"), "T05watch:ffffffff80001234;thread:2;"));
	f.s.stop_wp_type = DEBUG_WP_READ;
	CHECK(!strcmp(ask(&f, "?"), "T05rwatch:ffffffff80001234;thread:2;"));
	f.s.stop_wp_type = DEBUG_WP_ACCESS;
	f.s.stop_wp_addr = 0x10;
	CHECK(!strcmp(ask(&f, "?"), "T05awatch:10;thread:2;"));
	gmem_destroy(&f.mem);
}
