; BCD, LOOP/JCXZ, ENTER/LEAVE, stack ops, data movement, CPUID: real mode then 32-bit PM.
%define USE_PM32
%include "inc/lib.inc"
section .text16
tests16:
%define IDB 0x1000
%include "inc/misc-body.inc"
    mov dword [V_EXCCNT], 0
    ret
section .text32
bits 32
tests32:
%undef IDB
%define IDB 0x2000
%include "inc/misc-body.inc"
    ret
