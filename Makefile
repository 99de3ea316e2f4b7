# Shoji build. `make` builds everything into $(BUILD); `make run` boots the
# demo in QEMU + OVMF; `make test` runs unit and system tests. Both install
# missing Debian packages first (tools/install-deps.sh).

BUILD ?= build
# newlib's libc is built once and shared by every build directory.
NEWLIB ?= build/newlib
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

CC := gcc
GCC_INCLUDE := $(shell $(CC) -print-file-name=include)
WARN := -Wall -Wextra -Werror -Wno-unused-parameter

# --- the hypervisor kernel -------------------------------------------------
KERNEL_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-pic -fno-pie \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-omit-frame-pointer \
	-fno-strict-aliasing -ffunction-sections -fdata-sections \
	-nostdinc -isystem $(NEWLIB)/include -isystem $(GCC_INCLUDE) -I. \
	-I$(BUILD)/gen -fno-asynchronous-unwind-tables \
	-D__DYNAMIC_REENT__ -DSHOJI_VERSION='"$(VERSION)"' -MMD -MP
KERNEL_ASFLAGS := -g -I. -D__ASSEMBLY__ -MMD -MP

KERNEL_DIRS := kernel kernel/* arch/x86 arch/x86/* drivers
KERNEL_C := $(sort $(wildcard $(addsuffix /*.c,$(KERNEL_DIRS))))
KERNEL_S := $(sort $(wildcard $(addsuffix /*.S,$(KERNEL_DIRS))))
KERNEL_OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(KERNEL_C) $(KERNEL_S))

# --- the UEFI loader (gnu-efi) ---------------------------------------------
EFI_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fpic -fshort-wchar \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -maccumulate-outgoing-args \
	-DGNU_EFI_USE_MS_ABI -I/usr/include/efi -I/usr/include/efi/x86_64 -I. \
	-DSHOJI_VERSION='"$(VERSION)"' -MMD -MP
EFI_C := $(sort $(wildcard boot/*.c))
EFI_OBJS := $(patsubst %,$(BUILD)/efiobj/%.o,$(EFI_C))

.DEFAULT_GOAL := all

# Test guests: tests/guests/guests.mk defines GUEST_IMAGES and the `guests` target.
include tests/guests/guests.mk

CONFIG ?= tools/shoji.cfg
# Guest images the default config names; they go on the ESP and the ISO.
DEMO_GUESTS := hello64.elf hello32.elf realmode.bin
DEMO_FILES = $(foreach f,$(DEMO_GUESTS),$(BUILD)/guests/$(f)=guests/$(f))

.PHONY: all deps run test unit-test system-test bench study soak fuzz fuzz-build linux-artifacts clean format
all: $(BUILD)/kernel.elf $(BUILD)/shoji.efi guests $(BUILD)/esp/.stamp $(BUILD)/shoji.iso

deps:
	@tools/install-deps.sh

$(NEWLIB)/.stamp:
	tools/build-newlib.sh $(NEWLIB)

# The framebuffer console's font: GRUB's 8x16 ASCII bitmaps (grub-common).
$(BUILD)/gen/font8x16.h: /usr/share/grub/ascii.h
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/obj/%.c.o: %.c | $(NEWLIB)/.stamp $(BUILD)/gen/font8x16.h
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

$(BUILD)/kernel.elf: $(KERNEL_OBJS) linker.ld $(NEWLIB)/.stamp
	$(CC) -nostdlib -static -no-pie -Wl,--gc-sections -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--build-id=none \
		-Wl,-T,linker.ld -o $@ $(KERNEL_OBJS) $(NEWLIB)/lib/libc.a
	@if objdump -d $@ | grep -q -E '%[xyz]mm'; then \
		echo "error: $@ contains SSE/AVX instructions" >&2; rm -f $@; exit 1; fi

$(BUILD)/efiobj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/shoji.so: $(EFI_OBJS)
	ld -nostdlib -znocombreloc -shared -Bsymbolic -T /usr/lib/elf_x86_64_efi.lds \
		/usr/lib/crt0-efi-x86_64.o $(EFI_OBJS) -L/usr/lib -lefi -lgnuefi -o $@
	@# A -shared link accepts undefined symbols: in the loader they would be calls to 0.
	@if [ -n "$$(nm -u $@)" ]; then echo "error: $@ has undefined symbols:" >&2; \
		nm -u $@ >&2; rm -f $@; exit 1; fi

$(BUILD)/shoji.efi: $(BUILD)/shoji.so
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
		-j '.rel.*' -j '.rela.*' -j .reloc --target efi-app-x86_64 --subsystem=10 $< $@

$(BUILD)/esp/.stamp: $(BUILD)/shoji.efi $(BUILD)/kernel.elf $(CONFIG) tools/mkesp.sh $(GUEST_IMAGES)
	tools/mkesp.sh $(BUILD)/esp $(BUILD)/shoji.efi $(BUILD)/kernel.elf $(CONFIG) $(DEMO_FILES)
	@touch $@

$(BUILD)/shoji.iso: $(BUILD)/kernel.elf $(CONFIG) tools/mkiso.sh $(GUEST_IMAGES)
	tools/mkiso.sh $@ $(BUILD)/kernel.elf $(CONFIG) "" $(DEMO_FILES)

run: deps
	@$(MAKE) --no-print-directory all
	tools/run-qemu.sh $(BUILD)/esp

# --- tests -----------------------------------------------------------------
# A unit test names the sources it links in a comment: /* unit-test-sources: a.c b.c */
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))
UNIT_CFLAGS := -std=gnu11 -O1 -g $(WARN) -I. -DSHOJI_HOST_TEST -fsanitize=address,undefined

