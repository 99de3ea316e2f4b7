/*
 * Pick the virtualization backend from CPUID: VT-x when the CPU offers VMX,
 * AMD SVM when it offers SVM. The only place that knows both backends.
 */
#include <stddef.h>

#include "arch/x86/cpu.h"
#include "arch/x86/svm/svm.h"
#include "arch/x86/svm/svm_caps.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "kernel/guest/virt.h"

#define CPUID_1_ECX_VMX	       (1u << 5)
#define CPUID_80000001_ECX_SVM (1u << 2)

const struct virt_ops *virt;

const struct virt_ops *virt_probe(const char *cmdline, const char **why)
{
	if (cpuid(1, 0).ecx & CPUID_1_ECX_VMX) {
		if (vmx_caps_probe(cmdline, why))
			return NULL;
		vmx_caps_print();
		return &vmx_ops;
	}
	if (cpuid_max_leaf(0x80000000) >= 0x80000001 &&
	    (cpuid(0x80000001, 0).ecx & CPUID_80000001_ECX_SVM)) {
		if (svm_caps_probe(cmdline, why))
			return NULL;
		svm_caps_print();
		return &svm_ops;
	}
	*why = "CPU has neither VMX nor SVM";
	return NULL;
}
