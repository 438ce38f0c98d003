/** The catalogue checks' verdicts and messages, as the Problems view shows them. */
import { describe, expect, it } from "vitest";
import {
  actionChildAllowed,
  actionProblems,
  childAllowed,
  childProblem,
  componentProblems,
  eventAllowed,
  eventProblem,
  isBinding,
} from "./catalogue-checks.ts";

describe("componentProblems", () => {
  it("accepts known props with values of their kind", () => {
    expect(componentProblems("Button", {})).toEqual([]);
    expect(
      componentProblems("Button", { expand: "block", disabled: true, color: "primary", routerLink: "/orders" }),
    ).toEqual([]);
    expect(componentProblems("Col", { size: "6", sizeMd: "auto" })).toEqual([]);
    expect(componentProblems("Select", { value: ["a", "b"], multiple: true })).toEqual([]);
    expect(componentProblems("Icon", { icon: "log-out-outline" })).toEqual([]);
    expect(componentProblems("Badge", { color: "brand-accent" })).toEqual([]); // a custom color
  });

  it("names an unknown component, with the nearest name", () => {
    expect(componentProblems("Buton", {})).toEqual(['Unknown component "Buton" (did you mean "Button"?)']);
    expect(componentProblems("GoogleMap", {})).toEqual(['Unknown component "GoogleMap"']);
  });

  it("names an unknown prop and lists the component's props", () => {
    const [problem] = componentProblems("Badge", { colour: "primary" });
    expect(problem).toBe('Badge has no prop "colour" (did you mean "color"?); its props: color');
    expect(componentProblems("Paragraph", { x: 1 })).toEqual(['Paragraph has no prop "x"; it has no props']);
  });

  it("names the allowed values of an enum", () => {
    expect(componentProblems("Button", { expand: "wide" })).toEqual([
      'Button "expand" is "wide", not one of block, full',
    ]);
    expect(componentProblems("Input", { type: "pasword" })).toEqual([
      'Input "type" is "pasword", not one of text, password, email, number, search, tel, url, date, time, ' +
        'datetime-local, month, week (did you mean "password"?)',
    ]);
  });

  it("names a value of the wrong kind", () => {
    expect(componentProblems("Button", { disabled: "yes" })).toEqual([
      'Button "disabled" must be true or false (got the string "yes")',
    ]);
    expect(componentProblems("TextArea", { rows: "3" })).toEqual([
      'TextArea "rows" must be a number (got the string "3")',
    ]);
    expect(componentProblems("Input", { label: 42 })).toEqual(['Input "label" must be a string (got number 42)']);
    expect(componentProblems("Col", { size: 6 })).toEqual([
      'Col "size" must be one of auto, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 (got number 6)',
    ]);
    expect(componentProblems("Badge", { color: "#ff0000" })).toEqual([
      'Badge "color" is "#ff0000", not a color name (primary, secondary, tertiary, success, warning, danger, ' +
        "light, medium, dark, or a custom color defined in CSS)",
    ]);
    expect(componentProblems("Icon", { icon: "Add Icon" })).toEqual([
      'Icon "icon" is "Add Icon", not an ionicons name (lower case words joined by "-", as log-out-outline)',
    ]);
  });

  it("names a required prop left out", () => {
    expect(componentProblems("Image", { alt: "logo" })).toEqual(['Image "src" is required']);
    expect(componentProblems("TabButton", { tab: "" })).toEqual(['TabButton "tab" is required']);
  });

  it("accepts a binding where the prop is bindable, unchecked", () => {
    expect(componentProblems("Button", { disabled: { script: "!form.user" } })).toEqual([]);
    expect(componentProblems("Badge", { color: { source: "state", name: "level" } })).toEqual([]);
    expect(componentProblems("Image", { src: { source: "item", directive: "x", path: "doc.photo" } })).toEqual([]);
  });

  it("refuses a binding where the prop is not bindable", () => {
    expect(componentProblems("Heading", { level: { script: "n" } })).toEqual([
      'Heading "level" cannot be a binding: give one of 1, 2, 3, 4, 5, 6',
    ]);
    expect(componentProblems("Input", { name: { source: "state", name: "x" } })).toEqual([
      'Input "name" cannot be a binding: give a string',
    ]);
  });

  it("takes an object that is no binding as a plain value", () => {
    expect(componentProblems("Button", { disabled: { value: true } })).toEqual([
      'Button "disabled" must be true or false (got an object)',
    ]);
  });
});

describe("isBinding", () => {
  it("is an object with a script or a source string", () => {
    expect(isBinding({ script: "1 + 1" })).toBe(true);
    expect(isBinding({ source: "sequence", sequence: "Login" })).toBe(true);
    expect(isBinding({ script: 1 })).toBe(false);
    expect(isBinding(["script"])).toBe(false);
    expect(isBinding(null)).toBe(false);
    expect(isBinding("script")).toBe(false);
  });
});

