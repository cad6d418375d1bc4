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

// torch.nn.functional helpers
type Size = number | number[];
const size = (a: Bound, name: string): Size => a.any(name) as Size;
const optSize = (a: Bound, name: string): Size | null => (a.has(name) ? size(a, name) : null);
type Reduction = "none" | "mean" | "sum";
const lossReduction = (a: Bound): Reduction => (a.str("reduction") ?? "mean") as Reduction;

function convOptions(a: Bound): torch.F.ConvOptions {
  const padding = a.any("padding") as torch.F.ConvOptions["padding"];
  return { stride: size(a, "stride"), padding, dilation: size(a, "dilation"), groups: a.num("groups") };
}

const CONV = ["input", "weight", "bias=null", "stride=1", "padding=0", "dilation=1", "groups=1"];
const loss = (f: (x: Tensor, t: Tensor, o: { reduction: Reduction }) => Tensor) =>
  sig(["input", "target", "size_average=null", "reduce=null", 'reduction="mean"'], (a) =>
    f(a.tensor("input"), a.tensor("target"), { reduction: lossReduction(a) }),
  );

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
  div: sig(["input", "other", "rounding_mode=null"], (a) =>
    torch.div(a.tensor("input"), a.tensorLike("other"), { roundingMode: a.str("rounding_mode") as "trunc" | "floor" | undefined }),
  ),
  pow: sig(["input", "exponent"], (a) => {
    const x = a.any("input");
    return typeof x === "number" ? torch.pow(x, a.tensorLike("exponent")) : torch.pow(a.tensor("input"), a.tensorLike("exponent"));
  }),
  where: sig(["condition", "input", "other"], (a) => torch.where(a.tensor("condition"), a.tensorLike("input"), a.tensorLike("other"))),
  clamp: sig(["input", "min=null", "max=null"], (a) => torch.clamp(a.tensor("input"), { min: a.optNum("min"), max: a.optNum("max") })),
  masked_fill: sig(["input", "mask", "value"], (a) =>
    torch.maskedFill(a.tensor("input"), a.tensor("mask"), a.any("value") as number | Tensor),
  ),

  // pointwise
  "F.relu": unary(torch.relu),
  "F.sigmoid": unary(torch.sigmoid),
  "F.tanh": unary(torch.tanh),
  "F.leaky_relu": sig(["input", "negative_slope=0.01", "inplace=false"], (a) =>
    torch.F.leakyRelu(a.tensor("input"), a.num("negative_slope"), { inplace: a.bool("inplace") }),
  ),
  "F.elu": sig(["input", "alpha=1", "inplace=false"], (a) =>
    torch.F.elu(a.tensor("input"), a.num("alpha"), { inplace: a.bool("inplace") }),
  ),
  "F.gelu": sig(["input", 'approximate="none"'], (a) =>
    torch.F.gelu(a.tensor("input"), { approximate: a.str("approximate") as "none" | "tanh" }),
  ),
  "F.silu": sig(["input", "inplace=false"], (a) => torch.F.silu(a.tensor("input"), { inplace: a.bool("inplace") })),
  "F.mish": sig(["input", "inplace=false"], (a) => torch.F.mish(a.tensor("input"), { inplace: a.bool("inplace") })),
  "F.softplus": sig(["input", "beta=1", "threshold=20"], (a) =>
    torch.F.softplus(a.tensor("input"), { beta: a.num("beta"), threshold: a.num("threshold") }),
  ),
  "F.logsigmoid": unary(torch.F.logsigmoid),
  softmax: sig(["input", "dim", "dtype=null"], (a) => torch.softmax(a.tensor("input"), a.num("dim"), { dtype: a.dtype("dtype") })),
  log_softmax: sig(["input", "dim", "dtype=null"], (a) => torch.logSoftmax(a.tensor("input"), a.num("dim"), { dtype: a.dtype("dtype") })),
  "F.softmax": sig(["input", "dim", "dtype=null"], (a) => torch.F.softmax(a.tensor("input"), a.num("dim"), { dtype: a.dtype("dtype") })),
  "F.log_softmax": sig(["input", "dim", "dtype=null"], (a) =>
    torch.F.logSoftmax(a.tensor("input"), a.num("dim"), { dtype: a.dtype("dtype") }),
  ),

  // reductions
  sum: reduction(torch.sum),
  mean: reduction(torch.mean),
  prod: sig(["input", "dim=null", "keepdim=false", "dtype=null"], (a) =>
    torch.prod(a.tensor("input"), a.optNum("dim"), { keepdim: a.bool("keepdim"), dtype: a.dtype("dtype") }),
  ),
  amax: reduction(torch.amax),
  amin: reduction(torch.amin),
  max: sig(["input", "dim=null", "keepdim=false"], (a) => extremum("max", a)),
  min: sig(["input", "dim=null", "keepdim=false"], (a) => extremum("min", a)),
  argmax: sig(["input", "dim=null", "keepdim=false"], (a) =>
    torch.argmax(a.tensor("input"), a.optNum("dim"), { keepdim: a.bool("keepdim") }),
  ),
  argmin: sig(["input", "dim=null", "keepdim=false"], (a) =>
    torch.argmin(a.tensor("input"), a.optNum("dim"), { keepdim: a.bool("keepdim") }),
  ),
  var: sig(["input", "dim=null", "unbiased=true", "keepdim=false", "correction=null"], (a) =>
    torch.var(a.tensor("input"), a.dims("dim"), {
      unbiased: a.bool("unbiased"),
      keepdim: a.bool("keepdim"),
      correction: a.optNum("correction"),
    }),
  ),
  std: sig(["input", "dim=null", "unbiased=true", "keepdim=false", "correction=null"], (a) =>
    torch.std(a.tensor("input"), a.dims("dim"), {
      unbiased: a.bool("unbiased"),
      keepdim: a.bool("keepdim"),
      correction: a.optNum("correction"),
    }),
  ),
  logsumexp: sig(["input", "dim", "keepdim=false"], (a) =>
    torch.logsumexp(a.tensor("input"), a.ints("dim"), { keepdim: a.bool("keepdim") }),
  ),
  cumsum: sig(["input", "dim", "dtype=null"], (a) => torch.cumsum(a.tensor("input"), a.num("dim"), { dtype: a.dtype("dtype") })),
  cumprod: sig(["input", "dim", "dtype=null"], (a) => torch.cumprod(a.tensor("input"), a.num("dim"), { dtype: a.dtype("dtype") })),
  all: reduction(torch.all),
  any: reduction(torch.any),
  maximum: binary((x, y) => torch.maximum(x, y as Tensor)),
  minimum: binary((x, y) => torch.minimum(x, y as Tensor)),
  norm: sig(["input", 'p="fro"', "dim=null", "keepdim=false"], (a) => {
    const p = a.any("p");
    // "inf"/"-inf" are recorded floats; other strings ("fro", bad ones) pass through.
    const order = p === "inf" ? Number.POSITIVE_INFINITY : p === "-inf" ? Number.NEGATIVE_INFINITY : (p as number | "fro");
    return torch.norm(a.tensor("input"), order, a.dims("dim"), { keepdim: a.bool("keepdim") });
  }),

  // linear algebra
  dot: binary((x, y) => torch.dot(x, y as Tensor)),
  mm: binary((x, y) => torch.mm(x, y as Tensor)),
  mv: binary((x, y) => torch.mv(x, y as Tensor)),
  bmm: binary((x, y) => torch.bmm(x, y as Tensor)),
  matmul: binary((x, y) => torch.matmul(x, y as Tensor)),
  outer: binary((x, y) => torch.outer(x, y as Tensor)),

  addmm: sig(["input", "mat1", "mat2", "beta=1", "alpha=1"], (a) =>
    torch.addmm(a.tensor("input"), a.tensor("mat1"), a.tensor("mat2"), { beta: a.num("beta"), alpha: a.num("alpha") }),
  ),
  "F.linear": sig(["input", "weight", "bias=null"], (a) => torch.F.linear(a.tensor("input"), a.tensor("weight"), a.optTensor("bias"))),
  einsum: sig(["equation", "operands"], (a) => torch.einsum(a.str("equation") as string, a.tensors("operands"))),
  diagonal: sig(["input", "offset=0", "dim1=0", "dim2=1"], (a) =>
    torch.diagonal(a.tensor("input"), a.num("offset"), a.num("dim1"), a.num("dim2")),
  ),

  // shape
  cat: sig(["tensors", "dim=0"], (a) => torch.cat(a.tensors("tensors"), a.num("dim"))),
  stack: sig(["tensors", "dim=0"], (a) => torch.stack(a.tensors("tensors"), a.num("dim"))),
  split: sig(["tensor", "split_size_or_sections", "dim=0"], (a) => {
    const size = a.any("split_size_or_sections");
    return torch.split(a.tensor("tensor"), typeof size === "number" ? size : (size as number[]), a.num("dim"));
  }),
  chunk: sig(["input", "chunks", "dim=0"], (a) => torch.chunk(a.tensor("input"), a.num("chunks"), a.num("dim"))),
  unbind: sig(["input", "dim=0"], (a) => torch.unbind(a.tensor("input"), a.num("dim"))),
  flip: sig(["input", "dims"], (a) => torch.flip(a.tensor("input"), a.ints("dims"))),
  sort: sig(["input", "dim=-1", "descending=false", "stable=false"], (a) =>
    torch.sort(a.tensor("input"), a.num("dim"), { descending: a.bool("descending"), stable: a.bool("stable") }),
  ),
  argsort: sig(["input", "dim=-1", "descending=false"], (a) =>
    torch.argsort(a.tensor("input"), a.num("dim"), { descending: a.bool("descending") }),
  ),
  topk: sig(["input", "k", "dim=-1", "largest=true", "sorted=true"], (a) =>
    torch.topk(a.tensor("input"), a.num("k"), a.num("dim"), { largest: a.bool("largest"), sorted: a.bool("sorted") }),
  ),
  kthvalue: sig(["input", "k", "dim=-1", "keepdim=false"], (a) =>
    torch.kthvalue(a.tensor("input"), a.num("k"), a.num("dim"), { keepdim: a.bool("keepdim") }),
  ),
  median: sig(["input", "dim=null", "keepdim=false"], (a) =>
    a.has("dim") ? torch.median(a.tensor("input"), a.num("dim"), { keepdim: a.bool("keepdim") }) : torch.median(a.tensor("input")),
  ),
  nanmedian: sig(["input", "dim=null", "keepdim=false"], (a) =>
    a.has("dim") ? torch.nanmedian(a.tensor("input"), a.num("dim"), { keepdim: a.bool("keepdim") }) : torch.nanmedian(a.tensor("input")),
  ),
  mode: sig(["input", "dim=-1", "keepdim=false"], (a) => torch.mode(a.tensor("input"), a.num("dim"), { keepdim: a.bool("keepdim") })),
  aminmax: sig(["input", "dim=null", "keepdim=false"], (a) =>
    torch.aminmax(a.tensor("input"), { dim: a.optNum("dim"), keepdim: a.bool("keepdim") }),
  ),
  unique: sig(["input", "sorted=true", "return_inverse=false", "return_counts=false", "dim=null"], (a) =>
    torch.unique(a.tensor("input"), {
      sorted: a.bool("sorted"),
      returnInverse: a.bool("return_inverse"),
      returnCounts: a.bool("return_counts"),
      dim: a.optNum("dim"),
    }),
  ),
  unique_consecutive: sig(["input", "return_inverse=false", "return_counts=false", "dim=null"], (a) =>
    torch.uniqueConsecutive(a.tensor("input"), {
      returnInverse: a.bool("return_inverse"),
      returnCounts: a.bool("return_counts"),
      dim: a.optNum("dim"),
    }),
  ),
  searchsorted: sig(["sorted_sequence", "input", "out_int32=false", "right=false", "side=null", "sorter=null"], (a) =>
    torch.searchsorted(a.tensor("sorted_sequence"), a.tensorLike("input") as torch.Tensor | number, {
      outInt32: a.bool("out_int32"),
      right: a.bool("right"),
      side: a.str("side") as "left" | "right" | undefined,
      sorter: a.optTensor("sorter") ?? undefined,
    }),
  ),
  bucketize: sig(["input", "boundaries", "out_int32=false", "right=false"], (a) =>
    torch.bucketize(a.tensorLike("input") as torch.Tensor | number, a.tensor("boundaries"), {
      outInt32: a.bool("out_int32"),
      right: a.bool("right"),
    }),
  ),
  roll: sig(["input", "shifts", "dims=null"], (a) =>
    torch.roll(a.tensor("input"), a.ints("shifts"), a.has("dims") ? a.ints("dims") : null),
  ),
  rot90: sig(["input", "k=1", "dims=[0,1]"], (a) => torch.rot90(a.tensor("input"), a.num("k"), a.ints("dims"))),
  diag: sig(["input", "diagonal=0"], (a) => torch.diag(a.tensor("input"), a.num("diagonal"))),
  nansum: sig(["input", "dim=null", "keepdim=false", "dtype=null"], (a) =>
    torch.nansum(a.tensor("input"), a.dims("dim"), { keepdim: a.bool("keepdim"), dtype: a.dtype("dtype") }),
  ),
  nanmean: sig(["input", "dim=null", "keepdim=false", "dtype=null"], (a) =>
    torch.nanmean(a.tensor("input"), a.dims("dim"), { keepdim: a.bool("keepdim"), dtype: a.dtype("dtype") }),
  ),
  var_mean: sig(["input", "dim=null", "unbiased=true", "keepdim=false"], (a) =>
    torch.varMean(a.tensor("input"), a.dims("dim"), { unbiased: a.bool("unbiased"), keepdim: a.bool("keepdim") }),
  ),
  std_mean: sig(["input", "dim=null", "unbiased=true", "keepdim=false"], (a) =>
    torch.stdMean(a.tensor("input"), a.dims("dim"), { unbiased: a.bool("unbiased"), keepdim: a.bool("keepdim") }),
  ),
  triu_indices: sig(["row", "col", "offset=0"], (a) => torch.triuIndices(a.num("row"), a.num("col"), a.num("offset"))),
  tril_indices: sig(["row", "col", "offset=0"], (a) => torch.trilIndices(a.num("row"), a.num("col"), a.num("offset"))),
  concat: sig(["tensors", "dim=0"], (a) => torch.concat(a.tensors("tensors"), a.num("dim"))),
  concatenate: sig(["tensors", "dim=0"], (a) => torch.concatenate(a.tensors("tensors"), a.num("dim"))),
  movedim: sig(["input", "source", "destination"], (a) => torch.movedim(a.tensor("input"), a.ints("source"), a.ints("destination"))),
  moveaxis: sig(["input", "source", "destination"], (a) => torch.moveaxis(a.tensor("input"), a.ints("source"), a.ints("destination"))),
  unflatten: sig(["input", "dim", "sizes"], (a) => torch.unflatten(a.tensor("input"), a.num("dim"), a.ints("sizes"))),
  meshgrid: sig(["tensors", "indexing=null"], (a) =>
    torch.meshgrid(a.tensors("tensors"), { indexing: (a.str("indexing") ?? "ij") as "ij" | "xy" }),
  ),
  isclose: sig(["input", "other", "rtol=1e-05", "atol=1e-08", "equal_nan=false"], (a) =>
    torch.isclose(a.tensor("input"), a.tensor("other"), { rtol: a.num("rtol"), atol: a.num("atol"), equalNan: a.bool("equal_nan") }),
  ),
  count_nonzero: sig(["input", "dim=null"], (a) => torch.countNonzero(a.tensor("input"), a.dims("dim"))),
  "F.normalize": sig(["input", "p=2.0", "dim=1", "eps=1e-12"], (a) =>
    torch.F.normalize(a.tensor("input"), { p: a.num("p"), dim: a.num("dim"), eps: a.num("eps") }),
  ),
  "F.cosine_similarity": sig(["x1", "x2", "dim=1", "eps=1e-08"], (a) =>
    torch.F.cosineSimilarity(a.tensor("x1"), a.tensor("x2"), { dim: a.num("dim"), eps: a.num("eps") }),
  ),
  "F.one_hot": sig(["tensor", "num_classes=-1"], (a) => torch.F.oneHot(a.tensor("tensor"), a.num("num_classes"))),
  tril: sig(["input", "diagonal=0"], (a) => torch.tril(a.tensor("input"), a.num("diagonal"))),
  triu: sig(["input", "diagonal=0"], (a) => torch.triu(a.tensor("input"), a.num("diagonal"))),
  index_select: sig(["input", "dim", "index"], (a) => torch.indexSelect(a.tensor("input"), a.num("dim"), a.tensor("index"))),
  index_add: sig(["input", "dim", "index", "source", "alpha=1"], (a) =>
    torch.indexAdd(a.tensor("input"), a.num("dim"), a.tensor("index"), a.tensor("source"), { alpha: a.num("alpha") }),
  ),
  gather: sig(["input", "dim", "index"], (a) => torch.gather(a.tensor("input"), a.num("dim"), a.tensor("index"))),
  // torch.scatter(x, dim, index, 2.5) binds the number to the value overload.
  scatter: sig(["input", "dim", "index", "src=null", "value=null"], (a) =>
    torch.scatter(
      a.tensor("input"),
      a.num("dim"),
      a.tensor("index"),
      a.has("src") ? (a.tensorLike("src") as Tensor | number) : a.num("value"),
    ),
  ),
  scatter_add: sig(["input", "dim", "index", "src"], (a) =>
    torch.scatterAdd(a.tensor("input"), a.num("dim"), a.tensor("index"), a.tensor("src")),
  ),
  ".repeat": sig(["self", "sizes"], (a) => a.tensor("self").repeat(a.ints("sizes"))),
  ".flip": sig(["self", "dims"], (a) => a.tensor("self").flip(a.ints("dims"))),
  reshape: sig(["input", "shape"], (a) => torch.reshape(a.tensor("input"), a.ints("shape"))),
  flatten: sig(["input", "start_dim=0", "end_dim=-1"], (a) => torch.flatten(a.tensor("input"), a.num("start_dim"), a.num("end_dim"))),
  transpose: sig(["input", "dim0", "dim1"], (a) => torch.transpose(a.tensor("input"), a.num("dim0"), a.num("dim1"))),
  permute: sig(["input", "dims"], (a) => torch.permute(a.tensor("input"), a.ints("dims"))),
  squeeze: sig(["input", "dim=null"], (a) => torch.squeeze(a.tensor("input"), a.optNum("dim"))),
  unsqueeze: sig(["input", "dim"], (a) => torch.unsqueeze(a.tensor("input"), a.num("dim"))),
  narrow: sig(["input", "dim", "start", "length"], (a) => torch.narrow(a.tensor("input"), a.num("dim"), a.num("start"), a.num("length"))),
  select: sig(["input", "dim", "index"], (a) => torch.select(a.tensor("input"), a.num("dim"), a.num("index"))),

  // torch.nn.functional
  "F.conv1d": sig(CONV, (a) => torch.F.conv1d(a.tensor("input"), a.tensor("weight"), a.optTensor("bias"), convOptions(a))),
  "F.conv2d": sig(CONV, (a) => torch.F.conv2d(a.tensor("input"), a.tensor("weight"), a.optTensor("bias"), convOptions(a))),
  "F.max_pool2d": sig(
    ["input", "kernel_size", "stride=null", "padding=0", "dilation=1", "ceil_mode=false", "return_indices=false"],
    (a) => {
      const options = {
        stride: optSize(a, "stride"),
        padding: size(a, "padding"),
        dilation: size(a, "dilation"),
        ceilMode: a.bool("ceil_mode"),
      };
      const k = size(a, "kernel_size");
      return a.bool("return_indices")
        ? torch.F.maxPool2d(a.tensor("input"), k, { ...options, returnIndices: true })
        : torch.F.maxPool2d(a.tensor("input"), k, options);
    },
  ),
  "F.avg_pool2d": sig(
    ["input", "kernel_size", "stride=null", "padding=0", "ceil_mode=false", "count_include_pad=true", "divisor_override=null"],
    (a) =>
      torch.F.avgPool2d(a.tensor("input"), size(a, "kernel_size"), {
        stride: optSize(a, "stride"),
        padding: size(a, "padding"),
        ceilMode: a.bool("ceil_mode"),
        countIncludePad: a.bool("count_include_pad"),
        divisorOverride: a.optNum("divisor_override") ?? null,
      }),
  ),
  "F.adaptive_avg_pool2d": sig(["input", "output_size"], (a) =>
    torch.F.adaptiveAvgPool2d(a.tensor("input"), a.any("output_size") as number | (number | null)[]),
  ),
  "F.layer_norm": sig(["input", "normalized_shape", "weight=null", "bias=null", "eps=1e-05"], (a) =>
    torch.F.layerNorm(a.tensor("input"), a.ints("normalized_shape"), a.optTensor("weight"), a.optTensor("bias"), { eps: a.num("eps") }),
  ),
  "F.batch_norm": sig(
    ["input", "running_mean", "running_var", "weight=null", "bias=null", "training=false", "momentum=0.1", "eps=1e-05"],
    (a) =>
      torch.F.batchNorm(
        a.tensor("input"),
        a.optTensor("running_mean"),
        a.optTensor("running_var"),
        a.optTensor("weight"),
        a.optTensor("bias"),
        {
          training: a.bool("training"),
          momentum: a.num("momentum"),
          eps: a.num("eps"),
        },
      ),
  ),
  "F.embedding": sig(
    ["input", "weight", "padding_idx=null", "max_norm=null", "norm_type=2.0", "scale_grad_by_freq=false", "sparse=false"],
    (a) =>
      torch.F.embedding(a.tensor("input"), a.tensor("weight"), {
        paddingIdx: a.optNum("padding_idx") ?? null,
        maxNorm: a.optNum("max_norm") ?? null,
        normType: a.num("norm_type"),
        scaleGradByFreq: a.bool("scale_grad_by_freq"),
        sparse: a.bool("sparse"),
      }),
  ),
  "F.dropout": sig(["input", "p=0.5", "training=true", "inplace=false"], (a) =>
    torch.F.dropout(a.tensor("input"), { p: a.num("p"), training: a.bool("training"), inplace: a.bool("inplace") }),
  ),
  "F.mse_loss": loss(torch.F.mseLoss),
  "F.huber_loss": sig(["input", "target", 'reduction="mean"', "delta=1.0"], (a) =>
    torch.F.huberLoss(a.tensor("input"), a.tensor("target"), { reduction: lossReduction(a), delta: a.num("delta") }),
  ),
  "F.kl_div": sig(["input", "target", "size_average=null", "reduce=null", 'reduction="mean"', "log_target=false"], (a) =>
    torch.F.klDiv(a.tensor("input"), a.tensor("target"), {
      reduction: (a.str("reduction") ?? "mean") as torch.F.KlDivReduction,
      logTarget: a.bool("log_target"),
    }),
  ),
  "F.pad": sig(["input", "pad", 'mode="constant"', "value=null"], (a) =>
    torch.F.pad(a.tensor("input"), a.ints("pad"), { mode: a.str("mode") as torch.F.PadMode, value: a.optNum("value") ?? null }),
  ),
  "F.scaled_dot_product_attention": sig(
    ["query", "key", "value", "attn_mask=null", "dropout_p=0.0", "is_causal=false", "scale=null"],
    (a) =>
      torch.F.scaledDotProductAttention(a.tensor("query"), a.tensor("key"), a.tensor("value"), {
        attnMask: a.optTensor("attn_mask"),
        dropoutP: a.num("dropout_p"),
        isCausal: a.bool("is_causal"),
        scale: a.optNum("scale") ?? null,
      }),
  ),
  "F.l1_loss": loss(torch.F.l1Loss),
  "F.smooth_l1_loss": sig(["input", "target", "size_average=null", "reduce=null", 'reduction="mean"', "beta=1.0"], (a) =>
    torch.F.smoothL1Loss(a.tensor("input"), a.tensor("target"), { reduction: lossReduction(a), beta: a.num("beta") }),
  ),
  "F.binary_cross_entropy": sig(["input", "target", "weight=null", "size_average=null", "reduce=null", 'reduction="mean"'], (a) =>
    torch.F.binaryCrossEntropy(a.tensor("input"), a.tensor("target"), { weight: a.optTensor("weight"), reduction: lossReduction(a) }),
  ),
  "F.binary_cross_entropy_with_logits": sig(
    ["input", "target", "weight=null", "size_average=null", "reduce=null", 'reduction="mean"', "pos_weight=null"],
    (a) =>
      torch.F.binaryCrossEntropyWithLogits(a.tensor("input"), a.tensor("target"), {
        weight: a.optTensor("weight"),
        posWeight: a.optTensor("pos_weight"),
        reduction: lossReduction(a),
      }),
  ),
  "F.nll_loss": sig(["input", "target", "weight=null", "size_average=null", "ignore_index=-100", "reduce=null", 'reduction="mean"'], (a) =>
    torch.F.nllLoss(a.tensor("input"), a.tensor("target"), {
      weight: a.optTensor("weight"),
      ignoreIndex: a.num("ignore_index"),
      reduction: lossReduction(a),
    }),
  ),
  "F.cross_entropy": sig(
    ["input", "target", "weight=null", "size_average=null", "ignore_index=-100", "reduce=null", 'reduction="mean"', "label_smoothing=0.0"],
    (a) =>
      torch.F.crossEntropy(a.tensor("input"), a.tensor("target"), {
        weight: a.optTensor("weight"),
        ignoreIndex: a.num("ignore_index"),
        reduction: lossReduction(a),
        labelSmoothing: a.num("label_smoothing"),
      }),
  ),

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

