import fc from 'fast-check';
import type { Pools } from '../fuzz-request';
import type { ValueContext } from './schema-values';

export interface GenerationContext extends ValueContext {
  pools: Pools;
  /** Extra body fields a client might try (`customerId`: the customer comes from the token). */
  extraFields: readonly string[];
  /** Extra query parameters a client might try. */
  extraQueryParameters: readonly string[];
  /** Size of the bodies sent over the API's body limit (a 413 each). */
  oversizedBodyBytes: number;
}

/** A generated piece of a request, with the names of what is unusual about it. */
export type Part<T> = fc.Arbitrary<{ value: T; families: string[] }>;

/** One part of a request, generated as the document wants it or broken (undefined: nothing to break). */
export interface Dimension<T> {
  valid: Part<T>;
  broken?: Part<T>;
}

export type Body = { text: string; contentType?: string } | undefined;
export type Headers = Array<[string, string]>;
export type Query = Array<{ name: string; value: string; encoded?: boolean }>;

export const plain = <T>(arbitrary: fc.Arbitrary<T>, ...families: string[]): Part<T> =>
  arbitrary.map((value) => ({ value, families }));
export const weighted = <T>(...choices: Array<[number, Part<T>]>): Part<T> =>
  fc.oneof(...choices.map(([weight, arbitrary]) => ({ weight, arbitrary })));
export const either = <T>({ valid, broken }: Dimension<T>): Part<T> =>
  broken ? weighted([2, valid], [1, broken]) : valid;
