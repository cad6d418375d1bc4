/**
 * WebGPU compute kernels, the first piece of issue 16's device: float32
 * pointwise ops as WGSL compute shaders over strided operands (the backend
 * boundary's layouts: shape, strides, offset; broadcast operands have stride
 * 0), run on a GPUDevice and diffed against the reference backend in the
 * browser tests (test/browser/webgpu.test.ts).
 *
 * Not yet a backend: tensors do not live on the GPU until the device model
 * lands (NOTES.md, issue 16). Nothing here is exported from the package.
 *
 * One shader per op (compiled once, cached); one uniform buffer per call
 * holds the layout. Dispatches are encoded into one command encoder and
 * submitted together on `flush()` (and before a read), as the device will
 * batch a training step's ops.
 */

/// <reference types="@webgpu/types" />

/** The unary ops the kernels run, with their WGSL expression of `v`. */
const UNARY = {
  neg: "-v",
  abs: "abs(v)",
  exp: "exp(v)",
  log: "log(v)",
  sqrt: "sqrt(v)",
  // v < 0 ? 0 : v, as PyTorch's relu: NaN and -0 pass through.
  relu: "select(v, 0.0, v < 0.0)",
  sigmoid: "1.0 / (1.0 + exp(-v))",
  // tanh from exp(-2|v|), which cannot overflow (WGSL's tanh may, for large |v|, on some drivers).
  tanh: "sign(v) * (1.0 - exp(-2.0 * abs(v))) / (1.0 + exp(-2.0 * abs(v)))",
  sin: "sin(v)",
  cos: "cos(v)",
} as const;

/** The binary ops, with their WGSL expression of `a` and `b`. */
const BINARY = { add: "a + b", sub: "a - b", mul: "a * b", div: "a / b" } as const;

export type GpuUnary = keyof typeof UNARY;
export type GpuBinary = keyof typeof BINARY;

/** The most dims a layout may have (two vec4s of sizes and strides in the uniform). */
export const MAX_DIMS = 8;
const WORKGROUP = 256;
/** WebGPU's limit on workgroups along one dimension of a dispatch. */
const MAX_GROUPS = 65535;

/** A float32 operand on the GPU: its buffer and a layout into it, in elements. */
export interface GpuStrided {
  readonly buffer: GPUBuffer;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

/** The WGSL that reads element `i` (a linear index into `out`'s shape) of an operand with strides `s` and offset `o`. */
const INDEX = `
struct Layout { n: u32, ndim: u32, offA: u32, offB: u32, shape: array<vec4<u32>, 2>, sa: array<vec4<u32>, 2>, sb: array<vec4<u32>, 2> }
@group(0) @binding(0) var<uniform> L: Layout;
// NaN by its bits: WGSL lets compilers assume floats are never NaN, so v != v may fold to false.
fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
fn shapeAt(d: u32) -> u32 { return L.shape[d / 4u][d % 4u]; }
fn strideA(d: u32) -> u32 { return L.sa[d / 4u][d % 4u]; }
fn strideB(d: u32) -> u32 { return L.sb[d / 4u][d % 4u]; }
fn offsets(i: u32) -> vec2<u32> {
  var rem = i;
  var ia = L.offA;
  var ib = L.offB;
  for (var k = 0u; k < L.ndim; k++) {
    let d = L.ndim - 1u - k;
    let size = shapeAt(d);
    let c = rem % size;
    rem = rem / size;
    ia += c * strideA(d);
    ib += c * strideB(d);
  }
  return vec2<u32>(ia, ib);
}
fn linear(id: vec3<u32>, groups: vec3<u32>) -> u32 { return id.x + id.y * groups.x * ${WORKGROUP}u; }
`;

function unaryShader(expr: string): string {
  return `${INDEX}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(${WORKGROUP}) fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = linear(id, groups);
  if (i >= L.n) { return; }
  let v = x[offsets(i).x];
  // NaN in, NaN out, as the reference backend (the shader's arithmetic need not keep it).
  out[i] = select(${expr}, v, isNan(v));
}`;
}

function binaryShader(expr: string): string {
  return `${INDEX}
@group(0) @binding(1) var<storage, read> xa: array<f32>;
@group(0) @binding(2) var<storage, read> xb: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(${WORKGROUP}) fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = linear(id, groups);
  if (i >= L.n) { return; }
  let o = offsets(i);
  let a = xa[o.x];
  let b = xb[o.y];
  out[i] = ${expr};
}`;
}

/** The uniform's bytes: n, ndim, the two offsets, then shape and both operands' strides (8 u32 each). */
function layoutBytes(shape: readonly number[], a: GpuStrided, b: GpuStrided | null): Uint32Array {
  const u = new Uint32Array(4 + 3 * MAX_DIMS);
  u[0] = shape.reduce((p, s) => p * s, 1);
  u[1] = shape.length;
  u[2] = a.offset;
  u[3] = b?.offset ?? 0;
  shape.forEach((s, d) => {
    u[4 + d] = s;
    u[4 + MAX_DIMS + d] = a.strides[d] as number;
    u[4 + 2 * MAX_DIMS + d] = b === null ? 0 : (b.strides[d] as number);
  });
  return u;
}

/** Refuses layouts the shaders cannot index: too many dims, negative strides, shapes other than out's. */
function checkLayout(op: string, out: GpuStrided, operands: readonly GpuStrided[]): void {
  if (out.shape.length > MAX_DIMS) throw new RangeError(`webgpu ${op}: at most ${MAX_DIMS} dims, got ${out.shape.length}`);
  for (const x of [out, ...operands]) {
    if (x.shape.length !== out.shape.length || x.shape.some((s, d) => s !== out.shape[d])) {
      throw new RangeError(
        `webgpu ${op}: operands must be laid out in the output's shape [${out.shape.join(", ")}], got [${x.shape.join(", ")}]`,
      );
    }
    if (x.strides.some((s) => s < 0) || x.offset < 0) throw new RangeError(`webgpu ${op}: negative strides or offsets are not supported`);
  }
}

/** Compiled pipelines and the command encoder being filled, for one GPUDevice. */
export class GpuKernels {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | null = null;
  /** The layout uniforms of the dispatches encoded since the last submit (destroyed once submitted). */
  private uniforms: GPUBuffer[] = [];

