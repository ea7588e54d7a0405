import { describe, expect, it } from 'vitest';
import {
  bdf,
  PCI_COMMAND,
  PCI_COMMAND_INTX_DISABLE,
  PCI_STATUS,
  PCI_STATUS_INTERRUPT,
  PciBridge,
  type PciEvent,
  PciHost,
} from '../src/index.js';
import { simpleDevice } from './helpers.js';

function setup() {
  const lines: string[] = [];
  const events: PciEvent[] = [];
  const host = new PciHost({
    onIntx: (slot, pin, level) => lines.push(`${slot}:${'ABCD'[pin]}=${level ? 1 : 0}`),
    onEvent: (e) => events.push(e),
  });
  return { host, lines, events };
}

describe('INTx', () => {
  it('asserts and deasserts through the root with the status interrupt bit', () => {
    const { host, lines, events } = setup();
    const d = host.addDevice(simpleDevice('nic', { interruptPin: 1 }), 3);
    d.setIrq(true);
    expect(lines).toEqual(['3:A=1']);
    expect(host.configRead(bdf(0, 3, 0), PCI_STATUS, 2) & PCI_STATUS_INTERRUPT).toBe(PCI_STATUS_INTERRUPT);
    d.setIrq(true); // level, not edge: no repeat
    d.setIrq(false);
    expect(lines).toEqual(['3:A=1', '3:A=0']);
    expect(host.configRead(bdf(0, 3, 0), PCI_STATUS, 2) & PCI_STATUS_INTERRUPT).toBe(0);
    expect(events.filter((e) => e.kind === 'pci-intx')).toEqual([
      { kind: 'pci-intx', bdf: 0x18, device: 'nic', pin: 0, level: true },
      { kind: 'pci-intx', bdf: 0x18, device: 'nic', pin: 0, level: false },
    ]);
  });
  it('COMMAND.INTX_DISABLE gates the line but not the status bit (QEMU pci_irq_handler)', () => {
    const { host, lines } = setup();
    const d = host.addDevice(simpleDevice('nic', { interruptPin: 2 }), 3);
    host.configWrite(bdf(0, 3, 0), PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE);
    d.setIrq(true);
    expect(lines).toEqual([]);
    expect(d.config.get16(PCI_STATUS) & PCI_STATUS_INTERRUPT).toBe(PCI_STATUS_INTERRUPT);
    host.configWrite(bdf(0, 3, 0), PCI_COMMAND, 2, 0);
    expect(lines).toEqual(['3:B=1']);
    host.configWrite(bdf(0, 3, 0), PCI_COMMAND + 1, 1, PCI_COMMAND_INTX_DISABLE >> 8);
    expect(lines).toEqual(['3:B=1', '3:B=0']);
  });
  it('functions sharing a slot pin are ORed; reset and unplug deassert', () => {
    const { host, lines } = setup();
    const f0 = host.addDevice(simpleDevice('f0', { interruptPin: 1, multifunction: true }), 4, 0);
    const f1 = host.addDevice(simpleDevice('f1', { interruptPin: 1 }), 4, 1);
    f0.setIrq(true);
    f1.setIrq(true);
    f0.setIrq(false);
    expect(lines).toEqual(['4:A=1']);
    expect(host.bus.intxLevel(4, 0)).toBe(true);
    f1.reset();
    expect(lines).toEqual(['4:A=1', '4:A=0']);
    f0.setIrq(true);
    host.bus.removeDevice(f0.devfn);
    expect(lines).toEqual(['4:A=1', '4:A=0', '4:A=1', '4:A=0']);
  });
  it('is swizzled through bridges: (pin + slot) % 4 per bridge', () => {
    const { host, lines } = setup();
    const br = host.addDevice(new PciBridge({ name: 'br', vendorId: 0x1b36, deviceId: 1 }), 5) as PciBridge;
    const d = br.secondaryBus.addDevice(simpleDevice('behind', { interruptPin: 1 }), 2);
    d.setIrq(true);
    // INTA# of slot 2 → INTC# at the bridge, which sits in root slot 5.
    expect(lines).toEqual(['5:C=1']);
    d.setIrq(false);
    expect(lines).toEqual(['5:C=1', '5:C=0']);
  });
  it('a function without an interrupt pin ignores setIrq', () => {
    const { host, lines } = setup();
    const d = host.addDevice(simpleDevice('nopin'), 6);
    d.setIrq(true);
    expect(lines).toEqual([]);
    expect(d.irqLevel).toBe(false);
  });
  it('the router can be set after construction', () => {
    const host = new PciHost();
    const seen: string[] = [];
    const d = host.addDevice(simpleDevice('x', { interruptPin: 4 }), 9);
    d.setIrq(true); // no router yet: the level is still tracked
    host.setIntxListener((slot, pin, level) => seen.push(`${slot}:${pin}:${level}`));
    d.setIrq(false);
    expect(seen).toEqual(['9:3:false']);
  });
});
