/* Offsets in struct vmx_vcpu the entry stub uses (checked in vmx.h). */
#ifndef SHOJI_ARCH_X86_VMX_VMX_ASM_H
#define SHOJI_ARCH_X86_VMX_VMX_ASM_H

#define VMX_VCPU_HOST_RSP 8
#define VMX_VCPU_LAUNCHED 16

#endif
