#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_guest_image, fuzz_acpi, fuzz_multiboot2,
fuzz_mmio_emulate, fuzz_i8259 and fuzz_repl_stream (tests/fuzz/corpus/<name>/): a few small valid inputs in each
harness's input format (see the harness's top comment). Run once; the files
are committed."""
import os
import struct

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(name, seed, data):
    with open(os.path.join(CORPUS, name, seed), "wb") as f:
        f.write(data)


# --- guest_image: options byte, load GPA, entry GPA, image ----------------------------------

def elf64(entry, segs, machine=62):
    """segs: (type, offset, vaddr, paddr, filesz, memsz, bytes)"""
    phoff, phnum = 64, len(segs)
    hdr = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    hdr += struct.pack("<HHIQQQIHHHHHH", 2, machine, 1, entry, phoff, 0, 0, 64, 56, phnum, 0, 0, 0)
    out = bytearray(hdr)
    for t, off, va, pa, fs, ms, _ in segs:
        out += struct.pack("<IIQQQQQQ", t, 5, off, va, pa, fs, ms, 0x1000)
    for _, off, _, _, fs, _, b in segs:
        out += bytes(off + fs - len(out)) if off + fs > len(out) else b""
        out[off:off + fs] = b[:fs].ljust(fs, b"\0")
    return bytes(out)


def elf32(entry, segs):
    phoff, phnum = 52, len(segs)
    hdr = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
    hdr += struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, entry, phoff, 0, 0, 52, 32, phnum, 0, 0, 0)
    out = bytearray(hdr)
    for t, off, va, pa, fs, ms, _ in segs:
        out += struct.pack("<IIIIIIII", t, off, va, pa, fs, ms, 5, 0x1000)
    for _, off, _, _, fs, _, b in segs:
        out += bytes(off + fs - len(out)) if off + fs > len(out) else b""
        out[off:off + fs] = b[:fs].ljust(fs, b"\0")
    return bytes(out)


def guest_image(opts, load, entry, image):
    return bytes([opts]) + struct.pack("<II", load, entry) + image


RAM_2M = 2 << 5  # options bits 5-6: RAM size 0x202000
code = b"\xf4" * 32
write("guest_image", "elf64", guest_image(RAM_2M, 0, 0, elf64(0x200010, [
    (1, 0x100, 0x200000, 0x200000, 32, 32, code),
    (0x6474e551, 0, 0, 0, 0, 0, b""),
    (1, 0x120, 0x201000, 0x201000, 16, 0x800, b"\xdd" * 16)])))
write("guest_image", "elf64_high_vaddr", guest_image(RAM_2M, 0, 0, elf64(
    0xffffffff80200004, [(1, 0x80, 0xffffffff80200000, 0x200000, 16, 0x40, code)])))
write("guest_image", "elf32", guest_image(RAM_2M, 0, 0, elf32(0x100000, [
    (1, 0x60, 0x100000, 0x100000, 32, 0x100, code)])))
write("guest_image", "flat", guest_image(1 << 5, 0, 0, b"\xea\x00\x00\x00\x08" + b"\x90" * 27))
write("guest_image", "flat_load_entry", guest_image(4 | 8 | 16 | 1 << 5, 0x7c00, 0x7c02,
                                                    b"\xeb\xfe" * 16))

# --- acpi: flags, RSDP length, RSDP, tables (u16 count + bytes) -----------------------------

def sdt(sig, body, rev=1, length=None):
    n = 36 + len(body) if length is None else length
    return sig + struct.pack("<IBB6s8sIII", n, rev, 0, b"SHOJI ", b"FUZZTBL ", 1, 0, 0) + body


def rsdp(rev, rsdt, xsdt):
    r = b"RSD PTR " + bytes([0]) + b"SHOJI " + bytes([rev]) + struct.pack("<I", rsdt)
    if rev >= 2:
        r += struct.pack("<IQB3s", 36, xsdt, 0, bytes(3))
    return r


def acpi(rsdp_bytes, tables, fix=1):
    out = bytes([fix, len(rsdp_bytes)]) + rsdp_bytes
    for t in tables:
        out += struct.pack("<H", len(t)) + t
    return out


def madt(cpus, rev=3):
    body = struct.pack("<II", 0xfee00000, 1)
    for i, apic in enumerate(cpus):
        body += struct.pack("<BBBBI", 0, 8, i, apic, 1)
    body += struct.pack("<BBBBII", 1, 12, 2, 0, 0xfec00000, 0)
    body += struct.pack("<BBHII", 9, 16, 0, 8, 1) + bytes(4)  # x2APIC 8, enabled
    return sdt(b"APIC", body, rev)


fadt_body = bytearray(244 - 36)
struct.pack_into("<I", fadt_body, 76 - 36, 0x608)          # PM_TMR_BLK
struct.pack_into("<I", fadt_body, 112 - 36, 1 << 8)        # flags: TMR_VAL_EXT
struct.pack_into("<H", fadt_body, 109 - 36, 3)             # IAPC_BOOT_ARCH
fadt = sdt(b"FACP", bytes(fadt_body), 6)
hpet = sdt(b"HPET", struct.pack("<IBBBBQBHB", 0x8086a201, 0, 64, 0, 0, 0xfed00000, 0, 0x80, 0))
mcfg = sdt(b"MCFG", bytes(8) + struct.pack("<QHBBI", 0xb0000000, 0, 0, 0xff, 0))
# XSDT is table 1 and lists tables 2..5; entries are table numbers (see the harness).
xsdt = sdt(b"XSDT", struct.pack("<QQQQ", 2, 3, 4, 5))
rsdt = sdt(b"RSDT", struct.pack("<III", 3, 2, 4))
write("acpi", "xsdt_all", acpi(rsdp(2, 6, 1), [xsdt, madt([0, 1, 2, 3]), fadt, hpet, mcfg, rsdt]))
write("acpi", "rsdt_acpi1", acpi(rsdp(0, 6, 0), [xsdt, madt([0, 2]), fadt, hpet, mcfg, rsdt]))
write("acpi", "madt_only", acpi(rsdp(2, 0, 1), [sdt(b"XSDT", struct.pack("<Q", 2)),
                                                madt([0, 1, 0xff], rev=5)]))
write("acpi", "bad_checksums", acpi(rsdp(2, 0, 1), [xsdt, madt([0])], fix=0))

# --- multiboot2: the information block as GRUB hands it over --------------------------------

def tag(t, body):
    b = struct.pack("<II", t, 8 + len(body)) + body
    return b + bytes(-len(b) % 8)


def mbi(tags):
    body = b"".join(tags) + tag(0, b"")
    return struct.pack("<II", 8 + len(body), 0) + body


mmap = struct.pack("<II", 24, 0) + b"".join(struct.pack("<QQII", b, l, t, 0) for b, l, t in [
    (0, 0x9fc00, 1), (0x9fc00, 0x400, 2), (0x100000, 0x7ee0000, 1), (0x7fe0000, 0x20000, 3)])
fb = struct.pack("<QIIIBBH6B", 0xfd000000, 4096, 1024, 768, 32, 1, 0, 16, 8, 8, 8, 0, 8)
rsdp_v1 = rsdp(0, 0xe0000, 0)
write("multiboot2", "grub", mbi([
    tag(1, b"shoji loglevel=debug\0"),
    tag(3, struct.pack("<II", 0x200000, 0x201000) + b"shoji.cfg\0"),
    tag(3, struct.pack("<II", 0x300000, 0x340000) + b"guests/hello64.elf arg1 arg2\0"),
    tag(6, mmap), tag(8, fb), tag(14, rsdp_v1), tag(15, rsdp(2, 0xe0000, 0xe0100))]))
write("multiboot2", "minimal", mbi([]))
write("multiboot2", "mmap_wide_entries", mbi([
    tag(6, struct.pack("<II", 32, 0) + struct.pack("<QQII8x", 0, 0xa0000, 1, 0) * 3)]))

# --- mmio_emulate: control, 15 instruction bytes, device value, RFLAGS, 16 GPRs + RSP -------

def mmio(mode, insn, dev=0x8877665544332211, rflags=0x202, ctl=0):
    regs = b"".join(struct.pack("<Q", 0x0101010101010101 * (i + 1) ^ 0x8000000080008080)
                    for i in range(17))
    return (bytes([mode | ctl]) + insn.ljust(15, b"\x90") + struct.pack("<QQ", dev, rflags)
            + regs)


M16, M32, M64 = 0, 1, 2
for name, mode, insn in [
        ("mov_store32", M64, b"\x89\x07"), ("mov_store8_high", M64, b"\x88\x27"),
        ("mov_store_r15", M64, b"\x4c\x89\x38"), ("mov_imm32", M64, b"\xc7\x00\x78\x56\x34\x12"),
        ("mov_imm64", M64, b"\x48\xc7\x00\x00\x00\x00\x80"), ("mov_imm8", M64, b"\xc6\x00\xab"),
        ("mov_load32", M64, b"\x8b\x07"), ("mov_load16", M64, b"\x66\x8b\x07"),
        ("mov_load8_high", M64, b"\x8a\x27"), ("mov_load64_r9", M64, b"\x4c\x8b\x0f"),
        ("moffs_load", M64, b"\xa1\x00\x00\xe0\xfe\x00\x00\x00\x00"),
        ("movzx8", M64, b"\x0f\xb6\x07"), ("movzx16", M64, b"\x0f\xb7\x07"),
        ("movsx8", M64, b"\x48\x0f\xbe\x07"), ("movsxd", M64, b"\x48\x63\x07"),
        ("mov_load_rsp", M64, b"\x8b\x20"), ("add_store", M64, b"\x01\x07"),
        ("or_imm", M64, b"\x81\x0f\x00\x01\x00\x00"), ("test_imm8", M64, b"\xf6\x07\x01"),
        ("xchg", M64, b"\x87\x07"), ("inc", M64, b"\xff\x07"), ("bts", M64, b"\x0f\xba\x2f\x05"),
        ("rep_stos", M64, b"\xf3\x48\xab"), ("lods", M64, b"\xac"),
        ("mov_load32_prot", M32, b"\x8b\x03"), ("mov_store16_real", M16, b"\x89\x07")]:
    write("mmio_emulate", name, mmio(mode, insn))
write("mmio_emulate", "mov_load_no_rsp", mmio(M64, b"\x8b\x20", ctl=4))
write("mmio_emulate", "mov_load_fails", mmio(M64, b"\x8b\x07", ctl=8))

# --- i8259: (op, value) pairs; op = action | target << 3 (see fuzz_i8259.c) -----------------

PIC_WRITE, PIC_READ, PIC_SET_IRQ, PIC_ACK = 0, 1, 2, 3
MASTER_CMD, MASTER_DATA, SLAVE_CMD, SLAVE_DATA, ELCR_MASTER, ELCR_SLAVE = range(6)


def pic(*steps):
    return b"".join(bytes([action | target << 3, value]) for action, target, value in steps)


def out(port, value):
    return (PIC_WRITE, port, value)


def irq(n, level):
    return (PIC_SET_IRQ, n, level)


ACK = (PIC_ACK, 0, 0)
LINUX_INIT = [out(MASTER_DATA, 0xff), out(SLAVE_DATA, 0xff),
              out(MASTER_CMD, 0x11), out(MASTER_DATA, 0x20), out(MASTER_DATA, 0x04),
              out(MASTER_DATA, 0x01), out(SLAVE_CMD, 0x11), out(SLAVE_DATA, 0x28),
              out(SLAVE_DATA, 0x02), out(SLAVE_DATA, 0x01)]
write("i8259", "linux_timer", pic(*LINUX_INIT, out(MASTER_DATA, 0xfe), irq(0, 1), irq(0, 0), ACK,
                                  out(MASTER_CMD, 0x0b), (PIC_READ, MASTER_CMD, 0),
                                  out(MASTER_CMD, 0x20), irq(0, 1), ACK))
write("i8259", "slave_level", pic(*LINUX_INIT, out(MASTER_DATA, 0xfb), out(SLAVE_DATA, 0xe6),
                                  out(ELCR_SLAVE, 0x08), irq(11, 1), irq(12, 1), ACK,
                                  out(SLAVE_CMD, 0x20), out(MASTER_CMD, 0x20), ACK,
                                  irq(11, 0), out(SLAVE_CMD, 0x20), out(MASTER_CMD, 0x20), ACK))
write("i8259", "poll_aeoi_rotate", pic(out(MASTER_CMD, 0x11), out(MASTER_DATA, 0x20),
                                       out(MASTER_DATA, 0x04), out(MASTER_DATA, 0x03),
                                       out(MASTER_CMD, 0x80), irq(3, 1), irq(5, 1), ACK, ACK,
                                       out(MASTER_CMD, 0x68), out(MASTER_CMD, 0x0c),
                                       irq(6, 1), (PIC_READ, MASTER_CMD, 0)))

# --- repl_stream: control byte, then records (see fuzz_repl_stream.c and repl_stream.h) -----

REPL_BEGIN, REPL_PAGE, REPL_VCPU, REPL_DEVICES, REPL_COMMIT = range(1, 6)


def crc32c(data):
    """CRC-32C (Castagnoli), bit by bit: what kernel/ha/crc32c.c computes."""
    crc = 0xffffffff
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82f63b78 if crc & 1 else crc >> 1
    return crc ^ 0xffffffff


assert crc32c(b"123456789") == 0xe3069283  # the catalogue's check value


def rec(rtype, epoch, arg=0, payload=b""):
    """One record, its CRC-32C over the header with crc 0, then the payload."""
    header = struct.pack("<IHHQQI", 0x4c50524a, rtype, 1, epoch, arg, len(payload))
    return header + struct.pack("<I", crc32c(header + bytes(4) + payload)) + payload


def epoch(n, *middle, count=None, flags=0):
    body = b"".join(middle)
    records = 1 + len(middle) if count is None else count
    return rec(REPL_BEGIN, n) + body + rec(REPL_COMMIT, n, 0, struct.pack("<II", records, flags))


def ctrl(reseal=False, per_feed=0, fail_at=0):
    return bytes([int(reseal) | per_feed << 1 | fail_at << 4])


os.makedirs(os.path.join(CORPUS, "repl_stream"), exist_ok=True)
page = bytes(range(256)) * 16
write("repl_stream", "all_types", ctrl() + epoch(
    1, rec(REPL_PAGE, 1, 0x7000, page), rec(REPL_VCPU, 1, 0, bytes(64)),
    rec(REPL_VCPU, 1, 1, b"\x01" * 64), rec(REPL_DEVICES, 1, 0, b"dev" * 40)))
write("repl_stream", "three_epochs_split", ctrl(per_feed=2) + epoch(1) +
      epoch(2, rec(REPL_VCPU, 2, 0, b"\xaa" * 16)) + epoch(7, rec(REPL_DEVICES, 7, 0, bytes(8))))
write("repl_stream", "callback_fails", ctrl(fail_at=3) + epoch(
    4, rec(REPL_VCPU, 4, 0, bytes(4)), rec(REPL_VCPU, 4, 1, bytes(4))) + epoch(5))
write("repl_stream", "open_epoch_resealed", ctrl(reseal=True, per_feed=1) + epoch(9) +
      rec(REPL_BEGIN, 10) + rec(REPL_DEVICES, 10, 0, bytes(32)))
write("repl_stream", "page_resealed", ctrl(reseal=True, per_feed=1) + epoch(
    2, rec(REPL_PAGE, 2, 0x1000, page)))
write("repl_stream", "commit_count_wrong", ctrl() + epoch(3, rec(REPL_VCPU, 3, 0, bytes(8)),
                                                          count=3))
