// Spec 2.11 SSL certificates, service: the controller listens with TLS (cert.pem and key.pem of generate-certificates.sh).
import { Callback, Global } from "daffi";
import { connection } from "../connection";

export class CalculatorService extends Callback {
  static autoInit = true;

  calculateSum(...numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }
}

const folder = process.env.DAFFI_CERTIFICATES ?? ".";
void Global.start({
  initController: true,
  ...connection(),
  sslCertificate: `${folder}/cert.pem`,
  sslKey: `${folder}/key.pem`,
}).then((g) => g.join());
