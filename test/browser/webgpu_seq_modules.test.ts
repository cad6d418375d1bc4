/**
 * The recurrent, attention and Transformer modules of
 * test/fixtures/rnn_modules.json and test/fixtures/transformer_modules.json on
 * the WebGPU device: each built with PyTorch's seed, moved there with
 * `module.to("webgpu")`, run on inputs (and initial states, masks) there, and
 * its outputs, final states, attention weights and the gradients of every
 * parameter, input and initial state read back and compared with PyTorch's
 * at float32 tolerance. The cases run through the same runners as the CPU
 * tests (test/helpers/rnn_modules.ts, test/helpers/transformer_modules.ts).
 */

import type { Tensor } from "kindling";
import * as torch from "kindling";
import { beforeAll, describe, expect, it } from "vitest";
import { fromJson, type TensorJson } from "../helpers/fixtures.js";
import { buildRnn, type RnnCase, rnnFixture, rnnLabel, runPadCase, runRnnCase } from "../helpers/rnn_modules.js";
import { buildTransformer, runTransformerCase, transformerFixture, transformerLabel } from "../helpers/transformer_modules.js";

beforeAll(async () => {
  expect(await torch.webgpu.init()).toBe(true);
});

/** `actual` is on the device and, read back, within float32 tolerance of the recorded values (infinities exactly). */
async function expectClose(what: string, actual: Tensor | null | undefined, expected: TensorJson, rtol = 1e-3, atol = 1e-4): Promise<void> {
  expect(actual, what).toBeInstanceOf(torch.Tensor);
  const t = actual as Tensor;
  expect([what, t.device, t.shape, t.dtype]).toEqual([what, "webgpu", expected.shape, expected.dtype]);
  const a = await t.toTypedArrayAsync();
  let worst = 0;
  // The recorded values as the dtype holds them (float32 values are written in their shortest form).
  fromJson(expected)
    .toTypedArray()
    .forEach((e, i) => {
      const want = e as number;
      const got = a[i] as number;
      if (!Number.isFinite(want)) expect(got, `${what}[${i}]`).toBe(want);
      else worst = Math.max(worst, Math.abs(got - want) - (atol + rtol * Math.abs(want)));
    });
  expect(worst, `${what}: beyond tolerance by`).toBeLessThanOrEqual(0);
}

const onDevice = (j: TensorJson): Tensor => fromJson(j).to("webgpu");

/** Moves a seeded module to the device and checks that its state went there with PyTorch's initial values, bit for bit. */
async function toDevice<M extends torch.nn.Module>(m: M, init: Record<string, TensorJson>): Promise<M> {
  m.to("webgpu");
  const sd = m.stateDict();
  expect(Object.keys(sd)).toEqual(Object.keys(init));
  for (const [k, t] of Object.entries(init)) {
    expect((sd[k] as Tensor).device, k).toBe("webgpu");
    expect(Array.from(await (sd[k] as Tensor).toTypedArrayAsync()), k).toEqual(Array.from(fromJson(t).toTypedArray()));
  }
  return m;
}

/** float64 does not live on the device: moving a float64 module there is refused, as a float64 tensor is. */
function expectFloat64Refused(m: torch.nn.Module): void {
  expect(() => m.to("webgpu")).toThrow(torch.DTypeError);
  expect(m.parameters().every((p) => p.device === "cpu")).toBe(true);
}

const asJson = (t: Tensor): TensorJson => ({ dtype: t.dtype, shape: [...t.shape], data: Array.from(t.toTypedArray()) });

/**
 * Dropout between recurrent layers draws its mask on the device from the
 * device's own generator (as CUDA's does), so PyTorch's CPU values cannot be
 * expected past the first layer. The first layer's final states come before
 * any dropout and must be PyTorch's; the whole run is reproducible under
 * `manualSeed`; dropout acted (the output is not the eval-mode one); and
 * every parameter gets a gradient.
 */
