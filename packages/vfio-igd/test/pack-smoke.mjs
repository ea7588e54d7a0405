// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { catalogueSource, decodeOpRegion } from '@vmkit/vfio-igd';

const d = decodeOpRegion(catalogueSource('tgl').opRegion);
if (!d.ok || d.vbtLocation !== 'extended' || d.header.version.raw !== 0x0201 || d.vbt.blocks.length < 4) {
  throw new Error(`unexpected decode: ${JSON.stringify(d.problems)}`);
}
