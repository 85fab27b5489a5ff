/**
 * Everything the command line prints goes through here: plain lines, tables, JSON, colour and the
 * progress bar. Commands return data; a renderer turns it into lines, so `--json` and the table
 * always show the same data.
 */

export interface Stream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

export interface Io {
  readonly stdout: Stream;
  readonly stderr: Stream;
  readonly env: Env;
  readonly cwd: string;
  /** Secret values (tokens, keys) that must never appear in anything printed. */
  readonly secrets: string[];
}

/** Colour only for a person at a terminal: never with NO_COLOR, never into a pipe (unless FORCE_COLOR). */
export function colourEnabled(stream: Stream, env: Env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;
export type Style = keyof typeof CODES;

export interface Painter {
  readonly enabled: boolean;
  paint(style: Style, text: string): string;
}

export function painter(enabled: boolean): Painter {
  return {
    enabled,
    paint: (style, text) =>
      enabled && text !== "" ? `\u001b[${CODES[style][0]}m${text}\u001b[${CODES[style][1]}m` : text,
  };
}

/** Removes ANSI escapes: widths are measured on what shows. */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return [...text.replace(/\u001b\[[0-9;]*m/g, "")].length;
}

export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => string;
  /** Colour applied after padding is measured. */
  readonly style?: (row: Row) => Style | undefined;
  readonly align?: "left" | "right";
}

/** A plain-text table: a header, then one line per row, columns padded to the widest cell. */
export function table<Row>(rows: readonly Row[], columns: readonly Column<Row>[], paint: Painter): string[] {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) =>
    Math.max(visibleLength(c.header), ...cells.map((r) => visibleLength(r[i] ?? ""))),
  );
  // The last column is not padded: no trailing blanks, coloured or not.
  const last = columns.length - 1;
  const pad = (text: string, width: number, align: "left" | "right" = "left", index = 0) => {
    if (index === last && align === "left") return text;
    const fill = " ".repeat(Math.max(0, width - visibleLength(text)));
    return align === "right" ? fill + text : text + fill;
  };
  const lines = [
    columns
      .map((c, i) => paint.paint("bold", pad(c.header, widths[i]!, c.align, i)))
      .join("  ")
      .trimEnd(),
  ];
  rows.forEach((row, r) => {
    lines.push(
      columns
        .map((c, i) => {
          const style = c.style?.(row);
          const padded = pad(cells[r]![i]!, widths[i]!, c.align, i);
          return style ? paint.paint(style, padded) : padded;
        })
        .join("  ")
        .trimEnd(),
    );
  });
  return lines;
}

/** `3m`, `2h`, `5d`: how long ago, as a person glances at it. */
export function age(from: Date | string | undefined, now: Date = new Date()): string {
  if (from === undefined) return "-";
  const then = typeof from === "string" ? new Date(from) : from;
  const seconds = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (Number.isNaN(seconds)) return "-";
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** Never print a secret: every known secret value is replaced, wherever it turns up. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 6) out = out.split(secret).join("***");
  }
  return out;
}

export class Printer {
  readonly paint: Painter;
  readonly errPaint: Painter;

  constructor(private readonly io: Io) {
    this.paint = painter(colourEnabled(io.stdout, io.env));
    this.errPaint = painter(colourEnabled(io.stderr, io.env));
  }

  line(text = ""): void {
    this.io.stdout.write(`${redact(text, this.io.secrets)}\n`);
  }

  lines(texts: readonly string[]): void {
    for (const text of texts) this.line(text);
  }

  /** Pretty JSON on stdout, one document per command. */
  json(data: unknown): void {
    this.io.stdout.write(`${redact(JSON.stringify(data, null, 2), this.io.secrets)}\n`);
  }

  /** Notes and errors go to stderr, so stdout stays the command's answer. */
  error(text: string): void {
    this.io.stderr.write(`${redact(text, this.io.secrets)}\n`);
  }

  /** A progress bar on stderr when it is a terminal; nothing at all otherwise. */
  progress(total: number): Progress {
    const stream = this.io.stderr;
    if (stream.isTTY !== true || total === 0) return { tick: () => {}, done: () => {} };
    const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 50));
    let count = 0;
    const draw = (label: string) => {
      const filled = Math.round((count / total) * width);
      const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
      stream.write(`\r\u001b[2K[${bar}] ${count}/${total} ${redact(label, this.io.secrets).slice(0, 40)}`);
    };
    draw("");
    return {
      tick: (label) => {
        count = Math.min(total, count + 1);
        draw(label);
      },
      done: () => stream.write("\r\u001b[2K"),
    };
  }
}

export interface Progress {
  tick(label: string): void;
  done(): void;
}
