/* The software x86-64 CPU backend. */
#include "core/vm.h"

static int emu_probe(struct gerr *err)
{
	return gerr_set(err, "the software CPU is not built yet");
}

const struct cpu_backend cpu_backend_emu = {
	.name = "emu",
	.probe = emu_probe,
};
