// The shared decoder (src/decode.ts, driven by src/opcodes.ts) against the interpreter: for every
// one-byte and 0F opcode, under each prefix combination, with ModRM bytes covering every reg value
// and each addressing shape (register, [reg], SIB, disp8, disp16/32, absolute), in 16-bit real
// mode and 32-bit protected mode, the interpreter executes one instruction fetched from a device
// page (so every code byte it consumes is a bus read this test sees) and the number of bytes it
// fetched must equal the decoder's length. An encoding the table leaves undefined must raise #UD.
// (The interpreter may raise #UD before fetching the whole instruction — e.g. ARPL in real mode —
// and architecturally no length applies then, so #UD results are only checked for validity.)
import type { IoHandler } from '@vmkit/memory-bus';
import { describe, expect, it } from 'vitest';
import { Decoded, decodeInstruction } from '../src/decode.js';
import { Cpu } from '../src/index.js';
import { OPCODES, PREFIX_KIND } from '../src/opcodes.js';
import { FakeIo, FakeMemory } from './unit-fakes.js';

const CODE = 0x10000;
const FILL = 0x01;
const PREFIX_SETS: number[][] = [
  [],
  [0x66],
  [0x67],
  [0x66, 0x67],
  [0x2e],
  [0x26, 0x66],
  [0xf3],
  [0xf2],
  [0xf0],
];

/** ModRM bytes (with the SIB byte to follow, or -1) per reg value: each addressing shape. */
function modrmVariants(reg: number): [number, number][] {
  const r = reg << 3;
  return [
    [0xc0 | r | 1, -1], // register
    [0x00 | r | 0, -1], // [bx+si] / [eax]
    [0x00 | r | 4, 0x25], // 32-bit: SIB, no base (disp32); 16-bit: [si]
    [0x00 | r | 5, -1], // 32-bit: disp32; 16-bit: [di]
    [0x00 | r | 6, -1], // 16-bit: disp16; 32-bit: [esi]
    [0x40 | r | 4, 0x51], // disp8 (+ SIB in 32-bit)
    [0x80 | r | 0, -1], // disp16 / disp32
    [0x40 | r | 7, -1], // disp8
  ];
}

interface Probe {
  cpu: Cpu;
  code: Uint8Array;
  fetched: number;
  ud: boolean;
}

function probe(): Probe {
  const mem = new FakeMemory(1 << 20);
  // The code page is a device page: the core reads it byte by byte through the bus.
  mem.pages.readIdx[CODE >>> 12] = 0;
  mem.pages.writeIdx[CODE >>> 12] = 0;
  const p: Probe = { cpu: null as unknown as Cpu, code: new Uint8Array(0x1000), fetched: 0, ud: false };
  const handler: IoHandler = {
    // Instruction bytes are read in order from offset 0; a data access to this page (a BT bit
    // offset reaching it, say) does not extend the count.
    read: (off) => {
      if (off === p.fetched) p.fetched++;
      return p.code[off] as number;
    },
    write: () => {},
  };
  mem.mmio.set(CODE >>> 12, handler);
  p.cpu = new Cpu({ memory: mem.asApi(), io: new FakeIo().asApi(), jit: false });
  p.cpu.onEvent((e) => {
    if (e.kind === 'undefined-opcode') p.ud = true;
  });
  return p;
}

function runOne(p: Probe, bytes: number[], bits: 16 | 32): void {
  p.code.fill(FILL, 0, 32);
  p.code.set(bytes);
  p.cpu.reset();
  // 4 GiB limits (flat, or unreal mode in 16-bit code) so that no operand the sweep forms is
  // beyond a limit: the interpreter reads memory operands as it goes, so a #GP would end the
  // instruction before its immediate is fetched.
  const seg = (selector: number, base: number, access: number) => ({ selector, base, limit: -1, access });
  const flat = bits === 32;
  p.cpu.setRegisters({
    eax: 0x100,
    ecx: 0,
    edx: 0x80,
    ebx: 0x3000,
    esp: 0x8000,
    ebp: 0x2000,
    esi: 0x1000,
    edi: 0x1800,
    eip: flat ? CODE : 0,
    eflags: 2,
    cr0: flat ? 0x11 : 0x10,
    segments: {
      cs: flat ? seg(8, 0, 0x409b) : { selector: CODE >>> 4, base: CODE, limit: 0xffff, access: 0x9b },
      ss: flat ? seg(0x10, 0, 0x4093) : seg(0, 0, 0x93),
      ds: seg(flat ? 0x10 : 0, 0, 0x93),
      es: seg(flat ? 0x10 : 0, 0, 0x93),
      fs: seg(flat ? 0x10 : 0, 0, 0x93),
      gs: seg(flat ? 0x10 : 0, 0, 0x93),
    },
  });
  p.fetched = 0;
  p.ud = false;
  p.cpu.run(1);
}

interface Mismatch {
  bytes: string;
  bits: number;
  interpreter: number;
  decoder: number;
}

function sweep(bits: 16 | 32): { checked: number; mismatches: Mismatch[]; notUd: string[] } {
  const p = probe();
  const d = new Decoded();
  const mismatches: Mismatch[] = [];
  const notUd: string[] = [];
  let checked = 0;
  for (const prefixes of PREFIX_SETS) {
    for (let op = 0; op < 0x200; op++) {
      if (op < 0x100 && (PREFIX_KIND[op] !== 0 || op === 0x0f)) continue;
      const opBytes = op < 0x100 ? [op] : [0x0f, op & 0xff];
      const row = OPCODES[op];
      const shapes: number[][] = [];
      if (row?.modrm) {
        for (let reg = 0; reg < 8; reg++)
          for (const [m, sib] of modrmVariants(reg)) shapes.push(sib >= 0 ? [m, sib] : [m]);
      } else shapes.push([]);
      for (const tail of shapes) {
        const bytes = [...prefixes, ...opBytes, ...tail];
        const buf = new Uint8Array(32).fill(FILL);
        buf.set(bytes);
        decodeInstruction(d, (pos) => buf[pos] as number, 0, bits === 32);
        runOne(p, bytes, bits);
        const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
        if (d.row === null) {
          if (!p.ud) notUd.push(`${bits}: ${hex}`);
          continue;
        }
        if (p.ud) continue;
        checked++;
        if (p.fetched !== d.len)
          mismatches.push({ bytes: hex, bits, interpreter: p.fetched, decoder: d.len });
      }
    }
  }
  return { checked, mismatches, notUd };
}

describe('decoder length = interpreter length', () => {
  for (const bits of [16, 32] as const) {
    it(`every opcode × prefix × ModRM shape, ${bits}-bit code`, () => {
      const { checked, mismatches, notUd } = sweep(bits);
      expect(checked).toBeGreaterThan(80_000);
      expect(mismatches.slice(0, 20)).toEqual([]);
      expect(notUd.slice(0, 20)).toEqual([]);
    });
  }
});
