/*
 * The management console's command layer: parses command lines (typed on
 * COM1 or read from the config's boot script) and calls the operations the
 * caller supplies. Pure: it owns only the struct shell_input it is given and
 * touches no guest, scheduler or device state itself; everything it prints
 * goes through ops->out, one line per call.
 *
 * Commands (words separated by blanks; a '#' starting a word begins a
 * comment to the end of the line; blank lines do nothing):
 *   list | info <guest> | stats [guest] | start <guest> | stop <guest> |
 *   restart <guest> | pause <guest> | resume <guest> | help |
 *   sleep <ms> | wait <guest> | echo [text] | scale <guest> <n> |
 *   type <guest> <text> | waitfor <guest> <text> |
 *   set <guest> weight=N cap=N%|none cpus=shared|LIST  (any of the three, any order)
 *
 * Messages (exact):
 *   shell: unknown command 'foo' (try help)
 *   shell: usage: stop <guest>                 missing or extra argument
 *   shell: no guest 'x'                        the op returned -ENOENT, or x
 *                                              cannot be a guest name
 *   shell: stop x: already stopped             other errors (table in shell.c)
 *   shell: list: not supported                 no guest argument; NULL op
 *   shell: line too long (at most 127 characters)
 *   shell: bad time 'x' (0..600000 ms)
 *   shell: bad count 'x' (0..64)                scale
 *   shell: set x: weight 'y' out of range (1..1000)  a bad setting (the config's wording)
 *   shell: set x: CPU 2 already pinned to guest 'b'  the op's own reason (shell_settings)
 */
#ifndef SHOJI_KERNEL_SHELL_H
#define SHOJI_KERNEL_SHELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHELL_LINE_MAX	127    /* characters of one command line */
#define SHELL_SLEEP_MAX 600000 /* ms: ten minutes */
#define SHELL_SCALE_MAX 1024   /* instances of one config guest (CONFIG_INSTANCES_MAX) */
#define SHELL_PROMPT	"shoji> "
/* set: the ranges of the config keys of the same names (kernel/mgmt/config.h). */
#define SHELL_WEIGHT_MAX  1000
#define SHELL_CAP_MAX	  100
#define SHELL_CPUS_MAX	  8  /* pCPUs in one cpus list: CONFIG_VCPUS_MAX */
#define SHELL_PCPU_LIMIT  64 /* pCPU indexes below this (MAX_CPUS); the op checks they exist */
#define SHELL_CONSOLE_CPU 0  /* runs the console: never pinned (CONFIG_CONSOLE_PCPU) */
#define SHELL_WHY_MAX	  96 /* an op's own reason for refusing a set */
#define SHELL_MEM_MIN	  (1ULL << 20) /* memory=: the config's memory range */
#define SHELL_MEM_MAX	  (1ULL << 30)

/*
 * What `set` asks for, each value checked as the config checks its key: the
 * op sees only well-formed values and checks them against the machine and
 * the other guests (pCPUs exist and are free, one per vCPU).
 */
struct shell_settings {
	bool has_weight, has_cap, has_cpus, has_vcpus, has_memory;
	uint32_t vcpus;	     /* 1..SHELL_CPUS_MAX: vCPUs offered */
	uint64_t mem_bytes;  /* SHELL_MEM_MIN..SHELL_MEM_MAX, whole MiBs: memory target */
	uint32_t weight;  /* 1..SHELL_WEIGHT_MAX */
	uint32_t cap_pct; /* 1..SHELL_CAP_MAX; 0: none */
	bool pinned;	  /* cpus=LIST (else cpus=shared) */
	uint32_t cpu_count;
	uint32_t cpus[SHELL_CPUS_MAX]; /* distinct, none SHELL_CONSOLE_CPU, < SHELL_PCPU_LIMIT */
};

/*
 * What the shell drives, implemented by the console owner. @ctx is passed
 * back unchanged. Guest operations return 0 or a negative errno: -ENOENT
 * for an unknown guest, and for a guest in the wrong state -EBUSY (already
 * running), -EALREADY (already stopped / already paused), -EINVAL (e.g.
 * resume of a guest that is not paused); others are shown by name. The
 * list, info and stats operations print their own output through out().
 * A NULL operation is "not supported".
 */
