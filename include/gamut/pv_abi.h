/* The gamut PV ABI: the one header shared by gamut (src/pv) and PV guests
 * (guest/pv).  docs/pv-abi.md explains every item; this file is the truth
 * about layouts.  Any change to a constant or structure here bumps
 * PV_ABI_VERSION, and gamut refuses images built for another version.
 *
 * Conventions: all structures have fixed-width fields and natural
 * alignment, little-endian, no implicit padding.  Every address is
 * guest-physical unless the comment says otherwise.  Every hypercall's
 * argument block starts with `int64_t ret`: 0 or a positive result on
 * success, -PV_E* on failure. */
#ifndef GAMUT_PV_ABI_H
#define GAMUT_PV_ABI_H

#include <stdint.h>

#define PV_ABI_VERSION 1u

/* ---- the image: ELF notes (name "gamut-pv") ---- */
#define PV_NOTE_NAME	 "gamut-pv"
#define PV_NOTE_ABI	 1u /* desc: struct pv_note_abi */
#define PV_NOTE_MANIFEST 2u /* desc: struct pv_manifest */

struct pv_note_abi {
	uint32_t abi_version; /* PV_ABI_VERSION the image was built for */
	uint32_t flags;	      /* 0 */
};

#define PV_MAX_DEVICES 8
#define PV_NAME_MAX    32 /* including the NUL; [A-Za-z0-9_-]+ */

enum pv_device_type {
	PV_DEV_BLOCK = 1,
	PV_DEV_NET = 2,
};

struct pv_manifest_dev {
	uint32_t type;	/* enum pv_device_type */
	uint32_t flags; /* 0 */
	char name[PV_NAME_MAX];
};

#define PV_MANIFEST_VERSION 1u
struct pv_manifest {
	uint32_t version;    /* PV_MANIFEST_VERSION */
	uint32_t nr_devices; /* <= PV_MAX_DEVICES; dev[] has this many */
	struct pv_manifest_dev dev[PV_MAX_DEVICES];
};

/* ---- memory layout (guest-physical = guest-virtual at entry) ---- */
#define PV_PAGE_SIZE	  4096ull
#define PV_START_INFO_GPA 0x1000ull /* user, read-only */
#define PV_SHARED_GPA	  0x2000ull /* user, read-write: struct pv_shared */
#define PV_SYS_GPA	  0x3000ull /* GDT, TSS, IDT: supervisor */
#define PV_STUB_GPA	  0x4000ull /* ring-0 exception stub code */
#define PV_STACK0_GPA	  0x5000ull /* ring-0 stack (one page) */
#define PV_IMAGE_BASE	  0x100000ull /* lowest guest frame and image address */
#define PV_STACK_SIZE	  0x100000ull /* the initial stack gamut maps */
/* The virtual range the guest may (re)map with PV_HC_MMU. */
#define PV_VA_MIN 0x100000ull
#define PV_VA_MAX 0x800000000000ull /* end of the lower canonical half */

/* Selectors (GDT at PV_SYS_GPA). */
#define PV_SEL_KCODE 0x08
#define PV_SEL_KDATA 0x10
#define PV_SEL_UCODE 0x1b
#define PV_SEL_UDATA 0x23
#define PV_SEL_TSS   0x28

#define PV_START_MAGIC	0x76506d47u /* "GmPv" */
#define PV_CMDLINE_MAX	2048

struct pv_start_info {
	uint32_t magic;	      /* PV_START_MAGIC */
	uint32_t abi_version; /* PV_ABI_VERSION */
	uint64_t ram_bytes;
	uint64_t frames_start, frames_end; /* the guest's own frames */
	uint64_t image_start, image_end;   /* page-rounded */
	uint64_t heap_start, heap_end;	   /* free RAM, mapped RW */
	uint64_t stack_bottom, stack_top;  /* initial stack, mapped RW */
	uint32_t nr_devices;		   /* manifest devices, all attached */
	uint32_t reserved;
	char cmdline[PV_CMDLINE_MAX];	   /* NUL-terminated, may be empty */
};

/* ---- events ---- */
#define PV_EVENT_TIMER	    (1ull << 0)
#define PV_EVENT_DEVICE(d)  (1ull << (8 + (d)))
#define PV_EVENT_ALL	    (~0ull)

