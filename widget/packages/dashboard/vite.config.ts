// The operator dashboard: one JS entry and one CSS file with hashed names under dist/assets/, and
// a manifest (dist/.vite/manifest.json, entry key "src/main.tsx") that the Python server reads to
// write the shell page's <script>/<link> tags for /dashboard and every page under it. No HTML
// entry and no inline script or style: the shell is served under a CSP with script-src 'self'
// and style-src 'self'.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  base: "/dashboard/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  // The Connect loader from its source (as the tests use it), not its maybe-unbuilt dist. An alias,
  // not the "source" export condition: preact publishes one too, and two copies of preact (source
  // and dist) would break hooks and context.
  resolve: {
    alias: [{ find: /^@gridlink\/connect$/, replacement: fileURLToPath(new URL("../connect/src/index.ts", import.meta.url)) }],
  },
  build: {
    target: "es2020",
    outDir: "dist",
    emptyOutDir: true,
    manifest: true,
    modulePreload: false,
    assetsInlineLimit: 0,
    sourcemap: false,
    rolldownOptions: {
      input: "src/main.tsx",
      output: {
        entryFileNames: "assets/[name]-[hash].js",
        chunkFileNames: "assets/[name]-[hash].js",
        assetFileNames: "assets/[name]-[hash][extname]",
      },
    },
  },
});
