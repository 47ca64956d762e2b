#include "core/gmem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_2M (2ull << 20)

static void *map_ram(size_t size, bool hugepages, bool *got_huge)
{
	void *p = MAP_FAILED;

	*got_huge = false;
	if (hugepages) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_HUGETLB,
			 -1, 0);
		*got_huge = p != MAP_FAILED;
	}
	if (p == MAP_FAILED) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p != MAP_FAILED && hugepages)
			madvise(p, size, MADV_HUGEPAGE);
	}
	return p == MAP_FAILED ? NULL : p;
}

int gmem_init(struct guest_mem *m, uint64_t ram_bytes, bool hugepages,
	      struct gerr *err)
{
	uint64_t low, high, size;

	memset(m, 0, sizeof(*m));
	if (ram_bytes < (1ull << 20) || ram_bytes % GMEM_PAGE_SIZE)
		return gerr_set(err, "guest memory: %llu bytes is not a whole number of pages of at least 1 MiB",
				(unsigned long long)ram_bytes);
	if (ram_bytes > (1ull << 40))
		return gerr_set(err, "guest memory: %llu MiB is more than the 1 TiB gamut supports",
				(unsigned long long)(ram_bytes >> 20));
	size = hugepages ? (ram_bytes + HUGE_2M - 1) & ~(HUGE_2M - 1) : ram_bytes;
	m->mapping = map_ram(size, hugepages, &m->hugepages);
	if (!m->mapping)
		return gerr_errno(err, errno, "guest memory: cannot map %llu MiB",
				  (unsigned long long)(size >> 20));
	m->mapping_size = size;
	m->ram_size = ram_bytes;
	low = ram_bytes < GMEM_LOW_LIMIT ? ram_bytes : GMEM_LOW_LIMIT;
	high = ram_bytes - low;
	m->region[0] = (struct gmem_region){ 0, low, m->mapping };
	m->nr_regions = 1;
	if (high) {
		m->region[1] = (struct gmem_region){ GMEM_HIGH_BASE, high,
						     (uint8_t *)m->mapping + low };
		m->nr_regions = 2;
	}
	return 0;
}

void gmem_destroy(struct guest_mem *m)
{
	if (m->mapping)
		munmap(m->mapping, m->mapping_size);
	memset(m, 0, sizeof(*m));
}

static const struct gmem_region *find(const struct guest_mem *m, uint64_t gpa,
				      uint64_t len)
{
	for (unsigned i = 0; i < m->nr_regions; i++) {
		const struct gmem_region *r = &m->region[i];

		/* Written so no sum can overflow: gpa - r->gpa only after gpa >= r->gpa. */
		if (gpa < r->gpa)
			continue;
		if (gpa - r->gpa >= r->size)
			continue;
		if (len > r->size - (gpa - r->gpa))
			return NULL;
		return r;
	}
	return NULL;
}

bool gmem_valid(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	return len && find(m, gpa, len);
}

const void *gmem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	const struct gmem_region *r;

	if (!len)
		return NULL;
	r = find(m, gpa, len);
	return r ? r->host + (gpa - r->gpa) : NULL;
}

void *gmem_ptr_w(struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	void *p = (void *)gmem_ptr(m, gpa, len);

	if (p && m->write_hook)
		m->write_hook(m->write_hook_opaque, gpa, len);
	return p;
}

int gmem_read(const struct guest_mem *m, uint64_t gpa, void *dst, size_t len)
{
	const void *p;

	if (!len)
		return 0;
	p = gmem_ptr(m, gpa, len);
	if (!p)
		return -1;
	memcpy(dst, p, len);
	return 0;
}

int gmem_write(struct guest_mem *m, uint64_t gpa, const void *src, size_t len)
{
	void *p;

	if (!len)
		return 0;
	p = gmem_ptr_w(m, gpa, len);
	if (!p)
		return -1;
	memcpy(p, src, len);
	return 0;
}

/* x86 hosts only (checked in the Makefile), so host order is little-endian. */
#define GMEM_SCALAR(bits)                                                      \
	int gmem_read_u##bits(const struct guest_mem *m, uint64_t gpa,        \
			      uint##bits##_t *v)                               \
	{                                                                      \
		return gmem_read(m, gpa, v, sizeof(*v));                       \
	}                                                                      \
	int gmem_write_u##bits(struct guest_mem *m, uint64_t gpa,             \
			       uint##bits##_t v)                               \
	{                                                                      \
		return gmem_write(m, gpa, &v, sizeof(v));                      \
	}
GMEM_SCALAR(16)
GMEM_SCALAR(32)
GMEM_SCALAR(64)
