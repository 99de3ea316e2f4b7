/* The legacy 8259A PIC pair: the hypervisor uses the (IO)APICs, so both are masked. */
#ifndef SHOJI_DRIVERS_I8259_H
#define SHOJI_DRIVERS_I8259_H

/* Remap both PICs away from the exception vectors and mask every line. */
void i8259_disable(void);

#endif
