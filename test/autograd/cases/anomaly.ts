/**
 * Anomaly detection (torch.autograd.detectAnomaly / setDetectAnomaly): the
 * scenarios are scripts/record/autograd_extend.py's, replayed against what
 * PyTorch 1.13 recorded; the forward stack a failing node prints is checked
 * here (PyTorch prints it as a warning, Kindling with console.warn).
 */

import * as torch from "kindling";
import { afterEach, describe, expect, it, vi } from "vitest";
import { expectScenarioAsync, type Recorder, recordedScenarios, recorder } from "../../helpers/scenarios.js";
import { onDevice, type TestDevice } from "./device.js";

const leaf = (values: number[]) => torch.tensor(values, { requiresGrad: true });

const scenarios: Record<string, (rec: Recorder) => void | Promise<void>> = {
  anomaly_modes(rec) {
    rec(torch.isAnomalyEnabled());
    torch.autograd.detectAnomaly(() => rec(torch.isAnomalyEnabled(), torch.isAnomalyCheckNanEnabled()));
    rec(torch.isAnomalyEnabled());
    torch.autograd.setDetectAnomaly(true, false);
    rec(torch.isAnomalyEnabled(), torch.isAnomalyCheckNanEnabled());
    torch.autograd.setDetectAnomaly(false);
    rec(torch.isAnomalyEnabled(), torch.isAnomalyCheckNanEnabled());
  },

  anomaly_errors(rec) {
    const x = leaf([1, 0]);
    const a = leaf([0, 1]);
    const b = leaf([0, 2]);
    torch.autograd.detectAnomaly(() => {
      rec.run(() => torch.tensor([1, 0]).div(x).sum().backward());
      rec.run(() => a.div(b).sum().backward());
      rec.run(() => x.mul(1).backward(torch.tensor([Number.NaN, 1])));
      const c = x.mul(2);
      const d = c.sin();
      c.add_(1);
      rec.run(() => d.sum().backward());
      rec.run(() => x.sqrt().sum().backward());
      rec(x.grad);
    });
    x.grad = null;
    torch.autograd.detectAnomaly(
      () => {
        torch.tensor([1, 0]).div(x).sum().backward();
        rec(x.grad);
      },
      { checkNan: false },
    );
    const c = x.mul(2);
    const d = c.sin();
    c.add_(1);
    rec.run(() => d.sum().backward());
  },
};

/** Anomaly detection, on `device`. */
export function anomalyTests(device: TestDevice): void {
  const { values, cpuOnly } = onDevice(device);
  const nanCheck = cpuOnly("anomaly mode's NaN check is a device-side assert there, raised at the next read (webgpu_autograd.test.ts)");
  describe("anomaly detection: PyTorch's recorded scenarios", () => {
    afterEach(() => {
      vi.restoreAllMocks();
      torch.autograd.setDetectAnomaly(false);
    });

    it("has every recorded scenario written here", async () => {
      expect(Object.keys(scenarios).sort()).toEqual(recordedScenarios("anomaly_").sort());
    });
    for (const [name, run] of Object.entries(scenarios)) {
      (name === "anomaly_errors" ? nanCheck : it)(name, async () => {
        vi.spyOn(console, "warn").mockImplementation(() => {});
        const rec = recorder();
        await run(rec);
        await expectScenarioAsync(name, rec);
      });
    }
  });

  describe("anomaly detection: the forward stack", () => {
    afterEach(() => {
      vi.restoreAllMocks();
      torch.autograd.setDetectAnomaly(false);
    });

    nanCheck("prints where the failing node was made, naming this file, before the error propagates", () => {
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      const x = leaf([1, 0]);
      const y = torch.autograd.detectAnomaly(() => torch.tensor([1, 0]).div(x));
      expect(warn.mock.calls[0]?.[0]).toMatch(/^Anomaly Detection has been enabled/);
      // The node was made in anomaly mode: its stack is kept even if backward runs with the mode turned on later.
      torch.autograd.setDetectAnomaly(true);
      expect(() => y.sum().backward()).toThrow("Function 'DivBackward0' returned nan values in its 1th output.");
      const report = String(warn.mock.calls.at(-1)?.[0]);
      expect(report).toMatch(/^Error detected in DivBackward0\. Traceback of forward call that caused the error:\n/);
      expect(report).toContain("cases/anomaly.ts");
      // Kindling's own frames are left out.
      expect(report).not.toMatch(/src\/ops\/define\.ts/);
    });

    it("prints it for an error a custom Function's backward throws, and rethrows that error", async () => {
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      class Boom extends torch.autograd.Function {
        static override forward(_ctx: torch.autograd.FunctionCtx, x: torch.Tensor): torch.Tensor {
          return x.mul(1);
        }
        static override backward(): never {
          throw new RangeError("boom");
        }
      }
      const x = leaf([1, 2]);
      // Without the NaN check, which the device refuses: the stack is printed for any error.
      torch.autograd.detectAnomaly(
        () => {
          expect(() => Boom.apply(x).sum().backward()).toThrow(RangeError);
        },
        { checkNan: false },
      );
      expect(String(warn.mock.calls.at(-1)?.[0])).toMatch(/^Error detected in BoomBackward\./);
    });

    it("records nothing, and checks nothing, when off", async () => {
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      const x = leaf([1, 0]);
      torch.tensor([1, 0]).div(x).sum().backward();
      expect(Number.isNaN((await values(x.grad))?.[1])).toBe(true);
      expect(warn).not.toHaveBeenCalled();
    });
  });
}