  /** The first WebGPU error the device reported since the last read (a shader that did not compile, a bad binding). */
  private failure: string | null = null;

  constructor(readonly device: GPUDevice) {
    // WebGPU reports validation errors asynchronously and otherwise silently (a shader that does not
    // compile leaves its output untouched): they are kept and raised by the next read.
    device.addEventListener("uncapturederror", (e) => {
      this.failure ??= (e as GPUUncapturedErrorEvent).error.message;
    });
  }

  /** Kernels on the first adapter `navigator.gpu` offers, or null without WebGPU (no API, or no adapter). */
  static async create(): Promise<GpuKernels | null> {
    const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    if (gpu === undefined) return null;
    const adapter = await gpu.requestAdapter();
    if (adapter === null) return null;
    return new GpuKernels(await adapter.requestDevice());
  }

  /** A storage buffer holding `data`. */
  upload(data: Float32Array): GPUBuffer {
    const buffer = this.empty(data.length);
    this.device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  }

  /** A storage buffer of `n` floats (zeroed, as WebGPU zeroes new buffers). */
  empty(n: number): GPUBuffer {
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    return this.device.createBuffer({ size: Math.max(4, 4 * n), usage });
  }

  /** The first `n` floats of `buffer`, after every dispatch encoded so far. */
  async read(buffer: GPUBuffer, n: number): Promise<Float32Array> {
    const staging = this.device.createBuffer({ size: Math.max(4, 4 * n), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.commands().copyBufferToBuffer(buffer, 0, staging, 0, Math.max(4, 4 * n));
    this.flush();
    await staging.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(staging.getMappedRange().slice(0, 4 * n));
    staging.unmap();
    staging.destroy();
    // Errors are delivered as events: let any from the work just waited on arrive first.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const failure = this.failure;
    this.failure = null;
    if (failure !== null) throw new Error(`webgpu: the device reported an error in the work before this read: ${failure}`);
    return out;
  }

  /** out = op(x), elementwise, x laid out in out's shape. */
  unary(op: GpuUnary, x: GpuStrided, out: GpuStrided): void {
    checkLayout(op, out, [x]);
    this.dispatch(`u:${op}`, () => unaryShader(UNARY[op]), out, [x]);
  }

  /** out = a op b, elementwise, both laid out in out's shape (broadcast operands: stride 0). */
  binary(op: GpuBinary, a: GpuStrided, b: GpuStrided, out: GpuStrided): void {
    checkLayout(op, out, [a, b]);
    this.dispatch(`b:${op}`, () => binaryShader(BINARY[op]), out, [a, b]);
  }

  /** Submits the dispatches encoded so far. */
  flush(): void {
    if (this.encoder === null) return;
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    // Destroying a buffer that submitted work uses waits for that work to finish.
    for (const u of this.uniforms) u.destroy();
    this.uniforms = [];
  }

  private commands(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private pipeline(key: string, code: () => string): GPUComputePipeline {
    let p = this.pipelines.get(key);
    if (p === undefined) {
      const module = this.device.createShaderModule({ code: code() });
      p = this.device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
      this.pipelines.set(key, p);
    }
    return p;
  }

  /**
   * Encodes one dispatch of the shader `code()` (compiled once per `key`):
   * `uniform`, when given, is bound at binding 0 and `buffers` at the
   * bindings after it, in order; `workgroups` groups run, split into a 2-D
   * grid past WebGPU's 65,535 per dimension (a shader finds its linear group
   * as id.x + id.y * num_workgroups.x * its workgroup size: see `INDEX`'s
   * `linear`). Submitted on `flush()` or a read.
   */
  run(key: string, code: () => string, uniform: Uint32Array | null, buffers: readonly GPUBuffer[], workgroups: number): void {
    if (workgroups === 0) return;
    const bound = [...buffers];
    if (uniform !== null) {
      const u = this.device.createBuffer({ size: uniform.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      this.device.queue.writeBuffer(u, 0, uniform);
      this.uniforms.push(u);
      bound.unshift(u);
    }
    const pipeline = this.pipeline(key, code);
    const group = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: bound.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const pass = this.commands().beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(Math.min(workgroups, MAX_GROUPS), Math.ceil(workgroups / MAX_GROUPS));
    pass.end();
  }

  private dispatch(key: string, code: () => string, out: GpuStrided, operands: readonly GpuStrided[]): void {
    if (out.offset !== 0 || out.strides.some((s, d) => s !== out.shape.slice(d + 1).reduce((p, x) => p * x, 1))) {
      throw new RangeError(`webgpu ${key.slice(2)}: the output must be contiguous from offset 0`);
    }
    const layout = layoutBytes(out.shape, operands[0] as GpuStrided, operands[1] ?? null);
    const n = layout[0] as number;
    this.run(key, code, layout, [...operands.map((x) => x.buffer), out.buffer], Math.ceil(n / WORKGROUP));
  }
}
