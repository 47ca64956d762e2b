/* The target description gdb reads with qXfer:features:read:target.xml.
 * Its register numbers define the 'g' packet layout (gdb_cmd.c): the
 * standard i386 core and sse features (gdb then knows it is x86-64 and
 * disassembles and unwinds accordingly), the segments feature (FS/GS
 * bases) and gamut's own system feature with the control registers. */
#include "debug/gdb_target_xml.h"

#define R(name, bits, type) "<reg name=\"" name "\" bitsize=\"" #bits "\" type=\"" type "\"/>"
#define G(name) R(name, 64, "int64")
#define S(name) R(name, 32, "int32")

const char gdb_target_xml[] =
	"<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
	"<target version=\"1.0\"><architecture>i386:x86-64</architecture>"
	"<feature name=\"org.gnu.gdb.i386.core\">"
	G("rax") G("rbx") G("rcx") G("rdx") G("rsi") G("rdi")
	R("rbp", 64, "data_ptr") R("rsp", 64, "data_ptr")
	G("r8") G("r9") G("r10") G("r11") G("r12") G("r13") G("r14") G("r15")
	R("rip", 64, "code_ptr") S("eflags")
	S("cs") S("ss") S("ds") S("es") S("fs") S("gs")
	R("st0", 80, "i387_ext") R("st1", 80, "i387_ext") R("st2", 80, "i387_ext")
	R("st3", 80, "i387_ext") R("st4", 80, "i387_ext") R("st5", 80, "i387_ext")
	R("st6", 80, "i387_ext") R("st7", 80, "i387_ext")
	S("fctrl") S("fstat") S("ftag") S("fiseg") S("fioff") S("foseg")
	S("fooff") S("fop")
	"</feature><feature name=\"org.gnu.gdb.i386.sse\">"
	R("xmm0", 128, "uint128") R("xmm1", 128, "uint128") R("xmm2", 128, "uint128")
	R("xmm3", 128, "uint128") R("xmm4", 128, "uint128") R("xmm5", 128, "uint128")
	R("xmm6", 128, "uint128") R("xmm7", 128, "uint128") R("xmm8", 128, "uint128")
	R("xmm9", 128, "uint128") R("xmm10", 128, "uint128") R("xmm11", 128, "uint128")
	R("xmm12", 128, "uint128") R("xmm13", 128, "uint128") R("xmm14", 128, "uint128")
	R("xmm15", 128, "uint128") S("mxcsr")
	"</feature><feature name=\"org.gnu.gdb.i386.segments\">"
	G("fs_base") G("gs_base")
	"</feature><feature name=\"org.gamut.x86.system\">"
	G("cr0") G("cr2") G("cr3") G("cr4") G("efer")
	"</feature></target>";

const unsigned long gdb_target_xml_len = sizeof(gdb_target_xml) - 1;
