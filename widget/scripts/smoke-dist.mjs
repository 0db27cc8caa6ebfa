// Checks the built files as integrators get them (run by `npm run build` after building):
// connect.js defines window.Gridlink once in a page, and the ESM entries import under Node
// through the packages' own package.json exports, with no window.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const fail = (message) => {
  console.error("smoke-dist: " + message);
  process.exit(1);
};

const script = readFileSync(new URL("../packages/connect/dist/connect.js", import.meta.url), "utf8");
const dom = new JSDOM("<!doctype html><body></body>", { url: "https://app.example/", runScripts: "outside-only" });
const before = new Set(Object.keys(dom.window));
dom.window.eval(script);
const first = dom.window.Gridlink;
dom.window.eval(script); // a second copy of the script tag
if (!first || dom.window.Gridlink !== first) fail("a second connect.js must keep the first window.Gridlink");
const added = Object.keys(dom.window).filter((key) => !before.has(key));
if (added.join() !== "Gridlink") fail(`connect.js must add only window.Gridlink, added: ${added.join(", ")}`);
try {
  first.create({ connectToken: "glsk_sandbox_secret", onSuccess() {} });
  fail("create() accepted a client secret");
} catch (error) {
  if (!/connectToken must be the glct_… token/.test(error.message)) fail("unexpected error: " + error.message);
}
first.create({ connectToken: "glct_sandbox_x", onSuccess() {} }).destroy();

const reactBuild = readFileSync(new URL("../packages/react/dist/index.js", import.meta.url), "utf8");
if (!reactBuild.startsWith('"use client";')) fail('the React build must start with "use client" (Next.js App Router)');

const loader = await import("@gridlink/connect");
const react = await import("@gridlink/react");
if (typeof loader.create !== "function" || typeof react.useConnect !== "function" || typeof react.ConnectButton !== "function") {
  fail("the ESM builds do not export create / useConnect / ConnectButton");
}
if ("window" in globalThis) fail("importing the ESM builds defined window");
console.log("smoke-dist: connect.js defines window.Gridlink once; ESM builds import cleanly without a DOM");
