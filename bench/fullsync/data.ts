// bench/fullsync data sets: documents of about 1 KB with their ACL keys, in a shuffled order so
// a user's documents are spread over the whole change feed.

export interface BenchSizes {
  /** Users owning documents (each in one group). */
  users: number;
  /** Documents per user. */
  perUser: number;
  groups: number;
  /** Documents per group. */
  perGroup: number;
  public: number;
  /** Size of the small database (same visible set for the measured user). */
  small: number;
}

export const FULL: BenchSizes = { users: 100, perUser: 900, groups: 10, perGroup: 990, public: 100, small: 10_000 };
export const QUICK: BenchSizes = { users: 20, perUser: 90, groups: 10, perGroup: 99, public: 10, small: 1_000 };

export const userName = (u: number) => `user${String(u).padStart(3, "0")}`;
export const groupOf = (u: number, s: BenchSizes) => `group${u % s.groups}`;
/** The user whose pulls are measured. */
export const MEASURED = 7;

function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function body(n: number, rand: () => number): Record<string, unknown> {
  let payload = "";
  for (let i = 0; i < 900; i++) payload += ALPHA[Math.floor(rand() * ALPHA.length)];
  return { type: "item", n, title: `Item number ${n}`, createdAt: 1_700_000_000_000 + n, payload };
}

function shuffle<T>(a: T[], rand: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

type Acl = Record<string, unknown>;

function build(acls: Acl[], seed: number, prefix: string): Record<string, unknown>[] {
  const rand = rng(seed);
  shuffle(acls, rand);
  return acls.map((acl, n) => ({ _id: `${prefix}${String(n).padStart(6, "0")}`, ...body(n, rand), ...acl }));
}

/** users × perUser owned, groups × perGroup tagged, `public` public. */
export function bigSet(s: BenchSizes): Record<string, unknown>[] {
  const acls: Acl[] = [];
  for (let u = 0; u < s.users; u++) for (let k = 0; k < s.perUser; k++) acls.push({ "~c8oAcl": userName(u) });
  for (let g = 0; g < s.groups; g++) for (let k = 0; k < s.perGroup; k++) acls.push({ c8oGrp: `group${g}` });
  for (let k = 0; k < s.public; k++) acls.push({});
  return build(acls, 42, "d");
}

/** `small` documents, of which the measured user sees exactly as many as in the big set. */
export function smallSet(s: BenchSizes): Record<string, unknown>[] {
  const acls: Acl[] = [];
  const measured = userName(MEASURED);
  for (let k = 0; k < s.perUser; k++) acls.push({ "~c8oAcl": measured });
  const g = groupOf(MEASURED, s);
  for (let k = 0; k < s.perGroup; k++) acls.push({ c8oGrp: g });
  for (let k = 0; k < s.public; k++) acls.push({});
  let other = 0;
  while (acls.length < s.small) {
    const u = other++ % s.users;
    if (u !== MEASURED) acls.push({ "~c8oAcl": userName(u) });
  }
  return build(acls, 43, "s");
}

/** The visible set alone, without ACL keys, for the unfiltered floor. */
export function floorSet(s: BenchSizes): Record<string, unknown>[] {
  const n = s.perUser + s.perGroup + s.public;
  return build(
    Array.from({ length: n }, () => ({ owner: userName(MEASURED) })),
    44,
    "f",
  );
}

export const visibleCount = (s: BenchSizes) => s.perUser + s.perGroup + s.public;
