// Two builds: `vite build` makes the ESM module (dist/index.js) for bundlers; `vite build --mode iife`
// makes the script-tag build (dist/connect.js) that defines window.Gridlink.
import { defineConfig } from "vite";

export default defineConfig(({ mode }) => {
  const iife = mode == "iife";
  return {
    build: {
      target: "es2022",
      minify: true,
      emptyOutDir: !iife,
      // The script-tag build keeps a map beside it without announcing it (no comment to download).
      sourcemap: iife ? "hidden" : false,
      lib: iife
        ? { entry: "src/global.ts", formats: ["iife"], name: "GridlinkConnect", fileName: () => "connect.js" }
        : { entry: "src/index.ts", formats: ["es"], fileName: () => "index.js" },
      // Lib mode leaves ES output unminified by default; ship it small like the script build.
      rolldownOptions: { output: { minify: true } },
    },
  };
});
