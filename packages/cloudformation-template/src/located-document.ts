import { LineCounter, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node, type Tags } from "yaml";

/** A 1-based position in a source file, for messages of the form `file:line:column`. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

export type PathSegment = string | number;

export interface LocatedDocument {
  /** The document as plain data. */
  readonly value: unknown;
  /**
   * Where the value at `path` stands in the source. A path that does not exist resolves to its
   * nearest existing ancestor, so an error about a missing field points at the object that lacks it.
   */
  locate(path: readonly PathSegment[]): SourcePosition;
}

export interface YamlProblem {
  readonly message: string;
  readonly position: SourcePosition;
}

export type YamlParseResult =
  | { readonly ok: true; readonly document: LocatedDocument }
  | { readonly ok: false; readonly problems: readonly YamlProblem[] };

export interface YamlReadOptions {
  readonly customTags?: Tags;
  /** Bounds alias expansion, so an alias bomb is refused instead of exhausting memory. */
  readonly maxAliasCount?: number;
}

/** Parses one YAML (or JSON) document, keeping positions so errors can name the line. */
export function readYaml(text: string, options: YamlReadOptions = {}): YamlParseResult {
  const lineCounter = new LineCounter();
  // The library's own uniqueKeys check compares each key with every earlier one of its mapping:
  // 40,000 keys held the event loop for 20 s. Duplicates are found below, in one pass, instead.
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: false,
    customTags: options.customTags ?? [],
  });
  const positionOf = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({ message: firstLine(e.message), position: positionOf(e.pos[0]) })),
    };
  }
  const duplicates = duplicateKeys(doc);
  if (duplicates.length > 0) {
    return {
      ok: false,
      problems: duplicates.map((offset) => ({ message: "Map keys must be unique", position: positionOf(offset) })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: options.maxAliasCount ?? 100 });
  } catch (error) {
    return {
      ok: false,
      problems: [{ message: firstLine((error as Error).message), position: { line: 1, column: 1 } }],
    };
  }
  return {
    ok: true,
    document: {
      value,
      locate: (path) => positionOf(nodeAt(doc, path)?.range?.[0] ?? 0),
    },
  };
}

/** Where a mapping repeats a key (the repeat's offset), in one pass with a set per mapping. */
function duplicateKeys(doc: Document): number[] {
  const found: number[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        // Scalar keys by value (what a duplicate means in a template); a collection key is never equal.
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key)) found.push((pair.key as Node | null)?.range?.[0] ?? 0);
        seen.add(key);
      }
    },
  });
  return found;
}

function nodeAt(doc: Document, path: readonly PathSegment[]): Node | undefined {
  let node: unknown = doc.contents;
  let found = node as Node | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalarLike(p.key) ? p.key.value : p.key) === segment);
      if (!pair) break;
      // Point at the key: that is the line a reader looks for.
      found = (pair.key as Node | undefined) ?? found;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment];
      if (item === undefined) break;
      node = item;
      found = item as Node;
    } else {
      break;
    }
  }
  return found;
}

function isScalarLike(key: unknown): key is { value: unknown } {
  return typeof key === "object" && key !== null && "value" in key;
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
