/**
 * The autograd playground: runs a small program with `torch` in scope and
 * describes the tensors it returns (value, gradient, grad_fn) and the graph
 * behind them, as PyTorch would print them.
 */
import * as torch from "kindling";

export const DEFAULT_PROGRAM = `// The tutorials' first graph: y = (x + w) * (w + 1)
const x = torch.tensor([2.0], { requiresGrad: true });
const w = torch.tensor([1.0], { requiresGrad: true });
const a = torch.add(w, x);
const b = torch.add(w, 1);
const y = torch.mul(a, b);
y.backward();
return { x, w, a, b, y };`;

export interface TensorRow {
  name: string;
  value: string;
  grad: string;
  gradFn: string;
}

export interface PlaygroundResult {
  rows: TensorRow[];
  graph: string;
}

/** Runs `program` (a function body that returns an object of tensors) and describes what it returned. */
export function runProgram(program: string): PlaygroundResult {
  const fn = new Function("torch", program) as (t: typeof torch) => unknown;
  const out = fn(torch);
  if (out === null || typeof out !== "object") throw new Error("the program must return an object of tensors, e.g. return { x, y };");
  const named = Object.entries(out as Record<string, unknown>).filter((e): e is [string, torch.Tensor] => e[1] instanceof torch.Tensor);
  if (named.length === 0) throw new Error("the program returned no tensors");
  const names = new Map(named.map(([n, t]) => [t, n]));
  const rows = named.map(([name, t]) => ({
    name,
    value: String(t),
    grad: t.isLeaf || t.retainsGrad ? String(t.grad) : "(not a leaf)",
    gradFn: t.gradFn?.name ?? "None",
  }));
  // The graph from each returned tensor that no other returned tensor's graph contains.
  const roots = named.filter(([, t]) => t.gradFn !== null && !named.some(([, u]) => u !== t && reaches(u.gradFn, t.gradFn)));
  const graph = roots.map(([name, t]) => `${name} = ${tree(t.gradFn as torch.Node, names, "")}`).join("\n\n");
  return { rows, graph: graph || "(no tensor has a grad_fn)" };
}

function reaches(from: torch.Node | null, target: torch.Node | null): boolean {
  if (from === null || target === null) return false;
  if (from === target) return true;
  return from.nextFunctions.some(([n]) => reaches(n, target));
}

function label(node: torch.Node, names: Map<torch.Tensor, string>): string {
  if (node instanceof torch.AccumulateGrad) return `AccumulateGrad (${names.get(node.variable) ?? "leaf"})`;
  return node.name;
}

function tree(node: torch.Node, names: Map<torch.Tensor, string>, indent: string): string {
  const next = node.nextFunctions.filter(([n]) => n !== null) as [torch.Node, number][];
  const lines = [label(node, names)];
  next.forEach(([n], i) => {
    const last = i === next.length - 1;
    lines.push(`${indent}${last ? "└─ " : "├─ "}${tree(n, names, `${indent}${last ? "   " : "│  "}`)}`);
  });
  return lines.join("\n");
}
