// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { encodeE820 } from '@vmkit/fw-cfg';

const b = encodeE820([{ addr: 0x100000, len: 0x200, type: 1 }]);
const ok = b.length === 20 && b[2] === 0x10 && b[9] === 0x02 && b[16] === 1;
if (!ok) throw new Error(`encodeE820 produced unexpected bytes: ${Array.from(b).join(',')}`);
