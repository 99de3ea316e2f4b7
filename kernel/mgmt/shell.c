/*
 * Management console commands (see shell.h): tokenizing, argument checks,
 * error wording and boot scripts; the line editor is shell_input.c, words
 * and quoting shell_text.c, set's settings shell_settings.c. Input
 * is untrusted (a script module, a serial line): lines of any length, any
 * bytes. Nothing user-typed reaches out() unmasked: control and non-ASCII
 * bytes are shown as '?', long words are cut. Owns no state; guests are
 * reached only through ops.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/guest/guest.h"
#include "kernel/mgmt/shell.h"
#include "kernel/mgmt/shell_settings.h"
#include "kernel/mgmt/shell_text.h"

#include "kernel/core/types.h"

/* One message: a fixed text plus at most two quoted words or one command line. */
#define SHELL_MSG_MAX (SHELL_LINE_MAX + 128)

enum shell_arg {
	SHELL_ARG_NONE,	       /* no argument */
	SHELL_ARG_GUEST,       /* exactly one guest name */
	SHELL_ARG_OPT_GUEST,   /* zero or one guest name */
	SHELL_ARG_MS,	       /* a number of milliseconds */
	SHELL_ARG_CPU,	       /* a pCPU index */
	SHELL_ARG_TEXT,	       /* the rest of the line, verbatim */
	SHELL_ARG_GUEST_COUNT, /* a guest name and a count */
	SHELL_ARG_GUEST_TEXT,  /* a guest name, then the rest of the line (at least a word) */
	SHELL_ARG_SET,	       /* a guest name and one or more key=value settings */
};

enum shell_cmd_id {
	SHELL_CMD_LIST,
	SHELL_CMD_INFO,
	SHELL_CMD_STATS,
	SHELL_CMD_START,
	SHELL_CMD_STOP,
	SHELL_CMD_RESTART,
	SHELL_CMD_PAUSE,
	SHELL_CMD_RESUME,
	SHELL_CMD_SLEEP,
	SHELL_CMD_WAIT,
	SHELL_CMD_ECHO,
	SHELL_CMD_TYPE,
	SHELL_CMD_WAITFOR,
	SHELL_CMD_HELP,
	SHELL_CMD_SCALE,
	SHELL_CMD_SET,
	SHELL_CMD_FAIL,
	SHELL_CMD_FAILOVER,
	SHELL_CMD_FLIP,
	SHELL_CMD_FAIL_CPU,
	SHELL_CMD_AUTOSCALE,
};

struct shell_cmd {
	const char *name;
	enum shell_cmd_id id;
	enum shell_arg arg;
	const char *usage; /* the arguments, as "usage:" and help show them */
	const char *help;
};

