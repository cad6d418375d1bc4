/**
 * Tensor names and metadata keys that name Object.prototype members
 * (`constructor`, `toString`, `__proto__`) are ordinary names in safetensors
 * files, and a state dict given as a Map or an array is refused rather than
 * saved as an empty or index-named file.
 */

import * as torch from "kindling";
import { describe, expect, it } from "vitest";

const { serialization } = torch;
const NAMES = ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"];

/** An object with own keys `NAMES` (built with defineProperty: `obj.__proto__ = x` would set the prototype). */
function own<T>(value: (i: number) => T): Record<string, T> {
  const out: Record<string, T> = {};
  NAMES.forEach((name, i) => {
    Object.defineProperty(out, name, { value: value(i), enumerable: true, configurable: true, writable: true });
  });
  return out;
}

describe("names of Object.prototype members", () => {
  it("round-trip as tensor names and metadata keys", () => {
    const bytes = serialization.serialize(
      own((i) => torch.full([2], i)),
      own((i) => `v${i}`),
    );
    const { tensors, metadata } = serialization.deserialize(bytes);
    expect(Object.keys(tensors).sort()).toEqual([...NAMES].sort());
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    NAMES.forEach((name, i) => {
      expect(Object.getOwnPropertyDescriptor(tensors, name)?.value.tolist(), name).toEqual([i, i]);
      expect(Object.getOwnPropertyDescriptor(metadata, name)?.value, name).toBe(`v${i}`);
    });
  });

  it("load into a module's state dict check as own keys", () => {
    const m = new torch.nn.Linear(2, 1);
    const state = { ...m.stateDict(), ...own(() => torch.zeros(1)) };
    const loaded = torch.loadBytes(torch.saveBytes(state));
    expect(() => m.loadStateDict(loaded)).toThrow('Unexpected key(s) in state_dict: "__proto__", "constructor", "hasOwnProperty"');
    expect(m.loadStateDict(loaded, { strict: false }).unexpectedKeys.sort()).toEqual([...NAMES].sort());
  });
});

describe("state dicts that are not plain objects", () => {
  it("a Map, an array or a Tensor is refused with what it is", () => {
    const cases: [unknown, string][] = [
      [new Map([["w", torch.ones(1)]]), "got a Map (pass a plain object: Object.fromEntries(map))"],
      [[torch.ones(1)], "got an array (name the tensors: { name: tensor })"],
      [torch.ones(1), "got a Tensor"],
      [null, "got null"],
      [new (class Weights {})(), "got a Weights"],
    ];
    for (const [arg, message] of cases) {
      expect(() => torch.saveBytes(arg as never)).toThrow(torch.ArgumentError);
      expect(() => torch.saveBytes(arg as never)).toThrow(`saveBytes: expected an object mapping names to tensors, ${message}`);
    }
    expect(torch.loadBytes(torch.saveBytes({}, null as never))).toEqual({});
    expect(() => torch.saveBytes({}, "x" as never)).toThrow("saveBytes(): expected an options object { metadata }, got a string");
    expect(() => torch.saveBytes({}, { meta: {} } as never)).toThrow("saveBytes() got an unexpected keyword argument 'meta'");
    expect(() => torch.saveBytes({ w: torch.ones(1) }, { metadata: new Map() as never })).toThrow(
      "saveBytes: metadata must be an object of strings, got a Map",
    );
  });
});
