/* A hostile 64-bit Xen PV kernel: it attacks the hypervisor ABI that gamut
 * serves (docs/xen-pv.md) with the hypercalls and shared rings a broken or
 * malicious PV kernel could use, and checks each answer against the error
 * code Xen's public headers document for it (xen/xen.h, xen/errno.h).
 *
 * The scenario is the command line (start_info->cmd_line).  Scenarios that
 * expect refusals print "ok NAME rc=N" for each answer that is the expected
 * one and "FAIL NAME rc=N want=M" otherwise, make a good call after every
 * refusal (to show gamut's state is intact), and power off; the rest do one
 * thing gamut must stop the guest for.  tests/integration/xen_pv_hostile.sh
 * runs them.
 *
 * Hypercalls follow Xen's 64-bit PV convention: `syscall` from guest kernel
 * mode, number in RAX, arguments in RDI, RSI, RDX, R10, R8, result in RAX,
 * RCX and R11 clobbered. */
#include <stddef.h>
#include <stdint.h>

#define __XEN_INTERFACE_VERSION__ 0x00040e00
#include <xen/xen.h>
#include <xen/callback.h>
#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

#define VIRT_BASE 0xffffffff80000000ull
#define PAGE	  4096ull
#define PTE_P	  0x1ull
#define PTE_RW	  0x2ull
#define PTE_US	  0x4ull
#define PTE_PCD	  0x10ull
#define PTE_PS	  0x80ull
#define PTE_ADDR  0x000ffffffffff000ull

/* A canonical kernel address the boot tables leave unmapped (the builder
 * maps a few MiB from VIRT_BASE up). */
#define UNMAPPED_VA 0xffffffffa0000000ull
/* The hypervisor's part of the address space (xen/arch-x86/xen-x86_64.h). */
#define HV_VA	    0xffff800000001000ull

/* The compiler may call these for struct copies and initialisers. */
void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;

	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

static size_t slen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int seq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static long hcall(long nr, long a1, long a2, long a3, long a4, long a5)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;

	__asm__ volatile("syscall"
			 : "+a"(nr), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			 :
			 : "rcx", "r11", "memory");
	return nr;
}

#define HC2(n, a, b)	    hcall(__HYPERVISOR_##n, (long)(a), (long)(b), 0, 0, 0)
#define HC3(n, a, b, c)	    hcall(__HYPERVISOR_##n, (long)(a), (long)(b), (long)(c), 0, 0)
#define HC4(n, a, b, c, d)  hcall(__HYPERVISOR_##n, (long)(a), (long)(b), (long)(c), (long)(d), 0)

static void write(const char *s, size_t n)
{
	HC3(console_io, CONSOLEIO_write, n, s);
}

static void puts_(const char *s)
{
	write(s, slen(s));
}

static char *fmt_dec(char *p, long v)
{
	char tmp[24];
	int n = 0;
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;

	if (v < 0)
		*p++ = '-';
	do
		tmp[n++] = (char)('0' + u % 10);
	while (u /= 10);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static void poweroff(void)
{
	struct sched_shutdown s = { .reason = SHUTDOWN_poweroff };

	HC2(sched_op, SCHEDOP_shutdown, &s);
	for (;;)
		;
}

/* Shared with head.S: the entry points it calls, its #DB handler and the
 * count that handler keeps. */
void guest_main(start_info_t *start);
void user_back(int faulted);
extern void db_entry(void);
unsigned long db_count;

static int failures;
static start_info_t *si;

/* After every refusal: a good call must still work (xen_version answers
 * the version gamut reports, and the console write itself). */
static void alive(void)
{
	if (HC2(xen_version, XENVER_version, 0) != (4 << 16 | 17)) {
		puts_("FAIL xen_version after a refusal\n");
		failures++;
	}
}

static void expect(const char *name, long rc, long want)
{
	char line[128], *p = line;
	const char *tag = rc == want ? "ok " : "FAIL ";

	for (const char *t = tag; *t; t++)
		*p++ = *t;
	for (const char *t = name; *t; t++)
		*p++ = *t;
	for (const char *t = " rc="; *t; t++)
		*p++ = *t;
	p = fmt_dec(p, rc);
	if (rc != want) {
		for (const char *t = " want="; *t; t++)
			*p++ = *t;
		p = fmt_dec(p, want);
		failures++;
	}
	*p++ = '\n';
	write(line, (size_t)(p - line));
	alive();
}

static void check(const char *name, int cond)
{
	expect(name, cond ? 0 : 1, 0);
}

/* Guest frames are mapped at VIRT_BASE + pfn * 4 KiB by the builder, and
 * machine frame == pseudo-physical frame here. */
static uint64_t *va_of(uint64_t mfn)
{
	return (uint64_t *)(VIRT_BASE + mfn * PAGE);
}

static uint64_t mfn_of(const volatile void *va)
{
	return ((uint64_t)va - VIRT_BASE) / PAGE;
}

static uint64_t l4_mfn(void)
{
	return mfn_of((void *)si->pt_base);
}

/* The machine address of the L1 entry that maps `va` (through the boot
 * tables, which the guest may read). */
static uint64_t l1e_ma(uint64_t va)
{
	uint64_t mfn = l4_mfn();

	for (int level = 4; level > 1; level--) {
		uint64_t e = va_of(mfn)[(va >> (12 + 9 * (level - 1))) & 511];

		mfn = (e & PTE_ADDR) >> 12;
	}
	return mfn * PAGE + ((va >> 12) & 511) * 8;
}

static uint64_t read_ma(uint64_t ma)
{
	return *(volatile uint64_t *)((uint64_t)va_of(ma / PAGE) + ma % PAGE);
}

static long mmu_update1(uint64_t ptr, uint64_t val)
{
	mmu_update_t u = { .ptr = ptr, .val = val };

	return HC4(mmu_update, &u, 1, 0, DOMID_SELF);
}

static long mmuext1(unsigned cmd, uint64_t mfn)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.mfn = mfn;
	return HC4(mmuext_op, &op, 1, 0, DOMID_SELF);
}

