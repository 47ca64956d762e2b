/* The x86 decoder on plain byte buffers: lengths, prefixes, REX, ModRM,
 * SIB, RIP-relative, immediates and bad encodings. */
#include <stdio.h>
#include <string.h>

#include "../harness.h"
#include "cpu/emu/decode.h"
#include "cpu/x86_state.h"

static int dec(const char *hex, enum dec_mode mode, struct insn *d)
{
	uint8_t b[32];
	unsigned n = 0;

	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v;

		if (hex[0] == ' ') {
			hex--;
			continue;
		}
		sscanf(hex, "%2x", &v);
		b[n++] = (uint8_t)v;
	}
	return decode_insn(b, n, mode, d);
}

TEST(emu_decode_lengths_64)
{
	struct insn d;
	static const struct { const char *hex; unsigned len; } cases[] = {
		{ "90", 1 }, { "c3", 1 }, { "4889e5", 3 }, { "48b8efcdab8967452301", 10 },
		{ "b878563412", 5 }, { "66b83412", 4 }, { "e800000000", 5 }, { "eb00", 2 },
		{ "0f8500000000", 6 }, { "c20800", 3 }, { "c8100001", 4 },
		{ "8b0425785634 12", 7 }, { "8b4424 08", 4 }, { "8b8424 78563412", 7 },
		{ "8b05 78563412", 6 }, { "f30f6f07", 4 }, { "660f3a0fc108", 6 },
		{ "f7c0 78563412", 6 }, { "f6c1 01", 3 }, { "f7d8", 2 },
		{ "a1 8877665544332211", 9 }, { "67a1 44332211", 6 },
		{ "0fba e0 05", 4 }, { "f0480fc10f", 5 }, { "0f01f8", 3 },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ(dec(cases[i].hex, DEC_MODE64, &d), DEC_OK);
		CHECK_EQ(d.len, cases[i].len);
	}
}

TEST(emu_decode_operand_sizes)
{
	struct insn d;

	CHECK_EQ(dec("4801c8", DEC_MODE64, &d), DEC_OK); /* add rax, rcx */
	CHECK_EQ(d.osz, 8);
	CHECK_EQ(d.reg, X86_RCX);
	CHECK_EQ(d.rm, X86_RAX);
	CHECK_EQ(dec("6601c8", DEC_MODE64, &d), DEC_OK);
	CHECK_EQ(d.osz, 2);
	CHECK_EQ(dec("50", DEC_MODE64, &d), DEC_OK); /* push defaults to 64 */
	CHECK_EQ(d.osz, 8);
	CHECK_EQ(dec("6650", DEC_MODE64, &d), DEC_OK);
	CHECK_EQ(d.osz, 2);
	CHECK_EQ(dec("66e800000000", DEC_MODE64, &d), DEC_OK); /* near call: always 64 */
	CHECK_EQ(d.osz, 8);
	CHECK_EQ(dec("01c8", DEC_MODE16, &d), DEC_OK);
	CHECK_EQ(d.osz, 2);
	CHECK_EQ(dec("6601c8", DEC_MODE16, &d), DEC_OK);
	CHECK_EQ(d.osz, 4);
	CHECK_EQ(dec("4d01c8", DEC_MODE64, &d), DEC_OK); /* REX.WRB */
	CHECK_EQ(d.reg, 9);
	CHECK_EQ(d.rm, 8);
	CHECK_EQ(dec("48", DEC_MODE32, &d), DEC_OK); /* dec eax in 32-bit mode */
	CHECK_EQ(d.len, 1);
}

