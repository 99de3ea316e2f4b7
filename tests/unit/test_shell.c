/*
 * shell: the management console's command layer, through a fake set of
 * operations that writes every call and every output line into one
 * transcript, so each test compares the exact text a user would see.
 */
/* unit-test-sources: kernel/mgmt/shell.c kernel/mgmt/shell_input.c kernel/mgmt/shell_text.c kernel/mgmt/shell_settings.c kernel/core/parse_num.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/guest/guest.h"
#include "kernel/mgmt/shell.h"

struct fake {
	char log[16384]; /* "out" lines and "op ..." calls, each ending in '\n' */
	size_t log_len;
	char echo[4096]; /* what put() was given, concatenated */
	size_t echo_len;
	int ret; /* what the next operation on a known guest returns */
	unsigned calls;
};

static struct fake fake;

static void append(char *buf, size_t size, size_t *len, const char *text)
{
	size_t n = strlen(text);

	assert_true(n < size);
	if (*len + n >= size)
		*len = 0; /* only the fuzz test says this much; it checks no transcript */
	memcpy(buf + *len, text, n + 1);
	*len += n;
}

static void fake_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fake_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	append(fake.log, sizeof(fake.log), &fake.log_len, line);
}

static void fake_out(void *ctx, const char *text)
{
	assert_ptr_equal(ctx, &fake);
	/* Nothing typed reaches the console unmasked. */
	for (const char *c = text; *c; c++)
		assert_true(*c >= 0x20 && *c < 0x7f);
	fake_log("%s\n", text);
}

static void fake_put(void *ctx, const char *text)
{
	assert_ptr_equal(ctx, &fake);
	append(fake.echo, sizeof(fake.echo), &fake.echo_len, text);
}

/* Guests "a" and "web-1" exist; the shell only ever passes well-formed names. */
static int fake_guest_op(const char *op, const char *guest)
{
	fake.calls++;
	if (!guest) {
		fake_log("op %s *\n", op);
		return fake.ret;
	}
	assert_true(strlen(guest) > 0 && strlen(guest) < GUEST_NAME_MAX);
	assert_int_equal(strspn(guest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "0123456789_-"),
			 strlen(guest));
	if (strcmp(guest, "a") && strcmp(guest, "web-1"))
		return -ENOENT;
	fake_log("op %s %s\n", op, guest);
	return fake.ret;
}

static int fake_list(void *ctx)
{
	fake.calls++;
	fake_log("op list\n");
	return fake.ret;
}

static int fake_info(void *ctx, const char *g)
{
	return fake_guest_op("info", g);
}
static int fake_stats(void *ctx, const char *g)
{
	return fake_guest_op("stats", g);
}
static int fake_start(void *ctx, const char *g)
{
	return fake_guest_op("start", g);
}
static int fake_stop(void *ctx, const char *g)
{
	return fake_guest_op("stop", g);
}
static int fake_restart(void *ctx, const char *g)
{
	return fake_guest_op("restart", g);
}
static int fake_pause(void *ctx, const char *g)
{
	return fake_guest_op("pause", g);
}
static int fake_resume(void *ctx, const char *g)
{
	return fake_guest_op("resume", g);
}

static int fake_wait(void *ctx, const char *g)
{
	return fake_guest_op("wait", g);
}

static int fake_text_op(const char *op, const char *g, const char *text)
{
	int ret = fake_guest_op(op, g);
	if (!ret)
		fake_log("text '%s'\n", text);
	return ret;
}

static int fake_type(void *ctx, const char *g, const char *text)
{
	return fake_text_op("type", g, text);
}

static int fake_fail(void *ctx, const char *g, const char *text)
{
	return fake_text_op("fail", g, text);
}

static int fake_flip(void *ctx, const char *g, const char *text)
{
	return fake_text_op("flip", g, text);
}

static int fake_failover(void *ctx, const char *g)
{
	return fake_guest_op("failover", g);
}

static int fake_wait_for(void *ctx, const char *g, const char *text)
{
	return fake_text_op("waitfor", g, text);
}

static int fake_scale(void *ctx, const char *g, uint32_t n)
{
	char op[24];
	snprintf(op, sizeof(op), "scale %u", (unsigned)n);
	return fake_guest_op(op, g);
}

/* Logs what the op was given: "op set a weight=300 cap=- cpus=1,2" ('-': not given). */
static const char *fake_set_why; /* the op's own reason when it fails */

static int fake_set(void *ctx, const char *g, const struct shell_settings *st, char *why)
{
	char w[16] = "-", c[16] = "-", cpus[64] = "-";
	int ret;

	assert_string_equal(why, "");
	if (st->has_weight)
		snprintf(w, sizeof(w), "%u", (unsigned)st->weight);
	if (st->has_cap && st->cap_pct)
		snprintf(c, sizeof(c), "%u%%", (unsigned)st->cap_pct);
	else if (st->has_cap)
		snprintf(c, sizeof(c), "none");
	if (st->has_cpus && !st->pinned) {
		assert_int_equal(st->cpu_count, 0);
		snprintf(cpus, sizeof(cpus), "shared");
	} else if (st->has_cpus) {
		size_t n = 0;

		assert_true(st->cpu_count >= 1 && st->cpu_count <= SHELL_CPUS_MAX);
		for (uint32_t i = 0; i < st->cpu_count; i++)
			n += (size_t)snprintf(cpus + n, sizeof(cpus) - n, "%s%u", i ? "," : "",
					      (unsigned)st->cpus[i]);
	}
	ret = fake_guest_op("set", g);
	if (ret == -ENOENT)
		return ret;
	/* fake_guest_op ended its line: put the values on the next one. */
	if (st->has_vcpus || st->has_memory)
		fake_log("  weight=%s cap=%s cpus=%s vcpus=%u memory=%llu\n", w, c, cpus,
			 st->has_vcpus ? (unsigned)st->vcpus : 0,
			 st->has_memory ? (unsigned long long)st->mem_bytes : 0ULL);
	else
		fake_log("  weight=%s cap=%s cpus=%s\n", w, c, cpus);
	if (ret && fake_set_why)
		snprintf(why, SHELL_WHY_MAX, "%s", fake_set_why);
	return ret;
}

