// ESLint (flat config): the front-end's ES modules in static/js and their node tests in
// tests/js. Run by ./bin/test (tests/js/test_node.py) and by hand: `npx eslint .`.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    ignores: ["node_modules/", ".venv/", "test-artifacts/", "staticfiles/", "**/*.min.js"],
  },
  js.configs.recommended,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module" },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
      "no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-shadow": "error",
      "no-implicit-globals": "error",
      "no-console": ["error", { allow: ["debug", "info", "warn", "error"] }],
    },
  },
  {
    files: ["static/js/**/*.js", "docs/examples/**/*.js"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js"],
    languageOptions: { globals: { ...globals.node } },
  },
];
