/*
 * realmode: a flat binary for VCPU_START_REAL. Shoji loads it at
 * guest-physical 0x8000 and starts it at CS:IP = 0x0800:0x0000 with a stack
 * of its choosing. Prints two lines through the UART and exits 0.
 */
#define UART_THR 0x3f8 /* GUEST_UART_PORT */
#define UART_LSR 0x3fd
#define UART_LSR_THRE 0x20
#define DEBUG_EXIT_PORT 0xf4 /* GUEST_DEBUG_EXIT_PORT */

	.code16
	.text
	.globl _start
_start:
	cli
	cld
	movw %cs, %ax /* our data sits in our code segment */
	movw %ax, %ds
	movw $msg, %si
	call puts
	xorb %al, %al
	outb %al, $DEBUG_EXIT_PORT
1:	hlt
	jmp 1b

/* Print the NUL-terminated string at DS:SI. */
puts:
	lodsb
	testb %al, %al
	jz 3f
	movb %al, %bl
	movw $UART_LSR, %dx
2:	inb %dx, %al
	testb $UART_LSR_THRE, %al
	jz 2b
	movb %bl, %al
	movw $UART_THR, %dx
	outb %al, %dx
	jmp puts
3:	ret

msg:
	.ascii "realmode: hello from real mode\n"
	.asciz "realmode: PASS\n"

	.section .note.GNU-stack, "", @progbits
