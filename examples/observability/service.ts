// Observability, the serving side: Prometheus metrics of this process at /metrics (loopback only),
// and logs as JSON lines for a log shipper.
import { callback, Global } from "daffi";
import { connection } from "../connection";

const prices: Record<string, number> = { apple: 3, pear: 4 };

callback(function price(item: string): number {
  const found = prices[item];
  if (found === undefined) throw new Error(`no price for ${item}`);
  return found;
});

// At most 2 at once, 10 more wait: daffi_calls_queued shows the queue.
callback("restock", async (item: string): Promise<string> => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return `${item} restocked`;
}, { concurrency: 2, queue: 10 });

async function main(): Promise<void> {
  const g = await Global.start({
    processName: "pricing",
    ...connection(),
    metrics: { port: Number(process.env.METRICS_PORT ?? 9464) },
    logFormat: "json",
  });
  console.log(`metrics at http://127.0.0.1:${g.metricsPort}/metrics`);
}

void main();
