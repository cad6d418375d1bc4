/**
 * The WebGPU device's command machinery (issue 16): a GPUDevice with its
 * compiled pipelines and the command encoder being filled. The kernels
 * (pointwise.ts, reduce.ts, matmul.ts, ...) are plain functions that encode
 * their dispatches through `run`; every buffer a shader reads or writes is
 * a GPUBuffer, laid out by the backend boundary's strides (shape, strides,
 * offset in elements; stride 0 broadcasts).
 *
 * One shader per key (compiled once, cached); one uniform buffer per call
 * holds the layout. Dispatches are encoded into one command encoder and
 * submitted together on `flush()` (and before a read), so a training
 * step's ops go to the GPU in few submits.
 */

/// <reference types="@webgpu/types" />

/** The most dims a layout may have (two vec4s of sizes and strides in the uniform). */
export const MAX_DIMS = 8;
/** WebGPU's limit on workgroups along one dimension of a dispatch. */
const MAX_GROUPS = 65535;

/** A float32 operand on the GPU: its buffer and a layout into it, in elements. */
export interface GpuStrided {
  readonly buffer: GPUBuffer;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
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
    return gpu === undefined ? null : GpuKernels.on(gpu);
  }

  /** Kernels on the first adapter `gpu` offers (with its largest buffers), or null when it offers none. */
  static async on(gpu: GPU): Promise<GpuKernels | null> {
    const adapter = await gpu.requestAdapter();
    if (adapter === null) return null;
    const { maxBufferSize, maxStorageBufferBindingSize } = adapter.limits;
    return new GpuKernels(await adapter.requestDevice({ requiredLimits: { maxBufferSize, maxStorageBufferBindingSize } }));
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
    return new Float32Array(await this.readBytes(buffer, 4 * n));
  }

  /**
   * The first `bytes` bytes of `buffer` (a multiple of 4), after every
   * dispatch encoded so far; raises the first error the device reported
   * since the last read.
   */
  async readBytes(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    const size = Math.max(4, bytes);
    const staging = this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.commands().copyBufferToBuffer(buffer, 0, staging, 0, size);
    this.flush();
    await staging.mapAsync(GPUMapMode.READ);
    const out = staging.getMappedRange().slice(0, bytes);
    staging.unmap();
    staging.destroy();
    // Errors are delivered as events: let any from the work just waited on arrive first.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const failure = this.failure;
    this.failure = null;
    if (failure !== null) throw new Error(`webgpu: the device reported an error in the work before this read: ${failure}`);
    return out;
  }

  /** Zeroes the first `bytes` bytes (a multiple of 4) of `buffer`, in order with the dispatches encoded around it. */
  clear(buffer: GPUBuffer, bytes: number): void {
    if (bytes > 0) this.commands().clearBuffer(buffer, 0, bytes);
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
   * as id.x + id.y * num_workgroups.x * its workgroup size: see layout.ts's
   * `ENTRY_WGSL`). Submitted on `flush()` or a read.
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
}