static int fake_autoscale(void *ctx, const char *g, const char *text)
{
	return fake_text_op("autoscale", g, text);
}

static int fake_fail_cpu(void *ctx, uint32_t cpu)
{
	fake.calls++;
	fake_log("op fail-cpu %u\n", (unsigned)cpu);
	return fake.ret;
}

static int fake_sleep(void *ctx, uint32_t ms)
{
	fake.calls++;
	fake_log("op sleep %u\n", (unsigned)ms);
	return fake.ret;
}

static const struct shell_ops ops = {
    .out = fake_out,
    .put = fake_put,
    .list = fake_list,
    .info = fake_info,
    .stats = fake_stats,
    .start = fake_start,
    .stop = fake_stop,
    .restart = fake_restart,
    .pause = fake_pause,
    .resume = fake_resume,
    .sleep_ms = fake_sleep,
    .wait = fake_wait,
    .type = fake_type,
    .wait_for = fake_wait_for,
    .fail = fake_fail,
    .fail_cpu = fake_fail_cpu,
    .autoscale = fake_autoscale,
    .failover = fake_failover,
    .flip = fake_flip,
    .scale = fake_scale,
    .set = fake_set,
};

static int setup(void **state)
{
	memset(&fake, 0, sizeof(fake));
	return 0;
}

/* Run one command line from an exact-size heap copy and return the transcript. */
static const char *run_ops(const struct shell_ops *o, const char *line)
{
	size_t n = strlen(line) + 1;
	char *copy = malloc(n);

	memcpy(copy, line, n);
	fake.log_len = 0;
	fake.log[0] = '\0';
	shell_execute(copy, o, &fake);
	free(copy);
	return fake.log;
}

static const char *run(const char *line)
{
	return run_ops(&ops, line);
}

static void test_commands(void **state)
{
	assert_string_equal(run("list"), "op list\n");
	assert_string_equal(run("info a"), "op info a\n");
	assert_string_equal(run("stats"), "op stats *\n");
	assert_string_equal(run("stats web-1"), "op stats web-1\n");
	assert_string_equal(run("start a"), "op start a\n");
	assert_string_equal(run("stop a"), "op stop a\n");
	assert_string_equal(run("restart web-1"), "op restart web-1\n");
	assert_string_equal(run("pause a"), "op pause a\n");
	assert_string_equal(run("resume a"), "op resume a\n");
	assert_string_equal(run("sleep 250"), "op sleep 250\n");
	assert_string_equal(run("wait web-1"), "op wait web-1\n");
	assert_string_equal(run("echo hello"), "hello\n");
	/* Blanks anywhere around words; CR/LF at the end (a line read raw). */
	assert_string_equal(run("  \tstop \t a  \r\n"), "op stop a\n");
	assert_int_equal(fake.calls, 12);
}

static void test_help(void **state)
{
	static const char help[] =
	    "commands:\n"
	    "  list                   guests and their state\n"
	    "  info <guest>           a guest's configuration and state\n"
	    "  stats [guest]          exits and cycles per reason, CPU time share\n"
	    "  start <guest>          start a guest that is not running\n"
	    "  stop <guest>           stop a guest\n"
	    "  restart <guest>        stop a guest, start it afresh\n"
	    "  pause <guest>          stop running a guest's vCPUs, keeping its state\n"
	    "  resume <guest>         run a paused guest again\n"
	    "  set <guest> k=v...     change a guest's CPU settings now (weight, cap, cpus)\n"
	    "  sleep <ms>             wait, the guests running (scripts)\n"
	    "  wait <guest>           wait until a guest has ended (scripts)\n"
	    "  scale <guest> <n>      run n (0..1024) instances of a config guest\n"
	    "  autoscale <guest> <rule>|off scale by load: min=N max=N target=N% [period=MS]\n"
	    "  echo [text]            print text (scripts)\n"
	    "  type <guest> <text>    send a line to a guest's serial port\n"
	    "  waitfor <guest> <text> wait until a guest prints a line with text (scripts)\n"
	    "  fail <guest> <kind>    fail a replica (duplex: the primary; kind: crash, hang, "
	    "cpu)\n"
	    "  fail-cpu <cpu>         simulate a pCPU failure: its guests crash, nothing runs "
	    "there "
	    "again\n"
	    "  failover <guest>       switch a duplex guest over to its standby (planned)\n"
	    "  flip <guest> <gpa>     invert bit 0 of a byte of guest RAM (fault injection)\n"
	    "  help                   this list\n"
	    "'#' starts a comment\n";

	assert_string_equal(run("help"), help);
	assert_string_equal(run(" help # me"), help);
	assert_int_equal(fake.calls, 0);
}

/* type and waitfor: a guest, then the rest of the line as the text (trailing blanks cut). */
static void test_guest_text_commands(void **state)
{
	assert_string_equal(run("type a  hello  world  "), "op type a\ntext 'hello  world'\n");
	assert_string_equal(run("waitfor web-1 shoji-init: read"),
			    "op waitfor web-1\ntext 'shoji-init: read'\n");
	assert_string_equal(run("type a"), "shell: usage: type <guest> <text>\n");
	assert_string_equal(run("waitfor"), "shell: usage: waitfor <guest> <text>\n");
	assert_string_equal(run("type nobody hi"), "shell: no guest 'nobody'\n");
	assert_string_equal(run("type a#b hi"), "shell: no guest 'a#b'\n");
	fake.ret = -EAGAIN;
	assert_string_equal(run("type a hi"),
			    "op type a\nshell: type a: still sending the previous line\n");
	fake.ret = -ENODEV;
	assert_string_equal(run("type a hi"),
			    "op type a\nshell: type a: the guest has no serial port\n");
}

