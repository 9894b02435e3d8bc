// Command-line flags of the subcommands: declared once with their type, default and help, parsed
// with Node's util.parseArgs (strict: unknown flags and missing values are errors), checked here.
import { parseArgs } from 'util';

export type FlagType = 'string' | 'number' | 'integer' | 'boolean';

export interface FlagSpec {
  type: FlagType;
  help: string;
  default?: string | number | boolean;
  choices?: string[];
  /** The smallest value a number may take. */
  min?: number;
}

export type FlagSpecs = Record<string, FlagSpec>;
export type FlagValues = Record<string, string | number | boolean | undefined>;

/** The camelCase key of a --kebab-case flag. */
export function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function convert(command: string, flag: string, spec: FlagSpec, raw: string | boolean): string | number | boolean {
  if (spec.type === 'boolean' || typeof raw === 'boolean') return raw;
  if (spec.type === 'string') {
    if (spec.choices && !spec.choices.includes(raw)) throw new Error(`${command}: --${flag} must be one of ${spec.choices.join(', ')}, got '${raw}'`);
    return raw;
  }
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new Error(`${command}: --${flag} takes a number, got '${raw}'`);
  if (spec.type === 'integer' && !Number.isInteger(value)) throw new Error(`${command}: --${flag} takes an integer, got '${raw}'`);
  if (spec.min !== undefined && value < spec.min) throw new Error(`${command}: --${flag} must be >= ${spec.min}, got ${value}`);
  return value;
}

/**
 * Parses `argv` against `specs`; keys of the result are camelCase, defaults filled in. A flag of
 * `renamed` (old name -> new name) is an error that gives its new name.
 */
export function parseFlags(command: string, argv: string[], specs: FlagSpecs, renamed: Record<string, string> = {}): FlagValues {
  for (const arg of argv) {
    const old = /^--([^=]+)/.exec(arg)?.[1];
    if (old !== undefined && Object.hasOwn(renamed, old)) throw new Error(`${command}: --${old} is now --${renamed[old]}`);
  }
  const options = Object.fromEntries(Object.entries(specs).map(([flag, spec]) => [flag, { type: spec.type === 'boolean' ? 'boolean' : 'string' } as const]));
  let parsed: Record<string, string | boolean | undefined>;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean' } }, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    throw new Error(`${command}: ${(e as Error).message}`);
  }
  const values: FlagValues = {};
  for (const [flag, spec] of Object.entries(specs)) {
    const raw = parsed[flag];
    values[camel(flag)] = raw === undefined ? spec.default : convert(command, flag, spec, raw);
  }
  values.help = parsed.help ?? false;
  return values;
}

// What a flag's value is shown as in help: N for integers, X for any number.
const PLACEHOLDERS: Record<Exclude<FlagType, 'boolean'>, string> = { string: 'VALUE', number: 'X', integer: 'N' };

/** The help text of a subcommand's flags. */
export function flagHelp(specs: FlagSpecs): string {
  return Object.entries(specs)
    .map(([flag, spec]) => {
      const value = spec.type === 'boolean' ? '' : ` ${spec.choices ? spec.choices.join('|') : PLACEHOLDERS[spec.type]}`;
      const fallback = spec.default === undefined || spec.type === 'boolean' ? '' : ` (default ${spec.default})`;
      return `  --${flag}${value}`.padEnd(34) + `${spec.help}${fallback}`;
    })
    .join('\n');
}
