// package.json as npm publishes it, against the files `npm pack` would ship (dist/ as built here):
// publint's checks (each field's file ships, in the module format it is declared as), and ours:
// every field and export target ships, each export condition has its types (first, of the same
// module kind), and npm runs nothing at install.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
// prepack is left out: it rebuilds what is already built.
const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }))[0];
const files = new Set<string>(packed.files.map((f: { path: string }) => f.path));

type Exports = string | { [condition: string]: Exports };

// Each condition object of `exports` that leads to files, with the subpath and conditions leading there.
function conditionObjects(value: Exports, at: string[] = []): { at: string; conditions: Record<string, string> }[] {
  if (typeof value === 'string') return [];
  const leaves = Object.entries(value).filter(([, target]) => typeof target === 'string');
  const own = leaves.length > 0 ? [{ at: at.join(' > '), conditions: Object.fromEntries(leaves) as Record<string, string> }] : [];
  return [...own, ...Object.entries(value).flatMap(([key, target]) => conditionObjects(target, [...at, key]))];
}

function targets(value: Exports): string[] {
  return typeof value === 'string' ? [value] : Object.values(value).flatMap(targets);
}

const shipped = (file: string) => files.has(path.posix.normalize(file));

describe('package.json', () => {
  test('publint finds nothing to fix (strict: warnings count)', () => {
    const cli = fs.realpathSync(path.join(root, 'node_modules', '.bin', 'publint'));
    const lint = spawnSync(process.execPath, [cli, '--strict', root], { encoding: 'utf8' });
    expect(lint.stdout + lint.stderr).toMatch(/All good!/);
    expect(lint.status).toBe(0);
  });

  test('main, types, bin and every export target are files that ship', () => {
    const named = [pkg.main, pkg.types, ...Object.values(pkg.bin as Record<string, string>), ...targets(pkg.exports)];
    expect(named.filter((file) => !shipped(file))).toEqual([]);
  });

  test("each export's conditions give types first, and types of its module kind", () => {
    const dotExport = pkg.exports['.'];
    expect(Object.keys(dotExport)).toEqual(['import', 'require']);
    const objects = conditionObjects(pkg.exports).filter(({ conditions }) => /\.[mc]?js$/.test(conditions.default ?? ''));
    expect(objects.map(({ at }) => at)).toEqual(['. > import', '. > require']);
    for (const { conditions } of objects) {
      expect(Object.keys(conditions)[0]).toBe('types');
      const kind = (file: string) => (/\.(mjs|d\.mts)$/.test(file) ? 'esm' : 'cjs');
      expect(kind(conditions.types)).toBe(kind(conditions.default));
    }
    // The top-level fields, for resolvers without `exports`, name the CommonJS entry.
    expect([`./${pkg.main}`, `./${pkg.types}`]).toEqual([dotExport.require.default, dotExport.require.types]);
  });

  test('npm runs nothing at install: no install hook, and binding.gyp (which ships) implies none', () => {
    for (const hook of ['preinstall', 'install', 'postinstall']) expect(pkg.scripts[hook]).toBeUndefined();
    expect(files.has('binding.gyp')).toBe(true);
    expect(pkg.gypfile).toBe(false);
  });
});
