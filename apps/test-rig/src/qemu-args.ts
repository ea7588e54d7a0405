// The QEMU 7.2 command line, as far as vmkit's qemu-system-x86_64 shim understands it: the options
// libqtest always passes (-qtest, -qtest-log, -chardev, -mon, -display none, -accel qtest) and the
// machine options QEMU's PC qtests use. An option the shim cannot honour is refused, never ignored,
// with QEMU's message shape ("qemu-system-x86_64: -opt: message") and exit status 1.

import { type DeviceSpec, parseDeviceOption } from '@vmkit/device';
import { type GlobalProp, parseGlobalOption } from './qemu-global.js';
import { type MemoryBackend, parseObjectOption } from './qemu-numa.js';

export class QemuUsageError extends Error {}

export interface ChardevSpec {
  id: string;
  path: string;
  server: boolean;
  wait: boolean;
}

export interface SocketSpec {
  path: string;
  server: boolean;
  wait: boolean;
}

export interface FwCfgSpec {
  name: string;
  file?: string;
  string?: string;
}

export interface BootSpec {
  order: string;
  once?: string;
  menu?: boolean;
  splashTime?: number;
  rebootTimeout?: number;
  strict?: boolean;
}

export interface RtcSpec {
  base: 'utc' | 'localtime' | { iso: string };
  /** Always virtual time: QEMU's default for the RTC is the host clock, vmkit's is `vm`. */
  clock: 'vm';
}

export interface QemuOptions {
  machine: 'pc' | 'none';
  memoryBytes: number;
  nodefaults: boolean;
  uuid?: string;
  boot: BootSpec;
  fdBootCheck: boolean;
  startPaused: boolean;
  noShutdown: boolean;
  noReboot: boolean;
  nographic: boolean;
  bios?: string;
  pflash: string[];
  fwCfg: FwCfgSpec[];
  globals: GlobalProp[];
  /** -numa options in command-line order (checked against the machine when it is built). */
  numa: Array<{ opt: string; arg: string }>;
  /** -object memory-backend-ram (what -numa node,memdev= names). */
  memoryBackends: MemoryBackend[];
  /** -device specs as @vmkit/device parses QEMU's text (values stay text until the registry checks them). */
  devices: DeviceSpec[];
  qtest?: SocketSpec;
  qtestLog?: string;
  chardevs: ChardevSpec[];
  monitors: Array<{ chardev: string; mode: 'control' }>;
  rtc: RtcSpec;
}

/** QemuOpts-style "k=v,k2=v2" with ",," escaping a comma; a bare leading value goes to
 * `implied`; a bare `flag` means flag=on and `noflag` flag=off (QEMU's legacy boolean form). */
export function parseKeyval(text: string, implied?: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === ',') {
      if (text[i + 1] === ',') {
        cur += ',';
        i++;
        continue;
      }
      parts.push(cur);
      cur = '';
    } else cur += text[i];
  }
  parts.push(cur);
  parts.forEach((p, idx) => {
    const eq = p.indexOf('=');
    if (eq >= 0) out.set(p.slice(0, eq), p.slice(eq + 1));
    else if (idx === 0 && implied !== undefined) out.set(implied, p);
    else if (p === '') return;
    else if (p.startsWith('no') && p.length > 2) out.set(p.slice(2), 'off');
    else out.set(p, 'on');
  });
  return out;
}

/** QEMU qemu_strtosz_MiB: a size with an optional B/K/M/G/T/P/E suffix (default MiB). */
export function parseSizeMiB(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?|0x[0-9a-f]+)([bkmgtpe]?)$/i.exec(text.trim());
  if (!m) return null;
  const n = m[1].toLowerCase().startsWith('0x') ? Number.parseInt(m[1], 16) : Number(m[1]);
  const unit = { '': 2 ** 20, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50, e: 2 ** 60 }[
    m[2].toLowerCase() as '' | 'b'
  ];
  const v = Math.floor(n * unit);
  return Number.isSafeInteger(v) ? v : null;
}

