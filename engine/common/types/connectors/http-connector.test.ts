import { describe, expect, it } from "vitest";
import { basicAuthorization, hostAllowed, httpConnectorType, parseAllowedHosts } from "./http-connector.ts";

const allowed = (list: string, url: string) => {
  const u = new URL(url);
  return hostAllowed(parseAllowedHosts(list), u.hostname, u.port || (u.protocol === "https:" ? "443" : "80"));
};

describe("allowedHosts of the HTTP connector", () => {
  it("reads hosts (any port), host:port, *.domain, URLs and *", () => {
    expect(allowed("127.0.0.1, localhost, [::1]", "http://127.0.0.1:8080/x")).toBe(true);
    expect(allowed("127.0.0.1, localhost, [::1]", "http://[::1]:9/x")).toBe(true);
    expect(allowed("127.0.0.1", "http://10.0.0.1/")).toBe(false);
    expect(allowed("api.example.com:443", "https://api.example.com/")).toBe(true);
    expect(allowed("api.example.com:443", "http://api.example.com/")).toBe(false);
    expect(allowed("*.example.com", "https://a.b.example.com/")).toBe(true);
    expect(allowed("*.example.com", "https://example.com/")).toBe(false);
    expect(allowed("*.example.com", "https://evilexample.com/")).toBe(false);
    expect(allowed("http://127.0.0.1:8090", "http://127.0.0.1:8090/orders")).toBe(true);
    expect(allowed("http://127.0.0.1:8090", "http://127.0.0.1:8091/orders")).toBe(false);
    expect(allowed("https://api.example.com", "https://api.example.com:443/")).toBe(true);
    expect(allowed("*", "http://169.254.169.254/")).toBe(true);
    expect(allowed("", "http://127.0.0.1/")).toBe(false);
  });

  it("compares hosts as URLs write them (case, IPv4 forms, IDNA), never as typed", () => {
    expect(allowed("LOCALHOST", "http://localhost:1/")).toBe(true);
    expect(allowed("127.0.0.1", "http://2130706433:1/")).toBe(true);
    expect(allowed("127.0.0.1", "http://0x7f.1:1/")).toBe(true);
    expect(allowed("bücher.example", "http://xn--bcher-kva.example/")).toBe(true);
    // Other spellings of the loopback that are other hosts stay refused.
    expect(allowed("127.0.0.1", "http://[::ffff:127.0.0.1]/")).toBe(false);
    expect(allowed("localhost", "http://localhost./")).toBe(false);
  });

  it("names a bad entry", () => {
    expect(() => parseAllowedHosts("ok.example, http://")).toThrow(/"http:\/\/" is not a host/);
    expect(() => parseAllowedHosts("a@b")).toThrow(/"a@b"/);
    expect(() => parseAllowedHosts("host:99999")).toThrow(/"host:99999"/);
    expect(() => parseAllowedHosts("ftp://x.example")).toThrow(/"ftp:\/\/x.example"/);
  });
});

describe("Basic authentication of the HTTP connector", () => {
  it("makes the header of RFC 7617 from UTF-8 (the RFC's example, and a non-ASCII password)", () => {
    expect(basicAuthorization("Aladdin", "open sesame")).toBe("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    expect(basicAuthorization("test", "123£")).toBe("Basic dGVzdDoxMjPCow==");
  });

  it("takes the password only through a setting, never written in the project's files", () => {
    const check = httpConnectorType.props.find((p) => p.name === "authPassword")!.check!;
    const node = { id: "c", type: "HttpConnector", name: "Api", props: {}, children: [] };
    expect(check("${apiPassword}", node)).toBeUndefined();
    expect(check("", node)).toBeUndefined();
    expect(check("s3cret!", node)).toMatch(/through a secret setting/);
  });
});
