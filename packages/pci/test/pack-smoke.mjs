// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { PciDevice, PciHost, parseBdf } from '@vmkit/pci';

const host = new PciHost();
host.addDevice(new PciDevice({ name: 'vga', vendorId: 0x1234, deviceId: 0x1111, classCode: 0x030000 }), 2);
host.mechanism1.write(0, 4, 0x80001000); // CONFIG_ADDRESS: bus 0, device 2, function 0, register 0
const id = host.mechanism1.read(4, 4);
if (id !== 0x11111234 || parseBdf('00:02.0') !== 0x10) throw new Error(`unexpected id 0x${id.toString(16)}`);
