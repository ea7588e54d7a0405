import { describe, expect, it } from 'vitest';
import { asm, REAL_PROLOG, rig } from './unit-fakes.js';

const PROLOG = REAL_PROLOG;

describe('real-mode interrupts and HLT', () => {
  it('INT n through the IVT and IRET back', () => {
    const r = rig(
      asm(`${PROLOG}
  mov word [0x21*4], isr
  mov word [0x21*4+2], 0
  mov ax, 1
  int 0x21
  add ax, 0x10
  mov [0x500], ax
  hlt
isr:
  add ax, 0x100
  iret
`),
    );
    expect(r.cpu.run(1000).reason).toBe('halted');
    expect(r.mem.ram[0x500] | (r.mem.ram[0x501] << 8)).toBe(0x111);
    expect(r.cpu.getRegisters().esp).toBe(0x7000);
  });

  it("returns 'halted' while nothing can wake it, then wakes on INTR with IF=1", () => {
    const r = rig(
      asm(`${PROLOG}
  mov word [0x08*4], isr
  mov word [0x08*4+2], 0
  sti
  hlt
  mov byte [0x501], 1
  hlt
isr:
  mov byte [0x500], 0x88
  iret
`),
    );
    expect(r.cpu.run(1000).reason).toBe('halted');
    expect(r.cpu.halted).toBe(true);
    expect(r.cpu.run(1000).reason).toBe('halted');
    r.pic.queue.push(0x08);
    const exit = r.cpu.run(1000);
    expect(exit.reason).toBe('halted');
    expect(r.mem.ram[0x500]).toBe(0x88);
    expect(r.mem.ram[0x501]).toBe(1);
    expect(r.pic.acks).toBe(1);
  });

  it('does not take INTR while IF=0 and honours the STI shadow', () => {
    const r = rig(
      asm(`${PROLOG}
  mov word [0x08*4], isr
  mov word [0x08*4+2], 0
  mov byte [0x500], 0
  mov cx, 3
spin:
  dec cx
  jnz spin
  sti
  mov byte [0x501], 0x11   ; executes before the interrupt (STI shadow)
  mov byte [0x502], 0x22
  hlt
isr:
  mov al, [0x501]
  mov [0x503], al
  mov al, [0x502]
  mov [0x504], al
  iret
`),
    );
    r.pic.queue.push(0x08);
    expect(r.cpu.run(1000).reason).toBe('halted');
    expect(r.mem.ram[0x503]).toBe(0x11);
    expect(r.mem.ram[0x504]).toBe(0);
  });

  it('delivers NMI even with IF=0 and blocks nested NMIs until IRET', () => {
    const r = rig(
      asm(`${PROLOG}
  mov word [0x02*4], nmi
  mov word [0x02*4+2], 0
  hlt
  hlt
nmi:
  inc byte [0x500]
  iret
`),
    );
    expect(r.cpu.run(100).reason).toBe('halted');
    r.cpu.raiseNmi();
    r.cpu.run(100);
    expect(r.mem.ram[0x500]).toBe(1);
  });

  it("raises #UD with an 'undefined-opcode' event and never throws", () => {
    const r = rig(
      asm(`${PROLOG}
  mov word [6*4], ud
  mov word [6*4+2], 0
  db 0x0f, 0xff
  hlt
ud:
  mov byte [0x500], 0x66
  hlt
`),
    );
    expect(r.cpu.run(100).reason).toBe('halted');
    expect(r.mem.ram[0x500]).toBe(0x66);
    const ev = r.events.find((e) => e.kind === 'undefined-opcode');
    expect(ev && ev.kind === 'undefined-opcode' ? ev.bytes.slice(0, 3) : null).toEqual([0x0f, 0xff, 0xf4]);
    expect(r.cpu.exceptionCounts[6]).toBe(1);
  });

  it('requestStop from an I/O handler stops after the current instruction', () => {
    const r = rig(asm(`${PROLOG}\n  out 0x80, al\n  mov byte [0x500], 1\n  hlt\n`));
    r.io.onOut = () => r.cpu.requestStop();
    expect(r.cpu.run(1000).reason).toBe('stopped');
    expect(r.mem.ram[0x500]).toBe(0);
    expect(r.cpu.run(1000).reason).toBe('halted');
    expect(r.mem.ram[0x500]).toBe(1);
  });

  it('stops at linear breakpoints and resumes', () => {
    const code = asm(`${PROLOG}\n  nop\n  mov byte [0x500], 1\n  hlt\n`);
    const r = rig(code);
    const nopAt = 0x7c00 + code.indexOf(0x90);
    r.cpu.addBreakpoint(nopAt);
    expect(r.cpu.run(1000).reason).toBe('breakpoint');
    const regs = r.cpu.getRegisters();
    expect(regs.segments.cs.base + regs.eip).toBe(nopAt);
    expect(r.cpu.run(1000).reason).toBe('halted');
    expect(r.mem.ram[0x500]).toBe(1);
  });

  it('masks address bit 20 when A20 is disabled', () => {
    const r = rig(
      asm(`${PROLOG}
  mov ax, 0xffff
  mov es, ax
  mov byte [es:0x510], 0x77    ; linear 0x100500
  hlt
`),
    );
    expect(r.cpu.run(1).reason).toBe('budget'); // the reset-vector far jump runs with A20 on
    r.cpu.setA20(false);
    expect(r.cpu.run(100).reason).toBe('halted');
    expect(r.mem.ram[0x500]).toBe(0x77);
    expect(r.mem.ram[0x100500]).toBe(0);
  });
});

describe('state and single step', () => {
  it('getState/setState round-trips and continues identically', () => {
    const code = asm(`${PROLOG}
  mov ecx, 50
  xor eax, eax
.l:
  add eax, ecx
  loop .l
  mov [0x500], eax
  hlt
`);
    const a = rig(code);
    a.cpu.run(40);
    const st = JSON.parse(JSON.stringify(a.cpu.getState()));
    const b = rig(code);
    b.mem.ram.set(a.mem.ram);
    b.cpu.setState(st);
    expect(b.cpu.getRegisters()).toEqual(a.cpu.getRegisters());
    a.cpu.run(1000);
    b.cpu.run(1000);
    expect(b.cpu.getRegisters()).toEqual(a.cpu.getRegisters());
    expect(b.mem.ram[0x500] | (b.mem.ram[0x501] << 8)).toBe(1275);
  });

  it('TF raises #DB after each instruction', () => {
    const r = rig(
      asm(`${PROLOG}
  mov word [1*4], db_handler
  mov word [1*4+2], 0
  pushf
  pop ax
  or ax, 0x100
  push ax
  popf              ; TF=1 from here on (no trap after POPF itself)
  nop
  nop
  pushf
  pop ax
  and ax, ~0x100
  push ax
  popf              ; still traps (TF was set when POPF started)
  hlt
db_handler:
  inc byte [0x500]
  iret
`),
    );
    expect(r.cpu.run(1000).reason).toBe('halted');
    // traps after: nop, nop, pushf, pop, and, push, popf (the handler itself runs with TF=0)
    expect(r.mem.ram[0x500]).toBe(7);
  });
});

describe('host-side failures stay inside run()', () => {
  it('an I/O handler that throws becomes an internal-error event and run() returns stopped', () => {
    const r = rig(asm(`${PROLOG}\n  out 0x80, al\n  hlt\n`));
    r.io.onOut = () => {
      throw new Error('device exploded');
    };
    const exit = r.cpu.run(100);
    expect(exit.reason).toBe('stopped');
    expect(r.events.find((e) => e.kind === 'internal-error')).toMatchObject({ message: 'device exploded' });
  });
});
