/**
 * embedding: rows of a weight matrix gathered by integer indices. Its
 * backward, embedding_dense_backward (node EmbeddingDenseBackwardBackward0),
 * scatter-adds the rows' gradients and is an op of its own, as in PyTorch.
 */

import { noGrad } from "../../autograd/grad_mode.js";
import { backendFor } from "../../backend/index.js";
import { type DType, legacyTypeName } from "../../core/dtype.js";
import { ArgumentError, DTypeError, IndexError, ShapeError } from "../../core/errors.js";
import { type OptionKeys, readOptions } from "../../core/options.js";
import { contiguousStrides, formatShape } from "../../core/shape.js";
import type { Tensor } from "../../tensor.js";
import { defineOp, type Op } from "../define.js";
import { deviceIndex, indexValues, int64Hint } from "../index_checks.js";
import * as K from "../kernels.js";
import { expectTensor } from "../scalars.js";
import { where } from "../where.js";
import { kb, takeFlat } from "./common.js";

interface EmbeddingAttrs {
  /** Flat weight offset of every output element (row * D + column). */
  gather: Int32Array;
  /** The same with the padding row's lookups as -1 (they get no gradient). */
  scatter: Int32Array;
  weightShape: readonly number[];
  outShape: number[];
  /** With scale_grad_by_freq: 1 / (count of the row in the batch) per output element. */
  scale: Tensor | null;
}

const embeddingOp: Op<EmbeddingAttrs> = defineOp<EmbeddingAttrs>({
  name: "embedding",
  jvp: "linear",
  gradFn: "EmbeddingBackward0",
  forward: ([w], a) => K.take(w as Tensor, a.gather, a.outShape),
  backward: ([g], c) => [embeddingDenseBackwardOp([g], c.attrs)],
});

// embedding_dense_backward: the rows' gradients added into a zero weight gradient.
// Linear in grad; its derivative gathers the same rows (padding excluded, scaled alike).
const embeddingDenseBackwardOp: Op<EmbeddingAttrs> = defineOp<EmbeddingAttrs>({
  name: "embedding_dense_backward",
  jvp: "linear",
  gradFn: "EmbeddingDenseBackwardBackward0",
  forward: ([g], a) => K.putAdd(a.weightShape, a.scatter, a.scale === null ? (g as Tensor) : kb("mul", g as Tensor, a.scale)),
  backward: ([gg], c) => {
    const names = ["IndexSelectBackward0", "IndexAddBackward0"] as const;
    const rows = takeFlat(gg, { index: c.attrs.scatter, inShape: c.attrs.weightShape, outShape: c.attrs.outShape, names });
    return [c.attrs.scale === null ? rows : rows.mul(c.attrs.scale)];
  },
});

/** `F.embedding`'s keyword arguments, as PyTorch's. */
export interface EmbeddingOptions {
  /** This row gets no gradient (negative: counted from the end). */
  paddingIdx?: number | null;
  /** Rows looked up whose `normType`-norm exceeds this are rescaled in place to norm maxNorm. */
  maxNorm?: number | null;
  /** The p of the p-norm compared with `maxNorm` (default 2). */
  normType?: number;
  /** Scale each row's gradient by 1 / (its count in the batch). */
  scaleGradByFreq?: boolean;
  /** Sparse gradients are not supported (must be false). */
  sparse?: boolean;
}

// PyTorch's positional order: embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse).
const EMBEDDING_KEYS: OptionKeys<EmbeddingOptions> = {
  paddingIdx: "number",
  maxNorm: "number",
  normType: "number",
  scaleGradByFreq: "boolean",
  sparse: "boolean",
};

/** PyTorch's embedding_renorm_: rows looked up with norm > maxNorm are scaled by maxNorm / (norm + 1e-7), in place. */
function renorm(w: Tensor, rows: readonly number[], maxNorm: number, p: number): void {
  noGrad(() => {
    for (const r of new Set(rows)) {
      const row = w.select(0, r);
      const norm = row.norm(p).item();
      if (norm > maxNorm) row.mul_(maxNorm / (norm + 1e-7));
    }
  });
}

function embeddingAttrs(w: Tensor, rows: number[], idxShape: readonly number[], paddingIdx: number, byFreq: boolean): EmbeddingAttrs {
  const D = w.shape[1] as number;
  const gather = new Int32Array(rows.length * D);
  const scatter = new Int32Array(rows.length * D);
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(r, (counts.get(r) ?? 0) + 1);
  let scale: Tensor | null = null;
  if (byFreq) scale = K.empty([...idxShape, 1], w.dtype);
  rows.forEach((r, i) => {
    for (let j = 0; j < D; j++) {
      gather[i * D + j] = r * D + j;
      scatter[i * D + j] = r === paddingIdx ? -1 : r * D + j;
    }
    if (scale !== null) K.storageValues(scale)[i] = 1 / (counts.get(r) as number);
  });
  return { gather, scatter, weightShape: w.shape, outShape: [...idxShape, D], scale };
}