/* Fault injection: fail, failover and flip reach their ops; their errors in words. */
static void test_fault_injection_commands(void **state)
{
	assert_string_equal(run("fail a crash"), "op fail a\ntext 'crash'\n");
	assert_string_equal(run("failover a"), "op failover a\n");
	assert_string_equal(run("flip a 0x1000"), "op flip a\ntext '0x1000'\n");
	assert_string_equal(run("fail a"), "shell: usage: fail <guest> <kind>\n");
	assert_string_equal(run("flip a"), "shell: usage: flip <guest> <gpa>\n");
	fake.ret = -EINVAL;
	assert_string_equal(run("fail a melt"), "op fail a\nshell: fail a: unknown "
						"failure (crash, cpu, or hang with a watchdog)\n");
	fake.ret = -EOPNOTSUPP;
	assert_string_equal(run("failover a"),
			    "op failover a\nshell: failover a: not a duplex guest\n");
	assert_string_equal(run("fail a crash"),
			    "op fail a\nshell: fail a: not a duplex, dual or tmr guest\n");
	fake.ret = -EFAULT;
	assert_string_equal(run("flip a 0x99999999"),
			    "op flip a\nshell: flip a: not in the guest's RAM\n");
}

/* autoscale: a config guest and its rule (or off) as text; the op's errors in words. */
static void test_autoscale(void **state)
{
	assert_string_equal(run("autoscale a min=1 max=8 target=70%"),
			    "op autoscale a\ntext 'min=1 max=8 target=70%'\n");
	assert_string_equal(run("autoscale a off"), "op autoscale a\ntext 'off'\n");
	assert_string_equal(run("autoscale a"), "shell: usage: autoscale <guest> <rule>|off\n");
	assert_string_equal(run("autoscale nobody off"), "shell: no guest 'nobody'\n");
	fake.ret = -EINVAL;
	assert_string_equal(run("autoscale a max=0"),
			    "op autoscale a\nshell: autoscale a: bad rule (the log says why)\n");
	fake.ret = -EALREADY;
	assert_string_equal(run("autoscale a off"), "op autoscale a\nshell: autoscale a: not on\n");
}

/* fail-cpu: a pCPU index 0..63 reaches the op; anything else is refused before it. */
static void test_fail_cpu(void **state)
{
	assert_string_equal(run("fail-cpu 3"), "op fail-cpu 3\n");
	assert_string_equal(run("fail-cpu 63"), "op fail-cpu 63\n");
	assert_string_equal(run("fail-cpu"), "shell: usage: fail-cpu <cpu>\n");
	assert_string_equal(run("fail-cpu 1 2"), "shell: usage: fail-cpu <cpu>\n");
	assert_string_equal(run("fail-cpu 64"), "shell: bad CPU '64' (0..63)\n");
	assert_string_equal(run("fail-cpu -1"), "shell: bad CPU '-1' (0..63)\n");
	assert_string_equal(run("fail-cpu one"), "shell: bad CPU 'one' (0..63)\n");
	assert_int_equal(fake.calls, 2);
	fake.ret = -EPERM;
	assert_string_equal(
	    run("fail-cpu 0"),
	    "op fail-cpu 0\nshell: fail-cpu 0: CPU 0 runs the console: it cannot fail\n");
	fake.ret = -ENODEV;
	assert_string_equal(run("fail-cpu 9"), "op fail-cpu 9\nshell: fail-cpu 9: no such CPU\n");
	fake.ret = -EALREADY;
	assert_string_equal(run("fail-cpu 2"),
			    "op fail-cpu 2\nshell: fail-cpu 2: already failed\n");
	fake.ret = -ENODEV;
	assert_string_equal(run("start a"), "op start a\nshell: start a: its pCPU failed\n");
}

static void test_usage_errors(void **state)
{
	static const struct {
		const char *line, *message;
	} cases[] = {
	    {"list all", "shell: usage: list"},
	    {"help stop", "shell: usage: help"},
	    {"info", "shell: usage: info <guest>"},
	    {"info a b", "shell: usage: info <guest>"},
	    {"stats a b", "shell: usage: stats [guest]"},
	    {"start", "shell: usage: start <guest>"},
	    {"stop", "shell: usage: stop <guest>"},
	    {"stop   # a", "shell: usage: stop <guest>"},
	    {"stop a a", "shell: usage: stop <guest>"},
	    {"restart", "shell: usage: restart <guest>"},
	    {"pause", "shell: usage: pause <guest>"},
	    {"resume", "shell: usage: resume <guest>"},
	    {"resume a b c", "shell: usage: resume <guest>"},
	    {"sleep", "shell: usage: sleep <ms>"},
	    {"sleep 1 2", "shell: usage: sleep <ms>"},
	    {"wait", "shell: usage: wait <guest>"},
	};
	char expect[128];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(expect, sizeof(expect), "%s\n", cases[i].message);
		assert_string_equal(run(cases[i].line), expect);
	}
	assert_int_equal(fake.calls, 0);
}

static void test_unknown_command(void **state)
{
	assert_string_equal(run("foo"), "shell: unknown command 'foo' (try help)\n");
	assert_string_equal(run("foo a b"), "shell: unknown command 'foo' (try help)\n");
	assert_string_equal(run("STOP a"), "shell: unknown command 'STOP' (try help)\n");
	assert_string_equal(run("listx"), "shell: unknown command 'listx' (try help)\n");
	assert_string_equal(run("stop#a"), "shell: unknown command 'stop#a' (try help)\n");
	assert_string_equal(run("\x1b[2Jx\xff"), "shell: unknown command '?[2Jx?' (try help)\n");
	assert_string_equal(run("abcdefghijklmnopqrstuvwxyz0123456789"),
			    "shell: unknown command 'abcdefghijklmnopqrstuvwxyz012345...' (try "
			    "help)\n");
	assert_int_equal(fake.calls, 0);
}

