/*
 * SVM capability discovery (APM 2 15.4 "Enabling SVM", 15.30.1 VM_CR,
 * CPUID Fn8000_000A). Nothing about the CPU is assumed that CPUID does not
 * report: QEMU's TCG, for one, offers SVM with NPT but none of the
 * optional assists.
 */
#include "arch/x86/svm/svm_caps.h"

#include <errno.h>

#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "kernel/core/cmdline.h"
#include "kernel/core/log.h"

#define CPUID_80000001_ECX_SVM (1u << 2)
#define CPUID_SVM_LEAF	       0x8000000a
#define SVM_EDX_NP	       (1u << 0)
#define SVM_EDX_NRIPS	       (1u << 3)
#define SVM_EDX_VMCB_CLEAN     (1u << 5)
#define SVM_EDX_FLUSH_BY_ASID  (1u << 6)
#define SVM_EDX_DECODE_ASSISTS (1u << 7)
#define SVM_REVISION_MASK      0xffu

/* CR4 bits and the CPUID bits that say the CPU implements them (APM 2 3.1.3). */
#define CR4_ALWAYS	     0x7ffULL /* VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT */
#define CR4_UMIP	     (1ULL << 11)
#define CR4_FSGSBASE	     (1ULL << 16)
#define CR4_PCIDE	     (1ULL << 17)
#define CR4_SMEP	     (1ULL << 20)
#define CR4_SMAP	     (1ULL << 21)
#define CR4_PKE		     (1ULL << 22)
#define CPUID_1_ECX_PCID     (1u << 17)
#define CPUID_1_ECX_XSAVE    (1u << 26)
#define CPUID_7_EBX_FSGSBASE (1u << 0)
#define CPUID_7_EBX_SMEP     (1u << 7)
#define CPUID_7_EBX_SMAP     (1u << 20)
#define CPUID_7_ECX_UMIP     (1u << 2)
#define CPUID_7_ECX_PKU	     (1u << 3)

struct svm_caps svm_caps;

/* 5-level paging, CET, VMXE/SMXE: not offered to guests. */
static uint64_t cr4_allowed(void)
{
	uint64_t allowed = CR4_ALWAYS;
	struct cpuid_regs l1 = cpuid(1, 0);
	if (l1.ecx & CPUID_1_ECX_PCID)
		allowed |= CR4_PCIDE;
	if (l1.ecx & CPUID_1_ECX_XSAVE)
		allowed |= CR4_OSXSAVE;
	if (cpuid_max_leaf(0) >= 7) {
		struct cpuid_regs l7 = cpuid(7, 0);
		allowed |= (l7.ebx & CPUID_7_EBX_FSGSBASE) ? CR4_FSGSBASE : 0;
		allowed |= (l7.ebx & CPUID_7_EBX_SMEP) ? CR4_SMEP : 0;
		allowed |= (l7.ebx & CPUID_7_EBX_SMAP) ? CR4_SMAP : 0;
		allowed |= (l7.ecx & CPUID_7_ECX_UMIP) ? CR4_UMIP : 0;
		allowed |= (l7.ecx & CPUID_7_ECX_PKU) ? CR4_PKE : 0;
	}
	return allowed;
}

int svm_caps_probe(const char *cmdline, const char **why)
{
	if (cpuid_max_leaf(0x80000000) < CPUID_SVM_LEAF ||
	    !(cpuid(0x80000001, 0).ecx & CPUID_80000001_ECX_SVM)) {
		*why = "svm: CPUID Fn8000_0001:ECX.SVM is 0";
		return -ENODEV;
	}
	/* APM 2 15.4: firmware may disable SVM (and lock that with VM_CR.LOCK). */
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		*why = "svm: disabled by firmware (VM_CR.SVMDIS)";
		return -ENODEV;
	}
	struct cpuid_regs leaf = cpuid(CPUID_SVM_LEAF, 0);
	svm_caps.revision = leaf.eax & SVM_REVISION_MASK;
	svm_caps.asids = leaf.ebx;
	svm_caps.npt = leaf.edx & SVM_EDX_NP;
	svm_caps.nrips = leaf.edx & SVM_EDX_NRIPS;
	svm_caps.clean_bits = leaf.edx & SVM_EDX_VMCB_CLEAN;
	svm_caps.flush_by_asid = leaf.edx & SVM_EDX_FLUSH_BY_ASID;
	svm_caps.decode_assists = leaf.edx & SVM_EDX_DECODE_ASSISTS;
	if (!svm_caps.npt) {
		*why = "svm: CPU lacks nested paging (NPT)";
		return -ENODEV;
	}
	if (svm_caps.asids < 2) {
		*why = "svm: CPU offers no guest ASID";
		return -ENODEV;
	}
	svm_caps.npt_1g = cpuid(0x80000001, 0).edx & CPUID_80000001_EDX_PAGE1GB;
	svm_caps.host_nxe = rdmsr(MSR_EFER) & EFER_NXE;
	bool forced_off = cmdline_has_flag(cmdline, "svm-no-assists");
	svm_caps.use_nrip = svm_caps.nrips && !forced_off;
	svm_caps.use_decode_assists = svm_caps.decode_assists && !forced_off;
	svm_caps.cr4_allowed = cr4_allowed();
	if (forced_off)
		log_info("svm: svm-no-assists: instruction lengths and MOV CR operands decoded "
			 "from guest memory (NRIP-save and decode assists not used)");
	return 0;
}

static const char *used(bool present, bool in_use)
{
	return !present ? "absent" : in_use ? "used" : "present, not used";
}

void svm_caps_print(void)
{
	log_info("svm: revision %u, %u ASIDs, NPT used (2M pages, 1G pages %s)", svm_caps.revision,
		 svm_caps.asids, svm_caps.npt_1g ? "used" : "absent");
	log_info("svm: NRIP-save %s, decode assists %s, VMCB clean bits %s, flush-by-ASID %s",
		 used(svm_caps.nrips, svm_caps.use_nrip),
		 used(svm_caps.decode_assists, svm_caps.use_decode_assists),
		 used(svm_caps.clean_bits, false), used(svm_caps.flush_by_asid, true));
	log_info("svm: instruction lengths from %s, MOV CR operands from %s",
		 svm_caps.use_nrip ? "nRIP" : "decoding guest memory",
		 svm_caps.use_decode_assists ? "EXITINFO1" : "decoding guest memory");
}
