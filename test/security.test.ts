// Security, in parts: name patterns, log escaping, and the controller's checks of identities.
import { describe, expect, it } from "@jest/globals";
import { AccessPolicy } from "../runtime/auth/AccessPolicy";
import { NamePatterns } from "../runtime/auth/NamePatterns";
import { PermissionDeniedError } from "../runtime";
import { escapeLine } from "../runtime/log/Logger";
import { shown } from "../runtime/log/shown";

describe("name patterns", () => {
  it("match `*` as any run of characters and everything else literally", () => {
    const patterns = new NamePatterns(["charge*", "ledger.*", "audit", "a?b"]);
    for (const name of ["charge", "chargeCard", "ledger.write", "audit", "a?b"]) expect([name, patterns.matches(name)]).toEqual([name, true]);
    for (const name of ["Charge", "refund", "ledger", "ledgerXwrite", "audit2", "axb", "", "xcharge"]) expect([name, patterns.matches(name)]).toEqual([name, false]);
    expect(new NamePatterns([]).matches("anything")).toBe(false);
    expect(new NamePatterns(["*"]).matches("line\nbreak")).toBe(true);
  });
});

describe("log lines", () => {
  it("escape control characters, so that nothing from the wire can start a line or colour a terminal", () => {
    expect(escapeLine("a\nERROR: b\r\tc\u001b[31md\u0000\u2028")).toBe("a\\nERROR: b\\r\\tc\\u001b[31md\\u0000\\u2028");
    expect(escapeLine("x".repeat(10_000)).length).toBeLessThan(4200);
    expect(shown("n".repeat(1000))).toMatch(/^n{200}…\(800 more characters\)$/);
  });
});

describe("the access policy", () => {
  const policy = new AccessPolicy({
    identities: {
      billing: { token: "billing-token", processNames: ["billing-*"], serve: ["charge*"], call: ["ledger.*"] },
      ops: { tlsSubject: "CN=ops", processNames: ["*"], serve: ["*"], call: ["*"], transfer: true },
    },
  });

  it("finds the identity by token or certificate and checks the name it claims", () => {
    expect(policy.admit("billing-1", { token: "billing-token", local: false }).name).toBe("billing");
    expect(() => policy.admit("web-1", { token: "billing-token", local: false })).toThrow(PermissionDeniedError);
    expect(() => policy.admit("billing-1", { token: "billing-tokeN", local: false })).toThrow(/matches no identity/);
    const certificate = { subject: { CN: "ops", O: "acme" }, subjectaltname: "DNS:ops.internal" } as never;
    expect(policy.admit("anything", { certificate, local: false }).name).toBe("ops");
    expect(() => policy.admit("x", { local: false })).toThrow(/admits only known identities/);
    expect(policy.admit("x", { local: true }).name).toBe("controller");
  });

  it("lets an identity serve and call only what it lists; transfer needs transfer: true", () => {
    const billing = policy.admit("billing-1", { token: "billing-token", local: false });
    expect(billing.mayServe("chargeCard")).toBe(true);
    expect(billing.mayServe("refund")).toBe(false);
    expect(billing.refuseCall("ledger.write")).toBeUndefined();
    expect(billing.refuseCall("charge")).toBeInstanceOf(PermissionDeniedError);
    expect(billing.refuseCall("__daffi.transfer")?.message).toMatch(/transfer: true/);
    expect(billing.refuseCall("__daffi.scheduledTasks")).toBeInstanceOf(PermissionDeniedError);
    const ops = policy.admit("ops", { certificate: { subject: { CN: "ops" } } as never, local: false });
    expect(ops.refuseCall("__daffi.transfer")).toBeUndefined();
    expect(new AccessPolicy().admit("anyone", { local: false }).refuseCall("anything")).toBeUndefined();
  });
});