async function expectDeviceDropout(m: torch.nn.LSTM, c: RnnCase): Promise<void> {
  const run = async (seed: number) => {
    m.zeroGrad({ setToNone: true });
    torch.manualSeed(seed);
    const { outs } = runRnnCase(m, c, onDevice);
    return {
      outs: await Promise.all(outs.map((o) => o.toTypedArrayAsync())),
      grads: await Promise.all(m.parameters().map((p) => p.grad?.toTypedArrayAsync())),
    };
  };
  const { outs } = runRnnCase(m, c, onDevice);
  for (const k of [1, 2])
    await expectClose(
      `layer 0 of output ${k}`,
      (outs[k] as Tensor).select(0, 0),
      asJson(fromJson(c.outputs[k] as TensorJson).select(0, 0)),
    );
  const a = await run(5);
  const b = await run(5);
  expect(b).toEqual(a);
  expect(a.grads.every((g) => g?.every(Number.isFinite))).toBe(true);
  m.eval();
  const evalOut = await (runRnnCase(m, c, onDevice).outs[0] as Tensor).toTypedArrayAsync();
  expect(Array.from(evalOut)).not.toEqual(Array.from(a.outs[0] as Float32Array));
}

describe("recurrent modules on the webgpu device match PyTorch", () => {
  it.each(rnnFixture.cases.map((c, i) => [i, rnnLabel(c), c] as const))("%i %s", async (_, __, c) => {
    torch.manualSeed(0);
    const built = buildRnn(c).train(c.train);
    if (c.input.dtype === "float64") return expectFloat64Refused(built);
    const m = await toDevice(built, c.init);
    if (c.train && Number(c.kwargs.dropout ?? 0) > 0) return expectDeviceDropout(m as torch.nn.LSTM, c);
    const { outs, x, states } = runRnnCase(m, c, onDevice);
    expect(outs.length).toBe(c.outputs.length);
    for (const [k, o] of outs.entries()) await expectClose(`output ${k}`, o, c.outputs[k] as TensorJson);
    await expectClose("input grad", x.grad, c.input_grad);
    expect(states.length).toBe(c.state_grads?.length ?? 0);
    for (const [k, s] of states.entries()) await expectClose(`state ${k} grad`, s.grad, c.state_grads?.[k] as TensorJson);
    const named = m.namedParameters();
    expect(named.map(([n]) => n)).toEqual(Object.keys(c.param_grads));
    for (const [name, p] of named) await expectClose(`${name} grad`, p.grad, c.param_grads[name] as TensorJson);
  });

  it.each(rnnFixture.pad_sequence.map((c, i) => [i, JSON.stringify(c.kwargs), c] as const))("padSequence %i %s", async (_, __, c) => {
    const { out, seqs } = runPadCase(c, onDevice);
    await expectClose("output", out, c.output, 0, 0);
    for (const [k, s] of seqs.entries()) await expectClose(`sequence ${k} grad`, s.grad, c.grads[k] as TensorJson, 0, 0);
  });
});

describe("attention and Transformer modules on the webgpu device match PyTorch", () => {
  it.each(transformerFixture.cases.map((c, i) => [i, transformerLabel(c), c] as const))("%i %s", async (_, __, c) => {
    torch.manualSeed(0);
    const built = buildTransformer(c).train(c.train ?? true);
    if (Object.values(c.inputs).some((t) => t.dtype === "float64")) return expectFloat64Refused(built);
    const m = await toDevice(built, c.init);
    const { out, weights, inputs } = runTransformerCase(m, c, onDevice);
    await expectClose("output", out, c.output);
    if (c.weights !== undefined && c.weights !== null) await expectClose("weights", weights, c.weights);
    else expect(weights).toBe(null);
    for (const [name, g] of Object.entries(c.input_grads)) await expectClose(`grad of ${name}`, inputs[name]?.grad, g);
    const params = Object.fromEntries(m.namedParameters());
    expect(Object.keys(params).filter((n) => params[n]?.grad !== null)).toEqual(Object.keys(c.param_grads));
    for (const [name, g] of Object.entries(c.param_grads)) await expectClose(`grad of ${name}`, params[name]?.grad, g);
  });
});

