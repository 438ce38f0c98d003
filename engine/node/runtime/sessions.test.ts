import { afterEach, describe, expect, it } from "vitest";
import { SessionStore } from "./sessions.ts";

let store: SessionStore;
afterEach(() => store?.close());

describe("session ids change with the authenticated user (session fixation)", () => {
  it("moves a stored session to a new id when a user is set: the old id stops working at once", () => {
    store = new SessionStore();
    const s = store.create();
    s.set("cart", ["pen"]);
    const planted = s.id;
    s.setUser("alice", ["sales"]);
    expect(s.id).not.toBe(planted);
    expect(store.getNow(planted)).toBeUndefined();
    const moved = store.getNow(s.id);
    expect(moved).toBe(s);
    expect(moved?.user).toBe("alice");
    expect(moved?.get("cart")).toEqual(["pen"]);
    expect(store.size).toBe(1);
  });

  it("moves it again when the user changes or is removed, not when the same user is set again", () => {
    store = new SessionStore();
    const s = store.create();
    s.setUser("alice");
    const asAlice = s.id;
    s.setUser("alice", ["staff"]);
    expect(s.id).toBe(asAlice);
    s.setUser("bob");
    const asBob = s.id;
    expect(asBob).not.toBe(asAlice);
    expect(store.getNow(asAlice)).toBeUndefined();
    s.removeUser();
    expect(s.id).not.toBe(asBob);
    expect(store.getNow(asBob)).toBeUndefined();
    expect(store.getNow(s.id)?.user).toBeUndefined();
    // Removing nobody changes nothing.
    const anonymous = s.id;
    s.removeUser();
    expect(s.id).toBe(anonymous);
  });

  it("leaves a transient session out of the store (its id was never given to anyone)", async () => {
    store = new SessionStore();
    const s = store.transient();
    s.setUser("alice");
    expect(store.size).toBe(0);
    expect(s.modified).toBe(true);
    await store.adopt(s);
    expect(store.getNow(s.id)).toBe(s);
  });

  it("labels a session without revealing its id; the label changes with the id", () => {
    store = new SessionStore();
    const s = store.create();
    const label = store.publicLabel(s);
    expect(label).not.toContain(s.id);
    expect(s.id).not.toContain(label);
    expect(store.publicLabel(s)).toBe(label);
    expect(store.getNow(label)).toBeUndefined();
    s.setUser("alice");
    expect(store.publicLabel(s)).not.toBe(label);
  });
});
