/*
 * study-kvm: the overhead study's hosted-hypervisor column. A minimal KVM VMM
 * (Debian 12 has no kvmtool, and its QEMU is too heavy to boot under the
 * emulators), run by tools/study/init.sh inside the booted kernel:
 *
 *   study-kvm BZIMAGE INITRD MEGS CMDLINE
 *
 * boots a Linux bzImage in one vCPU with MEGS MiB through the 64-bit boot
 * protocol (Documentation/x86/boot.rst), with KVM's own interrupt controllers
 * and PIT, and a 16550 UART at 0x3f8 (IRQ 4) whose output goes to stdout.
 * Other ports read as all ones, as on a PC with nothing there. The run ends
 * when the guest powers off or halts (its last "reboot: " line), resets or
 * triple-faults. It says "study-kvm: guest /init after N ns" when the guest's
 * /init prints its first line: the time from creating the VM to it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ZERO_PAGE 0x10000
#define CMDLINE	  0x20000
#define GDT	  0x500
#define PML4	  0x1000 /* then PDPT and one page directory: 1 GiB identity-mapped */
#define HIGH_RAM  0x100000
#define LOW_END	  0x9f000
#define UART	  0x3f8
#define UART_IRQ  4

static const char *const INIT_LINE = "shoji-init: /init running";
/* Linux's last line when it powers off (with ACPI) or halts (without: as here). */
static const char *const POWER_OFF[] = {"reboot: Power down", "reboot: System halted"};

