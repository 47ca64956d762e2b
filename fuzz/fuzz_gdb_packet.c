/* libFuzzer target: the GDB stub's packet layer as the network feeds it.
 * The first bytes choose the stopped vCPU's paging mode and CR3 (so memory
 * packets walk attacker-shaped page tables in a small guest RAM, which the
 * input also fills); the rest goes byte by byte through the framing, and
 * every complete packet through the command handlers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/gmem.h"
#include "debug/gdb_cmd.h"
#include "debug/gdb_proto.h"

#define RAM (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem mem;
	static struct gdb_rx rx;
	static char reply[GDB_PACKET_SIZE + 1];
	static int ready;
	struct x86_state regs[2];
	struct x86_fpu fpu[2];
	bool dirty[2] = { false, false }, fpu_valid[2] = { true, false };
	bool fpu_dirty[2] = { false, false };
	struct gdb_session s;
	struct gerr err;
	uint32_t cr3;
	unsigned max_wp;
	size_t fill;

	if (!ready) {
		if (gmem_init(&mem, RAM, false, &err) < 0)
			abort();
		ready = 1;
	}
	if (size < 5)
		return 0;
	for (unsigned i = 0; i < 2; i++)
		x86_state_reset(&regs[i]);
	memset(fpu, 0, sizeof(fpu));
	memcpy(&cr3, data + 1, 4);
	regs[0].cr3 = cr3;
	regs[0].cr0 = data[0] & 1 ? X86_CR0_PE | X86_CR0_PG : X86_CR0_PE;
	regs[0].cr4 = (data[0] & 2 ? X86_CR4_PAE : 0) | (data[0] & 4 ? X86_CR4_PSE : 0);
	regs[0].efer = data[0] & 8 ? X86_EFER_LME | X86_EFER_LMA : 0;
	/* The x87 tag and TOP, and how many watchpoints the backend takes. */
	fpu[0].ftw = data[1];
	fpu[0].fsw = (uint16_t)(data[2] << 8);
	max_wp = data[3] & 7;
	data += 5;
	size -= 5;
	/* Half the input (up to 64 KiB) lands in RAM at cr3's page, so the
	 * walks meet the fuzzer's own tables. */
	fill = size / 2 < 65536 ? size / 2 : 65536;
	if (fill && gmem_valid(&mem, cr3 & 0xff000u, fill))
		gmem_write(&mem, cr3 & 0xff000u, data, fill);
	s = (struct gdb_session){ .mem = &mem, .ncpus = 2, .regs = regs,
				  .dirty = dirty, .fpu = fpu, .fpu_valid = fpu_valid,
				  .fpu_dirty = fpu_dirty, .max_wp = max_wp,
				  .c_cpu = -1, .stop_bp_kind = -1,
				  .stop_wp_type = -1, .stop_signal = 5 };
	gdb_rx_init(&rx);
	for (size_t i = fill; i < size; i++)
		if (gdb_rx_feed(&rx, data[i]) == GDB_RX_PACKET)
			gdb_handle(&s, rx.buf, rx.len, reply, sizeof(reply));
	return 0;
}
