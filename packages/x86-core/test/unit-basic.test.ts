import { describe, expect, it } from 'vitest';
import { asm, REAL_PROLOG, rig } from './unit-fakes.js';

describe('real mode basics', () => {
  it('resets to F000:FFF0 with the signature in EDX', () => {
    const r = rig(asm('bits 16\nhlt\n'));
    const regs = r.cpu.getRegisters();
    expect(regs.eip).toBe(0xfff0);
    expect(regs.segments.cs.selector).toBe(0xf000);
    expect(regs.segments.cs.base).toBe(0xffff0000);
    expect(regs.edx).toBe(0x663);
    expect(regs.eflags).toBe(2);
  });

  it('runs mov/add/store and halts', () => {
    const r = rig(
      asm(`bits 16
org 0x7c00
  xor ax, ax
  mov ds, ax
  mov ax, 0x1234
  add ax, 0x0101
  mov [0x500], ax
  mov eax, 0xdeadbeef
  mov [0x504], eax
  hlt
`),
    );
    const exit = r.cpu.run(1000);
    expect(exit.reason).toBe('halted');
    expect(r.mem.ram[0x500] | (r.mem.ram[0x501] << 8)).toBe(0x1335);
    expect(new DataView(r.mem.ram.buffer).getUint32(0x504, true)).toBe(0xdeadbeef);
    expect(r.cpu.halted).toBe(true);
  });
});

// The interpreter's segmented reads and writes take one path for every operand size, reading four
// bytes of the page and masking (memory.ts rdS/wrS), and the sized functions near a page's end: each
// size at each of the last eight offsets of a page, loads and stores, sees exactly its own bytes.
describe('operand sizes at the end of a page', () => {
  it('byte, word and dword loads and stores at 0x2FF8–0x2FFF read and write only their bytes', () => {
    const r = rig(
      asm(`${REAL_PROLOG}
  mov si, 0x2ff8
  mov di, 0x600
.l:
  mov al, [si]
  mov [di], al
  mov ax, [si]
  mov [di + 1], ax
  mov eax, [si]
  mov [di + 3], eax
  mov bl, 1
  add bl, [si]
  setc [di + 7]
  mov byte [si + 0x2000], 0xa5
  mov word [si + 0x3000], 0xb6c7
  mov dword [si + 0x4000], 0xd8e9fa0b
  add word [si + 0x6000], 0x0101
  add di, 8
  inc si
  cmp si, 0x3000
  jne .l
  hlt
`),
    );
    const ram = r.mem.ram;
    for (let a = 0x2000; a < 0x3000; a++) ram[a] = (a * 7 + 3) & 0xff; // the loads' page
    ram[0x2ffc] = 0xff; // 1 + FFh carries
    ram.fill(0, 0x4000, 0x7000); // the stores' pages
    for (let a = 0x8000; a < 0x9010; a++) ram[a] = (a * 5 + 1) & 0xff; // the ADDs' page
    const before = Uint8Array.from(ram);
    expect(r.cpu.run(10_000).reason).toBe('halted');
    const le = (m: Uint8Array, a: number, n: number) => {
      let v = 0;
      for (let i = n - 1; i >= 0; i--) v = v * 256 + (m[a + i] as number);
      return v;
    };
    for (let k = 0; k < 8; k++) {
      const si = 0x2ff8 + k;
      const di = 0x600 + 8 * k;
      expect(le(ram, di, 1), `byte load at ${si.toString(16)}`).toBe(le(before, si, 1));
      expect(le(ram, di + 1, 2), `word load at ${si.toString(16)}`).toBe(le(before, si, 2));
      expect(le(ram, di + 3, 4), `dword load at ${si.toString(16)}`).toBe(le(before, si, 4));
      expect(ram[di + 7], `CF of 1 + the byte at ${si.toString(16)}`).toBe(before[si] === 0xff ? 1 : 0);
    }
    // Stores at …FF8 to …FFF, each overwriting all but the first byte of the one before: every
    // store's first byte from …FF8 to …FFE, then the whole last store from …FFF on, zeros around.
    const stores: [number, number[]][] = [
      [0x4000, [0xa5]],
      [0x5000, [0xc7, 0xb6]],
      [0x6000, [0x0b, 0xfa, 0xe9, 0xd8]],
    ];
    for (const [base, bytes] of stores) {
      const want = [0, 0, ...new Array<number>(7).fill(bytes[0] as number), ...bytes, 0, 0, 0, 0].slice(
        0,
        14,
      );
      expect(Array.from(ram.subarray(base + 0xff6, base + 0x1004)), `stores at ${base.toString(16)}`).toEqual(
        want,
      );
    }
    // ADD word [si + 0x6000] at 0x8FF8..0x8FFF: each adds 0x0101 to the word there.
    const w = Array.from(before.subarray(0x8ff8, 0x9001));
    for (let k = 0; k < 8; k++) {
      const sum = (w[k] as number) + 1;
      w[k] = sum & 0xff;
      w[k + 1] = ((w[k + 1] as number) + 1 + (sum >> 8)) & 0xff;
    }
    expect(Array.from(ram.subarray(0x8ff8, 0x9001))).toEqual(w);
  });
});
