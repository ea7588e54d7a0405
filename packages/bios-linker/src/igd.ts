// Convenience for producers (vfio-igd): the table-loader fragment that does what SeaBIOS's
// intel_igd_setup does for the OpRegion (SeaBIOS rel-1.16.2 src/fw/pciinit.c: memalign_high(PAGE_SIZE,
// size), copy etc/igd-opregion, pci_config_writel(bdf, 0xFC, addr)).
import { LinkerBuilder } from './builder.js';
import { type LinkerCommand, parseBdf } from './types.js';

export interface IgdOpRegionFragmentOptions {
  /** Device: u16 BDF (bus << 8 | dev << 3 | fn) or text "00:02.0". Default 00:02.0. */
  bdf?: number | string;
  /** ASLS, config 0xFC (default). */
  configOffset?: number;
  /** fw_cfg file, default 'etc/igd-opregion' (QEMU hw/vfio/igd.c). */
  file?: string;
  /** Default 4096 (SeaBIOS uses PAGE_SIZE). */
  align?: number;
  /** Default 4 (ASLS is a 32-bit register). */
  width?: 1 | 2 | 4 | 8;
  /** Add to this builder (the ALLOCATE is prepended to its other ALLOCATEs, as QEMU orders them). */
  builder?: LinkerBuilder;
}

/** ALLOCATE(file, 4096, HIGH) + WRITE_PCI_CONFIG(file+0 -> bdf cfg[0xFC], 4 bytes). */
export function igdOpRegionLoaderFragment(opts: IgdOpRegionFragmentOptions = {}): LinkerCommand[] {
  const file = opts.file ?? 'etc/igd-opregion';
  let bdf = 0x0010; // 00:02.0
  let segment = 0;
  if (typeof opts.bdf === 'string') ({ bdf, segment } = parseBdf(opts.bdf));
  else if (opts.bdf !== undefined) bdf = opts.bdf;
  const b = opts.builder ?? new LinkerBuilder();
  b.allocate(file, opts.align ?? 4096, 'high');
  b.writePciConfig({
    file,
    bdf,
    segment,
    configOffset: opts.configOffset ?? 0xfc,
    width: opts.width ?? 4,
    srcOffset: 0,
  });
  const cmds = b.commands();
  // Return just this fragment's two commands.
  return [
    cmds.find((c) => c.kind === 'allocate' && c.file === file) as LinkerCommand,
    cmds[cmds.length - 1] as LinkerCommand,
  ];
}
