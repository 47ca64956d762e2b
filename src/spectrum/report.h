/* What `gamut spectrum` shows of its measured rows: the table, the JSON
 * document and the SVG chart (their formats are in docs/spectrum.md). */
#ifndef GAMUT_SPECTRUM_REPORT_H
#define GAMUT_SPECTRUM_REPORT_H

#include <stdio.h>

#include "core/err.h"
#include "spectrum/plan.h"

/* How many of a row's largest workload-phase counters the table shows. */
#define REPORT_TOP_COUNTERS 3

void spectrum_table(FILE *f, const struct spectrum *sp);

int spectrum_json(const char *path, const struct spectrum *sp, struct gerr *err);

int spectrum_svg(const char *path, const struct spectrum *sp, struct gerr *err);

/* "1.02s", "35.4ms": a time in milliseconds, its unit chosen by its size. */
void report_fmt_ms(char *buf, size_t n, double ms);

/* The notes of a row: why it did not run, or its counters and noise. */
void report_row_note(const struct spectrum_row *r, char *buf, size_t n);

#endif
