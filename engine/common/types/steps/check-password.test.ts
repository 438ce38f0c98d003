import { describe, expect, it } from "vitest";
import { hashPassword } from "../../model/password.ts";
import { runSteps } from "../../../node/testing/harness.ts";

describe("Check Password step", () => {
  it("answers true for the right password, false for a wrong one or an unknown user", async () => {
    const hash = await hashPassword("s3cret", 2000);
    const steps = (password: string, user: string) => [
      { type: "SequenceJS", name: "users", code: `var users = { ada: ${JSON.stringify(hash)} };` },
      {
        type: "CheckPassword",
        name: "check",
        password: JSON.stringify(password),
        hash: `Object.prototype.hasOwnProperty.call(users, ${JSON.stringify(user)}) ? users[${JSON.stringify(user)}] : null`,
      },
      { type: "Element", name: "ok", expression: 'step("check")' },
    ];
    expect((await runSteps(steps("s3cret", "ada"))).output).toEqual({ ok: true });
    expect((await runSteps(steps("s3cret!", "ada"))).output).toEqual({ ok: false });
    expect((await runSteps(steps("s3cret", "bob"))).output).toEqual({ ok: false });
  });

  it("refuses a stored hash it cannot read, and keeps the password out of the trace", async () => {
    const bad = await runSteps([{ type: "CheckPassword", name: "c", password: '"pw"', hash: '"md5$abc"' }]);
    expect(bad.error?.code).toBe("invalid_hash");
    expect(bad.error?.message).toMatch(/^Check Password "c": a password hash must look like pbkdf2-sha256/);
    const hash = await hashPassword("pw-in-trace", 2000);
    const traced = await runSteps(
      [{ type: "CheckPassword", name: "c", password: '"pw-in-trace"', hash: JSON.stringify(hash) }],
      {},
      { trace: true },
    );
    expect(traced.ok).toBe(true);
    expect(JSON.stringify(traced.trace)).not.toContain("pw-in-trace");
  });
});