static void test_unknown_guest(void **state)
{
	static const char *const cmds[] = {"info",    "stats", "start",	 "stop",
					   "restart", "pause", "resume", "wait"};
	char line[64], expect[64];

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		snprintf(line, sizeof(line), "%s x", cmds[i]);
		assert_string_equal(run(line), "shell: no guest 'x'\n");
	}
	assert_int_equal(fake.calls, ARRAY_SIZE(cmds)); /* each op was asked */

	/* Words no guest can be called are not passed on. */
	fake.calls = 0;
	assert_string_equal(run("stop a.b"), "shell: no guest 'a.b'\n");
	assert_string_equal(run("stop a#b"), "shell: no guest 'a#b'\n");
	assert_string_equal(run("stop \x01z"), "shell: no guest '?z'\n");
	snprintf(line, sizeof(line), "stop %s", "abcdefghijklmnopqrstuvwxyz012345");
	snprintf(expect, sizeof(expect), "shell: no guest '%s'\n",
		 "abcdefghijklmnopqrstuvwxyz012345");
	assert_string_equal(run(line), expect);
	assert_string_equal(run("stats ../a"), "shell: no guest '../a'\n");
	assert_int_equal(fake.calls, 0);
	/* 31 characters can be a name: asked. */
	assert_string_equal(run("stop abcdefghijklmnopqrstuvwxyz01234"),
			    "shell: no guest 'abcdefghijklmnopqrstuvwxyz01234'\n");
	assert_int_equal(fake.calls, 1);
}

/* The mapping table: what an operation's error reads as, per command. */
static void test_op_errors(void **state)
{
	static const struct {
		const char *line;
		int err;
		const char *message;
	} cases[] = {
	    {"start a", -EBUSY, "shell: start a: already running"},
	    {"start a", -EALREADY, "shell: start a: already running"},
	    {"restart a", -EBUSY, "shell: restart a: already running"},
	    {"stop a", -EALREADY, "shell: stop a: already stopped"},
	    {"pause a", -EALREADY, "shell: pause a: already paused"},
	    {"pause a", -EINVAL, "shell: pause a: not running"},
	    {"resume a", -EINVAL, "shell: resume a: not paused"},
	    {"resume a", -EALREADY, "shell: resume a: already running"},
	    {"stop a", -EINVAL, "shell: stop a: not possible in the guest's present state"},
	    {"restart web-1", -EALREADY, "shell: restart web-1: already in that state"},
	    {"start a", -ENOMEM, "shell: start a: out of memory"},
	    {"start a", -ENOSPC, "shell: start a: no room (CPUs or memory)"},
	    {"stop a", -EAGAIN, "shell: stop a: busy, try again"},
	    {"stop a", -ETIMEDOUT, "shell: stop a: timed out"},
	    {"info a", -EPERM, "shell: info a: not permitted"},
	    {"stats a", -EIO, "shell: stats a: I/O error"},
	    {"stats", -EIO, "shell: stats: I/O error"},
	    {"stats", -ENOENT, "shell: stats: not found"},
	    {"list", -ENOMEM, "shell: list: out of memory"},
	    {"list", -ENOSYS, "shell: list: not supported"},
	    {"sleep 10", -EINTR, "shell: sleep 10: error -4"},
	    {"stop a", -EXDEV, "shell: stop a: error -18"},
	};
	char expect[128];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char op_line[64];

		fake.ret = cases[i].err;
		if (!strncmp(cases[i].line, "list", 4))
			snprintf(op_line, sizeof(op_line), "op list\n");
		else if (!strcmp(cases[i].line, "stats"))
			snprintf(op_line, sizeof(op_line), "op stats *\n");
		else
			snprintf(op_line, sizeof(op_line), "op %s\n", cases[i].line);
		snprintf(expect, sizeof(expect), "%s%s\n", op_line, cases[i].message);
		assert_string_equal(run(cases[i].line), expect);
	}
}

/* An operation the console owner left out is "not supported", not a crash. */
static void test_missing_ops(void **state)
{
	static const struct shell_ops bare = {.out = fake_out};

	assert_string_equal(run_ops(&bare, "list"), "shell: list: not supported\n");
	assert_string_equal(run_ops(&bare, "stop a"), "shell: stop a: not supported\n");
	assert_string_equal(run_ops(&bare, "stats"), "shell: stats: not supported\n");
	assert_string_equal(run_ops(&bare, "sleep 5"), "shell: sleep 5: not supported\n");
	assert_string_equal(run_ops(&bare, "echo still here"), "still here\n");
	assert_string_equal(run_ops(&bare, "stop"), "shell: usage: stop <guest>\n");
}

static void test_comments_and_blank(void **state)
{
	assert_string_equal(run(""), "");
	assert_string_equal(run("   \t "), "");
	assert_string_equal(run("\r\n"), "");
	assert_string_equal(run("# stop a"), "");
	assert_string_equal(run("   #stop a"), "");
	assert_string_equal(run("stop a # and then\tsome"), "op stop a\n");
	assert_string_equal(run("stop a\t#x"), "op stop a\n");
	assert_string_equal(run("stats #a"), "op stats *\n");
	assert_int_equal(fake.calls, 3);
}

static void test_echo(void **state)
{
	assert_string_equal(run("echo"), "\n");
	assert_string_equal(run("echo   "), "\n");
	assert_string_equal(run("echo hello,   world!  "), "hello,   world!\n");
	assert_string_equal(run("echo\tstep 2"), "step 2\n");
	assert_string_equal(run("echo step #2"), "step\n");
	assert_string_equal(run("echo a#b"), "a#b\n");
	assert_string_equal(run("echo \x1b[31mred\x7f"), "?[31mred?\n");
	assert_int_equal(fake.calls, 0);
}

