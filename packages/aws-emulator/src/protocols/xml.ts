/** Just enough XML for AWS wire formats: a writer for responses and a reader for S3 request bodies. */

export type XmlScalar = string | number | boolean | Date | undefined | null;

export function escapeXml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => `&${({ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" } as const)[c as "&"]};`,
  );
}

function scalarText(value: Exclude<XmlScalar, undefined | null>): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

/** `<name>value</name>`, escaped; nothing at all for an absent value, as AWS omits unset members. */
export function text(name: string, value: XmlScalar): string {
  if (value === undefined || value === null) return "";
  return `<${name}>${escapeXml(scalarText(value))}</${name}>`;
}

/** `<name>children</name>` from already-rendered fragments. */
export function node(name: string, ...children: string[]): string {
  return `<${name}>${children.join("")}</${name}>`;
}

/** An awsQuery list: `<name><member>...</member>...</name>`; absent when the list is. */
export function members<T>(name: string, items: readonly T[] | undefined, render: (item: T) => string): string {
  if (items === undefined) return "";
  return node(name, ...items.map((item) => node("member", render(item))));
}

export interface XmlElement {
  readonly name: string;
  readonly children: readonly XmlElement[];
  readonly text: string;
}

export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

export function childText(element: XmlElement, name: string): string | undefined {
  return child(element, name)?.text;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? whole;
  });
}

/** Reads a small XML document (no DTDs); namespaces are kept out of element names. */
export function readXml(source: string): XmlElement {
  let i = 0;
  const skipMisc = () => {
    for (;;) {
      while (i < source.length && /\s/.test(source[i]!)) i++;
      if (source.startsWith("<?", i)) i = source.indexOf("?>", i) + 2;
      else if (source.startsWith("<!--", i)) i = source.indexOf("-->", i) + 3;
      else return;
    }
  };
  const parseElement = (): XmlElement => {
    const open = /^<([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(source.slice(i));
    if (!open) throw new Error(`malformed XML at offset ${i}`);
    i += open[0].length;
    const name = open[1]!.replace(/^\w+:/, "");
    if (open[3] === "/") return { name, children: [], text: "" };
    const children: XmlElement[] = [];
    let content = "";
    for (;;) {
      if (i >= source.length) throw new Error(`unclosed element <${name}>`);
      if (source.startsWith("</", i)) {
        const end = source.indexOf(">", i);
        i = end + 1;
        return { name, children, text: decode(content) };
      }
      if (source.startsWith("<![CDATA[", i)) {
        const end = source.indexOf("]]>", i);
        content += source.slice(i + 9, end);
        i = end + 3;
      } else if (source.startsWith("<!--", i)) {
        i = source.indexOf("-->", i) + 3;
      } else if (source[i] === "<") {
        children.push(parseElement());
      } else {
        const next = source.indexOf("<", i);
        content += source.slice(i, next < 0 ? source.length : next);
        i = next < 0 ? source.length : next;
      }
    }
  };
  skipMisc();
  return parseElement();
}
