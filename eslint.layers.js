// The layering of src/, written down once: the lint config turns it into import rules and the README's
// "Architecture" section draws it. A folder may import from its own layer and every layer below it,
// never from a layer above; the exceptions below are the sideways imports that are also forbidden.

/** Top to bottom. A path is a folder under the repository root, or a single file. */
export const LAYERS = [
  {
    name: "entry",
    paths: [
      "src/main.ts",
      "src/start-app.ts",
      "src/index.ts",
      "src/sandbox-setup.ts",
      "src/settings.ts",
      "src/log.ts",
      "src/env-file.ts",
      "src/test-clock.ts",
      "src/cli",
      "src/lambda",
      "src/front",
    ],
  },
  { name: "receivers", paths: ["src/web", "src/http", "src/webhooks", "src/queue"] },
  { name: "engine", paths: ["src/engine"] },
  { name: "services", paths: ["src/report", "src/read-model", "src/notifications", "src/config"] },
  { name: "adapters", paths: ["src/github", "src/aws", "src/template-check"] },
  { name: "core", paths: ["src/core"] },
];

/** Sideways imports within a layer that are forbidden too: the adapters never import each other. */
const ADAPTERS = LAYERS.find((layer) => layer.name === "adapters").paths;

/** The `branchline` command sits on top of everything: nothing else imports it, not even the server. */
const CLI = "src/cli";

/** The zones of import-x/no-restricted-paths: `target` may not import from `from`. */
export function layerZones() {
  const zones = [];
  LAYERS.forEach((layer, depth) => {
    const above = LAYERS.slice(0, depth).flatMap((l) => l.paths);
    for (const target of layer.paths) {
      for (const from of above) {
        zones.push({
          target: `./${target}`,
          from: `./${from}`,
          message: `the ${layer.name} layer does not import from ${from} (a layer above it); see README "Architecture".`,
        });
      }
    }
  });
  for (const target of ADAPTERS) {
    for (const from of ADAPTERS.filter((other) => other !== target)) {
      zones.push({
        target: `./${target}`,
        from: `./${from}`,
        message: `${target} and ${from} are adapters side by side: they import core, never each other.`,
      });
    }
  }
  for (const target of LAYERS.flatMap((l) => l.paths)) {
    if (target !== CLI)
      zones.push({
        target: `./${target}`,
        from: `./${CLI}`,
        message: "nothing imports the CLI: move what you need below it.",
      });
  }
  return zones;
}

/** The packages are products of their own: they import nothing of the app, and only the sandbox imports the emulator. */
export function packageBoundaries() {
  const app = { group: ["**/src/**", "branchline", "branchline/**"], message: "a package imports nothing of the app." };
  return [
    {
      files: ["packages/*/src/**/*.ts"],
      rules: { "no-restricted-imports": ["error", { patterns: [app] }] },
    },
    {
      files: ["packages/cloudformation-template/src/**/*.ts"],
      rules: {
        "no-restricted-imports": [
          "error",
          {
            patterns: [
              app,
              {
                group: ["@branchline/aws-emulator", "@branchline/aws-emulator/**"],
                message: "the template package is a leaf: it imports no other package.",
              },
            ],
          },
        ],
      },
    },
    {
      files: ["src/**/*.ts"],
      ignores: ["src/start-app.ts", "src/sandbox-setup.ts"],
      rules: {
        "no-restricted-imports": [
          "error",
          {
            patterns: [
              {
                group: ["@branchline/aws-emulator", "@branchline/aws-emulator/**"],
                message:
                  "only the sandbox (src/start-app.ts, src/sandbox-setup.ts) starts the emulator; the app talks to AWS through the SDK.",
              },
            ],
          },
        ],
      },
    },
  ];
}
