// Demo node "bob": exposes add() (sync), average() (async) and goodbye(); calls alice's greet().
import { callback, Global } from "daffi";

let g: Global;

export const add = callback(function add(a: number, b: number): number {
  return a + b;
});

export const average = callback(async function average(numbers: number[]): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 10));
  return numbers.reduce((sum, n) => sum + n, 0) / numbers.length;
});

export const goodbye = callback(function goodbye(): string {
  setTimeout(() => void g.stop(), 50);
  return "bye";
});

async function main(): Promise<void> {
  g = await Global.start({ processName: "bob" });
  await g.waitProcess("alice", { timeout: 10 });
  console.log(`bob -> alice greet("bob") = ${await g.call.greet("bob")}`);
  await g.join();
}

void main();
