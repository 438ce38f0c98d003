import type { BuiltInVariable } from "../../../common/model/typedef.ts";
import type { Builder } from "./builder.ts";
import { always, type ClassMapper, type ClassMappers } from "./class-mapper.ts";
import { rawBodyOf } from "./connectors-http.ts";
import { fullSyncVariable } from "./fullsync.ts";
import { beanStr } from "./prop-bag.ts";

/**
 * Convertigo's variables: a requestable's inputs (Variable), a call's values (StepVariable), and
 * test case variables, which the test case folds into its `inputs` (project.ts).
 */
export const variableClasses: ClassMappers = {
  "variables.RequestableVariable": always("Variable", variable),
  "variables.RequestableMultiValuedVariable": always("Variable", variable),
  "variables.RequestableHttpVariable": always("Variable", variable),
  "variables.RequestableHttpMultiValuedVariable": always("Variable", variable),
  "variables.StepVariable": always("StepVariable", stepVariable),
  "variables.StepMultiValuedVariable": always("StepVariable", stepVariable),
  "variables.TestCaseVariable": testCaseVariable(),
  "variables.TestCaseMultiValuedVariable": testCaseVariable(),
};

function testCaseVariable(): ClassMapper {
  return {
    types: ["TestCaseVariable"],
    decide: () => ({ type: "TestCaseVariable" }),
    // Never built on its own: its test case reads it (project.ts).
    build: () => undefined,
  };
}

const JS_IDENT = /^[A-Za-z_$][\w$]*$/;
const JS_RESERVED = new Set(
  "break case catch class const continue debugger default delete do else export extends finally for function if import in instanceof new return super switch this throw try typeof var void while with yield let static enum await implements package protected interface private public null true false undefined".split(
    " ",
  ),
);

/** Convertigo's `_use_name` variables of CouchDB transactions are Atelier's built-in `name`. */
function fullSyncRename(b: Builder, targetType: string | undefined): BuiltInVariable | undefined {
  if (!targetType?.startsWith("FullSync") || !b.bean.name.startsWith("_use_")) return undefined;
  const builtIn = fullSyncVariable(targetType, b.bean.name.slice("_use_".length));
  if (builtIn) b.node.name = builtIn.name;
  return builtIn;
}

