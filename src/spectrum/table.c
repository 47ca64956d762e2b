#include <string.h>

#include "spectrum/report.h"

void report_fmt_ms(char *buf, size_t n, double ms)
{
	if (ms >= 1000)
		snprintf(buf, n, "%.2fs", ms / 1000);
	else if (ms >= 100)
		snprintf(buf, n, "%.0fms", ms);
	else
		snprintf(buf, n, "%.1fms", ms);
}

/* "1.02s 0.99-1.10": median, then the spread in the median's unit. */
static void fmt_spread(char *buf, size_t n, const struct spread *s)
{
	char med[32];

	report_fmt_ms(med, sizeof(med), s->median);
	if (s->median >= 1000)
		snprintf(buf, n, "%s %.2f-%.2f", med, s->min / 1000, s->max / 1000);
	else if (s->median >= 100)
		snprintf(buf, n, "%s %.0f-%.0f", med, s->min, s->max);
	else
		snprintf(buf, n, "%s %.1f-%.1f", med, s->min, s->max);
}

static double spread_pct(const struct spread *s)
{
	return s->median > 0 ? 100 * (s->max - s->min) / s->median : 0;
}

void report_row_note(const struct spectrum_row *r, char *buf, size_t n)
{
	size_t len;

	if (r->status != ROW_OK) {
		snprintf(buf, n, "%s", r->note);
		return;
	}
	buf[0] = '\0';
	if (r->counters)
		counters_note(r->counters, REPORT_TOP_COUNTERS, buf, n);
	len = strlen(buf);
	if ((r->noisy_start || r->noisy_work) && len < n) {
		len += (size_t)snprintf(buf + len, n - len, "%sNOISY:", len ? "; " : "");
		if (r->noisy_work && len < n)
			len += (size_t)snprintf(buf + len, n - len, " workload %.0f%%",
						spread_pct(&r->work));
		if (r->noisy_start && len < n)
			snprintf(buf + len, n - len, "%s to workload %.0f%%",
				 r->noisy_work ? "," : "", spread_pct(&r->to_start));
	}
}

void spectrum_table(FILE *f, const struct spectrum *sp)
{
	fprintf(f, "\n%-9s %-4s %-13s %-7s %-22s %-22s %9s  %s\n", "mode", "cpu", "guest",
		"status", "to workload", "workload", "vs native",
		"where the cost goes / notes");
	for (unsigned i = 0; i < sp->nr; i++) {
		const struct spectrum_row *r = &sp->rows[i];
		char a[48] = "-", b[48] = "-", ratio[32] = "-", note[SPECTRUM_NOTE_MAX + 64];
		double vs = spectrum_vs_native(sp, r);

		if (r->status == ROW_OK && r->runs) {
			fmt_spread(a, sizeof(a), &r->to_start);
			fmt_spread(b, sizeof(b), &r->work);
		}
		if (vs > 0)
			snprintf(ratio, sizeof(ratio), "%.2fx", vs);
		report_row_note(r, note, sizeof(note));
		fprintf(f, "%-9s %-4s %-13s %-7s %-22s %-22s %9s  %s\n", r->mode, r->cpu,
			r->guest ? r->guest : "-", spectrum_status_name(r->status), a, b,
			ratio, note);
	}
	fprintf(f, "\nEach figure: the median of %u runs, then min-max, after one uncounted\n"
		"warm-up per row; the runs of all rows interleaved.  'to workload' is spawn\n"
		"to the workload's start line (boot included), 'workload' start line to\n"
		"done line (%s rounds), 'vs native' the ratio of workload medians.  NOISY:\n"
		"max-min above %.0f%% of the median.  Method: docs/spectrum.md.\n"
		"Host: %u CPUs, load average %.2f at the start, %.2f at the end.\n",
		sp->opts.runs, sp->opts.rounds, 100 * SPREAD_NOISY_FRACTION, sp->host_cpus,
		sp->load_start, sp->load_end);
}