describe("childAllowed", () => {
  it("follows the parent's children and the child's parents", () => {
    expect(childAllowed("Header", "Toolbar")).toBe(true);
    expect(childAllowed("Header", "Button")).toBe(false);
    expect(childAllowed("Toolbar", "Button")).toBe(true);
    expect(childAllowed("Select", "SelectOption")).toBe(true);
    expect(childAllowed("Stack", "SelectOption")).toBe(false); // an option goes under a select only
    expect(childAllowed("Input", "Icon")).toBe(false);
    expect(childAllowed("Row", "Col")).toBe(true);
    expect(childAllowed("Grid", "Col")).toBe(false);
  });

  it("places pages' and the application's roots", () => {
    expect(childAllowed("Page", "Header")).toBe(true);
    expect(childAllowed("Page", "Content")).toBe(true);
    expect(childAllowed("Page", "Button")).toBe(true);
    expect(childAllowed("Stack", "Header")).toBe(false);
    expect(childAllowed("Application", "Menu")).toBe(true);
    expect(childAllowed("Application", "Button")).toBe(false);
    expect(childAllowed("Page", "Menu")).toBe(false);
  });

  it("says why not", () => {
    expect(childProblem("Header", "Button")).toBe("Header takes only Toolbar (not Button)");
    expect(childProblem("Input", "Icon")).toBe("Input takes no children");
    expect(childProblem("Stack", "SelectOption")).toBe("SelectOption cannot go under Stack (it goes under Select)");
    expect(childProblem("Application", "Button")).toBe("Button cannot go under the application");
    expect(childProblem("Page", "Menu")).toBe("Menu cannot go under a page (it goes under Application)");
    expect(childProblem("Stack", "Map")).toBe('Unknown component "Map"');
    expect(childProblem("Nope", "Button")).toBe('Unknown component "Nope"');
    expect(childProblem("Card", "CardHeader")).toBeUndefined();
  });
});

describe("events", () => {
  it("are those the component offers", () => {
    expect(eventAllowed("Button", "click")).toBe(true);
    expect(eventAllowed("Input", "enter")).toBe(true);
    expect(eventAllowed("Label", "click")).toBe(false);
    expect(eventProblem("Toggle", "clik")).toBe('Toggle has no event "clik"; its events: change, focus, blur');
    expect(eventProblem("Button", "clik")).toBe(
      'Button has no event "clik" (did you mean "click"?); its events: click, focus, blur',
    );
    expect(eventProblem("Label", "click")).toBe('Label has no events (not "click")');
  });
});

describe("actions", () => {
  it("accept their inputs", () => {
    expect(
      actionProblems("CallSequence", {
        sequence: "Login",
        variables: { user: { source: "form", form: "f1", field: "user" }, remember: true },
        cachePolicy: "networkFirst",
        cacheTtlMs: 5000,
      }),
    ).toEqual([]);
    expect(actionProblems("FullSyncPost", { connector: "FullSync", doc: { script: "({type: 'order'})" } })).toEqual([]);
    expect(actionProblems("Alert", { message: "Sure?", buttons: ["Yes", "No"] })).toEqual([]);
    expect(actionProblems("Navigate", { mode: "back" })).toEqual([]);
  });

  it("name what is wrong", () => {
    expect(actionProblems("CallSequense", {})).toEqual([
      'Unknown action "CallSequense" (did you mean "CallSequence"?)',
    ]);
    expect(actionProblems("CallSequence", { cachePolicy: "priority_server" })).toEqual([
      'CallSequence "cachePolicy" is "priority_server", not one of none, networkFirst, cacheFirst',
      'CallSequence "sequence" is required',
    ]);
    expect(actionProblems("CallSequence", { sequence: { script: "name" } })).toEqual([
      'CallSequence "sequence" cannot be a binding: give the name of a sequence',
    ]);
    expect(actionProblems("Toast", { message: "Saved", durationMs: 100 })).toEqual([
      'Toast has no input "durationMs" (did you mean "duration"?); its inputs: message, header, duration, color, position',
    ]);
    expect(actionProblems("Alert", { message: "?", buttons: "OK" })).toEqual([
      'Alert "buttons" must be a list of strings (got the string "OK")',
    ]);
    expect(actionProblems("FullSyncSync", { connector: "FullSync", direction: "bi-directional" })).toEqual([
      'FullSyncSync "direction" is "bi-directional", not one of both, push, pull',
    ]);
  });

  it("take children by kind: Else only under If", () => {
    expect(actionChildAllowed("If", "Else")).toBe(true);
    expect(actionChildAllowed("If", "Action")).toBe(true);
    expect(actionChildAllowed("CallSequence", "OnError")).toBe(true);
    expect(actionChildAllowed("CallSequence", "Else")).toBe(false);
    expect(actionChildAllowed("Nope", "Action")).toBe(false);
  });
});
