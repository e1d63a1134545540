// Carries out one remote call under its execution modifier.
import { ConfigurationError } from "../errors/DaffiError";
import type { Node } from "../node/Node";
import { Mode } from "../wire/Kind";
import { AsyncResult } from "./AsyncResult";
import { delay } from "./delay";
import type { BGOptions, FGOptions, Modifier, NoReturnOptions } from "./modifiers";

const asIs = (value: unknown) => value;

export function carryOut(node: Node, name: string, args: unknown[], modifier: Modifier, checkResult: (value: unknown) => unknown = asIs): unknown {
  switch (modifier.kind) {
    case "FG":
      return node.call(name, args, { mode: Mode.FG, timeout: (modifier.options as FGOptions).timeout }).then(checkResult);
    case "BG": {
      const { timeout, eta } = modifier.options as BGOptions;
      return new AsyncResult(name, async (signal) => {
        await delay(eta, signal);
        return checkResult(await node.call(name, args, { mode: Mode.BG, timeout, signal }));
      });
    }
    case "NO_RETURN": {
      const { eta } = modifier.options as NoReturnOptions;
      return delay(eta).then(() => node.call(name, args, { mode: Mode.NO_RETURN }).then(() => undefined));
    }
    default:
      throw new ConfigurationError(`unknown execution modifier '${String(modifier.kind)}'`);
  }
}
