import { describe, expect, it } from "vitest";
import { parsePlainXPath, selectsText, splitTextEquality, toJsonPath } from "./xpath.ts";

describe("Convertigo XPaths", () => {
  it("translates plain child paths (as the corpus's sources write them)", () => {
    expect(toJsonPath(parsePlainXPath("./document/object/userPrincipalName")!.segments)).toBe(
      "document.object.userPrincipalName",
    );
    expect(toJsonPath(parsePlainXPath("./document/couchdb_output/_id/text()")!.segments)).toBe(
      "document.couchdb_output._id",
    );
    expect(toJsonPath(parsePlainXPath("./rows/item[3]/@id")!.segments)).toBe("rows.item[2].id");
    expect(parsePlainXPath(".[starts-with('ad:')]")).toBeUndefined();
    expect(parsePlainXPath("./lang[./text() = 'fr']")).toBeUndefined();
  });

  // lib_FullSyncGrp's SetUserInGroup / RemoveUserFromGroup.
  it("splits a predicate of equality on the text off the last step", () => {
    expect(splitTextEquality('./document/couchdb_output/ok[.="true"]')).toEqual({
      xpath: "./document/couchdb_output/ok",
      equals: "true",
    });
    expect(splitTextEquality("./lang[./text() = 'fr']")).toEqual({ xpath: "./lang", equals: "fr" });
    expect(splitTextEquality('./a/b[text()="x y"]/text()')).toEqual({ xpath: "./a/b/text()", equals: "x y" });
  });

  it("leaves every other predicate alone", () => {
    expect(splitTextEquality("./document/couchdb_output/ok")).toBeUndefined();
    expect(splitTextEquality(".[starts-with('ad:')]")).toBeUndefined();
    expect(splitTextEquality('./a[@x="1"]')).toBeUndefined();
    expect(splitTextEquality('./a[.!="1"]')).toBeUndefined();
    expect(splitTextEquality('./a[b][.="1"]')).toBeUndefined();
    expect(splitTextEquality('[.="1"]')).toBeUndefined();
  });

  it("tells paths selecting text nodes", () => {
    expect(selectsText("./expression/text()")).toBe(true);
    expect(selectsText("text()")).toBe(true);
    expect(selectsText("./document/error")).toBe(false);
    expect(selectsText("./mytext()")).toBe(false);
  });
});
