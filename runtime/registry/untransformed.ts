// One warning per process when daffi code was compiled without the daffi transformer, through the
// log settings of the process's Global (its level, format and logger): said when the first Global is
// created, or at once when one already was.
import { defaultLogLevel, type LogLevel, Logger, type LogOutput } from "../log/Logger";

let warned = false;
let pending: string | undefined;
/** The log settings of the most recent Global; undefined until one is created. */
let settings: { level: LogLevel; output: LogOutput } | undefined;

function logger(level: LogLevel, output: LogOutput): Logger {
  return new Logger("node", `pid ${process.pid}`, level, output);
}

export function warnUntransformed(subject: string): void {
  if (warned) return;
  warned = true;
  const line =
    `${subject} was compiled without the daffi transformer: arguments and results are not validated and TypeScript private/protected members are not recognised. ` +
    `Add "plugins": [{ "transform": "daffi/transformer" }] to compilerOptions in tsconfig.json and compile with tspc (ts-patch).`;
  if (settings) logger(settings.level, settings.output).warn(line);
  else pending = line;
}

/** A Global is created: later warnings use its log settings, and one waiting is said now. */
export function untransformedLogTo(level: LogLevel | undefined, output: LogOutput): void {
  settings = { level: level ?? defaultLogLevel(), output };
  if (pending === undefined) return;
  const line = pending;
  pending = undefined;
  logger(settings.level, output).warn(line);
}

const reportedClasses = new WeakSet<Function>();

/** Once per class: it says `static autoInit = true`, but without the transformer nobody creates it. */
export function warnLostAutoInit(classes: Function[], level: LogLevel, output: LogOutput): void {
  if (level === "silent") return;
  for (const cls of classes) {
    if (reportedClasses.has(cls)) continue;
    reportedClasses.add(cls);
    logger(level, output).warn(
      `Callback class ${cls.name} has static autoInit = true, but was compiled without the daffi transformer: daffi does not create it, and none of its methods is exposed. ` +
        `Add "plugins": [{ "transform": "daffi/transformer" }] to compilerOptions in tsconfig.json and compile with tspc (ts-patch), or create it yourself with new ${cls.name}().`,
    );
  }
}
