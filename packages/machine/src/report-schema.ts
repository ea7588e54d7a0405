// The boot report as a JSON document (what `vmkit boot --json` prints), and its JSON Schema
// (draft-07). `schemaVersion` changes whenever a field is removed, renamed or changes type; adding
// an optional field keeps it. Consumers check it before reading anything else.

import { EVENT_KINDS, type MachineEvent } from './events.js';
import type { BootReport } from './report.js';

export const BOOT_REPORT_SCHEMA_VERSION = 1;

export interface BootReportDocument extends BootReport {
  schemaVersion: number;
  /** What produced the document: e.g. { name: 'vmkit', version: '0.1.0' }. */
  generator: { name: string; version: string };
  /** The recorded events, when tracing was on. */
  events?: MachineEvent[];
}

export function bootReportDocument(
  report: BootReport,
  generator: { name: string; version: string },
  events?: MachineEvent[],
): BootReportDocument {
  return { schemaVersion: BOOT_REPORT_SCHEMA_VERSION, generator, ...report, events };
}

const uint = { type: 'integer', minimum: 0 } as const;
const hexId = (digits: number) => ({ type: 'string', pattern: `^[0-9a-f]{${digits}}$` }) as const;
const bdfText = { type: 'string', pattern: '^[0-9a-f]{2}:[0-1][0-9a-f]\\.[0-7]$' } as const;
const strings = { type: 'array', items: { type: 'string' } } as const;
const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
  ...extra,
});

/** JSON Schema (draft-07) of a BootReportDocument as JSON (64-bit event values that are not exact
 * numbers print as `0x…` strings). */
export const bootReportSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://vmkit.invalid/schemas/boot-report.json',
  title: 'vmkit boot report',
  ...obj(
    {
      schemaVersion: { const: BOOT_REPORT_SCHEMA_VERSION },
      generator: obj({ name: { type: 'string' }, version: { type: 'string' } }),
      firmware: obj({
        kind: { enum: ['hle', 'image'] },
        image: { type: ['string', 'null'] },
        fallback: { type: ['string', 'null'] },
      }),
      result: obj({
        reason: {
          enum: [
            'boot-attempted',
            'until',
            'instruction-budget',
            'time-budget',
            'triple-fault',
            'shutdown',
            'reset',
            'halted-forever',
            'firmware-error',
            'poweroff',
            'paused',
          ],
        },
        detail: { type: 'string' },
        goalReached: { type: 'boolean' },
        instructions: uint,
        virtualTimeNs: uint,
      }),
      traces: {
        oneOf: [
          { type: 'null' },
          obj({ compiled: uint, entries: uint, instructions: uint, invalidated: uint, flushes: uint }),
        ],
      },
      devices: {
        type: 'array',
        items: obj({
          id: { type: 'string' },
          driver: { type: 'string' },
          bdf: { oneOf: [{ type: 'null' }, bdfText] },
          report: { type: 'object' },
        }),
      },
      igd: {
        oneOf: [
          { type: 'null' },
          obj({
            bdf: bdfText,
            model: { type: 'string' },
            generation: { type: ['integer', 'null'] },
            policy: { type: 'string' },
            asls: uint,
            opregionSize: uint,
            guestOpregionValid: { type: 'boolean' },
            guestOpregionProblems: strings,
            bdsm: uint,
            bdsmSize: uint,
            bdsmReserved: { type: ['boolean', 'null'] },
            opregionReserved: { type: ['boolean', 'null'] },
            hostOpregionWrites: uint,
            linkerAutomation: { type: 'boolean' },
            notes: strings,
          }),
        ],
      },
      e820: {
        type: 'array',
        items: obj({ start: uint, end: uint, type: uint, typeName: { type: 'string' } }),
      },
      pci: {
        type: 'array',
        items: obj({
          bdf: bdfText,
          vendor: hexId(4),
          device: hexId(4),
          class: hexId(6),
          name: { type: 'string' },
          bars: {
            type: 'array',
            items: obj({
              index: { type: 'integer', minimum: 0, maximum: 6 },
              kind: { enum: ['io', 'mem32', 'mem64', 'rom'] },
              prefetchable: { type: 'boolean' },
              address: uint,
              size: uint,
            }),
          },
        }),
      },
      log: strings,
      serial: { oneOf: [{ type: 'null' }, strings] },
      events: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            kind: { enum: Object.keys(EVENT_KINDS) },
            seq: uint,
            t: { type: 'number', minimum: 0 },
          },
          required: ['kind', 'seq', 't'],
        },
      },
    },
    {},
  ),
  required: [
    'schemaVersion',
    'generator',
    'firmware',
    'result',
    'traces',
    'devices',
    'igd',
    'e820',
    'pci',
    'log',
  ],
} as const;
