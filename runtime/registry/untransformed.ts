// One warning per process when daffi code was compiled without the daffi transformer.
import { defaultLogLevel, type LogLevel, Logger } from "../log/Logger";

let warned = false;

export function warnUntransformed(subject: string): void {
  if (warned || defaultLogLevel() === "silent") return;
  warned = true;
  new Logger("node", `pid ${process.pid}`).warn(
    `${subject} was compiled without the daffi transformer: arguments and results are not validated and TypeScript private/protected members are not recognised. ` +
      `Add "plugins": [{ "transform": "daffi/transformer" }] to compilerOptions in tsconfig.json and compile with tspc (ts-patch).`,
  );
}

const reportedClasses = new WeakSet<Function>();

/** Once per class: it says `static autoInit = true`, but without the transformer nobody creates it. */
export function warnLostAutoInit(classes: Function[], level: LogLevel): void {
  if (level === "silent") return;
  for (const cls of classes) {
    if (reportedClasses.has(cls)) continue;
    reportedClasses.add(cls);
    new Logger("node", `pid ${process.pid}`, level).warn(
      `Callback class ${cls.name} has static autoInit = true, but was compiled without the daffi transformer: daffi does not create it, and none of its methods is exposed. ` +
        `Add "plugins": [{ "transform": "daffi/transformer" }] to compilerOptions in tsconfig.json and compile with tspc (ts-patch), or create it yourself with new ${cls.name}().`,
    );
  }
}