function parseBool(opt: string, key: string, v: string): boolean {
  if (v === 'on' || v === 'yes' || v === 'true' || v === 'y') return true;
  if (v === 'off' || v === 'no' || v === 'false' || v === 'n') return false;
  throw new QemuUsageError(`${opt}: Parameter '${key}' expects 'on' or 'off'`);
}

function parseInt64(opt: string, key: string, v: string): number {
  if (!/^-?(\d+|0x[0-9a-f]+)$/i.test(v))
    throw new QemuUsageError(`${opt}: Parameter '${key}' expects a number`);
  return Number(v.startsWith('-') ? -Number(v.slice(1)) : Number(v));
}

/** Options that take an argument (the supported ones; see `apply`). */
const WITH_ARG = new Set([
  'machine',
  'M',
  'm',
  'uuid',
  'boot',
  'smp',
  'numa',
  'fw_cfg',
  'bios',
  'drive',
  'global',
  'device',
  'qtest',
  'qtest-log',
  'chardev',
  'mon',
  'display',
  'accel',
  'rtc',
  'vga',
  'serial',
  'parallel',
  'monitor',
  'net',
  'nic',
  'name',
  'L',
  'cpu',
  'pflash',
  'kernel',
  'initrd',
  'append',
  'hda',
  'cdrom',
  'netdev',
  'object',
  'smbios',
  'acpitable',
  'D',
  'd',
  'trace',
  'icount',
  'incoming',
  'audiodev',
  'k',
  'usbdevice',
  'blockdev',
  'fda',
  'hdb',
  'tpmdev',
  'spice',
  'vnc',
  'overcommit',
  'msg',
  'sandbox',
  'action',
  'plugin',
  'semihosting-config',
  'add-fd',
  'loadvm',
  'pidfile',
  'runas',
  'chroot',
  'option-rom',
]);
/** Flags (no argument) the shim accepts. */
const FLAGS = new Set([
  'nodefaults',
  'S',
  'no-fd-bootchk',
  'no-shutdown',
  'no-reboot',
  'nographic',
  'snapshot',
]);
/** Real QEMU flags the shim refuses. */
const REFUSED_FLAGS = new Set([
  'enable-kvm',
  'daemonize',
  's',
  'no-acpi',
  'no-hpet',
  'singlestep',
  'full-screen',
]);

export function defaultOptions(): QemuOptions {
  return {
    machine: 'pc',
    memoryBytes: 128 * 2 ** 20,
    nodefaults: false,
    boot: { order: 'cad' },
    fdBootCheck: true,
    startPaused: false,
    noShutdown: false,
    noReboot: false,
    nographic: false,
    pflash: [],
    fwCfg: [],
    globals: [],
    numa: [],
    memoryBackends: [],
    devices: [],
    chardevs: [],
    monitors: [],
    rtc: { base: 'utc', clock: 'vm' },
  };
}

/** Parse argv (without the program name). Throws QemuUsageError with QEMU's message text. */
export function parseQemuArgs(argv: readonly string[]): QemuOptions {
  const o = defaultOptions();
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    if (!raw.startsWith('-') || raw === '-') {
      // QEMU treats a bare word as the disk image (-hda); the shim has no disks.
      throw new QemuUsageError(`${raw}: drive images are not supported by vmkit (no disks)`);
    }
    const name = raw.replace(/^--?/, '');
    const opt = `-${name}`;
    if (FLAGS.has(name)) {
      applyFlag(o, name);
      continue;
    }
    if (REFUSED_FLAGS.has(name)) throw new QemuUsageError(`${opt}: not supported by vmkit's qtest shim`);
    if (!WITH_ARG.has(name)) throw new QemuUsageError(`${opt}: invalid option`);
    const arg = argv[i + 1];
    if (arg === undefined) throw new QemuUsageError(`${opt}: requires an argument`);
    i++;
    applyOption(o, name, arg);
  }
  return o;
}

