// Flat config: Next's rules (core web vitals, React, React hooks), typescript-eslint's
// type-checked rules, and Prettier's switch-off of every stylistic rule (Prettier formats).
import nextVitals from "eslint-config-next/core-web-vitals";
import prettier from "eslint-config-prettier/flat";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      ".next/**",
      "generated/**",
      "node_modules/**",
      ".valet/**",
      "bench/.work/**",
      "test-results/**",
      "playwright-report/**",
      "next-env.d.ts",
      "patches/**",
    ],
  },
  ...nextVitals,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      // Async methods that satisfy a Promise-returning interface need no await of their own.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // Tests and the bench read JSON answers (typed \`any\` by fetch) and poke at them on purpose;
    // the no-unsafe-* family would ask for a type on every probe. Promises are still checked there.
    files: ["tests/**", "e2e/**", "bench/**", "**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  { files: ["**/*.mjs", "**/*.js", "**/*.mts"], ...tseslint.configs.disableTypeChecked },
  prettier,
);