/**
 * Looks up rows of `weight` [V, D] for integer `input` of any shape, giving
 * [...input.shape, D]. The gradient of a row sums over its lookups.
 *
 * @example
 * ```ts
 * const w = torch.tensor([[0, 0], [1, 2], [3, 4]]);
 * console.log(torch.F.embedding(torch.tensor([2, 1], { dtype: "int64" }), w)); // tensor([[3., 4.],\n        [1., 2.]])
 * ```
 */
export function embedding(input: Tensor, weight: Tensor, options?: EmbeddingOptions): Tensor {
  const op = "embedding";
  const o = readOptions(options, op, EMBEDDING_KEYS);
  const idx = expectTensor(input, op, "input");
  const w = expectTensor(weight, op, "weight");
  if (w.ndim !== 2) throw new ShapeError(`${op}: 'weight' must be 2-D, but got weight of size ${formatShape(w.shape)}`);
  if (idx.dtype !== "int64" && idx.dtype !== "int32") {
    // PyTorch names a bool tensor by its dispatch type here.
    const got = idx.dtype === "bool" ? "CPUBoolType" : legacyTypeName(idx.dtype);
    throw new DTypeError(
      `${op}: Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got ${got} instead (while checking arguments for embedding)${int64Hint(idx)}`,
    );
  }
  if (o.sparse) throw new ArgumentError(`${op}: sparse gradients are not supported (sparse must be false)`);
  const V = w.shape[0] as number;
  let paddingIdx = o.paddingIdx ?? -1;
  if (o.paddingIdx !== null && o.paddingIdx !== undefined) {
    if (paddingIdx >= V || paddingIdx < -V) throw new ArgumentError(`${op}: Padding_idx must be within num_embeddings`);
    if (paddingIdx < 0) paddingIdx += V;
  }
  if (idx.device !== "cpu") return deviceEmbedding(idx, w, o.paddingIdx === null || o.paddingIdx === undefined ? null : paddingIdx, o);
  const rows = indexValues(
    idx,
    V,
    false,
    (r) => new IndexError(`${op}: index out of range in self (index ${r}, weight of size ${formatShape(w.shape)})`),
  );
  if (o.maxNorm !== null && o.maxNorm !== undefined) renorm(w, rows, o.maxNorm, o.normType ?? 2);
  return embeddingOp([w], embeddingAttrs(w, rows, idx.shape, paddingIdx, o.scaleGradByFreq ?? false));
}

/** What the device's embedding ops keep: the padding row (none: null), the weight's shape and scaleGradByFreq. */
interface DeviceEmbeddingAttrs {
  paddingIdx: number | null;
  weightShape: readonly number[];
  byFreq: boolean;
}

/** `idx` as a 1-d int64 index vector (on its device). */
const flatIndex = (idx: Tensor): Tensor => K.asStrided(K.contiguous(deviceIndex(idx, 0, false)), [idx.numel()], [1]);

/**
 * scaleGradByFreq's factor on a device, [...idx.shape, 1]: 1 / (the count of
 * each lookup's row in the batch), the counts added up there (index_add of ones).
 */
function freqScale(idx: Tensor, rows: number, dtype: DType): Tensor {
  const flat = flatIndex(idx);
  const counts = K.full([rows], 0, "int64", undefined, idx.device);
  if (flat.numel() > 0) {
    const ones = K.broadcastTo(K.scalar(1, "int64"), [flat.numel()]);
    backendFor(counts._storage.data).indexAdd(counts._strided(), 0, flat._strided(), ones._strided());
  }
  const per = K.copy(K.takeAt(counts, idx), dtype);
  const scale = K.binary("div", K.scalar(1, dtype), per, dtype);
  return K.asStrided(scale, [...idx.shape, 1], contiguousStrides([...idx.shape, 1]), 0);
}

/** The rows of `w` ([V, D]) at `idx` (any shape, on a device), as [...idx.shape, D]: an index_select there. */
function rowsAt(w: Tensor, idx: Tensor): Tensor {
  const D = w.shape[1] as number;
  const flat = K.asStrided(K.contiguous(idx), [idx.numel()], [1], 0);
  const out = K.empty([idx.numel(), D], w.dtype, true, undefined, w.device);
  if (out.numel() > 0) backendFor(out._storage.data).indexSelect(w._strided(), 0, flat._strided(), out._strided());
  return K.asStrided(out, [...idx.shape, D], contiguousStrides([...idx.shape, D]), 0);
}

