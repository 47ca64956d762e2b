/* Frame types and use counts of the PV memory model (xen_mm.h), after
 * Xen's page type model (the "Memory" part of Xen's x86 design: each page
 * has one type at a time and a count of its uses; the type may change
 * only while the count is zero; a page-table type is "validated" -- its
 * entries checked and their uses taken -- when its count leaves zero and
 * released when it returns there).
 *
 * Depth: validating an L4 validates the L3s it points at, which validate
 * their L2s, which validate their L1s; releasing goes the same way down.
 * An L(n) entry only ever asks for an L(n-1) use and an L1 entry for a
 * "writable" one, so both recursions are at most four calls deep, and no
 * table can be met again inside its own validation (its type is already
 * set, so a second use of another level fails). */
#include "xenpv/xen_mm_priv.h"

#include <stdlib.h>
#include <string.h>

/* 1 TiB of 4 KiB frames: gmem's limit. */
#define MAX_FRAMES ((1ull << 40) >> XEN_PAGE_SHIFT)

int xen_mm_init(struct xen_mm *mm, struct guest_mem *mem, uint64_t nr_frames,
		const uint64_t hv_l4e[16], uint64_t m2p_gpa, struct gerr *err)
{
	uint64_t *m2p;
	uint64_t present = 0;

	memset(mm, 0, sizeof(*mm));
	if (!mem || !hv_l4e)
		return gerr_set(err, "xen memory: no guest memory or hypervisor L4 entries");
	if (nr_frames == 0 || nr_frames > MAX_FRAMES)
		return gerr_set(err, "xen memory: %llu guest frames is not between 1 and %llu",
				(unsigned long long)nr_frames,
				(unsigned long long)MAX_FRAMES);
	/* The M2P is gamut's: above every guest frame, so no guest entry
	 * can map it writable (its read-only view is in hv_l4e). */
	if (m2p_gpa % 8 || m2p_gpa < (nr_frames << XEN_PAGE_SHIFT) ||
	    !gmem_valid(mem, m2p_gpa, nr_frames * 8))
		return gerr_set(err, "xen memory: M2P table at 0x%llx (%llu bytes) is not in gamut's RAM above the guest's %llu frames",
				(unsigned long long)m2p_gpa,
				(unsigned long long)(nr_frames * 8),
				(unsigned long long)nr_frames);
	mm->frame = calloc(nr_frames, sizeof(*mm->frame));
	if (!mm->frame)
		return gerr_set(err, "xen memory: no host memory for %llu frame records",
				(unsigned long long)nr_frames);
	for (uint64_t i = 0; i < nr_frames; i++) {
		mm->frame[i].exists =
			gmem_valid(mem, i << XEN_PAGE_SHIFT, XEN_PAGE_SIZE);
		present += mm->frame[i].exists;
	}
	if (!present) {
		free(mm->frame);
		mm->frame = NULL;
		return gerr_set(err, "xen memory: none of the guest's %llu frames is in guest RAM",
				(unsigned long long)nr_frames);
	}
	m2p = gmem_ptr_w(mem, m2p_gpa, nr_frames * 8);
	for (uint64_t i = 0; i < nr_frames; i++)
		__atomic_store_n(&m2p[i], i, __ATOMIC_RELAXED);
	mm->mem = mem;
	mm->nr_frames = nr_frames;
	memcpy(mm->hv_l4e, hv_l4e, sizeof(mm->hv_l4e));
	mm->m2p_gpa = m2p_gpa;
	pthread_mutex_init(&mm->lock, NULL);
	return 0;
}

void xen_mm_destroy(struct xen_mm *mm)
{
	if (!mm->frame)
		return;
	free(mm->frame);
	pthread_mutex_destroy(&mm->lock);
	memset(mm, 0, sizeof(*mm));
}

/* Undoes the uses entries [0, end) of a table snapshot took. */
static void release_entries(struct xen_mm *mm, unsigned level,
			    const uint64_t *e, unsigned end)
{
	for (unsigned i = 0; i < end; i++)
		if (!xmm_hv_slot(level, i))
			xmm_entry_put(mm, level, e[i]);
}

/* Checks every entry of table `mfn` as level `level` and takes the uses
 * they hold, then stores them as gamut keeps them (and, for an L4, the
 * hypervisor's slots).  Works on a snapshot so that what is checked is
 * exactly what is counted and stored.  Nothing is left changed on failure. */