/** torch.max/min: the whole tensor, [values, indices] along a dim, or the elementwise extremum with a tensor. */
function extremum(kind: "max" | "min", a: Bound): unknown {
  const x = a.tensor("input");
  const dim = a.any("dim");
  if (dim instanceof torch.Tensor) return kind === "max" ? torch.maximum(x, dim) : torch.minimum(x, dim);
  if (typeof dim !== "number") return kind === "max" ? torch.max(x) : torch.min(x);
  return kind === "max" ? torch.max(x, dim, { keepdim: a.bool("keepdim") }) : torch.min(x, dim, { keepdim: a.bool("keepdim") });
}

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Ops without an entry are called by their camelCased name, positional
 * arguments as given and keyword arguments as a camelCased options object:
 * `torch.<name>` (or `F.<name>`), or the method `x.<name>` for ".name".
 */
function byName(op: string, args: Value[], kwargs: Record<string, Value>): unknown {
  const options = Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [camel(k), v]));
  const rest = Object.keys(options).length > 0 ? [...args, options] : args;
  if (op.startsWith(".")) {
    const self = args[0];
    const method = self instanceof torch.Tensor ? (self as unknown as Record<string, unknown>)[camel(op.slice(1))] : undefined;
    if (typeof method !== "function") throw new UnsupportedOp(op);
    return (method as (...a: unknown[]) => unknown).apply(self, rest.slice(1));
  }
  const [space, name] = op.startsWith("F.") ? [torch.F as Record<string, unknown>, op.slice(2)] : [torch as Record<string, unknown>, op];
  const fn = space[camel(name)];
  if (typeof fn !== "function") throw new UnsupportedOp(op);
  return (fn as (...a: unknown[]) => unknown)(...rest);
}

/** Binds PyTorch-style arguments to an entry's parameters and calls it. */
export function callOp(op: string, args: Value[], kwargs: Record<string, Value>): unknown {
  const entry = OPS[op];
  if (entry === undefined) return byName(op, args, kwargs);
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
