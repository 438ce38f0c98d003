import { describe, expect, it } from "vitest";
import { soapConnectorType, wsdlLocationProblem } from "./soap-connector.ts";

const check = (name: string, value: unknown) =>
  soapConnectorType.props
    .find((p) => p.name === name)
    ?.check?.(value, { id: "c", type: "SoapConnector", name: "C", props: {}, children: [] });

describe("SoapConnector", () => {
  it("takes a project file or an http(s) URL as WSDL", () => {
    expect(wsdlLocationProblem("wsdl/orders.wsdl")).toBeUndefined();
    expect(wsdlLocationProblem("https://example.com/svc?wsdl")).toBeUndefined();
    expect(wsdlLocationProblem("${ordersWsdl}")).toBeUndefined();
    expect(wsdlLocationProblem("")).toMatch(/^Give the WSDL/);
    expect(wsdlLocationProblem("file:///etc/passwd")).toBe(
      'The WSDL is a project file or an http(s) URL, not "file:///etc/passwd"',
    );
    expect(wsdlLocationProblem("/etc/service.wsdl")).toMatch(/relative to the project folder/);
    expect(wsdlLocationProblem("C:\\x\\s.wsdl")).toMatch(/relative to the project folder/);
    expect(wsdlLocationProblem("wsdl/../../s.wsdl")).toMatch(/must stay inside the project folder/);
  });

  it("wants passwords as secret settings, never written in the project", () => {
    expect(check("authPassword", "${soapPassword}")).toBeUndefined();
    expect(check("wsPassword", "${wsPassword}")).toBeUndefined();
    expect(check("authPassword", "hunter2")).toMatch(/secret setting/);
    expect(check("wsPassword", "hunter2")).toMatch(/secret setting/);
  });

  it("checks the endpoint and the allowed servers", () => {
    expect(check("endpoint", "")).toBeUndefined();
    expect(check("endpoint", "http://test:8080/svc")).toBeUndefined();
    expect(check("endpoint", "test:8080")).toMatch(/http\(s\) URL/);
    expect(check("allowedHosts", "a.example.com, *.b.example.com")).toBeUndefined();
    expect(check("allowedHosts", "a b/c")).toMatch(/allowedHosts/);
  });
});
