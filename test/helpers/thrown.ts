/** What a call threw, for tests of error classes and messages. */

/** Runs `f` and returns the error it threw; fails the test when it returns. */
export function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error, but the call returned");
}
