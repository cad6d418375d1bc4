/**
 * Layout ops PyTorch composes from views (so they record the views' nodes,
 * as PyTorch's do): movedim/moveaxis (a permute), unflatten (a view) and
 * meshgrid (expands). `x.T`, `x.mT` and `x.mH` are Tensor getters.
 */

import { ArgumentError, DTypeError, ShapeError } from "../core/errors.js";
import { readOptions } from "../core/options.js";
import { normalizeDim } from "../core/shape.js";
import type { Tensor } from "../tensor.js";
import { stack } from "./combine.js";
import { permute } from "./movement.js";
import { expectTensor } from "./scalars.js";

function dimList(v: number | readonly number[], op: string, what: string): number[] {
  if (typeof v === "number") return [v];
  if (Array.isArray(v) && v.every((d) => Number.isInteger(d))) return [...v];
  throw new ArgumentError(`${op}(): ${what} must be an integer or an array of integers, got ${JSON.stringify(v)}`);
}

/**
 * Moves the dims `source` to the positions `destination`, the others keeping
 * their order (PyTorch's `movedim`; a permute).
 *
 * @example
 * ```ts
 * console.log(torch.movedim(torch.zeros(2, 3, 4), 0, -1).shape); // [ 3, 4, 2 ]
 * ```
 */
export function movedim(input: Tensor, source: number | readonly number[], destination: number | readonly number[]): Tensor {
  const x = expectTensor(input, "movedim", "input");
  const src = dimList(source, "movedim", "source").map((d) => normalizeDim(d, x.ndim, "movedim"));
  const dst = dimList(destination, "movedim", "destination").map((d) => normalizeDim(d, x.ndim, "movedim"));
  if (src.length !== dst.length) {
    throw new ArgumentError(
      `movedim: Invalid source or destination dims: source ([${src.join(", ")}] dims) should contain the same number of dims as destination ([${dst.join(", ")}] dims)`,
    );
  }
  const repeated = (ds: number[]) => ds.some((d, i) => ds.indexOf(d) !== i);
  if (repeated(src)) throw new ArgumentError(`movedim: repeated dim in \`source\` ([${src.join(", ")}])`);
  if (repeated(dst)) throw new ArgumentError(`movedim: repeated dim in \`destination\` ([${dst.join(", ")}])`);
  const order = new Array<number>(x.ndim).fill(-1);
  src.forEach((s, i) => {
    order[dst[i] as number] = s;
  });
  const rest = [...Array(x.ndim).keys()].filter((d) => !src.includes(d));
  let k = 0;
  for (let i = 0; i < order.length; i++) if (order[i] === -1) order[i] = rest[k++] as number;
  return permute(x, order);
}

/**
 * `movedim` under NumPy's name.
 *
 * @example
 * ```ts
 * console.log(torch.moveaxis(torch.zeros(2, 3, 4), [0, 1], [1, 2]).shape); // [ 4, 2, 3 ]
 * ```
 */
export function moveaxis(input: Tensor, source: number | readonly number[], destination: number | readonly number[]): Tensor {
  return movedim(input, source, destination);
}

/**
 * Splits dim `dim` into `sizes` (one of them may be -1), a view
 * (PyTorch's `unflatten`).
 *
 * @example
 * ```ts
 * console.log(torch.unflatten(torch.zeros(2, 6), 1, [2, 3]).shape); // [ 2, 2, 3 ]
 * ```
 */
export function unflatten(input: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const x = expectTensor(input, "unflatten", "input");
  if (!Array.isArray(sizes) || sizes.length === 0) throw new ArgumentError("unflatten: sizes must be non-empty");
  const d = normalizeDim(dim, x.ndim, "unflatten");
  const size = x.shape[d] as number;
  const known = sizes.filter((s) => s !== -1).reduce((p, s) => p * s, 1);
  const inferred = sizes.includes(-1);
  if (inferred ? known === 0 || size % known !== 0 : known !== size) {
    throw new ShapeError(
      `unflatten: Provided sizes [${sizes.join(", ")}] don't multiply up to the size of dim ${dim} (${size}) in the input tensor`,
    );
  }
  const shape = [...x.shape.slice(0, d), ...sizes, ...x.shape.slice(d + 1)];
  return x.view(shape);
}

