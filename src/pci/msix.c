/* MSI-X table, pending bits and delivery (see msix.h). */
#include "pci/msix.h"

#include <string.h>

#include "core/vm.h"
#include "pci/pci.h"

static uint16_t msix_ctrl(const struct pci_msix *m)
{
	return pci_cfg_get16(m->dev, m->cap + 2);
}

bool pci_msix_enabled(const struct pci_dev *d)
{
	return d->msix && (msix_ctrl(d->msix) & PCI_MSIX_CTRL_ENABLE);
}

static bool msix_masked(const struct pci_msix *m, unsigned vec)
{
	return (msix_ctrl(m) & PCI_MSIX_CTRL_MASKALL) || (m->entry[vec].ctrl & 1);
}

/* Sends every pending vector that is no longer masked; lock held. */
static void msix_flush_pending(struct pci_msix *m)
{
	if (!(msix_ctrl(m) & PCI_MSIX_CTRL_ENABLE))
		return;
	for (unsigned v = 0; v < m->nvec; v++) {
		if (!(m->pending & (1ull << v)) || msix_masked(m, v))
			continue;
		m->pending &= ~(1ull << v);
		vm_msi(m->dev->bus->vm, m->entry[v].addr, m->entry[v].data);
	}
}

bool pci_msix_notify(struct pci_dev *d, unsigned vec)
{
	struct pci_msix *m = d->msix;

	if (!m || vec >= m->nvec || !pci_msix_enabled(d))
		return false;
	pthread_mutex_lock(&m->lock);
	if (msix_masked(m, vec)) {
		m->pending |= 1ull << vec;
	} else {
		uint64_t a = m->entry[vec].addr;
		uint32_t data = m->entry[vec].data;

		pthread_mutex_unlock(&m->lock);
		vm_msi(d->bus->vm, a, data);
		return true;
	}
	pthread_mutex_unlock(&m->lock);
	return true;
}

static void msix_table_write(struct pci_msix *m, uint64_t off, uint64_t v,
			     unsigned len)
{
	unsigned vec = (unsigned)(off / PCI_MSIX_ENTRY_SIZE);
	unsigned field = (unsigned)(off % PCI_MSIX_ENTRY_SIZE);
	struct pci_msix_entry *e = &m->entry[vec];

	if (len == 8 && field == 0) {
		e->addr = v;
		return;
	}
	if (len == 8 && field == 8) {
		e->data = (uint32_t)v;
		e->ctrl = (uint32_t)(v >> 32) & 1;
		msix_flush_pending(m);
		return;
	}
	if (len != 4)
		return; /* the spec allows only dword and qword accesses */
	switch (field) {
	case 0:
		e->addr = (e->addr & ~0xffffffffull) | (uint32_t)v;
		break;
	case 4:
		e->addr = (e->addr & 0xffffffffull) | v << 32;
		break;
	case 8:
		e->data = (uint32_t)v;
		break;
	default:
		e->ctrl = (uint32_t)v & 1;
		msix_flush_pending(m);
		break;
	}
}

static uint64_t msix_table_read(struct pci_msix *m, uint64_t off, unsigned len)
{
	const struct pci_msix_entry *e = &m->entry[off / PCI_MSIX_ENTRY_SIZE];
	uint8_t raw[16];
	uint64_t v = 0;

	memcpy(raw, &e->addr, 8);
	memcpy(raw + 8, &e->data, 4);
	memcpy(raw + 12, &e->ctrl, 4);
	memcpy(&v, raw + off % PCI_MSIX_ENTRY_SIZE, len);
	return v;
}

static void msix_bar_io(void *opaque, uint64_t off, void *data, unsigned len,
			bool is_write, int cpu)
{
	struct pci_msix *m = opaque;
	uint64_t v = 0;
	bool in_table = off < (uint64_t)m->nvec * PCI_MSIX_ENTRY_SIZE &&
			off % PCI_MSIX_ENTRY_SIZE + len <= PCI_MSIX_ENTRY_SIZE;

	(void)cpu;
	pthread_mutex_lock(&m->lock);
	if (is_write) {
		memcpy(&v, data, len);
		if (in_table)
			msix_table_write(m, off, v, len);
	} else {
		if (in_table)
			v = msix_table_read(m, off, len);
		else if (off >= PCI_MSIX_PBA_OFFSET && off + len <= PCI_MSIX_PBA_OFFSET + 8)
			v = m->pending >> (8 * (off - PCI_MSIX_PBA_OFFSET));
		memcpy(data, &v, len);
	}
	pthread_mutex_unlock(&m->lock);
}

int pci_msix_init(struct pci_dev *d, struct pci_msix *m, unsigned nvec,
		  unsigned bar, struct gerr *err)
{
	int cap;

	if (nvec == 0 || nvec > PCI_MSIX_MAX_VECTORS)
		return gerr_set(err, "%s: bad MSI-X vector count %u", d->name, nvec);
	memset(m, 0, sizeof(*m));
	m->dev = d;
	m->nvec = nvec;
	m->bar = bar;
	for (unsigned v = 0; v < nvec; v++)
		m->entry[v].ctrl = 1; /* vectors start masked */
	if (pci_bar_add(d, bar, PCI_BAR_MEM32, PCI_MSIX_BAR_SIZE, msix_bar_io, m,
			err) < 0)
		return -1;
	cap = pci_cap_add(d, PCI_CAP_ID_MSIX, 12, err);
	if (cap < 0)
		return -1;
	m->cap = (unsigned)cap;
	pci_cfg_set16(d, m->cap + 2, (uint16_t)(nvec - 1));
	pci_cfg_set32(d, m->cap + 4, bar);			     /* table */
	pci_cfg_set32(d, m->cap + 8, PCI_MSIX_PBA_OFFSET | bar); /* PBA */
	d->wmask[m->cap + 3] = (PCI_MSIX_CTRL_ENABLE | PCI_MSIX_CTRL_MASKALL) >> 8;
	pthread_mutex_init(&m->lock, NULL);
	d->msix = m;
	return 0;
}

void pci_msix_config_written(struct pci_dev *d, unsigned reg, unsigned len)
{
	struct pci_msix *m = d->msix;

	if (reg > m->cap + 3 || reg + len <= m->cap + 2)
		return;
	pthread_mutex_lock(&m->lock);
	msix_flush_pending(m);
	pthread_mutex_unlock(&m->lock);
}
