/*
 * Ticket spinlock. The hypervisor runs with interrupts off, so a holder is
 * never preempted; FIFO order keeps CPUs from starving each other.
 */
#ifndef SHOJI_KERNEL_SPINLOCK_H
#define SHOJI_KERNEL_SPINLOCK_H

#include <stdint.h>

struct spinlock {
	volatile uint32_t next;
	volatile uint32_t owner;
};

#define SPINLOCK_INIT                                                                              \
	{                                                                                          \
		0, 0                                                                               \
	}

static inline void spin_lock(struct spinlock *l)
{
	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		__asm__ volatile("pause");
}

static inline int spin_trylock(struct spinlock *l)
{
	uint32_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	uint32_t expected = owner;
	return __atomic_compare_exchange_n(&l->next, &expected, owner + 1, 0, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

#endif