static long evtchn(int cmd, void *arg)
{
	return HC2(event_channel_op, cmd, arg);
}

static volatile uint8_t scratch[PAGE] __attribute__((aligned(4096)));
static uint64_t gdt_page[512] __attribute__((aligned(4096)));

static void mm_scenarios(void)
{
	uint64_t sva = (uint64_t)scratch, l1e = l1e_ma(sva), before = read_ma(l1e);
	uint64_t foreign = si->nr_pages + 40, l4 = l4_mfn();

	/* A frame above the guest's own (gamut's frames): Xen answers -EPERM
	 * for an L1 entry naming memory the domain has no right to. */
	expect("mmu_foreign_rw", mmu_update1(l1e, foreign << 12 | PTE_P | PTE_RW), -XEN_EPERM);
	expect("mmu_foreign_ro", mmu_update1(l1e, foreign << 12 | PTE_P), -XEN_EPERM);
	expect("mmu_huge_frame", mmu_update1(l1e, PTE_ADDR | PTE_P), -XEN_EPERM);
	check("mmu_foreign_unmapped", read_ma(l1e) == before);
	scratch[0] = 0x5a;
	check("mmu_scratch_intact", scratch[0] == 0x5a);

	/* A writable mapping of a page table in use (the L4): -EBUSY. */
	expect("mmu_l4_writable", mmu_update1(l1e, l4 << 12 | PTE_P | PTE_RW), -XEN_EBUSY);
	check("mmu_l4_unmapped", read_ma(l1e) == before);
	/* Read-only is allowed (Linux maps its tables so); then put it back. */
	expect("mmu_l4_readonly", mmu_update1(l1e, l4 << 12 | PTE_P), 0);
	check("mmu_l4_readonly_reads", scratch[0] == (uint8_t)va_of(l4)[0]);
	expect("mmu_restore", mmu_update1(l1e, before), 0);
	check("mmu_restored", scratch[0] == 0x5a);

	/* A plain store into the read-only L1 (the "writable page tables"
	 * assist): done as a validated update when the value is good. */
	*(volatile uint64_t *)((uint64_t)va_of(l1e / PAGE) + l1e % PAGE) = before & ~0x60ull;
	check("ptwr_store_good", (read_ma(l1e) & ~0x60ull) == (before & ~0x60ull));
	check("ptwr_scratch_intact", scratch[0] == 0x5a);

	/* The hypervisor's L4 slots 256..271. */
	expect("mmu_hv_slot256", mmu_update1(l4 * PAGE + 256 * 8, 0), -XEN_EINVAL);
	expect("mmu_hv_slot271", mmu_update1(l4 * PAGE + 271 * 8, va_of(l4)[511]), -XEN_EINVAL);
	expect("mmu_guest_slot300", mmu_update1(l4 * PAGE + 300 * 8, 0), 0);
	/* The low 3 bits of ptr are the command (xen/xen.h): 4 is none; a
	 * batch whose list is unmapped; another domain's tables. */
	expect("mmu_bad_command", mmu_update1(l1e + 4, before), -XEN_ENOSYS);
	expect("mmu_list_unmapped", HC4(mmu_update, UNMAPPED_VA, 1, 0, DOMID_SELF), -XEN_EFAULT);
	expect("mmu_other_domain", HC4(mmu_update, 0, 0, 0, 0), -XEN_EPERM);
	/* The done count is an unsigned int (xen/xen.h): 4 bytes written. */
	{
		mmu_update_t two[2] = { { l4 * PAGE + 300 * 8, 0 }, { l4 * PAGE + 301 * 8, 0 } };
		struct mmuext_op flush = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
		struct { uint32_t done, canary; } d = { 7, 0xcafef00du };

		expect("mmu_done_count", HC4(mmu_update, two, 2, &d.done, DOMID_SELF), 0);
		expect("mmu_done_value", d.done, 2);
		check("mmu_done_canary", d.canary == 0xcafef00du);
		d.done = 7;
		expect("mmuext_done_count", HC4(mmuext_op, &flush, 1, &d.done, DOMID_SELF), 0);
		expect("mmuext_done_value", d.done, 1);
		check("mmuext_done_canary", d.canary == 0xcafef00du);
		/* The count is 32 bits: bit 32 and up are not part of it. */
		expect("mmu_count_upper_bits", HC4(mmu_update, two, 1ull << 32, &d.done, DOMID_SELF), 0);
		expect("mmu_count_upper_bits_done", d.done, 0);
	}

	/* update_va_mapping with cache attributes, PAT/PSE, outside the
	 * guest's half. */
	expect("uva_pcd", HC3(update_va_mapping, sva, before | PTE_PCD, 0), -XEN_EINVAL);
	expect("uva_pse", HC3(update_va_mapping, sva, before | PTE_PS, 0), -XEN_EINVAL);
	expect("uva_hv_range", HC3(update_va_mapping, HV_VA, before, 0), -XEN_EINVAL);
	expect("uva_noncanonical", HC3(update_va_mapping, 0x8000000000000000ull, before, 0), -XEN_EINVAL);
	expect("uva_no_l1", HC3(update_va_mapping, 0x1000, before, 0), -XEN_EINVAL);
	expect("uva_good", HC3(update_va_mapping, sva, before, 0), 0);
	check("uva_scratch_intact", scratch[0] == 0x5a);

	/* Pins of frames that are not the guest's; unpin of a frame that is
	 * not pinned. */
	expect("pin_beyond", mmuext1(MMUEXT_PIN_L1_TABLE, foreign), -XEN_EINVAL);
	expect("pin_huge", mmuext1(MMUEXT_PIN_L4_TABLE, 1ull << 40), -XEN_EINVAL);
	expect("unpin_unpinned", mmuext1(MMUEXT_UNPIN_TABLE, mfn_of(scratch)), -XEN_EINVAL);
	expect("unpin_beyond", mmuext1(MMUEXT_UNPIN_TABLE, foreign), -XEN_EINVAL);
	expect("new_baseptr_beyond", mmuext1(MMUEXT_NEW_BASEPTR, foreign), -XEN_EINVAL);
	expect("mmuext_unknown", mmuext1(1000, 0), -XEN_ENOSYS);
}

