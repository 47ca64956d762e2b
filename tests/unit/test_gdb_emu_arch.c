/* The software CPU's own debug features (src/cpu/emu/debug.c): RFLAGS.TF
 * single-step traps and DR0-3 instruction breakpoints, checked by the
 * guest tests/guests/gdb/emu_debug.asm through the bare emulator API (it
 * reports 0 through the debug-exit port when every check passed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "core/layout.h"
#include "cpu/emu/emu.h"

static void result_io(void *opaque, uint64_t off, void *data, unsigned len,
		      bool is_write, int cpu)
{
	int *r = opaque;

	(void)off;
	(void)cpu;
	if (is_write)
		*r = *(uint8_t *)data;
	else
		memset(data, 0xff, len);
}

TEST(gdb_emu_tf_single_step_and_dr_breakpoints)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	static uint8_t image[0x8000];
	char path[512];
	struct guest_mem mem;
	struct bus pio, mmio;
	struct gerr err;
	struct emu_solo *s;
	struct x86_state st;
	enum emu_exit ex;
	int result = -1;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/guests/gdb/emu_debug.bin", build);
	f = fopen(path, "rb");
	if (!f)
		SKIP("guests/gdb/emu_debug.bin not built (make test-guests)");
	n = fread(image, 1, sizeof(image), f);
	fclose(f);
	CHECK(gmem_init(&mem, 8 << 20, false, &err) == 0);
	gmem_write(&mem, 0x8000, image, n);
	bus_init(&pio, "pio");
	bus_init(&mmio, "mmio");
	bus_register(&pio, LAYOUT_PORT_DEBUG_EXIT, 1, result_io, &result, "result", &err);
	s = emu_solo_new(&mem, &pio, &mmio, &err);
	CHECK(s != NULL);
	x86_state_reset(&st);
	st.seg[X86_CS].selector = 0;
	st.seg[X86_CS].base = 0;
	st.rip = 0x8000;
	emu_solo_set_state(s, &st);
	ex = emu_solo_run(s, 10000000);
	emu_solo_free(s);
	bus_destroy(&pio);
	bus_destroy(&mmio);
	gmem_destroy(&mem);
	CHECK_EQ(ex, EMU_EXIT_HLT);
	CHECK_EQ(result, 0);
}
