// Security, in parts: name patterns, log escaping, and the controller's checks of identities.
import { describe, expect, it } from "@jest/globals";
import { AccessPolicy } from "../runtime/auth/AccessPolicy";
import fc from "fast-check";
import { globMatches, NamePatterns } from "../runtime/auth/NamePatterns";
import { ValidationError } from "../runtime";
import { encode } from "../runtime/wire/codec";
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

describe("glob matching", () => {
  it("agrees with the regular expression of the pattern on random names", () => {
    const char = fc.constantFrom("a", "b", ".", "*");
    fc.assert(
      fc.property(fc.string({ unit: char, maxLength: 8 }), fc.string({ unit: fc.constantFrom("a", "b", "."), maxLength: 12 }), (pattern, name) => {
        const regex = new RegExp(`^${pattern.split("*").map((part) => part.replace(/\./g, "\\.")).join(".*")}$`);
        expect(globMatches(pattern, name)).toBe(regex.test(name));
      }),
      { numRuns: 5000 },
    );
  });

  it("does not backtrack: patterns with several stars against long names that do not match return at once", () => {
    // A backtracking matcher takes minutes here (the review's case: 98 s for 200 characters).
    expect(globMatches("a*a*a*a*a*a*b", "a".repeat(1000))).toBe(false);
    expect(globMatches("svc.*.*.read", `svc.${".".repeat(1000)}`)).toBe(false);
  });
});

describe("objects with an own __proto__ key", () => {
  it("are refused even when hidden among more objects than are walked", () => {
    const many = [JSON.parse('{"__proto__": {"x": 1}}'), ...Array.from({ length: 1_000_001 }, () => ({}))];
    expect(() => encode(many)).toThrow(ValidationError);
  });
});

describe("log lines", () => {
  it("escape control characters, so that nothing from the wire can start a line or colour a terminal", () => {
    expect(escapeLine("a\nERROR: b\r\tc\u001b[31md\u0000\u2028")).toBe("a\\nERROR: b\\r\\tc\\u001b[31md\\u0000\\u2028");
    expect(escapeLine("name\u202egnp.exe")).toBe("name\\u202egnp.exe");
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
    // A callback's contract is read by whoever may call it, and by nobody else.
    expect(billing.refuseCall("__daffi.signature:ledger.write")).toBeUndefined();
    expect(billing.refuseCall("__daffi.signature:charge")).toBeInstanceOf(PermissionDeniedError);
    const ops = policy.admit("ops", { certificate: { subject: { CN: "ops" } } as never, local: false });
    expect(ops.refuseCall("__daffi.transfer")).toBeUndefined();
    expect(new AccessPolicy().admit("anyone", { local: false }).refuseCall("anything")).toBeUndefined();
  });
});