function applyFlag(o: QemuOptions, name: string): void {
  if (name === 'nodefaults') o.nodefaults = true;
  else if (name === 'S') o.startPaused = true;
  else if (name === 'no-fd-bootchk') o.fdBootCheck = false;
  else if (name === 'no-shutdown') o.noShutdown = true;
  else if (name === 'no-reboot') o.noReboot = true;
  else if (name === 'nographic') o.nographic = true;
  // -snapshot: there are no disks to protect; accepted as QEMU accepts it without drives.
}

type Apply = (o: QemuOptions, opt: string, arg: string) => void;

const onlyNone =
  (what: string): Apply =>
  (_o, opt, arg) => {
    if (arg !== 'none') throw new QemuUsageError(`${opt}: ${what}`);
  };

/** Option name → what it does to the options (QEMU's qemu-options.hx names). */
const APPLY: Record<string, Apply> = {
  machine: applyMachine,
  M: applyMachine,
  m: applyMemory,
  uuid: (o, opt, arg) => {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(arg))
      throw new QemuUsageError(`${opt}: Fail to parse UUID string. Wrong format.`);
    o.uuid = arg;
  },
  boot: applyBoot,
  smp: (_o, opt, arg) => applySmp(opt, arg),
  fw_cfg: applyFwCfg,
  bios: (o, _opt, arg) => {
    o.bios = arg;
  },
  drive: applyDrive,
  global: (o, opt, arg) => {
    o.globals.push(parseGlobalOption(opt, arg));
  },
  numa: (o, opt, arg) => {
    o.numa.push({ opt, arg });
  },
  object: (o, opt, arg) => {
    const b = parseObjectOption(opt, arg);
    if (o.memoryBackends.some((x) => x.id === b.id))
      throw new QemuUsageError(
        `${opt}: attempt to add duplicate property '${b.id}' to object (type 'container')`,
      );
    o.memoryBackends.push(b);
  },
  device: applyDevice,
  qtest: (o, opt, arg) => {
    o.qtest = parseSocketUri(opt, arg);
  },
  'qtest-log': (o, _opt, arg) => {
    o.qtestLog = arg;
  },
  chardev: applyChardev,
  mon: applyMon,
  display: (_o, opt, arg) => {
    if (parseKeyval(arg, 'type').get('type') !== 'none')
      throw new QemuUsageError(`${opt}: vmkit has no display; only -display none`);
  },
  accel: (_o, opt, arg) => {
    if (parseKeyval(arg, 'accel').get('accel') !== 'qtest')
      throw new QemuUsageError(`${opt}: vmkit's shim runs no CPU; only -accel qtest`);
  },
  rtc: applyRtc,
  vga: onlyNone("not supported by vmkit's qtest shim (only 'none')"),
  serial: onlyNone("not supported by vmkit's qtest shim (only 'none')"),
  parallel: onlyNone("not supported by vmkit's qtest shim (only 'none')"),
  monitor: onlyNone("not supported by vmkit's qtest shim (only 'none')"),
  net: onlyNone("not supported by vmkit's qtest shim (only 'none')"),
  name: () => {},
};

function applyOption(o: QemuOptions, name: string, arg: string): void {
  const opt = `-${name} ${arg}`;
  const apply = APPLY[name];
  if (!apply) throw new QemuUsageError(`${opt}: not supported by vmkit's qtest shim`);
  apply(o, opt, arg);
}

function applyMachine(o: QemuOptions, opt: string, arg: string): void {
  const kv = parseKeyval(arg, 'type');
  const type = kv.get('type');
  if (type === 'pc' || type === 'pc-i440fx-7.2') o.machine = 'pc';
  else if (type === 'none') o.machine = 'none';
  else if (type === 'help' || type === '?')
    throw new QemuUsageError('machine help is printed by the shim itself');
  else if (type !== undefined)
    throw new QemuUsageError(
      `${opt}: unsupported machine type\nUse -machine help to list supported machines`,
    );
  for (const [k, v] of kv) {
    if (k === 'type') continue;
    if (k === 'accel' && v === 'qtest') continue;
    throw new QemuUsageError(`${opt}: Property '${type ?? 'pc'}-machine.${k}' not found`);
  }
}