static void die(const char *what)
{
	fprintf(stderr, "study-kvm: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fail(const char *what)
{
	fprintf(stderr, "study-kvm: %s\n", what);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void *read_file(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st))
		die(path);
	void *p = malloc((size_t)st.st_size);
	if (!p || read(fd, p, (size_t)st.st_size) != st.st_size)
		die(path);
	close(fd);
	*size = (size_t)st.st_size;
	return p;
}

static uint32_t le(const uint8_t *p, int n)
{
	uint32_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The 16550 as Linux's 8250 driver uses it: no FIFO, transmit at once. */
struct uart {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	int thre_pending; /* the "transmitter empty" interrupt, until IIR reports it */
	char line[256];	  /* the output line so far, to spot the markers */
	size_t len;
	int powered_off;
	uint64_t created_ns;
};

static int uart_irq_level(const struct uart *u)
{
	return (u->ier & 0x02) && u->thre_pending;
}

static void uart_output(struct uart *u, char c)
{
	putchar(c);
	if (c != '\n') {
		if (u->len < sizeof(u->line) - 1)
			u->line[u->len++] = c;
		return;
	}
	fflush(stdout);
	u->line[u->len] = '\0';
	if (strstr(u->line, INIT_LINE))
		printf("study-kvm: guest /init after %llu ns\n",
		       (unsigned long long)(now_ns() - u->created_ns));
	for (size_t i = 0; i < sizeof(POWER_OFF) / sizeof(POWER_OFF[0]); i++)
		if (strstr(u->line, POWER_OFF[i]))
			u->powered_off = 1;
	u->len = 0;
}

static uint8_t uart_access(struct uart *u, unsigned reg, int write, uint8_t v)
{
	int dlab = u->lcr & 0x80;
	switch (reg) {
	case 0:
		if (dlab)
			return write ? (u->dll = v) : u->dll;
		if (write) {
			uart_output(u, (char)v);
			u->thre_pending = 1;
		}
		return 0; /* nothing is ever received */
	case 1:
		if (dlab)
			return write ? (u->dlm = v) : u->dlm;
		if (write) {
			/* Enabling the THRE interrupt with the holder empty raises it. */
			if ((v & 0x02) && !(u->ier & 0x02))
				u->thre_pending = 1;
			u->ier = v & 0x0f;
		}
		return u->ier;
	case 2:
		if (write)
			return 0; /* FCR: no FIFO */
		if (uart_irq_level(u)) {
			u->thre_pending = 0;
			return 0x02;
		}
		return 0x01;
	case 3:
		return write ? (u->lcr = v) : u->lcr;
	case 4:
		return write ? (u->mcr = v & 0x1f) : u->mcr;
	case 5:
		return 0x60; /* THR and transmitter empty */
	case 6:
		/* In loopback (MCR bit 4) the modem inputs follow the outputs: the driver's
		 * probe checks that; otherwise DCD, DSR and CTS are up. */
		if (u->mcr & 0x10)
			return (uint8_t)((u->mcr & 1) << 5 | (u->mcr & 2) << 3 |
					 (u->mcr & 0xc) << 4);
		return 0xb0;
	default:
		return write ? (u->scr = v) : u->scr;
	}
}

static void set_irq(int vm, unsigned irq, int level)
{
	struct kvm_irq_level l = {.irq = irq, .level = (uint32_t)level};
	if (ioctl(vm, KVM_IRQ_LINE, &l))
		die("KVM_IRQ_LINE");
}

/* Zero page, command line, e820 map, initramfs: the boot protocol's part. */
static uint64_t load_linux(uint8_t *ram, uint64_t ram_size, const uint8_t *bz, size_t bz_size,
			   const uint8_t *rd, size_t rd_size, const char *cmdline)
{
	if (bz_size < 0x1000 || le(bz + 0x202, 4) != 0x53726448 || le(bz + 0x206, 2) < 0x20c ||
	    !(le(bz + 0x236, 2) & 1))
		fail("not a bzImage with a 64-bit entry (boot protocol 2.12+, XLF_KERNEL_64)");
	unsigned setup = bz[0x1f1] ? bz[0x1f1] : 4;
	size_t off = (setup + 1) * 512ul, init_size = le(bz + 0x260, 4);
	uint64_t kernel = le(bz + 0x258, 4); /* pref_address: no relocation needed there */
	if (off >= bz_size || kernel < HIGH_RAM || kernel + init_size > ram_size / 2 ||
	    strlen(cmdline) >= le(bz + 0x238, 4))
		fail("kernel, its init_size or the command line does not fit");
	memcpy(ram + kernel, bz + off, bz_size - off);
	uint8_t *zp = ram + ZERO_PAGE;
	size_t header_end = 0x202 + bz[0x201];
	memcpy(zp + 0x1f1, bz + 0x1f1, header_end - 0x1f1);
	zp[0x210] = 0xff;  /* type_of_loader: undefined */
	zp[0x211] |= 0x01; /* loadflags: LOADED_HIGH */
	strcpy((char *)ram + CMDLINE, cmdline);
	*(uint32_t *)(zp + 0x228) = CMDLINE;
	uint64_t rd_at = ((ram_size - rd_size) & ~0xfffull);
	uint32_t rd_max = le(bz + 0x22c, 4);
	if (rd_at + rd_size > (uint64_t)rd_max + 1)
		rd_at = ((uint64_t)rd_max + 1 - rd_size) & ~0xfffull;
	if (rd_at < kernel + init_size)
		fail("the initramfs does not fit above the kernel");
	memcpy(ram + rd_at, rd, rd_size);
	*(uint32_t *)(zp + 0x218) = (uint32_t)rd_at;
	*(uint32_t *)(zp + 0x21c) = (uint32_t)rd_size;
	struct {
		uint64_t addr, size;
		uint32_t type;
	} __attribute__((packed)) e820[] = {{0, LOW_END, 1}, {HIGH_RAM, ram_size - HIGH_RAM, 1}};
	memcpy(zp + 0x2d0, e820, sizeof(e820));
	zp[0x1e8] = 2;
	return kernel + 0x200; /* the 64-bit entry */
}

/* Long mode with the first GiB identity-mapped, as the 64-bit entry wants it. */
static void long_mode(int vcpu, uint8_t *ram, uint64_t entry)
{
	uint64_t *pml4 = (uint64_t *)(ram + PML4), *pdpt = pml4 + 512, *pd = pdpt + 512;
	pml4[0] = (PML4 + 0x1000) | 3;
	pdpt[0] = (PML4 + 0x2000) | 3;
	for (uint64_t i = 0; i < 512; i++)
		pd[i] = i << 21 | 0x83;
	uint64_t *gdt = (uint64_t *)(ram + GDT);
	gdt[2] = 0x00af9b000000ffffull; /* 0x10: 64-bit code */
	gdt[3] = 0x00cf93000000ffffull; /* 0x18: data */
	struct kvm_sregs s;
	if (ioctl(vcpu, KVM_GET_SREGS, &s))
		die("KVM_GET_SREGS");
	struct kvm_segment code = {.base = 0,
				   .limit = 0xffffffff,
				   .selector = 0x10,
				   .type = 11,
				   .present = 1,
				   .s = 1,
				   .l = 1,
				   .g = 1};
	struct kvm_segment data = code;
	data.selector = 0x18, data.type = 3, data.l = 0, data.db = 1;
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.gdt.base = GDT, s.gdt.limit = 4 * 8 - 1;
	s.cr3 = PML4;
	s.cr4 = 1u << 5;		      /* PAE */
	s.cr0 = 1u << 0 | 1u << 4 | 1u << 31; /* PE, ET, PG */
	s.efer = 1u << 8 | 1u << 10;	      /* LME, LMA */
	if (ioctl(vcpu, KVM_SET_SREGS, &s))
		die("KVM_SET_SREGS");
	struct kvm_regs r = {.rip = entry, .rsi = ZERO_PAGE, .rflags = 2};
	if (ioctl(vcpu, KVM_SET_REGS, &r))
		die("KVM_SET_REGS");
}

/*
 * The CPUID KVM supports, as the guest's, with the hypervisor bit set (KVM
 * leaves it to the VMM): it makes Linux look for KVM's leaves and time with
 * kvmclock instead of calibrating against the PIT, as under any KVM VMM.
 */
static void set_cpuid(int kvm, int vcpu)
{
	int n = 128;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));
	c->nent = (uint32_t)n;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c))
		die("KVM_GET_SUPPORTED_CPUID");
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1)
			c->entries[i].ecx |= 1u << 31;
	if (ioctl(vcpu, KVM_SET_CPUID2, c))
		die("KVM_SET_CPUID2");
	free(c);
}

