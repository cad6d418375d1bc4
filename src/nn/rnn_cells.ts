/**
 * Recurrent cells: one time step of an Elman RNN, an LSTM and a GRU, with
 * PyTorch's gate order and formulas (aten's RNN.cpp), written with
 * differentiable ops so autograd gives every gradient. The step functions
 * take the input's projection x W_ih^T + b_ih already computed, so the
 * sequence modules (rnn.ts) project a whole sequence with one matmul and
 * run only the hidden-to-hidden part in their time loop.
 */

import { type OptionKeys, readOptions } from "../core/options.js";
import type { DType, Tensor } from "../index.js";
import * as torch from "../index.js";
import { typeName } from "./checks.js";
import * as init from "./init.js";
import { pyBool } from "./layers.js";
import { Module, Parameter } from "./module.js";

/** The recurrences: Elman with tanh or relu, LSTM, GRU (PyTorch's `mode` names). */
export type RNNMode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";

/** The weights of one layer and direction (PyTorch's CellParams); `wHr` is an LSTM's projection. */
export interface CellWeights {
  wIh: Tensor;
  wHh: Tensor;
  bIh: Tensor | null;
  bHh: Tensor | null;
  wHr: Tensor | null;
}

/** The number of gates stacked in W_ih and W_hh: LSTM i,f,g,o; GRU r,z,n; Elman 1. */
export function gateCount(mode: RNNMode): number {
  return mode === "LSTM" ? 4 : mode === "GRU" ? 3 : 1;
}

/** The gates of a [B, k H] tensor, along dim 1 (sizes given, so H = 0 works). */
function gates(t: Tensor, k: number): Tensor[] {
  const h = (t.shape[1] as number) / k;
  return t.split(new Array<number>(k).fill(h), 1);
}

/**
 * One step of the recurrence, from `xw` = x W_ih^T + b_ih ([B, G]) and the
 * state ([h] or, for an LSTM, [h, c]); returns the new state.
 * LSTM: (i, f, g, o) = (σ, σ, tanh, σ)(xw + h W_hh^T + b_hh),
 *   c' = f c + i g, h' = o tanh(c') (then h' W_hr^T with a projection).
 * GRU: r = σ(xw_r + hw_r), z = σ(xw_z + hw_z), n = tanh(xw_n + r hw_n),
 *   h' = (h - n) z + n = (1 - z) n + z h.
 * Elman: h' = tanh or relu(xw + h W_hh^T + b_hh).
 */
export function cellStep(mode: RNNMode, xw: Tensor, state: readonly Tensor[], w: CellWeights): Tensor[] {
  const h = state[0] as Tensor;
  const hw = torch.F.linear(h, w.wHh, w.bHh);
  if (mode === "LSTM") {
    const [i, f, g, o] = gates(hw.add(xw), 4) as [Tensor, Tensor, Tensor, Tensor];
    const c = f
      .sigmoid()
      .mul(state[1] as Tensor)
      .add(i.sigmoid().mul(g.tanh()));
    const out = o.sigmoid().mul(c.tanh());
    return [w.wHr === null ? out : out.matmul(w.wHr.t()), c];
  }
  if (mode === "GRU") {
    const [xr, xz, xn] = gates(xw, 3) as [Tensor, Tensor, Tensor];
    const [hr, hz, hn] = gates(hw, 3) as [Tensor, Tensor, Tensor];
    const r = hr.add(xr).sigmoid();
    const z = hz.add(xz).sigmoid();
    const n = xn.add(hn.mul(r)).tanh();
    return [h.sub(n).mul(z).add(n)];
  }
  const pre = hw.add(xw);
  return [mode === "RNN_RELU" ? pre.relu() : pre.tanh()];
}

/** PyTorch's initialisation of recurrent weights: every parameter, in order, from U(-1/√H, 1/√H). */
export function resetRecurrent(module: Module, hiddenSize: number): void {
  const bound = hiddenSize > 0 ? 1 / Math.sqrt(hiddenSize) : 0;
  for (const p of module.parameters()) init.uniform_(p, -bound, bound);
}

/** A size argument checked as an integer (PyTorch's `int` parameters). */
export function checkSize(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new torch.ArgumentError(`${op}: ${name} must be an integer, got ${typeName(v)}`);
  return v;
}

/** The options of the cells (PyTorch's keyword arguments, camelCase). */
export interface RNNCellOptions {
  /** Learn the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** The parameters' dtype (default float32). */
  dtype?: DType;
}