/** `rows` ([...idx.shape, D]) with the padding row's lookups zeroed. */
function withoutPadding(rows: Tensor, idx: Tensor, paddingIdx: number | null): Tensor {
  if (paddingIdx === null) return rows;
  const pad = K.binary("eq", idx, K.scalar(paddingIdx, idx.dtype), "bool");
  return K.where(
    K.asStrided(pad, [...idx.shape, 1], [...contiguousStrides(idx.shape), 0], pad._offset),
    K.scalar(0, rows.dtype),
    rows,
    rows.dtype,
  );
}

// embedding with its indices on a device: the same nodes as on the CPU, the indices kept there (an index out of
// range raises at the next read, as CUDA's device-side assert) instead of read into the attributes.
const deviceEmbeddingOp: Op<DeviceEmbeddingAttrs> = defineOp<DeviceEmbeddingAttrs>({
  name: "embedding",
  jvp: "linear",
  gradFn: "EmbeddingBackward0",
  save: "inputs",
  forward: ([w, idx]) => rowsAt(w as Tensor, idx as Tensor),
  backward: ([g], c) => [deviceDenseBackwardOp([g, c.input(1)], c.attrs), null],
});

const deviceDenseBackwardOp: Op<DeviceEmbeddingAttrs> = defineOp<DeviceEmbeddingAttrs>({
  name: "embedding_dense_backward",
  jvp: "linear",
  gradFn: "EmbeddingDenseBackwardBackward0",
  save: "inputs",
  forward: ([g, idx], a) => {
    const i = idx as Tensor;
    const D = a.weightShape[1] as number;
    const rows = withoutPadding(g as Tensor, i, a.paddingIdx);
    const src = K.contiguous(a.byFreq ? K.binary("mul", rows, freqScale(i, a.weightShape[0] as number, rows.dtype), rows.dtype) : rows);
    const out = K.full(a.weightShape, 0, (g as Tensor).dtype);
    if (i.numel() > 0) {
      const flat = K.asStrided(K.contiguous(i), [i.numel()], [1], 0);
      backendFor(out._storage.data).indexAdd(
        out._strided(),
        0,
        flat._strided(),
        K.asStrided(src, [i.numel(), D], [D, 1], src._offset)._strided(),
      );
    }
    return out;
  },
  backward: ([gg], c) => {
    const idx = c.input(1);
    const { paddingIdx, weightShape, byFreq } = c.attrs;
    const rows = gg.indexSelect(0, idx.reshape(-1)).view([...idx.shape, weightShape[1] as number]);
    const kept = paddingIdx === null ? rows : where(idx.eq(paddingIdx).unsqueeze(-1), 0, rows);
    return [byFreq ? kept.mul(freqScale(idx, weightShape[0] as number, kept.dtype)) : kept, null];
  },
});

/**
 * embedding_renorm_ on a device: every looked-up row with norm > maxNorm
 * scaled by maxNorm / (norm + 1e-7), the others by 1 (unchanged), written
 * back with index_copy_. A row looked up several times is computed from
 * its old values each time and written with the same values: as the CPU's
 * renorm of each distinct row once.
 */
function deviceRenorm(w: Tensor, idx: Tensor, maxNorm: number, p: number): void {
  if (idx.numel() === 0) return;
  noGrad(() => {
    const flat = flatIndex(idx);
    const rows = w.indexSelect(0, flat);
    const norms = rows.norm(p, 1, { keepdim: true });
    const scale = K.binary("div", K.scalar(maxNorm, w.dtype), K.binary("add", norms, K.scalar(1e-7, w.dtype), w.dtype), w.dtype);
    const over = K.binary("gt", norms, K.scalar(maxNorm, w.dtype), "bool");
    w.indexCopy_(0, flat, rows.mul(K.where(over, scale, K.scalar(1, w.dtype), w.dtype)));
  });
}

/** embedding with its indices on a device (deviceEmbeddingOp), maxNorm's renorm done there first. */
function deviceEmbedding(idx: Tensor, w: Tensor, paddingIdx: number | null, o: EmbeddingOptions): Tensor {
  if (o.maxNorm !== null && o.maxNorm !== undefined) deviceRenorm(w, idx, o.maxNorm, o.normType ?? 2);
  return deviceEmbeddingOp([w, idx], { paddingIdx, weightShape: w.shape, byFreq: o.scaleGradByFreq ?? false });
}