function applyMemory(o: QemuOptions, opt: string, arg: string): void {
  const kv = parseKeyval(arg, 'size');
  for (const k of kv.keys()) {
    if (k !== 'size') throw new QemuUsageError(`${opt}: Invalid parameter '${k}'`);
  }
  const size = parseSizeMiB(kv.get('size') ?? '');
  if (size === null || size <= 0)
    throw new QemuUsageError(`${opt}: Parameter 'size' expects a non-negative number below 2^64`);
  o.memoryBytes = size;
}

/** QEMU validate_bootdevices: letters a–p, each once. */
function checkBootDevices(opt: string, devs: string): void {
  const seen = new Set<string>();
  for (const c of devs) {
    if (c < 'a' || c > 'p') throw new QemuUsageError(`${opt}: Invalid boot device '${c}'`);
    if (seen.has(c)) throw new QemuUsageError(`${opt}: Boot device '${c}' was given twice`);
    seen.add(c);
  }
}

function applyBoot(o: QemuOptions, opt: string, arg: string): void {
  // -boot merges across occurrences (QEMU boot-opts is a merge_lists group): later keys win.
  const kv = parseKeyval(arg, 'order');
  for (const [k, v] of kv) {
    if (k === 'order') {
      checkBootDevices(opt, v);
      o.boot.order = v;
    } else if (k === 'once') {
      checkBootDevices(opt, v);
      o.boot.once = v;
    } else if (k === 'menu') o.boot.menu = parseBool(opt, k, v);
    else if (k === 'splash-time') o.boot.splashTime = parseInt64(opt, k, v);
    else if (k === 'reboot-timeout') o.boot.rebootTimeout = parseInt64(opt, k, v);
    else if (k === 'strict') o.boot.strict = parseBool(opt, k, v);
    else throw new QemuUsageError(`${opt}: Invalid parameter '${k}'`);
  }
}

function applySmp(opt: string, arg: string): void {
  const kv = parseKeyval(arg, 'cpus');
  for (const [k, v] of kv) {
    if (!['cpus', 'maxcpus', 'sockets', 'dies', 'cores', 'threads'].includes(k))
      throw new QemuUsageError(`${opt}: Invalid parameter '${k}'`);
    if (v !== '1') throw new QemuUsageError(`${opt}: vmkit's machine has exactly one CPU (${k}=${v})`);
  }
}

function applyFwCfg(o: QemuOptions, opt: string, arg: string): void {
  const kv = parseKeyval(arg, 'name');
  const name = kv.get('name');
  if (!name) throw new QemuUsageError(`${opt}: invalid argument(s)`);
  const file = kv.get('file');
  const str = kv.get('string');
  if ((file === undefined) === (str === undefined)) throw new QemuUsageError(`${opt}: invalid argument(s)`);
  if (name.length > 55) throw new QemuUsageError(`${opt}: name too long (max. 55 char)`);
  if (!name.startsWith('opt/'))
    throw new QemuUsageError(`${opt}: vmkit requires fw_cfg names to start with "opt/" (QEMU only warns)`);
  o.fwCfg.push({ name, file, string: str });
}

function applyDrive(o: QemuOptions, opt: string, arg: string): void {
  const kv = parseKeyval(arg);
  if (kv.get('if') !== 'pflash')
    throw new QemuUsageError(`${opt}: vmkit has no disks; only -drive if=pflash`);
  const file = kv.get('file');
  if (!file) throw new QemuUsageError(`${opt}: -drive if=pflash needs file=`);
  for (const [k, v] of kv) {
    if (k === 'format' && v !== 'raw') throw new QemuUsageError(`${opt}: only format=raw`);
    if (!['if', 'file', 'format', 'unit', 'readonly'].includes(k))
      throw new QemuUsageError(`${opt}: Invalid parameter '${k}'`);
  }
  const unit = Number(kv.get('unit') ?? o.pflash.length);
  if (!Number.isInteger(unit) || unit < 0 || unit > 1)
    throw new QemuUsageError(`${opt}: unit must be 0 or 1`);
  o.pflash[unit] = file;
}

