// A production build served under /react/ by the test host (tests/e2e/host_apps.py). React's JSX
// through Vite's own transform (automatic runtime): no plugin needed for a production build.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/react/",
  oxc: { jsx: { runtime: "automatic", importSource: "react" } },
  // In this workspace @gridlink/react is a symlink with a React of its own beside it (and the
  // root holds React 18 for the compat tests): bundle this app's one React 19, as an app that
  // installed the package from a registry would.
  resolve: { dedupe: ["react", "react-dom"] },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
});
