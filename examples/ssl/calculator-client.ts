// Spec 2.11 SSL certificates, client: the same certificate and key (a self-signed pair trusts itself).
import { Fetcher, Global } from "daffi";
import { connection } from "../connection";

class CalculatorClient extends Fetcher {
  /** Functions without a body are proxies: the arguments are sent as they are. */
  declare calculateSum: (...numbers: number[]) => Promise<number>;
}

async function main(): Promise<void> {
  const folder = process.env.DAFFI_CERTIFICATES ?? ".";
  const g = await Global.start({ ...connection(), sslCertificate: `${folder}/cert.pem`, sslKey: `${folder}/key.pem` });
  const calcClient = new CalculatorClient();
  console.log(await calcClient.calculateSum(1, 2));
  console.log(await calcClient.calculateSum(10, 20, 30));
  await g.stop();
}

void main();
