/*
 * The console's interactive line editor (see shell.h, struct shell_input):
 * bytes typed on the serial line become a command line for shell_execute.
 * Printable ASCII is kept and echoed, BS/DEL erase, CR, LF or CRLF end the
 * line, ANSI escape sequences (arrow keys) are swallowed whole.
 */
#include <string.h>

#include "kernel/mgmt/shell.h"

#define SHELL_BS  0x08
#define SHELL_LF  0x0a
#define SHELL_CR  0x0d
#define SHELL_ESC 0x1b
#define SHELL_DEL 0x7f

/* struct shell_input.escape: where in an ANSI escape sequence the input is. */
enum shell_escape {
	SHELL_ESC_NONE,
	SHELL_ESC_START, /* ESC seen */
	SHELL_ESC_CSI,	 /* ESC [ seen: parameters until a final byte 0x40..0x7e */
	SHELL_ESC_SS3,	 /* ESC O seen: one more byte */
};

static void shell_put(const struct shell_ops *ops, void *ctx, const char *text)
{
	if (ops->put)
		ops->put(ctx, text);
}

void shell_input_init(struct shell_input *in, const struct shell_ops *ops, void *ctx)
{
	memset(in, 0, sizeof(*in));
	shell_put(ops, ctx, SHELL_PROMPT);
}

/* True if @byte belonged to an escape sequence (and is consumed). */
static bool shell_input_escape(struct shell_input *in, uint8_t byte)
{
	switch (in->escape) {
	case SHELL_ESC_START:
		in->escape = byte == '['   ? SHELL_ESC_CSI
			     : byte == 'O' ? SHELL_ESC_SS3
					   : SHELL_ESC_NONE;
		return true;
	case SHELL_ESC_CSI:
		if (byte >= 0x20 && byte <= 0x3f)
			return true; /* parameter or intermediate byte */
		in->escape = SHELL_ESC_NONE;
		return byte >= 0x40 && byte <= 0x7e; /* anything else ends it and counts itself */
	case SHELL_ESC_SS3:
		in->escape = SHELL_ESC_NONE;
		return true;
	default:
		if (byte != SHELL_ESC)
			return false;
		in->escape = SHELL_ESC_START;
		return true;
	}
}

void shell_input_byte(struct shell_input *in, uint8_t byte, const struct shell_ops *ops, void *ctx)
{
	bool after_cr = in->after_cr;

	in->after_cr = false;
	if (shell_input_escape(in, byte))
		return;
	if (byte == SHELL_CR || byte == SHELL_LF) {
		if (byte == SHELL_LF && after_cr)
			return; /* the second half of CRLF */
		in->after_cr = byte == SHELL_CR;
		shell_put(ops, ctx, "\r\n");
		if (in->dropped) {
			ops->out(ctx, "shell: line too long (at most 127 characters)");
		} else {
			in->buf[in->len] = '\0';
			shell_execute(in->buf, ops, ctx);
		}
		in->len = 0;
		in->dropped = 0;
		shell_put(ops, ctx, SHELL_PROMPT);
		return;
	}
	if (byte == SHELL_BS || byte == SHELL_DEL) {
		/* Characters past the limit were never shown: erase them silently. */
		if (in->dropped) {
			in->dropped--;
		} else if (in->len) {
			in->len--;
			shell_put(ops, ctx, "\b \b");
		}
		return;
	}
	if (byte < 0x20 || byte >= 0x7f) /* printable ASCII only */
		return;
	if (in->len == SHELL_LINE_MAX) {
		in->dropped++;
		return;
	}
	in->buf[in->len++] = (char)byte;
	shell_put(ops, ctx, (char[2]){(char)byte, '\0'});
}