static int validate(struct xen_mm *mm, uint64_t mfn, unsigned level)
{
	const uint64_t *t = xmm_table(mm, mfn);
	uint64_t snap[XEN_PT_ENTRIES], *w;
	int rc;

	if (!t)
		return -XEN_EINVAL;
	for (unsigned i = 0; i < XEN_PT_ENTRIES; i++)
		snap[i] = __atomic_load_n(&t[i], __ATOMIC_RELAXED);
	for (unsigned i = 0; i < XEN_PT_ENTRIES; i++) {
		if (xmm_hv_slot(level, i))
			continue; /* whatever the guest left there is replaced */
		rc = xmm_entry_get(mm, level, snap[i]);
		if (rc) {
			release_entries(mm, level, snap, i);
			return rc;
		}
	}
	w = xmm_table_w(mm, mfn, 0, XEN_PT_ENTRIES);
	if (!w) {
		release_entries(mm, level, snap, XEN_PT_ENTRIES);
		return -XEN_EINVAL;
	}
	for (unsigned i = 0; i < XEN_PT_ENTRIES; i++) {
		uint64_t v = xmm_hv_slot(level, i) ?
				     mm->hv_l4e[i - XEN_HV_L4_FIRST] :
				     xmm_entry_stored(snap[i]);

		__atomic_store_n(&w[i], v, __ATOMIC_RELAXED);
	}
	return 0;
}

/* The last use of table `mfn` is gone: drop the uses its entries hold.
 * The entries stay as they are (the guest may reuse the frame as
 * anything, contents included). */
static void devalidate(struct xen_mm *mm, uint64_t mfn, unsigned level)
{
	const uint64_t *t = xmm_table(mm, mfn);

	if (!t)
		return;
	for (unsigned i = 0; i < XEN_PT_ENTRIES; i++)
		if (!xmm_hv_slot(level, i))
			xmm_entry_put(mm, level,
				      __atomic_load_n(&t[i], __ATOMIC_RELAXED));
}

int xmm_get(struct xen_mm *mm, uint64_t mfn, enum xen_ftype type)
{
	struct xen_frame *f;
	uint8_t old;
	int rc;

	if (!xmm_owned(mm, mfn) || type == XEN_FT_NONE || type > XEN_FT_WRITABLE)
		return -XEN_EINVAL;
	f = &mm->frame[mfn];
	if (f->count) {
		/* Another type in use, a table still being validated (cannot
		 * happen: see the top of this file), or the count full. */
		if (f->type != type || (xmm_is_table(type) && !f->validated) ||
		    f->count == UINT32_MAX)
			return -XEN_EINVAL;
		f->count++;
		return 0;
	}
	old = f->type;
	f->type = (uint8_t)type;
	f->count = 1;
	f->validated = 0;
	if (xmm_is_table(type)) {
		rc = validate(mm, mfn, type);
		if (rc) {
			f->count = 0;
			f->type = old;
			return rc;
		}
		f->validated = 1;
		mm->validations++;
	}
	/* A new use of another type: a TLB may still hold a writable
	 * translation of the frame, or use it as a table of its old level
	 * (paging-structure caches), from entries since dropped. */
	if (old != XEN_FT_NONE && old != type)
		mm->flush_pending = true;
	return 0;
}

void xmm_put(struct xen_mm *mm, uint64_t mfn, enum xen_ftype type)
{
	struct xen_frame *f;

	if (!xmm_owned(mm, mfn))
		return;
	f = &mm->frame[mfn];
	/* A use that was never taken: refuse to go below zero or to drop a
	 * use of another type (the fuzz target checks that it never happens). */
	if (!f->count || f->type != type)
		return;
	if (--f->count)
		return;
	if (xmm_is_table(type) && f->validated) {
		f->validated = 0;
		devalidate(mm, mfn, type);
	}
}

