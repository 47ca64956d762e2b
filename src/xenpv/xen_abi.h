/* Xen's public ABI as Debian's libxen-dev ships it (/usr/include/xen),
 * included in one place: the headers expect <stdint.h> first.  gamut
 * implements the hypervisor side of this interface for PV guests
 * (docs/xen-pv.md). */
#ifndef GAMUT_XEN_XEN_ABI_H
#define GAMUT_XEN_XEN_ABI_H

#include <stdint.h>

/* The interface version gamut implements.  Without it the headers fall
 * back to the oldest one, which lacks vcpu_time_info.flags, grant-table
 * versions and today's CALLBACKTYPE numbers. */
#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#endif

#include <xen/xen.h>
#include <xen/callback.h>
#include <xen/elfnote.h>
#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/features.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/physdev.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

#define XEN_PAGE_SHIFT 12
#define XEN_PAGE_SIZE  (1ull << XEN_PAGE_SHIFT)

/* The hypervisor's part of every 64-bit PV address space: L4 slots 256 to
 * 271 (HYPERVISOR_VIRT_START to HYPERVISOR_VIRT_END).  A guest cannot put
 * its own entries there; gamut fills them in every L4 table it validates. */
#define XEN_HV_L4_FIRST 256
#define XEN_HV_L4_COUNT 16

#endif
