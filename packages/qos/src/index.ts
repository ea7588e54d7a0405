export const PACKAGE_NAME = '@vmkit/qos';
export { type TimerHost, timerClock, warpClock } from './clock.js';
export { qfwCfg, targetMemory, targetPorts } from './fw-cfg.js';
export { type IrqInputs, type IrqObserver, interceptIrqInputs } from './irq.js';
export * from './pci.js';
export { busTarget, type MemSize, type PortSize, type QosClock, type QosTarget } from './target.js';
