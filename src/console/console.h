/* The guest console: where the UART's (and virtio-console's) bytes go, and
 * where keyboard input comes from.  One per VM, chosen by --console.
 *
 * stdio: when stdin is a terminal it is put in raw mode (restored at exit)
 * and Ctrl-A x quits gamut (Ctrl-A Ctrl-A sends one Ctrl-A); input is read
 * on the event loop.  file:PATH appends output to PATH.  none drops output.
 * Output is written whole; console_write is safe from any thread. */
#ifndef GAMUT_CONSOLE_CONSOLE_H
#define GAMUT_CONSOLE_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct vm;
struct console;

/* Receives guest-bound input bytes, on the event-loop thread. */
typedef void (*console_input_fn)(void *opaque, const uint8_t *buf, size_t len);

/* The VM's console, created on first use from vm->cfg.console. */
struct console *console_get(struct vm *vm, struct gerr *err);
void console_write(struct console *c, const void *buf, size_t len);
/* Sends future input to fn; the last device to attach receives it. */
void console_attach_input(struct console *c, console_input_fn fn, void *opaque);

#endif
