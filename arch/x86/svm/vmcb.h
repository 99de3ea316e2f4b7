/*
 * The virtual machine control block (APM 2 appendix B, table B-1 control
 * area, table B-2 state-save area), intercept bits and exit codes (APM 2
 * appendix C). The only place that knows VMCB offsets; arch/x86/svm only.
 */
#ifndef SHOJI_ARCH_X86_SVM_VMCB_H
#define SHOJI_ARCH_X86_SVM_VMCB_H

#include <stddef.h>
#include <stdint.h>

/* Segment in the state-save area; attrib is the 12-bit packed form (APM 2 15.5.1). */
struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib;
	uint32_t limit;
	uint64_t base;
};

#define VMCB_ATTR_S	    (1u << 4)
#define VMCB_ATTR_DPL_SHIFT 5
#define VMCB_ATTR_P	    (1u << 7)
#define VMCB_ATTR_L	    (1u << 9)
#define VMCB_ATTR_DB	    (1u << 10)
#define VMCB_ATTR_G	    (1u << 11)

struct vmcb {
	/* Control area (APM 2 table B-1). */
	uint32_t intercept_cr;	       /* 0x000: reads 15:0, writes 31:16 */
	uint32_t intercept_dr;	       /* 0x004 */
	uint32_t intercept_exceptions; /* 0x008 */
	uint32_t intercept_misc1;      /* 0x00c */
	uint32_t intercept_misc2;      /* 0x010 */
	uint32_t intercept_misc3;      /* 0x014 */
	uint8_t reserved_018[0x03c - 0x018];
	uint16_t pause_filter_threshold; /* 0x03c */
	uint16_t pause_filter_count;	 /* 0x03e */
	uint64_t iopm_base_pa;		 /* 0x040 */
	uint64_t msrpm_base_pa;		 /* 0x048 */
	uint64_t tsc_offset;		 /* 0x050 */
	uint32_t asid;			 /* 0x058 */
	uint8_t tlb_control;		 /* 0x05c */
	uint8_t reserved_05d[3];
	uint64_t vintr;		   /* 0x060: V_TPR, V_IRQ, V_INTR_MASKING... */
	uint64_t interrupt_shadow; /* 0x068 */
	uint64_t exitcode;	   /* 0x070 */
	uint64_t exitinfo1;	   /* 0x078 */
	uint64_t exitinfo2;	   /* 0x080 */
	uint64_t exitintinfo;	   /* 0x088 */
	uint64_t np_control;	   /* 0x090: bit 0 NP_ENABLE */
	uint64_t avic_apic_bar;	   /* 0x098 */
	uint64_t ghcb_pa;	   /* 0x0a0 */
	uint64_t eventinj;	   /* 0x0a8 */
	uint64_t n_cr3;		   /* 0x0b0 */
	uint64_t virt_ext;	   /* 0x0b8: LBR virtualization, virtual VMLOAD/VMSAVE */
	uint32_t clean;		   /* 0x0c0: VMCB clean bits */
	uint32_t reserved_0c4;
	uint64_t next_rip;	    /* 0x0c8: with NRIP-save */
	uint8_t insn_bytes_fetched; /* 0x0d0: with decode assists */
	uint8_t insn_bytes[15];	    /* 0x0d1 */
	uint8_t reserved_0e0[0x400 - 0x0e0];

	/* State-save area (APM 2 table B-2). */
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400 */
	uint8_t reserved_4a0[0x4cb - 0x4a0];
	uint8_t cpl; /* 0x4cb */
	uint32_t reserved_4cc;
	uint64_t efer; /* 0x4d0 */
	uint8_t reserved_4d8[0x548 - 0x4d8];
	uint64_t cr4;	 /* 0x548 */
	uint64_t cr3;	 /* 0x550 */
	uint64_t cr0;	 /* 0x558 */
	uint64_t dr7;	 /* 0x560 */
	uint64_t dr6;	 /* 0x568 */
	uint64_t rflags; /* 0x570 */
	uint64_t rip;	 /* 0x578 */
	uint8_t reserved_580[0x5d8 - 0x580];
	uint64_t rsp; /* 0x5d8 */
	uint64_t s_cet, ssp, isst_addr;
	uint64_t rax; /* 0x5f8 */
	/* 0x600: loaded and saved by VMLOAD/VMSAVE, not VMRUN (APM 2 15.5.2). */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t cr2; /* 0x640 */
	uint8_t reserved_648[0x668 - 0x648];
	uint64_t g_pat;	 /* 0x668 */
	uint64_t dbgctl; /* 0x670 */
	uint8_t reserved_678[0x1000 - 0x678];
};

