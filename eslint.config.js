import js from "@eslint/js";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import { importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";
import { layerZones, packageBoundaries } from "./eslint.layers.js";

export default tseslint.config(
  { ignores: ["**/dist/", "**/node_modules/", "coverage/", "test/fixtures/lint/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  // The layering (README "Architecture"): each folder imports its own layer and the layers below it.
  {
    files: ["src/**/*.ts", "packages/*/src/**/*.ts"],
    plugins: { "import-x": importX },
    settings: { "import-x/resolver-next": [createTypeScriptImportResolver({ project: "tsconfig.json" })] },
    rules: {
      "import-x/no-restricted-paths": ["error", { zones: layerZones() }],
    },
  },
  ...packageBoundaries(),
);
