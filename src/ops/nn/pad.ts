/**
 * torch.nn.functional.pad. Constant, reflect and replicate padding are ops
 * whose forward gathers the input through a flat index (each output element
 * copies one input element, or the fill value); the gradient scatter-adds
 * back through the same index (an op of its own, as PyTorch's
 * reflection_pad1d_backward, ...), whose derivative is the gather again.
 * Circular padding gathers the same way, named as PyTorch 1.13's composite
 * _pad_circular (slices copied into a new tensor: CopySlices).
 */

import { checkSizes } from "../../core/args.js";
import { isFloating, legacyTypeName, scalarTypeName } from "../../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError } from "../../core/errors.js";
import { type OptionKeys, readOptions } from "../../core/options.js";
import { contiguousStrides, formatShape, normalizeDim, numel } from "../../core/shape.js";
import type { Tensor } from "../../tensor.js";
import { defineOp, type Op } from "../define.js";
import * as K from "../kernels.js";
import { expectTensor } from "../scalars.js";
import { zerosOf } from "./common.js";

/** How `F.pad` fills the new border. */
export type PadMode = "constant" | "reflect" | "replicate" | "circular";

type IndexMode = "constant" | "reflect" | "replicate" | "circular";

/** `F.pad`'s options. */
export interface PadOptions {
  /** "constant" (the default), "reflect", "replicate" or "circular". */
  mode?: PadMode;
  /** The fill value of constant padding (default 0); other modes take none (or 0). */
  value?: number | null;
}

const PAD_KEYS: OptionKeys<PadOptions> = { mode: "string", value: "number" };

/** A padding plan: for each output element (row-major), the flat index of the input element it copies, or -1 (the fill). */
interface PadAttrs {
  index: Int32Array;
  inShape: readonly number[];
  outShape: readonly number[];
  fill: number;
  /** The padding list as given (constant mode's backward pads by its negation). */
  pad: readonly number[];
  mode: IndexMode;
}

/** PyTorch's node name of a padding op (k: how many trailing dims are padded); circular padding is composite in 1.13. */
function nodeName(mode: IndexMode, k: number): string {
  if (mode === "constant") return "ConstantPadNdBackward0";
  if (mode === "circular") return "CopySlices";
  return `${mode === "reflect" ? "Reflection" : "Replication"}Pad${k}DBackward0`;
}

/** The node of a padding op's backward op (circular: the slice copies' backward, SliceBackwardBackward0). */
function backwardName(mode: IndexMode, k: number): string {
  return mode === "circular" ? "SliceBackwardBackward0" : nodeName(mode, k).replace("Backward0", "BackwardBackward0");
}

/** The source position of each output position along one dim (-1: the fill). */
function dimMap(size: number, left: number, right: number, mode: IndexMode): Int32Array {
  if (mode === "circular") return circularMap(size, left, right);
  const m = new Int32Array(Math.max(size + left + right, 0));
  for (let o = 0; o < m.length; o++) {
    let p = o - left;
    if (mode === "constant") p = p >= 0 && p < size ? p : -1;
    else if (mode === "replicate") p = Math.min(Math.max(p, 0), size - 1);
    else {
      // Reflection about the first and last elements (which are not repeated).
      if (p < 0) p = -p;
      if (p >= size) p = 2 * (size - 1) - p;
    }
    m[o] = p;
  }
  return m;
}

/**
 * Circular padding as 1.13's _pad_circular writes it: the (cropped) input in
 * the middle, the left border copied from the middle's last elements, then
 * the right border from the middle's first ones (-1 where that would read
 * a border not yet written, which PyTorch leaves uninitialised).
 */
function circularMap(size: number, left: number, right: number): Int32Array {
  const n = size + left + right;
  const [lo, hi] = [Math.max(left, 0), n - Math.max(right, 0)];
  const resolve = (o: number, depth: number): number => {
    if (o >= lo && o < hi) return o - lo + Math.max(-left, 0);
    if (depth > 1) return -1;
    if (o < lo) return resolve(o + n - left - Math.max(right, 0), depth + 1);
    return resolve(lo + o - (n - right), depth + 1);
  };
  return Int32Array.from({ length: Math.max(n, 0) }, (_, o) => resolve(o, 0));
}

/** The plan of padding `shape`'s trailing dims by `pad` (PyTorch's order: last dim first, left then right). */
function plan(shape: readonly number[], pad: readonly number[], mode: IndexMode, fill: number): PadAttrs {
  const n = shape.length;
  const maps: (Int32Array | null)[] = shape.map(() => null);
  const outShape = [...shape];
  for (let j = 0; j < pad.length / 2; j++) {
    const d = n - 1 - j;
    const m = dimMap(shape[d] as number, pad[2 * j] as number, pad[2 * j + 1] as number, mode);
    maps[d] = m;
    outShape[d] = m.length;
  }
  return { index: flatIndex(shape, outShape, maps), inShape: shape, outShape, fill, pad, mode };
}

