/**
 * Recurrent layers over sequences: RNN, LSTM and GRU with PyTorch's
 * parameters (names, shapes, order, initialisation), checks, printing and
 * results. Per layer and direction the input-to-hidden part is one linear
 * map of the whole sequence; the time loop runs the hidden-to-hidden part
 * (rnn_cells.ts's cellStep), as PyTorch's CPU implementation does.
 */

import { type OptionKeys, readOptions } from "../core/options.js";
import type { DType, Tensor } from "../index.js";
import * as torch from "../index.js";
import { typeName } from "./checks.js";
import { pyBool, pyFloat } from "./layers.js";
import { Module, Parameter } from "./module.js";
import { type CellWeights, cellStep, checkSize, gateCount, type RNNMode, resetRecurrent } from "./rnn_cells.js";

/** The options of RNN, LSTM and GRU (PyTorch's keyword arguments, camelCase, in its positional order). */
export interface RNNBaseOptions {
  /** The number of stacked layers (default 1). */
  numLayers?: number;
  /** Learn the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [batch, seq, feature] instead of [seq, batch, feature] (default false; states keep the batch in dim 1). */
  batchFirst?: boolean;
  /** The probability of dropout on the outputs of each layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Run a second layer over the reversed sequence and concatenate the outputs (default false). */
  bidirectional?: boolean;
  /** The parameters' dtype (default float32). */
  dtype?: DType;
}

/** LSTM's options: the shared ones and the projection size. */
export interface LSTMOptions extends RNNBaseOptions {
  /** With projSize > 0, h is projected to projSize features by weight_hr (default 0: no projection). */
  projSize?: number;
}

/** RNN's options: the shared ones and the nonlinearity. */
export interface RNNOptions extends RNNBaseOptions {
  /** "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
}

const BASE_KEYS: OptionKeys<RNNBaseOptions> = {
  numLayers: "number",
  bias: "boolean",
  batchFirst: "boolean",
  dropout: "number",
  bidirectional: "boolean",
  dtype: "dtype",
};
const LSTM_KEYS: OptionKeys<LSTMOptions> = { ...BASE_KEYS, projSize: "number" };
const RNN_KEYS: OptionKeys<RNNOptions> = { ...BASE_KEYS, nonlinearity: "string" };

/** PyTorch's message for a projection asked of RNN or GRU (before the unknown-option check would name it). */
function refuseProjSize(op: string, options: unknown): void {
  if (options !== null && typeof options === "object" && Object.hasOwn(options, "projSize")) {
    throw new torch.ArgumentError(`${op}: proj_size argument is only supported for LSTM, not RNN or GRU`);
  }
}

/** A shape as Python prints a tuple, (1, 2, 4). */
const pyTuple = (s: readonly number[]) => `(${s.join(", ")}${s.length === 1 ? "," : ""})`;

/** Shared by RNN, LSTM and GRU (PyTorch's RNNBase). */
abstract class RNNBase extends Module {
  /** The number of stacked layers (PyTorch's `num_layers`). */
  readonly numLayers: number;
  /** Whether the layers have biases (PyTorch's `bias`). */
  readonly bias: boolean;
  /** Whether input and output put the batch first (PyTorch's `batch_first`). */
  readonly batchFirst: boolean;
  /** The dropout probability between layers (PyTorch's `dropout`). */
  readonly dropout: number;
  /** Whether each layer also runs over the reversed sequence (PyTorch's `bidirectional`). */
  readonly bidirectional: boolean;
  /** The size h is projected to, or 0 (PyTorch's `proj_size`; LSTM only). */
  readonly projSize: number;
  /** The first layer's input-to-hidden weights (PyTorch's `weight_ih_l0`; other layers: `allWeights`). */
  declare weight_ih_l0: Parameter;
  /** The first layer's hidden-to-hidden weights (PyTorch's `weight_hh_l0`). */
  declare weight_hh_l0: Parameter;
  /** The first layer's input-to-hidden bias, undefined without biases (PyTorch's `bias_ih_l0`). */
  declare bias_ih_l0: Parameter | undefined;
  /** The first layer's hidden-to-hidden bias, undefined without biases (PyTorch's `bias_hh_l0`). */
  declare bias_hh_l0: Parameter | undefined;
  /** The parameter names of each layer and direction, in order (PyTorch's `_all_weights`). */
  readonly allWeightNames: string[][] = [];

