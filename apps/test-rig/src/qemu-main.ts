// Entry point of bin/qemu-system-x86_64.
import { runShim } from './shim.js';

await runShim(process.argv.slice(2));
