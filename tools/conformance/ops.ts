/**
 * The one table mapping PyTorch's op names (as corpora write them) to
 * Kindling calls. Each entry declares PyTorch's parameter list, so
 * positional and keyword arguments bind as in Python.
 */

import type { DType, IndexItem, Tensor } from "kindling";
import * as torch from "kindling";

/** A resolved argument: tensors, numbers, strings, index items, lists of them. */
export type Value = Tensor | number | boolean | string | null | undefined | IndexItem | Value[];

/** Arguments bound to PyTorch's parameter names. */
export class Bound {
  constructor(
    private readonly values: Map<string, Value>,
    private readonly op: string,
  ) {}

  has(name: string): boolean {
    const v = this.values.get(name);
    return v !== undefined && v !== null;
  }

  any(name: string): Value {
    return this.values.get(name);
  }

  tensor(name: string): Tensor {
    const v = this.values.get(name);
    if (!(v instanceof torch.Tensor)) throw new Error(`${this.op}: argument '${name}' must be a tensor`);
    return v;
  }

  optTensor(name: string): Tensor | null {
    return this.has(name) ? this.tensor(name) : null;
  }

  tensors(name: string): Tensor[] {
    const v = this.values.get(name);
    if (!Array.isArray(v)) throw new Error(`${this.op}: argument '${name}' must be a list of tensors`);
    return v as Tensor[];
  }

  tensorLike(name: string): torch.TensorLike {
    const v = this.values.get(name);
    if (v instanceof torch.Tensor || typeof v === "number" || typeof v === "boolean") return v;
    throw new Error(`${this.op}: argument '${name}' must be a tensor or a number`);
  }

  num(name: string): number {
    const v = this.values.get(name);
    if (typeof v !== "number") throw new Error(`${this.op}: argument '${name}' must be a number`);
    return v;
  }

  optNum(name: string): number | undefined {
    return this.has(name) ? this.num(name) : undefined;
  }

  bool(name: string): boolean {
    return this.values.get(name) === true;
  }

  str(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === "string" ? v : undefined;
  }

  ints(name: string): number[] {
    const v = this.values.get(name);
    if (typeof v === "number") return [v];
    if (!Array.isArray(v)) throw new Error(`${this.op}: argument '${name}' must be a list of ints`);
    return v as number[];
  }

  /** An int or a list of ints, or undefined (PyTorch's `dim=None`). */
  dims(name: string): number | number[] | undefined {
    const v = this.values.get(name);
    if (v === null || v === undefined) return undefined;
    return typeof v === "number" ? v : (v as number[]);
  }

  dtype(name: string): DType | undefined {
    const v = this.str(name);
    return v === undefined ? undefined : (v.replace(/^torch\./, "") as DType);
  }
}

export type Impl = (a: Bound) => unknown;

interface Entry {
  params: { name: string; dflt: Value }[];
  impl: Impl;
}

/** An entry: PyTorch's parameters ("name" or "name=default", JSON defaults) and the Kindling call. */
function sig(params: string[], impl: Impl): Entry {
  return {
    params: params.map((p) => {
      const [name, dflt] = p.split("=") as [string, string | undefined];
      return { name, dflt: dflt === undefined ? undefined : (JSON.parse(dflt) as Value) };
    }),
    impl,
  };
}

const unary = (f: (x: Tensor) => Tensor) => sig(["input"], (a) => f(a.tensor("input")));
const binary = (f: (x: Tensor, y: torch.TensorLike) => Tensor) =>
  sig(["input", "other"], (a) => f(a.tensor("input"), a.tensorLike("other")));
const reduction = (f: (x: Tensor, dim: number | number[] | undefined, o: { keepdim: boolean }) => Tensor) =>
  sig(["input", "dim=null", "keepdim=false"], (a) => f(a.tensor("input"), a.dims("dim"), { keepdim: a.bool("keepdim") }));
const shapeArgs = (a: Bound, name: string): number[] => a.ints(name);