/** RNNCell's options: a cell's, and its nonlinearity. */
export interface ElmanCellOptions extends RNNCellOptions {
  /** "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
}

const CELL_KEYS: OptionKeys<RNNCellOptions> = { bias: "boolean", dtype: "dtype" };
const ELMAN_CELL_KEYS: OptionKeys<ElmanCellOptions> = { bias: "boolean", nonlinearity: "string", dtype: "dtype" };

/** Shared by the cells: weight_ih [k H, in], weight_hh [k H, H], bias_ih and bias_hh [k H], PyTorch's checks and printing. */
abstract class RNNCellBase extends Module {
  /** The input-to-hidden weights, gates stacked, [k hiddenSize, inputSize] (PyTorch's `weight_ih`). */
  declare weight_ih: Parameter;
  /** The hidden-to-hidden weights, gates stacked, [k hiddenSize, hiddenSize] (PyTorch's `weight_hh`). */
  declare weight_hh: Parameter;
  /** The input-to-hidden bias, [k hiddenSize], or null without bias (PyTorch's `bias_ih`). */
  declare bias_ih: Parameter | null;
  /** The hidden-to-hidden bias, [k hiddenSize], or null without bias (PyTorch's `bias_hh`). */
  declare bias_hh: Parameter | null;
  /** Whether the cell has biases (PyTorch's `bias`). */
  readonly bias: boolean;

  constructor(
    /** The number of features of the input (PyTorch's `input_size`). */
    readonly inputSize: number,
    /** The number of features of the hidden state (PyTorch's `hidden_size`). */
    readonly hiddenSize: number,
    /** The recurrence, by PyTorch's `mode` names: "RNN_TANH", "RNN_RELU", "LSTM" or "GRU". */
    readonly mode: RNNMode,
    o: RNNCellOptions,
  ) {
    super();
    const op = this._name();
    checkSize(op, "input_size", inputSize);
    checkSize(op, "hidden_size", hiddenSize);
    const rows = gateCount(mode) * hiddenSize;
    const dtype = o.dtype ?? "float32";
    this.bias = o.bias ?? true;
    this.registerParameter("weight_ih", new Parameter(torch.empty([rows, inputSize], { dtype })));
    this.registerParameter("weight_hh", new Parameter(torch.empty([rows, hiddenSize], { dtype })));
    this.registerParameter("bias_ih", this.bias ? new Parameter(torch.empty([rows], { dtype })) : null);
    this.registerParameter("bias_hh", this.bias ? new Parameter(torch.empty([rows], { dtype })) : null);
    this.resetParameters();
  }

  /** Re-draws every parameter from U(-1/√hiddenSize, 1/√hiddenSize), as at construction. */
  resetParameters(): void {
    resetRecurrent(this, this.hiddenSize);
  }

  /** @internal One step for a [B, in] or [in] input and states of the same rank (zeros when not given). */
  _step(input: Tensor, hx: readonly (Tensor | undefined)[]): Tensor[] {
    const op = this._name();
    if (!(input instanceof torch.Tensor)) throw new torch.ArgumentError(`${op}: input must be a Tensor, got ${typeName(input)}`);
    if (input.ndim !== 1 && input.ndim !== 2) {
      throw new torch.ShapeError(`${op}: Expected input to be 1-D or 2-D but received ${input.ndim}-D tensor`);
    }
    const batched = input.ndim === 2;
    const x = batched ? input : input.unsqueeze(0);
    const states = hx.map((s, k) => {
      if (s === undefined) return torch.zeros([x.shape[0] as number, this.hiddenSize], { dtype: x.dtype, device: x.device });
      if (!(s instanceof torch.Tensor)) throw new torch.ArgumentError(`${op}: hidden${k} must be a Tensor, got ${typeName(s)}`);
      return batched ? s : s.unsqueeze(0);
    });
    this._checkShapes(x, states);
    const w: CellWeights = { wIh: this.weight_ih, wHh: this.weight_hh, bIh: this.bias_ih, bHh: this.bias_hh, wHr: null };
    const next = cellStep(this.mode, torch.F.linear(x, w.wIh, w.bIh), states, w);
    return batched ? next : next.map((s) => s.squeeze(0));
  }

