import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { configJsonSchema, JSON_SCHEMA_FILE } from "./json-schema.js";

// `npm run schema`: writes the JSON Schema at the top of the repository (a test keeps it in step).
const target = fileURLToPath(new URL(`../../../${JSON_SCHEMA_FILE}`, import.meta.url));
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.info(`wrote ${target}`);
