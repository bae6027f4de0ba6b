import { chance, randomInt, seededRandom, weightedChoice } from './random';

describe('seededRandom', () => {
  it('repeats the same sequence for the same seed and differs for another seed', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('stays in [0, 1) and spreads evenly over ten buckets', () => {
    const random = seededRandom(7);
    const buckets = new Array(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const value = random();
      if (value < 0 || value >= 1) outside++;
      else buckets[Math.floor(value * 10)]++;
    }
    expect(outside).toBe(0);
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(400);
  });
});

describe('weightedChoice', () => {
  it('chooses each key in proportion to its weight', () => {
    const random = seededRandom(1234);
    const weights = { browse: 25, product: 20, order: 25, read: 20, list: 10 };
    const counts: Record<string, number> = { browse: 0, product: 0, order: 0, read: 0, list: 0 };
    const draws = 100_000;
    for (let i = 0; i < draws; i++) counts[weightedChoice(random, weights)]++;
    for (const [key, weight] of Object.entries(weights)) {
      expect(counts[key] / draws).toBeGreaterThan(weight / 100 - 0.01);
      expect(counts[key] / draws).toBeLessThan(weight / 100 + 0.01);
    }
  });

  it('never chooses a key weighted 0 and refuses when no weight is positive', () => {
    const random = seededRandom(5);
    const chosen = new Set(
      Array.from({ length: 10_000 }, () => weightedChoice(random, { a: 0, b: 1, c: 0 })),
    );
    expect(chosen).toEqual(new Set(['b']));
    expect(() => weightedChoice(random, { a: 0, b: 0 })).toThrow('at least one weight must be positive');
  });

  it('maps the edges of [0, 1) to the first and last keys', () => {
    expect(weightedChoice(() => 0, { a: 1, b: 1 })).toBe('a');
    expect(weightedChoice(() => 0.999999, { a: 1, b: 1 })).toBe('b');
  });
});

describe('randomInt and chance', () => {
  it('covers both ends of the range and nothing outside it', () => {
    const random = seededRandom(99);
    const seen = new Set(Array.from({ length: 1_000 }, () => randomInt(random, 1, 3)));
    expect([...seen].sort()).toEqual([1, 2, 3]);
  });

  it('is never true at 0, always true at 1, about 30 % of the time at 0.3', () => {
    const random = seededRandom(3);
    const draws = Array.from({ length: 20_000 }, () => chance(random, 0.3));
    expect(draws.filter(Boolean).length / draws.length).toBeCloseTo(0.3, 1);
    expect(Array.from({ length: 1_000 }, () => chance(random, 0)).some(Boolean)).toBe(false);
    expect(Array.from({ length: 1_000 }, () => chance(random, 1)).every(Boolean)).toBe(true);
  });
});
