; Benchmark body: memset32 (SeaBIOS's byte-store memset loop) with 32-bit paging on, 0-16 MiB
; identity-mapped with 4 KiB pages (bench/paging.inc). Loaded at 0x1000, passes from [0xFF0].
%include "bench/paging.inc"
bits 32
org 0x1000
    PAGING_ON
%include "bench/memset32.inc"
