; MUL/IMUL/DIV/IDIV incl. #DE through an installed handler, real mode then 32-bit protected mode.
%define USE_PM32
%include "inc/lib.inc"
section .text16
tests16:
%define IDB 0x1000
%include "inc/muldiv-body.inc"
    ret
section .text32
bits 32
tests32:
%undef IDB
%define IDB 0x2000
%include "inc/muldiv-body.inc"
    ret
