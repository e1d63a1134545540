// node:util's parseArgs with errors a user can act on: unknown flags named with a did-you-mean, numbers checked.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { didYouMean } from "./didYouMean";
import { UsageError } from "./UsageError";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The values of the flags, by name (a list for a flag that is `multiple`), and the positional arguments. */
export interface CommandLine {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parseCommandLine(command: string, argv: string[], options: Options, usage: string): CommandLine {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as CommandLine["values"], positionals };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const flag = /'(-{1,2}[^'\s]+)/.exec((error as Error).message)?.[1];
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag) {
      const known = Object.keys(options).map((name) => `--${name}`);
      throw new UsageError(`daffi ${command}: unknown option '${flag}'${didYouMean(flag, known)}`, usage);
    }
    throw new UsageError(`daffi ${command}: ${(error as Error).message}`, usage);
  }
}

/**
 * A command's line with what every command does first: `--help` prints its usage (undefined is
 * returned: the command is done, exit 0), a positional argument is refused. The options must have `help`.
 */
export function commandLine(command: string, argv: string[], options: Options, usage: string): CommandLine | undefined {
  const line = parseCommandLine(command, argv, options, usage);
  if (line.values.help) {
    process.stdout.write(`${usage}\n`);
    return undefined;
  }
  if (line.positionals.length > 0) throw new UsageError(`daffi ${command}: unexpected argument '${line.positionals[0]}'`, usage);
  return line;
}

/** A flag's value as a whole number within bounds; undefined when the flag was not given. */
export function wholeNumber(command: string, flag: string, text: string | undefined, min: number, max: number, usage: string): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`daffi ${command}: --${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`, usage);
  }
  return value;
}

/** A flag's value as a positive number of seconds; undefined when the flag was not given. */
export function seconds(command: string, flag: string, text: string | undefined, usage: string): number | undefined {
  if (text === undefined) return undefined;
  const value = text.trim() === "" ? Number.NaN : Number(text);
  if (!(value > 0) || !Number.isFinite(value)) throw new UsageError(`daffi ${command}: --${flag} must be a positive number of seconds, got ${JSON.stringify(text)}`, usage);
  return value;
}
