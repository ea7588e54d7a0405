// The exit-code table (one place: --help, the README and the tests all read it from here) and the
// error a command throws to end with one of them.

export const EXIT = {
  ok: 0,
  input: 1,
  usage: 2,
  goalNotReached: 3,
  internal: 70,
} as const;

export type ExitKind = keyof typeof EXIT;

/** [code, kind as printed in JSON errors, meaning] — the rows of the exit-status table. */
export const EXIT_TABLE: ReadonlyArray<readonly [number, string, string]> = [
  [
    EXIT.ok,
    'ok',
    'success (boot: the goal was reached: the --until text, the guest powering off\n' +
      "(ACPI S5), or without --kernel the firmware's boot attempt; decode: the file is valid)",
  ],
  [
    EXIT.input,
    'input',
    'input error: a file cannot be read, written or parsed, a decoded file has errors,\n' +
      'or the machine cannot be built from these inputs (e.g. --bdsm-size larger than RAM)',
  ],
  [
    EXIT.usage,
    'usage',
    'usage error: unknown command or option, a missing argument, a value that is\n' +
      'malformed or outside its documented range',
  ],
  [
    EXIT.goalNotReached,
    'goal-not-reached',
    "boot did not reach its goal (the --until text, else poweroff or the firmware's boot attempt):\n" +
      'instruction budget spent (a kernel that loops or panics), a guest reset or triple fault\n' +
      'under --no-reboot, halted forever, firmware error',
  ],
  [EXIT.internal, 'internal', 'internal error: a bug in vmkit (VMKIT_DEBUG=1 prints the stack)'],
];

/** The table as --help prints it. */
export function exitStatusHelp(): string {
  const lines = ['Exit status:'];
  for (const [code, , text] of EXIT_TABLE) {
    const [first, ...rest] = text.split('\n');
    lines.push(`  ${String(code).padStart(2)}  ${first}`);
    for (const r of rest) lines.push(`      ${r}`);
  }
  return lines.join('\n');
}

export function exitKind(code: number): string {
  return EXIT_TABLE.find(([c]) => c === code)?.[1] ?? 'internal';
}

/**
 * An error meant for the user: printed as one line per message, no stack trace, and the command
 * exits with `code` (default 2, usage). `messages` holds every line when there are several
 * (a machine config with several problems).
 */
export class UsageError extends Error {
  readonly messages: readonly string[];
  constructor(
    message: string | readonly string[],
    readonly code: number = EXIT.usage,
  ) {
    const messages = typeof message === 'string' ? [message] : message;
    super(messages.join('; '));
    this.messages = messages;
    this.name = 'UsageError';
  }
}

/** Input error (exit 1): the command line was fine, the inputs it names are not. */
export function inputError(message: string | readonly string[]): UsageError {
  return new UsageError(message, EXIT.input);
}
