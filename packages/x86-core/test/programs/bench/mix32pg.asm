; Benchmark body: mix32 (ALU / branch / call / stack mix) with 32-bit paging on, 0-16 MiB
; identity-mapped with 4 KiB pages (bench/paging.inc). Loaded at 0x1000, passes from [0xFF0].
%include "bench/paging.inc"
bits 32
org 0x1000
    PAGING_ON
%include "bench/mix32.inc"
