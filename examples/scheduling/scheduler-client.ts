// Spec 2.15 task scheduling, client: a recurring task, cancelled; then two runs at given times.
import { Fetcher, Global, PERIOD, type ScheduledTask, type WithModifier } from "daffi";
import { connection, sleep } from "../connection";

class SchedulerClient extends Fetcher {
  // The default behavior of this fetcher is to execute each of its methods every 0.5 seconds.
  static execModifier = PERIOD({ interval: "500ms" });
  declare longRunningTask1: () => Promise<ScheduledTask>;
  declare longRunningTask2: (() => Promise<ScheduledTask>) & WithModifier<[], void>;
}

async function main(): Promise<void> {
  const g = await Global.start(connection());
  const schedulerClient = new SchedulerClient();

  let task = await schedulerClient.longRunningTask1();
  await sleep(1.7);
  // Stop the current recurring task
  await task.cancel();
  console.log(`task 1 cancelled: ${!(await g.getScheduledTasks(task.process)).includes(task.id)}`);

  const now = Date.now();
  // Execute `longRunningTask2` twice on the remote: 0.3 s and 0.8 s from now.
  task = await schedulerClient.longRunningTask2.with(PERIOD({ atTime: [now + 300, now + 800] }))();
  console.log(`task 2 scheduled: ${(await g.getScheduledTasks(task.process)).includes(task.id)}`);
  await sleep(1.2);
  await g.stop();
}

void main();
