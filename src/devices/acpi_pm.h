/* The ACPI power-management registers (device class "acpi-pm"): the
 * hardware-reduced sleep and reset registers on the microvm, the fixed
 * hardware of a PC (PM1a event and control blocks, PM timer, SCI) on the
 * PC.  Ports and values are in core/layout.h; acpi_pm.c says what each
 * register does.
 *
 * The PM timer counts at ACPI_PM_TIMER_HZ from CLOCK_MONOTONIC, unless a
 * test substitutes its own clock (nanoseconds, monotonic) with
 * acpi_pm_set_clock; the counter restarts at 0 when the clock is set. */
#ifndef GAMUT_DEVICES_ACPI_PM_H
#define GAMUT_DEVICES_ACPI_PM_H

#include <stdint.h>

#define ACPI_PM_TIMER_HZ 3579545u

/* PM1 status / enable bits (ACPI 6.3, 4.8.3.1) and control bits (4.8.3.2). */
#define ACPI_PM1_TMR_STS     0x0001
#define ACPI_PM1_GBL_STS     0x0020
#define ACPI_PM1_PWRBTN_STS  0x0100
#define ACPI_PM1_SLPBTN_STS  0x0200
#define ACPI_PM1_RTC_STS     0x0400
#define ACPI_PM1_WAK_STS     0x8000
#define ACPI_PM1_EN_MASK     0x4721 /* TMR, GBL, PWRBTN, SLPBTN, RTC, PCIEXP_WAKE_DIS */
#define ACPI_PM1_SCI_EN	     0x0001
#define ACPI_PM1_BM_RLD	     0x0002
#define ACPI_PM1_GBL_RLS     0x0004
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_EN	     0x2000

typedef uint64_t (*acpi_pm_clock_fn)(void *opaque);

/* `pm` is the instance (device_state(vm, "acpi-pm")); only the PC's has a
 * timer, elsewhere this does nothing. */
void acpi_pm_set_clock(void *pm, acpi_pm_clock_fn now, void *opaque);

#endif
