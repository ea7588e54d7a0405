/** An error meant for the user: printed as one line, no stack trace, exit code `code`. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly code = 2,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
