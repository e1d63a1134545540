// The outgoing interceptors of a call this process makes: they see it as it will go (its metadata
// merged: the trace context of the call it is made in, the process's defaults, its own) and may
// change its metadata; what the last one passes on is what is sent.
import { callStorage } from "../context/CallContext";
import { type InterceptedCall, mapOf, metadataOf, once, runSteps } from "../context/Interceptor";
import { callMetadata } from "../context/metadata";
import type { CallOptions } from "../node/CallOptions";
import type { Node } from "../node/Node";
import { MODE_NAMES } from "../wire/Kind";

/**
 * Sends the call through the node's outgoing interceptors (straight when it has none): `send` gets
 * the options with the metadata the last step left, as final (Node.open merges nothing more).
 */
export function intercepted(
  node: Node,
  name: string,
  args: readonly unknown[],
  options: CallOptions,
  send: (options: CallOptions) => Promise<unknown>,
  stream?: "read" | "write",
): Promise<unknown> {
  const steps = node.interceptors.outgoing;
  if (!steps) return send(options);
  let call: InterceptedCall;
  try {
    const within = callStorage.getStore();
    const own = options.timeout === undefined ? undefined : Date.now() + options.timeout * 1000;
    const deadline = within?.deadline === undefined || (own !== undefined && own < within.deadline) ? own : within.deadline;
    call = {
      name,
      modifier: MODE_NAMES[options.mode],
      stream,
      args,
      metadata: mapOf(callMetadata(within?.metadata, node.defaultMetadata, options.metadata, name)),
      caller: node.processName,
      target: options.target,
      deadline,
      identity: undefined,
    };
  } catch (error) {
    return Promise.reject(error as Error);
  }
  const last = (passed: InterceptedCall) => {
    try {
      // Object.assign, not a spread with more keys: on every call, several times cheaper in V8.
      const final = Object.assign({}, options);
      final.metadata = passed.metadata.size === 0 ? undefined : metadataOf(passed.metadata, `the metadata of the call to '${name}' (as interceptors left it)`);
      final.metadataFinal = true;
      return send(final);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  };
  return runSteps(steps, call, stream ? once(last, `the stream of '${name}'`) : last);
}
