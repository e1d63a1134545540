// Getting started (spec 03-readme-v1, "Process2"): a node whose callbacks proc1 calls; it calls func3 of proc1 in the background.
import { callback, Global } from "daffi";
import { connection, sleep } from "../connection";

/** Subtracts 2 numbers and return delta. */
export const func1 = callback(async function func1(a: number, b: number): Promise<number> {
  return a - b;
});

/** Just print text to console. */
export const func2 = callback(function func2(): void {
  console.log("Func2 has been triggered!");
});

async function remoteProcessExecutor(g: Global): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const future = g.call.func3(4, 6).bg();
    // Do smth while result is processing
    await sleep(0.2);
    // Get result
    const result = await future.get();
    console.log(`Calculated sum is ${result}`);
  }
}

async function main(): Promise<void> {
  const g = new Global({ processName: "proc2", ...connection() });
  void remoteProcessExecutor(g);
  // Wait forever
  await g.join();
}

void main();
