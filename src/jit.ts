// torch.jit.load: a TorchScript module saved from Python (torch.jit.script / trace + save), usable
// and trainable like any other Module. Its parameters and buffers are the scripted module's own
// tensors (native/jit.cc), so optimizers and gradients act on it directly.
import * as fs from 'fs';
import { native } from './native';
import { Module, parseTarget } from './nn/module';
import type { ModuleTarget } from './nn/module';
import { keep } from './scope';
import { checkLoadArguments, writeFileAtomic } from './serialization';
import { FileFormatError, TorchError } from './errors';
import { Tensor } from './tensor';
import type { Device } from './types';

const released = new FinalizationRegistry<number>((id) => native.jitFree(id));
const makeTensor = (h: number) => new Tensor(h);

/** A loaded TorchScript module. `forward` runs the scripted forward; other methods via `runMethod`. */
export class ScriptModule extends Module {
  private readonly id: number;
  // [key, tensor, isParameter] in state-dict order; refreshed when `to()` replaces tensors.
  private tensors: [string, Tensor, boolean][] = [];

  constructor(id: number) {
    super();
    this.id = id;
    released.register(this, id);
    this.refreshTensors();
    this.training = native.jitIsTraining(id);
  }

  private refreshTensors(): void {
    this.tensors = native.jitNamedTensors(this.id).map(([name, h, isParameter]) => [name, keep(new Tensor(h)), isParameter]);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  forward(...args: any[]): any {
    return native.jitCall(this.id, 'forward', args, makeTensor);
  }

  /** Calls another method of the scripted module by name. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  runMethod(name: string, ...args: any[]): any {
    return native.jitCall(this.id, name, args, makeTensor);
  }

  protected ownParameters(): [string, Tensor][] {
    return this.tensors.filter(([, , isParameter]) => isParameter).map(([name, t]) => [name, t]);
  }

  protected ownBuffers(): [string, Tensor][] {
    return this.tensors.filter(([, , isParameter]) => !isParameter).map(([name, t]) => [name, t]);
  }

  protected stateTensors(prefix = ''): [string, Tensor][] {
    return this.tensors.map(([name, t]) => [prefix ? `${prefix}.${name}` : name, t]);
  }

  // The scripted submodules are internal to the TorchScript module.
  namedChildren(): [string, Module][] {
    return [];
  }

  train(mode = true): this {
    native.jitTrain(this.id, mode);
    this.training = mode;
    return this;
  }

  to(target: ModuleTarget): this {
    const { device, dtype } = parseTarget(target);
    native.jitTo(this.id, device, dtype);
    this.refreshTensors();
    return this;
  }

  protected copyWith(memo: Map<object, unknown>): this {
    const clone = new ScriptModule(native.jitCopy(this.id)) as this;
    clone.train(this.training);
    memo.set(this, clone);
    return clone;
  }

  /** Saves the module (with its current weights) as a TorchScript archive that Python's torch.jit.load reads. */
  save(file: string): void {
    writeFileAtomic(file, native.jitSave(this.id));
  }
}

/** Loads a TorchScript file saved by Python's `torch.jit.save` (onto `device`, default as saved). */
export function load(file: string, options: { device?: Device } = {}): ScriptModule {
  const { device } = checkLoadArguments('torch.jit.load', file, options);
  let id: number;
  try {
    id = native.jitLoad(file, device);
  } catch (e) {
    // LibTorch reads the file itself: one that is there but refused is not a TorchScript archive.
    const Kind = fs.existsSync(file) && fs.statSync(file).isFile() ? FileFormatError : TorchError;
    throw new Kind(`torch.jit.load: ${file}: ${(e as Error).message}`, { cause: e });
  }
  return new ScriptModule(id);
}