  constructor(
    /** The recurrence, by PyTorch's `mode` names: "RNN_TANH", "RNN_RELU", "LSTM" or "GRU". */
    readonly mode: RNNMode,
    /** The number of features of the input (PyTorch's `input_size`). */
    readonly inputSize: number,
    /** The number of features of the hidden state (PyTorch's `hidden_size`). */
    readonly hiddenSize: number,
    o: LSTMOptions,
  ) {
    super();
    const op = this._name();
    checkSize(op, "input_size", inputSize);
    checkSize(op, "hidden_size", hiddenSize);
    this.numLayers = checkSize(op, "num_layers", o.numLayers ?? 1);
    this.bias = o.bias ?? true;
    this.batchFirst = o.batchFirst ?? false;
    this.dropout = o.dropout ?? 0;
    this.bidirectional = o.bidirectional ?? false;
    this.projSize = checkSize(op, "proj_size", o.projSize ?? 0);
    this._checkArguments(op);
    this._makeParameters(o.dtype ?? "float32");
    this.resetParameters();
  }

  /** PyTorch's constructor checks (and its warning for dropout with one layer). */
  private _checkArguments(op: string): void {
    if (!(this.dropout >= 0 && this.dropout <= 1)) {
      throw new torch.ArgumentError(
        `${op}: dropout should be a number in range [0, 1] representing the probability of an element being zeroed`,
      );
    }
    if (this.dropout > 0 && this.numLayers === 1) {
      console.warn(
        `${op}: dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, but got dropout=${this.dropout} and num_layers=${this.numLayers}`,
      );
    }
    if (this.projSize < 0) throw new torch.ArgumentError(`${op}: proj_size should be a positive integer or zero to disable projections`);
    if (this.projSize >= this.hiddenSize) {
      // PyTorch 1.13 gives this message for hidden_size <= 0 too (later versions: "hidden_size must be greater than zero").
      const why = this.hiddenSize <= 0 ? ` (hidden_size must be greater than zero, got ${this.hiddenSize})` : "";
      throw new torch.ArgumentError(`${op}: proj_size has to be smaller than hidden_size${why}`);
    }
    if (this.numLayers <= 0) throw new torch.ArgumentError(`${op}: num_layers must be greater than zero, got ${this.numLayers}`);
  }

