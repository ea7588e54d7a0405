import { describe, expect, it } from 'vitest';
import { PACKAGE_NAME } from '../src/index.js';

describe('memory-bus', () => {
  it('exports its name', () => {
    expect(PACKAGE_NAME).toBe('@vmkit/memory-bus');
  });
});
