// Events the IGD model reports (plain data, `kind`-discriminated) through an injected listener.
import type { OpRegionPolicy } from './policy.js';

export type SwsciResult =
  | 'answered' // capability query served in the guest's OpRegion copy
  | 'unsupported' // any other function: failure status written back
  | 'no-opregion' // ASLS is 0: nothing to read or answer
  | 'not-pending' // SCIC indicator bit was clear
  | 'opregion-mapped'; // map policies: the guest's OpRegion is the host one; never written

export type IgdEvent =
  | { kind: 'igd-asls-write'; value: number; previous: number; policy: OpRegionPolicy }
  /** `value` is the register as a physical address, a number like every address in events (64-bit
   * on Gen11+: a guest value above 2^53 rounds, as it could not address anything here). */
  | { kind: 'igd-bdsm-write'; offset: number; value: number }
  | { kind: 'igd-readonly-write'; register: 'GMCH' | 'BDSM'; offset: number; size: number; value: number }
  | { kind: 'igd-opregion-latched'; addr: number }
  | { kind: 'igd-opregion-mapped'; addr: number; size: number; writable: boolean }
  | { kind: 'igd-opregion-moved'; from: number; to: number; size: number }
  | { kind: 'igd-opregion-unmapped'; addr: number }
  | { kind: 'igd-opregion-map-rw-warning'; message: string }
  | { kind: 'igd-opregion-write-dropped'; addr: number; offset: number; size: number; value: number }
  | { kind: 'igd-opregion-host-write'; addr: number; offset: number; size: number; value: number }
  | { kind: 'igd-opregion-copied'; addr: number; size: number }
  | { kind: 'igd-opregion-error'; addr: number; message: string }
  | {
      kind: 'igd-swsci';
      result: SwsciResult;
      scic: number;
      func: number;
      subFunction: number;
      parm: number;
    }
  | { kind: 'igd-swsci-write'; value: number };

export type IgdEventListener = (e: IgdEvent) => void;
