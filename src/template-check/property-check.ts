import type { ResourceSpec, SpecProperty, SpecPropertyBag, SpecType } from "./spec-db.js";

export type TemplatePath = readonly (string | number)[];

/** A problem before it is placed in the source: what is wrong, where in the data, and a hint. */
export interface RawProblem {
  readonly path: TemplatePath;
  readonly message: string;
}

/** `Resources.Pipeline.Properties.Stages[0].Actions` */
export function formatPath(path: TemplatePath): string {
  let out = "";
  for (const segment of path)
    out += typeof segment === "number" ? `[${segment}]` : out === "" ? segment : `.${segment}`;
  return out;
}

/**
 * A value CloudFormation computes at deploy time: `{ Ref: ... }` or `{ "Fn::...": ... }`, including
 * functions this checker does not know. Its type cannot be checked here, so it is accepted.
 */
export function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (!isMapping(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === "Ref" || keys[0]!.startsWith("Fn::"));
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks a resource's Properties against its type in the specification. */
export function checkProperties(
  spec: ResourceSpec,
  bag: SpecPropertyBag,
  owner: string,
  value: unknown,
  path: TemplatePath,
): RawProblem[] {
  const problems: RawProblem[] = [];
  new PropertyChecker(spec, problems).checkBag(bag, owner, value, path);
  return problems;
}

class PropertyChecker {
  constructor(
    private readonly spec: ResourceSpec,
    private readonly problems: RawProblem[],
  ) {}

  checkBag(bag: SpecPropertyBag, owner: string, value: unknown, path: TemplatePath): void {
    if (this.expression(value, path, (v, p) => this.checkBag(bag, owner, v, p))) return;
    if (!isMapping(value)) {
      this.report(path, `expected a mapping of ${owner} properties, found ${describe(value)}`);
      return;
    }
    const known = Object.keys(bag.properties);
    for (const [key, child] of Object.entries(value)) {
      const property = bag.properties[key];
      if (property === undefined) {
        this.report([...path, key], `unknown property of ${owner}${suggest(key, known)}`);
        continue;
      }
      this.checkProperty(property, child, [...path, key]);
    }
    for (const [key, property] of Object.entries(bag.properties)) {
      if (property.required && !(key in value)) {
        this.report([...path, key], `required property missing; add ${key} to this ${owner}`);
      }
    }
  }

  private checkProperty(property: SpecProperty, value: unknown, path: TemplatePath): void {
    const shapes = [property.type, ...(property.previousTypes ?? [])];
    if (shapes.length === 1) {
      this.checkType(shapes[0]!, value, path);
      return;
    }
    this.checkAlternatives(shapes, value, path);
  }

  /** Fn::If checks both branches against the expected type; any other function is accepted as is. */
  private expression(value: unknown, path: TemplatePath, check: (value: unknown, path: TemplatePath) => void): boolean {
    if (!isIntrinsic(value)) return false;
    const branches = value["Fn::If"];
    if (Array.isArray(branches) && branches.length === 3) {
      for (const index of [1, 2]) {
        const branch = branches[index];
        if (!isNoValue(branch)) check(branch, [...path, "Fn::If", index]);
      }
    }
    return true;
  }

  private checkType(type: SpecType, value: unknown, path: TemplatePath): void {
    if (this.expression(value, path, (v, p) => this.checkType(type, v, p))) return;
    switch (type.type) {
      case "json":
        return;
      case "string":
      case "number":
      case "integer":
      case "boolean":
      case "date-time":
      case "null":
        // CloudFormation converts between scalars (`"1"` for a number, `true` for a string); only a
        // mapping or list where a single value belongs is certainly wrong.
        if (typeof value === "object" && value !== null)
          this.report(path, `expected a ${type.type}, found ${describe(value)}`);
        return;
      case "tag":
        this.checkBag(TAG, "Tag", value, path);
        return;
      case "array":
        if (!Array.isArray(value)) {
          this.report(path, `expected a list, found ${describe(value)}`);
          return;
        }
        value.forEach((item, index) => {
          if (!isNoValue(item)) this.checkType(type.element, item, [...path, index]);
        });
        return;
      case "map":
        if (!isMapping(value)) {
          this.report(path, `expected a mapping, found ${describe(value)}`);
          return;
        }
        for (const [key, item] of Object.entries(value)) this.checkType(type.element, item, [...path, key]);
        return;
      case "ref": {
        const bag = this.spec.typeDefinition(type.reference.$ref);
        if (bag !== undefined) this.checkBag(bag, bag.name, value, path);
        return;
      }
      case "union":
        this.checkAlternatives(type.types, value, path);
        return;
    }
  }

  /** Accepts the value if any alternative fits; otherwise reports the closest alternative's problems. */
  private checkAlternatives(types: readonly SpecType[], value: unknown, path: TemplatePath): void {
    let best: RawProblem[] | undefined;
    for (const type of types) {
      const trial: RawProblem[] = [];
      new PropertyChecker(this.spec, trial).checkType(type, value, path);
      if (trial.length === 0) return;
      // A mismatch of shape (a list where a mapping belongs) is a worse fit than a wrong field inside.
      const shapeMismatch = trial.some((p) => p.path.length === path.length);
      if (best === undefined || (!shapeMismatch && trial.length < best.length)) best = trial;
    }
    this.problems.push(...(best ?? []));
  }

  private report(path: TemplatePath, message: string): void {
    this.problems.push({ path, message });
  }
}

const TAG: SpecPropertyBag = {
  name: "Tag",
  properties: {
    Key: { type: { type: "string" }, required: true },
    Value: { type: { type: "string" }, required: true },
  },
};

function isNoValue(value: unknown): boolean {
  return isMapping(value) && value.Ref === "AWS::NoValue";
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** "; did you mean X?" for a near miss, else the names that are allowed (when there are few). */
export function suggest(name: string, known: readonly string[]): string {
  const near = closest(name, known);
  if (near !== undefined) return `; did you mean ${near}?`;
  if (known.length === 0) return "; it takes no properties";
  if (known.length <= 12) return `; known: ${[...known].sort().join(", ")}`;
  return "";
}

export function closest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 4)) + 1;
  for (const candidate of known) {
    if (candidate.toLowerCase() === lower) return candidate;
    const d = distance(lower, candidate.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `limit`) once it cannot be below `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin >= limit) return limit;
    previous = current;
  }
  return previous[b.length]!;
}
