import { describe, expect, it } from 'vitest';
import {
  checkDeviceSpecs,
  DeviceRegistry,
  type DeviceType,
  formatDriverHelp,
  formatDriverList,
  parseDeviceOption,
  resolveProps,
} from '../src/index.js';

const inert = () => ({ reset() {}, getState: () => ({}), setState() {} });

const widget: DeviceType<{ mask: number; mode: string; fast: boolean; window: number }> = {
  driver: 'widget',
  bus: 'pci',
  description: 'a test device',
  props: {
    mask: { type: 'int', doc: 'DMA address bits', min: 1, max: 64, default: 28 },
    mode: { type: 'enum', doc: 'operating mode', values: ['a', 'b'], default: 'a' },
    fast: { type: 'bool', doc: 'go fast', default: false },
    window: { type: 'size', doc: 'window size', default: 4096, min: 4096 },
  },
  check: (p) => (p.mode === 'b' && p.fast ? ["mode 'b' cannot be fast"] : []),
  realize: inert,
};
const port: DeviceType = {
  driver: 'port',
  bus: 'isa',
  description: 'an isa device',
  props: { iobase: { type: 'int', doc: 'port', min: 0, max: 0xffff, required: true } },
  realize: inert,
};

describe('resolveProps', () => {
  it('fills defaults and converts text as QEMU does (0x, sizes, on/off)', () => {
    const r = resolveProps(widget.props, { mask: '0x20', fast: 'on', window: '64K' }, 'w');
    expect(r.problems).toEqual([]);
    expect(r.props).toEqual({ mask: 32, mode: 'a', fast: true, window: 65536 });
  });
  it('lists every problem with the property and what is allowed', () => {
    const r = resolveProps(
      widget.props,
      { mask: 65, mode: 'c', fast: 'maybe', window: 'big', colour: 1 },
      'w',
    );
    expect(r.problems).toEqual([
      "w: unknown property 'colour' (properties: mask, mode, fast, window)",
      "w: property 'mask' 65 is out of range: must be an integer from 1 to 64",
      "w: property 'mode' 'c' is not one of a, b",
      "w: property 'fast' must be on or off",
      "w: property 'window' must be an integer ≥ 4096 bytes",
    ]);
  });
  it('reports a missing required property', () => {
    expect(resolveProps(port.props, {}, 'p').problems).toEqual([
      "p: property 'iobase' is required (an integer from 0 to 65535)",
    ]);
  });
  it('object props take values as given (check) or text through parse', () => {
    const specs = {
      src: {
        type: 'object' as const,
        doc: 'a source',
        what: 'a source object',
        check: (v: unknown) => ((v as { ok?: boolean }).ok ? null : 'is not usable'),
        parse: (t: string) => (t === 'x' ? { value: { ok: true } } : { problem: `'${t}' is unknown` }),
      },
    };
    expect(resolveProps(specs, { src: 'x' }, 'd').props).toEqual({ src: { ok: true } });
    expect(resolveProps(specs, { src: 'y' }, 'd').problems).toEqual(["d: property 'src' 'y' is unknown"]);
    expect(resolveProps(specs, { src: { ok: false } }, 'd').problems).toEqual([
      "d: property 'src' is not usable",
    ]);
  });
});

describe('DeviceRegistry + checkDeviceSpecs', () => {
  const reg = new DeviceRegistry([widget, port]);
  it('refuses a second type with the same driver and bad driver names', () => {
    expect(() => reg.register(widget)).toThrow(/already registered/);
    expect(() => new DeviceRegistry().register({ ...port, driver: 'Bad Name' })).toThrow(/lower-case/);
  });
  it('lists the types sorted by driver name', () => {
    const named = (driver: string) => ({ ...port, driver });
    const r = new DeviceRegistry([widget, named('pci2'), port, named('pci-stub'), named('pc')]);
    expect(r.list().map((t) => t.driver)).toEqual(['pc', 'pci-stub', 'pci2', 'port', 'widget']);
  });
  it('names ids after the driver and checks specs together', () => {
    const r = checkDeviceSpecs(reg, [
      { driver: 'widget', addr: '03.0' },
      { driver: 'widget' },
      { driver: 'port', iobase: 0x402 },
    ]);
    expect(r.problems).toEqual([]);
    expect(r.devices.map((d) => d.id)).toEqual(['widget', 'widget1', 'port']);
    expect(r.devices[0]!.addr).toBe('03.0');
  });
  it('collects unknown drivers, prop problems, cross checks, ids and misplaced addr in one list', () => {
    const r = checkDeviceSpecs(reg, [
      { driver: 'edu' },
      { driver: 'widget', mode: 'b', fast: true },
      { driver: 'widget', id: 'widget' },
      { driver: 'port', addr: '03.0', iobase: -1 },
    ]);
    expect(r.problems).toEqual([
      "device #1: unknown driver 'edu' (drivers: port, widget)",
      "device widget (widget): mode 'b' cannot be fast",
      "device #3 (widget): id 'widget' is used twice",
      'device port (port): addr is only for PCI devices (this one sits on the isa bus)',
      "device port (port): property 'iobase' -1 is out of range: must be an integer from 0 to 65535",
    ]);
  });
});

describe('parseDeviceOption (QEMU -device syntax)', () => {
  it('splits driver and props, with ,, as a literal comma', () => {
    expect(parseDeviceOption('widget,addr=03.0,mode=b,name=a,,b')).toEqual({
      driver: 'widget',
      addr: '03.0',
      mode: 'b',
      name: 'a,b',
    });
  });
  it('recognises help forms', () => {
    expect(parseDeviceOption('help')).toEqual({ help: true });
    expect(parseDeviceOption('widget,help')).toEqual({ help: true, driver: 'widget' });
  });
  it('refuses malformed text with one problem', () => {
    expect(parseDeviceOption(',x=1')).toHaveProperty('problem');
    expect(parseDeviceOption('widget,mode')).toEqual({
      problem: "--device 'widget,mode': 'mode' is not prop=value",
    });
    expect(parseDeviceOption('widget,a=1,a=2')).toHaveProperty('problem');
  });
  it('formats help', () => {
    const reg = new DeviceRegistry([widget, port]);
    expect(formatDriverList(reg)).toEqual([
      'port    bus isa     an isa device',
      'widget  bus pci     a test device',
    ]);
    expect(formatDriverHelp(widget)).toContain(
      '  mask=<int>  DMA address bits (an integer from 1 to 64; default 28)',
    );
  });
});
