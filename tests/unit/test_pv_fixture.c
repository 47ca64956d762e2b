/* The PV unit-test fixture (test_pv_fixture.h). */
#include "test_pv_fixture.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/device.h"
#include "core/mode.h"

static struct x86_state fake_state;
uint64_t pvt_mem_bytes = PVT_MEM;
enum console_kind pvt_console = CONSOLE_NONE;

static int fake_get(struct vcpu *v, struct x86_state *st, struct gerr *err)
{
	(void)v;
	(void)err;
	*st = fake_state;
	return 0;
}

static int fake_set(struct vcpu *v, const struct x86_state *st, struct gerr *err)
{
	(void)v;
	(void)err;
	fake_state = *st;
	return 0;
}

/* Only what the PV code calls: state access from a bus handler. */
static const struct cpu_backend state_only_backend = {
	.name = "test",
	.vcpu_get_state = fake_get,
	.vcpu_set_state = fake_set,
};

struct x86_state *pvt_state(void)
{
	return &fake_state;
}

static void put_note(uint8_t *p, uint32_t type, const void *desc, uint32_t descsz)
{
	uint32_t h[3] = { sizeof(PV_NOTE_NAME), descsz, type };

	memcpy(p, h, 12);
	memcpy(p + 12, PV_NOTE_NAME, sizeof(PV_NOTE_NAME));
	memcpy(p + 24, desc, descsz);
}

size_t pvt_image(uint8_t *buf, const struct pvt_dev *devs, unsigned ndev)
{
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph[3] = { { 0 } };
	struct pv_note_abi abi = { PV_ABI_VERSION, 0 };
	struct pv_manifest m = { PV_MANIFEST_VERSION, ndev, { { 0, 0, "" } } };
	uint32_t notes = 32;

	memset(buf, 0, PVT_IMG_SIZE);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = PVT_TEXT_VA;
	eh.e_phoff = PVT_PHDR_OFF;
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 3;
	put_note(buf + PVT_NOTE_OFF, PV_NOTE_ABI, &abi, sizeof(abi));
	if (ndev) {
		for (unsigned i = 0; i < ndev; i++) {
			m.dev[i].type = devs[i].type;
			strncpy(m.dev[i].name, devs[i].name, PV_NAME_MAX - 1);
		}
		put_note(buf + PVT_NOTE_OFF + 32, PV_NOTE_MANIFEST, &m,
			 8 + ndev * sizeof(struct pv_manifest_dev));
		notes += 24 + 8 + ndev * (uint32_t)sizeof(struct pv_manifest_dev);
	}
	ph[0] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, PVT_TEXT_OFF, PVT_TEXT_VA,
			      PVT_TEXT_VA, 16, 16, 4096 };
	ph[1] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_W, PVT_DATA_OFF, PVT_DATA_VA,
			      PVT_DATA_VA, 16, 0x2000, 4096 };
	ph[2] = (Elf64_Phdr){ PT_NOTE, PF_R, PVT_NOTE_OFF, 0, 0, notes, notes, 4 };
	memcpy(buf, &eh, sizeof(eh));
	memcpy(buf + PVT_PHDR_OFF, ph, sizeof(ph));
	memset(buf + PVT_TEXT_OFF, 0x90, 16);
	memset(buf + PVT_DATA_OFF, 0xaa, 16);
	return PVT_IMG_SIZE;
}

int pvt_init(struct pvt *t)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	memset(t, 0, sizeof(*t));
	memset(&fake_state, 0, sizeof(fake_state));
	if (!vm)
		return -1;
	t->vm = vm;
	vm->cfg.mode = mode_find("pv");
	vm->cfg.cpu = "test";
	vm->cfg.ncpus = vm->ncpus = 1;
	vm->cfg.console = pvt_console;
	vm->cfg.mem_bytes = pvt_mem_bytes;
	vm->backend = &state_only_backend;
	vm->vcpu[0].vm = vm;
	pthread_mutex_init(&vm->stop_lock, NULL);
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	if (evloop_init(&vm->loop, &t->err) < 0 ||
	    gmem_init(&vm->mem, pvt_mem_bytes, false, &t->err) < 0)
		return -1;
	/* The real device set of --mode pv: the console and the PV platform. */
	if (device_create_all(vm, &t->err) < 0) {
		fprintf(stderr, "pvt_init: %s\n", t->err.msg);
		return -1;
	}
	t->pv = device_state(vm, "pv");
	return t->pv ? 0 : -1;
}

int pvt_load(struct pvt *t, const uint8_t *buf, size_t len)
{
	int rc = pv_load(t->pv, buf, len, &t->boot, &t->err);

	if (rc == 0)
		fake_state = t->boot;
	return rc;
}

int pvt_boot(struct pvt *t)
{
	static uint8_t img[PVT_IMG_SIZE];
	size_t len = pvt_image(img, NULL, 0);

	if (pvt_init(t) < 0)
		return -1;
	return pvt_load(t, img, len);
}

void pvt_fini(struct pvt *t)
{
	if (!t->vm)
		return;
	device_destroy_all(t->vm);
	gmem_destroy(&t->vm->mem);
	evloop_destroy(&t->vm->loop);
	bus_destroy(&t->vm->pio);
	bus_destroy(&t->vm->mmio);
	stats_destroy(&t->vm->stats);
	pthread_mutex_destroy(&t->vm->stop_lock);
	free(t->vm);
	t->vm = NULL;
}

void pvt_call(struct pvt *t, unsigned nr, uint64_t gpa)
{
	uint32_t v = (uint32_t)gpa;

	bus_access(&t->vm->pio, PV_PORT_BASE + nr, &v, 4, true, 0);
}

int pvt_stop_reason(const struct pvt *t)
{
	return atomic_load(&t->vm->stop_reason);
}
