// Runs a committed PyTorch oracle (test/oracle/<script>) under the Python whose PyTorch is the
// LibTorch the addon was built against (Debian's python3 for the system 1.13, the venv's for a pip
// 2.x): the request goes as JSON on stdin, the reply comes back as JSON on stdout.
import { spawnSync } from 'child_process';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const ORACLE_PYTHON: string = require('../../scripts/build-record').pythonOfBuild();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function runOracle<T = any>(script: string, request: object = {}, env: NodeJS.ProcessEnv = {}): T {
  const reply = spawnSync(ORACLE_PYTHON, [path.join(__dirname, script)], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, ...env },
  });
  if (reply.status !== 0) throw new Error(`oracle ${script} failed (${reply.status}): ${reply.stderr || reply.error}`);
  return JSON.parse(reply.stdout) as T;
}
