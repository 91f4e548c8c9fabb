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
// The compiled CSS points at absolute /assets/ paths and at web fonts on an NHS host:
// make the images relative to the stylesheet and drop the remote @font-face rules (the
// design system falls back to Arial, as it does wherever Frutiger is unavailable).
const css = readFileSync(join(nhsuk, "nhsuk-frontend.min.css"), "utf8")
  .replaceAll("url(/assets/", "url(assets/")
  .replace(/@font-face\{[^}]*https:[^}]*\}/g, "");
if (css.includes("https://")) throw new Error("a remote URL is left in the stylesheet");
writeFileSync(join(out, "nhsuk-frontend.min.css"), css);
cpSync(join(nhsuk, "nhsuk-frontend.min.js"), join(out, "nhsuk-frontend.min.js"));
cpSync(join(nhsuk, "assets"), join(out, "assets"), { recursive: true });
cpSync(join(here, "node_modules", "htmx.org", "dist", "htmx.min.js"), join(out, "htmx.min.js"));
console.log(`static assets built in ${out}`);