  /** aten's check_rnn_cell_forward_input / _hidden, in its order, and the states' rank. */
  private _checkShapes(x: Tensor, states: readonly Tensor[]): void {
    const op = this._name();
    if (x.shape[1] !== this.inputSize) {
      throw new torch.ShapeError(`${op}: input has inconsistent input_size: got ${x.shape[1]} expected ${this.inputSize}`);
    }
    states.forEach((s, k) => {
      if (s.ndim === 0 || s.shape[0] !== x.shape[0]) {
        throw new torch.ShapeError(`${op}: Input batch size ${x.shape[0]} doesn't match hidden${k} batch size ${s.shape[0] ?? 1}`);
      }
      if (s.ndim === 1 || s.shape[1] !== this.hiddenSize) {
        throw new torch.ShapeError(`${op}: hidden${k} has inconsistent hidden_size: got ${s.shape[1] ?? 1}, expected ${this.hiddenSize}`);
      }
      if (s.ndim !== 2) throw new torch.ShapeError(`${op}: Expected hidden${k} to have the input's rank, got a ${s.ndim}-D tensor`);
    });
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (!this.bias) s += `, bias=${pyBool(false)}`;
    return s;
  }
}

/**
 * An Elman RNN cell: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (relu
 * with `nonlinearity: "relu"`), for a [B, inputSize] or [inputSize] input;
 * `call(x, h)` returns h' (h defaults to zeros).
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * const cell = new torch.nn.RNNCell(3, 2, { nonlinearity: "relu" });
 * console.log(cell.toString()); // RNNCell(3, 2, nonlinearity=relu)
 * console.log(cell.call(torch.ones(4, 3)).shape); // [ 4, 2 ]
 * ```
 */
export class RNNCell extends RNNCellBase {
  /** "tanh" or "relu" (PyTorch's `nonlinearity`). */
  readonly nonlinearity: "tanh" | "relu";

  constructor(inputSize: number, hiddenSize: number, options?: ElmanCellOptions) {
    const o = readOptions(options, "RNNCell", ELMAN_CELL_KEYS);
    const nonlinearity = o.nonlinearity ?? "tanh";
    if (nonlinearity !== "tanh" && nonlinearity !== "relu") {
      throw new torch.ArgumentError(`RNNCell: Unknown nonlinearity: ${String(nonlinearity)}`);
    }
    super(inputSize, hiddenSize, nonlinearity === "relu" ? "RNN_RELU" : "RNN_TANH", o);
    this.nonlinearity = nonlinearity;
  }

  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    return this._step(input, [hx ?? undefined])[0] as Tensor;
  }

  /** What the printed form shows in parentheses: the sizes, and the nonlinearity when it is not tanh. */
  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity === "tanh" ? "" : `, nonlinearity=${this.nonlinearity}`);
  }
}

/**
 * An LSTM cell with PyTorch's gates (i, f, g, o) stacked in that order:
 * `call(x, [h, c])` returns [h', c'] with c' = f c + i g and h' = o tanh(c')
 * (h and c default to zeros).
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * const cell = new torch.nn.LSTMCell(3, 2);
 * const [h, c] = cell.call(torch.ones(4, 3));
 * console.log(cell.toString(), h.shape, c.shape); // LSTMCell(3, 2) [ 4, 2 ] [ 4, 2 ]
 * ```
 */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options?: RNNCellOptions) {
    super(inputSize, hiddenSize, "LSTM", readOptions(options, "LSTMCell", CELL_KEYS));
  }

  override forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new torch.ArgumentError(`LSTMCell: hx must be a pair [h, c] of Tensors, got ${typeName(hx)}`);
    }
    return this._step(input, hx ?? [undefined, undefined]) as [Tensor, Tensor];
  }
}

/**
 * A GRU cell with PyTorch's gates (r, z, n) stacked in that order:
 * n = tanh(W_in x + b_in + r (W_hn h + b_hn)) and h' = (1 - z) n + z h;
 * `call(x, h)` returns h' (h defaults to zeros).
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * const cell = new torch.nn.GRUCell(3, 2, { bias: false });
 * console.log(cell.toString(), cell.call(torch.ones(3)).shape); // GRUCell(3, 2, bias=False) [ 2 ]
 * ```
 */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options?: RNNCellOptions) {
    super(inputSize, hiddenSize, "GRU", readOptions(options, "GRUCell", CELL_KEYS));
  }

  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    return this._step(input, [hx ?? undefined])[0] as Tensor;
  }
}
