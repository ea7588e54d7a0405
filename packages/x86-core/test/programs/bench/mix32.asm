; Benchmark body (32-bit flat PM at 0x1000): ALU / branch / call / stack mix, 100 inner iterations
; per pass, passes from [0xFF0].
bits 32
org 0x1000
%include "bench/mix32.inc"