_Static_assert(sizeof(struct vmcb) == 0x1000, "VMCB is one page");
_Static_assert(offsetof(struct vmcb, exitcode) == 0x070, "VMCB EXITCODE");
_Static_assert(offsetof(struct vmcb, eventinj) == 0x0a8, "VMCB EVENTINJ");
_Static_assert(offsetof(struct vmcb, next_rip) == 0x0c8, "VMCB nRIP");
_Static_assert(offsetof(struct vmcb, tr) == 0x490, "VMCB TR");
_Static_assert(offsetof(struct vmcb, efer) == 0x4d0, "VMCB EFER");
_Static_assert(offsetof(struct vmcb, rip) == 0x578, "VMCB RIP");
_Static_assert(offsetof(struct vmcb, rax) == 0x5f8, "VMCB RAX");
_Static_assert(offsetof(struct vmcb, cr2) == 0x640, "VMCB CR2");
_Static_assert(offsetof(struct vmcb, g_pat) == 0x668, "VMCB G_PAT");

/* intercept_cr */
#define VMCB_INTERCEPT_CR_WRITE(n) (1u << (16 + (n)))

/* intercept_misc1 (VMCB 0x00c) */
#define VMCB_INTERCEPT_INTR	 (1u << 0)
#define VMCB_INTERCEPT_NMI	 (1u << 1)
#define VMCB_INTERCEPT_SMI	 (1u << 2)
#define VMCB_INTERCEPT_INIT	 (1u << 3)
#define VMCB_INTERCEPT_VINTR	 (1u << 4)
#define VMCB_INTERCEPT_RDPMC	 (1u << 15)
#define VMCB_INTERCEPT_CPUID	 (1u << 18)
#define VMCB_INTERCEPT_INVD	 (1u << 22)
#define VMCB_INTERCEPT_HLT	 (1u << 24)
#define VMCB_INTERCEPT_INVLPGA	 (1u << 26)
#define VMCB_INTERCEPT_IOIO_PROT (1u << 27)
#define VMCB_INTERCEPT_MSR_PROT	 (1u << 28)
#define VMCB_INTERCEPT_SHUTDOWN	 (1u << 31)

/* intercept_misc2 (VMCB 0x010) */
#define VMCB_INTERCEPT_VMRUN   (1u << 0)
#define VMCB_INTERCEPT_VMMCALL (1u << 1)
#define VMCB_INTERCEPT_VMLOAD  (1u << 2)
#define VMCB_INTERCEPT_VMSAVE  (1u << 3)
#define VMCB_INTERCEPT_STGI    (1u << 4)
#define VMCB_INTERCEPT_CLGI    (1u << 5)
#define VMCB_INTERCEPT_SKINIT  (1u << 6)
#define VMCB_INTERCEPT_ICEBP   (1u << 8)
#define VMCB_INTERCEPT_WBINVD  (1u << 9)
#define VMCB_INTERCEPT_MONITOR (1u << 10)
#define VMCB_INTERCEPT_MWAIT   (1u << 11)
#define VMCB_INTERCEPT_XSETBV  (1u << 13)

#define VMCB_TLB_FLUSH_NONE   0
#define VMCB_TLB_FLUSH_ALL    1
#define VMCB_TLB_FLUSH_ASID   3
#define VMCB_VINTR_IRQ	      (1ULL << 8)
#define VMCB_VINTR_IGN_TPR    (1ULL << 20)
#define VMCB_VINTR_MASKING    (1ULL << 24)
#define VMCB_INTERRUPT_SHADOW (1ULL << 0)
#define VMCB_NP_ENABLE	      (1ULL << 0)