/*
 * KVM's exit counters for this VM (debugfs, KVM_PID-FD/, mounted by the
 * caller), printed before the VM goes and takes its directory with it.
 */
static void print_exit_counters(void)
{
	static const char *const names[] = {"exits",	    "io_exits",		 "mmio_exits",
					    "irq_exits",    "halt_exits",	 "irq_window_exits",
					    "signal_exits", "request_irq_exits", "insn_emulation",
					    "hypercalls",   "nmi_window_exits"};
	char prefix[32], path[300];
	snprintf(prefix, sizeof(prefix), "%d-", getpid());
	DIR *d = opendir("/sys/kernel/debug/kvm");
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix)))
			break;
	for (size_t i = 0; d && e && i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%s/%s", e->d_name, names[i]);
		FILE *f = fopen(path, "r");
		unsigned long long n;
		if (f && fscanf(f, "%llu", &n) == 1)
			printf("study-kvm: exits %s %llu\n", names[i], n);
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
}

int main(int argc, char **argv)
{
	if (argc != 5)
		fail("usage: study-kvm BZIMAGE INITRD MEGS CMDLINE");
	uint64_t ram_size = strtoull(argv[3], NULL, 0) << 20;
	if (ram_size < (64u << 20) || ram_size > (1ull << 30))
		fail("MEGS must be 64 to 1024: the page tables map 1 GiB");
	size_t bz_size, rd_size;
	uint8_t *bz = read_file(argv[1], &bz_size), *rd = read_file(argv[2], &rd_size);

	uint64_t created = now_ns();
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	if (ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000ul) || ioctl(vm, KVM_CREATE_IRQCHIP, 0))
		die("KVM_SET_TSS_ADDR / KVM_CREATE_IRQCHIP");
	struct kvm_pit_config pit = {.flags = 0};
	if (ioctl(vm, KVM_CREATE_PIT2, &pit))
		die("KVM_CREATE_PIT2");
	uint8_t *ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		die("mmap");
	struct kvm_userspace_memory_region region = {.slot = 0,
						     .guest_phys_addr = 0,
						     .memory_size = ram_size,
						     .userspace_addr = (uint64_t)(uintptr_t)ram};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		die("KVM_SET_USER_MEMORY_REGION");
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run =
	    mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	set_cpuid(kvm, vcpu);
	long_mode(vcpu, ram, load_linux(ram, ram_size, bz, bz_size, rd, rd_size, argv[4]));
	free(bz);
	free(rd);

	struct uart uart = {.created_ns = created};
	int level = 0;
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) && errno != EINTR)
			die("KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			uint8_t *data = (uint8_t *)run + run->io.data_offset;
			for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
				int write = run->io.direction == KVM_EXIT_IO_OUT;
				if (run->io.port >= UART && run->io.port < UART + 8 &&
				    run->io.size == 1)
					*data =
					    uart_access(&uart, run->io.port - UART, write, *data);
				else if (!write)
					memset(data, 0xff, run->io.size);
			}
			break;
		}
		case KVM_EXIT_MMIO:
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, run->mmio.len);
			break;
		case KVM_EXIT_SHUTDOWN:
			printf("study-kvm: the guest reset or triple-faulted\n");
			return 0;
		case KVM_EXIT_HLT:
			printf("study-kvm: the guest halted\n");
			return 0;
		case KVM_EXIT_INTR:
			break;
		default:
			fprintf(stderr, "study-kvm: unexpected exit %u\n", run->exit_reason);
			return 1;
		}
		if (uart_irq_level(&uart) != level) {
			level = uart_irq_level(&uart);
			set_irq(vm, UART_IRQ, level);
		}
		if (uart.powered_off) {
			print_exit_counters();
			printf("study-kvm: the guest powered off\n");
			return 0;
		}
	}
}
