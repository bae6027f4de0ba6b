/** A source of uniformly distributed numbers in [0, 1), like `Math.random`. */
export type Random = () => number;

/**
 * A small deterministic generator (mulberry32): the same seed always yields the same sequence, so a
 * traffic mix can be replayed exactly. Good enough for choosing requests, not for cryptography.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max], both included. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** True with probability `probability` (0 never, 1 always). */
export function chance(random: Random, probability: number): boolean {
  return probability > 0 && random() < probability;
}

/** One element of a non-empty list, uniformly. */
export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new Error('cannot pick from an empty list');
  return items[Math.floor(random() * items.length)];
}

/**
 * One key of `weights`, each chosen with probability weight / sum of weights. Keys with a zero weight
 * are never chosen; at least one weight must be positive.
 */
export function weightedChoice<K extends string>(random: Random, weights: Readonly<Record<K, number>>): K {
  const entries = (Object.entries(weights) as Array<[K, number]>).filter(([, weight]) => weight > 0);
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  if (total <= 0) throw new Error('at least one weight must be positive');
  let point = random() * total;
  for (const [key, weight] of entries) {
    point -= weight;
    if (point < 0) return key;
  }
  return entries[entries.length - 1][0];
}
