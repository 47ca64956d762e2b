/* The MC146818 CMOS real-time clock and its 128 bytes of CMOS memory at
 * ports 0x70 (index; bit 7 masks NMI) and 0x71 (data).  Device class
 * "rtc", on the PC and microvm platforms; interrupt line LAYOUT_IRQ_RTC.
 *
 * The clock is the host's UTC time (CLOCK_REALTIME) plus the offset the
 * guest set, unless a test substitutes its own with rtc_set_clock
 * (nanoseconds since the Unix epoch).  The CMOS bytes a PC BIOS reads for
 * the memory size are filled in from the VM's RAM size. */
#ifndef GAMUT_DEVICES_RTC_H
#define GAMUT_DEVICES_RTC_H

#include <stdint.h>

typedef uint64_t (*rtc_clock_fn)(void *opaque);

void rtc_set_clock(void *rtc, rtc_clock_fn now, void *opaque);

#endif
