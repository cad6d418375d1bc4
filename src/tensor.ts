/**
 * Tensor = storage + view (shape, strides, offset) + autograd fields.
 * Operations live in ops/ and are attached as methods by methods.ts.
 */

import { engineOps } from "./autograd/bridge.js";
import {
  type AccumulateGrad,
  type CreationMeta,
  type Edge,
  gradAccumulator,
  type Hook,
  type Node,
  type TensorMeta,
} from "./autograd/node.js";
import { keepReached } from "./autograd/scope.js";
import { backendFor, readBuffer } from "./backend/index.js";
import { FREED, freedError, noteAlias, release } from "./backend/lifetime.js";
import { type Buffer, isDeviceBuffer, type Operand } from "./backend/types.js";
import { describeValue, pythonTypeName } from "./core/describe.js";
import { type Device, deviceLabel } from "./core/device.js";
import { type DType, isFloating, type TypedArray, typedArrayFor } from "./core/dtype.js";
import { ArgumentError, AutogradError, DTypeError, IndexError, ShapeError } from "./core/errors.js";
import { contiguousStrides, formatShape, normalizeDim, numel, shapesEqual } from "./core/shape.js";
import { formatTensor } from "./print.js";

declare global {
  interface SymbolConstructor {
    /**
     * Explicit resource management's `Symbol.dispose` (what `using` calls), declared as
     * TypeScript's lib "esnext.disposable" and @types/node do, so that Kindling's types
     * compile in projects whose lib lacks it.
     */
    readonly dispose: unique symbol;
  }
}

/** A buffer shared by a tensor and its views, with the version counter in-place ops bump. */
export class Storage {
  version = 0;
  /** @internal the backward pass that owns this storage (autograd/ownership.ts), or null. */
  _owner: object | null = null;
  /** @internal references the owning pass holds to it. */
  _refs = 0;
  /** The memory, as its backend keeps it (read its values with readBuffer). */
  constructor(public data: Buffer) {}
}

/** Nested arrays of numbers, as `tolist()` returns. */
export type NestedArray = number | NestedArray[];

/** @internal `flat` (row-major) as nested arrays of `shape`; a 0-d shape gives its number. */
export function nest(flat: TypedArray, shape: readonly number[]): NestedArray {
  const build = (dim: number, start: number): NestedArray => {
    if (dim === shape.length) return flat[start] as number;
    const size = shape[dim] as number;
    let step = 1;
    for (let d = dim + 1; d < shape.length; d++) step *= shape[d] as number;
    const out: NestedArray[] = [];
    for (let i = 0; i < size; i++) out.push(build(dim + 1, start + i * step));
    return out;
  };
  return build(0, 0);
}

/** Bytes per element of each dtype, as PyTorch's element_size() gives them. */
const ELEMENT_SIZE: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int32: 4, int64: 8, bool: 1 };

/** A removable hook registration. */
export interface RemovableHandle {
  /** Unregisters the hook (doing it twice does nothing). */
  remove(): void;
}

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

/**
 * An n-dimensional array that records the operations done on it so that
 * gradients can be computed by reverse-mode automatic differentiation.
 * Create tensors with `torch.tensor`, `torch.zeros`, `torch.randn`, ...
 */
export class Tensor {
  /** @internal */ _storage: Storage;
  /** The sizes of the dimensions. */
  shape: readonly number[];
  /** @internal */ _strides: readonly number[];
  /** @internal */ _offset: number;
  /** The element type. */
  dtype: DType;