/** A tiny model with parameters and buffers (BatchNorm's running statistics and its int64 count). */
function tinyModel(): torch.nn.Sequential {
  torch.manualSeed(0);
  return new torch.nn.Sequential(new torch.nn.Linear(3, 4), new torch.nn.BatchNorm1d(4), new torch.nn.Tanh(), new torch.nn.Linear(4, 2));
}

/** Three SGD steps of `model` on a fixed batch (moved to `device`), the last step's gradients left in place. */
function train(model: torch.nn.Module, opt: torch.optim.SGD, device: "cpu" | "webgpu"): void {
  torch.manualSeed(1);
  const x = torch.randn(8, 3).to(device);
  const y = torch.randn(8, 2).to(device);
  for (let step = 0; step < 3; step++) {
    opt.zeroGrad();
    torch.F.mseLoss(model.call(x) as Tensor, y).backward();
    opt.step();
  }
}

/** Every parameter, gradient and buffer of `model` is on the CPU and within float32 tolerance of `twin`'s. */
function expectTwins(model: torch.nn.Module, twin: torch.nn.Module): void {
  const close = (what: string, a: Tensor | null, b: Tensor | null) => {
    expect([what, a?.device, a?.dtype, a?.shape]).toEqual([what, "cpu", b?.dtype, b?.shape]);
    const want = (b as Tensor).toTypedArray();
    (a as Tensor).toTypedArray().forEach((v, i) => {
      expect(Math.abs((v as number) - (want[i] as number)), `${what}[${i}]`).toBeLessThanOrEqual(1e-4 + 1e-3 * Math.abs(want[i] as number));
    });
  };
  const twinParams = twin.namedParameters();
  for (const [k, [name, p]] of model.namedParameters().entries()) {
    close(name, p, (twinParams[k] as [string, Tensor])[1]);
    const twinGrad = (twinParams[k] as [string, Tensor])[1].grad;
    if (p.grad !== null || twinGrad !== null) close(`${name} grad`, p.grad, twinGrad);
  }
  const twinBuffers = twin.namedBuffers();
  for (const [k, [name, b]] of model.namedBuffers().entries()) close(name, b, (twinBuffers[k] as [string, Tensor])[1]);
}

