/*
 * SVM capabilities (APM 2 15.4, CPUID Fn8000_000A): what this CPU's SVM
 * offers, read once at boot, and which optional features Shoji uses.
 */
#ifndef SHOJI_ARCH_X86_SVM_SVM_CAPS_H
#define SHOJI_ARCH_X86_SVM_SVM_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_VM_CR	0xc0010114
#define MSR_VM_HSAVE_PA 0xc0010117
#define VM_CR_SVMDIS	(1ULL << 4)
#define EFER_SVME	(1ULL << 12)

struct svm_caps {
	uint32_t revision;
	uint32_t asids; /* number of ASIDs, ASID 0 being the host's */
	bool npt, nrips, decode_assists, clean_bits, flush_by_asid, npt_1g, host_nxe;
	/*
	 * What the backend uses: the hardware-assisted instruction length
	 * (NRIP-save) and MOV CR operand (decode assists), unless absent or
	 * turned off by `svm-no-assists`; otherwise it decodes guest memory.
	 */
	bool use_nrip, use_decode_assists;
	uint64_t cr4_allowed; /* CR4 bits a guest may set: those the CPU implements */
};

extern struct svm_caps svm_caps;

/*
 * Check CPUID and VM_CR, require nested paging, and pick features (cmdline
 * `svm-no-assists` forces the decoding fallback). 0, or -ENODEV with *why
 * naming exactly what is missing.
 */
int svm_caps_probe(const char *cmdline, const char **why);

/* Log which SVM features are used and which were found absent. */
void svm_caps_print(void);

#endif