  /** @internal leaf flag; non-leaves require grad through their gradFn. */
  _requiresGrad = false;
  /** @internal */ _gradFn: Node | null = null;
  /** @internal which output of `_gradFn` this tensor is. */
  _outputNr = 0;
  /** @internal */ _grad: Tensor | null = null;
  /** @internal */ _gradAccumulator: AccumulateGrad | null = null;
  /** @internal set by retainGrad() on a non-leaf. */
  _retainsGrad = false;
  /** @internal for views: the tensor whose storage they view (never itself a view). */
  _base: Tensor | null = null;
  /** @internal whether this view was made while recording (its grad_fn follows its base's in-place changes). */
  _diffView = false;
  /**
   * @internal how this view was made, when that forbids modifying it in place
   * or using it in the graph after its base was (PyTorch's CreationMeta):
   * "multipleOutputs" for (a view of) one of several views an op returned
   * (unbind, split), "inCustomFunction" for a view a custom Function returned.
   * Views made in no-grad mode are the ones with `_diffView` false.
   */
  _creationMeta: CreationMeta = "default";
  /** @internal the storage version this view's grad_fn reflects. */
  _viewVersion = 0;
  /** @internal cached {shape, dtype} shared by the nodes that record this tensor (see tensorMeta). */
  _metaCache: TensorMeta | null = null;
  /** @internal cached gradient edge (see gradientEdge). */
  _edgeCache: Edge | null = null;
  /** @internal the forward-mode tangent (autograd/forward_ad.ts), valid at level `_tangentLevel` only. */
  _tangent: Tensor | null = null;
  /** @internal the dual level `_tangent` belongs to (-1: none). */
  _tangentLevel = -1;

  /** @internal */
  constructor(storage: Storage, shape: readonly number[], strides: readonly number[], offset: number, dtype: DType) {
    this._storage = storage;
    this.shape = shape;
    this._strides = strides;
    this._offset = offset;
    this.dtype = dtype;
  }

  /** @internal a fresh contiguous tensor over `data`. */
  static _fromData(data: Buffer, shape: readonly number[], dtype: DType): Tensor {
    return new Tensor(new Storage(data), shape, contiguousStrides(shape), 0, dtype);
  }

  /** @internal replaces this tensor's data with `src`'s (PyTorch's `t.data = src`): same object, new storage, shape and dtype. */
  _setData(src: Tensor): void {
    keepReached(src);
    this._storage = src._storage;
    this.shape = src.shape;
    this._strides = src._strides;
    this._offset = src._offset;
    this.dtype = src.dtype;
    this._metaCache = null;
    // The gradient accumulator checks incoming gradients against the leaf's shape, dtype and device: now the new ones.
    if (this._gradAccumulator !== null) this._gradAccumulator._meta = { shape: this.shape, dtype: this.dtype, device: this.device };
  }

  /** @internal the layout and buffer as a backend sees them. */
  _strided(): Operand {
    const data = this._storage.data;
    if (data === FREED) freedError();
    return { data, dtype: this.dtype, shape: this.shape, strides: this._strides, offset: this._offset };
  }

  // ----- shape and layout --------------------------------------------------

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /**
   * The dims reversed (PyTorch's `x.T`; for 2-d tensors the transpose, which
   * is the use PyTorch keeps: prefer `x.mT` for batches of matrices).
   *
   * @example
   * ```ts
   * console.log(torch.tensor([[1, 2, 3]]).T.shape); // [ 3, 1 ]
   * ```
   */
  get T(): Tensor {
    return this.permute(this.shape.map((_, d) => this.shape.length - 1 - d));
  }

  /**
   * The last two dims swapped: a batch of matrices transposed (PyTorch's `x.mT`).
   *
   * @example
   * ```ts
   * console.log(torch.zeros(5, 2, 3).mT.shape); // [ 5, 3, 2 ]
   * ```
   */
  get mT(): Tensor {
    return this._matrixTranspose("mT");
  }

  /**
   * The conjugate transpose of a batch of matrices (PyTorch's `x.mH`); for
   * real tensors, `x.mT`.
   *
   * @example
   * ```ts
   * console.log(torch.zeros(2, 3).mH.shape); // [ 3, 2 ]
   * ```
   */
  get mH(): Tensor {
    return this._matrixTranspose("mH");
  }

  /** @internal the last two dims swapped (`mT`, and `mH` for real tensors). */
  _matrixTranspose(name: string): Tensor {
    if (this.ndim < 2)
      throw new IndexError(`tensor.${name} is only supported on matrices or batches of matrices. Got ${this.ndim}-D tensor.`);
    return this.transpose(-2, -1);
  }

  /** Number of dimensions (PyTorch's `dim()`). */
  dim(): number {
    return this.shape.length;
  }

  /** Total number of elements. */
  numel(): number {
    return numel(this.shape);
  }

