import { describe, expect, it } from 'vitest';
import { PACKAGE_NAME } from '../src/index.js';

describe('qos', () => {
  it('exports its name', () => {
    expect(PACKAGE_NAME).toBe('@vmkit/qos');
  });
});
