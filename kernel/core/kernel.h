/* The loader-agnostic start of the hypervisor. */
#ifndef SHOJI_KERNEL_KERNEL_H
#define SHOJI_KERNEL_KERNEL_H

#include "kernel/core/boot_info.h"

__attribute__((noreturn)) void kernel_main(const struct boot_info *bi);

#endif