/* Frames gamut itself writes into (shared_info, the grant table, the
 * xenstore and console rings, a registered vcpu_info) must never become
 * page tables: Xen holds a writable type reference on each for as long as
 * it (or the backend) writes there, and refuses any other type. */
static void shared_frame_scenarios(void)
{
	uint64_t shinfo = si->shared_info >> 12, store = si->store_mfn;
	uint64_t cons = si->console.domU.mfn, l4 = l4_mfn();
	uint64_t store_va = (uint64_t)va_of(store), cons_va = (uint64_t)va_of(cons);
	uint64_t store_pte = read_ma(l1e_ma(store_va)), cons_pte = read_ma(l1e_ma(cons_va));
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
	xen_pfn_t gframe = 0;
	struct vcpu_register_vcpu_info vi = { .mfn = l4, .offset = 0 };

	expect("pin_shared_info", mmuext1(MMUEXT_PIN_L1_TABLE, shinfo), -XEN_EINVAL);
	set_xen_guest_handle(st.frame_list, &gframe);
	expect("gnttab_setup_one", HC3(grant_table_op, GNTTABOP_setup_table, &st, 1), 0);
	expect("gnttab_setup_one_status", st.status, GNTST_okay);
	expect("pin_gnttab_frame", mmuext1(MMUEXT_PIN_L1_TABLE, gframe), -XEN_EINVAL);
	/* The rings: unmapped first, so that no mapping of ours holds them
	 * writable; the backends' use must still refuse the table type. */
	expect("unmap_store", HC3(update_va_mapping, store_va, 0, 0), 0);
	expect("pin_store_ring", mmuext1(MMUEXT_PIN_L1_TABLE, store), -XEN_EINVAL);
	expect("remap_store", HC3(update_va_mapping, store_va, store_pte, 0), 0);
	expect("unmap_console", HC3(update_va_mapping, cons_va, 0, 0), 0);
	expect("pin_console_ring", mmuext1(MMUEXT_PIN_L1_TABLE, cons), -XEN_EINVAL);
	expect("remap_console", HC3(update_va_mapping, cons_va, cons_pte, 0), 0);
	/* vcpu_info in the L4, a frame beyond the guest's, a bad offset. */
	expect("vcpu_info_in_l4", HC3(vcpu_op, VCPUOP_register_vcpu_info, 0, &vi), -XEN_EINVAL);
	/* A vcpu_info copied there would leave the L4's first slot neither
	 * empty nor a present entry (its event mask byte is 1). */
	check("l4_intact", va_of(l4)[0] == 0 || (va_of(l4)[0] & PTE_P));
	vi.mfn = si->nr_pages + 40;
	expect("vcpu_info_beyond", HC3(vcpu_op, VCPUOP_register_vcpu_info, 0, &vi), -XEN_EINVAL);
	vi.mfn = mfn_of(scratch);
	vi.offset = 4090;
	expect("vcpu_info_offset", HC3(vcpu_op, VCPUOP_register_vcpu_info, 0, &vi), -XEN_EINVAL);
	/* A good registration, then the frame can no longer be a table. */
	vi.offset = 0;
	expect("vcpu_info_good", HC3(vcpu_op, VCPUOP_register_vcpu_info, 0, &vi), 0);
	expect("unmap_vcpu_info", HC3(update_va_mapping, (uint64_t)scratch, 0, 0), 0);
	expect("pin_vcpu_info", mmuext1(MMUEXT_PIN_L1_TABLE, mfn_of(scratch)), -XEN_EINVAL);
}

/* The attack the writable use on a registered vcpu_info stops: gamut
 * copies the old vcpu_info (shared_info's, which the guest writes freely)
 * into the new place.  Put there, at the right offset, inside a live L1
 * table, that copy would be an entry nobody validated: here one mapping a
 * frame of gamut's (above the guest's) writable at `victim`. */
static volatile uint8_t playground[16 * PAGE] __attribute__((aligned(16 * 4096)));

static void escape_scenario(void)
{
	uint64_t shinfo = si->shared_info >> 12, foreign = si->nr_pages + 40;
	uint64_t spare = (uint64_t)&playground[0], victim = (uint64_t)&playground[8 * PAGE];
	uint64_t spare_pte = read_ma(l1e_ma(spare)), victim_ma = l1e_ma(victim);
	uint64_t victim_pte = read_ma(victim_ma);
	volatile uint64_t *vi0 = (volatile uint64_t *)spare;
	/* vcpu_info's arch.cr2 is its third word (xen/arch-x86/xen.h). */
	struct vcpu_register_vcpu_info r = { .mfn = victim_ma >> 12,
					     .offset = (uint32_t)(victim_ma & (PAGE - 1)) - 16 };

	expect("escape_map_shared_info",
	       HC3(update_va_mapping, spare, shinfo << 12 | PTE_P | PTE_RW | PTE_US, 0), 0);
	vi0[2] = foreign << 12 | PTE_P | PTE_RW | PTE_US;
	expect("escape_register", HC3(vcpu_op, VCPUOP_register_vcpu_info, 0, &r), -XEN_EINVAL);
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
	if (read_ma(victim_ma) != victim_pte) {
		char line[96], *p = line;

		for (const char *t = "FAIL escape: gamut frame "; *t; t++)
			*p++ = *t;
		p = fmt_dec(p, (long)foreign);
		for (const char *t = " mapped writable, first word "; *t; t++)
			*p++ = *t;
		p = fmt_dec(p, (long)*(volatile uint64_t *)victim);
		*p++ = '\n';
		write(line, (size_t)(p - line));
		failures++;
	}
	check("escape_victim_intact", read_ma(victim_ma) == victim_pte);
	expect("escape_unmap_shared_info", HC3(update_va_mapping, spare, spare_pte, 0), 0);
}