int xen_mm_pin(struct xen_mm *mm, unsigned level, uint64_t mfn)
{
	int rc;

	if (level < 1 || level > 4)
		return -XEN_EINVAL;
	pthread_mutex_lock(&mm->lock);
	if (!xmm_owned(mm, mfn) || mm->frame[mfn].pinned) {
		rc = -XEN_EINVAL;
	} else {
		rc = xmm_get(mm, mfn, (enum xen_ftype)level);
		if (!rc) {
			mm->frame[mfn].pinned = 1;
			mm->pins++;
		}
	}
	pthread_mutex_unlock(&mm->lock);
	return rc;
}

int xen_mm_unpin(struct xen_mm *mm, uint64_t mfn)
{
	int rc = -XEN_EINVAL;

	pthread_mutex_lock(&mm->lock);
	if (xmm_owned(mm, mfn) && mm->frame[mfn].pinned) {
		mm->frame[mfn].pinned = 0;
		xmm_put(mm, mfn, (enum xen_ftype)mm->frame[mfn].type);
		rc = 0;
	}
	pthread_mutex_unlock(&mm->lock);
	return rc;
}

/* 0 stands for "no base" in *base, so frame 0 can never be one: refused
 * with -XEN_EINVAL (the domain builder must not put an L4 in frame 0). */
int xen_mm_set_base(struct xen_mm *mm, uint64_t *base, uint64_t mfn,
		    bool allow_none)
{
	uint64_t old;
	int rc = 0;

	if (!base)
		return -XEN_EINVAL;
	pthread_mutex_lock(&mm->lock);
	old = *base;
	if (mfn == old && mfn != 0) {
		/* Already the base: nothing to take or drop (as Xen). */
	} else if (mfn == 0) {
		if (!allow_none) {
			rc = -XEN_EINVAL;
		} else {
			*base = 0;
			if (old)
				xmm_put(mm, old, XEN_FT_L4);
		}
	} else {
		rc = xmm_get(mm, mfn, XEN_FT_L4);
		if (!rc) {
			*base = mfn;
			if (old)
				xmm_put(mm, old, XEN_FT_L4);
		}
	}
	pthread_mutex_unlock(&mm->lock);
	return rc;
}

/* Only the type is taken here: the caller checks the descriptors in the
 * frame after a successful get (the frame cannot change while the use is
 * held: no writable mapping of it can exist, and pt_update refuses it). */
int xen_mm_get_segdesc(struct xen_mm *mm, uint64_t mfn)
{
	int rc;

	pthread_mutex_lock(&mm->lock);
	rc = xmm_get(mm, mfn, XEN_FT_SEGDESC);
	pthread_mutex_unlock(&mm->lock);
	return rc;
}

void xen_mm_put_segdesc(struct xen_mm *mm, uint64_t mfn)
{
	pthread_mutex_lock(&mm->lock);
	xmm_put(mm, mfn, XEN_FT_SEGDESC);
	pthread_mutex_unlock(&mm->lock);
}

int xen_mm_get_writable(struct xen_mm *mm, uint64_t mfn)
{
	int rc;

	pthread_mutex_lock(&mm->lock);
	rc = xmm_get(mm, mfn, XEN_FT_WRITABLE);
	pthread_mutex_unlock(&mm->lock);
	return rc;
}

void xen_mm_put_writable(struct xen_mm *mm, uint64_t mfn)
{
	pthread_mutex_lock(&mm->lock);
	xmm_put(mm, mfn, XEN_FT_WRITABLE);
	pthread_mutex_unlock(&mm->lock);
}

bool xen_mm_take_flush(struct xen_mm *mm)
{
	bool v;

	pthread_mutex_lock(&mm->lock);
	v = mm->flush_pending;
	mm->flush_pending = false;
	pthread_mutex_unlock(&mm->lock);
	return v;
}

/* A frame whose count is zero has no type in use: reported as NONE. */
enum xen_ftype xen_mm_type(struct xen_mm *mm, uint64_t mfn, uint32_t *count,
			   bool *pinned)
{
	enum xen_ftype t = XEN_FT_NONE;
	uint32_t c = 0;
	bool p = false;

	pthread_mutex_lock(&mm->lock);
	if (mfn < mm->nr_frames && mm->frame[mfn].count) {
		t = (enum xen_ftype)mm->frame[mfn].type;
		c = mm->frame[mfn].count;
		p = mm->frame[mfn].pinned;
	}
	pthread_mutex_unlock(&mm->lock);
	if (count)
		*count = c;
	if (pinned)
		*pinned = p;
	return t;
}
