// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { decodeLoader, encodeLoader, igdOpRegionLoaderFragment } from '@vmkit/bios-linker';

const blob = encodeLoader(igdOpRegionLoaderFragment({ bdf: '00:02.0' }));
const { commands, errors } = decodeLoader(blob);
if (blob.length !== 256 || errors.length !== 0) throw new Error('unexpected encoding');
const w = commands[1];
if (w.kind !== 'write-pci-config' || w.bdf !== 0x10 || w.configOffset !== 0xfc || w.width !== 4) {
  throw new Error(`unexpected decode: ${JSON.stringify(w)}`);
}