static void cpu_scenarios(void)
{
	uint64_t l4 = l4_mfn();
	xen_pfn_t frame = mfn_of(gdt_page);
	/* A flat 64-bit data descriptor (Intel SDM vol. 3, 3.4.5). */
	const uint64_t data = 0x00cf93000000ffffull;

	expect("trap_table_unmapped", HC2(set_trap_table, UNMAPPED_VA, 0), -XEN_EFAULT);
	expect("trap_table_hv", HC2(set_trap_table, HV_VA, 0), -XEN_EFAULT);
	expect("trap_table_noncanonical", HC2(set_trap_table, 0x8000000000000000ull, 0), -XEN_EFAULT);

	/* A call gate (type 0xc, S=0) and a 64-bit TSS (type 9) in entry 1. */
	gdt_page[1] = 0x0000ec0000100000ull;
	expect("gdt_call_gate", HC2(set_gdt, &frame, 2), -XEN_EINVAL);
	gdt_page[1] = 0x0000890000000067ull;
	expect("gdt_tss", HC2(set_gdt, &frame, 2), -XEN_EINVAL);
	gdt_page[1] = data;
	expect("gdt_too_many", HC2(set_gdt, &frame, 14 * 512 + 1), -XEN_EINVAL);
	expect("gdt_huge", HC2(set_gdt, &frame, -1L), -XEN_EINVAL);
	frame = si->nr_pages + 40;
	expect("gdt_frame_beyond", HC2(set_gdt, &frame, 2), -XEN_EINVAL);
	frame = l4;
	expect("gdt_frame_l4", HC2(set_gdt, &frame, 2), -XEN_EINVAL);
	expect("gdt_list_unmapped", HC2(set_gdt, UNMAPPED_VA, 2), -XEN_EFAULT);

	expect("update_descriptor_l4", HC2(update_descriptor, l4 * PAGE + 8, data), -XEN_EINVAL);
	check("update_descriptor_l4_intact", va_of(l4)[1] != data);
	expect("update_descriptor_misaligned", HC2(update_descriptor, mfn_of(gdt_page) * PAGE + 3, data),
	       -XEN_EINVAL);
	expect("update_descriptor_beyond", HC2(update_descriptor, (si->nr_pages + 40) * PAGE, data),
	       -XEN_EINVAL);
	expect("update_descriptor_gate", HC2(update_descriptor, mfn_of(gdt_page) * PAGE + 8,
					     0x0000ec0000100000ull), -XEN_EINVAL);
	expect("update_descriptor_good", HC2(update_descriptor, mfn_of(gdt_page) * PAGE + 16, data), 0);
}

/* "port_N_SUFFIX" in buf. */
static const char *port_name(char *buf, uint32_t port, const char *suffix)
{
	char *p = buf;

	for (const char *t = "port_"; *t; t++)
		*p++ = *t;
	p = fmt_dec(p, port);
	while (*suffix)
		*p++ = *suffix++;
	*p = 0;
	return buf;
}

static void evtchn_scenarios(void)
{
	static const uint32_t bad_ports[] = { 0, 1023, 1024, 4096, 70000, 0xffffffffu };
	char name[32];

	for (unsigned i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++) {
		uint32_t port = bad_ports[i];
		struct evtchn_send s = { .port = port };
		struct evtchn_close c = { .port = port };
		struct evtchn_unmask u = { .port = port };

		/* Port 0 is never bound, 1023 is free here, the rest lie
		 * beyond the 2-level ABI's 1024 ports gamut offers. */
		expect(port_name(name, port, "_send"), evtchn(EVTCHNOP_send, &s), -XEN_EINVAL);
		expect(port_name(name, port, "_close"), evtchn(EVTCHNOP_close, &c), -XEN_EINVAL);
		/* Xen unmasks any port below the domain's limit (port 0
		 * included, a no-op there); beyond it: -EINVAL. */
		if (port >= 1024)
			expect(port_name(name, port, "_unmask"), evtchn(EVTCHNOP_unmask, &u),
			       -XEN_EINVAL);
	}

	struct evtchn_bind_virq bv = { .virq = NR_VIRQS, .vcpu = 0 };

	expect("bind_virq_nr_virqs", evtchn(EVTCHNOP_bind_virq, &bv), -XEN_EINVAL);
	bv.virq = 0xffffffffu;
	expect("bind_virq_huge", evtchn(EVTCHNOP_bind_virq, &bv), -XEN_EINVAL);
	bv.virq = VIRQ_TIMER;
	bv.vcpu = 7;
	expect("bind_virq_bad_vcpu", evtchn(EVTCHNOP_bind_virq, &bv), -XEN_EINVAL);
	bv.vcpu = 0;
	expect("bind_virq_timer", evtchn(EVTCHNOP_bind_virq, &bv), 0);
	check("bind_virq_port", bv.port > 0 && bv.port < 1024);
	expect("bind_virq_again", evtchn(EVTCHNOP_bind_virq, &bv), -XEN_EEXIST);
	expect("evtchn_arg_unmapped", evtchn(EVTCHNOP_send, (void *)UNMAPPED_VA), -XEN_EFAULT);
	expect("evtchn_unknown_op", evtchn(1000, &bv), -XEN_ENOSYS);
}

