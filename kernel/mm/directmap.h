/*
 * The hypervisor maps all of RAM (and the MMIO it uses) 1:1: a host-physical
 * address is also the virtual address that reaches it. Every conversion goes
 * through these two helpers so that the choice stays in one place (host unit
 * tests rely on it too: a pointer there doubles as a "physical" address).
 */
#ifndef SHOJI_KERNEL_DIRECTMAP_H
#define SHOJI_KERNEL_DIRECTMAP_H

#include "kernel/core/types.h"

static inline void *phys_to_virt(hpa_t hpa)
{
	return (void *)(uintptr_t)hpa;
}

static inline hpa_t virt_to_phys(const void *ptr)
{
	return (hpa_t)(uintptr_t)ptr;
}

#endif
