// One warning per process when daffi code was compiled without the daffi transformer.
import { defaultLogLevel, Logger } from "../log/Logger";

let warned = false;

export function warnUntransformed(subject: string): void {
  if (warned || defaultLogLevel() === "silent") return;
  warned = true;
  new Logger("node", `pid ${process.pid}`).warn(
    `${subject} was compiled without the daffi transformer: arguments and results are not validated and TypeScript private/protected members are not recognised. ` +
      `Add "plugins": [{ "transform": "daffi/transformer" }] to compilerOptions in tsconfig.json and compile with tspc (ts-patch).`,
  );
}
