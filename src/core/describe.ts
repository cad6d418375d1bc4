/** Names of JavaScript values in error messages. */

/** How a JS value is named in an error: `a number (5)`, `an array`, `null`, `a Module`, ... */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return "an array";
  switch (typeof v) {
    case "number":
    case "bigint":
    case "boolean":
      return `a ${typeof v} (${String(v)})`;
    case "string":
      return `a string (${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v)})`;
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    default: {
      const name = (v as object).constructor?.name;
      if (typeof name !== "string" || name === "" || name === "Object") return "an object";
      return /^[AEIOU]/.test(name) ? `an ${name}` : `a ${name}`;
    }
  }
}

/**
 * The Python type PyTorch would name for a value in its messages (`int`,
 * `float`, `str`, `list`, `NoneType`, a class name), to quote its wording.
 */
export function pythonTypeName(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "bigint") return "int";
  if (typeof v === "string") return "str";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "list";
  if (typeof v === "function") return "function";
  if (typeof v !== "object") return typeof v;
  const name = (v as object).constructor?.name;
  return typeof name === "string" && name !== "" && name !== "Object" ? name : "dict";
}

/** A Python (snake_case) name as Kindling spells it: `requires_grad` -> `requiresGrad`, `log_softmax` -> `logSoftmax`. */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