static void test_sleep(void **state)
{
	assert_string_equal(run("sleep 0"), "op sleep 0\n");
	assert_string_equal(run("sleep 600000"), "op sleep 600000\n");
	assert_string_equal(run("sleep 0000012"), "op sleep 12\n");
	assert_string_equal(run("sleep 600001"), "shell: bad time '600001' (0..600000 ms)\n");
	assert_string_equal(run("sleep 99999999999999999999"),
			    "shell: bad time '99999999999999999999' (0..600000 ms)\n");
	assert_string_equal(run("sleep -1"), "shell: bad time '-1' (0..600000 ms)\n");
	assert_string_equal(run("sleep 1s"), "shell: bad time '1s' (0..600000 ms)\n");
	assert_string_equal(run("sleep 0x10"), "shell: bad time '0x10' (0..600000 ms)\n");
	assert_int_equal(fake.calls, 3);
}

/* scale <guest> <n>: a guest name and a count 0..1024, nothing more; the op's error is shown. */
static void test_scale(void **state)
{
	assert_string_equal(run("scale a 8"), "op scale 8 a\n");
	assert_string_equal(run("scale web-1 0"), "op scale 0 web-1\n");
	assert_string_equal(run("scale a 064"), "op scale 64 a\n");
	assert_int_equal(fake.calls, 3);
	assert_string_equal(run("scale a 1025"), "shell: bad count '1025' (0..1024)\n");
	assert_string_equal(run("scale a -1"), "shell: bad count '-1' (0..1024)\n");
	assert_string_equal(run("scale a 99999999999999999999"),
			    "shell: bad count '99999999999999999999' (0..1024)\n");
	assert_string_equal(run("scale a"), "shell: usage: scale <guest> <n>\n");
	assert_string_equal(run("scale"), "shell: usage: scale <guest> <n>\n");
	assert_string_equal(run("scale a 1 2"), "shell: usage: scale <guest> <n>\n");
	assert_int_equal(fake.calls, 3);
	assert_string_equal(run("scale nope 2"), "shell: no guest 'nope'\n");
	assert_string_equal(run("scale b\x01 2"), "shell: no guest 'b?'\n");
	fake.ret = -EPERM;
	assert_string_equal(run("scale a 2"), "op scale 2 a\nshell: scale a: not permitted\n");
	fake.ret = -EAGAIN;
	assert_string_equal(run("scale a 2"), "op scale 2 a\nshell: scale a: busy, try again\n");
}

static void test_line_length(void **state)
{
	char line[256], expect[256];

	/* "echo " and 122 characters: 127, the most a line holds. */
	memset(line, 0, sizeof(line));
	memcpy(line, "echo ", 5);
	memset(line + 5, 'z', 122);
	snprintf(expect, sizeof(expect), "%s\n", line + 5);
	assert_string_equal(run(line), expect);
	line[5 + 122] = 'z';
	assert_string_equal(run(line), "shell: line too long (at most 127 characters)\n");
	memset(line, ' ', 200);
	line[200] = '\0';
	assert_string_equal(run(line), "shell: line too long (at most 127 characters)\n");
}

static void test_set(void **state)
{
	assert_string_equal(run("set a weight=300"), "op set a\n  weight=300 cap=- cpus=-\n");
	assert_string_equal(run("set a cap=none"), "op set a\n  weight=- cap=none cpus=-\n");
	assert_string_equal(run("set a cap=30%"), "op set a\n  weight=- cap=30% cpus=-\n");
	assert_string_equal(run("set a cap=100"), "op set a\n  weight=- cap=100% cpus=-\n");
	assert_string_equal(run("set a cap=1%"), "op set a\n  weight=- cap=1% cpus=-\n");
	assert_string_equal(run("set web-1 cpus=shared"),
			    "op set web-1\n  weight=- cap=- cpus=shared\n");
	assert_string_equal(run("set a cpus=1,3"), "op set a\n  weight=- cap=- cpus=1,3\n");
	assert_string_equal(run("set a cpus=2-4,7"), "op set a\n  weight=- cap=- cpus=2,3,4,7\n");
	assert_string_equal(run("set a cpus=63"), "op set a\n  weight=- cap=- cpus=63\n");
	assert_string_equal(run("set a cpus=1-8"),
			    "op set a\n  weight=- cap=- cpus=1,2,3,4,5,6,7,8\n");
	/* Any subset, any order, numbers as the config reads them. */
	assert_string_equal(run("set a cpus=shared weight=0x10 cap=5 # comment"),
			    "op set a\n  weight=16 cap=5% cpus=shared\n");
	assert_string_equal(run(" set\ta  cap=none\tweight=1000 cpus=5 "),
			    "op set a\n  weight=1000 cap=none cpus=5\n");
	assert_string_equal(run("set a weight=1"), "op set a\n  weight=1 cap=- cpus=-\n");
	/* What the guest is offered: vCPUs, and memory in whole MiBs (0: not given). */
	assert_string_equal(run("set a vcpus=3"),
			    "op set a\n  weight=- cap=- cpus=- vcpus=3 memory=0\n");
	assert_string_equal(run("set a memory=8M"),
			    "op set a\n  weight=- cap=- cpus=- vcpus=0 memory=8388608\n");
	assert_string_equal(run("set a memory=1g vcpus=8"),
			    "op set a\n  weight=- cap=- cpus=- vcpus=8 memory=1073741824\n");
	assert_string_equal(run("set a memory=2048k"),
			    "op set a\n  weight=- cap=- cpus=- vcpus=0 memory=2097152\n");
	assert_string_equal(run("set a memory=0x2M"),
			    "op set a\n  weight=- cap=- cpus=- vcpus=0 memory=2097152\n");
	assert_int_equal(fake.calls, 18);
}

