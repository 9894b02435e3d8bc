// Runs calls [start, end) of a seed and writes one JSON line per call as soon as it returns (a
// pipe write is synchronous on Linux), so that when this process dies the parent knows the call.
import * as fs from 'fs';
import { tidy } from '../../src';
import { cleanUp, makeCall } from './generate';
import { classify } from './classify';

const [seed, start, end] = process.argv.slice(2).map(Number);
for (let i = start; i < end; i++) {
  const call = makeCall(seed, i);
  let outcome: { thrown: boolean; error?: unknown } = { thrown: false };
  try {
    tidy(() => {
      call.run();
    });
  } catch (error) {
    outcome = { thrown: true, error };
  }
  fs.writeSync(1, `${JSON.stringify({ i, ...classify(call, outcome) })}\n`);
}
cleanUp();
