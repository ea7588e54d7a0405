// `vmkit boot --json` from source, as a user runs it (`pnpm vmkit boot …`): the reference the page's
// report must equal for the same config.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { BootReport } from '@vmkit/machine';
import { REPO_ROOT } from './site.ts';

export function vmkitBootJson(args: string[]): Promise<BootReport> {
  const main = join(REPO_ROOT, 'apps/cli/src/main.ts');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--conditions=@vmkit/source', '--import', 'tsx', main, 'boot', ...args, '--json'],
      { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && !stdout) reject(new Error(`vmkit boot ${args.join(' ')} failed: ${stderr}`));
        else resolve(JSON.parse(stdout) as BootReport);
      },
    );
  });
}
