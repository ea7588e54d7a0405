// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { DualPic } from '@vmkit/pc-platform';

const pic = new DualPic();
pic.masterIo.write(0, 1, 0x11); // ICW1
pic.masterIo.write(1, 1, 0x08); // ICW2: vectors 0x08..0x0f
pic.masterIo.write(1, 1, 0x04); // ICW3
pic.masterIo.write(1, 1, 0x01); // ICW4
pic.masterIo.write(1, 1, 0x00); // unmask all
pic.setIrq(1, true);
if (!pic.pending() || pic.acknowledge() !== 0x09) throw new Error('PIC did not deliver IRQ1 as vector 9');