  /** Registers each layer's and direction's weights in PyTorch's order (w_ih, w_hh, b_ih, b_hh, w_hr). */
  private _makeParameters(dtype: DType): void {
    const rows = gateCount(this.mode) * this.hiddenSize;
    const realHidden = this.projSize > 0 ? this.projSize : this.hiddenSize;
    const directions = this.bidirectional ? 2 : 1;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let d = 0; d < directions; d++) {
        const inSize = layer === 0 ? this.inputSize : realHidden * directions;
        const suffix = `_l${layer}${d === 1 ? "_reverse" : ""}`;
        const shapes: [string, number[]][] = [
          [`weight_ih${suffix}`, [rows, inSize]],
          [`weight_hh${suffix}`, [rows, realHidden]],
        ];
        if (this.bias) shapes.push([`bias_ih${suffix}`, [rows]], [`bias_hh${suffix}`, [rows]]);
        if (this.projSize > 0) shapes.push([`weight_hr${suffix}`, [this.projSize, this.hiddenSize]]);
        for (const [name, shape] of shapes) this.registerParameter(name, new Parameter(torch.empty(shape, { dtype })));
        this.allWeightNames.push(shapes.map(([name]) => name));
      }
    }
  }

  /** Re-draws every parameter from U(-1/√hiddenSize, 1/√hiddenSize), in order, as at construction. */
  resetParameters(): void {
    resetRecurrent(this, this.hiddenSize);
  }

  /** The parameters of each layer and direction (PyTorch's `all_weights`). */
  get allWeights(): Parameter[][] {
    return this.allWeightNames.map((names) => names.map((n) => this._parameters.get(n) as Parameter));
  }

  /** The weights of layer `layer`, direction `d`, looked up by name (a parameter may have been replaced). */
  private _cellWeights(layer: number, d: number): CellWeights {
    const suffix = `_l${layer}${d === 1 ? "_reverse" : ""}`;
    const get = (name: string) => this._parameters.get(`${name}${suffix}`) ?? null;
    return {
      wIh: get("weight_ih") as Tensor,
      wHh: get("weight_hh") as Tensor,
      bIh: get("bias_ih"),
      bHh: get("bias_hh"),
      wHr: get("weight_hr"),
    };
  }

  /** The shape h0 must have for a [L, B, in] input: [layers * directions, B, hidden (or proj)]. */
  protected _stateShape(batch: number, cell: boolean): number[] {
    const size = !cell && this.projSize > 0 ? this.projSize : this.hiddenSize;
    return [this.numLayers * (this.bidirectional ? 2 : 1), batch, size];
  }

  /**
   * @internal The recurrence over a batched input and batched states (given
   * or zeros), checked as PyTorch does; returns the output and final states,
   * unbatched again for a 2-d input.
   */
  _run(input: Tensor, hx: readonly Tensor[] | null): [Tensor, Tensor[]] {
    const op = this._name();
    const batched = input.ndim === 3;
    const batchDim = this.batchFirst ? 0 : 1;
    const x = batched ? input : input.unsqueeze(batchDim);
    if (x.ndim !== 3) throw new torch.ShapeError(`${op}: input must have 3 dimensions, got ${x.ndim}`);
    if (x.shape[2] !== this.inputSize) {
      throw new torch.ShapeError(`${op}: input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${x.shape[2]}`);
    }
    const batch = x.shape[batchDim] as number;
    const count = this.mode === "LSTM" ? 2 : 1;
    const states = hx === null ? [] : batched ? [...hx] : hx.map((s) => s.unsqueeze(1));
    for (let k = 0; k < count; k++) {
      const want = this._stateShape(batch, k === 1);
      const s = states[k];
      if (s === undefined) states.push(torch.zeros(want, { dtype: x.dtype, device: x.device }));
      else if (s.shape.join() !== want.join()) {
        const which = count === 2 ? `hidden[${k}]` : "hidden";
        throw new torch.ShapeError(`${op}: Expected ${which} size ${pyTuple(want)}, got [${s.shape.join(", ")}]`);
      }
    }
    const seq = this.batchFirst ? x.transpose(0, 1) : x;
    if (seq.shape[0] === 0) throw new torch.ShapeError(`${op}: Expected sequence length to be larger than 0 in RNN`);
    const [out, final] = this._layers(seq, states);
    const output = this.batchFirst ? out.transpose(0, 1) : out;
    return batched ? [output, final] : [output.squeeze(batchDim), final.map((s) => s.squeeze(1))];
  }

  /** The stacked layers over [L, B, in]: each layer's output (directions concatenated) feeds the next, with dropout between them. */
  private _layers(seq: Tensor, states: readonly Tensor[]): [Tensor, Tensor[]] {
    const directions = this.bidirectional ? 2 : 1;
    const initial = states.map((s) => s.unbind(0));
    const final: Tensor[][] = states.map(() => []);
    let layerInput = seq;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outputs: Tensor[] = [];
      for (let d = 0; d < directions; d++) {
        const idx = layer * directions + d;
        const [out, last] = this._direction(
          layerInput,
          initial.map((s) => s[idx] as Tensor),
          this._cellWeights(layer, d),
          d === 1,
        );
        outputs.push(out);
        for (const [k, s] of last.entries()) final[k]?.push(s);
      }
      layerInput = directions === 2 ? torch.cat(outputs, 2) : (outputs[0] as Tensor);
      if (this.dropout > 0 && this.training && layer < this.numLayers - 1) {
        layerInput = torch.F.dropout(layerInput, { p: this.dropout, training: true });
      }
    }
    return [layerInput, final.map((s) => torch.stack(s, 0))];
  }

  /** One layer in one direction: x W_ih^T + b_ih for the whole sequence at once, then the steps (backwards for the reverse direction). */
  private _direction(seq: Tensor, state: Tensor[], w: CellWeights, reverse: boolean): [Tensor, Tensor[]] {
    const steps = torch.F.linear(seq, w.wIh, w.bIh).unbind(0);
    const outputs = new Array<Tensor>(steps.length);
    for (let k = 0; k < steps.length; k++) {
      const t = reverse ? steps.length - 1 - k : k;
      state = cellStep(this.mode, steps[t] as Tensor, state, w);
      outputs[t] = state[0] as Tensor;
    }
    return [torch.stack(outputs, 0), state];
  }

  /** @internal Checks the input is a tensor and the states have its rank (PyTorch's messages). */
  _checkCall(input: unknown, hx: readonly unknown[] | null): void {
    const op = this._name();
    if (!(input instanceof torch.Tensor)) throw new torch.ArgumentError(`${op}: input must be a Tensor, got ${typeName(input)}`);
    if (hx === null) return;
    hx.forEach((s, k) => {
      if (!(s instanceof torch.Tensor)) throw new torch.ArgumentError(`${op}: hx[${k}] must be a Tensor, got ${typeName(s)}`);
    });
    const hs = hx as Tensor[];
    const want = input.ndim === 3 ? 3 : 2;
    if (hs.every((s) => s.ndim === want)) return;
    const kind = want === 3 ? "batched 3-D" : "unbatched 2-D";
    if (hs.length === 2) {
      const got = `(${hs[0]?.ndim}-D, ${hs[1]?.ndim}-D)`;
      throw new torch.ShapeError(`${op}: For ${kind} input, hx and cx should also be ${want}-D but got ${got} tensors`);
    }
    throw new torch.ShapeError(`${op}: For ${kind} input, hx should also be ${want}-D but got ${hs[0]?.ndim}-D tensor`);
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += `, bias=${pyBool(false)}`;
    if (this.batchFirst) s += `, batch_first=${pyBool(true)}`;
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += `, bidirectional=${pyBool(true)}`;
    return s;
  }
}