  /** The shape, or the size of one dimension. */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.shape];
    return this.shape[this._dimIndex(dim, "size")] as number;
  }

  /** The strides, or the stride of one dimension (in elements). */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    if (dim === undefined) return [...this._strides];
    return this._strides[this._dimIndex(dim, "stride")] as number;
  }

  private _dimIndex(dim: number, op: string): number {
    const n = this.shape.length;
    if (n === 0 && Number.isInteger(dim)) {
      throw new IndexError(`${op}: Dimension specified as ${dim} but tensor has no dimensions`);
    }
    return normalizeDim(dim, n, op);
  }

  /** Offset of the first element in the storage (in elements). */
  storageOffset(): number {
    return this._offset;
  }

  /** Whether the elements are laid out in row-major order without gaps. */
  isContiguous(): boolean {
    if (this.numel() === 0) return true;
    let expected = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      const size = this.shape[d] as number;
      if (size === 1) continue;
      if (this._strides[d] !== expected) return false;
      expected *= size;
    }
    return true;
  }

  /** The device the tensor's memory is on: `"cpu"`, or `"webgpu"` (see `torch.webgpu`). */
  get device(): Device {
    const data = this._storage.data;
    return isDeviceBuffer(data) ? (data.device as Device) : "cpu";
  }

  /** Bytes per element (PyTorch's: float64 and int64 8, float32 and int32 4, bool 1). */
  elementSize(): number {
    return ELEMENT_SIZE[this.dtype];
  }

  /** The version counter, bumped by every in-place operation on this tensor's storage (shared with views). */
  get _version(): number {
    return this._storage.version;
  }

  // ----- reading values ----------------------------------------------------

  /**
   * PyTorch's `x.data`: a tensor sharing this tensor's storage, outside the
   * graph (it never requires grad) and with a version counter of its own, so
   * in-place changes through it are not seen by autograd's checks (as in
   * PyTorch; `detach()` is the safe form). `x.data = t` makes `x` use `t`'s
   * storage, shape and dtype (PyTorch's `p.data = t`).
   *
   * @example
   * ```ts
   * const w = torch.tensor([1, 2], { requiresGrad: true });
   * w.data.mul_(0.5); // an update autograd does not record
   * console.log(w); // tensor([0.5000, 1.0000], requires_grad=True)
   * ```
   */
  get data(): Tensor {
    noteAlias(this._storage.data);
    return new Tensor(new Storage(this._storage.data), this.shape, this._strides, this._offset, this.dtype);
  }

  /** Makes this tensor use `src`'s storage, shape and dtype (PyTorch's `x.data = src`). */
  set data(src: Tensor) {
    if (!(src instanceof Tensor)) {
      throw new ArgumentError(`data: Variable data has to be a tensor, but got ${pythonTypeName(src)} (got ${describeValue(src)})`);
    }
    if (this._requiresGrad && !isFloating(src.dtype)) {
      throw new DTypeError(`data: data set to a tensor that requires gradients must be floating point or complex dtype (got ${src.dtype})`);
    }
    this._setData(src);
  }

  /**
   * Frees this tensor's memory now, instead of when the garbage collector
   * finds it unreachable (never required: see `torch.scope`). Afterwards
   * the tensor, and every view of it, raises an error when used. Disposing
   * a view frees nothing (its base owns the memory) but makes the view
   * unusable. Disposing twice does nothing. `using t = ...` disposes at
   * the end of the block.
   *
   * @example
   * ```ts
   * const t = torch.ones(1000);
   * t.dispose();
   * console.log(t.isDisposed); // true
   * ```
   */
  dispose(): void {
    if (this._base === null) release(this._storage);
    else if (this._storage.data !== FREED) this._storage = new Storage(FREED);
  }

  /** `using t = ...` (explicit resource management) disposes `t` at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Whether `dispose()` (or the end of a `torch.scope`) freed this tensor's memory. */
  get isDisposed(): boolean {
    return this._storage.data === FREED;
  }

  /**
   * The elements as a new typed array in row-major order (NumPy's
   * `x.numpy()`, a copy): Float32Array (float32), Float64Array (float64, and
   * int64 as exact integers), Int32Array (int32), Uint8Array (bool, 0/1).
   *
   * @example
   * ```ts
   * console.log(torch.tensor([[1, 2], [3, 4]]).t().toTypedArray()); // Float32Array(4) [ 1, 3, 2, 4 ]
   * ```
   */
  toTypedArray(): TypedArray {
    return this._hostValues("toTypedArray()");
  }

  /** The elements in row-major order (a new typed array); a DeviceError naming `what` for a tensor on a device. */
  private _hostValues(what: string): TypedArray {
    const data = this._storage.data;
    if (isDeviceBuffer(data)) readBuffer(data, what);
    const out = typedArrayFor(this.dtype, this.numel());
    backendFor(data).copy(this._strided(), {
      data: out,
      dtype: this.dtype,
      shape: this.shape,
      strides: contiguousStrides(this.shape),
      offset: 0,
    });
    return out;
  }

  /** The value of a one-element tensor as a number (bool gives 1 or 0). */
  item(): number {
    const n = this.numel();
    if (n !== 1) {
      throw new ShapeError(`item: a Tensor with ${n} elements cannot be converted to Scalar (shape ${formatShape(this.shape)})`);
    }
    return readBuffer(this._storage.data, "item()")[this._offset] as number;
  }

  /** The elements as nested arrays of numbers (bool gives 1 or 0); a 0-d tensor gives a number. */
  tolist(): NestedArray {
    return nest(this._hostValues("tolist()"), this.shape);
  }

  /** PyTorch's printed form, e.g. `tensor([1., 2.], requires_grad=True)`. */
  toString(): string {
    // A freed tensor prints what it was, not its (gone) values.
    if (this._storage.data === FREED) return `tensor(<freed>, size=(${this.shape.join(", ")}), dtype=torch.${this.dtype})`;
    return formatTensor(this);
  }

  /** `Object.prototype.toString.call(t)` is "[object Tensor]". */
  get [Symbol.toStringTag](): string {
    return "Tensor";
  }

  /** @internal Node's console.log uses this. */
  [inspectSymbol](): string {
    return this.toString();
  }

  // ----- autograd fields ---------------------------------------------------

  /** Whether gradients are computed for this tensor. Settable on leaves only. */
  get requiresGrad(): boolean {
    const base = this._base;
    if (base !== null && this._diffView && this._viewVersion !== this._storage.version) {
      // Its grad_fn is regenerated from the base's history; one that may not be raises when read, not here.
      if (this._creationMeta !== "default") return this._gradFn !== null || base.requiresGrad;
      engineOps().refreshView(this);
    }
    return this._requiresGrad || this._gradFn !== null;
  }

  /** Sets whether autograd records operations on this leaf (only leaves; non-leaves raise PyTorch's error). */
  set requiresGrad(value: boolean) {
    if (this.gradFn !== null) {
      if (value) return;
      throw new AutogradError(
        "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().",
      );
    }
    if (value && !isFloating(this.dtype)) {
      throw new DTypeError(`only Tensors of floating point and complex dtype can require gradients (got dtype ${this.dtype})`);
    }
    this._requiresGrad = value;
  }

  /**
   * Sets `requiresGrad` in place and returns this tensor.
   *
   * @example
   * ```ts
   * const x = torch.arange(4, { dtype: "float32" }).requiresGrad_();
   * console.log(x.requiresGrad); // true
   * ```
   */
  requiresGrad_(requiresGrad = true): this {
    this.requiresGrad = requiresGrad;
    return this;
  }

  /** The node that created this tensor, or `null` for leaves. */
  get gradFn(): Node | null {
    if (this._base !== null) this._refreshView();
    return this._gradFn;
  }

  /** Whether this tensor is a leaf: made by the user, or by ops that did not record (PyTorch's `is_leaf`). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** @internal a view's grad_fn is regenerated after its base changed in place (PyTorch semantics). */
  _refreshView(): void {
    if (this._diffView && this._viewVersion !== this._storage.version) engineOps().refreshView(this);
  }

  /**
   * The gradient accumulated by backward passes; `null` until one reaches
   * this tensor. Only leaves (and non-leaves after `retainGrad()`) get it.
   */
  get grad(): Tensor | null {
    return this._grad;
  }

  /** Replaces the gradient (a tensor of this tensor's shape and dtype, or null), as `x.grad = g` in PyTorch. */
  set grad(value: Tensor | null) {
    if (value === undefined) value = null;
    if (value !== null) {
      if (!(value instanceof Tensor)) {
        throw new ArgumentError(
          `grad: assigned grad expected to be a Tensor or None but got grad of type ${pythonTypeName(value)} (.grad takes a Tensor or null, got ${describeValue(value)})`,
        );
      }
      if (value === this) throw new AutogradError("grad: can't assign Variable as its own grad");
      if (value.dtype !== this.dtype) {
        throw new DTypeError(`grad: assigned grad has data of a different type (grad ${value.dtype}, tensor ${this.dtype})`);
      }
      // PyTorch's type includes the device (torch.cuda.FloatTensor): same message, after the dtype's.
      if (value.device !== this.device) {
        throw new DTypeError(
          `grad: assigned grad has data of a different type (grad on ${deviceLabel(value.device)}, tensor on ${deviceLabel(this.device)})`,
        );
      }
      if (!shapesEqual(value.shape, this.shape)) {
        throw new ShapeError(
          `grad: assigned grad has data of a different size (grad ${formatShape(value.shape)}, tensor ${formatShape(this.shape)})`,
        );
      }
    }
    this._grad = value;
    if (value !== null) keepReached(value);
  }

  /** Whether `retainGrad()` was called on this non-leaf. */
  get retainsGrad(): boolean {
    return this._retainsGrad;
  }

  /**
   * Keeps the gradient of a non-leaf in `.grad` during backward (leaves
   * always keep theirs).
   *
   * @example
   * ```ts
   * const x = torch.tensor([1, 2], { requiresGrad: true });
   * const y = x.mul(3);
   * y.retainGrad();
   * y.sum().backward();
   * console.log(y.grad); // tensor([1., 1.])
   * ```
   */
  retainGrad(): void {
    if (!this.requiresGrad) throw new AutogradError("can't retain_grad on Tensor that has requires_grad=False");
    const fn = this.gradFn;
    if (fn === null || this._retainsGrad) return;
    this._retainsGrad = true;
    fn._retainGrad(this._outputNr, this);
  }

  /**
   * Registers a function called with this tensor's gradient during backward;
   * returning a tensor (of the same shape and dtype) replaces the gradient,
   * returning undefined or null keeps it. Hooks run in registration order.
   * On one output of an op with several (split, unbind), the hook is also
   * called, with null, when backward reaches the op through another output
   * only (as PyTorch passes None); it may not then return a tensor.
   *
   * @example
   * ```ts
   * const x = torch.tensor([1, 2], { requiresGrad: true });
   * const h = x.registerHook((g) => g.mul(10));
   * x.sum().backward();
   * console.log(x.grad); // tensor([10., 10.])
   * h.remove();
   * ```
   */
  registerHook(hook: Hook): RemovableHandle {
    if (!this.requiresGrad) throw new AutogradError("cannot register a hook on a tensor that doesn't require gradient");
    const fn = this.gradFn;
    const node = fn ?? gradAccumulator(this);
    const nr = fn === null ? 0 : this._outputNr;
    return node._addTensorHook(nr, hook);
  }

  /**
   * A tensor sharing this one's storage (and version counter) that is cut
   * from the graph: it does not require grad.
   *
   * @example
   * ```ts
   * const x = torch.tensor([1, 2], { requiresGrad: true });
   * const u = x.mul(x).detach();
   * console.log(u.requiresGrad); // false
   * ```
   */
  detach(): Tensor {
    return new Tensor(this._storage, this.shape, this._strides, this._offset, this.dtype);
  }

  /** Cuts this tensor from the graph in place: it becomes a leaf that does not require grad. */
  detach_(): this {
    if (this._base !== null) {
      throw new AutogradError(
        "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and hence detach_() cannot be called on these gradients. To fix this error, please refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.",
      );
    }
    this._gradFn = null;
    this._outputNr = 0;
    this._requiresGrad = false;
    return this;
  }
}
