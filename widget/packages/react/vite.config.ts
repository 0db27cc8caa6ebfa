// ESM build of the React package; React and the loader stay imports, so the app bundles one copy.
import { defineConfig } from "vite";

export default defineConfig({
  build: {
    target: "es2022",
    minify: true,
    sourcemap: false,
    lib: { entry: "src/index.ts", formats: ["es"], fileName: () => "index.js" },
    rolldownOptions: {
      external: ["react", "@gridlink/connect"],
      // Next.js App Router: <ConnectButton> may be used from a server component file.
      output: { minify: true, banner: '"use client";' },
    },
  },
});