/* xen_version(XENVER_version) with RSP = rsp during the call. */
static long hcall_with_rsp(uint64_t rsp)
{
	long rax = __HYPERVISOR_xen_version;

	__asm__ volatile("mov %%rsp, %%r12\n\tmov %1, %%rsp\n\tsyscall\n\tmov %%r12, %%rsp"
			 : "+a"(rax)
			 : "r"(rsp), "D"((long)XENVER_version), "S"(0L)
			 : "rcx", "r11", "r12", "memory");
	return rax;
}

static void misc_scenarios(void)
{
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 0xffffffffu };
	xen_pfn_t frames[1];
	struct multicall_entry mc[2];

	set_xen_guest_handle(st.frame_list, frames);
	expect("gnttab_setup_huge", HC3(grant_table_op, GNTTABOP_setup_table, &st, 1), 0);
	expect("gnttab_setup_huge_status", st.status, GNTST_general_error);
	st.nr_frames = 1;
	set_xen_guest_handle(st.frame_list, (xen_pfn_t *)UNMAPPED_VA);
	expect("gnttab_setup_list_unmapped", HC3(grant_table_op, GNTTABOP_setup_table, &st, 1),
	       -XEN_EFAULT);
	expect("gnttab_count_huge", HC3(grant_table_op, GNTTABOP_setup_table, &st, 100000), -XEN_EINVAL);
	expect("gnttab_map_grant", HC3(grant_table_op, GNTTABOP_map_grant_ref, &st, 1), -XEN_ENOSYS);

	expect("hypercall_50", hcall(50, 0, 0, 0, 0, 0), -XEN_ENOSYS);
	expect("hypercall_63", hcall(63, 0, 0, 0, 0, 0), -XEN_ENOSYS);
	expect("hypercall_64", hcall(64, 0, 0, 0, 0, 0), -XEN_ENOSYS);
	expect("hypercall_1000", hcall(1000, 0, 0, 0, 0, 0), -XEN_ENOSYS);
	expect("hypercall_minus1", hcall(-1, 0, 0, 0, 0, 0), -XEN_ENOSYS);

	expect("multicall_100000", HC2(multicall, UNMAPPED_VA, 100000), -XEN_EINVAL);
	expect("multicall_unmapped", HC2(multicall, UNMAPPED_VA, 2), -XEN_EFAULT);
	mc[0] = (struct multicall_entry){ .op = __HYPERVISOR_xen_version, .args = { XENVER_version } };
	mc[1] = (struct multicall_entry){ .op = __HYPERVISOR_multicall, .args = { (xen_ulong_t)mc, 2 } };
	expect("multicall_good", HC2(multicall, mc, 2), 0);
	expect("multicall_entry0", (long)mc[0].result, 4 << 16 | 17);
	expect("multicall_nested", (long)mc[1].result, -XEN_EINVAL);
	mc[1] = (struct multicall_entry){ .op = 1000 };
	expect("multicall_unknown", HC2(multicall, mc, 2), 0);
	expect("multicall_unknown_entry", (long)mc[1].result, -XEN_ENOSYS);
	mc[1] = (struct multicall_entry){ .op = __HYPERVISOR_iret };
	expect("multicall_iret", HC2(multicall, mc, 2), 0);
	expect("multicall_iret_entry", (long)mc[1].result, -XEN_EINVAL);

	/* SYSCALL leaves RSP alone: gamut's entry must not use the guest's
	 * stack, whatever it holds. */
	expect("hypercall_rsp_noncanonical", hcall_with_rsp(0xdead00000000beefull), 4 << 16 | 17);
	expect("hypercall_rsp_hv", hcall_with_rsp(HV_VA), 4 << 16 | 17);
	expect("hypercall_rsp_zero", hcall_with_rsp(0), 4 << 16 | 17);

	expect("console_io_unmapped", HC3(console_io, CONSOLEIO_write, 16, UNMAPPED_VA), -XEN_EFAULT);
	expect("console_io_unknown", HC3(console_io, 77, 16, UNMAPPED_VA), -XEN_ENOSYS);
	expect("sched_op_unknown", HC2(sched_op, 1000, 0), -XEN_EINVAL);
	expect("shutdown_unmapped", HC2(sched_op, SCHEDOP_shutdown, UNMAPPED_VA), -XEN_EFAULT);
	expect("vcpu_op_vcpu_huge", HC3(vcpu_op, VCPUOP_is_up, 1000, 0), -XEN_EINVAL);

	/* SCHEDOP_poll: more than 128 ports, a port list that is not
	 * mapped, and a timeout already past (returns at once). */
	struct sched_poll poll = { .nr_ports = 129 };
	evtchn_port_t port = 1023;

	set_xen_guest_handle(poll.ports, &port);
	expect("poll_too_many", HC2(sched_op, SCHEDOP_poll, &poll), -XEN_EINVAL);
	poll.nr_ports = 4;
	set_xen_guest_handle(poll.ports, (evtchn_port_t *)UNMAPPED_VA);
	expect("poll_list_unmapped", HC2(sched_op, SCHEDOP_poll, &poll), -XEN_EFAULT);
	poll.nr_ports = 1;
	poll.timeout = 1;
	set_xen_guest_handle(poll.ports, &port);
	expect("poll_past_timeout", HC2(sched_op, SCHEDOP_poll, &poll), 0);

	expect("vm_assist_type31", HC2(vm_assist, VMASST_CMD_enable, 31), -XEN_EINVAL);
	expect("vm_assist_type_huge", HC2(vm_assist, VMASST_CMD_enable, 1L << 40), -XEN_EINVAL);
	expect("new_baseptr_zero", mmuext1(MMUEXT_NEW_BASEPTR, 0), -XEN_EINVAL);
	expect("xen_version_unmapped", HC2(xen_version, XENVER_extraversion, UNMAPPED_VA), -XEN_EFAULT);
	expect("xen_version_unknown", HC2(xen_version, 1000, 0), -XEN_ENOSYS);

	struct xen_memory_map mm = { .nr_entries = 1 };

	set_xen_guest_handle(mm.buffer, (void *)UNMAPPED_VA);
	expect("memory_map_unmapped", HC2(memory_op, XENMEM_memory_map, &mm), -XEN_EFAULT);
	expect("memory_op_unknown", HC2(memory_op, 63, &mm), -XEN_ENOSYS);
}