function applyDevice(o: QemuOptions, opt: string, arg: string): void {
  const spec = parseDeviceOption(arg);
  if ((spec as { help?: unknown }).help === true)
    throw new QemuUsageError(`${opt}: device help is not available in the qtest shim`);
  if (!('driver' in spec)) {
    const problem = String((spec as { problem: string }).problem);
    throw new QemuUsageError(`${opt}: ${problem.replace(/^--device '[^']*': /, '')}`);
  }
  o.devices.push(spec as DeviceSpec);
}

/** server=on|off (default off: connect) and wait=on|off (default on), as QEMU's socket chardev. */
function socketFlags(opt: string, kv: Map<string, string>): { server: boolean; wait: boolean } {
  const server = kv.has('server') ? parseBool(opt, 'server', kv.get('server')!) : false;
  const wait = kv.has('wait') ? parseBool(opt, 'wait', kv.get('wait')!) : true;
  return { server, wait };
}

function parseSocketUri(opt: string, arg: string): SocketSpec {
  if (!arg.startsWith('unix:')) throw new QemuUsageError(`${opt}: vmkit supports only unix: sockets`);
  const kv = parseKeyval(arg.slice(5), 'path');
  const path = kv.get('path');
  if (!path) throw new QemuUsageError(`${opt}: missing socket path`);
  return { path, ...socketFlags(opt, kv) };
}

function applyChardev(o: QemuOptions, opt: string, arg: string): void {
  const kv = parseKeyval(arg, 'backend');
  if (kv.get('backend') !== 'socket') throw new QemuUsageError(`${opt}: vmkit supports only socket chardevs`);
  const id = kv.get('id');
  const path = kv.get('path');
  if (!id) throw new QemuUsageError(`${opt}: Parameter 'id' is missing`);
  if (!path)
    throw new QemuUsageError(`${opt}: chardev: socket: no path given (vmkit supports unix sockets only)`);
  o.chardevs.push({ id, path, ...socketFlags(opt, kv) });
}

function applyMon(o: QemuOptions, opt: string, arg: string): void {
  const kv = parseKeyval(arg, 'chardev');
  const chardev = kv.get('chardev');
  if (!chardev) throw new QemuUsageError(`${opt}: Parameter 'chardev' is missing`);
  if ((kv.get('mode') ?? 'readline') !== 'control')
    throw new QemuUsageError(`${opt}: vmkit serves QMP only (mode=control)`);
  o.monitors.push({ chardev, mode: 'control' });
}

function applyRtc(o: QemuOptions, opt: string, arg: string): void {
  const kv = parseKeyval(arg);
  for (const [k, v] of kv) {
    if (k === 'base') {
      if (v === 'utc' || v === 'localtime') o.rtc.base = v;
      else if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?$/.test(v)) o.rtc.base = { iso: v };
      else
        throw new QemuUsageError(
          `${opt}: invalid datetime format\nvalid formats: '2006-06-17T16:01:21' or '2006-06-17'`,
        );
    } else if (k === 'clock') {
      if (v === 'host' || v === 'rt')
        throw new QemuUsageError(`${opt}: vmkit's RTC counts virtual time only (clock=vm)`);
      if (v !== 'vm') throw new QemuUsageError(`${opt}: invalid option value '${v}'`);
      o.rtc.clock = v;
    } else if (k === 'driftfix') {
      if (v !== 'none' && v !== 'slew') throw new QemuUsageError(`${opt}: invalid option value '${v}'`);
    } else throw new QemuUsageError(`${opt}: Invalid parameter '${k}'`);
  }
}