struct pv_shared {
	uint64_t pending; /* gamut sets bits atomically; the guest clears them */
};

/* ---- hypercalls: out %eax,%dx with dx = PV_PORT_BASE + nr ---- */
#define PV_PORT_BASE 0x700 /* = LAYOUT_PORT_PV_BASE */
#define PV_PORT_TRAP 31	   /* ring-0 stub only */
#define PV_PORT_COUNT 32

enum pv_hypercall {
	PV_HC_EXIT = 0,
	PV_HC_CONSOLE_WRITE = 1,
	PV_HC_CLOCK = 2,
	PV_HC_TIMER_SET = 3,
	PV_HC_POLL = 4,
	PV_HC_MMU = 5,
	PV_HC_TRAP_SET = 6,
	PV_HC_TRAP_RETURN = 7,
	PV_HC_DEVICE_INFO = 8,
	PV_HC_RING_SETUP = 9,
	PV_HC_RING_NOTIFY = 10,
	PV_HC_COUNT
};

enum pv_errno {
	PV_EINVAL = 1, /* malformed request */
	PV_EFAULT = 2, /* an address outside the guest's frames */
	PV_ENOENT = 3, /* no such device / nothing mapped there */
	PV_EEXIST = 4, /* already mapped */
	PV_EPERM = 5,  /* forbidden: W^X, foreign frame, read-only disk */
	PV_ENOMEM = 6, /* page-table pool exhausted */
	PV_EIO = 7,    /* host I/O error */
	PV_ENOSYS = 8, /* unknown hypercall */
};

struct pv_hc_exit {
	int64_t ret;
	int32_t status; /* gamut exits with status & 0xff */
	uint32_t pad;
};

#define PV_CONSOLE_MAX 65536u
struct pv_hc_console {
	int64_t ret; /* bytes written */
	uint64_t buf;
	uint64_t len;
};

struct pv_hc_clock {
	int64_t ret;
	uint64_t monotonic_ns;
	uint64_t wall_ns; /* since the Unix epoch */
};

struct pv_hc_timer {
	int64_t ret;
	uint64_t deadline_ns; /* monotonic; 0 cancels */
};

#define PV_DEADLINE_NEVER (~0ull)
struct pv_hc_poll {
	int64_t ret;
	uint64_t deadline_ns; /* monotonic; PV_DEADLINE_NEVER: no deadline */
	uint64_t mask;	      /* events to wait for */
	uint64_t pending;     /* out: events in mask that were pending, now cleared */
};

enum pv_mmu_opcode {
	PV_MMU_MAP = 1,	    /* map npages frames at gpa.. to va.. */
	PV_MMU_UNMAP = 2,   /* unmap npages at va.. */
	PV_MMU_PROTECT = 3, /* change the flags of npages mapped at va.. */
};
#define PV_MMU_W      (1u << 0) /* writable */
#define PV_MMU_X      (1u << 1) /* executable */
#define PV_MMU_WX_OK  (1u << 2) /* allow W and X together (W^X waiver) */
#define PV_MMU_BATCH_MAX  1024u
#define PV_MMU_NPAGES_MAX 262144u /* 1 GiB per op */

struct pv_mmu_op {
	uint32_t op;	/* enum pv_mmu_opcode */
	uint32_t flags; /* PV_MMU_* */
	uint64_t va;	/* page-aligned, in [PV_VA_MIN, PV_VA_MAX) */
	uint64_t gpa;	/* MAP: first frame, page-aligned, guest frames only */
	uint64_t npages;
};

struct pv_hc_mmu {
	int64_t ret;
	uint64_t ops;	/* array of struct pv_mmu_op */
	uint32_t count; /* <= PV_MMU_BATCH_MAX */
	uint32_t done;	/* out: ops applied before the first failure */
};

#define PV_TRAP_NEST_MAX 4
struct pv_hc_trap_set {
	int64_t ret;
	uint64_t entry;	  /* guest-virtual handler address; 0 removes */
	uint64_t vectors; /* bit v: the guest handles exception vector v (0-31) */
};

