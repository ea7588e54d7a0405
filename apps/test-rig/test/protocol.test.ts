// The qtest and QMP sessions in-process, against a vmkit PC built from QEMU options: answers as
// QEMU 7.2's softmmu/qtest.c and monitor/qmp.c give them, including bad input.
import { describe, expect, it } from 'vitest';
import { defaultOptions, parseQemuArgs, QemuUsageError } from '../src/qemu-args.js';
import { buildQtestMachine, type HostEnv } from '../src/qemu-machine.js';
import { QmpSession } from '../src/qmp.js';
import { QtestSession } from '../src/qtest.js';

/** A fake host: a 64 KiB BIOS whose bytes count up, a fixed wall clock. */
const env: HostEnv = {
  readFile: () => null,
  findDataFile: (name) =>
    name === 'bios-256k.bin' ? Uint8Array.from({ length: 65536 }, (_, i) => i & 0xff) : null,
  wallClock: () => ({ utc: new Date(Date.UTC(2020, 0, 2, 3, 4, 5)), tzOffsetMinutes: 0 }),
};

function session(args: string[] = []) {
  const m = buildQtestMachine(parseQemuArgs(args), env);
  const out: string[] = [];
  const s = new QtestSession(m, (t) => out.push(t));
  const run = (line: string) => {
    out.length = 0;
    s.receive(`${line}\n`);
    return out.join('');
  };
  return { m, run, out };
}

