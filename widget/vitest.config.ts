// One `vitest run` for everything: the loader, and the React package twice — against React 19 and
// against React 18 (installed by the test-only workspace packages/react18-compat).
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

const local = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// The loader's source, not its (maybe unbuilt) dist, wherever a test or the React package imports it.
const loaderSource = { find: /^@gridlink\/connect$/, replacement: local("packages/connect/src/index.ts") };

/** Resolve react and react-dom from one folder, so the hook and react-dom share that one React. */
function reactFrom(folder: string, major: string): TestProjectInlineConfiguration {
  const require = createRequire(local(folder + "/package.json"));
  const exact = (name: string) => ({ find: new RegExp(`^${name}$`), replacement: require.resolve(name) });
  return {
    extends: true,
    resolve: {
      alias: [loaderSource, exact("react"), exact("react-dom"), exact("react-dom/client"), exact("react-dom/server")],
    },
    test: {
      name: `react${major}`,
      include: ["packages/react/test/**/*.test.ts"],
      environment: "jsdom",
      setupFiles: [local("packages/react/test/setup.ts")],
      env: { EXPECTED_REACT_MAJOR: major },
      ...SHARED_WORKER,
    },
  };
}

// Files share a worker and its jsdom instead of a fresh one each (4x faster on this machine's two
// cores); the setup files clean the page after every test so nothing leaks between files.
const SHARED_WORKER = { isolate: false };

export default defineConfig({
  test: {
    restoreMocks: true,
    unstubGlobals: true,
    projects: [
      {
        extends: true,
        resolve: { alias: [loaderSource] },
        test: {
          name: "connect",
          include: ["packages/connect/test/**/*.test.ts"],
          exclude: ["**/*.node.test.ts"],
          environment: "jsdom",
          setupFiles: [local("packages/connect/test/setup.ts")],
          ...SHARED_WORKER,
        },
      },
      {
        // Imports on a server: a fresh module graph with no DOM, so the import really happens here.
        extends: true,
        resolve: { alias: [loaderSource] },
        test: { name: "connect-node", include: ["packages/connect/test/**/*.node.test.ts"], environment: "node" },
      },
      {
        // The Connect UI (Preact): its state logic and screens in jsdom.
        extends: true,
        oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
        test: {
          name: "ui",
          include: ["packages/ui/test/**/*.test.{ts,tsx}"],
          environment: "jsdom",
          setupFiles: [local("packages/ui/test/setup.ts")],
          ...SHARED_WORKER,
        },
      },
      {
        // The operator dashboard (Preact): API client, router and screens in jsdom; it opens
        // Connect through the loader's source.
        extends: true,
        resolve: { alias: [loaderSource] },
        oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
        test: {
          name: "dashboard",
          include: ["packages/dashboard/test/**/*.test.{ts,tsx}"],
          environment: "jsdom",
          setupFiles: [local("packages/dashboard/test/setup.ts")],
          ...SHARED_WORKER,
        },
      },
      reactFrom("packages/react", "19"),
      reactFrom("packages/react18-compat", "18"),
    ],
  },
});
