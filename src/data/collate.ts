/**
 * PyTorch's default_collate: merges a list of samples into a batch,
 * recursively through arrays and objects.
 */

import type { Tensor } from "../index.js";
import * as torch from "../index.js";

/** The type `defaultCollate` makes of a batch of samples of type `T`. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean | ArrayBufferView
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { [K in keyof T]: Collated<T[K]> }
          : never;

function kind(value: unknown): string {
  if (value instanceof torch.Tensor) return "Tensor";
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (ArrayBuffer.isView(value)) return "typed array";
  if (typeof value === "object") return isPlainObject(value) ? "object" : (value.constructor?.name ?? "object");
  return typeof value;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function collateArrays(batch: readonly unknown[]): unknown[] {
  const size = (batch[0] as unknown[]).length;
  batch.forEach((sample, i) => {
    if ((sample as unknown[]).length !== size) {
      throw new torch.ShapeError(
        `defaultCollate: each element in list of batch should be of equal size (sample 0 has ${size} elements, sample ${i} has ${(sample as unknown[]).length})`,
      );
    }
  });
  return Array.from({ length: size }, (_, j) => collate(batch.map((sample) => (sample as unknown[])[j])));
}

function collateObjects(batch: readonly unknown[]): Record<string, unknown> {
  const keys = Object.keys(batch[0] as object);
  return Object.fromEntries(
    keys.map((key) => {
      const values = batch.map((sample, i) => {
        if (!Object.hasOwn(sample as object, key))
          throw new torch.ArgumentError(`defaultCollate: sample ${i} has no key '${key}' (sample 0 has)`);
        return (sample as Record<string, unknown>)[key];
      });
      return [key, collate(values)];
    }),
  );
}

function collate(batch: readonly unknown[]): unknown {
  const first = kind(batch[0]);
  batch.forEach((sample, i) => {
    if (kind(sample) !== first)
      throw new torch.ArgumentError(`defaultCollate: sample ${i} is a ${kind(sample)} but sample 0 is a ${first}`);
  });
  switch (first) {
    case "Tensor":
      return torch.stack(batch as Tensor[], 0);
    case "number": {
      // Python ints become int64 and floats float64; JavaScript has one number type, so the values decide.
      const numbers = batch as number[];
      return torch.tensor(numbers, { dtype: numbers.every(Number.isInteger) ? "int64" : "float64" });
    }
    case "boolean":
      return torch.tensor(batch as boolean[]);
    case "typed array":
      return torch.stack(
        batch.map((a) => torch.tensor(a as ArrayLike<number>)),
        0,
      );
    case "string":
      return [...batch];
    case "array":
      return collateArrays(batch);
    case "object":
      return collateObjects(batch);
    default:
      throw new torch.ArgumentError(
        `defaultCollate: batch must contain tensors, numbers, booleans, strings, typed arrays, arrays or plain objects; found ${first}`,
      );
  }
}

/**
 * Merges samples into a batch as PyTorch's default_collate: tensors are
 * stacked along a new first dimension, numbers become a tensor (int64 if all
 * are integers, else float64, as Python ints and floats do), booleans a bool
 * tensor, strings stay an array; arrays (tuples) and objects are collated
 * element by element and key by key.
 *
 * @example
 * ```ts
 * const batch = torch.utils.data.defaultCollate([
 *   { x: torch.tensor([1, 2]), label: 0 },
 *   { x: torch.tensor([3, 4]), label: 1 },
 * ]);
 * console.log(batch.x, batch.label); // tensor([[1., 2.],\n        [3., 4.]]) tensor([0, 1])
 * ```
 */
export function defaultCollate<T>(batch: readonly T[]): Collated<T> {
  if (!Array.isArray(batch) || batch.length === 0) throw new torch.ArgumentError("defaultCollate: expected a non-empty array of samples");
  return collate(batch) as Collated<T>;
}
