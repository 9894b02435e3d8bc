// What one call's outcome says: an error as it should be, or one of the problems the suite counts.
import type { Call } from './generate';

/** `ok`: returned (fine for an edge input); `error`: a JS Error naming the problem; the rest are problems. */
export type Kind = 'ok' | 'error' | 'accepted' | 'engine' | 'unnamed' | 'not-an-error';

export interface Verdict {
  kind: Kind;
  label?: string;
  message?: string;
}

// The JS engine's own words: an error raised inside the library by a bad value it did not check.
export const ENGINE_WORDS =
  /Cannot read propert|Cannot set propert|Cannot destructure|Cannot create property|Cannot convert|Cannot mix BigInt|is not a function|is not iterable|is not a constructor|is not defined|Invalid array length|Invalid typed array length|Maximum call stack|Reduce of empty array|Do not know how to serialize|object null is not|undefined is not|Array buffer allocation failed|Unexpected token/;

// Errors made by the addon come from Node's main realm (not a test sandbox's), so "is an Error"
// is read from the object's shape.
const isError = (e: unknown): e is Error => e !== null && typeof e === 'object' && typeof (e as Error).message === 'string' && typeof (e as Error).name === 'string';

export function classify(call: Call, outcome: { thrown: boolean; error?: unknown }): Verdict {
  if (!outcome.thrown) return call.expect === 'error' ? { kind: 'accepted', label: call.label } : { kind: 'ok' };
  const e = outcome.error;
  if (!isError(e)) return { kind: 'not-an-error', label: call.label, message: String(typeof e === 'symbol' ? 'a symbol' : e) };
  const message = e.message.split('\n')[0];
  if (ENGINE_WORDS.test(message)) return { kind: 'engine', label: call.label, message: `${e.name}: ${message}` };
  const lower = message.toLowerCase();
  if (!call.names.some((n) => lower.includes(n.toLowerCase()))) return { kind: 'unnamed', label: call.label, message: `${e.name}: ${message}` };
  return { kind: 'error' };
}
