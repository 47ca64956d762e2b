/* The 8254 programmable interval timer at ports 0x40-0x43, with port 0x61
 * (channel 2 gate, speaker enable, refresh toggle, channel 2 OUT).
 * Device class "pit"; attached only when the CPU backend has no PIT of
 * its own.  Channel 0 drives interrupt line LAYOUT_IRQ_PIT.
 *
 * Counters are computed from a clock at 1.193182 MHz: CLOCK_MONOTONIC,
 * unless a test substitutes its own with pit_set_clock (nanoseconds,
 * monotonic).  Channel 0's interrupts come from a timer on the event
 * loop, which is disarmed whenever channel 0 is stopped or one-shot and
 * expired. */
#ifndef GAMUT_DEVICES_PIT_H
#define GAMUT_DEVICES_PIT_H

#include <stdint.h>

#define PIT_HZ 1193182u

typedef uint64_t (*pit_clock_fn)(void *opaque);

void pit_set_clock(void *pit, pit_clock_fn now, void *opaque);

#endif
