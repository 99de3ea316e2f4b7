# Test guests: small freestanding images that Shoji runs as guests.
# Included by the top Makefile; outputs go to $(BUILD)/guests/.
#   ELF64 (VCPU_START_LONG64): hello64 exits escape crash bench spin startup contract ...
#   ELF32 (VCPU_START_PROT32): hello32
#   flat real-mode binary (VCPU_START_REAL, loaded at 0x8000): realmode

GUEST_DIR := tests/guests
GUEST_OUT := $(BUILD)/guests

GUEST_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdlib -fno-pic \
	-fno-pie -fno-stack-protector -mno-red-zone -mgeneral-regs-only \
	-fno-asynchronous-unwind-tables -I. -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack \
	-Wl,-z,max-page-size=0x1000

GUEST64_NAMES := hello64 exits escape crash bench spin hog idle smp fpu startup contract stuck chaos ticker innocent reset
GUEST64_LIB := start64.S serial.c print.c hypercall.c trap.c trap64.S check.c
GUEST64_LIB_OBJS := $(patsubst %,$(GUEST_OUT)/lib64/%.o,$(GUEST64_LIB))
GUEST32_LIB_OBJS := $(patsubst %,$(GUEST_OUT)/lib32/%.o,start32.S serial.c)

GUEST_IMAGES := $(patsubst %,$(GUEST_OUT)/%.elf,$(GUEST64_NAMES) hello32) \
	$(GUEST_OUT)/realmode.bin

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

# An explicit rule: it wins over the 64-bit pattern above.
$(GUEST_OUT)/hello32.elf: $(GUEST_OUT)/obj/hello32.c.o $(GUEST32_LIB_OBJS) $(GUEST_DIR)/guest32.ld
	$(CC) -m32 $(GUEST_LDFLAGS) -Wl,-T,$(GUEST_DIR)/guest32.ld -o $@ $< $(GUEST32_LIB_OBJS)

$(GUEST_OUT)/realmode.elf16: $(GUEST_OUT)/obj/realmode.S.o $(GUEST_DIR)/guest16.ld
	$(CC) -m32 $(GUEST_LDFLAGS) -Wl,-T,$(GUEST_DIR)/guest16.ld -o $@ $<

$(GUEST_OUT)/realmode.bin: $(GUEST_OUT)/realmode.elf16
	objcopy -O binary $< $@

# Keep the objects that pattern chains would otherwise delete as intermediates.
.SECONDARY: $(GUEST64_LIB_OBJS) $(GUEST32_LIB_OBJS) $(GUEST_OUT)/realmode.elf16 \
	$(patsubst %,$(GUEST_OUT)/obj/%.c.o,$(GUEST64_NAMES) hello32) $(GUEST_OUT)/obj/realmode.S.o

-include $(shell find $(GUEST_OUT) -name '*.d' 2>/dev/null)
