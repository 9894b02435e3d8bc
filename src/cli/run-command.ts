// What the training and evaluation commands share: the flags that say where and how a run goes,
// configs picked from parsed flags, the first N images of a set, the accuracy curves of the plots,
// and the command shell (--help, then result.json under --json or a closing line).
import type { Tensor } from '../tensor';
import { FlagSpec, FlagSpecs, FlagValues, parseFlags } from './args';
import { Command, CommandHelp, helpText } from './command';
import type { EpochMetrics } from './run-folder';

/** How a run is carried out (may differ between a run and its resumption). */
export interface RunControl {
  out: string;
  device: string;
  resume?: boolean;
  /** Stop after this many epochs (continue later with resume); 0: run to the end. */
  stopAfter?: number;
  /** No progress output (the CLI's --json). */
  quiet?: boolean;
  log?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export const DEVICE_FLAG: FlagSpec = { type: 'string', help: 'cpu, cuda or cuda:N', default: 'cpu' };

/** The flags a training command ends with (`extra` goes before --json). */
export function runFlags(defaultOut: string, extra: FlagSpecs = {}): FlagSpecs {
  return {
    device: DEVICE_FLAG,
    out: { type: 'string', help: 'the run folder', default: defaultOut },
    resume: { type: 'boolean', help: 'continue the run in --out from its checkpoint' },
    'stop-after': { type: 'integer', help: 'stop after this many epochs (continue with --resume); 0 = none', default: 0, min: 0 },
    ...extra,
    json: { type: 'boolean', help: 'print result.json to stdout instead of the progress bar' },
  };
}

/** The RunControl that the flags of `runFlags` give; progress goes to stderr. */
export function runControl(values: FlagValues): RunControl {
  return {
    out: values.out as string,
    device: values.device as string,
    resume: Boolean(values.resume),
    stopAfter: values.stopAfter as number,
    quiet: Boolean(values.json),
    log: process.stderr,
  };
}

/** The parsed flag values under `keys` (camelCase), in that order, as the fields of T (a config, options). */
export function pickFlags<T>(values: Record<string, unknown>, keys: readonly (keyof T & string)[]): T {
  return Object.fromEntries(keys.map((key) => [key, values[key]])) as T;
}

type Images = { data: Tensor; targets: Tensor };

/** The first `count` images of `set` and their targets (0 or more than there are: all of them). */
export function firstImages(set: Images, count: number): Images {
  if (count <= 0 || count >= set.data.shape[0]) return { data: set.data, targets: set.targets };
  return { data: set.data.narrow(0, 0, count), targets: set.targets.narrow(0, 0, count) };
}

/** [epoch, test accuracy] per epoch, the accuracy under `key` of each line's `testAccuracy`. */
export function accuracyCurve(metrics: EpochMetrics[], key: string): [number, number][] {
  return metrics.map((m) => [m.epoch, (m.testAccuracy as Record<string, number>)[key]]);
}

export interface JsonCommandSpec<R> extends CommandHelp {
  /** Flags that were renamed (old name -> new name): each is an error that names the new one. */
  renamed?: Record<string, string>;
  /** Runs with the parsed flags (quietly under --json); resolves to what --json prints. */
  run(values: FlagValues): Promise<R>;
  /** The line printed at the end without --json. */
  report(result: R): string;
  /** Where that line goes (default stderr, beside the progress). */
  reportTo?: 'stdout' | 'stderr';
}

/** A command that prints its --help, runs, then prints its result as JSON (--json) or a closing line. */
export function jsonCommand<R>(spec: JsonCommandSpec<R>): Command {
  return {
    async run(argv: string[]): Promise<number> {
      const values = parseFlags(spec.name, argv, spec.flags, spec.renamed);
      if (values.help) {
        process.stdout.write(helpText(spec));
        return 0;
      }
      const result = await spec.run(values);
      if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else (spec.reportTo === 'stdout' ? process.stdout : process.stderr).write(spec.report(result) + '\n');
      return 0;
    },
  };
}
