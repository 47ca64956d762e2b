/* spectrum_svg(): a chart of the rows a browser shows without script.
 * Left, each row's workload time relative to native (median bar, min-max
 * whisker, linear axis); right, its time to the workload's start line
 * (boot) on a log axis.  Rows that did not run say why in place of bars. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "spectrum/report.h"

#define W	  1000
#define LABEL_X	  12
#define A_X0	  180	/* workload-vs-native panel */
#define A_W	  380
#define B_X0	  620	/* to-workload panel */
#define B_W	  340
#define TOP	  78	/* first row */
#define ROW_H	  34
#define BAR_H	  14
#define NOTE_CHARS 130	/* what fits across both panels at 11 px */

#define C_BAR	"#4878a8"
#define C_BOOT	"#7a9a58"
#define C_FAIL	"#b02020"
#define C_SKIP	"#777777"

/* Text content or an attribute value, escaped for XML. */
static void put_text(FILE *f, const char *s, size_t max)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n && i < max; i++) {
		switch (s[i]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			/* control characters are not XML 1.0 */
			if ((unsigned char)s[i] >= 0x20 || s[i] == '\t')
				fputc(s[i], f);
		}
	}
	if (n > max)
		fputs("\xe2\x80\xa6", f); /* an ellipsis */
}

/* 1, 2 or 5 times a power of ten: a step giving about `ticks` ticks. */
static double nice_step(double range, int ticks)
{
	double raw = range / ticks, p = pow(10, floor(log10(raw))), m = raw / p;

	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

struct axes {
	double a_max, a_step;	 /* ratio axis: 0 .. a_max */
	double b_lo, b_hi;	 /* log10 of ms at the log axis's ends */
	double y_end;		 /* below the last row */
};

static double ax_a(const struct axes *ax, double ratio)
{
	return A_X0 + A_W * fmin(ratio, ax->a_max) / ax->a_max;
}

static double ax_b(const struct axes *ax, double ms)
{
	double l = log10(fmax(ms, 1e-3));

	return B_X0 + B_W * (fmin(fmax(l, ax->b_lo), ax->b_hi) - ax->b_lo) /
			    (ax->b_hi - ax->b_lo);
}

static bool measured(const struct spectrum_row *r)
{
	return r->status == ROW_OK && r->runs;
}

static void axes_fit(const struct spectrum *sp, struct axes *ax)
{
	double nat = measured(&sp->rows[0]) ? sp->rows[0].work.median : 0;
	double ratio = 1, lo = 1e9, hi = 0;

	for (unsigned i = 0; i < sp->nr; i++) {
		const struct spectrum_row *r = &sp->rows[i];

		if (!measured(r))
			continue;
		if (nat > 0)
			ratio = fmax(ratio, r->work.max / nat);
		lo = fmin(lo, fmax(r->to_start.min, 0.01));
		hi = fmax(hi, r->to_start.max);
	}
	/* Room right of the longest whisker for its label. */
	ax->a_step = nice_step(ratio * 1.2, 5);
	ax->a_max = ceil(ratio * 1.2 / ax->a_step) * ax->a_step;
	if (hi <= 0)
		lo = 1, hi = 1000;
	ax->b_lo = floor(log10(lo));
	ax->b_hi = fmax(ceil(log10(hi * 4)), ax->b_lo + 1);
	ax->y_end = TOP + sp->nr * ROW_H;
}

static void fmt_decade(char *buf, size_t n, double ms)
{
	if (ms >= 1000)
		snprintf(buf, n, "%g s", ms / 1000);
	else
		snprintf(buf, n, "%g ms", ms);
}

static void grid(FILE *f, const struct axes *ax)
{
	fprintf(f, "<g class=\"grid\" stroke=\"#d8d8d8\" stroke-width=\"1\">\n");
	for (double t = 0; t <= ax->a_max + ax->a_step / 2; t += ax->a_step)
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.0f\"/>\n",
			ax_a(ax, t), TOP - 4, ax_a(ax, t), ax->y_end);
	for (double d = ax->b_lo; d <= ax->b_hi + 0.01; d++)
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.0f\"/>\n",
			ax_b(ax, pow(10, d)), TOP - 4, ax_b(ax, pow(10, d)), ax->y_end);
	fprintf(f, "</g>\n<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#333\" "
		"stroke-dasharray=\"4 3\"/>\n", ax_a(ax, 1), TOP - 4, ax_a(ax, 1), ax->y_end);
	fprintf(f, "<g class=\"ticks\" font-size=\"11\" fill=\"#333\" text-anchor=\"middle\">\n");
	for (double t = 0; t <= ax->a_max + ax->a_step / 2; t += ax->a_step)
		fprintf(f, "<text x=\"%.1f\" y=\"%.0f\">%gx</text>\n", ax_a(ax, t),
			ax->y_end + 15, t);
	for (double d = ax->b_lo; d <= ax->b_hi + 0.01; d++) {
		char lab[32];

		fmt_decade(lab, sizeof(lab), pow(10, d));
		fprintf(f, "<text x=\"%.1f\" y=\"%.0f\">%s</text>\n", ax_b(ax, pow(10, d)),
			ax->y_end + 15, lab);
	}
	fprintf(f, "</g>\n");
}

