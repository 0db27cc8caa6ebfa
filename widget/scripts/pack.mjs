// Packs @gridlink/connect and @gridlink/react into dist/npm/ (run by `npm run build`), where
// `gridlink serve` serves them at /npm/<name>-<version>.tgz: the packages are not on a registry,
// and installing both tarballs in one `npm install` resolves @gridlink/react's dependency on
// @gridlink/connect (docs/guides/embedding.md, "Installing the packages").
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";

const destination = new URL("../dist/npm/", import.meta.url);
rmSync(destination, { recursive: true, force: true }); // no tarball of an older version stays
mkdirSync(destination, { recursive: true });
const packed = execFileSync(
  "npm",
  ["pack", "--json", "--loglevel=warn", "--workspace=@gridlink/connect", "--workspace=@gridlink/react", "--pack-destination", destination.pathname],
  { cwd: new URL("..", import.meta.url), encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
);
console.log("pack: " + JSON.parse(packed).map((entry) => "dist/npm/" + entry.filename).join(", "));
