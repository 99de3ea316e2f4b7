/*
 * What newlib needs from its host: the syscall stubs (HARNESS.md: the
 * x86_64-elf build calls the plain names), per-CPU reent (__getreent, built
 * with __DYNAMIC_REENT__) and retargetable locks. Console output is the only
 * file; everything else fails cleanly with errno set.
 */
#include <errno.h>
#include <reent.h>
#include <sys/lock.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "kernel/core/console.h"
#include "kernel/mm/heap.h"
#include "kernel/core/panic.h"
#include "kernel/core/pcpu.h"
#include "kernel/core/spinlock.h"

#define STDOUT_FD 1
#define STDERR_FD 2

struct _reent *__getreent(void)
{
	return pcpu_ready() ? &this_pcpu()->reent : _impure_ptr;
}

int write(int fd, const void *buf, size_t len)
{
	if (fd != STDOUT_FD && fd != STDERR_FD) {
		errno = EBADF;
		return -1;
	}
	console_write(buf, len);
	return len;
}

int read(int fd, void *buf, size_t len)
{
	errno = EBADF;
	return -1;
}

int close(int fd)
{
	errno = EBADF;
	return -1;
}

int fstat(int fd, struct stat *st)
{
	if (fd != STDOUT_FD && fd != STDERR_FD) {
		errno = EBADF;
		return -1;
	}
	st->st_mode = S_IFCHR;
	return 0;
}

int isatty(int fd)
{
	return fd == STDOUT_FD || fd == STDERR_FD;
}

off_t lseek(int fd, off_t offset, int whence)
{
	errno = ESPIPE;
	return -1;
}

void *sbrk(ptrdiff_t increment)
{
	void *p = heap_sbrk(increment);
	if (p == (void *)-1)
		errno = ENOMEM;
	return p;
}

int getpid(void)
{
	return 1;
}

int kill(int pid, int sig)
{
	errno = EINVAL;
	return -1;
}

void _exit(int status)
{
	panic("libc: _exit(%d) called", status);
}

/*
 * Locks. Interrupts are off in the hypervisor, so a lock is never taken by
 * an interrupt on the same CPU; recursion is by the owning CPU only.
 */
struct __lock {
	struct spinlock spin;
	int owner; /* pcpu index + 1, 0 = free */
	unsigned depth;
};

struct __lock __lock___sinit_recursive_mutex, __lock___sfp_recursive_mutex,
    __lock___atexit_recursive_mutex, __lock___at_quick_exit_mutex, __lock___malloc_recursive_mutex,
    __lock___env_recursive_mutex, __lock___tz_mutex, __lock___dd_hash_mutex,
    __lock___arc4random_mutex;

static int lock_owner_id(void)
{
	return pcpu_ready() ? (int)this_pcpu()->index + 1 : 1;
}

/* Dynamically created newlib locks are rare (file streams); one shared pool keeps it simple. */
#define DYNAMIC_LOCKS 16
static struct __lock dynamic_locks[DYNAMIC_LOCKS];
static struct spinlock dynamic_locks_guard = SPINLOCK_INIT;
static unsigned dynamic_locks_used;

void __retarget_lock_init(_LOCK_T *lock)
{
	spin_lock(&dynamic_locks_guard);
	BUG_ON(dynamic_locks_used == DYNAMIC_LOCKS);
	*lock = &dynamic_locks[dynamic_locks_used++];
	spin_unlock(&dynamic_locks_guard);
}

void __retarget_lock_init_recursive(_LOCK_T *lock)
{
	__retarget_lock_init(lock);
}

void __retarget_lock_close(_LOCK_T lock)
{
}

void __retarget_lock_close_recursive(_LOCK_T lock)
{
}

void __retarget_lock_acquire_recursive(_LOCK_T lock)
{
	int me = lock_owner_id();
	if (lock->owner == me) {
		lock->depth++;
		return;
	}
	spin_lock(&lock->spin);
	lock->owner = me;
	lock->depth = 1;
}

void __retarget_lock_release_recursive(_LOCK_T lock)
{
	if (--lock->depth == 0) {
		lock->owner = 0;
		spin_unlock(&lock->spin);
	}
}

int __retarget_lock_try_acquire_recursive(_LOCK_T lock)
{
	int me = lock_owner_id();
	if (lock->owner == me) {
		lock->depth++;
		return 1;
	}
	if (!spin_trylock(&lock->spin))
		return 0;
	lock->owner = me;
	lock->depth = 1;
	return 1;
}

void __retarget_lock_acquire(_LOCK_T lock)
{
	__retarget_lock_acquire_recursive(lock);
}

void __retarget_lock_release(_LOCK_T lock)
{
	__retarget_lock_release_recursive(lock);
}

int __retarget_lock_try_acquire(_LOCK_T lock)
{
	return __retarget_lock_try_acquire_recursive(lock);
}