export const OPS: Record<string, Entry> = {
  // creation
  ones: sig(["size", "dtype=null", "requires_grad=false"], (a) =>
    torch.ones(shapeArgs(a, "size"), { dtype: a.dtype("dtype"), requiresGrad: a.bool("requires_grad") }),
  ),
  zeros: sig(["size", "dtype=null", "requires_grad=false"], (a) =>
    torch.zeros(shapeArgs(a, "size"), { dtype: a.dtype("dtype"), requiresGrad: a.bool("requires_grad") }),
  ),
  ones_like: sig(["input", "dtype=null"], (a) => torch.onesLike(a.tensor("input"), { dtype: a.dtype("dtype") })),
  zeros_like: sig(["input", "dtype=null"], (a) => torch.zerosLike(a.tensor("input"), { dtype: a.dtype("dtype") })),

  // arithmetic
  add: sig(["input", "other", "alpha=1"], (a) => torch.add(a.tensor("input"), a.tensorLike("other"), { alpha: a.num("alpha") })),
  sub: sig(["input", "other", "alpha=1"], (a) => torch.sub(a.tensor("input"), a.tensorLike("other"), { alpha: a.num("alpha") })),
  rsub: sig(["input", "other", "alpha=1"], (a) => torch.rsub(a.tensor("input"), a.tensorLike("other"), { alpha: a.num("alpha") })),
  mul: binary(torch.mul),
  div: sig(["input", "other", "rounding_mode=null"], (a) =>
    torch.div(a.tensor("input"), a.tensorLike("other"), { roundingMode: a.str("rounding_mode") as "trunc" | "floor" | undefined }),
  ),
  pow: sig(["input", "exponent"], (a) => {
    const x = a.any("input");
    return typeof x === "number" ? torch.pow(x, a.tensorLike("exponent")) : torch.pow(a.tensor("input"), a.tensorLike("exponent"));
  }),
  eq: binary(torch.eq),
  ne: binary(torch.ne),
  lt: binary(torch.lt),
  le: binary(torch.le),
  gt: binary(torch.gt),
  ge: binary(torch.ge),
  logical_and: binary(torch.logicalAnd),
  logical_or: binary(torch.logicalOr),
  logical_xor: binary(torch.logicalXor),
  logical_not: unary(torch.logicalNot),
  where: sig(["condition", "input", "other"], (a) => torch.where(a.tensor("condition"), a.tensorLike("input"), a.tensorLike("other"))),
  clamp: sig(["input", "min=null", "max=null"], (a) => torch.clamp(a.tensor("input"), { min: a.optNum("min"), max: a.optNum("max") })),
  masked_fill: sig(["input", "mask", "value"], (a) => torch.maskedFill(a.tensor("input"), a.tensor("mask"), a.num("value"))),

  // pointwise
  neg: unary(torch.neg),
  exp: unary(torch.exp),
  log: unary(torch.log),
  log1p: unary(torch.log1p),
  expm1: unary(torch.expm1),
  sqrt: unary(torch.sqrt),
  rsqrt: unary(torch.rsqrt),
  abs: unary(torch.abs),
  sin: unary(torch.sin),
  cos: unary(torch.cos),
  tan: unary(torch.tan),
  asin: unary(torch.asin),
  acos: unary(torch.acos),
  atan: unary(torch.atan),
  sinh: unary(torch.sinh),
  cosh: unary(torch.cosh),
  tanh: unary(torch.tanh),
  sigmoid: unary(torch.sigmoid),
  relu: unary(torch.relu),
  reciprocal: unary(torch.reciprocal),
  erf: unary(torch.erf),
  erfc: unary(torch.erfc),
  sign: unary(torch.sign),
  floor: unary(torch.floor),
  ceil: unary(torch.ceil),
  round: unary(torch.round),
  trunc: unary(torch.trunc),
  frac: unary(torch.frac),
  isnan: unary(torch.isnan),
  isinf: unary(torch.isinf),
  isfinite: unary(torch.isfinite),
  "F.relu": unary(torch.relu),

  // reductions
  sum: reduction(torch.sum),
  mean: reduction(torch.mean),
  norm: sig(["input", 'p="fro"', "dim=null", "keepdim=false"], (a) => {
    const p = a.any("p");
    return torch.norm(a.tensor("input"), typeof p === "number" ? p : "fro", a.dims("dim"), { keepdim: a.bool("keepdim") });
  }),

  // linear algebra
  dot: binary((x, y) => torch.dot(x, y as Tensor)),
  mm: binary((x, y) => torch.mm(x, y as Tensor)),
  mv: binary((x, y) => torch.mv(x, y as Tensor)),
  bmm: binary((x, y) => torch.bmm(x, y as Tensor)),
  matmul: binary((x, y) => torch.matmul(x, y as Tensor)),
  outer: binary((x, y) => torch.outer(x, y as Tensor)),

  // shape
  cat: sig(["tensors", "dim=0"], (a) => torch.cat(a.tensors("tensors"), a.num("dim"))),
  reshape: sig(["input", "shape"], (a) => torch.reshape(a.tensor("input"), a.ints("shape"))),
  flatten: sig(["input", "start_dim=0", "end_dim=-1"], (a) => torch.flatten(a.tensor("input"), a.num("start_dim"), a.num("end_dim"))),
  transpose: sig(["input", "dim0", "dim1"], (a) => torch.transpose(a.tensor("input"), a.num("dim0"), a.num("dim1"))),
  t: unary(torch.t),
  permute: sig(["input", "dims"], (a) => torch.permute(a.tensor("input"), a.ints("dims"))),
  squeeze: sig(["input", "dim=null"], (a) => torch.squeeze(a.tensor("input"), a.optNum("dim"))),
  unsqueeze: sig(["input", "dim"], (a) => torch.unsqueeze(a.tensor("input"), a.num("dim"))),
  narrow: sig(["input", "dim", "start", "length"], (a) => torch.narrow(a.tensor("input"), a.num("dim"), a.num("start"), a.num("length"))),
  select: sig(["input", "dim", "index"], (a) => torch.select(a.tensor("input"), a.num("dim"), a.num("index"))),
  clone: unary(torch.clone),

  // Tensor methods
  ".view": sig(["self", "shape"], (a) => a.tensor("self").view(a.ints("shape"))),
  ".reshape": sig(["self", "shape"], (a) => a.tensor("self").reshape(a.ints("shape"))),
  ".expand": sig(["self", "size"], (a) => a.tensor("self").expand(a.ints("size"))),
  ".t": sig(["self"], (a) => a.tensor("self").t()),
  ".clone": sig(["self"], (a) => a.tensor("self").clone()),
  ".contiguous": sig(["self"], (a) => a.tensor("self").contiguous()),
  ".detach": sig(["self"], (a) => a.tensor("self").detach()),
  ".item": sig(["self"], (a) => a.tensor("self").item()),
  ".float": sig(["self"], (a) => a.tensor("self").float()),
  ".double": sig(["self"], (a) => a.tensor("self").double()),
  ".long": sig(["self"], (a) => a.tensor("self").long()),
  ".retain_grad": sig(["self"], (a) => a.tensor("self").retainGrad()),
  ".requires_grad_": sig(["self", "requires_grad=true"], (a) => a.tensor("self").requiresGrad_(a.bool("requires_grad"))),
  ".grad": sig(["self"], (a) => a.tensor("self").grad),
  ".add_": sig(["self", "other", "alpha=1"], (a) => a.tensor("self").add_(a.tensorLike("other"), { alpha: a.num("alpha") })),
  ".sub_": sig(["self", "other", "alpha=1"], (a) => a.tensor("self").sub_(a.tensorLike("other"), { alpha: a.num("alpha") })),
  ".mul_": sig(["self", "other"], (a) => a.tensor("self").mul_(a.tensorLike("other"))),
  ".div_": sig(["self", "other"], (a) => a.tensor("self").div_(a.tensorLike("other"))),
  ".zero_": sig(["self"], (a) => a.tensor("self").zero_()),
  ".fill_": sig(["self", "value"], (a) => a.tensor("self").fill_(a.num("value"))),
  ".copy_": sig(["self", "src"], (a) => a.tensor("self").copy_(a.tensor("src"))),
  ".clamp_": sig(["self", "min=null", "max=null"], (a) => a.tensor("self").clamp_({ min: a.optNum("min"), max: a.optNum("max") })),
  ".__getitem__": sig(["self", "index"], (a) => {
    const idx = a.any("index");
    const items = (Array.isArray(idx) ? idx : [idx]) as IndexItem[];
    return a.tensor("self").index(...items);
  }),
  ".__setitem__": sig(["self", "index", "value"], (a) => {
    const idx = a.any("index");
    const items = (Array.isArray(idx) ? idx : [idx]) as IndexItem[];
    return a.tensor("self").indexPut_(items, a.tensorLike("value"));
  }),
  ".backward": sig(["self", "gradient=null", "retain_graph=null", "create_graph=false", "inputs=null"], (a) => {
    const inputs = a.any("inputs");
    a.tensor("self").backward(a.optTensor("gradient"), {
      retainGraph: (a.any("retain_graph") as boolean | null) ?? undefined,
      createGraph: a.bool("create_graph"),
      inputs: inputs === null || inputs === undefined ? undefined : (inputs as Tensor[]),
    });
  }),
  "autograd.grad": sig(["outputs", "inputs", "grad_outputs=null", "retain_graph=null", "create_graph=false", "allow_unused=false"], (a) =>
    torch.autograd.grad(a.tensors("outputs"), a.tensors("inputs"), {
      gradOutputs: (a.any("grad_outputs") as (Tensor | null)[] | null) ?? undefined,
      retainGraph: (a.any("retain_graph") as boolean | null) ?? undefined,
      createGraph: a.bool("create_graph"),
      allowUnused: a.bool("allow_unused"),
    }),
  ),
};

/** Binds PyTorch-style arguments to an entry's parameters and calls it. */
export function callOp(op: string, args: Value[], kwargs: Record<string, Value>): unknown {
  const entry = OPS[op];
  if (entry === undefined) throw new UnsupportedOp(op);
  const values = new Map<string, Value>();
  entry.params.forEach((p, i) => {
    values.set(p.name, i < args.length ? args[i] : p.dflt);
  });
  if (args.length > entry.params.length) throw new Error(`${op}: takes ${entry.params.length} arguments but ${args.length} were given`);
  for (const [k, v] of Object.entries(kwargs)) {
    if (!entry.params.some((p) => p.name === k)) throw new Error(`${op}: unexpected keyword argument '${k}'`);
    values.set(k, v);
  }
  return entry.impl(new Bound(values, op));
}

export class UnsupportedOp extends Error {
  constructor(readonly op: string) {
    super(`unsupported op ${op}`);
  }
}