describe('qtest protocol', () => {
  it('port and memory commands answer in QEMU formats', () => {
    const { run } = session();
    expect(run('endianness')).toBe('OK little\n');
    expect(run('outw 0x510 0')).toBe('OK\n');
    expect(run('inb 0x511')).toBe('OK 0x0051\n'); // 'Q' of "QEMU"
    expect(run('writel 0x1000 0x11223344')).toBe('OK\n');
    expect(run('readl 0x1000')).toBe('OK 0x0000000011223344\n');
    expect(run('readq 0x1000')).toBe('OK 0x0000000011223344\n');
    expect(run('read 0x1000 4')).toBe('OK 0x44332211\n');
    expect(run('b64read 0x1000 4')).toBe('OK RDMiEQ==\n');
    expect(run('write 0x2000 3 0xaabb')).toBe('OK\n'); // short data: missing bytes are 0
    expect(run('read 0x2000 3')).toBe('OK 0xaabb00\n');
    expect(run('b64write 0x2000 2 AQI=')).toBe('OK\n');
    expect(run('memset 0x2002 1 0x1ff')).toBe('OK\n');
    expect(run('read 0x2000 3')).toBe('OK 0x0102ff\n');
    // The BIOS image ends at 4 GiB and its tail is visible below 1 MiB (QEMU x86_bios_rom_init).
    expect(run('readb 0xffffffff')).toBe('OK 0x00000000000000ff\n');
    expect(run('readb 0xfffff')).toBe('OK 0x00000000000000ff\n');
  });

  it('bad input is answered, never thrown, and the session goes on', () => {
    const { run } = session();
    expect(run('bogus 1 2')).toBe("FAIL Unknown command 'bogus'\n");
    expect(run('')).toBe("FAIL Unknown command ''\n");
    expect(run('outb zz 1')).toBe("FAIL invalid port 'zz'\n");
    expect(run('outb 0x10000 1')).toBe("FAIL port '0x10000' is above 0xffff\n");
    expect(run('inb')).toBe('FAIL missing port\n');
    expect(run('read 0 0')).toBe('FAIL read of length 0\n');
    expect(run('read 0 0x100000000')).toMatch(/^FAIL length 4294967296 is above the shim's limit/);
    expect(run('write 0 4 0')).toBe('ERR invalid argument size\n');
    expect(run('readq 0xffffffffffffffff')).toMatch(/^OK 0x[0-9a-f]{16}\n$/);
    expect(run('clock_step x')).toBe("FAIL invalid nanoseconds 'x'\n");
    expect(run('irq_intercept_in /machine/nothing')).toBe('FAIL Unknown device\n');
    expect(run('module_load a b')).toBe('FAIL\n');
    expect(run('endianness')).toBe('OK little\n');
  });

  it('clock_step and clock_set move the virtual clock through timer deadlines; IRQs are reported', () => {
    const { run } = session();
    expect(run('clock_step 1000')).toBe('OK 1000\n');
    expect(run('clock_set 500')).toBe('OK 1000\n'); // never backwards
    expect(run('irq_intercept_in ioapic')).toBe('OK\n');
    expect(run('irq_intercept_in ioapic')).toBe('OK\n');
    // RTC periodic interrupt at 1024 Hz: CMOS B.PIE, then the next deadline raises IRQ 8.
    run('outb 0x70 0x0b');
    run('outb 0x71 0x42');
    const step = run('clock_step');
    expect(step).toMatch(/IRQ raise 8\nOK \d+\n$/);
    run('outb 0x70 0x0c');
    expect(run('inb 0x71')).toBe('IRQ lower 8\nOK 0x00c0\n');
  });
});

describe('-device', () => {
  it('plugs a registry device the qtest client then finds on the PCI bus', () => {
    const { run } = session([
      '-device',
      'pci-stub,vendorId=0x1234,deviceId=0x11e8,classCode=0xff0000,addr=04.0',
    ]);
    run('outl 0xcf8 0x80002000'); // 00:04.0, offset 0
    expect(run('inl 0xcfc')).toBe('OK 0x11e81234\n');
  });

  it("a plugged device's timers run on clock_step (edu's factorial completes in virtual time)", () => {
    const { run } = session(['-device', 'edu,addr=03.0']);
    run('outl 0xcf8 0x80001810'); // 00:03.0 BAR0
    run('outl 0xcfc 0xe0000000');
    run('outl 0xcf8 0x80001804');
    run('outl 0xcfc 0x2'); // memory decode
    expect(run('writel 0xe0000008 0x5')).toBe('OK\n');
    expect(run('readl 0xe0000020')).toBe('OK 0x0000000000000001\n'); // computing
    run('clock_step 100000');
    expect(run('readl 0xe0000020')).toBe('OK 0x0000000000000000\n');
    expect(run('readl 0xe0000008')).toBe('OK 0x0000000000000078\n'); // 5! = 120
  });
});

describe('QMP', () => {
  function qmp(status: 'running' | 'prelaunch' = 'running') {
    const out: string[] = [];
    const events: string[] = [];
    let resets = 0;
    let st: 'running' | 'paused' | 'prelaunch' = status;
    const s = new QmpSession(
      {
        now: () => 1_500_000_000,
        status: () => st,
        stop: () => {
          st = 'paused';
        },
        cont: () => {
          st = 'running';
        },
        systemReset: () => {
          resets++;
        },
        quit: () => events.push('quit'),
        machines: () => [{ name: 'pc-i440fx-7.2', alias: 'pc' }],
      },
      (t) => out.push(t),
    );
    const send = (text: string) => {
      out.length = 0;
      s.receive(text);
      return out.slice();
    };
    return { s, send, out, events, resets: () => resets };
  }

  it('greets, negotiates, answers and echoes ids as QEMU does', () => {
    const { s, send, out, resets } = qmp();
    s.greeting();
    expect(out[0]).toBe(
      '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "vmkit qtest shim"}, "capabilities": ["oob"]}}\r\n',
    );
    expect(send('{"execute": "query-status"}')).toEqual([
      '{"error": {"class": "CommandNotFound", "desc": "Expecting capabilities negotiation with \'qmp_capabilities\'"}}\r\n',
    ]);
    // Two commands in one read, the second split across reads, single quotes accepted.
    expect(send("{'execute': 'qmp_capabilities'}{\"execute\": \"query-st")).toEqual(['{"return": {}}\r\n']);
    expect(send('atus", "id": 7}')).toEqual([
      '{"return": {"status": "running", "singlestep": false, "running": true}, "id": 7}\r\n',
    ]);
    expect(send('{"execute": "system_reset"}')).toEqual([
      '{"return": {}}\r\n',
      '{"timestamp": {"seconds": 1, "microseconds": 500000}, "event": "RESET", "data": {"guest": false, "reason": "host-qmp-system-reset"}}\r\n',
    ]);
    expect(resets()).toBe(1);
  });

  it('bad input gets QMP error objects', () => {
    const { send } = qmp();
    send('{"execute": "qmp_capabilities"}');
    expect(send('{"execute": "nope", "id": "x"}')).toEqual([
      '{"error": {"class": "CommandNotFound", "desc": "The command nope has not been found"}, "id": "x"}\r\n',
    ]);
    expect(send('[1, 2]')).toEqual([
      '{"error": {"class": "GenericError", "desc": "QMP input must be a JSON object"}}\r\n',
    ]);
    expect(send('{"foo": 1}')).toEqual([
      '{"error": {"class": "GenericError", "desc": "QMP input member \'foo\' is unexpected"}}\r\n',
    ]);
    expect(send('{"arguments": {}}')).toEqual([
      '{"error": {"class": "GenericError", "desc": "QMP input lacks member \'execute\'"}}\r\n',
    ]);
    expect(send('{"execute": "stop", "arguments": {"a": 1}}')).toEqual([
      '{"error": {"class": "GenericError", "desc": "Parameter \'a\' is unexpected"}}\r\n',
    ]);
    expect(send('{"execute": "qmp_capabilities"}')[0]).toContain('already complete');
    const garbage = send('{"execute": tru}');
    expect(garbage[0]).toMatch(/^\{"error": \{"class": "GenericError", "desc": "JSON parse error/);
    expect(send('{"execute": "query-kvm"}')).toEqual([
      '{"return": {"enabled": false, "present": false}}\r\n',
    ]);
  });

  it('quit answers, then SHUTDOWN, then the host quits', () => {
    const { send, events } = qmp();
    send('{"execute": "qmp_capabilities"}');
    const out = send('{"execute": "quit"}');
    expect(out[0]).toBe('{"return": {}}\r\n');
    expect(out[1]).toContain('"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}');
    expect(events).toEqual(['quit']);
  });
});

describe('QEMU command line', () => {
  const refuse = (args: string[]) => {
    try {
      parseQemuArgs(args);
    } catch (e) {
      expect(e).toBeInstanceOf(QemuUsageError);
      return (e as Error).message;
    }
    throw new Error(`accepted: ${args.join(' ')}`);
  };

  it('parses what libqtest and the PC qtests pass', () => {
    const o = parseQemuArgs(
      `-qtest unix:/tmp/q.sock -qtest-log /dev/null -chardev socket,path=/tmp/q.qmp,id=char0 -mon chardev=char0,mode=control -display none -machine pc -smp 1 -nodefaults -uuid 4600cb32-38ec-4b2f-8acb-81c6ea54f2d8 -boot once=a,order=c -boot menu=on -no-fd-bootchk -m 2G -rtc clock=vm -S -accel qtest`.split(
        ' ',
      ),
    );
    expect(o.qtest).toEqual({ path: '/tmp/q.sock', server: false, wait: true });
    expect(o.chardevs).toEqual([{ id: 'char0', path: '/tmp/q.qmp', server: false, wait: true }]);
    expect(o.boot).toEqual({ order: 'c', once: 'a', menu: true });
    expect(o.memoryBytes).toBe(2 * 2 ** 30);
    expect(o.fdBootCheck).toBe(false);
    expect(o.startPaused).toBe(true);
    expect(parseQemuArgs(['-boot', 'order=', '-boot', 'order=c']).boot.order).toBe('c');
    expect(defaultOptions().boot.order).toBe('cad');
  });

  it('refuses what it cannot honour, in QEMU message shape', () => {
    expect(refuse(['-foo'])).toBe('-foo: invalid option');
    expect(refuse(['-m'])).toBe('-m: requires an argument');
    expect(refuse(['-smp', '2'])).toBe("-smp 2: vmkit's machine has exactly one CPU (cpus=2)");
    expect(refuse(['-accel', 'tcg'])).toBe("-accel tcg: vmkit's shim runs no CPU; only -accel qtest");
    expect(refuse(['-machine', 'q35'])).toMatch(/^-machine q35: unsupported machine type/);
    expect(refuse(['-boot', 'order=cc'])).toBe("-boot order=cc: Boot device 'c' was given twice");
    expect(refuse(['-boot', 'order=z'])).toBe("-boot order=z: Invalid boot device 'z'");
    expect(refuse(['-enable-kvm'])).toBe("-enable-kvm: not supported by vmkit's qtest shim");
    expect(refuse(['-rtc', 'clock=host'])).toBe(
      "-rtc clock=host: vmkit's RTC counts virtual time only (clock=vm)",
    );
    expect(refuse(['disk.img'])).toMatch(/no disks/);
  });

  it('machine-level problems are usage errors too', () => {
    const build = (args: string[], e: HostEnv = env) => {
      try {
        buildQtestMachine(parseQemuArgs(args), e);
      } catch (err) {
        expect(err).toBeInstanceOf(QemuUsageError);
        return (err as Error).message;
      }
      throw new Error('built');
    };
    expect(build(['-bios', 'nothere.bin'])).toBe("could not load PC BIOS 'nothere.bin'");
    expect(build(['-boot', 'reboot-timeout=70000'])).toMatch(/^reboot timeout is invalid/);
    // -device goes through the rig's device registry (vfio-igd, edu; the board's isa-debugcon, pci-stub).
    expect(build(['-device', 'ivshmem'])).toMatch(/unknown driver 'ivshmem'/);
    expect(() => buildQtestMachine(parseQemuArgs(['-device', 'edu,addr=03.0']), env)).not.toThrow();
  });
});
