// Spec 2.15 task scheduling, service: two long-running tasks (sleeps shortened).
import { Callback, Global } from "daffi";
import { connection, sleep } from "../connection";

export class Scheduler extends Callback {
  static autoInit = true;

  async longRunningTask1(): Promise<void> {
    console.log("Start long running task 1");
    for (let i = 1; i < 3; i++) {
      console.log(`Processing item ${i}...`);
      await sleep(0.05);
    }
    console.log("Task 1 complete.");
  }

  async longRunningTask2(): Promise<void> {
    console.log("Start long running task 2");
    for (let i = 100; i < 103; i++) {
      console.log(`Processing item ${i}...`);
      await sleep(0.05);
    }
    console.log("Task 2 complete.");
  }
}

void Global.start({ initController: true, ...connection() }).then((g) => g.join());
