/** Errors of the database in words: never `[object Object]`, always the cause. */
import { describe, expect, it } from "vitest";
import { BackendError, describeError, describeNetworkError } from "./errors.ts";

/** What node-fetch rejects with: a FetchError whose code is the system error's. */
function fetchError(code: string, reason: string): Error {
  return Object.assign(new Error(`request to http://couch:5984/db failed, reason: ${reason}`), {
    name: "FetchError",
    type: "system",
    code,
    errno: code,
  });
}

describe("describeError", () => {
  it("says what PouchDB's plain-object errors say (status, name, reason)", () => {
    const pouch401 = { status: 401, name: "unauthorized", message: "Name or password is incorrect.", error: true };
    expect(String(pouch401)).toBe("[object Object]");
    expect(describeError(pouch401)).toBe("HTTP 401 unauthorized: Name or password is incorrect.");
    expect(describeError({ status: 404, name: "not_found", reason: "missing" })).toBe("HTTP 404 not_found: missing");
    expect(describeError({ status: 500, error: "unknown_error" })).toBe("HTTP 500 unknown_error");
    expect(describeError(Object.assign(new Error("db down"), { status: 500 }))).toBe("HTTP 500: db down");
    expect(describeError({ message: "something" })).toBe("something");
    expect(describeError({ weird: 1 })).toBe('{"weird":1}');
    expect(describeError(undefined)).toBe("undefined");
    expect(describeError("text")).toBe("text");
    expect(describeError(new Error("plain"))).toBe("plain");
  });

  it("names network causes: refused, unknown host, reset, unreachable, TLS", () => {
    expect(describeError(fetchError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5984"))).toBe(
      "connection refused (nothing listens at that address)",
    );
    expect(describeError(fetchError("ENOTFOUND", "getaddrinfo ENOTFOUND couch"))).toBe(
      "host name not found (ENOTFOUND)",
    );
    expect(describeError(fetchError("ECONNRESET", "socket hang up"))).toBe(
      "connection closed by the server (ECONNRESET)",
    );
    expect(describeError(fetchError("EHOSTUNREACH", "connect EHOSTUNREACH"))).toBe("host unreachable (EHOSTUNREACH)");
    expect(describeNetworkError(fetchError("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"))).toEqual({
      status: 502,
      reason: "TLS failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)",
    });
    expect(describeNetworkError(fetchError("CERT_HAS_EXPIRED", "certificate has expired")).status).toBe(502);
    expect(
      describeNetworkError(fetchError("ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match")).reason,
    ).toMatch(/^TLS failed: Hostname\/IP does not match/);
    expect(
      describeNetworkError(
        fetchError(
          "EPROTO",
          "write EPROTO 800C06DD417F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:",
        ),
      ),
    ).toEqual({
      status: 502,
      reason:
        "TLS failed: the server does not answer TLS at that address (wrong version number: an https:// URL for an http:// port?) (EPROTO)",
    });
    expect(describeNetworkError(fetchError("ECONNREFUSED", "x")).status).toBe(503);
    // undici's fetch nests the code in `cause`.
    const undici = Object.assign(new TypeError("fetch failed"), { cause: { code: "ENOTFOUND" } });
    expect(describeError(undici)).toBe("host name not found (ENOTFOUND)");
  });

  it("a BackendError is its reason, with the status devices get", () => {
    const e = new BackendError(504, "timeout", "the CouchDB did not answer within 5 s (GET /db)");
    expect(describeError(e)).toBe("the CouchDB did not answer within 5 s (GET /db)");
    expect(e).toMatchObject({ status: 504, error: "timeout", message: e.reason });
    expect(e).toBeInstanceOf(Error);
  });
});