/* Written on the guest stack for a bounced exception; PV_HC_TRAP_RETURN
 * takes its guest-physical address and resumes the state in it. */
struct pv_trap_frame {
	uint64_t vector;
	uint64_t error_code;
	uint64_t cr2;	  /* the faulting address for #PF (14) */
	uint64_t depth;	  /* nesting level, 1 for a first fault */
	uint64_t gpr[16]; /* rax rcx rdx rbx rsp rbp rsi rdi r8 .. r15 */
	uint64_t rip;
	uint64_t rflags;
};
/* RFLAGS bits a trap return may set: CF PF AF ZF SF DF OF AC. */
#define PV_RFLAGS_USER 0x40cd5ull
#define PV_RFLAGS_FIXED 0x3202ull /* IOPL 3, IF, bit 1 */

#define PV_DEVF_READONLY (1u << 0)
#define PV_SECTOR_SIZE	 512u
struct pv_hc_device_info {
	int64_t ret;
	uint32_t index; /* in: manifest order */
	uint32_t type;	/* out: enum pv_device_type */
	uint32_t flags; /* out: PV_DEVF_* */
	uint32_t sector_size;
	uint64_t capacity; /* block: sectors */
	uint8_t mac[6];	   /* net */
	uint16_t mtu;	   /* net */
	uint32_t pad;
	char name[PV_NAME_MAX];
};

/* ---- rings ---- */
#define PV_RING_ORDER_MAX 10
#define PV_RING_SLOT_SIZE 64

enum pv_blk_op { PV_BLK_READ = 1, PV_BLK_WRITE = 2, PV_BLK_FLUSH = 3 };
#define PV_BLK_MAX_LEN (4u << 20)

struct pv_blk_req {
	uint64_t id; /* echoed in the response */
	uint32_t op; /* enum pv_blk_op */
	uint32_t len; /* bytes, multiple of PV_SECTOR_SIZE */
	uint64_t sector;
	uint64_t buf;
};

struct pv_blk_rsp {
	uint64_t id;
	int32_t status; /* 0 or -PV_E* */
	uint32_t len;	/* bytes done */
};

struct pv_net_req {
	uint64_t id;
	uint64_t buf;
	uint32_t len; /* tx: frame length; rx: buffer size */
	uint32_t flags;
};

struct pv_net_rsp {
	uint64_t id;
	int32_t status;
	uint32_t len; /* rx: frame length */
};

union pv_ring_slot {
	struct pv_blk_req blk_req;
	struct pv_blk_rsp blk_rsp;
	struct pv_net_req net_req;
	struct pv_net_rsp net_rsp;
	uint8_t raw[PV_RING_SLOT_SIZE];
};

/* Indices are free-running uint32_t; slot = index & ((1 << order) - 1). */
struct pv_ring {
	uint32_t req_prod;  /* guest */
	uint32_t req_event; /* gamut: notify when req_prod passes this */
	uint32_t rsp_prod;  /* gamut */
	uint32_t rsp_event; /* guest: raise the event when rsp_prod passes this */
	uint8_t pad[48];
	union pv_ring_slot slot[];
};
#define PV_RING_BYTES(order) (64u + ((uint32_t)PV_RING_SLOT_SIZE << (order)))

#define PV_QUEUE_BLK  0
#define PV_QUEUE_TX   0
#define PV_QUEUE_RX   1

struct pv_hc_ring_setup {
	int64_t ret;
	uint32_t device;
	uint32_t queue;
	uint64_t ring;	/* page-aligned */
	uint32_t order; /* 1 << order slots */
	uint32_t pad;
};

struct pv_hc_ring_notify {
	int64_t ret;
	uint32_t device;
	uint32_t queue;
};

/* The suppression test with free-running indices: true when a producer
 * that moved its index from old_idx to new_idx reached `event`, i.e. event
 * lies in (old_idx, new_idx].  A consumer that wants to hear about the next
 * item sets event = its consumer index + 1. */
static inline int pv_ring_need_event(uint32_t event, uint32_t new_idx,
				     uint32_t old_idx)
{
	return (uint32_t)(new_idx - event) < (uint32_t)(new_idx - old_idx);
}

#endif
