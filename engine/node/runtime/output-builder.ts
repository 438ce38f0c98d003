type Container = { kind: "object"; value: Record<string, unknown> } | { kind: "array"; value: unknown[] };

/**
 * Builds a sequence's JSON output as steps emit values. In an object, a name emitted twice
 * becomes a list (as Convertigo's repeated XML elements do); in an array, values are appended.
 */
export class OutputBuilder {
  readonly root: Record<string, unknown> = {};
  private stack: Container[] = [{ kind: "object", value: this.root }];

  private get top(): Container {
    return this.stack[this.stack.length - 1] as Container;
  }

  emit(name: string, value: unknown): void {
    const top = this.top;
    if (top.kind === "array") {
      top.value.push(value);
      return;
    }
    if (name === "__proto__") return;
    if (Object.prototype.hasOwnProperty.call(top.value, name)) {
      const prev = top.value[name];
      if (Array.isArray(prev) && (prev as unknown[] & { repeated?: boolean }).repeated) prev.push(value);
      else {
        const list = [prev, value] as unknown[] & { repeated?: boolean };
        Object.defineProperty(list, "repeated", { value: true, enumerable: false });
        top.value[name] = list;
      }
    } else {
      top.value[name] = value;
    }
  }

  /** Adds a value at the output's root, whatever object or array the steps are filling. */
  emitRoot(name: string, value: unknown): void {
    const saved = this.stack;
    this.stack = [saved[0] as Container];
    try {
      this.emit(name, value);
    } finally {
      this.stack = saved;
    }
  }

  /**
   * Builds a nested object or array that the values emitted by `fill` go into. `attach: false`
   * keeps it out of the output (a value for sources only, Convertigo's `output: false`): what
   * `fill` emits then goes into it and nowhere else.
   */
  async nest(kind: "object" | "array", name: string, fill: () => Promise<void>, attach = true): Promise<unknown> {
    const container: Container = kind === "object" ? { kind, value: {} } : { kind, value: [] };
    if (attach) this.emit(name, container.value);
    this.stack.push(container);
    try {
      await fill();
    } finally {
      this.stack.pop();
    }
    return container.value;
  }
}
