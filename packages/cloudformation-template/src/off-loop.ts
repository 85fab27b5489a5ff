import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { LocatedDocument, PathSegment, SourcePosition, YamlParseResult } from "./located-document.js";

/**
 * Parses a YAML document on a worker thread, with a time and a memory limit, so that a large or
 * hostile document (a branch's template: up to 1 MB, any shape) never holds the event loop that
 * acknowledges every other repository's webhooks. The worker reads CloudFormation's short forms as
 * src/template-document.ts does, and answers plain data plus the offset of every node, so
 * `locate` works as readYaml's does.
 */
export interface OffLoopLimits {
  readonly timeoutMs: number;
  readonly maxMemoryMb: number;
  readonly maxAliasCount: number;
}

export const DEFAULT_OFF_LOOP_LIMITS: OffLoopLimits = { timeoutMs: 10_000, maxMemoryMb: 256, maxAliasCount: 100 };

type WorkerAnswer =
  | { readonly ok: true; readonly value: unknown; readonly root: number; readonly positions: [string, number][] }
  | { readonly ok: false; readonly problems: { readonly message: string; readonly offset: number }[] };

/** The worker's code: CommonJS, `yaml` required by the path the main thread resolved. */
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require("node:worker_threads");
const { parseDocument, isMap, isSeq, isScalar, visit, Pair, Scalar, YAMLMap } = require(workerData.yamlPath);
const SHORT = ["Ref", "Condition", "Base64", "Cidr", "FindInMap", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub",
  "Transform", "And", "Equals", "If", "Not", "Or", "ToJsonString", "Length", "GetAtt"];
const tags = [];
if (workerData.cloudFormation) for (const short of SHORT) {
  const key = short === "Ref" || short === "Condition" ? short : "Fn::" + short;
  const scalar = short === "GetAtt"
    ? (v) => { const dot = v.indexOf("."); return { [key]: dot < 0 ? [v] : [v.slice(0, dot), v.slice(dot + 1)] }; }
    : (v) => ({ [key]: v });
  const wrapNode = (node) => { const name = new Scalar(key); name.range = node.range; const map = new YAMLMap(); map.items.push(new Pair(name, node)); return map; };
  tags.push({ tag: "!" + short, resolve: scalar });
  tags.push({ tag: "!" + short, collection: "seq", resolve: wrapNode });
  tags.push({ tag: "!" + short, collection: "map", resolve: wrapNode });
}
const first = (m) => String(m).split("\n")[0];
function main() {
const doc = parseDocument(workerData.text, { prettyErrors: false, uniqueKeys: false, customTags: tags });
if (doc.errors.length > 0) {
  parentPort.postMessage({ ok: false, problems: doc.errors.map((e) => ({ message: first(e.message), offset: e.pos[0] })) });
} else {
  const duplicates = [];
  visit(doc, { Map(_k, map) { const seen = new Set(); for (const p of map.items) { const k = isScalar(p.key) ? p.key.value : p.key; if (seen.has(k)) duplicates.push(p.key && p.key.range ? p.key.range[0] : 0); seen.add(k); } } });
  if (duplicates.length > 0) {
    parentPort.postMessage({ ok: false, problems: duplicates.map((offset) => ({ message: "Map keys must be unique", offset })) });
  } else {
    let value;
    try { value = doc.toJS({ maxAliasCount: workerData.maxAliasCount }); }
    catch (error) { parentPort.postMessage({ ok: false, problems: [{ message: first(error.message), offset: 0 }] }); return; }
    // Every node's offset by its path, as readYaml's locate finds it: a mapping entry at its key.
    const positions = [];
    const walk = (node, path) => {
      if (isMap(node)) for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (typeof key !== "string" && typeof key !== "number") continue;
        const at = path.concat([key]);
        positions.push([JSON.stringify(at), pair.key && pair.key.range ? pair.key.range[0] : 0]);
        walk(pair.value, at);
      } else if (isSeq(node)) node.items.forEach((item, i) => {
        const at = path.concat([i]);
        positions.push([JSON.stringify(at), item && item.range ? item.range[0] : 0]);
        walk(item, at);
      });
    };
    walk(doc.contents, []);
    parentPort.postMessage({ ok: true, value, root: doc.contents && doc.contents.range ? doc.contents.range[0] : 0, positions });
  }
}
}
main();
`;

const yamlPath = createRequire(import.meta.url).resolve("yaml");

/** Like readYaml, off the event loop; a document over the limits is a problem, never a hang. */
export function readYamlOffLoop(
  text: string,
  options: { readonly cloudFormation: boolean; readonly limits?: OffLoopLimits },
): Promise<YamlParseResult> {
  const limits = options.limits ?? DEFAULT_OFF_LOOP_LIMITS;
  const lines = lineStarts(text);
  const positionOf = (offset: number): SourcePosition => linePosition(lines, offset);
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { text, yamlPath, cloudFormation: options.cloudFormation, maxAliasCount: limits.maxAliasCount },
      resourceLimits: { maxOldGenerationSizeMb: limits.maxMemoryMb, maxYoungGenerationSizeMb: 32 },
    });
    let settled = false;
    const finish = (result: YamlParseResult | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const refuse = (message: string) =>
      finish({ ok: false, problems: [{ message, position: { line: 1, column: 1 } }] });
    const timer = setTimeout(
      () => refuse(`reading the file took longer than ${limits.timeoutMs / 1000} s; simplify it`),
      limits.timeoutMs,
    );
    worker.on("message", (answer: WorkerAnswer) => {
      if (!answer.ok)
        return finish({
          ok: false,
          problems: answer.problems.map((p) => ({ message: p.message, position: positionOf(p.offset) })),
        });
      const positions = new Map(answer.positions);
      const document: LocatedDocument = {
        value: answer.value,
        locate: (path) => positionOf(nearest(positions, path) ?? answer.root),
      };
      finish({ ok: true, document });
    });
    worker.on("error", (error: Error & { code?: string }) => {
      if (error.code === "ERR_WORKER_OUT_OF_MEMORY")
        refuse(`reading the file needed more than ${limits.maxMemoryMb} MB; simplify it`);
      else finish(error);
    });
    worker.on("exit", () => finish(new Error("the YAML worker stopped without an answer")));
  });
}

/** The offset of the path, or of its nearest ancestor that exists. */
function nearest(positions: ReadonlyMap<string, number>, path: readonly PathSegment[]): number | undefined {
  for (let length = path.length; length > 0; length--) {
    const found = positions.get(JSON.stringify(path.slice(0, length)));
    if (found !== undefined) return found;
  }
  return undefined;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) starts.push(at + 1);
  return starts;
}

function linePosition(starts: readonly number[], offset: number): SourcePosition {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - starts[low]! + 1 };
}