/* Garbage in the shared rings, then a notification: gamut's backends must
 * refuse it without stopping (xenstore closes the connection and says so
 * once on stderr), and the console hypercall still works after. */
static void ring_scenarios(int xs_len)
{
	struct xencons_interface *con = (void *)va_of(si->console.domU.mfn);
	struct xenstore_domain_interface *xs = (void *)va_of(si->store_mfn);
	struct evtchn_send cs = { .port = si->console.domU.evtchn };
	struct evtchn_send ss = { .port = si->store_evtchn };
	long rc;

	/* Console: the producer 2^31 bytes ahead of the consumer (gamut
	 * prints the last ring's worth: a line of '#'). */
	for (unsigned i = 0; i < sizeof(con->out); i++)
		con->out[i] = '#';
	con->out_cons = 5;
	con->out_prod = 5 + 0x80000000u;
	rc = evtchn(EVTCHNOP_send, &cs);
	puts_("\n");
	expect("console_ring_garbage", rc, 0);
	con->out_prod = 0xffffffffu;
	con->out_cons = 0x10;
	rc = evtchn(EVTCHNOP_send, &cs);
	puts_("\n");
	expect("console_ring_backwards", rc, 0);

	if (xs_len) {
		/* A request header claiming a 4 GiB payload. */
		struct xsd_sockmsg h = { .type = XS_READ, .req_id = 1, .len = 0xffffffffu };

		memcpy((void *)xs->req, &h, sizeof(h));
		xs->req_cons = 0;
		xs->req_prod = sizeof(h);
	} else {
		xs->req_cons = 0;
		xs->req_prod = 0x80000000u;
		xs->rsp_cons = 0x1234;
		xs->rsp_prod = 0xfffff000u;
	}
	expect("xenstore_ring_garbage", evtchn(EVTCHNOP_send, &ss), 0);
	expect("xenstore_ring_again", evtchn(EVTCHNOP_send, &ss), 0);
}

/* With --cpus 2 a second vCPU exists but is never brought up (VCPUOP_up
 * without VCPUOP_initialise is refused, as Xen refuses it): its event
 * channels, timer and vcpu_info must still be safe to use. */
static void vcpu1_scenario(void)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 1 };
	struct evtchn_unmask um;
	struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = 1 };
	struct vcpu_register_vcpu_info vi = { .mfn = mfn_of(scratch), .offset = 64 };
	struct sched_poll poll = { .nr_ports = 1, .timeout = 0 };
	evtchn_port_t port;

	expect("vcpu1_is_up", HC3(vcpu_op, VCPUOP_is_up, 1, 0), 0);
	expect("vcpu1_up", HC3(vcpu_op, VCPUOP_up, 1, 0), -XEN_EINVAL);
	expect("vcpu1_bind_timer", evtchn(EVTCHNOP_bind_virq, &bv), 0);
	um.port = port = bv.port;
	expect("vcpu1_unmask", evtchn(EVTCHNOP_unmask, &um), 0);
	expect("vcpu1_register_vcpu_info", HC3(vcpu_op, VCPUOP_register_vcpu_info, 1, &vi), 0);
	expect("vcpu1_timer", HC3(vcpu_op, VCPUOP_set_singleshot_timer, 1, &t), 0);
	/* The timer fires at once for a vCPU that is not running; wait for
	 * its port (the poll returns when it is pending). */
	set_xen_guest_handle(poll.ports, &port);
	expect("vcpu1_poll", HC2(sched_op, SCHEDOP_poll, &poll), 0);
	expect("vcpu1_vcpu2", HC3(vcpu_op, VCPUOP_is_up, 2, 0), -XEN_ENOENT);
}

/* One hypercall asking for work without end: 512 GiB of virtual space,
 * built from four frames (an L3 whose 512 entries all name one L2, whose
 * entries all name one L1, whose entries all map one read-only page of
 * M2P updates), handed to mmu_update as a list of 2^31 - 1 entries.  Xen
 * preempts such a batch; gamut must at least notice a stop (the console's
 * Ctrl-A x) while it runs it. */
static uint64_t long_l3[512] __attribute__((aligned(4096)));
static uint64_t long_l2[512] __attribute__((aligned(4096)));
static uint64_t long_l1[512] __attribute__((aligned(4096)));
static mmu_update_t long_list[256] __attribute__((aligned(4096)));
static char long_text[520 * 1024];

