// Interceptors, the calling side: every call this process makes carries a token and a request id,
// set in one place instead of at each call.
import { Global, PermissionDeniedError } from "daffi";
import { connection } from "../connection";

async function main(): Promise<void> {
  let requests = 0;
  let token = process.env.SERVICE_TOKEN ?? "let-me-in";
  const g = await Global.start({
    processName: "client",
    ...connection(),
    interceptors: [
      {
        outgoing: (call, next) => {
          call.metadata.set("authorization", `Bearer ${token}`);
          call.metadata.set("request-id", `req-${++requests}`);
          return next(call);
        },
      },
    ],
  });
  await g.waitFunction("greet");
  console.log(await g.call.greet("Ada"));
  token = "guessed";
  const refused = await g.call.greet("Mallory").fg().catch((error: unknown) => error);
  console.log(refused instanceof PermissionDeniedError ? `refused: ${refused.message}` : `unexpected: ${String(refused)}`);
  await g.stop();
}

void main();
