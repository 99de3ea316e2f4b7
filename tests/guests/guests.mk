# Test guests: small freestanding images that Shoji runs as guests.
# Included by the top Makefile; outputs go to $(BUILD)/guests/.
#   ELF64 (VCPU_START_LONG64): hello64 exits escape crash bench spin startup contract ...
#   ELF32 (VCPU_START_PROT32): hello32
#   Multiboot kernels (named by 'kernel'): mb1 and mb2 (ELF32), mb1aout.bin (a.out
#   kludge, flat), and mbmod.txt, the module they check
#   flat real-mode binary (VCPU_START_REAL, loaded at 0x8000): realmode

GUEST_DIR := tests/guests
GUEST_OUT := $(BUILD)/guests

GUEST_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdlib -fno-pic \
	-fno-pie -fno-stack-protector -mno-red-zone -mgeneral-regs-only \
	-fno-asynchronous-unwind-tables -I. -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack \
	-Wl,-z,max-page-size=0x1000

GUEST64_NAMES := hello64 exits escape crash bench spin hog idle smp fpu startup contract stuck chaos ticker innocent reset apic instance counter writer service clone resize
GUEST64_LIB := start64.S serial.c print.c hypercall.c trap.c trap64.S check.c
GUEST64_LIB_OBJS := $(patsubst %,$(GUEST_OUT)/lib64/%.o,$(GUEST64_LIB))
GUEST32_LIB_OBJS := $(patsubst %,$(GUEST_OUT)/lib32/%.o,start32.S serial.c)

MB_IMAGES := $(GUEST_OUT)/mb1.elf $(GUEST_OUT)/mb2.elf $(GUEST_OUT)/mb1aout.bin \
	$(GUEST_OUT)/mbmod.txt
GUEST_IMAGES := $(patsubst %,$(GUEST_OUT)/%.elf,$(GUEST64_NAMES) hello32) \
	$(GUEST_OUT)/realmode.bin $(MB_IMAGES)

.PHONY: guests
guests: $(GUEST_IMAGES)

$(GUEST_OUT)/lib64/%.o: $(GUEST_DIR)/lib/%
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -m64 -c $< -o $@

$(GUEST_OUT)/lib32/%.o: $(GUEST_DIR)/lib/%
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -m32 -c $< -o $@

$(GUEST_OUT)/obj/%.o: $(GUEST_DIR)/%
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) $(if $(filter hello32.c realmode.S,$*),-m32,-m64) -c $< -o $@

$(GUEST_OUT)/%.elf: $(GUEST_OUT)/obj/%.c.o $(GUEST64_LIB_OBJS) $(GUEST_DIR)/guest64.ld
	$(CC) -m64 $(GUEST_LDFLAGS) -Wl,-T,$(GUEST_DIR)/guest64.ld -o $@ $< $(GUEST64_LIB_OBJS)

# Linked at 64 KiB, so that they run in 1 MiB of RAM: startup (the bench's further 1 MiB
# guests) and clone (copy-on-write clones of a 1 MiB template).
GUEST64_LOW := startup clone
$(patsubst %,$(GUEST_OUT)/%.elf,$(GUEST64_LOW)): GUEST_LDFLAGS += -Wl,--defsym=GUEST_BASE=0x10000

# An explicit rule: it wins over the 64-bit pattern above.
$(GUEST_OUT)/hello32.elf: $(GUEST_OUT)/obj/hello32.c.o $(GUEST32_LIB_OBJS) $(GUEST_DIR)/guest32.ld
	$(CC) -m32 $(GUEST_LDFLAGS) -Wl,-T,$(GUEST_DIR)/guest32.ld -o $@ $< $(GUEST32_LIB_OBJS)

$(GUEST_OUT)/realmode.elf16: $(GUEST_OUT)/obj/realmode.S.o $(GUEST_DIR)/guest16.ld
	$(CC) -m32 $(GUEST_LDFLAGS) -Wl,-T,$(GUEST_DIR)/guest16.ld -o $@ $<

$(GUEST_OUT)/realmode.bin: $(GUEST_OUT)/realmode.elf16
	objcopy -O binary $< $@

# Multiboot test kernels: one header source (mbstart.S) built per flavour, linked by mb.ld.
MB_OUT := $(GUEST_OUT)/mb
$(MB_OUT)/start1.o: $(GUEST_DIR)/mbstart.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -m32 -DMB_VERSION=1 -c $< -o $@
$(MB_OUT)/start1aout.o: $(GUEST_DIR)/mbstart.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -m32 -DMB_VERSION=1 -DMB_AOUT -c $< -o $@
$(MB_OUT)/start2.o: $(GUEST_DIR)/mbstart.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -m32 -DMB_VERSION=2 -c $< -o $@
$(MB_OUT)/mb1aout.o: $(GUEST_DIR)/mb1.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -m32 -DMB_AOUT -c $< -o $@
$(MB_OUT)/%.o: $(GUEST_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -m32 -c $< -o $@
MB_COMMON := $(MB_OUT)/mbcheck.o $(GUEST_OUT)/lib32/serial.c.o $(GUEST_DIR)/mb.ld
MB_LINK = $(CC) -m32 $(GUEST_LDFLAGS) -Wl,-T,$(GUEST_DIR)/mb.ld -o $@ $(filter %.o,$^)

$(GUEST_OUT)/mb1.elf: $(MB_OUT)/start1.o $(MB_OUT)/mb1.o $(MB_COMMON)
	$(MB_LINK)
$(GUEST_OUT)/mb2.elf: $(MB_OUT)/start2.o $(MB_OUT)/mb2.o $(MB_COMMON)
	$(MB_LINK)
$(MB_OUT)/mb1aout.elf32: $(MB_OUT)/start1aout.o $(MB_OUT)/mb1aout.o $(MB_COMMON)
	$(MB_LINK)
$(GUEST_OUT)/mb1aout.bin: $(MB_OUT)/mb1aout.elf32
	objcopy -O binary $< $@
# The module the Multiboot kernels checksum (the scenario computes the expected CRC).
$(GUEST_OUT)/mbmod.txt: $(GUEST_DIR)/guests.mk
	@mkdir -p $(dir $@)
	printf 'Shoji Multiboot test module: %s\n' 0123456789abcdef0123456789abcdef > $@

# Keep the objects that pattern chains would otherwise delete as intermediates.
.SECONDARY: $(GUEST64_LIB_OBJS) $(GUEST32_LIB_OBJS) $(GUEST_OUT)/realmode.elf16 \
	$(MB_OUT)/mb1aout.elf32 \
	$(patsubst %,$(GUEST_OUT)/obj/%.c.o,$(GUEST64_NAMES) hello32) $(GUEST_OUT)/obj/realmode.S.o

-include $(shell find $(GUEST_OUT) -name '*.d' 2>/dev/null)
