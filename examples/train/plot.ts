// A tiny SVG plotter for the training examples: scatter points, lines, axes with ticks, a title and a
// legend, written as a string (no plotting dependency). Each scattered point is one <circle> and each
// line one <path>; axes, ticks, grid and line swatches are <line>s and the rest <rect>s, so a test can count
// what a picture holds.

export type Point = readonly [number, number];

export interface PlotOptions {
  /** Size in pixels (default 640 x 480). */
  width?: number;
  height?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Axis ranges (default: the data's, padded by 5 %). */
  xRange?: readonly [number, number];
  yRange?: readonly [number, number];
}

export interface ScatterStyle {
  color?: string;
  radius?: number;
  label?: string;
}

export interface LineStyle {
  color?: string;
  width?: number;
  /** An SVG stroke-dasharray, e.g. "6 4". */
  dash?: string;
  label?: string;
}

type Mark =
  | { kind: "scatter"; points: readonly Point[]; color: string; style: ScatterStyle }
  | { kind: "line"; points: readonly Point[]; color: string; style: LineStyle };

/** matplotlib's first colours. */
export const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"] as const;

const MARGIN = { left: 64, right: 24, top: 44, bottom: 52 };

/** Escapes text for XML content and attribute values. */
function xml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A coordinate with at most two decimals. */
function px(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** The data range of some values, padded by 5 % (a single value gets a unit-wide range). */
function paddedRange(values: number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** About `count` round tick values (steps of 1, 2 or 5 times a power of ten) inside [lo, hi], with their labels. */
export function ticks(lo: number, hi: number, count = 6): { value: number; label: string }[] {
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const out: { value: number; label: string }[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) {
    const value = Math.abs(i) < 0.5 ? 0 : i * step; // 0, not -0
    out.push({ value, label: value.toFixed(decimals) });
  }
  return out;
}

/** A plot built mark by mark, then rendered with `toSvg()`. */
export class Plot {
  private readonly marks: Mark[] = [];

  constructor(private readonly options: PlotOptions = {}) {}

  /** Points drawn as circles. */
  scatter(points: readonly Point[], style: ScatterStyle = {}): this {
    this.marks.push({ kind: "scatter", points, color: style.color ?? this.nextColor(), style });
    return this;
  }

  /** A polyline through the points (clipped to the plot area). */
  line(points: readonly Point[], style: LineStyle = {}): this {
    this.marks.push({ kind: "line", points, color: style.color ?? this.nextColor(), style });
    return this;
  }

  private nextColor(): string {
    return COLORS[this.marks.length % COLORS.length] as string;
  }

  /** The SVG document. */
  toSvg(): string {
    const { width = 640, height = 480, title, xLabel, yLabel } = this.options;
    const all = this.marks.flatMap((m) => m.points);
    const [x0, x1] = this.options.xRange ?? paddedRange(all.map((p) => p[0]));
    const [y0, y1] = this.options.yRange ?? paddedRange(all.map((p) => p[1]));
    const left = MARGIN.left;
    const right = width - MARGIN.right;
    const top = MARGIN.top;
    const bottom = height - MARGIN.bottom;
    const sx = (x: number) => left + ((x - x0) / (x1 - x0)) * (right - left);
    const sy = (y: number) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top);

    const out: string[] = [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
      `<defs><clipPath id="plot-area"><rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}"/></clipPath></defs>`,
      `<rect width="${width}" height="${height}" fill="white"/>`,
    ];
    // Grid and ticks.
    for (const { value, label } of ticks(x0, x1)) {
      const x = px(sx(value));
      out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#e5e5e5"/>`);
      out.push(`<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 5}" stroke="black"/>`);
      out.push(`<text x="${x}" y="${bottom + 18}" text-anchor="middle">${xml(label)}</text>`);
    }
    for (const { value, label } of ticks(y0, y1)) {
      const y = px(sy(value));
      out.push(`<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="#e5e5e5"/>`);
      out.push(`<line x1="${left - 5}" y1="${y}" x2="${left}" y2="${y}" stroke="black"/>`);
      out.push(`<text x="${left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${xml(label)}</text>`);
    }
    // Axes (the plot area's left and bottom edges).
    out.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="black"/>`);
    out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="black"/>`);
    if (title) out.push(`<text x="${px(width / 2)}" y="${top / 2 + 4}" text-anchor="middle" font-size="15">${xml(title)}</text>`);
    if (xLabel) out.push(`<text x="${px((left + right) / 2)}" y="${height - 12}" text-anchor="middle">${xml(xLabel)}</text>`);
    if (yLabel) {
      const cy = px((top + bottom) / 2);
      out.push(`<text x="16" y="${cy}" text-anchor="middle" transform="rotate(-90 16 ${cy})">${xml(yLabel)}</text>`);
    }
    // The data, clipped to the plot area.
    out.push(`<g clip-path="url(#plot-area)">`);
    for (const mark of this.marks) {
      if (mark.kind === "scatter") {
        const r = mark.style.radius ?? 3.5;
        for (const [x, y] of mark.points) {
          out.push(
            `<circle cx="${px(sx(x))}" cy="${px(sy(y))}" r="${r}" fill="${mark.color}" fill-opacity="0.75" stroke="white" stroke-width="0.5"/>`,
          );
        }
      } else {
        const d = mark.points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${px(sx(x))} ${px(sy(y))}`).join(" ");
        const dash = mark.style.dash ? ` stroke-dasharray="${mark.style.dash}"` : "";
        out.push(`<path d="${d}" fill="none" stroke="${mark.color}" stroke-width="${mark.style.width ?? 2}"${dash}/>`);
      }
    }
    out.push("</g>");
    // Legend, top right.
    const labelled = this.marks.filter((m) => m.style.label);
    if (labelled.length > 0) {
      const x = right - 170;
      out.push(`<rect x="${x - 8}" y="${top + 2}" width="170" height="${labelled.length * 18 + 8}" fill="white" fill-opacity="0.85"/>`);
      labelled.forEach((mark, i) => {
        const y = top + 15 + i * 18;
        out.push(
          mark.kind === "scatter"
            ? `<rect x="${x}" y="${y - 5}" width="14" height="10" fill="${mark.color}"/>`
            : `<line x1="${x}" y1="${y}" x2="${x + 14}" y2="${y}" stroke="${mark.color}" stroke-width="${mark.style.width ?? 2}"/>`,
        );
        out.push(`<text x="${x + 20}" y="${y}" dominant-baseline="middle">${xml(mark.style.label as string)}</text>`);
      });
    }
    out.push("</svg>");
    return `${out.join("\n")}\n`;
  }
}

/** A line chart of several series (e.g. loss curves), one <path> each. */
export function lineChart(series: readonly ({ points: readonly Point[] } & LineStyle)[], options: PlotOptions = {}): string {
  const plot = new Plot(options);
  for (const { points, ...style } of series) plot.line(points, style);
  return plot.toSvg();
}
