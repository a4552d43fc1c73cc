// Copies the chart libraries' browser builds (and their licences) from node_modules into the
// Python package, where the chat page serves them; run after `npm ci` when package.json changes:
//   cd web && npm ci && npm run vendor
// The copied files are committed, so installing Parley needs no Node.js and no network.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "parley", "api", "page_static", "vendor");
const files = {
  vega: ["build/vega.min.js", "LICENSE"],
  "vega-lite": ["build/vega-lite.min.js", "LICENSE"],
  "vega-embed": ["build/vega-embed.min.js", "LICENSE"],
};

mkdirSync(target, { recursive: true });
const versions = {};
for (const [name, paths] of Object.entries(files)) {
  const root = join(here, "node_modules", name);
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  versions[name] = { version: manifest.version, license: manifest.license };
  for (const path of paths) {
    // Not every package ships its licence text; versions.json names the licence of each.
    if (path === "LICENSE" && !existsSync(join(root, path))) continue;
    const base = path.split("/").pop();
    const out = base === "LICENSE" ? `${name}.LICENSE.txt` : base;
    copyFileSync(join(root, path), join(target, out));
  }
}
writeFileSync(join(target, "versions.json"), JSON.stringify(versions, null, 2) + "\n");
console.log(`copied into ${target}:`, versions);
