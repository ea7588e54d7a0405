import { describe, expect, it } from 'vitest';
import { compareSpec, DEFAULT_SPEC, parseQuery, toQuery } from '../src/spec.ts';

describe('page state in the URL', () => {
  it('reads the issue example and writes it back', () => {
    const { state, problems } = parseQuery('?firmware=seabios&policy=map&autoboot');
    expect(problems).toEqual([]);
    expect(state.spec).toEqual({ ...DEFAULT_SPEC, policy: 'map' });
    expect(state.autoboot).toBe(true);
    expect(toQuery(state)).toBe('policy=map&autoboot');
  });

  it('round-trips every field', () => {
    const q =
      'firmware=hle&igd=tgl&policy=copy-on-asls&linker=1&memory=3584M&device=edu%2Caddr%3D03.0&budget=1000&jit=0&compare=policy%3Amap&view=map';
    const { state, problems } = parseQuery(`?${q}`);
    expect(problems).toEqual([]);
    expect(state.spec).toMatchObject({
      firmware: 'hle',
      igd: 'tgl',
      linker: true,
      memory: '3584M',
      budget: 1000,
      jit: false,
      devices: ['edu,addr=03.0'],
    });
    expect(toQuery(state)).toBe(q);
    expect(parseQuery(`?${toQuery(state)}`).state).toEqual(state);
  });

  it('lists what a mistyped link got wrong instead of silently running something else', () => {
    const { state, problems } = parseQuery('?firmware=ovmf&policy=mapp&budget=-1&compare=colour');
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/firmware 'ovmf' is unknown/);
    expect(problems[1]).toMatch(/policy 'mapp' is unknown \(fw-cfg, map, map-rw, copy-on-asls\)/);
    expect(state.spec).toEqual(DEFAULT_SPEC);
    expect(state.compare).toBeNull();
  });

  it('derives the compare run by changing one field', () => {
    expect(compareSpec(DEFAULT_SPEC, { field: 'policy', value: 'map' })).toEqual({
      ...DEFAULT_SPEC,
      policy: 'map',
    });
    expect(compareSpec(DEFAULT_SPEC, { field: 'linker', value: '1' }).linker).toBe(true);
  });
});
