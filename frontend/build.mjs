// Copies the NHS.UK design system's compiled CSS, JS and assets, and htmx, into
// stepcare/static/vendor/ so that pages never fetch anything from the internet.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "stepcare", "static", "vendor");
const nhsuk = join(here, "node_modules", "nhsuk-frontend", "dist", "nhsuk");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// Source maps are not shipped: drop the comments that point at them, or Django's manifest
// storage (collectstatic in production) fails looking for the missing .map files.
const withoutSourceMap = (text) => text.replace(/\n?\/[*/]#\s*sourceMappingURL=[^\n]*?(\*\/)?\s*$/gm, "");
// The compiled CSS points at absolute /assets/ paths and at web fonts on an NHS host:
// make the images relative to the stylesheet and drop the remote @font-face rules (the
// design system falls back to Arial, as it does wherever Frutiger is unavailable).
const css = readFileSync(join(nhsuk, "nhsuk-frontend.min.css"), "utf8")
  .replaceAll("url(/assets/", "url(assets/")
  .replace(/@font-face\{[^}]*https:[^}]*\}/g, "");
if (css.includes("https://")) throw new Error("a remote URL is left in the stylesheet");
writeFileSync(join(out, "nhsuk-frontend.min.css"), withoutSourceMap(css));
for (const [from, to] of [
  [join(nhsuk, "nhsuk-frontend.min.js"), "nhsuk-frontend.min.js"],
  [join(here, "node_modules", "htmx.org", "dist", "htmx.min.js"), "htmx.min.js"],
]) {
  writeFileSync(join(out, to), withoutSourceMap(readFileSync(from, "utf8")));
}
for (const name of ["nhsuk-frontend.min.css", "nhsuk-frontend.min.js", "htmx.min.js"]) {
  if (readFileSync(join(out, name), "utf8").includes("sourceMappingURL")) {
    throw new Error(`a source map comment is left in ${name}`);
  }
}
cpSync(join(nhsuk, "assets"), join(out, "assets"), { recursive: true });
console.log(`static assets built in ${out}`);