/**
 * A multi-layer Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T +
 * b_hh) (relu with `nonlinearity: "relu"`). `call(x, h0?)` takes x of shape
 * [L, B, inputSize] ([B, L, inputSize] with `batchFirst`, or [L, inputSize]
 * unbatched) and returns [output, hN]: the last layer's h at every step
 * ([L, B, D * hiddenSize]) and every layer's last h ([D * numLayers, B,
 * hiddenSize]), D = 2 when bidirectional.
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * const rnn = new torch.nn.RNN(3, 4, { numLayers: 2, nonlinearity: "relu" });
 * const [output, h] = rnn.call(torch.ones(5, 2, 3));
 * console.log(rnn.toString(), output.shape, h.shape); // RNN(3, 4, num_layers=2) [ 5, 2, 4 ] [ 2, 2, 4 ]
 * ```
 */
export class RNN extends RNNBase {
  /** "tanh" or "relu" (PyTorch's `nonlinearity`). */
  readonly nonlinearity: "tanh" | "relu";

  constructor(inputSize: number, hiddenSize: number, options?: RNNOptions) {
    refuseProjSize("RNN", options);
    const o = readOptions(options, "RNN", RNN_KEYS);
    const nonlinearity = o.nonlinearity ?? "tanh";
    if (nonlinearity !== "tanh" && nonlinearity !== "relu")
      throw new torch.ArgumentError(`RNN: Unknown nonlinearity '${String(nonlinearity)}'`);
    super(nonlinearity === "relu" ? "RNN_RELU" : "RNN_TANH", inputSize, hiddenSize, o);
    this.nonlinearity = nonlinearity;
  }

  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const states = hx === undefined || hx === null ? null : [hx];
    this._checkCall(input, states);
    const [output, [h]] = this._run(input, states);
    return [output, h as Tensor];
  }
}

/**
 * A multi-layer LSTM with PyTorch's gates (i, f, g, o), optionally with
 * projections (`projSize`). `call(x, [h0, c0]?)` returns [output, [hN,
 * cN]]; shapes as RNN's, c having hiddenSize features and h (and the
 * output) projSize when projSize > 0.
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * const lstm = new torch.nn.LSTM(3, 4, { numLayers: 2, batchFirst: true });
 * console.log(lstm.toString()); // LSTM(3, 4, num_layers=2, batch_first=True)
 * const [output, [h, c]] = lstm.call(torch.ones(2, 5, 3));
 * console.log(output.shape, h.shape, c.shape); // [ 2, 5, 4 ] [ 2, 2, 4 ] [ 2, 2, 4 ]
 * ```
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options?: LSTMOptions) {
    super("LSTM", inputSize, hiddenSize, readOptions(options, "LSTM", LSTM_KEYS));
  }

  override forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new torch.ArgumentError(`LSTM: hx must be a pair [h0, c0] of Tensors, got ${typeName(hx)}`);
    }
    const states = hx ?? null;
    this._checkCall(input, states);
    const [output, [h, c]] = this._run(input, states);
    return [output, [h as Tensor, c as Tensor]];
  }
}

/**
 * A multi-layer GRU with PyTorch's gates (r, z, n): n = tanh(x W_in^T +
 * b_in + r (h W_hn^T + b_hn)), h' = (1 - z) n + z h. `call(x, h0?)` returns
 * [output, hN], shapes as RNN's.
 *
 * @example
 * ```ts
 * torch.manualSeed(0);
 * const gru = new torch.nn.GRU(3, 4, { bidirectional: true });
 * const [output, h] = gru.call(torch.ones(5, 3));
 * console.log(gru.toString(), output.shape, h.shape); // GRU(3, 4, bidirectional=True) [ 5, 8 ] [ 2, 4 ]
 * ```
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options?: RNNBaseOptions) {
    refuseProjSize("GRU", options);
    super("GRU", inputSize, hiddenSize, readOptions(options, "GRU", BASE_KEYS));
  }

  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const states = hx === undefined || hx === null ? null : [hx];
    this._checkCall(input, states);
    const [output, [h]] = this._run(input, states);
    return [output, h as Tensor];
  }
}
