"""The counter guest's console stream (tests/guests/counter.c), judged from a serial log.

The guest prints "seq N sum H" for N = 1, 2, 3, ..., where H is FNV-1a 64 over the
8 little-endian bytes of 1, 2, ..., N, in 16 lowercase hex digits. The hypervisor
logs each guest line as "[  secs.micros] [<guest>] <text>" (guest_console_line in
kernel/guest/guest.c). A stream that loses or repeats output across a failover, or
a guest whose memory does not match its registers, shows here as a gap, a repeat,
a wrong sum or the guest's own "memory check FAILED" line.

No SCENARIOS here: tests/system/counter.py and the redundancy scenarios use it.
Run this file to check the checker on synthetic logs.
"""
import re

FNV64_OFFSET_BASIS = 0xcbf29ce484222325
FNV64_PRIME = 0x100000001b3
MASK64 = (1 << 64) - 1
MAX_FAILURES = 10  # a stream wrong from some point on would otherwise fail every line

SEQ_LINE = re.compile(r"seq (\d+) sum ([0-9a-f]{16})")


def fnv1a(data, hash_=FNV64_OFFSET_BASIS):
    for byte in data:
        hash_ = ((hash_ ^ byte) * FNV64_PRIME) & MASK64
    return hash_


def counter_mix(sum_, n):
    """The guest's step: its running sum with iteration n folded in."""
    return fnv1a(n.to_bytes(8, "little"), sum_)


class _Sums:
    """The expected sum of any N, walking forward from the last one asked for."""

    def __init__(self):
        self.n, self.sum = 0, FNV64_OFFSET_BASIS

    def at(self, n):
        if n < self.n:
            self.n, self.sum = 0, FNV64_OFFSET_BASIS
        while self.n < n:
            self.n += 1
            self.sum = counter_mix(self.sum, self.n)
        return self.sum


def counter_line(n, sum_):
    return "seq %d sum %016x" % (n, sum_)


def guest_lines(log, prefix):
    """The texts of the console lines of guest `prefix`, in order. Searched, not anchored:
    a line may carry a terminal's debris before the timestamp."""
    pattern = re.compile(r"\[\s*\d+\.\d+\] \[%s\] (.*)$" % re.escape(prefix))
    texts = []
    for line in log.splitlines():
        m = pattern.search(line)
        if m:
            texts.append(m.group(1).rstrip("\r"))
    return texts


def stream_failures(scenario, log, prefix="counter"):
    """A scenario's check of guest `prefix`'s stream: it prints the range it saw, and returns
    what is wrong with it (counter_progress)."""
    failures, first, last = counter_progress(log, prefix)
    print("%s: %s: seq %s..%s" % (scenario, prefix, first, last))
    return failures


def counter_progress(log, prefix, from_first=False):
    """(failures, first N, last N) of guest `prefix`'s stream; first and last are None when
    it printed no seq line. N must start at 1, or anywhere with from_first."""
    texts = guest_lines(log, prefix)
    sums = _Sums()
    failures = []
    first = last = None
    for i, text in enumerate(texts):
        if "FAILED" in text:  # the guest's own verdict: memory check, heartbeat
            failures.append("[%s] %s" % (prefix, text))
            continue
        if text.startswith("counter: "):  # its banner and the detail after a FAILED line
            continue
        m = SEQ_LINE.fullmatch(text)
        if not m:
            # A stop from the console cuts the line being printed; the UART hands over
            # what it had. Only the stream's last line, and only the start of the right one.
            following = last + 1 if last is not None else (None if from_first else 1)
            if (i == len(texts) - 1 and following is not None and
                    counter_line(following, sums.at(following)).startswith(text)):
                continue
            failures.append("[%s] unexpected line %r" % (prefix, text))
            continue
        n, got = int(m.group(1)), int(m.group(2), 16)
        if last is None:
            want_first = n if from_first else 1
            if n != want_first:
                failures.append("[%s] first line is seq %d, expected seq %d" %
                                (prefix, n, want_first))
            first = n
        elif n <= last:
            failures.append("[%s] seq %d after seq %d: output repeated" % (prefix, n, last))
        elif n != last + 1:
            failures.append("[%s] seq %d after seq %d: %d lines lost" %
                            (prefix, n, last, n - last - 1))
        want = sums.at(n)
        if got != want:
            failures.append("[%s] seq %d: sum %016x, expected %016x" % (prefix, n, got, want))
        last = n
    if first is None:
        failures.append("[%s] no 'seq N sum H' line in the log" % prefix)
    if len(failures) > MAX_FAILURES:
        failures = failures[:MAX_FAILURES] + ["[%s] and %d more" %
                                              (prefix, len(failures) - MAX_FAILURES)]
    return failures, first, last


