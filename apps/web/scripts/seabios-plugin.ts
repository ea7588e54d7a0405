// Copies Debian's SeaBIOS (`/usr/share/seabios/bios-256k.bin`, package `seabios`) into the site as
// `firmware/bios-256k.bin` when it is installed at build time, and serves it from the same path
// in `vite` dev mode. Without it the page offers the TypeScript firmware and the user's own image.
import { existsSync, readFileSync } from 'node:fs';
import type { Plugin } from 'vite';

export const SEABIOS_PATH = '/usr/share/seabios/bios-256k.bin';
export const SEABIOS_URL = 'firmware/bios-256k.bin';

export function seabiosFirmware(path = SEABIOS_PATH): Plugin {
  return {
    name: 'vmkit-seabios-firmware',
    configureServer(server) {
      server.middlewares.use(`/${SEABIOS_URL}`, (_req, res) => {
        if (!existsSync(path)) {
          res.statusCode = 404;
          res.end(`${path} is not installed (apt-get install seabios)`);
          return;
        }
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(readFileSync(path));
      });
    },
    generateBundle() {
      if (!existsSync(path)) {
        this.warn(`${path} is not installed: the site will offer only the TypeScript firmware`);
        return;
      }
      this.emitFile({ type: 'asset', fileName: SEABIOS_URL, source: readFileSync(path) });
    },
  };
}
