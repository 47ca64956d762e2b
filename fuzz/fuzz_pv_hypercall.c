/* libFuzzer target: a PV guest's side of the ABI, driven by the input.
 * Each input boots a fresh PV platform (the unit-test fixture: real device
 * set, a 1 MiB disk "data") and then runs records:
 *   0x00 nr len bytes[len]      write an argument block at PVT_ARG, call nr
 *   0x01 nr gpa[4]              call nr with any argument address
 *   0x02 gpa[4] len bytes[len]  write guest memory (rings, buffers, ops)
 *   0x03 vector frame[64]       report an exception as the ring-0 stub would
 * POLL is given a zero deadline so the fuzzer never blocks.  gamut must stay
 * inside guest memory and never crash, whatever the guest does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../tests/unit/test_pv_fixture.h"
#include "pv/pv_layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char disk_path[64];

static void make_disk(void)
{
	int fd;

	if (disk_path[0])
		return;
	fd = memfd_create("pvfuzz-disk", 0);
	if (fd < 0 || ftruncate(fd, 1 << 20) < 0)
		abort();
	snprintf(disk_path, sizeof(disk_path), "/proc/self/fd/%d", fd);
}

static void call(struct pvt *t, unsigned nr, uint32_t gpa)
{
	if (nr == PV_HC_POLL) { /* never block: deadline 0 */
		uint64_t zero = 0;

		gmem_write(&t->vm->mem, (uint64_t)gpa + 8, &zero, 8);
	}
	pvt_call(t, nr, gpa);
}

static void fake_exception(struct pvt *t, uint32_t vector, const uint8_t *frame)
{
	struct x86_state *st = pvt_state();

	gmem_write(&t->vm->mem, PV_STACK0_TOP - 64, frame, 64);
	st->seg[X86_CS].selector = PV_SEL_KCODE;
	st->rip = PV_STUB_GPA + 16 * (vector & 31) + 11;
	st->gpr[X86_RSP] = PV_STACK0_TOP - 64 + ((vector & 1) ? 8 : 0);
	pvt_call(t, PV_PORT_TRAP, vector);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pvt_dev devs[] = { { PV_DEV_BLOCK, "data" } };
	static uint8_t img[PVT_IMG_SIZE];
	struct pvt t;
	size_t i = 0;

	make_disk();
	pvt_mem_bytes = 8ull << 20;
	if (pvt_init(&t) < 0)
		abort();
	t.vm->cfg.disk[0] = (struct disk_config){ .path = disk_path, .name = "data", .readonly = false };
	t.vm->cfg.nr_disks = 1;
	if (pvt_load(&t, img, pvt_image(img, devs, 1)) < 0)
		abort();
	while (i < size && !vm_should_stop(t.vm)) {
		uint8_t op = data[i++];
		uint32_t gpa;
		unsigned len, nr;

		switch (op & 3) {
		case 0:
			if (size - i < 2)
				goto out;
			nr = data[i] % 33;
			len = data[i + 1];
			i += 2;
			if (len > size - i)
				len = (unsigned)(size - i);
			gmem_write(&t.vm->mem, PVT_ARG, data + i, len);
			i += len;
			call(&t, nr, PVT_ARG);
			break;
		case 1:
			if (size - i < 5)
				goto out;
			nr = data[i] % 33;
			memcpy(&gpa, data + i + 1, 4);
			i += 5;
			call(&t, nr, gpa);
			break;
		case 2:
			if (size - i < 5)
				goto out;
			memcpy(&gpa, data + i, 4);
			len = data[i + 4];
			i += 5;
			if (len > size - i)
				len = (unsigned)(size - i);
			gmem_write(&t.vm->mem, gpa, data + i, len);
			i += len;
			break;
		case 3:
			if (size - i < 65)
				goto out;
			fake_exception(&t, data[i], data + i + 1);
			i += 65;
			break;
		}
	}
out:
	pvt_fini(&t);
	return 0;
}
