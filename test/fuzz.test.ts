// The fuzz suite's short run (test/fuzz/): 10,000 generated bad and edge calls across the public
// API, in child processes. No call may kill the process, and every error must be a JS Error whose
// message names the function or the argument, never the JS engine's words from inside the library.
// `FUZZ_CALLS=200000 FUZZ_SEED=7 node dist/test/fuzz/run.js` runs a long one (README, Development notes).
import { ENGINE_WORDS, classify } from './fuzz/classify';
import { fuzz, formatReport, Report } from './fuzz/run';
import { makeCall } from './fuzz/generate';

let report: Report;
beforeAll(() => {
  report = fuzz({ seed: Number(process.env.FUZZ_SEED ?? 1), calls: 10_000 });
  console.log(formatReport(report));
});

test('10,000 calls ran, each reported once', () => {
  const total = Object.values(report.counts).reduce((a, b) => a + b, 0) + report.deaths.length;
  expect(report.calls).toBe(10_000);
  expect(total).toBe(10_000);
  // Most generated calls carry an invalid argument, so most must fail.
  expect(report.counts.error).toBeGreaterThan(8_000);
});

test('no call kills the process', () => {
  expect(report.deaths).toEqual([]);
});

test("no error is in the JS engine's words, and every one names the function or the argument", () => {
  expect(report.problems.engine).toEqual([]);
  expect(report.problems.unnamed).toEqual([]);
  expect(report.problems['not-an-error']).toEqual([]);
});

test('no invalid input is silently accepted', () => {
  expect(report.problems.accepted).toEqual([]);
});

test('the classifier: engine words, unnamed errors and silent accepts are told apart', () => {
  const call = { ...makeCall(1, 0), names: ['Linear', 'inFeatures'], expect: 'error' as const };
  expect(classify(call, { thrown: true, error: new TypeError("Cannot read properties of undefined (reading 'shape')") }).kind).toBe('engine');
  expect(classify(call, { thrown: true, error: new TypeError('empty: no overload accepts ([3])') }).kind).toBe('unnamed');
  expect(classify(call, { thrown: true, error: new TypeError("Linear: argument 'inFeatures' (position 1) must be a non-negative integer, got string '3'") }).kind).toBe('error');
  expect(classify(call, { thrown: false }).kind).toBe('accepted');
  expect(classify(call, { thrown: true, error: 'a string' }).kind).toBe('not-an-error');
  expect(ENGINE_WORDS.test('x is not iterable')).toBe(true);
});
