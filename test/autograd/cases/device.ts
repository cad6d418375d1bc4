/**
 * What the autograd suites of test/autograd/cases/ share to run on either
 * device from one definition: test/autograd/*.test.ts defines them for the
 * CPU, test/browser/webgpu_autograd.test.ts for the WebGPU device (with
 * `torch.setDefaultDevice("webgpu")`, so the tests' factories land there).
 * Values are read asynchronously, as a GPU tensor's must be; a read started
 * without `await` is a snapshot of the values at that point (the device
 * copies them out in order with the kernels queued before it).
 */

import type { Tensor } from "kindling";
import { expect, it } from "vitest";

export type TestDevice = "cpu" | "webgpu";

/** What a suite defined for `device` reads values with, and how it marks the tests that run on the CPU only. */
export interface OnDevice {
  readonly device: TestDevice;
  /** t's elements as numbers (null for null), checking that t is on the suite's device. */
  values(t: Tensor | null | undefined): Promise<number[] | null>;
  /** t's one element, checking that t is on the suite's device. */
  item(t: Tensor | null | undefined): Promise<number>;
  /** `it` on the CPU; on the device a skipped test whose name gives the one-line reason. */
  cpuOnly(reason: string): (name: string, fn: () => unknown) => void;
}

export function onDevice(device: TestDevice): OnDevice {
  const where = (t: Tensor | null | undefined): Tensor | null => {
    if (t === null || t === undefined) return null;
    expect(t.device, "the tensor read is on the suite's device").toBe(device);
    return t;
  };
  return {
    device,
    async values(t) {
      const on = where(t);
      return on === null ? null : Array.from(await on.toTypedArrayAsync(), Number);
    },
    async item(t) {
      const on = where(t);
      if (on === null) throw new Error("item(): expected a tensor, got null");
      return on.itemAsync();
    },
    cpuOnly(reason) {
      if (device === "cpu") return (name, fn) => it(name, fn);
      return (name, fn) => it.skip(`${name} [cpu only: ${reason}]`, fn);
    },
  };
}

/** [label, pending read] pairs, resolved in order (reads started inside hooks, awaited after backward). */
export function settled<K>(pairs: readonly (readonly [K, Promise<number[] | null>])[]): Promise<[K, number[] | null][]> {
  return Promise.all(pairs.map(async ([k, v]): Promise<[K, number[] | null]> => [k, await v]));
}
