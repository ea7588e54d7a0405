import { describe, expect, it } from 'vitest';
import { PACKAGE_NAME } from '../src/index.js';

describe('x86-core', () => {
  it('exports its name', () => {
    expect(PACKAGE_NAME).toBe('@vmkit/x86-core');
  });
});