TEST(emu_decode_modrm_forms)
{
	struct insn d;

	CHECK_EQ(dec("8b4c9d10", DEC_MODE64, &d), DEC_OK); /* mov ecx,[rbp+rbx*4+16] */
	CHECK_EQ(d.base, X86_RBP);
	CHECK_EQ(d.index, X86_RBX);
	CHECK_EQ(d.scale, 2);
	CHECK_EQ(d.disp, 16);
	CHECK_EQ(dec("8b05f0ffffff", DEC_MODE64, &d), DEC_OK); /* rip-relative */
	CHECK(d.riprel);
	CHECK_EQ(d.disp, -16);
	CHECK_EQ(dec("8b05f0ffffff", DEC_MODE32, &d), DEC_OK); /* absolute in 32-bit */
	CHECK(!d.riprel);
	CHECK_EQ(d.base, -1);
	CHECK_EQ(dec("8b0425 00100000", DEC_MODE64, &d), DEC_OK); /* SIB, no base */
	CHECK_EQ(d.base, -1);
	CHECK_EQ(d.index, -1);
	CHECK_EQ(d.disp, 0x1000);
	CHECK_EQ(dec("428b04a5 00000000", DEC_MODE64, &d), DEC_OK); /* REX.X: r12 index */
	CHECK_EQ(d.index, 12);
	CHECK_EQ(dec("8b4706", DEC_MODE16, &d), DEC_OK); /* mov ax,[bx+6] */
	CHECK_EQ(d.base, X86_RBX);
	CHECK_EQ(d.index, -1);
	CHECK_EQ(d.disp, 6);
	CHECK_EQ(dec("8b02", DEC_MODE16, &d), DEC_OK); /* [bp+si] */
	CHECK_EQ(d.base, X86_RBP);
	CHECK_EQ(d.index, X86_RSI);
	CHECK_EQ(dec("8b063412", DEC_MODE16, &d), DEC_OK); /* [disp16] */
	CHECK_EQ(d.base, -1);
	CHECK_EQ(d.disp, 0x1234);
	CHECK_EQ(d.len, 4);
}

TEST(emu_decode_prefixes)
{
	struct insn d;

	CHECK_EQ(dec("f3a4", DEC_MODE64, &d), DEC_OK);
	CHECK_EQ(d.rep, 0xf3);
	CHECK_EQ(dec("64488b0425 28000000", DEC_MODE64, &d), DEC_OK);
	CHECK_EQ(d.seg, X86_FS);
	CHECK_EQ(dec("2e8b00", DEC_MODE64, &d), DEC_OK); /* CS override ignored in 64 */
	CHECK_EQ(d.seg, -1);
	CHECK_EQ(dec("2e8b00", DEC_MODE32, &d), DEC_OK);
	CHECK_EQ(d.seg, X86_CS);
	CHECK_EQ(dec("48 66 01c8", DEC_MODE64, &d), DEC_OK); /* REX not last: ignored */
	CHECK_EQ(d.rex, 0);
	CHECK_EQ(d.osz, 2);
	CHECK_EQ(dec("f00fb10f", DEC_MODE64, &d), DEC_OK);
	CHECK(d.lock);
	CHECK_EQ(dec("670fb70e", DEC_MODE64, &d), DEC_OK);
	CHECK_EQ(d.asz, 4);
}

TEST(emu_decode_rejects_bad)
{
	struct insn d;
	uint8_t many[20];

	CHECK_EQ(dec("06", DEC_MODE64, &d), DEC_BAD);	/* push es */
	CHECK_EQ(dec("06", DEC_MODE32, &d), DEC_OK);
	CHECK_EQ(dec("ea0000000008 00", DEC_MODE64, &d), DEC_BAD);
	CHECK_EQ(dec("0f04", DEC_MODE64, &d), DEC_BAD);
	CHECK_EQ(dec("d4 0a", DEC_MODE64, &d), DEC_BAD);
	CHECK_EQ(dec("8b", DEC_MODE64, &d), DEC_MORE);	/* truncated */
	CHECK_EQ(dec("48b8 0102", DEC_MODE64, &d), DEC_MORE);
	CHECK_EQ(dec("", DEC_MODE64, &d), DEC_MORE);
	memset(many, 0x66, sizeof(many));
	CHECK_EQ(decode_insn(many, sizeof(many), DEC_MODE64, &d), DEC_LONG);
	many[14] = 0x90; /* 14 prefixes + nop = 15 bytes: legal */
	CHECK_EQ(decode_insn(many, 15, DEC_MODE64, &d), DEC_OK);
	CHECK_EQ(d.len, 15);
}
