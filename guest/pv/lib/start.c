/* Start-up: the ABI note that marks the image, the C entry called by
 * crt0.S, argv from the command line, and exit(). */
#include <gamut/pv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk.h"

/* The note gamut looks for first (docs/pv-abi.md section 1). */
__attribute__((section(".note.gamut-pv.abi"), aligned(4), used))
static const struct {
	uint32_t namesz, descsz, type;
	char name[12];
	struct pv_note_abi desc;
} pv_abi_note = { sizeof(PV_NOTE_NAME), sizeof(struct pv_note_abi), PV_NOTE_ABI,
		  PV_NOTE_NAME, { PV_ABI_VERSION, 0 } };

extern int main(int argc, char **argv);

#define MAX_ARGS 64
static const struct pv_start_info *start;
static char argbuf[PV_CMDLINE_MAX];
static char *argv[MAX_ARGS + 2];

const struct pv_start_info *pv_start_info(void)
{
	return start;
}

static int split_args(void)
{
	int argc = 0;
	char *p = argbuf;

	argv[argc++] = "app";
	memcpy(argbuf, start->cmdline, sizeof(argbuf));
	argbuf[sizeof(argbuf) - 1] = '\0';
	while (*p && argc < MAX_ARGS) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	argv[argc] = NULL;
	return argc;
}

void __pv_start(const struct pv_start_info *si)
{
	start = si;
	if (si->magic != PV_START_MAGIC || si->abi_version != PV_ABI_VERSION)
		pv_exit(127);
	__pv_heap_init(si->heap_start, si->heap_end);
	exit(main(split_args(), argv));
}

#define MAX_ATEXIT 32
static void (*atexit_fn[MAX_ATEXIT])(void);
static int nr_atexit;

int atexit(void (*fn)(void))
{
	if (nr_atexit == MAX_ATEXIT)
		return -1;
	atexit_fn[nr_atexit++] = fn;
	return 0;
}

void exit(int status)
{
	while (nr_atexit > 0)
		atexit_fn[--nr_atexit]();
	fflush(stdout);
	fflush(stderr);
	pv_exit(status);
}

void _Exit(int status)
{
	pv_exit(status);
}

void abort(void)
{
	fflush(stdout);
	fputs("abort()\n", stderr);
	pv_exit(134);
}

void __pv_assert_fail(const char *expr, const char *file, int line,
		      const char *func)
{
	fprintf(stderr, "%s:%d: %s: assertion failed: %s\n", file, line, func, expr);
	abort();
}
