// Observability, the calling side: some calls (two fail), then the service's metrics read with a
// plain HTTP GET, as Prometheus would scrape them.
import * as http from "node:http";
import { Global } from "daffi";
import { connection } from "../connection";

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve(body));
    }).on("error", reject);
  });
}

async function main(): Promise<void> {
  const metricsUrl = process.argv[2] ?? "http://127.0.0.1:9464/metrics";
  const g = await Global.start({ processName: "shop", ...connection() });
  await g.waitFunction("price");
  for (const item of ["apple", "pear", "apple", "kiwi", "plum"]) {
    await g.call.price(item).fg().catch(() => undefined);
  }
  await Promise.all(["a", "b", "c", "d"].map((item) => g.call.restock(item)));
  const text = await get(metricsUrl);
  // Only the lines of daffi's call counters, as they are served.
  for (const line of text.split("\n")) {
    if (line.startsWith("daffi_calls_total{")) console.log(line);
  }
  const count = text.split("\n").find((line) => line.startsWith('daffi_call_duration_seconds_count{process="pricing",side="server",callback="price"}'));
  console.log(count);
  await g.stop();
}

void main();
