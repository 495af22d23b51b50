/**
 * The dashboard's HTML. The live page links its scripts from the server; report.html carries the
 * chart library, the page script and the run's data inline, so it opens from disk with no server.
 */
import { PAGE_CSS } from './page_css.js';

const BODY = `
<header>
  <h1>cyclegan</h1>
  <div id="status"></div>
  <span id="connection">connecting…</span>
</header>
<main>
  <section id="losses-section"><h2>Losses</h2><div id="losses"></div></section>
  <section><h2>Schedule and speed</h2><div id="side-charts"></div></section>
  <section class="wide" id="metrics" hidden><h2>Metrics</h2></section>
  <section><h2>Samples</h2><div id="samples"></div></section>
  <section><h2>Translate an image</h2><div id="translate"></div></section>
  <section><h2>Parameters</h2><div id="params"></div></section>
  <section><h2>Validation</h2><div id="validation"></div></section>
</main>`;

export function livePageHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cyclegan</title>
<link rel="stylesheet" href="vendor/uplot.css">
<link rel="stylesheet" href="app.css">
</head>
<body>${BODY}
<script src="vendor/uplot.js"></script>
<script src="app.js"></script>
</body>
</html>
`;
}

/** Text placed inside <script> or <style>: a closing tag in it would end the element early. */
function inert(text: string): string {
  return text.replace(/<\/(script|style)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

export interface ReportParts {
  uplotJs: string;
  uplotCss: string;
  appJs: string;
  /** The snapshot message the page starts from. */
  data: unknown;
  title: string;
}

export function reportHtml(parts: ReportParts): string {
  // JSON inside <script type="application/json"> is not run; escaping `<` keeps it from closing the tag.
  const data = JSON.stringify(parts.data).replace(/</g, '\\u003c');
  const title = parts.title.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cyclegan report · ${title}</title>
<style>${inert(parts.uplotCss)}</style>
<style>${inert(PAGE_CSS)}</style>
</head>
<body>${BODY}
<script type="application/json" id="cyclegan-data">${data}</script>
<script>${inert(parts.uplotJs)}</script>
<script>${inert(parts.appJs)}</script>
</body>
</html>
`;
}
