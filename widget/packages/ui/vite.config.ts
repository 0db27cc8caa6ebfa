// The Connect UI: one JS entry and one CSS file with hashed names, and a manifest that the Python
// server reads to write the page's <script>/<link> tags (src/gridlink/connect/ui_assets.py). No
// HTML entry and no inline script: the page is served under a CSP with script-src 'self'.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/connect/ui/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    target: "es2020",
    outDir: "dist",
    emptyOutDir: true,
    manifest: "manifest.json",
    modulePreload: false,
    assetsInlineLimit: 0,
    sourcemap: false,
    rolldownOptions: {
      input: "src/main.tsx",
      output: {
        entryFileNames: "[name]-[hash].js",
        chunkFileNames: "[name]-[hash].js",
        assetFileNames: "[name]-[hash][extname]",
      },
    },
  },
});