describe("a module back from the device: cpuAsync", () => {
  it("moves the trained parameters, their gradients and the buffers back in place; the optimizer still updates them", async () => {
    const model = tinyModel();
    const twin = tinyModel();
    const params = model.parameters();
    model.to("webgpu");
    const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1 });
    const twinOpt = new torch.optim.SGD(twin.parameters(), { lr: 0.1 });
    train(model, opt, "webgpu");
    train(twin, twinOpt, "cpu");
    expect(model.parameters().every((p) => p.device === "webgpu" && p.grad?.device === "webgpu")).toBe(true);
    expect(await model.cpuAsync()).toBe(model);
    // The same Parameter objects, now on the CPU.
    expect(model.parameters()).toEqual(params);
    for (const [i, p] of model.parameters().entries()) expect(p).toBe(params[i]);
    expectTwins(model, twin);
    expect((model.stateDict()["1.num_batches_tracked"] as Tensor).tolist()).toBe(3);
    // The optimizer made on the device updates the moved parameters, on the CPU.
    opt.step();
    twinOpt.step();
    expectTwins(model, twin);
    // And the module trains on the CPU.
    train(model, opt, "cpu");
    train(twin, twinOpt, "cpu");
    expectTwins(model, twin);
    // A module on the CPU is left as it is.
    expect(await model.cpuAsync()).toBe(model);
    expectTwins(model, twin);
  });

  it("a module that trained on the CPU trains on after moving to the device and back (its leaves' gradient accumulators follow it)", async () => {
    const model = tinyModel();
    const twin = tinyModel();
    const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1 });
    const twinOpt = new torch.optim.SGD(twin.parameters(), { lr: 0.1 });
    train(model, opt, "cpu");
    model.to("webgpu");
    train(model, opt, "webgpu");
    await model.cpuAsync();
    train(model, opt, "cpu");
    for (let i = 0; i < 3; i++) train(twin, twinOpt, "cpu");
    expectTwins(model, twin);
  });

  it("BatchNorm with momentum null (a cumulative average of the batches) trains on the device without reading its count", async () => {
    const twin = new torch.nn.BatchNorm1d(3, { momentum: null });
    const model = new torch.nn.BatchNorm1d(3, { momentum: null }).to("webgpu");
    torch.manualSeed(2);
    for (let step = 0; step < 3; step++) {
      const x = torch.randn(5, 3).mul(step + 1);
      twin.call(x).sum().backward();
      model.call(x.to("webgpu")).sum().backward();
    }
    await model.cpuAsync();
    expectTwins(model, twin);
    expect(model.numBatchesTracked?.item()).toBe(3);
  });

  it("loadStateDict copies a CPU or a device state dict into a device module (into a CPU module, a device one raises)", async () => {
    const model = tinyModel().to("webgpu");
    const other = new torch.nn.Sequential(
      new torch.nn.Linear(3, 4),
      new torch.nn.BatchNorm1d(4),
      new torch.nn.Tanh(),
      new torch.nn.Linear(4, 2),
    );
    torch.noGrad(() => {
      for (const p of other.parameters()) p.fill_(0.5);
    });
    model.loadStateDict(other.stateDict());
    expect(model.parameters().every((p) => p.device === "webgpu")).toBe(true);
    const gpu = tinyModel().to("webgpu");
    gpu.loadStateDict(model.stateDict());
    // Into a CPU module it would read the device synchronously.
    expect(() => tinyModel().loadStateDict(gpu.stateDict())).toThrow("copy_(): this tensor is on the webgpu device");
    await gpu.cpuAsync();
    expectTwins(gpu, other);
  });

  it("an optimizer's state stays where it was made, as in PyTorch: a step after the move raises a DeviceError", async () => {
    const model = tinyModel().to("webgpu");
    const opt = new torch.optim.Adam(model.parameters());
    torch.F.mseLoss(model.call(torch.ones(2, 3, { device: "webgpu" })) as Tensor, torch.zeros(2, 2, { device: "webgpu" })).backward();
    opt.step();
    await model.cpuAsync();
    expect(() => opt.step()).toThrow(torch.DeviceError);
  });

  it("to('cpu') on a device module raises a DeviceError naming cpuAsync and moves nothing", async () => {
    const model = tinyModel().to("webgpu");
    expect(() => model.to("cpu")).toThrow(torch.DeviceError);
    expect(() => model.to("cpu")).toThrow(
      "Module.to(): the module's parameters are on the webgpu device, whose memory JavaScript reads asynchronously: use `await model.cpuAsync()`",
    );
    expect(() => model.to(torch.zeros(1))).toThrow("use `await model.cpuAsync()`");
    expect([...model.parameters(), ...model.buffers()].every((t) => t.device === "webgpu")).toBe(true);
  });

  it("saving a device module's state dict: saveBytes names the way out, saveBytesAsync reads it back", async () => {
    const model = tinyModel().to("webgpu");
    const state = model.stateDict();
    expect(() => torch.saveBytes(state)).toThrow(torch.DeviceError);
    expect(() => torch.saveBytes(state)).toThrow(
      "saveBytes: tensor '0.weight' is on the webgpu device, whose memory JavaScript reads asynchronously: move the model back first with `await model.cpuAsync()`, or save with `await torch.saveBytesAsync(state)`",
    );
    const bytes = await torch.saveBytesAsync(state, { metadata: { format: "pt" } });
    expect(model.parameters().every((p) => p.device === "webgpu")).toBe(true);
    await model.cpuAsync();
    expect(Array.from(bytes)).toEqual(Array.from(torch.saveBytes(model.stateDict(), { metadata: { format: "pt" } })));
    expect(Array.from(bytes)).toEqual(Array.from(torch.saveBytes(tinyModel().stateDict(), { metadata: { format: "pt" } })));
  });
});
