// Bus 0 as the firmware left it: every function with its ids, class and BARs.
import type { PciDeviceReport } from '@vmkit/machine';
import { hex, size } from '../format.js';

export function PciTree(props: { pci: readonly PciDeviceReport[]; igdBdf: string | null }) {
  return (
    <section class="panel pci" aria-label="PCI devices">
      <p class="hint">Bus 00 after POST: BAR addresses as the firmware programmed them (0 = not assigned).</p>
      <ul class="pci-tree" data-testid="pci">
        {props.pci.map((d) => (
          <li key={d.bdf} class={d.bdf === props.igdBdf ? 'igd' : ''}>
            <div class="pci-dev">
              <span class="mono bdf">{d.bdf}</span>
              <span class="mono ids">
                [{d.vendor}:{d.device}]
              </span>
              <span class="name">{d.name}</span>
              <span class="mono cls">class {d.class}</span>
            </div>
            {d.bars.length > 0 && (
              <table class="bars">
                <tbody>
                  {d.bars.map((b) => (
                    <tr key={`${b.kind}-${b.index}`}>
                      <td>{b.kind === 'rom' ? 'ROM' : `BAR${b.index}`}</td>
                      <td>
                        {b.kind}
                        {b.prefetchable ? ' pref' : ''}
                      </td>
                      <td class="mono">
                        {b.address ? hex(b.address, b.kind === 'io' ? 4 : 8) : 'unassigned'}
                      </td>
                      <td class="num">{size(b.size)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