static void test_set_errors(void **state)
{
	static const struct {
		const char *line, *message;
	} cases[] = {
	    {"set", "shell: usage: set <guest> weight=N cap=N%|none cpus=shared|LIST vcpus=N "
	     "memory=SIZE"},
	    {"set a", "shell: usage: set <guest> weight=N cap=N%|none cpus=shared|LIST vcpus=N "
	     "memory=SIZE"},
	    {"set a  # weight=3",
	     "shell: usage: set <guest> weight=N cap=N%|none cpus=shared|LIST vcpus=N "
	     "memory=SIZE"},
	    {"set a.b weight=3", "shell: no guest 'a.b'"},
	    {"set a weight", "shell: set a: bad setting 'weight' (expected weight=N, cap=N%|none, "
			     "cpus=shared|LIST, vcpus=N or memory=SIZE)"},
	    {"set a vcpu=2", "shell: set a: bad setting 'vcpu=2' (expected weight=N, cap=N%|none, "
			     "cpus=shared|LIST, vcpus=N or memory=SIZE)"},
	    {"set a =3", "shell: set a: bad setting '=3' (expected weight=N, cap=N%|none, "
			 "cpus=shared|LIST, vcpus=N or memory=SIZE)"},
	    {"set a vcpus=0", "shell: set a: vcpus '0' out of range (1..8)"},
	    {"set a vcpus=9", "shell: set a: vcpus '9' out of range (1..8)"},
	    {"set a vcpus=two", "shell: set a: bad vcpus 'two'"},
	    {"set a vcpus=2 vcpus=3", "shell: set a: vcpus given twice"},
	    {"set a memory=", "shell: set a: bad memory size ''"},
	    {"set a memory=M", "shell: set a: bad memory size 'M'"},
	    {"set a memory=8T", "shell: set a: bad memory size '8T'"},
	    {"set a memory=-8M", "shell: set a: bad memory size '-8M'"},
	    {"set a memory=512K", "shell: set a: memory size '512K' out of range (1M..1G)"},
	    {"set a memory=2G", "shell: set a: memory size '2G' out of range (1M..1G)"},
	    {"set a memory=99999999999999999999G",
	     "shell: set a: memory size '99999999999999999999G' out of range (1M..1G)"},
	    {"set a memory=1536K", "shell: set a: memory size '1536K' is not whole MiBs"},
	    {"set a memory=8M memory=9M", "shell: set a: memory given twice"},
	    {"set a weight=", "shell: set a: bad weight ''"},
	    {"set a weight=abc", "shell: set a: bad weight 'abc'"},
	    {"set a weight=-1", "shell: set a: bad weight '-1'"},
	    {"set a weight=3x", "shell: set a: bad weight '3x'"},
	    {"set a weight=0x", "shell: set a: bad weight '0x'"},
	    {"set a weight=99999999999999999999999x", "shell: set a: bad weight "
						      "'99999999999999999999999x'"},
	    {"set a weight=0", "shell: set a: weight '0' out of range (1..1000)"},
	    {"set a weight=1001", "shell: set a: weight '1001' out of range (1..1000)"},
	    {"set a weight=99999999999999999999999", "shell: set a: weight "
						     "'99999999999999999999999' out of range "
						     "(1..1000)"},
	    {"set a weight=3 weight=4", "shell: set a: weight given twice"},
	    {"set a cap=1 cpus=1 cap=2", "shell: set a: cap given twice"},
	    {"set a cap=", "shell: set a: bad cap '' (expected a percentage 1..100, or none)"},
	    {"set a cap=%", "shell: set a: bad cap '%' (expected a percentage 1..100, or none)"},
	    {"set a cap=50%%",
	     "shell: set a: bad cap '50%%' (expected a percentage 1..100, or none)"},
	    {"set a cap=NONE",
	     "shell: set a: bad cap 'NONE' (expected a percentage 1..100, or none)"},
	    {"set a cap=0", "shell: set a: cap '0' out of range (1%..100%)"},
	    {"set a cap=101%", "shell: set a: cap '101%' out of range (1%..100%)"},
	    {"set a cpus=", "shell: set a: bad cpus value '' (expected shared, or CPUs like 1,3 or "
			    "2-3)"},
	    {"set a cpus=1,",
	     "shell: set a: bad cpus value '1,' (expected shared, or CPUs like 1,3 "
	     "or 2-3)"},
	    {"set a cpus=1-",
	     "shell: set a: bad cpus value '1-' (expected shared, or CPUs like 1,3 "
	     "or 2-3)"},
	    {"set a cpus=pinned", "shell: set a: bad cpus value 'pinned' (expected shared, or CPUs "
				  "like 1,3 or 2-3)"},
	    {"set a cpus=3-1", "shell: set a: bad CPU range '3-1'"},
	    {"set a cpus=2,4-3", "shell: set a: bad CPU range '4-3'"},
	    {"set a cpus=0",
	     "shell: set a: CPU 0 runs the management console and cannot be pinned"},
	    {"set a cpus=0-1", "shell: set a: CPU 0 runs the management console and cannot be "
			       "pinned"},
	    {"set a cpus=1,2,1", "shell: set a: CPU 1 listed twice"},
	    {"set a cpus=64", "shell: set a: CPU 64 out of range (0..63)"},
	    {"set a cpus=99999999999999999999999",
	     "shell: set a: CPU '99999999999999999999999' out "
	     "of range (0..63)"},
	    {"set a cpus=1-9", "shell: set a: cpus lists more than 8 CPUs"},
	    {"set a cpus=1-63", "shell: set a: cpus lists more than 8 CPUs"},
	    {"set a cpus=1-0xffffffffffffffff", "shell: set a: cpus lists more than 8 CPUs"},
	    /* A bad value anywhere: nothing is applied. */
	    {"set a weight=300 cap=0", "shell: set a: cap '0' out of range (1%..100%)"},
	};
	char expect[256];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(expect, sizeof(expect), "%s\n", cases[i].message);
		assert_string_equal(run(cases[i].line), expect);
	}
	assert_int_equal(fake.calls, 0);
}