function flatIndex(inShape: readonly number[], outShape: readonly number[], maps: readonly (Int32Array | null)[]): Int32Array {
  const strides = contiguousStrides(inShape);
  const out = new Int32Array(numel(outShape));
  let k = 0;
  const walk = (d: number, base: number): void => {
    if (d === outShape.length) {
      out[k++] = base;
      return;
    }
    const map = maps[d];
    const stride = strides[d] as number;
    for (let o = 0; o < (outShape[d] as number); o++) {
      const i = map === null || map === undefined ? o : (map[o] as number);
      walk(d + 1, base < 0 || i < 0 ? -1 : base + i * stride);
    }
  };
  walk(0, 0);
  return out;
}

const padOp: Op<PadAttrs> = defineOp<PadAttrs>({
  name: "pad",
  gradFn: (a) => nodeName(a.mode, a.pad.length / 2),
  save: "inputs",
  // Linear but for constant padding's fill: the tangent is padded with zeros.
  jvp: ([t], c) => [t === null || t === undefined ? null : padOp([t], { ...c.attrs, fill: 0 })],
  forward: ([x], a) => K.take(x as Tensor, a.index, a.outShape, a.fill),
  backward: ([g], c) => {
    const a = c.attrs;
    if (a.mode === "constant")
      return [
        constantPad(
          g,
          a.pad.map((p) => -p),
          0,
        ),
      ];
    // PyTorch's reflection/replication backward ops take self (their derivative wrt it is zero); circular's composite does not.
    return [padBackwardOp(a.mode === "circular" ? [g] : [g, c.input(0)], a)];
  },
});

// reflection_pad{k}d_backward(g, self): g scatter-added to the input positions; linear in g, constant in self.
// (Circular padding's backward takes g alone.)
const padBackwardOp: Op<PadAttrs> = defineOp<PadAttrs>({
  name: "pad_backward",
  gradFn: (a) => backwardName(a.mode, a.pad.length / 2),
  save: "inputs",
  jvp: "linear",
  forward: ([g], a) => K.putAdd(a.inShape, a.index, g as Tensor),
  backward: ([gg], c) => [c.needs[0] ? padOp([gg], c.attrs) : null, c.needs[1] ? zerosOf(c.input(1)) : null],
});

/** PyTorch's narrow checks on constant padding's negative (cropping) entries, applied as its constant_pad_nd does. */
function checkCrop(shape: readonly number[], pad: readonly number[]): void {
  const n = shape.length;
  for (let j = pad.length / 2 - 1; j >= 0; j--) {
    const d = n - 1 - j;
    let size = shape[d] as number;
    const [left, right] = [pad[2 * j] as number, pad[2 * j + 1] as number];
    if (left < 0) {
      const start = -left === size ? size : normalizeDim(-left, size, "narrow");
      checkNarrow(start, size + left, size);
      size += left;
    }
    if (right < 0) checkNarrow(0, size + right, size);
  }
}

function checkNarrow(start: number, length: number, size: number): void {
  if (length < 0 || start > size - length) {
    throw new ShapeError(`pad: narrow(): start (${start}) + length (${length}) exceeds dimension size (${size}).`);
  }
}

function constantPad(x: Tensor, pad: readonly number[], value: number): Tensor {
  checkCrop(x.shape, pad);
  const n = x.ndim;
  if (pad.some((p) => p > 0)) {
    for (let j = 0; j < pad.length / 2; j++) {
      const size = x.shape[n - 1 - j] as number;
      const [left, right] = [pad[2 * j] as number, pad[2 * j + 1] as number];
      if (size + left + right <= 0) {
        throw new ShapeError(
          `pad: The input size ${size}, plus negative padding ${left} and ${right} resulted in a negative output size, which is invalid. Check dimension ${n - 1 - j} of your input.`,
        );
      }
    }
  }
  // The fill converted to the dtype as PyTorch's Scalar is (truncated for integers).
  const fill = x.dtype === "bool" ? Number(value !== 0) : isFloating(x.dtype) ? value : Math.trunc(value);
  return padOp([x], plan(x.shape, pad, "constant", fill));
}

/** PyTorch's checks of reflection/replication padding over the last `k` dims (shape, padding, output size, dtype). */
function checkIndexPad(x: Tensor, pad: readonly number[], mode: "reflect" | "replicate", k: number): void {
  const n = x.ndim;
  const batched = n === k + 2;
  const nonEmpty = x.shape.every((s, i) => s !== 0 || (i === 0 && (batched || (mode === "reflect" && k < 3))));
  if (!nonEmpty) {
    throw new ShapeError(
      mode === "reflect" && k < 3
        ? `pad: ${k + 1}D or ${k + 2}D (batch mode) tensor expected for input, but got: [ ${legacyTypeName(x.dtype)}{${x.shape.join(",")}} ]`
        : `pad: Expected ${k + 1}D or ${k + 2}D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: ${formatShape(x.shape)}`,
    );
  }
  for (let j = 0; j < k && mode === "reflect"; j++) {
    const d = n - 1 - j;
    const [left, right] = [pad[2 * j] as number, pad[2 * j + 1] as number];
    if (left >= (x.shape[d] as number) || right >= (x.shape[d] as number)) {
      const input = k === 2 ? String(n) : formatShape(x.shape);
      throw new ShapeError(
        `pad: Argument #${4 + 2 * j}: Padding size should be less than the corresponding input dimension, but got: padding (${left}, ${right}) at dimension ${d} of input ${input}`,
      );
    }
  }
  checkOutputSize(x.shape, pad, mode, k);
  if (!isFloating(x.dtype)) {
    const kernel = mode === "reflect" ? `reflection_pad${k}d` : `replication_pad${k}d_cpu`;
    throw new DTypeError(`pad: "${kernel}" not implemented for '${scalarTypeName(x.dtype)}'`);
  }
}