struct shell_ops {
	/* One line of output, without its line end. Required. */
	void (*out)(void *ctx, const char *text);
	/* Raw output for the line editor's echo (no line end added). NULL: no echo. */
	void (*put)(void *ctx, const char *text);

	int (*list)(void *ctx);
	int (*info)(void *ctx, const char *guest);
	int (*stats)(void *ctx, const char *guest); /* guest NULL: every guest */
	int (*start)(void *ctx, const char *guest);
	int (*stop)(void *ctx, const char *guest);
	int (*restart)(void *ctx, const char *guest);
	int (*pause)(void *ctx, const char *guest);
	int (*resume)(void *ctx, const char *guest);
	/* Wait @ms milliseconds (scripts); the guests keep running meanwhile. */
	int (*sleep_ms)(void *ctx, uint32_t ms);
	/* Hold the script's next line until the guest no longer runs (scripts). */
	int (*wait)(void *ctx, const char *guest);
	/* Send @text and a carriage return to the guest's serial port, as typed. */
	int (*type)(void *ctx, const char *guest, const char *text);
	/* Hold the script's next line until the guest prints a line holding @text (scripts). */
	int (*wait_for)(void *ctx, const char *guest, const char *text);
	/* Run @count (0..SHELL_SCALE_MAX) instances of config guest @guest; prints its summary. */
	int (*scale)(void *ctx, const char *guest, uint32_t count);
	/*
	 * Apply all of @s at once or nothing. On an error the op may put its
	 * own one-line reason in @why (SHELL_WHY_MAX bytes, NUL terminated,
	 * empty on entry); the shell prints it instead of the errno's wording.
	 */
	int (*set)(void *ctx, const char *guest, const struct shell_settings *s, char *why);
	/*
	 * Duplex and voting guests: inject a failure (@kind "crash" or "hang";
	 * "cpu" fails the pCPU the guest runs on, any guest), or
	 * switch over as planned; -EOPNOTSUPP for a guest that is no replica.
	 */
	int (*fail)(void *ctx, const char *guest, const char *kind);
	/* Autoscale config guest @guest by the rule in @text, or "off" (kernel/mgmt/autoscale.h).
	 */
	int (*autoscale)(void *ctx, const char *guest, const char *text);
	/* Simulate the failure of pCPU @cpu (< SHELL_PCPU_LIMIT). */
	int (*fail_cpu)(void *ctx, uint32_t cpu);
	int (*failover)(void *ctx, const char *guest);
	/* Invert bit 0 of the byte of guest RAM at address @text (decimal or 0x hex). */
	int (*flip)(void *ctx, const char *guest, const char *text);
};

/* Parse and run one command line (NUL terminated, any length, any bytes). */
void shell_execute(const char *line, const struct shell_ops *ops, void *ctx);

/*
 * Run a boot script: @len bytes of @text (need not be NUL terminated; LF or
 * CRLF line ends). Each command is shown as "shell> <command>" before it
 * runs; comments and blank lines are skipped silently. A bad line is
 * reported ("shell: script line 3: ...") and the script goes on.
 */
void shell_run_script(const char *text, size_t len, const struct shell_ops *ops, void *ctx);

/* Interactive line editor: one per console, fed the bytes typed. */
struct shell_input {
	char buf[SHELL_LINE_MAX + 1];
	size_t len;
	size_t dropped; /* characters typed past SHELL_LINE_MAX: the line is rejected */
	bool after_cr;	/* swallow the LF of a CRLF */
	uint8_t escape; /* inside an ANSI escape sequence (arrow keys): state, see shell.c */
};

/* Empty line editor; prints the prompt through ops->put if there is one. */
void shell_input_init(struct shell_input *in, const struct shell_ops *ops, void *ctx);

/*
 * One byte from the terminal. Printable ASCII is added (and echoed); BS and
 * DEL erase the last character; CR or LF ends the line and runs it (a
 * CRLF pair counts once); escape sequences and other bytes are ignored.
 */
void shell_input_byte(struct shell_input *in, uint8_t byte, const struct shell_ops *ops, void *ctx);

#endif
