// daffi client: the workloads through the controller to the worker(s). Prints one JSON measurement.
import { BROADCAST, fetcher, Global } from "../runtime";
import { connection } from "../examples/connection";
import { benchOptions } from "./variants";
import { MIB, rate, SMALL, spent, units, type Workload } from "./workloads";

const [workload, secondsText] = process.argv.slice(2) as [Workload | "slow_consumer", string];
const seconds = Number(secondsText);

async function measure(g: Global): Promise<{ value: number; unit: string }> {
  switch (workload) {
    case "fg_seq":
      return { value: await rate(seconds, async () => (await g.call.echo(SMALL), 1)), unit: units[workload] };
    case "fg_seq_fetcher": {
      const echo = fetcher<(value: unknown) => unknown>("echo");
      return { value: await rate(seconds, async () => (await echo(SMALL), 1)), unit: units[workload] };
    }
    case "fg_par100":
    case "fan_out_par100":
      return { value: await rate(seconds, async () => (await Promise.all(Array.from({ length: 100 }, () => g.call.echo(SMALL).fg()))).length), unit: units[workload] };
    case "payload_1mb": {
      const payload = new Uint8Array(MIB);
      return { value: await rate(seconds, async () => (await g.call.echo(payload), 1)), unit: units[workload] };
    }
    case "broadcast3":
      return { value: await rate(seconds, async () => (await g.call.echo(SMALL).with(BROADCAST({ returnResult: true })), 1)), unit: units[workload] };
    case "stream": {
      let received = 0;
      const started = performance.now();
      let measuredFrom = 0;
      let measureStart = 0;
      for await (const item of g.call.items(50_000_000)) {
        void item;
        received++;
        const now = performance.now();
        if (!measureStart && now - started > 300) {
          measureStart = now;
          measuredFrom = received;
        }
        if (measureStart && now - measureStart > seconds * 1000) break;
      }
      return { value: (received - measuredFrom) / ((performance.now() - measureStart) / 1000), unit: units.stream };
    }
    case "slow_consumer": {
      // The producer streams up to 1,000,000 items; we read 1,000 items/s; its heap must stay flat.
      let peak = (await g.call.heap()) as number;
      let read = 0;
      const started = performance.now();
      for await (const item of g.call.items(1_000_000)) {
        void item;
        if (++read % 100 === 0) {
          peak = Math.max(peak, (await g.call.heap()) as number);
          const due = started + read; // 1 item per ms
          const wait = due - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        if (performance.now() - started > seconds * 1000) break;
      }
      return { value: peak / MIB, unit: "MB heap (producer, peak)" };
    }
  }
}

void Global.start({ logLevel: "silent", ...benchOptions, ...connection() }).then(async (g) => {
  await g.waitFunction("echo", { timeout: 20 });
  if (process.env.DAFFI_BENCH_DIRECT === "1") {
    // A link to each provider before measuring: the first calls to one go through the controller while its link is made.
    const deadline = Date.now() + 10_000;
    while (g.directLinks.length < (g.registeredCallbacks.echo?.length ?? 0) && Date.now() < deadline) await Promise.all(Array.from({ length: 50 }, () => g.call.echo(1)));
  }
  const result = await measure(g);
  // The providers of echo the controller could pick from (the bench checks the fan-out really had them all).
  console.log(JSON.stringify({ ...result, providers: g.registeredCallbacks.echo?.length ?? 0, direct: g.directLinks.length, ...spent }));
  process.exit(0);
});
