export const PACKAGE_NAME = '@vmkit/qos';
export { type TimerHost, timerClock, warpClock } from './clock.js';
export { qfwCfg, targetMemory, targetPorts } from './fw-cfg.js';
export { type IrqInputs, type IrqObserver, interceptIrqInputs } from './irq.js';
export { type QosPc, type QosPcOptions, qosPc } from './pc.js';
export * from './pci.js';
export { cmosRead, cmosReadsOf, cmosWrite, type PortAccess, tracePorts } from './ports.js';
export {
  busTarget,
  type MemSize,
  machineTarget,
  type PortSize,
  type QosClock,
  type QosMachineLike,
  type QosTarget,
} from './target.js';