/* In the order help lists them. */
static const struct shell_cmd shell_cmds[] = {
    {"list", SHELL_CMD_LIST, SHELL_ARG_NONE, "", "guests and their state"},
    {"info", SHELL_CMD_INFO, SHELL_ARG_GUEST, " <guest>", "a guest's configuration and state"},
    {"stats", SHELL_CMD_STATS, SHELL_ARG_OPT_GUEST, " [guest]",
     "exits and cycles per reason, CPU time share"},
    {"start", SHELL_CMD_START, SHELL_ARG_GUEST, " <guest>", "start a guest that is not running"},
    {"stop", SHELL_CMD_STOP, SHELL_ARG_GUEST, " <guest>", "stop a guest"},
    {"restart", SHELL_CMD_RESTART, SHELL_ARG_GUEST, " <guest>", "stop a guest, start it afresh"},
    {"pause", SHELL_CMD_PAUSE, SHELL_ARG_GUEST, " <guest>",
     "stop running a guest's vCPUs, keeping its state"},
    {"resume", SHELL_CMD_RESUME, SHELL_ARG_GUEST, " <guest>", "run a paused guest again"},
    {"set", SHELL_CMD_SET, SHELL_ARG_SET, " <guest> weight=N cap=N%|none cpus=shared|LIST vcpus=N memory=SIZE",
     "change a guest's CPU settings now (weight, cap, cpus)"},
    {"sleep", SHELL_CMD_SLEEP, SHELL_ARG_MS, " <ms>", "wait, the guests running (scripts)"},
    {"wait", SHELL_CMD_WAIT, SHELL_ARG_GUEST, " <guest>", "wait until a guest has ended (scripts)"},
    {"scale", SHELL_CMD_SCALE, SHELL_ARG_GUEST_COUNT, " <guest> <n>",
     "run n (0..1024) instances of a config guest"},
    {"autoscale", SHELL_CMD_AUTOSCALE, SHELL_ARG_GUEST_TEXT, " <guest> <rule>|off",
     "scale by load: min=N max=N target=N% [period=MS]"},
    {"echo", SHELL_CMD_ECHO, SHELL_ARG_TEXT, " [text]", "print text (scripts)"},
    {"type", SHELL_CMD_TYPE, SHELL_ARG_GUEST_TEXT, " <guest> <text>",
     "send a line to a guest's serial port"},
    {"waitfor", SHELL_CMD_WAITFOR, SHELL_ARG_GUEST_TEXT, " <guest> <text>",
     "wait until a guest prints a line with text (scripts)"},
    {"fail", SHELL_CMD_FAIL, SHELL_ARG_GUEST_TEXT, " <guest> <kind>",
     "fail a replica (duplex: the primary; kind: crash, hang, cpu)"},
    {"fail-cpu", SHELL_CMD_FAIL_CPU, SHELL_ARG_CPU, " <cpu>",
     "simulate a pCPU failure: its guests crash, nothing runs there again"},
    {"failover", SHELL_CMD_FAILOVER, SHELL_ARG_GUEST, " <guest>",
     "switch a duplex guest over to its standby (planned)"},
    {"flip", SHELL_CMD_FLIP, SHELL_ARG_GUEST_TEXT, " <guest> <gpa>",
     "invert bit 0 of a byte of guest RAM (fault injection)"},
    {"help", SHELL_CMD_HELP, SHELL_ARG_NONE, "", "this list"},
};

/*
 * What an operation's error means, per command; cmd NULL: any command.
 * The first match wins, so command-specific rows come first.
 */
static const struct {
	const char *cmd;
	int err;
	const char *reason;
} shell_errors[] = {
    {"start", -EALREADY, "already running"},
    {"stop", -EALREADY, "already stopped"},
    {"pause", -EALREADY, "already paused"},
    {"pause", -EINVAL, "not running"},
    {"resume", -EALREADY, "already running"},
    {"resume", -EINVAL, "not paused"},
    {"type", -ENODEV, "the guest has no serial port"},
    {"type", -EAGAIN, "still sending the previous line"},
    {"type", -EINVAL, "not running"},
    {"waitfor", -EINVAL, "not running"},
    {"fail", -EINVAL, "unknown failure (crash, cpu, or hang with a watchdog)"},
    {"fail", -EPERM, "it runs on CPU 0, the console's"},
    {"autoscale", -EINVAL, "bad rule (the log says why)"},
    {"autoscale", -EPERM, "it cannot have instances (pinned, or a disk)"},
    {"autoscale", -EALREADY, "not on"},
    {"fail-cpu", -EPERM, "CPU 0 runs the console: it cannot fail"},
    {"fail-cpu", -ENODEV, "no such CPU"},
    {"fail-cpu", -EALREADY, "already failed"},
    {"start", -ENODEV, "its pCPU failed"},
    {"restart", -ENODEV, "its pCPU failed"},
    {"fail", -EOPNOTSUPP, "not a duplex, dual or tmr guest"},
    {"failover", -EOPNOTSUPP, "not a duplex guest"},
    {"flip", -EINVAL, "bad address (decimal or 0x hex)"},
    {"flip", -EFAULT, "not in the guest's RAM"},
    {NULL, -EBUSY, "already running"},
    {NULL, -EALREADY, "already in that state"},
    {NULL, -EINVAL, "not possible in the guest's present state"},
    {NULL, -ENOENT, "not found"},
    {NULL, -ENOMEM, "out of memory"},
    {NULL, -ENOSPC, "no room (CPUs or memory)"},
    {NULL, -EAGAIN, "busy, try again"},
    {NULL, -ETIMEDOUT, "timed out"},
    {NULL, -EPERM, "not permitted"},
    {NULL, -EIO, "I/O error"},
    {NULL, -ENOSYS, "not supported"},
};