/** Options of `meshgrid`. */
export interface MeshgridOptions {
  /** "ij" (matrix indexing, the default) or "xy" (Cartesian: the first two dims swapped). */
  indexing?: "ij" | "xy";
}

/**
 * Grids of coordinates from 1-d tensors: output i holds `tensors[i]` along
 * dim i, expanded over the others (PyTorch's `meshgrid`; views by expand).
 *
 * @example
 * ```ts
 * const [a, b] = torch.meshgrid([torch.tensor([1, 2]), torch.tensor([3, 4, 5])], { indexing: "ij" });
 * console.log(a.shape, b.shape); // [ 2, 3 ] [ 2, 3 ]
 * console.log(b); // tensor([[3., 4., 5.],\n        [3., 4., 5.]])
 * ```
 */
export function meshgrid(tensors: readonly Tensor[], options?: MeshgridOptions): Tensor[] {
  const o = readOptions(options, "meshgrid", { indexing: "string" });
  const indexing = o.indexing ?? "ij";
  if (indexing !== "ij" && indexing !== "xy") {
    throw new ArgumentError(`torch.meshgrid: indexing must be one of "xy" or "ij", but received: ${indexing}`);
  }
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ArgumentError("torch.meshgrid: Expected at least one tensor");
  const ts = tensors.map((t, i) => {
    const x = expectTensor(t, "meshgrid", `tensors[${i}]`);
    if (x.ndim > 1)
      throw new ArgumentError(
        `torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a ${x.ndim}-D tensor of shape [${x.shape.join(", ")}]`,
      );
    return x;
  });
  const dtype = (ts[0] as Tensor).dtype;
  if (ts.some((t) => t.dtype !== dtype)) {
    throw new DTypeError(`meshgrid expects all tensors to have the same dtype (got ${ts.map((t) => t.dtype).join(", ")})`);
  }
  const swap = indexing === "xy" && ts.length >= 2;
  const order = swap ? [ts[1] as Tensor, ts[0] as Tensor, ...ts.slice(2)] : ts;
  const shape = order.map((t) => t.numel());
  const grids = order.map((t, i) => t.reshape(shape.map((s, d) => (d === i ? s : 1))).expand(shape));
  return swap ? [grids[1] as Tensor, grids[0] as Tensor, ...grids.slice(2)] : grids;
}

/**
 * The Cartesian product of 1-d tensors: every combination of their elements,
 * one per row, in the order of nested loops (PyTorch's `cartesian_prod`:
 * `meshgrid` with "ij" indexing, each grid flattened, stacked along dim 1).
 * One tensor is returned as it is.
 *
 * @example
 * ```ts
 * const rows = torch.cartesianProd(torch.tensor([1, 2]), torch.tensor([3, 4, 5]));
 * console.log(rows.shape, rows.tolist()[1]); // [ 6, 2 ] [ 1, 4 ]
 * ```
 */
export function cartesianProd(...tensors: Tensor[]): Tensor {
  if (tensors.length === 0) throw new ArgumentError("cartesian_prod: meshgrid expects a non-empty TensorList");
  const ts = tensors.map((t, i) => {
    const x = expectTensor(t, "cartesian_prod", `tensors[${i}]`);
    if (x.ndim !== 1) throw new ShapeError(`cartesian_prod: Expect a 1D vector, but got shape [${x.shape.join(", ")}]`);
    return x;
  });
  if (ts.length === 1) return ts[0] as Tensor;
  return stack(
    meshgrid(ts, { indexing: "ij" }).map((g) => g.flatten()),
    1,
  );
}
