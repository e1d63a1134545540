// Getting started (spec 03-readme-v1, "Process1"): controller and node in one process; calls func1/func2 of proc2.
// The spec's sleeps are divided by ten.
import { callback, Global } from "daffi";
import { connection, sleep } from "../connection";

/** Add 2 numbers and return sum. */
export const func3 = callback(async function func3(a: number, b: number): Promise<number> {
  await sleep(0.3); // Simulate long running job
  return a + b;
});

async function remoteProcessExecutor(g: Global): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const delta = await g.call.func1(10, 3);
    console.log(`Calculated delta = ${delta}`);
    await g.call.func2().noReturn();
    await sleep(0.5);
  }
}

async function main(): Promise<void> {
  const g = await Global.start({ processName: "proc1", initController: true, ...connection() });
  await g.waitProcess("proc2");
  await remoteProcessExecutor(g);
  await g.stop();
}

void main();
