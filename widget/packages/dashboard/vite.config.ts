// The operator dashboard: one JS entry and one CSS file with hashed names under dist/assets/, and
// a manifest (dist/.vite/manifest.json, entry key "src/main.tsx") that the Python server reads to
// write the shell page's <script>/<link> tags for /dashboard and every page under it. No HTML
// entry and no inline script or style: the shell is served under a CSP with script-src 'self'
// and style-src 'self'.
import { defaultClientConditions, defineConfig } from "vite";

export default defineConfig({
  base: "/dashboard/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  // Workspace packages (the Connect loader, the Connect UI's shared files) from their sources.
  resolve: { conditions: ["source", ...defaultClientConditions] },
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
