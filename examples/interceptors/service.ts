// Interceptors, the serving side: every call this process runs passes a token check (a wrong or
// missing token is the caller's PermissionDeniedError, the callback does not run) and is timed.
import { callback, currentCall, Global, PermissionDeniedError } from "daffi";
import { connection } from "../connection";

const TOKEN = process.env.SERVICE_TOKEN ?? "let-me-in";

callback(function greet(name: string): string {
  return `hello ${name} (request ${currentCall()?.metadata["request-id"] ?? "?"})`;
});

void Global.start({
  processName: "greeter",
  ...connection(),
  interceptors: [
    {
      incoming: async (call, next) => {
        const started = performance.now();
        try {
          return await next(call);
        } finally {
          console.log(`${call.name} from ${call.caller} took ${(performance.now() - started).toFixed(1)} ms`);
        }
      },
    },
    {
      incoming: (call, next) => {
        if (call.metadata.get("authorization") !== `Bearer ${TOKEN}`) throw new PermissionDeniedError(`'${call.caller}' showed no valid token`);
        return next(call);
      },
    },
  ],
});