static void long_scenario(void)
{
	uint64_t l4 = l4_mfn(), slot = 300, base = 0xffff000000000000ull | slot << 39;
	uint64_t data = mfn_of(long_list);

	for (unsigned i = 0; i < 256; i++) {
		long_list[i].ptr = data << 12 | MMU_MACHPHYS_UPDATE;
		long_list[i].val = data;
	}
	for (unsigned i = 0; i < 512; i++) {
		long_l1[i] = data << 12 | PTE_P;
		long_l2[i] = mfn_of(long_l1) << 12 | PTE_P | PTE_RW;
		long_l3[i] = mfn_of(long_l2) << 12 | PTE_P | PTE_RW;
	}
	/* Tables may not be mapped writable: drop the boot mappings. */
	expect("long_unmap_l1", HC3(update_va_mapping, (uint64_t)long_l1, 0, 0), 0);
	expect("long_unmap_l2", HC3(update_va_mapping, (uint64_t)long_l2, 0, 0), 0);
	expect("long_unmap_l3", HC3(update_va_mapping, (uint64_t)long_l3, 0, 0), 0);
	expect("long_map_512g", mmu_update1(l4 * PAGE + slot * 8, mfn_of(long_l3) << 12 | PTE_P | PTE_RW), 0);
	check("long_alias", ((volatile mmu_update_t *)(base + (77ull << 30)))[3].val == data);
	/* Batches longer than gamut's preemption batch (1024): continued,
	 * the done count carried over; and inside a multicall, where there
	 * is no continuation. */
	struct { uint32_t done, canary; } d = { 0, 0xcafef00du };
	struct multicall_entry mc[1] = { { .op = __HYPERVISOR_mmu_update,
					   .args = { base, 3000, (xen_ulong_t)&d.done, DOMID_SELF } } };

	expect("long_batch_3000", HC4(mmu_update, base, 3000, &d.done, DOMID_SELF), 0);
	expect("long_batch_done", d.done, 3000);
	check("long_batch_canary", d.canary == 0xcafef00du);
	d.done = 0;
	expect("long_multicall", HC2(multicall, mc, 1), 0);
	expect("long_multicall_entry", (long)mc[0].result, 0);
	expect("long_multicall_done", d.done, 3000);
	/* A console write longer than the preemption batch (512 KiB). */
	for (unsigned i = 0; i < sizeof(long_text); i++)
		long_text[i] = i % 128 == 127 ? '\n' : '.';
	expect("long_console", HC3(console_io, CONSOLEIO_write, sizeof(long_text), long_text), 0);

	puts_("long: calling\n");
	HC4(mmu_update, base, 0x7fffffff, 0, DOMID_SELF);
	puts_("FAIL long: the call returned\n");
	failures++;
}

/* HYPERVISOR_iret with struct iret_context at RSP: never returns here
 * (it leaves for the context, or gamut stops the guest: one line, exit
 * status 1), so the stack switch need not be undone. */
static void iret_with_stack(uint64_t rsp)
{
	__asm__ volatile("mov %0, %%rsp\n\tsyscall" : : "r"(rsp), "a"((long)__HYPERVISOR_iret)
			 : "rcx", "r11", "memory");
}

/* Guest user space (CPL 3 like its kernel, told apart by gamut's mode)
 * must not get the emulation of privileged instructions that the guest
 * kernel gets: Xen bounces them to the kernel's #GP handler.  Each step
 * (head.S, user_steps) runs one such instruction, then `syscall`s back;
 * user_back learns which way it came back.  A user `cli` that worked would
 * mask the kernel's events, a user WRMSR of KERNEL_GS_BASE would set the
 * GS base the kernel gets on its next entry. */
extern const uint8_t user_steps[], kstack_top[], ustack_top[];
extern void gp_entry(void), user_syscall_entry(void);
static const char *const user_names[] = {
	"user_cli_gp", "user_wrmsr_gp", "user_read_cr3_gp", "user_clts_gp",
	"user_out_gp", "user_in_gp", "user_wbinvd_gp", "user_nop_returns",
};
static unsigned user_step;

static void run_user_step(void)
{
	/* struct iret_context: rax r11 rcx flags rip cs rflags rsp ss; events
	 * stay masked in user mode (RFLAGS.IF clear). */
	static uint64_t ctx[9];

	ctx[4] = (uint64_t)user_steps + 16 * user_step;
	ctx[5] = FLAT_USER_CS64;
	ctx[6] = 0;
	ctx[7] = (uint64_t)ustack_top;
	ctx[8] = FLAT_USER_SS;
	iret_with_stack((uint64_t)ctx);
}

static void finish(void);

void user_back(int faulted)
{
	unsigned last = sizeof(user_names) / sizeof(user_names[0]) - 1;

	expect(user_names[user_step], faulted, user_step < last);
	if (user_step++ < last)
		run_user_step();
	finish();
}

static void user_scenario(void)
{
	static struct trap_info traps[2] = { { .vector = 13, .cs = FLAT_KERNEL_CS } };
	struct callback_register cb = { .type = CALLBACKTYPE_syscall,
					.flags = CALLBACKF_mask_events };

	traps[0].address = (unsigned long)gp_entry;
	cb.address = (unsigned long)user_syscall_entry;
	expect("user_set_trap_table", HC2(set_trap_table, traps, 0), 0);
	expect("user_syscall_callback", HC2(callback_op, CALLBACKOP_register, &cb), 0);
	expect("user_stack_switch", HC2(stack_switch, FLAT_KERNEL_SS, kstack_top), 0);
	user_step = 0;
	run_user_step();
}

