// The style tools, as `npm test` runs them: ESLint (eslint.config.mjs) over the TypeScript and the
// scripts. Each reports nothing on the tree as committed.
import { spawnSync } from 'child_process';
import * as path from 'path';

const root = path.resolve(__dirname, '..');

test('ESLint reports nothing (fix with `npx eslint --fix .`, or by hand where it names a rule)', () => {
  const eslint = spawnSync(process.execPath, [path.join(root, 'node_modules/eslint/bin/eslint.js'), '--max-warnings', '0', '.'], { cwd: root, encoding: 'utf8' });
  expect(eslint.stdout + eslint.stderr).toBe('');
  expect(eslint.status).toBe(0);
});
