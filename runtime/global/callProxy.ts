// `g.call`: any property name is a remote callback name, giving a function that makes a RemoteCall.
import type { Invoker } from "../call/Invoker";
import { RemoteCall } from "../call/RemoteCall";

/** `g.call.<name>(...args)`: an untyped remote call of any callback by name (a RemoteCall: await it, or choose a modifier). */
export type CallProxy = Record<string, (...args: unknown[]) => RemoteCall<any>>;

export function callProxy(invoker: Invoker): CallProxy {
  return new Proxy({} as CallProxy, {
    get(_target, name) {
      // `then` is left out so that `await g.call` is not mistaken for a thenable.
      if (typeof name !== "string" || name === "then") return undefined;
      return (...args: unknown[]) => new RemoteCall(invoker, name, args);
    },
  });
}