/* What the op says: its own reason, the errno table, an unknown guest, no op at all. */
static void test_set_op_errors(void **state)
{
	static const struct shell_ops bare = {.out = fake_out};

	assert_string_equal(run("set x weight=3"), "shell: no guest 'x'\n");
	fake.ret = -EBUSY;
	fake_set_why = "CPU 2 already pinned to guest 'b'";
	assert_string_equal(run("set a cpus=2"),
			    "op set a\n  weight=- cap=- cpus=2\n"
			    "shell: set a: CPU 2 already pinned to guest 'b'\n");
	fake_set_why = "bad\x01reason\xff";
	assert_string_equal(run("set a cpus=2"),
			    "op set a\n  weight=- cap=- cpus=2\nshell: set a: bad?reason?\n");
	fake_set_why = NULL;
	fake.ret = -EAGAIN;
	assert_string_equal(run("set a weight=5"),
			    "op set a\n  weight=5 cap=- cpus=-\nshell: set a: busy, try again\n");
	/* The op's reason is cut at SHELL_WHY_MAX, never read past. */
	fake.ret = -EINVAL;
	fake_set_why =
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
	const char *got = run("set a weight=5");
	assert_int_equal(strlen(strstr(got, "shell: set a: ") + strlen("shell: set a: ")),
			 SHELL_WHY_MAX - 1 + 1); /* the reason and its '\n' */
	assert_string_equal(run_ops(&bare, "set a weight=5"), "shell: set a: not supported\n");
}

static void run_script(const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);

	memcpy(copy, text, len);
	fake.log_len = 0;
	fake.log[0] = '\0';
	shell_run_script(copy, len, &ops, &fake);
	free(copy);
}

static void test_script(void **state)
{
	static const char script[] = "# boot script: exercise the guests\n"
				     "\n"
				     "echo starting\n"
				     "   start a   # the first one\r\n"
				     "sleep 100\n"
				     "pause a\n"
				     "\t\n"
				     "stats a\n"
				     "resume x\n"
				     "bogus\n"
				     "stop a extra\n"
				     "   # indented comment\n"
				     "list\n"
				     "sleep 1000000\n"
				     "stop a";

	run_script(script, sizeof(script) - 1);
	assert_string_equal(fake.log, "shell> echo starting\n"
				      "starting\n"
				      "shell> start a\n"
				      "op start a\n"
				      "shell> sleep 100\n"
				      "op sleep 100\n"
				      "shell> pause a\n"
				      "op pause a\n"
				      "shell> stats a\n"
				      "op stats a\n"
				      "shell> resume x\n"
				      "shell: no guest 'x'\n"
				      "shell> bogus\n"
				      "shell: unknown command 'bogus' (try help)\n"
				      "shell> stop a extra\n"
				      "shell: usage: stop <guest>\n"
				      "shell> list\n"
				      "op list\n"
				      "shell> sleep 1000000\n"
				      "shell: bad time '1000000' (0..600000 ms)\n"
				      "shell> stop a\n"
				      "op stop a\n");

	/* A failing operation does not end the script. */
	fake.ret = -EALREADY;
	run_script("stop a\nstart a\n", strlen("stop a\nstart a\n"));
	assert_string_equal(fake.log, "shell> stop a\n"
				      "op stop a\n"
				      "shell: stop a: already stopped\n"
				      "shell> start a\n"
				      "op start a\n"
				      "shell: start a: already running\n");
	fake.ret = 0;

	run_script("", 0);
	assert_string_equal(fake.log, "");
	run_script("# only\n\n# comments", strlen("# only\n\n# comments"));
	assert_string_equal(fake.log, "");
}

static void test_script_bad_lines(void **state)
{
	char text[1024];
	size_t n = 0;

	/* A long comment is fine; a long command, a NUL or control bytes are not. */
	n += (size_t)snprintf(text + n, sizeof(text) - n, "# %0300d\n", 0);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "echo %0200d\n", 0);
	memcpy(text + n, "stop\0a\n", 7);
	n += 7;
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "echo \x1b[1mok   # short enough %0200d\n", 0);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "stop a\n");
	run_script(text, n);
	assert_string_equal(fake.log, "shell: script line 2: too long (at most 127 characters)\n"
				      "shell: script line 3: NUL byte\n"
				      "shell> echo ?[1mok\n"
				      "?[1mok\n"
				      "shell> stop a\n"
				      "op stop a\n");
}

/* Feed a string to the line editor; returns the transcript of what ran. */
static struct shell_input input;

static void type_len(const char *bytes, size_t n)
{
	fake.log_len = 0;
	fake.log[0] = '\0';
	fake.echo_len = 0;
	fake.echo[0] = '\0';
	for (size_t i = 0; i < n; i++)
		shell_input_byte(&input, (uint8_t)bytes[i], &ops, &fake);
}

static void type(const char *bytes)
{
	type_len(bytes, strlen(bytes));
}