function checkOutputSize(shape: readonly number[], pad: readonly number[], mode: "reflect" | "replicate", k: number): void {
  const out = [...shape];
  for (let j = 0; j < k; j++)
    out[shape.length - 1 - j] = (shape[shape.length - 1 - j] as number) + (pad[2 * j] as number) + (pad[2 * j + 1] as number);
  const w = shape[shape.length - 1] as number;
  const ow = out[out.length - 1] as number;
  if (k === 1 && ow < 1) {
    // PyTorch 1.13's reflection message is printed as is (its argument number runs into the text).
    const gap = mode === "reflect" ? ["2input", ")is"] : ["input", ") is"];
    throw new ShapeError(`pad: ${gap[0]} (W: ${w}${gap[1]} too small. Calculated output W: ${ow}`);
  }
  const negative = out.find((s) => s < 0);
  if (negative !== undefined) throw new ShapeError(`pad: Trying to create tensor with negative dimension ${negative}: ${formatShape(out)}`);
}

/** 1.13's _pad_circular's checks (its copies are the index plan's circular maps). */
function circularPad(x: Tensor, pad: readonly number[]): Tensor {
  const k = x.ndim - 2;
  if (pad.length !== 2 * k) throw new ShapeError(`pad: Invalid padding size, expected ${2 * k} but got ${pad.length}`);
  for (let i = 0; i < k; i++) {
    const [left, right] = [pad[2 * (k - i - 1)] as number, pad[2 * (k - i - 1) + 1] as number];
    const size = x.shape[2 + i] as number;
    if (left > size || right > size) throw new ShapeError("pad: Padding value causes wrapping around more than once.");
    if (size + left + right < 0) throw new ShapeError("pad: Negative padding value is resulting in an empty dimension");
  }
  return padOp([x], plan(x.shape, pad, "circular", 0));
}

/**
 * Pads the last dims of `input` (PyTorch's `F.pad`): `pad` lists (left,
 * right) amounts starting from the last dim, `[l]` / `[l, r, t, b]` / ...
 * "constant" fills with `value` and takes any rank (negative amounts crop);
 * "reflect" and "replicate" pad the last 1, 2 or 3 dims of a 2-3, 3-4 or
 * 4-5 dimensional input (reflection needs each amount smaller than its dim);
 * "circular" wraps around (input with a batch and a channel dim).
 *
 * @example
 * ```ts
 * const x = torch.tensor([[1, 2, 3]]);
 * console.log(torch.F.pad(x, [2, 1], { mode: "reflect" })); // tensor([[3., 2., 1., 2., 3., 2.]])
 * console.log(torch.F.pad(x, [1, 1], { value: 9 })); // tensor([[9., 1., 2., 3., 9.]])
 * ```
 */
export function pad(input: Tensor, pad: readonly number[], options?: PadOptions): Tensor {
  const o = readOptions(options, "pad", PAD_KEYS);
  const x = expectTensor(input, "pad", "input");
  const p = checkSizes(pad, "pad", { arg: "pad", min: Number.NEGATIVE_INFINITY });
  const mode = o.mode ?? "constant";
  if (mode !== "constant" && mode !== "reflect" && mode !== "replicate" && mode !== "circular") {
    throw new ArgumentError(`pad: Unrecognised padding mode ${String(mode)}`);
  }
  if (p.length % 2 !== 0) throw new ArgumentError("pad: Padding length must be divisible by 2");
  if (p.length > 2 * x.ndim) throw new ArgumentError("pad: Padding length too large");
  if (mode === "constant") return constantPad(x, p, o.value ?? 0);
  if (o.value !== undefined && o.value !== null && o.value !== 0) {
    throw new ArgumentError(`pad: Padding mode "${mode}" doesn't take in value argument`);
  }
  const k = p.length / 2;
  if (k < 1 || k > 3 || x.ndim < k + 1 || x.ndim > k + 2) {
    throw new ArgumentError("pad: Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now");
  }
  if (mode === "circular") return circularPad(x, p);
  checkIndexPad(x, p, mode, k);
  return padOp([x], plan(x.shape, p, mode, 0));
}