def check_counter(log, prefix, from_first=False):
    """The failures in guest `prefix`'s stream (empty: it is whole); counter_progress also
    says where it started and ended."""
    return counter_progress(log, prefix, from_first)[0]


def _self_test():
    # The standard FNV-1a 64 vectors: the guest and this file must agree with them, not
    # just with each other.
    assert fnv1a(b"") == 0xcbf29ce484222325
    assert fnv1a(b"a") == 0xaf63dc4c8601ec8c
    assert fnv1a(b"foobar") == 0x85944171f73967e8
    assert counter_mix(FNV64_OFFSET_BASIS, 1) == fnv1a(b"\x01" + b"\x00" * 7)
    assert counter_mix(counter_mix(FNV64_OFFSET_BASIS, 1), 2) == \
        fnv1a(b"\x01" + b"\x00" * 7 + b"\x02" + b"\x00" * 7)

    def log_of(seqs, prefix="counter", bad_sum_at=None, t=1.0):
        lines = ["[    0.500000] guests: starting counter",
                 "[    0.600000] [%s] counter: 64 data pages, 20000 pauses between lines" % prefix]
        sums = _Sums()
        for n in seqs:
            s = sums.at(n) ^ (1 if n == bad_sum_at else 0)
            t += 0.002
            lines.append("[%5d.%06d] [%s] %s" % (int(t), int(t * 1e6) % 1000000, prefix,
                                                  counter_line(n, s)))
        return "\r\n".join(lines) + "\r\n"

    def verdict(log, **kw):
        return counter_progress(log, "counter", **kw)

    good = log_of(range(1, 301))
    assert verdict(good) == ([], 1, 300), verdict(good)
    assert check_counter(good, "counter") == []

    gap = log_of([n for n in range(1, 301) if n != 57])
    fails, _, last = verdict(gap)
    assert last == 300 and len(fails) == 1 and "seq 58 after seq 56: 1 lines lost" in fails[0], fails

    dup = log_of(list(range(1, 58)) + list(range(57, 301)))
    fails, _, last = verdict(dup)
    assert last == 300 and fails == ["[counter] seq 57 after seq 57: output repeated"], fails
    # Resumed from an older checkpoint: said once, where the stream went back.
    back = log_of(list(range(1, 58)) + list(range(55, 301)))
    fails, _, _ = verdict(back)
    assert fails == ["[counter] seq 55 after seq 57: output repeated"], fails

    bad = log_of(range(1, 301), bad_sum_at=100)
    fails, _, _ = verdict(bad)
    assert len(fails) == 1 and "seq 100: sum" in fails[0], fails

    late = log_of(range(40, 90))
    fails, first, last = verdict(late)
    assert first == 40 and last == 89 and len(fails) == 1 and "first line is seq 40" in fails[0]
    assert verdict(late, from_first=True) == ([], 40, 89)

    memfail = good + "[    9.000000] [counter] counter: memory check FAILED at seq 301\r\n"
    fails, _, _ = verdict(memfail)
    assert len(fails) == 1 and "memory check FAILED at seq 301" in fails[0], fails

    # Another guest's lines, and the hypervisor's, are not this stream.
    other = log_of(range(1, 5), prefix="counter2") + log_of(range(1, 301))
    assert verdict(other) == ([], 1, 300)
    assert verdict(log_of(range(7, 9), prefix="counter2"))[0] == \
        ["[counter] no 'seq N sum H' line in the log"]

    # A stop in mid-line: the start of the right next line, last, is fine; anything else not.
    cut = counter_line(301, _Sums().at(301))[:13]
    assert verdict(good + "[    9.000000] [counter] %s\r\n" % cut) == ([], 1, 300)
    wrong_cut = counter_line(302, _Sums().at(302))[:13]
    assert len(verdict(good + "[    9.000000] [counter] %s\r\n" % wrong_cut)[0]) == 1
    mid = good.replace("[counter] seq 150 sum", "[counter] seq 150 sun")
    fails, _, _ = verdict(mid)
    assert any("unexpected line" in f for f in fails) and \
        any("seq 151 after seq 149: 1 lines lost" in f for f in fails), fails

    # Debris before the timestamp, as a terminal may leave it.
    debris = good.replace("[    1.00", "\x1b[0m[    1.00", 1)
    assert debris != good and verdict(debris) == ([], 1, 300)

    many = log_of(range(1, 301, 2))
    fails, _, _ = verdict(many)
    assert len(fails) == MAX_FAILURES + 1 and fails[-1].endswith("more"), fails
    print("counter_check: self-test passed")


if __name__ == "__main__":
    _self_test()
