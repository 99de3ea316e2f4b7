#!/usr/bin/env python3
"""Check that includes run one way through the layers (README "Architecture").

kernel/ is split into layers, lowest first; a file may include headers of
its own layer and of lower ones, never of a higher one. arch/, drivers/ and
boot/ have fixed places around them (RULES below). Prints each violation as
`file:line: <layer> includes <header> (<layer>, higher)` and exits 1 if any.

usage: tools/check-layers.py [ROOT]
"""
import os
import re
import sys

# kernel/ layers, lowest first.
KERNEL_LAYERS = ("core", "mm", "sched", "guest", "vdev", "emul", "vm", "ha", "mgmt", "init")

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


# Shared by both backends: the entry stubs' register layout, and the link
# point that picks a backend from CPUID.
BACKEND_GLUE = ("arch/x86/vcpu_regs_asm.h", "arch/x86/virt_select.c")


def layer_of(path):
    """The layer a repository path belongs to, or None if it has none."""
    if path in BACKEND_GLUE:
        return "arch/x86/backends"
    parts = path.split("/")
    if parts[0] == "kernel" and len(parts) > 2 and parts[1] in KERNEL_LAYERS:
        return "kernel/" + parts[1]
    if parts[:2] == ["arch", "x86"] and len(parts) > 3 and parts[2] in ("vmx", "svm"):
        return "arch/x86/" + parts[2]
    if parts[:2] == ["arch", "x86"]:
        return "arch/x86"
    if parts[0] in ("drivers", "boot"):
        return parts[0]
    if parts[0] == "kernel":
        return "kernel/?"  # a file outside every layer is itself an error
    return None


def allowed(layer):
    """The layers a file of `layer` may include."""
    low = ["arch/x86", "drivers", "kernel/core", "kernel/mm"]
    if layer in ("arch/x86", "drivers"):
        return set(low)
    if layer == "boot":
        return {"boot", "kernel/core"}
    if layer == "arch/x86/backends":
        return set(low) | {layer, "kernel/guest", "arch/x86/vmx", "arch/x86/svm"}
    if layer in ("arch/x86/vmx", "arch/x86/svm"):
        # A backend implements the vCPU seam (kernel/guest) and may use the
        # instruction decoder of kernel/emul; it never sees its sibling.
        return set(low) | {layer, "arch/x86/backends", "kernel/guest", "kernel/emul",
                           "kernel/sched"}
    if layer.startswith("kernel/") and layer[7:] in KERNEL_LAYERS:
        rank = KERNEL_LAYERS.index(layer[7:])
        # Vendor detail stays below the seam: kernel/ never includes vmx/ or svm/.
        return set(low) | {"kernel/" + l for l in KERNEL_LAYERS[:rank + 1]}
    return set()


def sources(root):
    for top in ("kernel", "arch", "drivers", "boot"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h", ".S")):
                    yield os.path.relpath(os.path.join(dirpath, f), root)


def check(root):
    errors = []
    for path in sorted(sources(root)):
        layer = layer_of(path)
        if layer == "kernel/?":
            errors.append("%s: not in any kernel layer (%s)" % (path, ", ".join(KERNEL_LAYERS)))
            continue
        ok = allowed(layer)
        with open(os.path.join(root, path), errors="replace") as f:
            for n, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = layer_of(m.group(1))
                if target and target != "kernel/?" and target not in ok:
                    errors.append("%s:%d: %s includes %s (%s, not below it)" %
                                  (path, n, layer, m.group(1), target))
    return errors


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    errors = check(root)
    for e in errors:
        print(e)
    print("layers: %s" % ("%d violations" % len(errors) if errors else "ok"))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