void guest_main(start_info_t *start)
{
	const char *cmd;

	si = start;
	cmd = (const char *)si->cmd_line;
	puts_("xen-hostile: ");
	puts_(cmd);
	puts_("\n");
	if (seq(cmd, "refusals")) {
		mm_scenarios();
		shared_frame_scenarios();
		cpu_scenarios();
		evtchn_scenarios();
		misc_scenarios();
	} else if (seq(cmd, "escape")) {
		escape_scenario();
	} else if (seq(cmd, "user")) {
		user_scenario();
	} else if (seq(cmd, "vcpu1")) {
		vcpu1_scenario();
	} else if (seq(cmd, "spin")) {
		/* The control for "long": guest code that never ends. */
		puts_("spin: spinning\n");
		for (;;)
			__asm__ volatile("" ::: "memory");
	} else if (seq(cmd, "long")) {
		long_scenario();
	} else if (seq(cmd, "rings")) {
		ring_scenarios(0);
	} else if (seq(cmd, "xs_len")) {
		ring_scenarios(1);
	} else if (seq(cmd, "iret_unmapped")) {
		iret_with_stack(UNMAPPED_VA);
	} else if (seq(cmd, "iret_noncanonical")) {
		iret_with_stack(0xdead00000000beefull);
	} else if (seq(cmd, "iret_hv")) {
		iret_with_stack(HV_VA);
	} else if (seq(cmd, "iret_bad_selectors")) {
		/* struct iret_context (xen/arch-x86/xen-x86_64.h): rax,
		 * r11, rcx, flags, rip, cs, rflags, rsp, ss; selectors
		 * that name no descriptor. */
		static uint64_t frame[9] = { [4] = VIRT_BASE + 0x100000, [5] = 0xfff8,
					     [6] = 0x200, [8] = 0xfff0 };

		iret_with_stack((uint64_t)frame);
	} else if (seq(cmd, "ud2")) {
		__asm__ volatile("ud2");
	} else if (seq(cmd, "int80")) {
		/* INT n through a trap table that has no entry for it. */
		__asm__ volatile("int $0x80");
	} else if (seq(cmd, "ptwr_foreign")) {
		/* A store into its own L1 that would map gamut's frame: the
		 * emulation refuses it and the guest gets its page fault. */
		uint64_t l1e = l1e_ma((uint64_t)scratch);

		*(volatile uint64_t *)((uint64_t)va_of(l1e / PAGE) + l1e % PAGE) =
			(si->nr_pages + 40) << 12 | PTE_P | PTE_RW;
	} else if (seq(cmd, "ds_ring0")) {
		/* gamut's ring-0 descriptors (xen_hv.h) in the guest's
		 * selector space: the CPU must refuse each at CPL 3 (#GP
		 * with the selector as error code), whatever RPL says. */
		__asm__ volatile("mov %0, %%ds" : : "r"(0xe013));
	} else if (seq(cmd, "lret_ring0")) {
		__asm__ volatile("pushq $0xe008\n\tpushq $1f\n\tlretq\n1:");
		puts_("FAIL lret to gamut's ring-0 code selector worked\n");
		failures++;
	} else if (seq(cmd, "iretq_ring0")) {
		__asm__ volatile("mov %%rsp, %%rax\n\tpushq $0xe010\n\tpushq %%rax\n\tpushfq\n\t"
				 "pushq $0xe008\n\tpushq $1f\n\tiretq\n1:" : : : "rax", "memory");
		puts_("FAIL iretq to gamut's ring-0 code selector worked\n");
		failures++;
	} else if (seq(cmd, "lcall_tss")) {
		static const struct { uint64_t off; uint16_t sel; } __attribute__((packed))
		far = { 0, 0xe040 };

		__asm__ volatile("rex64 lcall *%0" : : "m"(far));
		puts_("FAIL far call through gamut's TSS worked\n");
		failures++;
	} else if (seq(cmd, "lgdt")) {
		/* Descriptor tables and GS swaps are gamut's: #GP(0) at
		 * CPL 3, and no emulation of them (set_gdt is the way). */
		static const struct { uint16_t lim; uint64_t base; } __attribute__((packed))
		gdtr = { 0xffff, 0 };

		__asm__ volatile("lgdt %0" : : "m"(gdtr));
		puts_("FAIL lgdt worked\n");
		failures++;
	} else if (seq(cmd, "swapgs")) {
		__asm__ volatile("swapgs");
		puts_("FAIL swapgs worked\n");
		failures++;
	} else if (seq(cmd, "m2p_write")) {
		/* The M2P is the guest's to read (xen/arch-x86/xen-x86_64.h),
		 * never to write. */
		volatile uint64_t *m2p = (volatile uint64_t *)MACH2PHYS_VIRT_START;

		if (m2p[1] != 1) {
			puts_("FAIL the M2P does not map frame 1 to 1\n");
			failures++;
		}
		m2p[1] = 7;
	} else if (seq(cmd, "stub_read")) {
		/* gamut's IDT, stub, GDT and stacks (xen_hv.h): supervisor
		 * pages, not the guest's to read. */
		(void)*(volatile uint64_t *)0xffff808000001000ull;
	} else if (seq(cmd, "tf_hypercall")) {
		/* Single-stepping a hypercall (a debugger in the guest):
		 * RFLAGS.TF set across the SYSCALL.  With a #DB handler,
		 * the step ends in the guest's handler, never in gamut. */
		static struct trap_info traps[2] = { { .vector = 1, .cs = FLAT_KERNEL_CS } };
		long rax = __HYPERVISOR_xen_version;

		traps[0].address = (unsigned long)db_entry;
		HC2(set_trap_table, traps, 0);
		__asm__ volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\tsyscall\n\t"
				 "pushfq\n\tandq $~0x100, (%%rsp)\n\tpopfq"
				 : "+a"(rax)
				 : "D"((long)XENVER_version), "S"(0L)
				 : "rcx", "r11", "memory", "cc");
		expect("tf_hypercall", rax, 4 << 16 | 17);
		check("tf_db_seen", db_count > 0);
	} else if (seq(cmd, "page_fault")) {
		*(volatile uint64_t *)UNMAPPED_VA = 1;
	} else if (seq(cmd, "stack_fault")) {
		/* A handler, but no usable kernel stack to bounce onto. */
		static struct trap_info traps[2] = { { .vector = 6, .cs = FLAT_KERNEL_CS } };

		traps[0].address = (unsigned long)guest_main;
		HC2(set_trap_table, traps, 0);
		__asm__ volatile("mov %0, %%rsp\n\tud2" : : "r"(UNMAPPED_VA));
	} else {
		puts_("FAIL unknown scenario\n");
		failures++;
	}
	finish();
}

static void finish(void)
{
	if (failures) {
		/* A crash shutdown: gamut exits 4, which no passing
		 * scenario does. */
		struct sched_shutdown s = { .reason = SHUTDOWN_crash };

		puts_("xen-hostile: FAILED\n");
		HC2(sched_op, SCHEDOP_shutdown, &s);
	}
	puts_("xen-hostile: all ok\n");
	poweroff();
}