function variable(b: Builder): void {
  const bean = b.bean;
  const builtIn = fullSyncRename(b, b.parent ? b.m.decisionOf(b.parent).type : undefined);
  // Keys given by Convertigo callers are plain texts (a user name...), not JSON.
  if (builtIn && builtIn.dataType !== "string" && !/^(?:key|startkey|endkey|docid|rev)$/.test(builtIn.name)) {
    b.set("dataType", builtIn.dataType);
  }
  if (builtIn?.multiValued) b.set("multiValued", true);
  const multi = bean.cls.includes("MultiValued");
  if (multi) b.set("multiValued", true);
  b.set("required", b.bag.bool("required", false));
  const desc = b.bag.str("description", "new variable");
  const comment = b.bag.str("comment", "");
  const text = [desc === "new variable" ? "" : desc, comment].filter((x) => x !== "").join("\n\n");
  if (text) b.set("description", text);
  b.bag.skip("visibility");
  if (b.bag.has("value")) {
    if (b.m.isMaskedVariable(bean)) {
      const ph = b.bag.secret("value");
      if (ph)
        b.note(
          `its default value is secret: moved to the setting ${ph} (Atelier variables do not read settings)`,
          true,
        );
    } else if (multi) {
      const vec = b.bag.vector("value");
      const list = vec ? vec.filter((x): x is string => typeof x === "string") : [];
      if (list.length) b.set("default", list);
    } else {
      const v = b.bag.str("value", "");
      if (v !== "") b.set("default", v);
      else b.note('its default value is "" (an empty text); Atelier reads an empty default as no value (null)');
    }
  }
  if (b.bag.bool("isFileUpload", false)) b.note("it was a file upload variable: Atelier receives it as text", true);
  if (bean.cls.startsWith("variables.RequestableHttp")) {
    const method = b.bag.str("httpMethod", "GET").toUpperCase();
    const httpName = b.bag.str("httpName", "");
    let use = method === "POST" ? "body" : "query";
    let name = httpName;
    if (bean.name === "__body") {
      use = "none";
      if (b.parent && rawBodyOf(b.parent) === "json") {
        b.set("dataType", "json");
        b.note("Convertigo's __body variable (the raw body): read as JSON and sent as the transaction's body template");
      } else {
        b.note("Convertigo's __body variable (the raw body): sent as it is (the transaction's text body template)");
      }
    } else if (bean.name === "__contentType") {
      use = "header";
      name = "Content-Type";
    } else if (bean.name.startsWith("__header_")) {
      // Convertigo names the header after httpName (lib_s3's __header_x_amz_date sends x-amz-date).
      use = "header";
      name = httpName || bean.name.slice("__header_".length);
    } else if (bean.name.startsWith("__GET_")) {
      use = "query";
      name = bean.name.slice(6);
    } else if (bean.name.startsWith("__POST_")) {
      use = "body";
      name = bean.name.slice(7);
    } else if (bean.name === "__uri") {
      use = "none";
      b.note("Convertigo's __uri variable (overrides the URL) has no Atelier equivalent", true);
    }
    // Convertigo leaves a variable of the path ({name} in subDir) out of the query.
    const inPath = b.parent !== undefined && pathVariables(beanStr(b.parent, "subDir", "")).has(bean.name);
    if (use === "query" && inPath) use = "path";
    else if ((use === "query" || use === "body") && !bean.name.startsWith("__") && httpName === "") {
      // Convertigo sends no query or POST variable without an HTTP name (its HttpConnector skips it).
      use = "none";
      b.note(
        `its HTTP name (httpName) is empty: Convertigo did not send it, nor does Atelier; give it an HTTP name to send it as a ${method === "POST" ? "body field" : "query parameter"}`,
        true,
      );
    }
    b.set("httpUse", use);
    if (name && name !== bean.name) b.set("httpName", name);
    b.bag.skip("doFileUploadMode", "doFileUploadCharset", "doFileUploadContentType");
  } else if (b.parent && /^transactions\.(?:Json|Xml)?HttpTransaction$/.test(b.parent.cls)) {
    b.set("httpUse", "query");
  }
}

function stepVariable(b: Builder): void {
  const bean = b.bean;
  fullSyncRename(
    b,
    b.parent && b.parent.cls === "steps.TransactionStep" ? b.m.calledTransactionType(b.parent) : undefined,
  );
  b.bag.skip("description", "comment", "required", "visibility");
  const src = b.bag.source();
  const multi = bean.cls.includes("MultiValued");
  let value: unknown = null;
  if (b.bag.has("value")) {
    if (multi) value = (b.bag.vector("value") ?? []).filter((x) => typeof x === "string");
    else value = b.bag.str("value", "");
  }
  if (src) {
    b.useSource(src, `step variable ${bean.name}`);
    if (value !== null && value !== "")
      b.note(
        `step variable ${bean.name}: its default ${JSON.stringify(value)} is used by Convertigo when the source gives nothing`,
      );
    return;
  }
  // Convertigo takes a variable without source from the JavaScript scope, else its value.
  if (JS_IDENT.test(bean.name) && !JS_RESERVED.has(bean.name) && b.seq?.identifiers.has(bean.name)) {
    b.set(
      "expression",
      `typeof ${bean.name} === "undefined" || ${bean.name} === null ? ${JSON.stringify(value)} : ${bean.name}`,
    );
  } else if (value !== null) {
    b.set("value", value);
  }
}

/** The variables a Convertigo path template names ({name}, as its HttpConnector reads them). */
function pathVariables(subDir: string): Set<string> {
  return new Set([...subDir.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] as string));
}
