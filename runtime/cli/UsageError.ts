// A command line the CLI cannot run: said on stderr with the usage, exit code 2.
export class UsageError extends Error {
  constructor(
    message: string,
    /** The usage of the command concerned (the general one when undefined). */
    readonly usage?: string,
  ) {
    super(message);
  }
}