static void shell_printf(const struct shell_ops *ops, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void shell_printf(const struct shell_ops *ops, void *ctx, const char *fmt, ...)
{
	char msg[SHELL_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ops->out(ctx, msg);
}

/* Cut @s at its comment: a '#' at the start or after a blank. */
static size_t shell_strip_comment(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '#' && (i == 0 || shell_is_blank(s[i - 1])))
			return i;
	return len;
}

static bool shell_guest_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= GUEST_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

static const char *shell_reason(const char *cmd, int err, char buf[24])
{
	for (size_t i = 0; i < ARRAY_SIZE(shell_errors); i++)
		if (shell_errors[i].err == err &&
		    (!shell_errors[i].cmd || !strcmp(shell_errors[i].cmd, cmd)))
			return shell_errors[i].reason;
	snprintf(buf, 24, "error %d", err);
	return buf;
}

static void shell_help(const struct shell_ops *ops, void *ctx)
{
	ops->out(ctx, "commands:");
	for (size_t i = 0; i < ARRAY_SIZE(shell_cmds); i++) {
		char syntax[40];

		/* set's settings are listed in its help text instead. */
		snprintf(syntax, sizeof(syntax), "%s%s", shell_cmds[i].name,
			 shell_cmds[i].arg == SHELL_ARG_SET ? " <guest> k=v..."
							    : shell_cmds[i].usage);
		shell_printf(ops, ctx, "  %-22s %s", syntax, shell_cmds[i].help);
	}
	ops->out(ctx, "'#' starts a comment");
}

static void shell_echo(const char *text, const struct shell_ops *ops, void *ctx)
{
	char buf[SHELL_LINE_MAX + 4];
	size_t n = strlen(text);

	/* The line was trimmed at the front only; blanks at its end are not text. */
	while (n > 0 && shell_is_blank(text[n - 1]))
		n--;
	ops->out(ctx, shell_mask(text, n, SHELL_LINE_MAX, buf));
}

/* A decimal number, 0..@max. */
static int shell_parse_number(const char *s, uint32_t max, uint32_t *out)
{
	uint32_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint32_t)(*s - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = v;
	return 0;
}

/* Decimal milliseconds, 0..SHELL_SLEEP_MAX. */
static int shell_parse_ms(const char *s, uint32_t *ms)
{
	return shell_parse_number(s, SHELL_SLEEP_MAX, ms);
}

static int shell_call(const struct shell_cmd *cmd, const char *arg, const char *text, uint32_t ms,
		      const struct shell_ops *ops, void *ctx)
{
	int (*guest_op)(void *, const char *) = NULL;

	switch (cmd->id) {
	case SHELL_CMD_SCALE:
		return ops->scale ? ops->scale(ctx, arg, ms) : -ENOSYS;
	case SHELL_CMD_LIST:
		return ops->list ? ops->list(ctx) : -ENOSYS;
	case SHELL_CMD_SLEEP:
		return ops->sleep_ms ? ops->sleep_ms(ctx, ms) : -ENOSYS;
	case SHELL_CMD_HELP:
		shell_help(ops, ctx);
		return 0;
	case SHELL_CMD_ECHO:
		shell_echo(arg, ops, ctx);
		return 0;
	case SHELL_CMD_TYPE:
		return ops->type ? ops->type(ctx, arg, text) : -ENOSYS;
	case SHELL_CMD_WAITFOR:
		return ops->wait_for ? ops->wait_for(ctx, arg, text) : -ENOSYS;
	case SHELL_CMD_FAIL:
		return ops->fail ? ops->fail(ctx, arg, text) : -ENOSYS;
	case SHELL_CMD_FAILOVER:
		guest_op = ops->failover;
		break;
	case SHELL_CMD_FLIP:
		return ops->flip ? ops->flip(ctx, arg, text) : -ENOSYS;
	case SHELL_CMD_AUTOSCALE:
		return ops->autoscale ? ops->autoscale(ctx, arg, text) : -ENOSYS;
	case SHELL_CMD_FAIL_CPU:
		return ops->fail_cpu ? ops->fail_cpu(ctx, ms) : -ENOSYS;
	case SHELL_CMD_INFO:
		guest_op = ops->info;
		break;
	case SHELL_CMD_STATS:
		guest_op = ops->stats;
		break;
	case SHELL_CMD_START:
		guest_op = ops->start;
		break;
	case SHELL_CMD_STOP:
		guest_op = ops->stop;
		break;
	case SHELL_CMD_RESTART:
		guest_op = ops->restart;
		break;
	case SHELL_CMD_PAUSE:
		guest_op = ops->pause;
		break;
	case SHELL_CMD_RESUME:
		guest_op = ops->resume;
		break;
	case SHELL_CMD_WAIT:
		guest_op = ops->wait;
		break;
	case SHELL_CMD_SET: /* shell_execute_set */
		break;
	}
	return guest_op ? guest_op(ctx, arg) : -ENOSYS;
}

/* set <guest> settings...: @rest holds the settings; nothing changes unless all are good. */
static void shell_execute_set(const struct shell_cmd *cmd, char *guest, char *rest,
			      const struct shell_ops *ops, void *ctx)
{
	char q[SHELL_QUOTE_MAX + 4], why[SHELL_WHY_MAX] = "", reason[24];
	struct shell_settings st;
	int ret;

	while (*rest && shell_is_blank(*rest))
		rest++;
	if (!guest || !*rest) {
		shell_printf(ops, ctx, "shell: usage: %s%s", cmd->name, cmd->usage);
		return;
	}
	if (!shell_guest_name_ok(guest)) {
		shell_printf(ops, ctx, "shell: no guest '%s'", shell_quote(guest, q));
		return;
	}
	ret = shell_parse_settings(rest, &st, why);
	if (!ret)
		ret = ops->set ? ops->set(ctx, guest, &st, why) : -ENOSYS;
	if (!ret)
		return;
	why[SHELL_WHY_MAX - 1] = '\0';
	if (ret == -ENOENT && !why[0])
		shell_printf(ops, ctx, "shell: no guest '%s'", shell_quote(guest, q));
	else
		shell_printf(ops, ctx, "shell: set %s: %s", shell_quote(guest, q),
			     why[0] ? shell_mask(why, strlen(why), SHELL_WHY_MAX, why)
				    : shell_reason(cmd->name, ret, reason));
}

void shell_execute(const char *line, const struct shell_ops *ops, void *ctx)
{
	char buf[SHELL_LINE_MAX + 1], q[SHELL_QUOTE_MAX + 4], q2[SHELL_QUOTE_MAX + 4], why[24];
	size_t n = strnlen(line, SHELL_LINE_MAX + 1);
	const struct shell_cmd *cmd = NULL;
	char *rest, *name, *arg = NULL, *extra = NULL, *count = NULL, *text = NULL;
	uint32_t ms = 0;
	int ret;

	if (n > SHELL_LINE_MAX) {
		ops->out(ctx, "shell: line too long (at most 127 characters)");
		return;
	}
	n = shell_strip_comment(line, n);
	memcpy(buf, line, n);
	buf[n] = '\0';

	rest = buf;
	name = shell_next_word(&rest);
	if (!name)
		return; /* blank or comment */
	for (size_t i = 0; i < ARRAY_SIZE(shell_cmds); i++)
		if (!strcmp(name, shell_cmds[i].name))
			cmd = &shell_cmds[i];
	if (!cmd) {
		shell_printf(ops, ctx, "shell: unknown command '%s' (try help)",
			     shell_quote(name, q));
		return;
	}

	if (cmd->arg == SHELL_ARG_SET) {
		arg = shell_next_word(&rest);
		shell_execute_set(cmd, arg, rest, ops, ctx);
		return;
	}
	if (cmd->arg == SHELL_ARG_TEXT) {
		while (*rest && shell_is_blank(*rest))
			rest++;
		arg = rest;
	} else if (cmd->arg == SHELL_ARG_GUEST_TEXT) {
		arg = shell_next_word(&rest);
		while (*rest && shell_is_blank(*rest))
			rest++;
		text = rest;
		size_t t = strlen(text);
		while (t > 0 && shell_is_blank(text[t - 1]))
			text[--t] = '\0';
		if (!arg || !*text) {
			shell_printf(ops, ctx, "shell: usage: %s%s", cmd->name, cmd->usage);
			return;
		}
	} else if (cmd->arg == SHELL_ARG_GUEST_COUNT) {
		arg = shell_next_word(&rest);
		count = arg ? shell_next_word(&rest) : NULL;
		extra = count ? shell_next_word(&rest) : NULL;
		if (!count)
			arg = NULL; /* usage */
	} else {
		arg = shell_next_word(&rest);
		extra = arg ? shell_next_word(&rest) : NULL;
	}
	if (extra || (arg && cmd->arg == SHELL_ARG_NONE) ||
	    (!arg && (cmd->arg == SHELL_ARG_GUEST || cmd->arg == SHELL_ARG_MS ||
		      cmd->arg == SHELL_ARG_CPU || cmd->arg == SHELL_ARG_GUEST_COUNT))) {
		shell_printf(ops, ctx, "shell: usage: %s%s", cmd->name, cmd->usage);
		return;
	}
	if (cmd->arg == SHELL_ARG_MS && shell_parse_ms(arg, &ms)) {
		shell_printf(ops, ctx, "shell: bad time '%s' (0..600000 ms)", shell_quote(arg, q));
		return;
	}
	_Static_assert(SHELL_SLEEP_MAX == 600000, "update the bad time message");
	/* The CPU rides in ms too. */
	if (cmd->arg == SHELL_ARG_CPU && shell_parse_number(arg, SHELL_PCPU_LIMIT - 1, &ms)) {
		shell_printf(ops, ctx, "shell: bad CPU '%s' (0..63)", shell_quote(arg, q));
		return;
	}
	_Static_assert(SHELL_PCPU_LIMIT == 64, "update the bad CPU message");
	/* The count rides in ms: one number per command. */
	if (count && (shell_parse_number(count, SHELL_SCALE_MAX, &ms))) {
		shell_printf(ops, ctx, "shell: bad count '%s' (0..1024)", shell_quote(count, q));
		return;
	}
	_Static_assert(SHELL_SCALE_MAX == 1024, "update the bad count message");

	/* A word that cannot be a guest's name names no guest: the op never sees it. */
	if (arg &&
	    (cmd->arg == SHELL_ARG_GUEST || cmd->arg == SHELL_ARG_OPT_GUEST ||
	     cmd->arg == SHELL_ARG_GUEST_COUNT || cmd->arg == SHELL_ARG_GUEST_TEXT) &&
	    !shell_guest_name_ok(arg))
		ret = -ENOENT;
	else
		ret = shell_call(cmd, arg, text, ms, ops, ctx);
	if (!ret)
		return;
	if (ret == -ENOENT && arg && cmd->arg != SHELL_ARG_MS && cmd->arg != SHELL_ARG_CPU)
		shell_printf(ops, ctx, "shell: no guest '%s'", shell_quote(arg, q));
	else if (arg && cmd->arg != SHELL_ARG_TEXT)
		shell_printf(ops, ctx, "shell: %s %s: %s", cmd->name, shell_quote(arg, q2),
			     shell_reason(cmd->name, ret, why));
	else
		shell_printf(ops, ctx, "shell: %s: %s", cmd->name,
			     shell_reason(cmd->name, ret, why));
}

void shell_run_script(const char *text, size_t len, const struct shell_ops *ops, void *ctx)
{
	char buf[SHELL_LINE_MAX + 1], shown[SHELL_LINE_MAX + 4];
	uint32_t line_no = 0;
	size_t pos = 0;

	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;

		line_no++;
		pos += n + 1;
		if (memchr(s, '\0', n)) {
			shell_printf(ops, ctx, "shell: script line %u: NUL byte",
				     (unsigned)line_no);
			continue;
		}
		/* Comments may be long; only the command counts toward the limit. */
		n = shell_strip_comment(s, n);
		while (n > 0 && shell_is_blank(s[0])) {
			s++;
			n--;
		}
		while (n > 0 && shell_is_blank(s[n - 1]))
			n--;
		if (n == 0)
			continue;
		if (n > SHELL_LINE_MAX) {
			shell_printf(ops, ctx,
				     "shell: script line %u: too long (at most 127 characters)",
				     (unsigned)line_no);
			continue;
		}
		memcpy(buf, s, n);
		buf[n] = '\0';
		shell_printf(ops, ctx, "shell> %s", shell_mask(buf, n, SHELL_LINE_MAX, shown));
		shell_execute(buf, ops, ctx);
	}
}
