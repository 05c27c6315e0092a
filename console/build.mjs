// Bundles the console into dist/: one JS file, one CSS file, index.html. Nothing is fetched
// from a CDN at run time; config.json (written per environment, never by this build) tells
// the page where the functions and Firebase live, so one build serves every project.
import { build } from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";

const dist = new URL("./dist/", import.meta.url);
const started = performance.now();

// A stale config.json left from a deploy must not leak into a local build.
await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
const result = await build({
  entryPoints: { app: "src/main.js" },
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: true,
  outdir: "dist",
  metafile: true,
  logLevel: "warning",
  legalComments: "linked",
});
await copyFile(new URL("./src/index.html", import.meta.url), new URL("index.html", dist));

const bytes = Object.values(result.metafile.outputs)
  .filter((_, i) => !Object.keys(result.metafile.outputs)[i].endsWith(".map"))
  .reduce((sum, output) => sum + output.bytes, 0);
const ms = Math.round(performance.now() - started);
console.log(`console built into dist/ in ${ms} ms (${(bytes / 1024).toFixed(0)} KiB without maps)`);
