/**
 * Typed errors. Messages start with the op and name the argument and the
 * shapes or dtypes involved; autograd errors reuse PyTorch's wording.
 * docs/errors.md lists the classes, the PyTorch exceptions they stand for
 * and what raises each.
 */

/** Base class of every error Kindling throws. */
export class KindlingError extends Error {
  /** The error's class name, as `e.name` reports it. */
  override name = "KindlingError";
}

/** Shapes that do not fit: broadcasting, matmul sizes, views, gradients (PyTorch: RuntimeError). */
export class ShapeError extends KindlingError {
  /** The error's class name, as `e.name` reports it. */
  override name = "ShapeError";
}

/**
 * A dtype an op cannot take or produce, or a value a dtype cannot hold
 * (NaN into an integer tensor, integer overflow) (PyTorch: RuntimeError / TypeError).
 */
export class DTypeError extends KindlingError {
  /** The error's class name, as `e.name` reports it. */
  override name = "DTypeError";
}

/** A dimension or index out of range (PyTorch: IndexError). */
export class IndexError extends KindlingError {
  /** The error's class name, as `e.name` reports it. */
  override name = "IndexError";
}

/** An argument of the wrong kind or value (PyTorch: ValueError / TypeError / RuntimeError). */
export class ArgumentError extends KindlingError {
  /** The error's class name, as `e.name` reports it. */
  override name = "ArgumentError";
}

/** An autograd rule was broken: backward twice, in-place on a leaf, stale saved tensors (PyTorch: RuntimeError). */
export class AutogradError extends KindlingError {
  /** The error's class name, as `e.name` reports it. */
  override name = "AutogradError";
}

/** `autograd.gradcheck`/`gradgradcheck` found analytical and numerical derivatives that differ (PyTorch: GradcheckError). */
export class GradcheckError extends AutogradError {
  /** The error's class name, as `e.name` reports it. */
  override name = "GradcheckError";
}

/** An allocation the runtime could not make (PyTorch: RuntimeError from its allocator, or OutOfMemoryError). */
export class OutOfMemoryError extends KindlingError {
  /** The error's class name, as `e.name` reports it. */
  override name = "OutOfMemoryError";
}

/** A tensor used after torch.scope or dispose() freed its memory (no PyTorch counterpart: PyTorch frees by reference counting). */
export class FreedTensorError extends KindlingError {
  /** The error's class name, as `e.name` reports it. */
  override name = "FreedTensorError";
}

/**
 * A device problem: tensors on two devices in one op, a device that is not
 * available, a synchronous read of a tensor on the GPU (PyTorch: RuntimeError).
 */
export class DeviceError extends KindlingError {
  /** The error's class name, as `e.name` reports it. */
  override name = "DeviceError";
}