# Rebuilt when the test, the host stubs or any source it links in changes.
unit_sources = $(shell sed -n 's|.*unit-test-sources: *\(.*\) *\*/.*|\1|p' tests/unit/$(1).c)
.SECONDEXPANSION:
$(BUILD)/unit/%: tests/unit/%.c tests/unit/host_stubs.c $$(call unit_sources,$$*)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -o $@ $< tests/unit/host_stubs.c $(call unit_sources,$*) -lcmocka

unit-test: $(UNIT_TESTS)

# libFuzzer harnesses (clang, ASan + UBSan) for what guests and users hand the hypervisor.
# Each names the kernel sources it links in a fuzz-sources comment.
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -I. -DSHOJI_HOST_TEST \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
fuzz_sources = $(shell sed -n 's|.*fuzz-sources: *\(.*\) *\*/.*|\1|p' tests/fuzz/$(1).c)
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/unit/host_stubs.c $$(call fuzz_sources,$$*)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< tests/unit/host_stubs.c $(call fuzz_sources,$*)

fuzz-build: $(FUZZ_TARGETS)

# Long fuzzing runs: FUZZ_SECONDS per harness (default 600); corpora grow in $(BUILD)/fuzz.
fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	python3 tests/run.py --build $(BUILD) --fuzz-seconds $(or $(FUZZ_SECONDS),600) --fuzz-seed 0 fuzz/

# Debian's cloud kernel for the Linux guest scenarios: from Debian's registry, never committed.
linux-artifacts:
	tools/fetch-linux.sh $(BUILD)/linux

test: deps
	@$(MAKE) --no-print-directory all unit-test fuzz-build linux-artifacts
	python3 tests/run.py --build $(BUILD)

# Exit round trips, scheduling and start-up under Bochs (VT-x, exact instruction counts);
# BACKEND=svm for QEMU's exit round trips; density (256 guests of 1 MiB, 1000 clones in
# 512 MiB) and throughput of 1..16 instances on 4 CPUs; Debian's kernel booting natively and as a guest (Bochs and QEMU, results also
# in BUILD/bench/linux-boot.json).
bench: deps
	@$(MAKE) --no-print-directory all linux-artifacts
	python3 tools/bench.py --build $(BUILD) --backend $(or $(BACKEND),vmx)
	python3 tools/bench.py --build $(BUILD) --sched
	python3 tools/bench.py --build $(BUILD) --startup
	SHOJI_DENSITY_GUESTS=256 SHOJI_DENSITY_CLONES=1000 \
		python3 tests/run.py --build $(BUILD) bochs-density-guests bochs-density-clones
	python3 tools/bench.py --build $(BUILD) --throughput
	python3 tools/bench.py --build $(BUILD) --linux

# The overhead study (tools/study.py): native, container and Shoji columns under QEMU (RUNS
# runs each, default 5) and Bochs, the Linux boot figures, then the report with its charts
# (BUILD/study/report.md). QUICK=1: the few-minute smoke version make test runs.
study: deps
	@$(MAKE) --no-print-directory all linux-artifacts
ifeq ($(QUICK),1)
	python3 tools/study.py --build $(BUILD) --quick
else
	python3 tools/study.py --build $(BUILD) --runs $(or $(RUNS),5)
	python3 tools/bench.py --build $(BUILD) --linux
endif
	/usr/bin/python3 tools/study_report.py $(BUILD)/study # Debian's, with its matplotlib

# Soaks for long: SOAK_CYCLES (default 1000) start/crash/restart/stop cycles, and
# CHAOS_RUNS (default 10, over 10^6 exits) chaos walks per backend beside the innocent guest.
soak: deps
	@$(MAKE) --no-print-directory all
	SHOJI_SOAK_CYCLES=$(or $(SOAK_CYCLES),1000) SHOJI_CHAOS_RUNS=$(or $(CHAOS_RUNS),10) \
		python3 tests/run.py --build $(BUILD) restart-soak chaos

system-test: all unit-test
	python3 tests/run.py --build $(BUILD) $(ONLY)

clean:
	rm -rf $(BUILD)/obj $(BUILD)/efiobj $(BUILD)/unit $(BUILD)/esp $(BUILD)/guests \
		$(BUILD)/*.elf $(BUILD)/*.efi $(BUILD)/*.so $(BUILD)/*.iso $(BUILD)/tests $(BUILD)/fuzz

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

-include $(shell find $(BUILD)/obj $(BUILD)/efiobj -name '*.d' 2>/dev/null)
