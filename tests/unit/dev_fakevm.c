/* See dev_fakevm.h. */
#include "dev_fakevm.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/device.h"

extern const struct device_class *const __start_gamut_devices[];
extern const struct device_class *const __stop_gamut_devices[];

static int fake_probe(struct gerr *err)
{
	(void)err;
	return 0;
}

static void fake_kick(struct vcpu *v)
{
	((struct fake_vm *)v->vm)->kicks++;
}

static void fake_irq_set(struct vm *vm, unsigned gsi, int level)
{
	struct fake_vm *f = (struct fake_vm *)vm;

	if (gsi >= FAKE_LINES)
		return;
	if (level && !f->line[gsi])
		f->rises[gsi]++;
	f->line[gsi] = level;
}

static void fake_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	struct fake_vm *f = (struct fake_vm *)vm;

	if (f->nmsi < FAKE_MSI_MAX) {
		f->msi_addr[f->nmsi] = addr;
		f->msi_data[f->nmsi] = data;
	}
	f->nmsi++;
}

static const struct cpu_backend fake_backend = {
	.name = "test",
	.probe = fake_probe,
	.vcpu_kick = fake_kick,
	.irq_set = fake_irq_set,
	.msi = fake_msi,
};

struct fake_vm *fake_vm_new(enum platform_kind platform, bool irqchip_in_backend)
{
	struct fake_vm *f = calloc(1, sizeof(*f));
	struct gerr err;

	if (!f)
		return NULL;
	f->mode.name = "test";
	f->mode.platform = platform;
	f->vm.cfg.mode = &f->mode;
	f->vm.cfg.console = CONSOLE_NONE;
	f->vm.cfg.ncpus = 1;
	/* One vCPU, so vm_kick reaches the backend's (counting) kick. */
	f->vm.ncpus = 1;
	f->vm.vcpu[0].vm = &f->vm;
	f->vm.vcpu[0].backend = f;
	f->vm.backend = &fake_backend;
	f->vm.irqchip_in_backend = irqchip_in_backend;
	pthread_mutex_init(&f->vm.stop_lock, NULL);
	bus_init(&f->vm.pio, "pio");
	bus_init(&f->vm.mmio, "mmio");
	if (evloop_init(&f->vm.loop, &err) < 0) {
		free(f);
		return NULL;
	}
	return f;
}

int fake_vm_attach(struct fake_vm *f, const char *cls, void **state)
{
	size_t n = (size_t)(__stop_gamut_devices - __start_gamut_devices);
	struct gerr err;

	for (size_t i = 0; i < n; i++) {
		const struct device_class *c = __start_gamut_devices[i];
		struct vm_device *d;
		void *st = NULL;

		if (strcmp(c->name, cls))
			continue;
		d = realloc(f->vm.devices, (f->vm.nr_devices + 1) * sizeof(*d));
		if (!d)
			return -1;
		f->vm.devices = d;
		if (c->create(&f->vm, &st, &err) < 0)
			return -1;
		d[f->vm.nr_devices++] = (struct vm_device){ c, st };
		if (state)
			*state = st;
		return 0;
	}
	return -1;
}

void fake_vm_free(struct fake_vm *f)
{
	device_destroy_all(&f->vm);
	evloop_destroy(&f->vm.loop);
	bus_destroy(&f->vm.pio);
	bus_destroy(&f->vm.mmio);
	stats_destroy(&f->vm.stats);
	pthread_mutex_destroy(&f->vm.stop_lock);
	free(f);
}

uint32_t fake_in(struct fake_vm *f, uint16_t port, unsigned len)
{
	uint32_t v = 0;

	bus_access(&f->vm.pio, port, &v, len, false, 0);
	return v;
}

void fake_out(struct fake_vm *f, uint16_t port, uint32_t v, unsigned len)
{
	bus_access(&f->vm.pio, port, &v, len, true, 0);
}

uint32_t fake_mmio_read(struct fake_vm *f, uint64_t addr, unsigned len)
{
	uint32_t v = 0;

	bus_access(&f->vm.mmio, addr, &v, len, false, 0);
	return v;
}

void fake_mmio_write(struct fake_vm *f, uint64_t addr, uint32_t v, unsigned len)
{
	bus_access(&f->vm.mmio, addr, &v, len, true, 0);
}

static void fake_quit(void *opaque, uint32_t events)
{
	(void)events;
	evloop_quit(opaque);
}

/* The real evloop_run, bounded by a one-shot timer. */
int fake_vm_run_for(struct fake_vm *f, unsigned ms)
{
	struct gerr err;
	int tfd = evloop_timer_add(&f->vm.loop, fake_quit, &f->vm.loop, &err);
	int ret;

	if (tfd < 0)
		return -1;
	evloop_timer_set(tfd, (uint64_t)ms * 1000000ull, 0);
	ret = evloop_run(&f->vm.loop, &err);
	evloop_del(&f->vm.loop, tfd);
	close(tfd);
	atomic_store(&f->vm.loop.quit, false);
	return ret;
}
