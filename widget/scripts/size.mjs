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

let total = 0;
for (const [label, path] of files) {
  const url = new URL("../" + path, import.meta.url);
  if (!existsSync(url)) {
    console.error(`${path} is missing: run \`npm run build\` first.`);
    process.exit(1);
  }
  const raw = readFileSync(url);
  const gzip = gzipSync(raw, { level: 9 }).length;
  total += gzip;
  console.log(`${label}: ${raw.length} B raw, ${gzip} B gzip`);
}
const verdict = total <= BUDGET_BYTES ? "within" : `OVER by ${total - BUDGET_BYTES} B`;
console.log(`total: ${total} B gzip; budget ${BUDGET_BYTES} B (2.5 kB): ${verdict}`);