/* A median bar from x0 with a min-max whisker and a value label. */
static void bar(FILE *f, const char *cls, const char *fill, double x0, double xmed,
		double xmin, double xmax, double y, const char *label, const char *title)
{
	/* fill is a colour, or a noisy bar's hatch pattern */
	double yb = y - BAR_H / 2.0;

	fprintf(f, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
		"fill=\"%s\"><title>", cls, x0, yb, fmax(xmed - x0, 1), BAR_H, fill);
	put_text(f, title, strlen(title));
	fprintf(f, "</title></rect>\n");
	fprintf(f, "<path class=\"whisker\" d=\"M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f\" "
		"stroke=\"#222\" stroke-width=\"1.3\" fill=\"none\"/>\n",
		xmin, y, xmax, xmin, y - 5, y + 5, xmax, y - 5, y + 5);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">", fmax(xmax, xmed) + 5, y + 4);
	put_text(f, label, 40);
	fprintf(f, "</text>\n");
}

static void row(FILE *f, const struct spectrum *sp, const struct spectrum_row *r,
		unsigned i, const struct axes *ax)
{
	double y = TOP + i * ROW_H + ROW_H / 2.0, nat = sp->rows[0].work.median;
	char name[40], label[64], title[SPECTRUM_NOTE_MAX + 256], note[SPECTRUM_NOTE_MAX + 64];
	char med[32], lo[32], hi[32];

	snprintf(name, sizeof(name), "%s%s%s", r->mode, r->cpu[0] == '-' ? "" : " ",
		 r->cpu[0] == '-' ? "" : r->cpu);
	fprintf(f, "<g class=\"row %s\">\n", spectrum_status_name(r->status));
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"13\" font-weight=\"bold\">", LABEL_X, y - 1);
	put_text(f, name, 40);
	fprintf(f, "</text>\n<text x=\"%d\" y=\"%.1f\" font-size=\"10\" fill=\"#555\">", LABEL_X,
		y + 11);
	put_text(f, r->guest ? r->guest : "", 40);
	fprintf(f, "</text>\n");
	report_row_note(r, note, sizeof(note));
	if (!measured(r)) {
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" fill=\"%s\"%s>%s: ", A_X0,
			y + 4, r->status == ROW_FAILED ? C_FAIL : C_SKIP,
			r->status == ROW_FAILED ? " font-weight=\"bold\"" : " font-style=\"italic\"",
			spectrum_status_name(r->status));
		put_text(f, note, NOTE_CHARS);
		fprintf(f, "</text>\n</g>\n");
		return;
	}
	if (nat > 0) {
		double vs = r->work.median / nat;

		snprintf(label, sizeof(label), "%.2fx%s", vs, r->noisy_work ? " noisy" : "");
		report_fmt_ms(med, sizeof(med), r->work.median);
		report_fmt_ms(lo, sizeof(lo), r->work.min);
		report_fmt_ms(hi, sizeof(hi), r->work.max);
		snprintf(title, sizeof(title), "%s: workload %s (min %s, max %s), %.2fx native%s%s",
			 name, med, lo, hi, vs, note[0] ? "; " : "", note);
		bar(f, "bar work", r->noisy_work ? "url(#noisy-work)" : C_BAR, A_X0, ax_a(ax, vs),
		    ax_a(ax, r->work.min / nat), ax_a(ax, r->work.max / nat), y, label, title);
	}
	report_fmt_ms(med, sizeof(med), r->to_start.median);
	report_fmt_ms(lo, sizeof(lo), r->to_start.min);
	report_fmt_ms(hi, sizeof(hi), r->to_start.max);
	snprintf(label, sizeof(label), "%s%s", med, r->noisy_start ? " noisy" : "");
	snprintf(title, sizeof(title), "%s: to workload %s (min %s, max %s)", name, med, lo, hi);
	bar(f, "bar boot", r->noisy_start ? "url(#noisy-boot)" : C_BOOT, B_X0, ax_b(ax, r->to_start.median),
	    ax_b(ax, r->to_start.min), ax_b(ax, r->to_start.max), y, label, title);
	fprintf(f, "</g>\n");
}

