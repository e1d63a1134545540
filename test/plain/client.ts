// Compiled with plain tsc: fetchers find body-less methods from the source, nothing is validated.
import { alias, args, Fetcher, Global } from "../../runtime";
import { connection } from "../../examples/connection";

class PlainClient extends Fetcher {
  declare calculateSum: (a: number, b: number) => Promise<number>;
  // An empty body: a proxy, found from the function's source.
  secret(): any {}
  @alias("calculateSum")
  doubled(a: number, b: number): Promise<number> {
    return args(a * 2, b * 2);
  }
}

async function main(): Promise<void> {
  const g = await Global.start(connection());
  const client = new PlainClient();
  console.log(await client.calculateSum(1, 2));
  console.log(await client.calculateSum(1, "2" as unknown as number)); // not validated: "12"
  console.log(await client.secret());
  console.log(await client.doubled(1, 2));
  await g.stop();
}

void main();
