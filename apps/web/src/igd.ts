// The report's IGD section typed as vfio-igd's IgdReport (the machine carries device sections as
// plain records; `report.igd` is the first vfio-igd device's).
import type { BootReport } from '@vmkit/machine';
import type { IgdReport } from '@vmkit/vfio-igd';

export function igdOf(report: BootReport | null | undefined): IgdReport | null {
  return (report?.igd as IgdReport | null | undefined) ?? null;
}