/* Noisy bars are hatched in their own colour: still told apart by colour,
 * and visibly less certain. */
static void patterns(FILE *f)
{
	static const char *const ids[] = { "noisy-work", "noisy-boot" };
	static const char *const colours[] = { C_BAR, C_BOOT };

	fprintf(f, "<defs>\n");
	for (unsigned i = 0; i < 2; i++)
		fprintf(f, "<pattern id=\"%s\" width=\"6\" height=\"6\" "
			"patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
			"<rect width=\"6\" height=\"6\" fill=\"%s\" fill-opacity=\"0.35\"/>"
			"<rect width=\"3\" height=\"6\" fill=\"%s\"/></pattern>\n",
			ids[i], colours[i], colours[i]);
	fprintf(f, "</defs>\n");
}

static void legend(FILE *f, double y)
{
	fprintf(f, "<g class=\"legend\" font-size=\"11\" fill=\"#333\">\n"
		"<rect x=\"%d\" y=\"%.0f\" width=\"12\" height=\"10\" fill=\"%s\"/>"
		"<text x=\"%d\" y=\"%.0f\">workload median</text>\n"
		"<rect x=\"%d\" y=\"%.0f\" width=\"12\" height=\"10\" fill=\"%s\"/>"
		"<text x=\"%d\" y=\"%.0f\">to workload median</text>\n"
		"<rect x=\"%d\" y=\"%.0f\" width=\"12\" height=\"10\" fill=\"%s\"/>"
		"<text x=\"%d\" y=\"%.0f\">hatched, noisy: max-min over %.0f%% of the median</text>\n"
		"<path d=\"M%d %.0fH%dM%d %.0fV%.0fM%d %.0fV%.0f\" stroke=\"#222\" fill=\"none\"/>"
		"<text x=\"%d\" y=\"%.0f\">min-max of the runs</text>\n</g>\n",
		A_X0, y, C_BAR, A_X0 + 17, y + 9,
		A_X0 + 140, y, C_BOOT, A_X0 + 157, y + 9,
		A_X0 + 300, y, "url(#noisy-work)", A_X0 + 317, y + 9, 100 * SPREAD_NOISY_FRACTION,
		A_X0 + 600, y + 5, A_X0 + 620, A_X0 + 600, y + 1, y + 9, A_X0 + 620, y + 1, y + 9,
		A_X0 + 626, y + 9);
}

int spectrum_svg(const char *path, const struct spectrum *sp, struct gerr *err)
{
	struct axes ax;
	FILE *f = fopen(path, "w");
	double h;

	if (!f)
		return gerr_errno(err, errno, "--svg %s", path);
	axes_fit(sp, &ax);
	h = ax.y_end + 60;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
		"viewBox=\"0 0 %d %.0f\" font-family=\"DejaVu Sans, Verdana, sans-serif\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, h, W, h);
	patterns(f);
	fprintf(f, "<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\">gamut spectrum: "
		"the same workload (%s rounds) across the virtualization spectrum</text>\n",
		LABEL_X, sp->opts.rounds);
	fprintf(f, "<text x=\"%d\" y=\"42\" font-size=\"11\" fill=\"#555\">bars: median of %u runs "
		"after a warm-up, runs of all rows interleaved; whiskers: min-max; host: %u CPUs, "
		"load average %.1f at the start, %.1f at the end</text>\n",
		LABEL_X, sp->opts.runs, sp->host_cpus, sp->load_start, sp->load_end);
	fprintf(f, "<text x=\"%d\" y=\"64\" font-size=\"12\" font-weight=\"bold\">workload time "
		"relative to native (linear)</text>\n", A_X0);
	fprintf(f, "<text x=\"%d\" y=\"64\" font-size=\"12\" font-weight=\"bold\">time to "
		"workload: boot (log scale)</text>\n", B_X0);
	/* Stripes under the grid, so its lines cross every row. */
	for (unsigned i = 1; i < sp->nr; i += 2)
		fprintf(f, "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f3f3f3\"/>\n",
			TOP + (int)i * ROW_H, W, ROW_H);
	grid(f, &ax);
	for (unsigned i = 0; i < sp->nr; i++)
		row(f, sp, &sp->rows[i], i, &ax);
	legend(f, ax.y_end + 30);
	fprintf(f, "</svg>\n");
	if (fclose(f) != 0)
		return gerr_errno(err, errno, "--svg %s: cannot write", path);
	return 0;
}
