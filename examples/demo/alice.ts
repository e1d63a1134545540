// Demo node "alice": exposes greet(); calls bob's add() and average().
import { callback, Global } from "daffi";

let greeted!: () => void;
const wasGreeted = new Promise<void>((resolve) => (greeted = resolve));

export const greet = callback(function greet(name: string): string {
  greeted();
  return `Hello, ${name}! (from alice, pid ${process.pid})`;
});

async function main(): Promise<void> {
  const g = await Global.start({ processName: "alice" });
  await g.waitProcess("bob", { timeout: 10 });
  console.log(`alice -> bob add(2, 3) = ${await g.call.add(2, 3)}`);
  console.log(`alice -> bob average([1, 2, 3, 4]) = ${await g.call.average([1, 2, 3, 4])}`);
  await wasGreeted;
  await g.call.goodbye();
  await g.stop();
}

void main();
