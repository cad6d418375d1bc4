/**
 * Activation checkpointing (PyTorch's `torch.utils.checkpoint.checkpoint`):
 * runs a function without keeping what its backward would need, and runs it
 * again during backward to get it back, trading compute for memory. Random
 * ops replay the same numbers (the generator's state is restored for the
 * rerun), so gradients equal those of the plain function.
 *
 * Two implementations, as in PyTorch: the reentrant one (the default in
 * PyTorch 1.13) is a custom Function whose backward reruns the function and
 * calls `backward` inside; the non-reentrant one (`useReentrant: false`)
 * keeps placeholders through saved-tensor hooks and reruns the function the
 * first time backward unpacks one, so it works with `autograd.grad` too.
 */

import { AutogradError } from "../core/errors.js";
import { defaultStates, type Generator, type GeneratorState, setDefaultStates } from "../random.js";

/** The default generators' states (every device's) at the checkpoint. */
type RngStates = Map<Generator, GeneratorState>;

import { Tensor } from "../tensor.js";
import { backward } from "./api.js";
import { currentPassCapturesInputs } from "./engine.js";
import { AutogradFunction, type FunctionCtx } from "./function.js";
import { enableGrad, isGradEnabled } from "./grad_mode.js";
import { savedTensorsHooks } from "./saved_hooks.js";

/** Options of `checkpoint` (PyTorch's keyword arguments), given after the function's arguments. */
export interface CheckpointOptions {
  /** PyTorch 1.13's default implementation (true), or the one built on saved-tensor hooks (false), which `autograd.grad` can go through. */
  useReentrant?: boolean;
  /** Replay random ops with the same numbers in the rerun (default true). */
  preserveRngState?: boolean;
}

const OPTION_KEYS = new Set(["useReentrant", "preserveRngState"]);

/** Whether `v` is a trailing options object (a plain object of checkpoint's option names only). */
function isOptions(v: unknown): v is CheckpointOptions {
  if (typeof v !== "object" || v === null || Object.getPrototypeOf(v) !== Object.prototype) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => OPTION_KEYS.has(k));
}

/** Functions already warned about (once each: a training loop would repeat it every step). */
const warnedNoGrad = new WeakSet<object>();

/** Runs `fn` with the generator in `state` (when given), putting back the state it had after. */
function withRng<T>(state: RngStates | null, fn: () => T): T {
  if (state === null) return fn();
  const now = defaultStates();
  setDefaultStates(state);
  try {
    return fn();
  } finally {
    setDefaultStates(now);
  }
}

type Run = (...args: unknown[]) => unknown;

/** The reentrant implementation: a Function whose backward reruns `run` with grad on and backpropagates through it. */
class CheckpointFunction extends AutogradFunction {
  static override forward(ctx: FunctionCtx, run: Run, rng: RngStates | null, ...args: unknown[]): unknown {
    ctx.run = run;
    ctx.rng = rng;
    ctx.args = args;
    ctx.saveForBackward(...args.filter((a): a is Tensor => a instanceof Tensor));
    return run(...args);
  }

  static override backward(ctx: FunctionCtx, ...grads: (Tensor | null)[]): (Tensor | null)[] {
    if (currentPassCapturesInputs()) {
      throw new AutogradError(
        "Checkpointing is not compatible with .grad() or when an `inputs` parameter is passed to .backward(). Please use .backward() and do not pass its `inputs` argument.",
      );
    }
    const saved = ctx.savedTensors as Tensor[];
    let k = 0;
    const args = (ctx.args as unknown[]).map((a) => {
      if (!(a instanceof Tensor)) return a;
      const t = saved[k++] as Tensor;
      return t.detach().requiresGrad_(t.requiresGrad);
    });
    const result = withRng(ctx.rng as RngStates | null, () => enableGrad(() => (ctx.run as Run)(...args)));
    const outputs = Array.isArray(result) ? result : [result];
    const withGrad: Tensor[] = [];
    const gradsWithGrad: (Tensor | null)[] = [];
    outputs.forEach((o, i) => {
      if (o instanceof Tensor && o.requiresGrad) {
        withGrad.push(o);
        gradsWithGrad.push(grads[i] ?? null);
      }
    });
    if (withGrad.length === 0) throw new AutogradError("none of output has requires_grad=True, this checkpoint() is not necessary");
    backward(withGrad, gradsWithGrad);
    return [null, null, ...args.map((a) => (a instanceof Tensor ? a.grad : null))];
  }
}

/** The non-reentrant implementation: placeholders through saved-tensor hooks, filled by one rerun when backward first needs one. */
function checkpointWithHooks(run: Run, args: unknown[], rng: RngStates | null): unknown {
  const recomputed = new Map<number, Tensor>();
  let saves = 0;
  const recompute = () => {
    let k = 0;
    withRng(rng, () =>
      enableGrad(() =>
        savedTensorsHooks(
          (t) => {
            recomputed.set(k++, t.requiresGrad ? t.detach() : t);
            return null;
          },
          () => {
            throw new AutogradError("torch.utils.checkpoint: a rerun's saved tensor was read (internal error)");
          },
          () => run(...args),
        ),
      ),
    );
  };
  return savedTensorsHooks(
    () => saves++,
    (index: number) => {
      if (!recomputed.has(index)) recompute();
      const t = recomputed.get(index);
      if (t === undefined) {
        throw new AutogradError(
          "torch.utils.checkpoint: the function saved different tensors when it ran again in backward (does it depend on something other than its arguments and the random generator?)",
        );
      }
      return t;
    },
    () => run(...args),
  );
}

/**
 * Runs `fn(...args)` without keeping its intermediate results for backward;
 * backward reruns it to get them (PyTorch's
 * `torch.utils.checkpoint.checkpoint`). Options go last:
 * `checkpoint(fn, x, y, { useReentrant: false })`.
 *
 * @example
 * ```ts
 * const w = torch.tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const block = (x: torch.Tensor) => x.matmul(w).tanh().matmul(w);
 * const x = torch.tensor([[0.25, -0.5]], { requiresGrad: true });
 * const y = torch.utils.checkpoint.checkpoint(block, x);
 * console.log(y.gradFn?.name); // CheckpointFunctionBackward
 * y.sum().backward();
 * console.log(x.grad); // tensor([[3.3711, 7.5835]])
 * ```
 */
export function checkpoint<A extends unknown[], R>(fn: (...args: A) => R, ...args: A | [...A, CheckpointOptions]): R {
  const last = args[args.length - 1];
  const options: CheckpointOptions = isOptions(last) ? last : {};
  const fnArgs = (isOptions(last) ? args.slice(0, -1) : args) as unknown[];
  const rng = options.preserveRngState === false ? null : defaultStates();
  const run = fn as unknown as Run;
  if (options.useReentrant === false) return checkpointWithHooks(run, fnArgs, rng) as R;
  if (!warnedNoGrad.has(fn) && isGradEnabled() && !fnArgs.some((a) => a instanceof Tensor && a.requiresGrad)) {
    warnedNoGrad.add(fn);
    console.warn("None of the inputs have requires_grad=True. Gradients will be None");
  }
  return CheckpointFunction.apply(run, rng, ...fnArgs) as R;
}