static void test_line_editor(void **state)
{
	shell_input_init(&input, &ops, &fake);
	assert_string_equal(fake.echo, "shoji> ");

	type("stop a\r");
	assert_string_equal(fake.log, "op stop a\n");
	assert_string_equal(fake.echo, "stop a\r\nshoji> ");

	/* CRLF runs the line once; a lone LF runs it too; an empty line just prompts. */
	type("list\r\nlist\n\r\n\n");
	assert_string_equal(fake.log, "op list\nop list\n");
	assert_string_equal(fake.echo, "list\r\nshoji> list\r\nshoji> \r\nshoji> \r\nshoji> ");

	/* Backspace and DEL erase; past the start they do nothing. */
	type("\b\177stpo\b\bop b\177a\r"); /* \177: DEL */
	assert_string_equal(fake.log, "op stop a\n");
	assert_string_equal(fake.echo, "stpo\b \b\b \bop b\b \ba\r\nshoji> ");

	/* Non-printables are dropped, escape sequences (arrows, F1, ctrl-right) too. */
	type("\x01pa\tu\x80\xffse\x1b[A\x1bOP\x1b[1;5C \x1b[3~a\x1bx\r");
	assert_string_equal(fake.log, "op pause a\n");
	assert_string_equal(fake.echo, "pause a\r\nshoji> ");
	/* A CSI cut short by a line end still runs the line. */
	type("list\x1b[1\r");
	assert_string_equal(fake.log, "op list\n");

	/* Output of the command comes through out(), after the line end. */
	type("frob\r");
	assert_string_equal(fake.log, "shell: unknown command 'frob' (try help)\n");
}

static void test_line_editor_overlong(void **state)
{
	char line[300];

	shell_input_init(&input, &ops, &fake);
	/* 127 characters: accepted. */
	memcpy(line, "echo ", 5);
	memset(line + 5, 'y', 122);
	line[127] = '\r';
	type_len(line, 128);
	assert_int_equal(strlen(fake.log), 123);
	assert_int_equal(fake.echo_len, 127 + 2 + 7);

	/* 128: rejected as a whole, nothing runs; the extra was never echoed. */
	memcpy(line, "stop a ", 7);
	memset(line + 7, 'y', 121);
	line[128] = '\r';
	type_len(line, 129);
	assert_string_equal(fake.log, "shell: line too long (at most 127 characters)\n");
	assert_int_equal(fake.echo_len, 127 + 2 + 7);
	assert_int_equal(fake.calls, 0);

	/* Erasing the extra first (unseen), then a shown one, saves the line. */
	memcpy(line, "echo ", 5);
	memset(line + 5, 'w', 125);
	memcpy(line + 130, "\b\b\b\b\r", 5);
	type_len(line, 135);
	assert_int_equal(strlen(fake.log), 121 + 1);
	assert_int_equal(strspn(fake.log, "w"), 121);
	assert_non_null(strstr(fake.echo, "w\b \b\r\nshoji> "));

	/* The editor is clean afterwards. */
	type("list\r");
	assert_string_equal(fake.log, "op list\n");
}

/* Without put() there is no echo, and the commands still run. */
static void test_line_editor_no_echo(void **state)
{
	static const struct shell_ops quiet = {.out = fake_out, .list = fake_list};

	shell_input_init(&input, &quiet, &fake);
	fake.log_len = 0;
	for (const char *c = "lisx\bt\r"; *c; c++)
		shell_input_byte(&input, (uint8_t)*c, &quiet, &fake);
	assert_string_equal(fake.log, "op list\n");
	assert_int_equal(fake.echo_len, 0);
}

/* Random bytes into every entry point: no crash or over-read, output stays printable. */
static void test_fuzz(void **state)
{
	static const char alphabet[] = "liststopinfoechosleep set weight=cap=cpus=none%, "
				       "0123456789#\r\n\t\b\x7f\x1b[Oa-_.\x01\xff";
	unsigned seed = 4242;
	char buf[400];

	shell_input_init(&input, &ops, &fake);
	for (int iter = 0; iter < 20000; iter++) {
		size_t len;

		seed = seed * 1103515245 + 12345;
		len = (seed >> 8) % sizeof(buf);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			buf[i] = (iter & 1) ? (char)(seed >> 16)
					    : alphabet[(seed >> 8) % (sizeof(alphabet) - 1)];
		}
		fake.log_len = 0;
		fake.echo_len = 0;
		fake.ret = (iter % 5) ? 0 : -(int)(seed % 140);
		run_script(buf, len);
		type_len(buf, len);
		buf[len] = '\0';
		run(buf);
		assert_true(input.len <= SHELL_LINE_MAX);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_fail_cpu, setup),
	    cmocka_unit_test_setup(test_autoscale, setup),
	    cmocka_unit_test_setup(test_commands, setup),
	    cmocka_unit_test_setup(test_help, setup),
	    cmocka_unit_test_setup(test_usage_errors, setup),
	    cmocka_unit_test_setup(test_guest_text_commands, setup),
	    cmocka_unit_test_setup(test_fault_injection_commands, setup),
	    cmocka_unit_test_setup(test_unknown_command, setup),
	    cmocka_unit_test_setup(test_unknown_guest, setup),
	    cmocka_unit_test_setup(test_op_errors, setup),
	    cmocka_unit_test_setup(test_missing_ops, setup),
	    cmocka_unit_test_setup(test_comments_and_blank, setup),
	    cmocka_unit_test_setup(test_echo, setup),
	    cmocka_unit_test_setup(test_sleep, setup),
	    cmocka_unit_test_setup(test_scale, setup),
	    cmocka_unit_test_setup(test_line_length, setup),
	    cmocka_unit_test_setup(test_script, setup),
	    cmocka_unit_test_setup(test_script_bad_lines, setup),
	    cmocka_unit_test_setup(test_line_editor, setup),
	    cmocka_unit_test_setup(test_line_editor_overlong, setup),
	    cmocka_unit_test_setup(test_line_editor_no_echo, setup),
	    cmocka_unit_test_setup(test_set, setup),
	    cmocka_unit_test_setup(test_set_errors, setup),
	    cmocka_unit_test_setup(test_set_op_errors, setup),
	    cmocka_unit_test_setup(test_fuzz, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
