; BCD adjust edge cases (SDM vol. 2 AAA/AAS/DAA/DAS "Operation"): AAA adds 106H to the whole of
; AX (a carry out of AL reaches AH), AAS subtracts 6 from the whole of AX (a borrow out of AL
; reaches AH) before decrementing AH; DAA/DAS with AF and CF both set.
%define USE_PM32
%include "inc/lib.inc"
section .text16
tests16:
%define IDB 0x1000
%include "inc/bcd-edge-body.inc"
    ret
section .text32
bits 32
tests32:
%undef IDB
%define IDB 0x2000
%include "inc/bcd-edge-body.inc"
    ret
