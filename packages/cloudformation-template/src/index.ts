// The package's one entry: reading a YAML or JSON document with the position of every node, and a
// CloudFormation template (short-form tags, sections checked) from it, on or off the event loop.
export {
  readYaml,
  type LocatedDocument,
  type PathSegment,
  type SourcePosition,
  type YamlParseResult,
  type YamlProblem,
  type YamlReadOptions,
} from "./located-document.js";
export { DEFAULT_OFF_LOOP_LIMITS, readYamlOffLoop, type OffLoopLimits } from "./off-loop.js";
export {
  ON_LOOP_TEMPLATE_BYTES,
  readTemplate,
  readTemplateBounded,
  type CfnParameter,
  type CfnResource,
  type CfnTemplate,
  type TemplateReadResult,
} from "./template-document.js";