/* EVENTINJ and EXITINTINFO (APM 2 15.20, 15.7.2) */
#define VMCB_EVENT_VECTOR_MASK	  0xffu
#define VMCB_EVENT_TYPE_SHIFT	  8
#define VMCB_EVENT_TYPE_MASK	  (7u << VMCB_EVENT_TYPE_SHIFT)
#define VMCB_EVENT_TYPE_INTR	  (0u << VMCB_EVENT_TYPE_SHIFT)
#define VMCB_EVENT_TYPE_NMI	  (2u << VMCB_EVENT_TYPE_SHIFT)
#define VMCB_EVENT_TYPE_EXCEPTION (3u << VMCB_EVENT_TYPE_SHIFT)
#define VMCB_EVENT_TYPE_SOFTINT	  (4u << VMCB_EVENT_TYPE_SHIFT)
#define VMCB_EVENT_ERROR_VALID	  (1u << 11)
#define VMCB_EVENT_VALID	  (1u << 31)
#define VMCB_EVENT_ERROR_SHIFT	  32

/* Exit codes (APM 2 appendix C) */
#define SVM_EXIT_READ_CR0   0x000
#define SVM_EXIT_WRITE_CR0  0x010
#define SVM_EXIT_WRITE_CR15 0x01f
/* intercept_dr: bits 15:0 reads of DR0-15, 31:16 writes (APM 2 15.9.2). */
#define VMCB_INTERCEPT_DR_ALL 0xffffffffu
#define SVM_EXIT_READ_DR0   0x020
#define SVM_EXIT_READ_DR7   0x027
#define SVM_EXIT_WRITE_DR0  0x030
#define SVM_EXIT_WRITE_DR7  0x037
#define SVM_EXIT_EXCP_BASE  0x040
#define SVM_EXIT_EXCP_LAST  0x05f
#define SVM_EXIT_INTR	    0x060
#define SVM_EXIT_NMI	    0x061
#define SVM_EXIT_SMI	    0x062
#define SVM_EXIT_INIT	    0x063
#define SVM_EXIT_VINTR	    0x064
#define SVM_EXIT_RDPMC	    0x06f
#define SVM_EXIT_CPUID	    0x072
#define SVM_EXIT_INVD	    0x076
#define SVM_EXIT_PAUSE	    0x077
#define SVM_EXIT_HLT	    0x078
#define SVM_EXIT_INVLPGA    0x07a
#define SVM_EXIT_IOIO	    0x07b
#define SVM_EXIT_MSR	    0x07c
#define SVM_EXIT_SHUTDOWN   0x07f
#define SVM_EXIT_VMRUN	    0x080
#define SVM_EXIT_VMMCALL    0x081
#define SVM_EXIT_VMLOAD	    0x082
#define SVM_EXIT_VMSAVE	    0x083
#define SVM_EXIT_STGI	    0x084
#define SVM_EXIT_CLGI	    0x085
#define SVM_EXIT_SKINIT	    0x086
#define SVM_EXIT_ICEBP	    0x088
#define SVM_EXIT_WBINVD	    0x089
#define SVM_EXIT_MONITOR    0x08a
#define SVM_EXIT_MWAIT	    0x08b
#define SVM_EXIT_MWAIT_COND 0x08c
#define SVM_EXIT_XSETBV	    0x08d
#define SVM_EXIT_NPF	    0x400
#define SVM_EXIT_INVALID    (~0ULL)

/* IOIO EXITINFO1 (APM 2 15.10.2) */
#define SVM_IOIO_IN	    (1u << 0)
#define SVM_IOIO_STRING	    (1u << 2)
#define SVM_IOIO_REP	    (1u << 3)
#define SVM_IOIO_SIZE_SHIFT 4 /* SZ8, SZ16, SZ32 one-hot in bits 6:4 */
#define SVM_IOIO_PORT_SHIFT 16

/* NPF EXITINFO1: a #PF error code (APM 2 15.25.6) */
#define SVM_NPF_WRITE (1ULL << 1)
#define SVM_NPF_FETCH (1ULL << 4)

/* MOV CR EXITINFO1 with decode assists (APM 2 15.33.1) */
#define SVM_CR_DECODE_VALID    (1ULL << 63)
#define SVM_CR_DECODE_GPR_MASK 0xfULL

#endif
