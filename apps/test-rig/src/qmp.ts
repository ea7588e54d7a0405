// A QMP server session as QEMU 7.2's monitor/qmp.c runs one: the greeting, capabilities
// negotiation, then commands with {"return": …} or {"error": {"class", "desc"}} answers (the
// client's "id" echoed), and events stamped with the (virtual) time. Only the commands the rig
// implements are listed; anything else is CommandNotFound, as in QEMU.

import { formatQmpJson, type Json, type JsonItem, JsonStream } from './qmp-json.js';

export interface QmpHost {
  /** Virtual ns (event timestamps: QEMU stamps events with the host clock; vmkit has only virtual time). */
  now(): number;
  status(): 'running' | 'paused' | 'prelaunch';
  stop(): void;
  cont(): void;
  systemReset(): void;
  quit(): void;
  machines(): Json[];
}

type Obj = { [key: string]: Json };
type Result = { ok: Json } | { error: string; cls?: string };
type Handler = (args: Obj) => Result;

const VERSION = { qemu: { micro: 0, minor: 2, major: 7 }, package: 'vmkit qtest shim' };

export class QmpSession {
  private readonly stream = new JsonStream();
  private negotiated = false;
  private readonly commands: Map<string, Handler>;

  constructor(
    private readonly host: QmpHost,
    private readonly send: (line: string) => void,
  ) {
    this.commands = new Map<string, Handler>([
      ['qmp_capabilities', (a) => this.capabilities(a)],
      ['query-version', () => ({ ok: VERSION })],
      ['query-status', () => this.queryStatus()],
      ['query-commands', () => ({ ok: [...this.commands.keys()].map((name) => ({ name })) })],
      ['query-kvm', () => ({ ok: { enabled: false, present: false } })],
      ['query-machines', () => ({ ok: this.host.machines() })],
      ['stop', () => this.runState('stop')],
      ['cont', () => this.runState('cont')],
      ['system_reset', () => this.reset()],
      ['quit', () => this.quit()],
    ]);
  }

  greeting(): void {
    this.emitLine({ QMP: { version: VERSION, capabilities: ['oob'] } });
  }

  /** Feed bytes from the socket; answers are sent synchronously. */
  receive(chunk: string): void {
    for (const item of this.stream.feed(chunk)) this.dispatch(item);
  }

  event(name: string, data?: Obj): void {
    const ns = Math.max(0, Math.floor(this.host.now()));
    const msg: Obj = {
      timestamp: { seconds: Math.floor(ns / 1e9), microseconds: Math.floor((ns % 1e9) / 1e3) },
      event: name,
    };
    if (data) msg.data = data;
    this.emitLine(msg);
  }

  private emitLine(v: Json): void {
    this.send(`${formatQmpJson(v)}\r\n`);
  }

  private error(cls: string, desc: string, id?: Json): Obj {
    const msg: Obj = { error: { class: cls, desc } };
    if (id !== undefined) msg.id = id;
    return msg;
  }

  private dispatch(item: JsonItem): void {
    this.emitLine(this.answer(item));
    this.after?.();
    this.after = null;
  }

  /** The reply to one input value (QEMU monitor/qmp-dispatch.c qmp_dispatch checks, in order). */
  private answer(item: JsonItem): Obj {
    if (!item.ok) return this.error('GenericError', item.error);
    const req = item.value;
    if (req === null || typeof req !== 'object' || Array.isArray(req))
      return this.error('GenericError', 'QMP input must be a JSON object');
    const id = req.id;
    const execute = req.execute;
    for (const k of Object.keys(req)) {
      if (k !== 'execute' && k !== 'arguments' && k !== 'id' && k !== 'control')
        return this.error('GenericError', `QMP input member '${k}' is unexpected`, id);
    }
    if (execute === undefined) return this.error('GenericError', "QMP input lacks member 'execute'", id);
    if (typeof execute !== 'string')
      return this.error('GenericError', "QMP input member 'execute' must be a string", id);
    const args = req.arguments ?? {};
    if (args === null || typeof args !== 'object' || Array.isArray(args))
      return this.error('GenericError', "QMP input member 'arguments' must be an object", id);
    if (!this.negotiated && execute !== 'qmp_capabilities')
      return this.error('CommandNotFound', "Expecting capabilities negotiation with 'qmp_capabilities'", id);
    const h = this.commands.get(execute);
    if (!h) return this.error('CommandNotFound', `The command ${execute} has not been found`, id);
    const bad = execute === 'qmp_capabilities' ? null : this.noArgs(args);
    const r = bad ?? h(args);
    if ('error' in r) return this.error(r.cls ?? 'GenericError', r.error, id);
    const msg: Obj = { return: r.ok };
    if (id !== undefined) msg.id = id;
    return msg;
  }

  /** Work to do once the command's answer is out (events follow the return, as in QEMU). */
  private after: (() => void) | null = null;

  private noArgs(args: Obj): Result | null {
    const k = Object.keys(args)[0];
    return k === undefined ? null : { error: `Parameter '${k}' is unexpected` };
  }

  private capabilities(args: Obj): Result {
    if (this.negotiated)
      return {
        error: 'Capabilities negotiation is already complete, command ignored',
        cls: 'CommandNotFound',
      };
    for (const [k, v] of Object.entries(args)) {
      if (k !== 'enable') return { error: `Parameter '${k}' is unexpected` };
      if (!Array.isArray(v) || v.length > 0) {
        return { error: "Parameter 'enable' expects an empty list (vmkit offers no capabilities)" };
      }
    }
    this.negotiated = true;
    return { ok: {} };
  }

  private queryStatus() {
    const status = this.host.status();
    return { ok: { status, singlestep: false, running: status === 'running' } };
  }

  private runState(which: 'stop' | 'cont') {
    const before = this.host.status();
    if (which === 'stop') {
      this.host.stop();
      if (before === 'running') this.after = () => this.event('STOP');
    } else {
      this.host.cont();
      if (before !== 'running') this.after = () => this.event('RESUME');
    }
    return { ok: {} };
  }

  private reset() {
    this.host.systemReset();
    // QEMU performs the reset in the main loop after answering, then emits RESET.
    this.after = () => this.event('RESET', { guest: false, reason: 'host-qmp-system-reset' });
    return { ok: {} };
  }

  private quit() {
    this.after = () => {
      this.event('SHUTDOWN', { guest: false, reason: 'host-qmp-quit' });
      this.host.quit();
    };
    return { ok: {} };
  }
}
