/* System-level test guests of the software CPU (tests/guests/emu/NAME.asm),
 * run through the bare emulator API: each is loaded at 0x8000, entered in
 * real mode, and reports through the debug-exit port (0 = pass) before
 * halting.  They are built by `make test-guests` into $BUILD/guests/emu. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "core/layout.h"
#include "cpu/emu/emu.h"

struct result {
	int value; /* -1: nothing written */
};

static void result_io(void *opaque, uint64_t off, void *data, unsigned len,
		      bool is_write, int cpu)
{
	struct result *r = opaque;

	(void)off;
	(void)cpu;
	if (is_write)
		r->value = *(uint8_t *)data;
	else
		memset(data, 0xff, len);
}

/* Returns the guest's result, -2 when the binary is missing (skip), or
 * -3 when it did not halt after reporting. */
static int run_guest(const char *name)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char path[512];
	static uint8_t image[0x8000];
	struct guest_mem mem;
	struct bus pio, mmio;
	struct result res = { -1 };
	struct gerr err;
	struct emu_solo *s;
	struct x86_state st;
	enum emu_exit ex;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/guests/emu/%s.bin", build, name);
	f = fopen(path, "rb");
	if (!f)
		return -2;
	n = fread(image, 1, sizeof(image), f);
	fclose(f);
	if (gmem_init(&mem, 8 << 20, false, &err) < 0)
		return -4;
	gmem_write(&mem, 0x8000, image, n);
	bus_init(&pio, "pio");
	bus_init(&mmio, "mmio");
	bus_register(&pio, LAYOUT_PORT_DEBUG_EXIT, 1, result_io, &res, "result", &err);
	s = emu_solo_new(&mem, &pio, &mmio, &err);
	if (!s)
		return -4;
	x86_state_reset(&st);
	st.seg[X86_CS].selector = 0;
	st.seg[X86_CS].base = 0;
	st.rip = 0x8000;
	emu_solo_set_state(s, &st);
	emu_solo_cpu(s)->trace = getenv("GAMUT_EMU_TRACE") != NULL;
	ex = emu_solo_run(s, 200000000);
	emu_solo_free(s);
	bus_destroy(&pio);
	bus_destroy(&mmio);
	gmem_destroy(&mem);
	if (ex != EMU_EXIT_HLT && res.value == 0)
		return -3;
	return res.value;
}

#define GUEST_TEST(name)                                                       \
	TEST(emu_guest_##name)                                                 \
	{                                                                      \
		int r = run_guest(#name);                                      \
		if (r == -2)                                                   \
			SKIP("guest " #name ".bin not built (make test-guests)"); \
		CHECK_EQ(r, 0);                                                \
	}

GUEST_TEST(modes)
GUEST_TEST(paging)
GUEST_TEST(ist)
GUEST_TEST(syscall)
GUEST_TEST(irq)
