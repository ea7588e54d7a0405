import { describe, expect, it } from 'vitest';
import { PACKAGE_NAME } from '../src/index.js';

describe('seabios-port', () => {
  it('exports its name', () => {
    expect(PACKAGE_NAME).toBe('@vmkit/seabios-port');
  });
});
