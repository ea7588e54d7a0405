// Typed events reported through an injected listener (plain data, `kind` discriminated).

export type PciEvent =
  | {
      kind: 'pci-config-read' | 'pci-config-write';
      /** Bus/device/function of the access (see bdf()). */
      bdf: number;
      /** Config-space register offset of this access. */
      offset: number;
      size: number;
      value: number;
      /** Name of the function that claimed the access, or null when nothing answered. */
      device: string | null;
    }
  | {
      kind: 'pci-bar-mapped';
      bdf: number;
      device: string;
      /** 0..5, or 6 for the expansion ROM (PCI_ROM_SLOT). */
      bar: number;
      space: 'mem' | 'io';
      address: number;
      size: number;
    }
  | {
      kind: 'pci-bar-unmapped';
      bdf: number;
      device: string;
      bar: number;
      space: 'mem' | 'io';
      address: number;
    }
  | {
      kind: 'pci-bar-map-failed';
      bdf: number;
      device: string;
      bar: number;
      space: 'mem' | 'io';
      address: number;
      size: number;
      error: string;
    }
  | PciIntxEvent;

export type PciIntxEvent = {
  kind: 'pci-intx';
  bdf: number;
  device: string;
  /** 0 = INTA# .. 3 = INTD# (the function's own pin, before swizzling). */
  pin: number;
  level: boolean;
};

export type PciEventListener = (e: PciEvent) => void;
