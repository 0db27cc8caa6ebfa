// Prints the gzip sizes of what integrators download: the connect.js script-tag build and the
// React package's ESM build (React and @gridlink/connect stay imports there). Run after
// `npm run build`. Reports against the budget; never fails on it (see issue 5's benchmark).
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET_BYTES = 2500; // loader + React package, gzip, together
const files = [
  ["loader  packages/connect/dist/connect.js (IIFE)", "packages/connect/dist/connect.js"],
  ["react   packages/react/dist/index.js (ESM)", "packages/react/dist/index.js"],
];

function gzipOf(path) {
  const url = new URL("../" + path, import.meta.url);
  if (!existsSync(url)) {
    console.error(`${path} is missing: run \`npm run build\` first.`);
    process.exit(1);
  }
  const raw = readFileSync(url);
  return [raw.length, gzipSync(raw, { level: 9 }).length];
}

let total = 0;
const sizes = {};
for (const [label, path] of files) {
  const [raw, gzip] = gzipOf(path);
  total += gzip;
  sizes[path] = gzip;
  console.log(`${label}: ${raw} B raw, ${gzip} B gzip`);
}
const verdict = total <= BUDGET_BYTES ? "within" : `OVER by ${total - BUDGET_BYTES} B`;
console.log(`total: ${total} B gzip; budget ${BUDGET_BYTES} B (2.5 kB): ${verdict}`);
// For information: a React app bundles the loader's ESM build (not connect.js) with the hook.
const [, esm] = gzipOf("packages/connect/dist/index.js");
const react = sizes["packages/react/dist/index.js"];
console.log(`(a React app bundles packages/connect/dist/index.js (ESM), ${esm} B gzip: with the React package ${esm + react} B)`);

// The Connect page (what end users download inside the frame): its own 40 kB budget.
const UI_BUDGET_BYTES = 40_000;
const manifestUrl = new URL("../packages/ui/dist/manifest.json", import.meta.url);
if (!existsSync(manifestUrl)) {
  console.error("packages/ui/dist/manifest.json is missing: run `npm run build` first.");
  process.exit(1);
}
const entry = JSON.parse(readFileSync(manifestUrl, "utf8"))["src/main.tsx"];
let uiTotal = 0;
for (const file of [entry.file, ...(entry.css ?? [])]) {
  const gzip = gzipSync(readFileSync(new URL("../packages/ui/dist/" + file, import.meta.url)), { level: 9 }).length;
  uiTotal += gzip;
  console.log(`ui      packages/ui/dist/${file}: ${gzip} B gzip`);
}
const uiVerdict = uiTotal <= UI_BUDGET_BYTES ? "within" : `OVER by ${uiTotal - UI_BUDGET_BYTES} B`;
console.log(`ui total: ${uiTotal} B gzip; budget ${UI_BUDGET_BYTES} B (40 kB): ${uiVerdict}`);
