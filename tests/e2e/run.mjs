// End-to-end tests of the meshplan browser app in real headless Chromium.
//
// Serves dist/ (built by `trunk build --release --offline` at the repo root) on
// 127.0.0.1 with a tiny static server, drives Debian's chromium through
// playwright-core, finds elements by data-testid and data-* hooks only, and saves
// screenshots under target/e2e/. One line per test; the last line is
// `e2e: N passed, M failed`; exit status 1 on any failure.
//
// Tests that need a capability the app does not have yet (because the core
// module behind it is missing) are reported as PENDING, never as passed. The
// app says what it has on its root element: data-has-plan, data-has-share,
// data-has-bundle.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const dist = path.join(root, 'dist');
const shots = path.join(root, 'target', 'e2e');
fs.mkdirSync(shots, { recursive: true });

if (!fs.existsSync(path.join(dist, 'index.html'))) {
  console.error('dist/index.html is missing: run `trunk build --release --offline` at the repo root first');
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
}

// ---------------------------------------------------------------------------
// A static server for dist/, on a free port of 127.0.0.1.

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};
const served = [];
// Set by a test: the export worker's files answer 404, as on a broken deploy.
let brokenWorker = false;
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (brokenWorker && url.pathname.includes('meshplan-export')) {
    served.push(url.pathname);
    res.writeHead(404).end('not found');
    return;
  }
  let file = path.normalize(path.join(dist, decodeURIComponent(url.pathname)));
  if (!file.startsWith(dist)) {
    res.writeHead(403).end();
    return;
  }
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
  served.push(url.pathname);
  fs.readFile(file, (err, data) => {
    if (err) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    res.end(data);
  });
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

// ---------------------------------------------------------------------------
// The browser, with every request watched.

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const pageErrors = [];
const outside = [];

async function newContext() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === '127.0.0.1' || u.protocol === 'data:' || u.protocol === 'blob:') return route.continue();
    outside.push(route.request().url());
    return route.abort();
  });
  return context;
}

async function newPage(context) {
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['127.0.0.1'].includes(u.hostname) && !['data:', 'blob:'].includes(u.protocol)) outside.push(r.url());
  });
  return page;
}

async function open(page, hash = '') {
  await page.goto(`${origin}/${hash}`);
  await page.waitForSelector('[data-testid="canvas"]');
  // The first render draws the design; give the wasm a moment to settle.
  await page.waitForFunction(() => document.querySelector('.app') !== null);
}

const tid = (id) => `[data-testid="${id}"]`;

/// The saved work: the text and layout the app keeps in localStorage.
async function saved(page) {
  return page.evaluate(() => JSON.parse(localStorage.getItem('meshplan.doc.v1') || 'null'));
}

async function caps(page) {
  return page.evaluate(() => {
    const a = document.querySelector('.app');
    return {
      plan: a.dataset.hasPlan === 'true',
      share: a.dataset.hasShare === 'true',
      bundle: a.dataset.hasBundle === 'true',
    };
  });
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

async function loadExample(page, name) {
  const text = fs.readFileSync(path.join(root, 'examples', `${name}.yaml`), 'utf8');
  const designName = text.match(/^name: (.*)$/m)[1].trim();
  await page.selectOption(tid('examples'), name);
  await waitFor(async () => (await page.textContent('.design-name')) === designName, `example ${name} did not open`);
  await waitFor(async () => (await saved(page))?.text === text, `example ${name}: the saved text is not the example`);
}

/// Replaces the YAML text as a person would (select all, type over it).
async function setYaml(page, text) {
  await page.click(tid('tab-yaml'));
  await page.fill(tid('yaml'), text);
}

/// Pastes a whole text into the YAML tab: one input event, as a paste gives
/// (Playwright's fill() types a long text in pieces, one input event per line).
async function pasteYaml(page, text) {
  await page.click(tid('tab-yaml'));
  await page.$eval(tid('yaml'), (el, t) => {
    el.value = t;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function waitFor(fn, msg, timeout = 5000) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(msg);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------------------
// Zip listing (central directory), for comparing the app's export with the CLI's.

function zipEntries(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map();
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('damaged zip directory');
    const crc = buf.readUInt32LE(p + 16);
    const size = buf.readUInt32LE(p + 24);
    const nlen = buf.readUInt16LE(p + 28);
    const xlen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const name = buf.toString('utf8', p + 46, p + 46 + nlen);
    out.set(name, { crc, size });
    p += 46 + nlen + xlen + clen;
  }
  return out;
}

// ---------------------------------------------------------------------------
// The 600-node design of the performance issue, as `meshplan_core::scale::design(60,
// 10)` makes it: 60 sites × 10 nodes, two BIRD route reflectors per site serving
// it, the reflectors in a full backbone mesh over a WireGuard network they all
// join, Calico without encapsulation and without the node mesh.

function scaleDesign(sites = 60, perSite = 10) {
  const pad = (n, w) => String(n).padStart(w, '0');
  const L = ['version: 1', `name: scale-${sites}x${perSite}`, 'cluster:', '  cni: calico', '  pod_cidr: [10.64.0.0/10]',
    '  service_cidr: [10.128.0.0/16]', '  asn: 64512', '  calico:', '    node_mesh: false', 'sites:', '  wg: {lan_mtu: 1420}'];
  for (let s = 0; s < sites; s++) L.push(`  site${pad(s, 3)}: {}`);
  const addr = (s, host) => `172.${16 + Math.floor(s / 256)}.${s % 256}.${host}`;
  L.push('routers:');
  for (let s = 0; s < sites; s++) {
    for (const r of [1, 2]) L.push(`  site${pad(s, 3)}-rr${r}: {site: site${pad(s, 3)}, address: ${addr(s, r)}, serves: [site${pad(s, 3)}]}`);
  }
  L.push('nodes:');
  for (let s = 0; s < sites; s++) {
    for (let n = 0; n < perSite; n++) {
      const role = s === 0 && n === 0 ? 'server' : 'agent';
      L.push(`  site${pad(s, 3)}-n${pad(n, 2)}: {site: site${pad(s, 3)}, role: ${role}, address: ${addr(s, 10 + (n % 240))}}`);
    }
  }
  L.push('links:');
  for (let s = 0; s < sites; s++) {
    for (const r of [1, 2]) L.push(`  - {between: [site${pad(s, 3)}-rr${r}, wg], kind: wireguard}`);
  }
  return L.join('\n') + '\n';
}

// ---------------------------------------------------------------------------
// The tests.

const results = [];
const pending = [];
// E2E_ONLY=<regular expression>: run only the tests whose names match (while
// working on some; `cargo xtask test` runs them all).
const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY) : null;
let skipped = 0;
async function test(name, fn) {
  if (only && !only.test(name)) {
    skipped++;
    return;
  }
  const t0 = Date.now();
  try {
    const note = await fn();
    if (note && note.pending) {
      pending.push(`${name}: ${note.pending}`);
      console.log(`PENDING ${name} — ${note.pending}`);
      return;
    }
    results.push({ name, ok: true });
    console.log(`ok      ${name} (${Date.now() - t0} ms)${note ? ` — ${note}` : ''}`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAILED  ${name}: ${e.message.split('\n')[0]}`);
    if (only) console.log(e.message);
  }
}

const ctx = await newContext();
const page = await newPage(ctx);
let have = { plan: false, share: false, bundle: false };

await test('first visit shows the default design (calico-wds-hkg)', async () => {
  await open(page);
  have = await caps(page);
  for (const sel of ['[data-site="WDS"]', '[data-site="zt-global"]', '[data-node="kubemaster"]', '[data-node="kubenode-hkg04"]',
    '[data-router="gateway"]', '[data-router="cn-ns"]', '[data-host="ngb"]', '[data-link="0"]', '[data-link="3"]']) {
    await page.waitForSelector(`${tid('canvas')} ${sel}`, { timeout: 5000 });
  }
  const name = await page.textContent('.design-name');
  assert(name === 'wds-hkg', `design name is ${name}`);
  const errors = await page.locator('[data-severity="error"]').count();
  assert(errors === 0, `the default design shows ${errors} errors`);
  await shot(page, '01-default');
  const c = Object.entries(have).map(([k, v]) => `${k}: ${v ? 'yes' : 'no'}`).join(', ');
  return `app capabilities: ${c}`;
});

await test('add a site, a node and a link by clicking', async () => {
  await page.click(tid('add-site'));
  await page.waitForSelector('[data-site="site-1"]');
  // The new site is selected, so the node goes into it.
  await page.click(tid('add-node'));
  await page.waitForSelector('[data-node="node-1"]');
  let doc = await saved(page);
  assert(/node-1:\n\s+site: site-1/.test(doc.text), 'node-1 is not in site-1 in the saved text');
  await page.click(tid('add-link'));
  await page.click('[data-node="node-1"]');
  await page.click('[data-router="gateway"]');
  await page.waitForSelector('[data-link="4"]');
  doc = await saved(page);
  assert(/between:\s*\n\s*- node-1\n\s*- gateway/.test(doc.text) || doc.text.includes('- [node-1, gateway]'), 'the link is not in the text');
  await shot(page, '02-added');
});

await test('undo and redo (buttons and Ctrl+Z / Ctrl+Shift+Z)', async () => {
  await page.click(tid('undo'));
  await page.waitForSelector('[data-link="4"]', { state: 'detached' });
  await page.click(tid('redo'));
  await page.waitForSelector('[data-link="4"]');
  await page.click('.canvas-bg', { position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  await page.waitForSelector('[data-link="4"]', { state: 'detached' });
  await page.keyboard.press('Control+Shift+z');
  await page.waitForSelector('[data-link="4"]');
});

await test('delete with the key, then undo brings it back', async () => {
  await page.click('[data-node="node-1"]');
  await page.keyboard.press('Delete');
  await page.waitForSelector('[data-node="node-1"]', { state: 'detached' });
  await page.waitForSelector('[data-link="4"]', { state: 'detached' });
  await page.keyboard.press('Control+z');
  await page.waitForSelector('[data-node="node-1"]');
  await page.waitForSelector('[data-link="4"]');
});

await test('drag moves a device (layout only, the text is unchanged)', async () => {
  const before = await saved(page);
  const box = await page.locator('[data-node="node-1"] .icon').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 + 40, { steps: 6 });
  await page.mouse.up();
  await waitFor(async () => {
    const after = await saved(page);
    return after.layout.devices['node-1'].x !== before.layout.devices['node-1'].x;
  }, 'the position of node-1 did not change');
  const after = await saved(page);
  assert(after.text === before.text, 'dragging changed the topology text');
});

await test('rename in the panel: references follow, the place stays, its comment follows, a bad name is refused', async () => {
  // A comment on the node, typed in the YAML tab, must follow it to its new name.
  const plain = (await saved(page)).text;
  await pasteYaml(page, plain.replace(/^  node-1:$/m, '  # the edge box in rack 2\n  node-1:'));
  await waitFor(async () => (await saved(page)).text.includes('# the edge box'), 'the commented text was not saved');
  await page.click(tid('tab-plan'));
  const before = await saved(page);
  await page.click('[data-node="node-1"]');
  await page.fill('#f-name', 'edge-1');
  await page.press('#f-name', 'Enter');
  await page.waitForSelector('[data-node="edge-1"]');
  const after = await saved(page);
  assert(/- edge-1\n\s*- gateway/.test(after.text), 'the link does not name edge-1');
  assert(/# the edge box in rack 2\n  edge-1:/.test(after.text), `the comment did not follow the rename:\n${after.text}`);
  const [p0, p1] = [before.layout.devices['node-1'], after.layout.devices['edge-1']];
  assert(p0.x === p1.x && p0.y === p1.y, 'the renamed node moved');
  // A name already in use is refused in place, and nothing changes.
  await page.fill('#f-name', 'gateway');
  await page.press('#f-name', 'Enter');
  await page.waitForSelector('.field-error');
  assert((await saved(page)).text === after.text, 'a refused rename changed the text');
  // Node names must be Kubernetes names: the core's check says so, with its code.
  await page.fill('#f-name', 'Edge_1');
  await page.press('#f-name', 'Enter');
  await page.waitForSelector('.inspector [data-code="E010"][data-severity="error"]');
  await page.click(tid('undo'));
  await page.click(tid('undo'));
  await page.waitForSelector('[data-node="node-1"]');
  assert((await saved(page)).text === before.text, 'undo did not restore the name');
});

await test('reload keeps the work and its undo history', async () => {
  const before = await saved(page);
  await page.reload();
  await page.waitForSelector('[data-node="node-1"]');
  await page.waitForSelector('[data-link="4"]');
  const after = await saved(page);
  assert(after.text === before.text, 'the text changed across the reload');
  assert(await page.isEnabled(tid('undo')), 'undo is disabled after the reload: the history was lost');
});

/// The caret the page set, against what the finding says: its "line L, column
/// C" counts characters (code points), the textarea's selection UTF-16 units.
async function caretAgainstFinding(p, where) {
  const m = /line (\d+)[,:] ?(?:column )?(\d+)/.exec(where);
  assert(m, `no line and column in ${where}`);
  const [line, column] = [Number(m[1]), Number(m[2])];
  const { start, end, value } = await p.$eval(tid('yaml'), (el) => ({ start: el.selectionStart, end: el.selectionEnd, value: el.value }));
  const lines = value.split('\n');
  const before = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  const want = before + Array.from(lines[line - 1]).slice(0, column - 1).join('').length;
  assert(start === want && end === want, `line ${line}, column ${column}: the caret is at ${start}..${end}, not ${want}`);
  return value.slice(start);
}

await test('a finding on a line after an emoji or a non-ASCII name puts the caret on its own characters', async () => {
  // A context of its own: the saved work of the other tests stays as it is.
  const c = await newContext();
  const p = await newPage(c);
  await open(p);
  const design = [
    'version: 1',
    'name: caret',
    'cluster: {cni: calico, pod_cidr: [10.42.0.0/16], service_cidr: [10.43.0.0/16], asn: 64512}',
    'sites:',
    '  zurich: {label: "Zürich 🛰", kind: lan}',
    'nodes:',
    '  n1: {site: zurich, role: server, address: 10.0.0.1}',
    '  n2: {labels: {ort: "🛰Zürich"}, site: zürich, role: agent, address: 10.0.0.2}',
    '',
  ].join('\n');
  await pasteYaml(p, design);
  // The YAML tab's own list: E020 is about `site` after the emoji.
  const e020 = '.yaml-errors [data-code="E020"]';
  await p.waitForSelector(e020);
  await p.click(e020);
  const after = await caretAgainstFinding(p, await p.textContent(`${e020} .where`));
  assert(after.startsWith('site: zürich'), `the caret is before ${JSON.stringify(after.slice(0, 12))}, not \`site: zürich\``);
  // The notebook's finding without a path (a syntax error) opens the YAML tab at its place.
  await pasteYaml(p, design.replace('role: agent', 'role: [agent'));
  await p.click(tid('tab-plan'));
  const e003 = '.notebook [data-code="E003"]';
  await p.waitForSelector(e003);
  const where = await p.textContent(`${e003} .where`);
  await p.click(e003);
  await p.waitForSelector('.yaml-tab');
  await waitFor(async () => (await p.$eval(tid('yaml'), (el) => el.selectionStart)) > 0, 'the caret did not move');
  await caretAgainstFinding(p, where);
  await c.close();
});

await test('a YAML syntax error points at line and column; the drawing follows the text', async () => {
  const good = (await saved(page)).text;
  await setYaml(page, good.replace('cluster:', 'cluster: [oops'));
  await page.waitForSelector('.yaml-errors [data-code="E003"]');
  const where = await page.textContent('.yaml-errors [data-code="E003"] .where');
  assert(/line \d+, column \d+/.test(where), `no line and column: ${where}`);
  await shot(page, '03-yaml-error');
  await setYaml(page, good.replace('kubenode-wds-1', 'kubenode-wds-9'));
  await page.waitForSelector('[data-node="kubenode-wds-9"]');
  await page.keyboard.press('Control+z');
  await page.waitForSelector('[data-node="kubenode-wds-1"]');
});

await test('a damaged share link shows a message and leaves the work intact', async () => {
  const before = await saved(page);
  await page.goto(`${origin}/#t=Zm9vYmFy!!not-a-link`);
  await page.waitForSelector(tid('message'));
  const msg = await page.textContent(tid('message'));
  const after = await saved(page);
  assert(after.text === before.text, 'the work changed');
  await page.waitForSelector('[data-node="node-1"]');
  await shot(page, '04-damaged-link');
  if (!have.share) return `share links unavailable: the app refuses every link ("${msg.trim().slice(0, 60)}…")`;
  assert(/damaged/i.test(msg), `unclear message: ${msg}`);
});

await test('share link round trip in a second page', async () => {
  if (!have.share) return { pending: 'needs core module `share` (meshplan_core::share::{encode, decode})' };
  await page.goto(`${origin}/`);
  await page.waitForSelector('[data-node="node-1"]');
  await page.click(tid('share'));
  await waitFor(async () => (await page.evaluate(() => location.hash)).startsWith('#t='), 'no #t= in the address bar');
  const link = await page.evaluate(() => location.href);
  const clip = await page.evaluate(() => navigator.clipboard.readText()).catch(() => null);
  assert(clip === null || clip === link, 'the clipboard holds another link');
  const other = await newContext();
  const p2 = await newPage(other);
  await p2.goto(link);
  await p2.waitForSelector('[data-node="node-1"]');
  // The same design shares as the same link (the text itself when it has
  // comments, format 4; else the packed topology).
  await p2.click(tid('share'));
  await waitFor(async () => (await p2.evaluate(() => location.hash)).startsWith('#t='), 'no #t= in the second page');
  const again = await p2.evaluate(() => location.hash);
  assert(again === new URL(link).hash, 'the second page opened a different design');
  // Opening a link keeps the previous work (here: the default design) behind undo.
  assert(await p2.isEnabled(tid('undo')), 'undo is not offered after opening a link');
  // And the other way: a link to another design opened over this page's work.
  await loadExample(p2, 'kilo-multicloud');
  await p2.click(tid('share'));
  await waitFor(async () => (await p2.evaluate(() => location.hash)).startsWith('#t='), 'no #t= for the second design');
  const link2 = await p2.evaluate(() => location.href);
  // The example has comments: the link carries its text and says so.
  assert(new URL(link2).hash.startsWith('#t=4'), `the link of a text with comments is ${new URL(link2).hash.slice(0, 6)}…`);
  const told = await p2.textContent(tid('message'));
  assert(/carries your 2 comments/.test(told), `the message does not speak of the comments: ${told}`);
  await other.close();
  const mine = (await saved(page)).text;
  await page.goto(link2);
  await page.waitForSelector('[data-node="ty1.k3s"]');
  const kilo = fs.readFileSync(path.join(root, 'examples', 'kilo-multicloud.yaml'), 'utf8');
  await waitFor(async () => (await saved(page)).text === kilo, 'the opened link is not the example as written (comments included)');
  assert(!(await page.evaluate(() => location.hash)), 'the link stays in the address after opening');
  await page.click(tid('undo'));
  await page.waitForSelector('[data-node="node-1"]');
  assert((await saved(page)).text === mine, 'undo did not bring back the work the link replaced');
  return `link of ${link.length} characters; opening one over work keeps the work behind undo`;
});

await test('edit a link MTU in the panel and see the pod MTU change', async () => {
  if (!have.plan) return { pending: 'needs core module `plan` (meshplan_core::plan::build)' };
  await page.goto(`${origin}/`);
  await loadExample(page, 'calico-wds-hkg');
  await page.waitForSelector('[data-link="0"]');
  await waitFor(async () => (await page.textContent(tid('pod-mtu'))).includes('1370'), 'pod MTU is not 1370 (set in the file)');
  // Cluster MTU back to auto: the budget rules.
  await page.click('.canvas-bg', { position: { x: 5, y: 5 } });
  await page.click(tid('tab-inspect'));
  await page.fill('#f-cluster-mtu', 'auto');
  await page.press('#f-cluster-mtu', 'Enter');
  await waitFor(async () => (await page.textContent(tid('pod-mtu'))).includes('1420'), 'pod MTU is not the 1420 budget');
  await page.click('[data-link="0"]');
  await page.fill('#f-links-0-mtu', '1400');
  await page.press('#f-links-0-mtu', 'Enter');
  await waitFor(async () => (await page.textContent(tid('pod-mtu'))).includes('1400'), 'pod MTU did not follow the link MTU');
  await shot(page, '05-link-mtu');
  // The panel rewrote the text; the file's own comments are still in it.
  const text = (await saved(page)).text;
  assert(text.startsWith('# Calico without encapsulation over an existing'), `the header comment is gone:\n${text.slice(0, 200)}`);
  // Written in place: the link keeps its indentation and its other lines.
  assert(/\n  - between: \[gateway, zt-domestic\]\n    kind: zerotier\n    mtu: 1400\n/.test(text), `the link MTU is not in the text:\n${text}`);
  return 'the header comment survived two panel edits';
});

await test('create a blackhole: listed, and the router highlighted', async () => {
  if (!have.plan) return { pending: 'needs core module `plan` (blackhole detection, E071)' };
  await loadExample(page, 'calico-wds-hkg');
  const text = (await saved(page)).text;
  const cut = text.replace(/\n(\s*)- - cn-ns\n\s*- global-ns/, '').replace(/\n\s*- \[cn-ns, global-ns\]/, '');
  assert(cut !== text, 'could not find the cn-ns/global-ns backbone session in the text');
  await setYaml(page, cut);
  await page.click(tid('tab-plan'));
  await page.waitForSelector('[data-code="E071"][data-severity="error"]');
  await page.click('.notebook [data-code="E071"]');
  await page.waitForSelector('[data-router="cn-ns"].highlight');
  await shot(page, '06-blackhole');
});

await test('export is refused with the list of errors while the design has errors', async () => {
  await page.goto(`${origin}/`);
  await loadExample(page, 'calico-wds-hkg');
  // No server node left: E040.
  await setYaml(page, (await saved(page)).text.replace('role: server', 'role: agent'));
  await page.waitForSelector('.yaml-tab');
  await page.click(tid('tab-plan'));
  await page.waitForSelector('.notebook [data-code="E040"][data-severity="error"]');
  await page.click(tid('export'));
  await page.waitForSelector(`${tid('dialog')} [data-code="E040"][data-severity="error"]`);
  await shot(page, '07-export-refused');
  await page.keyboard.press('Escape');
  await page.waitForSelector(tid('dialog'), { state: 'detached' });
  await page.click(tid('undo'));
  await page.waitForSelector('.notebook [data-code="E040"]', { state: 'detached' });
});

await test('export downloads <name>.zip equal to the CLI export', async () => {
  if (!have.bundle) return { pending: 'needs core module `bundle` (meshplan_core::bundle::export)' };
  await loadExample(page, 'calico-wds-hkg');
  // The renderers are a second module, which the page also starts as its
  // analysis worker (the checks and the plan off the page's thread): the
  // page's own module never carries them.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(tid('export'))]);
  // Content-hashed like the page's own files (app/build/hash-worker.mjs), so no stale cache.
  assert(served.some((p) => /\/meshplan-export-[0-9a-f]{16}_bg\.wasm$/.test(p)), 'the export did not fetch the hashed worker module');
  assert(download.suggestedFilename() === 'wds-hkg.zip', `file name ${download.suggestedFilename()}`);
  const file = path.join(shots, 'wds-hkg.zip');
  await download.saveAs(file);
  const got = zipEntries(fs.readFileSync(file));
  assert(got.size > 0, 'the zip is empty');
  const cli = path.join(root, 'target', 'debug', 'meshplan');
  if (!fs.existsSync(cli)) return `${got.size} files (target/debug/meshplan not built: not compared with the CLI)`;
  const yaml = path.join(shots, 'wds-hkg.yaml');
  fs.writeFileSync(yaml, (await saved(page)).text);
  const out = path.join(shots, 'cli-wds-hkg.zip');
  try {
    execFileSync(cli, ['export', yaml, '-o', out], { stdio: 'pipe' });
  } catch (e) {
    return `${got.size} files (the CLI has no usable export: ${String(e.stderr || e.message).split('\n')[0]}; not compared)`;
  }
  const want = zipEntries(fs.readFileSync(out));
  const names = (m) => [...m.keys()].sort().join('\n');
  assert(names(got) === names(want), 'the app zip and the CLI zip list different files');
  for (const [n, e] of want) {
    const g = got.get(n);
    assert(g.crc === e.crc && g.size === e.size, `${n} differs between the app and the CLI`);
  }
  return `${got.size} files, equal to the CLI's`;
});

await test('export with the export module missing: a clear message, the work kept, the next export works', async () => {
  if (!have.bundle) return { pending: 'needs core module `bundle` (meshplan_core::bundle::export)' };
  const c = await newContext();
  const p = await newPage(c);
  try {
    await open(p);
    const before = (await saved(p)).text;
    brokenWorker = true;
    await p.click(tid('export'));
    await p.waitForSelector(`${tid('message')}.error:has-text("Export failed")`);
    const why = (await p.textContent(tid('message'))) || '';
    assert(/export (module|worker)/.test(why), `message: ${why}`);
    assert((await saved(p)).text === before, 'the work changed');
    brokenWorker = false;
    const [download] = await Promise.all([p.waitForEvent('download'), p.click(tid('export'))]);
    assert(download.suggestedFilename().endsWith('.zip'), `file name ${download.suggestedFilename()}`);
    return `said “${why.replace('×', '').trim()}”`;
  } finally {
    brokenWorker = false;
    await c.close();
  }
});

await test('open a .yaml file and save it back', async () => {
  const file = path.join(root, 'examples', 'flannel-metallb-pi.yaml');
  await page.setInputFiles(tid('open-file'), file);
  await page.waitForSelector('[data-node="node4"]');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Save")')]);
  const name = await page.textContent('.design-name');
  assert(download.suggestedFilename() === `${name}.yaml`, `saved as ${download.suggestedFilename()}`);
  const out = path.join(shots, download.suggestedFilename());
  await download.saveAs(out);
  assert(fs.readFileSync(out, 'utf8') === fs.readFileSync(file, 'utf8'), 'the saved file differs from the opened one');
});

await test('BGP session overlay and keyboard: Tab reaches the drawing, arrows move, Escape clears', async () => {
  await loadExample(page, 'calico-wds-hkg');
  await page.check(tid('bgp-toggle'));
  await page.waitForSelector('.bgp-overlay .session.role-backbone');
  const roles = await page.$$eval('.bgp-overlay .session', (els) => [...new Set(els.map((e) => e.getAttribute('class')))]);
  assert(roles.some((r) => r.includes('rr-client')) && roles.some((r) => r.includes('mesh')), `overlay roles: ${roles}`);
  await shot(page, '09-bgp-overlay');
  await page.uncheck(tid('bgp-toggle'));
  await page.focus('[data-node="kubemaster"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-node="kubemaster"].selected');
  const before = (await saved(page)).layout.devices.kubemaster;
  await page.keyboard.press('ArrowRight');
  await waitFor(async () => (await saved(page)).layout.devices.kubemaster.x === before.x + 10, 'ArrowRight did not move the node');
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-node="kubemaster"].selected', { state: 'detached' });
});

// What-if (issue 18): one element down at a time, as `meshplan plan --failures`
// reports it. The page must say what the CLI says, from the same core.

const cliPath = path.join(root, 'target', 'debug', 'meshplan');

/// `meshplan plan FILE --failures --format json` of `text`: failures by element path.
function cliFailures(text, name) {
  const file = path.join(shots, `${name}.yaml`);
  fs.writeFileSync(file, text);
  const out = execFileSync(cliPath, ['plan', file, '--failures', '--format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const doc = JSON.parse(out.toString());
  return { doc, by: new Map(doc.failures.map((f) => [f.element.path, f])) };
}

/// What the page's What-if section says, by the hooks the worker writes.
async function whatIfShown(p) {
  return p.evaluate(() => {
    const s = document.querySelector('[data-testid="whatif"]');
    const keys = (l) => [...s.querySelectorAll(`[data-list="${l}"] li[data-key]`)].map((li) => li.dataset.key).sort();
    return {
      element: s?.dataset.element,
      lost: Number(s?.dataset.sessionsLost),
      broken: Number(s?.dataset.broken),
      mtu: Number(s?.dataset.mtuDrops),
      moved: Number(s?.dataset.moved),
      brokenKeys: s ? keys('broken') : [],
      lostKeys: s ? keys('lost') : [],
      movedKeys: s ? keys('moved') : [],
      text: s?.textContent || '',
      drawnLost: [...document.querySelectorAll('.whatif-overlay .session.lost')].map((e) => e.dataset.lost).sort(),
      drawnCut: [...document.querySelectorAll('.whatif-overlay .cut-pair')].map((e) => e.dataset.ends).sort(),
      drawnMoved: document.querySelectorAll('.whatif-overlay .moved-path').length,
    };
  });
}

/// The page's What-if section against the CLI's entry for the same element.
function sameAsCli(got, f) {
  const sorted = (xs) => [...xs].sort();
  assert(got.element === f.element.path, `shows ${got.element}, not ${f.element.path}`);
  assert(got.lost === f.sessions_lost.length, `${got.lost} sessions lost, the CLI says ${f.sessions_lost.length}`);
  assert(got.broken === f.broken.length, `${got.broken} pairs cut, the CLI says ${f.broken.length}`);
  assert(got.mtu === f.mtu_drops.length, `${got.mtu} MTU drops, the CLI says ${f.mtu_drops.length}`);
  assert(got.moved === f.moved.length, `${got.moved} paths moved, the CLI says ${f.moved.length}`);
  const want = (xs) => JSON.stringify(sorted(xs.slice(0, 200)));
  assert(JSON.stringify(got.brokenKeys) === want(f.broken.map((b) => `${b.from}|${b.to}`)), `pairs cut differ: ${got.brokenKeys}`);
  assert(JSON.stringify(got.lostKeys) === want(f.sessions_lost.map((s) => `${s.a}|${s.b}|${s.family}`)), `sessions lost differ: ${got.lostKeys}`);
  assert(JSON.stringify(got.movedKeys) === want(f.moved.map((m) => `${m.from}|${m.to}`)), `paths moved differ: ${got.movedKeys}`);
  for (const b of f.broken) assert(got.text.includes(`${b.from} → ${b.to}: `), `the why of ${b.from} → ${b.to} is not said`);
  assert(got.text.includes(f.outage.words), `the outage is not the CLI's: ${f.outage.words}`);
  // Drawn: every lost session between two drawn devices, every site pair cut.
  const lostPairs = new Set(f.sessions_lost.map((s) => `${s.a}|${s.b}`));
  for (const l of lostPairs) assert(got.drawnLost.includes(l), `session ${l} is not marked lost on the drawing`);
  for (const [a, b] of f.broken_site_pairs) assert(got.drawnCut.includes(`${a}|${b}`), `site pair ${a}|${b} is not marked cut`);
  if (f.moved.length) assert(got.drawnMoved > 0, 'paths moved but none is drawn');
}

const opacity = (p, sel) => p.$eval(sel, (e) => getComputedStyle(e).opacity);

await test('What-if: fail the IEPL link of calico-wds-hkg, the page says what `plan --failures` says; the text and history stay', async () => {
  if (!fs.existsSync(cliPath)) throw new Error('target/debug/meshplan is missing: `cargo build -p meshplan`');
  await loadExample(page, 'calico-wds-hkg');
  const text = (await saved(page)).text;
  const { by } = cliFailures(text, 'whatif-calico');
  const iepl = [...by.values()].find((f) => f.element.kind === 'link' && f.element.name.includes('(iepl)'));
  assert(iepl, 'the CLI lists no IEPL link failure');
  assert(iepl.broken.length > 0, 'the CLI says the IEPL link cuts nothing: the test would prove little');
  const store = () => page.evaluate(() => JSON.stringify(Object.entries(localStorage).sort()));
  const before = await store();
  await page.click('.canvas-bg', { position: { x: 5, y: 5 } });
  await page.keyboard.press('w');
  await page.waitForSelector(`${tid('whatif-toggle')}[aria-pressed="true"]`);
  await page.click(`[data-link="${iepl.element.path.match(/\d+/)[0]}"] .link-label`);
  await page.waitForSelector(`${tid('whatif')}[data-element="${iepl.element.path}"]`, { timeout: 20000 });
  sameAsCli(await whatIfShown(page), iepl);
  assert((await opacity(page, `[data-link="${iepl.element.path.match(/\d+/)[0]}"]`)) === '0.35', 'the failed link is not greyed');
  await page.locator(tid('whatif')).scrollIntoViewIfNeeded();
  await shot(page, '13-whatif-iepl');
  assert((await store()) === before, 'What-if changed the saved text, layout or undo history');
  return `${iepl.element.name}: ${iepl.sessions_lost.length} sessions lost, ${iepl.broken.length} pairs cut (${iepl.broken_site_pairs.map((p) => p.join(' ↔ ')).join(', ')}), ${iepl.moved.length} moved, as the CLI says`;
});

await test('What-if: fail a route reflector, click again to bring it back, Esc leaves the mode', async () => {
  const text = (await saved(page)).text;
  const { by } = cliFailures(text, 'whatif-calico');
  const rr = by.get('routers.global-ns');
  assert(rr, 'the CLI lists no failure of routers.global-ns');
  await page.click('[data-router="global-ns"]');
  await page.waitForSelector(`${tid('whatif')}[data-element="routers.global-ns"]`, { timeout: 20000 });
  sameAsCli(await whatIfShown(page), rr);
  assert((await opacity(page, '[data-router="global-ns"]')) === '0.35', 'the failed router is not greyed');
  assert((await opacity(page, '[data-link="2"]')) === '1', 'the link failed before is still greyed');
  await shot(page, '14-whatif-reflector');
  await page.click('[data-router="global-ns"]');
  await page.waitForSelector(`${tid('whatif')}:not([data-element])`);
  assert((await page.locator('.whatif-overlay > *').count()) === 0, 'the overlay stayed after the restore');
  assert((await opacity(page, '[data-router="global-ns"]')) === '1', 'the restored router is still greyed');
  // A node does not fail alone: said, nothing failed.
  await page.click('[data-node="kubemaster"]');
  await page.waitForSelector(`${tid('message')}.error:has-text("does not fail alone")`);
  await page.click(`${tid('message')} .close`);
  await page.keyboard.press('Escape');
  await page.waitForSelector(`${tid('whatif-toggle')}[aria-pressed="false"]`);
  await page.waitForSelector(tid('whatif'), { state: 'detached' });
  return `${rr.sessions_lost.length} sessions lost, ${rr.broken.length} pairs cut, as the CLI says`;
});

await test('failure table: computed on request (timed), rows in the CLI order, a row shows its failure', async () => {
  const text = (await saved(page)).text;
  const { doc } = cliFailures(text, 'whatif-calico');
  await page.click(tid('tab-plan'));
  await page.click(tid('compute-failures'));
  await page.waitForSelector(tid('failures-took'), { timeout: 60000 });
  const rows = await page.$$eval('[data-failure]', (els) => els.map((e) => e.dataset.failure));
  const want = doc.failures.map((f) => f.element.path);
  assert(JSON.stringify(rows) === JSON.stringify(want), `rows ${rows} are not the CLI's ${want}`);
  const ms = await page.$eval(tid('failures-took'), (e) => Number(e.dataset.ms));
  await page.click('[data-failure="routers.cn-ns"]');
  await page.waitForSelector(`${tid('whatif-toggle')}[aria-pressed="true"]`);
  await page.waitForSelector(`${tid('whatif')}[data-element="routers.cn-ns"]`, { timeout: 20000 });
  sameAsCli(await whatIfShown(page), doc.failures.find((f) => f.element.path === 'routers.cn-ns'));
  await shot(page, '15-failure-table');
  await page.keyboard.press('Escape');
  return `${rows.length} failures planned in ${ms} ms (in the worker)`;
});

await test('What-if by keyboard: W, Enter on a router and on a table row, ? lists W', async () => {
  await page.click('.canvas-bg', { position: { x: 5, y: 5 } });
  await page.keyboard.press('w');
  await page.waitForSelector(`${tid('whatif-toggle')}[aria-pressed="true"]`);
  await page.focus('[data-router="gateway"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`${tid('whatif')}[data-element="routers.gateway"]`, { timeout: 20000 });
  assert(await page.evaluate(() => document.activeElement?.dataset?.router === 'gateway'), 'the focus left the router');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`${tid('whatif')}:not([data-element])`);
  await page.focus('[data-failure="links[0]"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`${tid('whatif')}[data-element="links[0]"]`, { timeout: 20000 });
  // Editing the design ends the failure (What-if is a view, not an edit).
  await page.click(tid('add-site'));
  await page.waitForSelector(`${tid('whatif-toggle')}[aria-pressed="false"]`);
  await page.click(tid('undo'));
  await page.click('.canvas-bg', { position: { x: 5, y: 5 } });
  await page.keyboard.press('?');
  await page.waitForSelector(tid('help'));
  const help = await page.textContent(tid('help'));
  assert(/What-if/.test(help) && help.includes('W'), 'the help does not list What-if and its key');
  await page.keyboard.press('Escape');
});

/// Pastes the generated design of `sites` × 10 nodes, then changes one link MTU
/// in the text `rounds` times; returns the medians of the core's own timing
/// (parse; checks and plan) and of the whole update, from the input event until
/// the drawing shows the new MTU.
async function measureReplan(sites, rounds, shotName) {
  const p = await newPage(ctx);
  await open(p);
  const design = scaleDesign(sites);
  await pasteYaml(p, design);
  const last = `site${String(sites - 1).padStart(3, '0')}-n09`;
  await p.waitForSelector(`[data-node="${last}"]`, { timeout: 60000 });
  await p.click(tid('tab-yaml'));
  const times = [];
  for (const mtu of [1400, 1380, 1360, 1340, 1320].slice(0, rounds)) {
    const text = design.replace('kind: wireguard}', `kind: wireguard, mtu: ${mtu}}`);
    const t = await p.evaluate(
      ([text, mtu]) =>
        new Promise((done) => {
          const area = document.querySelector('[data-testid="yaml"]');
          const t0 = performance.now();
          area.value = text;
          area.dispatchEvent(new Event('input', { bubbles: true }));
          const label = () => document.querySelector('[data-link="0"] .link-label')?.textContent || '';
          const poll = () => (label().includes(String(mtu)) ? done(performance.now() - t0) : requestAnimationFrame(poll));
          poll();
        }),
      [text, mtu],
    );
    // The worker's answer for this text: the core's own timing.
    await p.waitForSelector('.status[data-checking="false"]', { timeout: 60000 });
    const core = await p.evaluate(() => {
      const el = document.querySelector('[data-testid="timing"]');
      return { analyze: Number(el.dataset.analyzeMs), plan: Number(el.dataset.planMs) };
    });
    times.push({ ...core, page: t });
  }
  await p.click(tid('tab-plan'));
  await shot(p, shotName);
  await p.close();
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const parse = median(times.map((t) => t.analyze));
  const plan = median(times.map((t) => t.plan));
  const page = median(times.map((t) => t.page));
  const note = `median of ${rounds}: parse ${parse.toFixed(1)} ms + check and plan ${plan.toFixed(1)} ms = ${(parse + plan).toFixed(1)} ms (in the analysis worker); a YAML edit to the redrawn drawing ${page.toFixed(0)} ms (of which ${QUIET_MS} ms is the pause the page waits for before it reads typing)`;
  return { parse, plan, page, note };
}

/// The pause after a keystroke before the page reads the text (`state::QUIET_MS`).
const QUIET_MS = 200;

/// Renames the selected element in the panel to each of `names`; per rename,
/// from the change event to the frame that shows the drawing redrawn (the new
/// name on the drawing), and to the frame that shows the plan of the new text
/// (the worker's answer applied: the status bar is no longer checking).
async function renameTimings(p, names) {
  const drawn = [];
  const checked = [];
  for (const name of names) {
    const t = await p.evaluate(
      (name) =>
        new Promise((done) => {
          const el = document.querySelector('#f-name');
          const t0 = performance.now();
          el.value = name;
          el.dispatchEvent(new Event('change', { bubbles: true }));
          let drawnAt = null;
          const poll = () => {
            if (drawnAt === null && document.querySelector(`[data-node="${name}"]`)) drawnAt = performance.now() - t0;
            // Checking is set in the same turn as the new drawing; its end is the worker's answer.
            if (drawnAt !== null && document.querySelector('.status[data-checking="false"]')) {
              requestAnimationFrame(() => done({ drawn: drawnAt, checked: performance.now() - t0 }));
            } else requestAnimationFrame(poll);
          };
          poll();
        }),
      name,
    );
    assert((await p.textContent(tid('panel-title'))).trim() === `Node ${name}`, `rename to ${name}: the panel does not follow`);
    drawn.push(t.drawn);
    checked.push(t.checked);
  }
  return { drawn, checked };
}

/// What carrying the worker's last answer cost: encoding in the worker,
/// decoding on the page (ms), and its size.
async function transferCost(p) {
  return p.evaluate(() => {
    const d = document.documentElement.dataset;
    return { encode: Number(d.transferEncodeMs), decode: Number(d.transferDecodeMs), kb: Number(d.transferBytes) / 1000 };
  });
}

// The issue's sequence (issue 17): rename host hfe-nas, click "Link", click router
// gateway. The panel must name the gateway in its title and its Name field, and
// typing there renames the gateway; the file changes only where it must.
await test('the panel follows the selection: rename, Link, another element; the file keeps its lines', async () => {
  const c = await newContext();
  const p = await newPage(c);
  await open(p);
  const example = fs.readFileSync(path.join(root, 'examples', 'calico-wds-hkg.yaml'), 'utf8');
  await waitFor(async () => (await saved(p))?.text === example, 'the first visit is not the example');
  const panel = async () => ({
    title: (await p.textContent('[data-testid="panel-title"]')).trim(),
    name: await p.inputValue('#f-name'),
  });
  const expectPanel = async (title, name, step) => {
    await waitFor(async () => {
      const s = await panel();
      return s.title === title && s.name === name;
    }, `${step}: the panel shows ${JSON.stringify(await panel())}, not ${title} / ${name}`);
  };
  await p.click('[data-host="hfe-nas"]');
  await expectPanel('Host hfe-nas', 'hfe-nas', 'select hfe-nas');
  assert((await saved(p)).text === example, 'selecting changed the file');
  await p.fill('#f-name', 'nas');
  await p.press('#f-name', 'Enter');
  await p.waitForSelector('[data-host="nas"]');
  await expectPanel('Host nas', 'nas', 'rename to nas');
  const renamed = example.replace('  hfe-nas: {site: zt-domestic}', '  nas: {site: zt-domestic}');
  assert((await saved(p)).text === renamed, `the rename rewrote more than its line:\n${(await saved(p)).text}`);
  await p.click(tid('add-link'));
  await expectPanel('Host nas', 'nas', 'Link pressed');
  await p.click('[data-router="gateway"]');
  await expectPanel('Router gateway', 'gateway', 'gateway clicked as the first end');
  assert((await saved(p)).text === renamed, 'choosing a link end changed the file');
  await p.keyboard.press('Escape');
  await expectPanel('Router gateway', 'gateway', 'Escape');
  await shot(p, '10-panel-follows-selection');
  // Typing in the Name field renames what the panel names: the gateway.
  await p.fill('#f-name', 'gw');
  await p.press('#f-name', 'Enter');
  await p.waitForSelector('[data-router="gw"]');
  await expectPanel('Router gw', 'gw', 'rename gateway to gw');
  const text = (await saved(p)).text;
  assert(text.includes('  nas: {site: zt-domestic}\n'), 'the host lost its new name');
  assert(/^  gw:$/m.test(text) && !/\bgateway:/.test(text), 'the router is not renamed');
  assert(text.includes('- between: [gw, zt-domestic]') && text.includes('    - [gw, cn-ns]'), `references not renamed in place:\n${text}`);
  // Every other line is the person's.
  const other = (t) => t.split('\n').filter((l) => !/\bgw\b|\bgateway\b/.test(l));
  assert(JSON.stringify(other(text)) === JSON.stringify(other(renamed)), 'lines without the router changed');
  // Another element: the Name field is built for it.
  await p.click('[data-node="kubemaster"]');
  await expectPanel('Node kubemaster', 'kubemaster', 'select kubemaster');
  await p.click(tid('undo'));
  await p.waitForSelector('[data-router="gateway"]');
  await expectPanel('Node kubemaster', 'kubemaster', 'undo');
  await c.close();
});

await test('first run says the design is an example; ? opens the help with the legend; keys and focus', async () => {
  const c = await newContext();
  const p = await newPage(c);
  await open(p);
  await p.waitForSelector(tid('first-run'));
  const note = await p.textContent(tid('first-run'));
  assert(/example/i.test(note) && /New/.test(note), `the first-run note does not say what it is: ${note}`);
  await shot(p, '11-first-run');
  await p.click('.canvas-bg', { position: { x: 5, y: 5 } });
  await p.keyboard.press('?');
  await p.waitForSelector(tid('help'));
  await waitFor(async () => p.evaluate(() => document.activeElement?.dataset?.testid === 'help-close'), 'the help did not take the focus');
  const help = await p.textContent(tid('help'));
  for (const w of ['Route reflector', 'Backbone', 'Pod MTU vs budget', 'Site', 'Host', 'Link']) assert(help.includes(w), `the help lacks ${w}`);
  assert(await p.isVisible(tid('legend')), 'no legend');
  await shot(p, '12-help');
  await p.keyboard.press('Escape');
  await p.waitForSelector(tid('help'), { state: 'detached' });
  await p.click(tid('first-run-close'));
  await p.waitForSelector(tid('first-run'), { state: 'detached' });
  // The note speaks of the example: pasting another design closes it too.
  const c2 = await newContext();
  const p2 = await newPage(c2);
  await open(p2);
  await p2.waitForSelector(tid('first-run'));
  await pasteYaml(p2, fs.readFileSync(path.join(root, 'examples', 'flannel-metallb-pi.yaml'), 'utf8'));
  await p2.waitForSelector(tid('first-run'), { state: 'detached' });
  await c2.close();
  // Cluster settings from the toolbar, whatever is selected.
  await p.click('[data-node="kubemaster"]');
  await p.click(tid('cluster-settings'));
  await waitFor(async () => (await p.textContent(tid('panel-title'))).trim() === 'Cluster settings', 'Cluster… did not open the settings');
  // Route reflection as a checklist of sites, written in place.
  const before = (await saved(p)).text;
  await p.click('[data-router="gateway"]');
  assert(await p.isChecked('[data-serves="WDS"]'), 'gateway serves WDS but its box is not ticked');
  await p.check('[data-serves="zt-global"]');
  await waitFor(async () => (await saved(p)).text.includes('serves: [WDS, zt-global]'), 'ticking a site did not add it to serves');
  assert((await saved(p)).text === before.replace('serves: [WDS]', 'serves: [WDS, zt-global]'), 'serves rewrote other lines');
  // Add: the focus is in the new element's Name; Delete: the focus stays on the drawing.
  // The gateway is selected: a node added now goes to its site, WDS.
  await p.click(tid('add-node'));
  await waitFor(async () => p.evaluate(() => document.activeElement?.id === 'f-name'), 'Add left the focus outside the Name field');
  await p.keyboard.press('Control+a');
  await p.keyboard.type('kubenode-wds-2');
  await p.keyboard.press('Enter');
  await p.waitForSelector('[data-node="kubenode-wds-2"]');
  await p.click('[data-node="kubenode-wds-2"]');
  await p.keyboard.press('Delete');
  await p.waitForSelector('[data-node="kubenode-wds-2"]', { state: 'detached' });
  await waitFor(async () => p.evaluate(() => document.activeElement && document.activeElement !== document.body), 'the focus fell to the body after Delete');
  const focused = await p.evaluate(() => document.activeElement.dataset.site || document.activeElement.dataset.testid);
  // Zoom keys: + zooms in, 0 fits.
  await p.evaluate(() => document.activeElement.blur());
  await p.keyboard.press('+');
  await p.waitForSelector(`${tid('zoom-fit')}:not(.active)`);
  await p.keyboard.press('0');
  await p.waitForSelector(`${tid('zoom-fit')}.active`);
  await c.close();
  return `focus after Delete: ${focused}`;
});

// Issue 17: at 1024×700 the header and the toolbar each stay one row, every
// control on screen and clickable where it is drawn, the design's name shown
// (cut with an ellipsis when long).
await test('the toolbar at 1024×700: one row, every control visible and clickable, the design name shown', async () => {
  const c = await newContext();
  const p = await newPage(c);
  await p.setViewportSize({ width: 1024, height: 700 });
  await open(p);
  const example = fs.readFileSync(path.join(root, 'examples', 'calico-wds-hkg.yaml'), 'utf8');
  const long = 'a-design-whose-name-is-far-too-long-to-be-shown-whole-in-it';
  await pasteYaml(p, example.replace(/^name: .*$/m, `name: ${long}`));
  await waitFor(async () => (await p.textContent('.design-name')) === long, 'the long name is not the design name');
  await p.click(tid('first-run-close'), { timeout: 1000 }).catch(() => {});
  const layout = await p.evaluate(() => {
    const controls = (bar) => {
      const all = [...bar.querySelectorAll('button, select, input:not([type=file]), .toggle, .count, .pod-mtu, .design-name')]
        .filter((e) => !e.closest('[hidden]') && getComputedStyle(e).display !== 'none');
      // A control inside another (the BGP checkbox in its label) counts as that one.
      return all.filter((e) => !all.some((o) => o !== e && o.contains(e)));
    };
    const out = [];
    for (const sel of ['.header', '.toolbar']) {
      const bar = document.querySelector(sel);
      const b = bar.getBoundingClientRect();
      for (const e of controls(bar)) {
        const r = e.getBoundingClientRect();
        const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        out.push({
          bar: sel, what: e.dataset.testid || e.getAttribute('aria-label') || e.textContent.trim().slice(0, 20),
          top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, barTop: b.top, barHeight: b.height,
          hit: !!hit && (hit === e || e.contains(hit) || hit.contains(e)),
        });
      }
    }
    const name = document.querySelector('.design-name');
    return { out, width: innerWidth, nameCut: name.scrollWidth > name.clientWidth, nameStyle: getComputedStyle(name).textOverflow, nameWidth: name.clientWidth };
  });
  for (const bar of ['.header', '.toolbar']) {
    const row = layout.out.filter((x) => x.bar === bar);
    assert(row.length > 4, `${bar}: only ${row.length} controls found`);
    // One row: every control's middle at the same height as the first's.
    const mid = (x) => (x.top + x.bottom) / 2;
    for (const x of row) {
      assert(Math.abs(mid(x) - mid(row[0])) < 8, `${bar}: ${x.what} is on another row (middle ${mid(x)} vs ${mid(row[0])})`);
      assert(x.left >= 0 && x.right <= layout.width && x.width > 0, `${bar}: ${x.what} is off screen (${x.left}–${x.right} of ${layout.width})`);
      assert(x.hit, `${bar}: ${x.what} is covered where it is drawn`);
    }
    assert(row[0].barHeight < 50, `${bar} is ${row[0].barHeight} px tall: it wrapped`);
    // Side by side, none over another.
    const sorted = row.slice().sort((a, b) => a.left - b.left);
    for (let i = 1; i < sorted.length; i++) {
      assert(sorted[i].left >= sorted[i - 1].right - 0.5, `${bar}: ${sorted[i].what} overlaps ${sorted[i - 1].what}`);
    }
  }
  assert(layout.nameWidth >= 80, `the design name is ${layout.nameWidth} px wide`);
  assert(layout.nameCut && layout.nameStyle === 'ellipsis', 'the long design name is not cut with an ellipsis');
  // Clickable: Playwright's checks (visible, stable, receives the click) on every enabled control.
  for (const sel of ['add-site', 'add-node', 'add-router', 'add-host', 'add-link', 'cluster-settings', 'bgp-toggle', 'whatif-toggle',
    'new', 'examples', 'help-open', 'share', 'export', 'find']) {
    await p.locator(tid(sel)).click({ trial: true, timeout: 2000 }).catch((e) => { throw new Error(`${sel} is not clickable: ${e.message.split('\n')[0]}`); });
  }
  await shot(p, '24-toolbar-1024x700');
  await c.close();
  return `${layout.out.length} controls in two rows of one line each; the name ${layout.nameWidth} px, ellipsised`;
});

// Issue 17: a site collapses to one box with its counts; links to its devices
// end on the box; the state is the layout's (saved with it, the file unchanged).
await test('a site collapses to one box with its counts; links attach to it; saved with the layout, not in the file', async () => {
  const c = await newContext();
  const p = await newPage(c);
  await open(p);
  const example = fs.readFileSync(path.join(root, 'examples', 'calico-wds-hkg.yaml'), 'utf8');
  await waitFor(async () => (await saved(p))?.text === example, 'the first visit is not the example');
  await p.click(tid('first-run-close'), { timeout: 1000 }).catch(() => {});
  await p.click('[data-collapse="IEPL"]');
  await p.waitForSelector('[data-site="IEPL"].collapsed');
  const counts = (await p.textContent('[data-site="IEPL"] [data-testid="site-counts"]')).trim();
  assert(counts === '2 routers', `the collapsed IEPL says ${counts}`);
  assert(!(await p.isVisible('[data-router="cn-ns"]')) && !(await p.isVisible('[data-router="global-ns"]')), 'IEPL\'s routers still show');
  // Links to its routers end on its box; the link between its two routers is not drawn.
  const geo = await p.evaluate(() => {
    const r = document.querySelector('[data-site="IEPL"] .site-area');
    const box = ['x', 'y', 'width', 'height'].map((a) => Number(r.getAttribute(a)));
    const ends = (i) => {
      const l = document.querySelector(`[data-link="${i}"] .link-line`);
      return { hidden: l.closest('.link').classList.contains('hidden'), p: [Number(l.getAttribute('x1')), Number(l.getAttribute('y1'))], q: [Number(l.getAttribute('x2')), Number(l.getAttribute('y2'))] };
    };
    return { box, l1: ends(1), l2: ends(2), l3: ends(3) };
  });
  const [x, y, w, h] = geo.box;
  const onBorder = ([px, py]) => px >= x - 1 && px <= x + w + 1 && py >= y - 1 && py <= y + h + 1
    && (Math.abs(px - x) < 1 || Math.abs(px - x - w) < 1 || Math.abs(py - y) < 1 || Math.abs(py - y - h) < 1);
  assert(onBorder(geo.l1.p), `cn-ns's link to zt-domestic starts at ${geo.l1.p}, not on IEPL's box ${geo.box}`);
  assert(onBorder(geo.l3.p), `global-ns's link to zt-global starts at ${geo.l3.p}, not on IEPL's box ${geo.box}`);
  assert(geo.l2.hidden, 'the link between the two IEPL routers is drawn inside the collapsed box');
  await waitFor(async () => JSON.stringify((await saved(p)).layout.collapsed) === '["IEPL"]', 'the collapsed state is not saved with the layout');
  assert((await saved(p)).text === example, 'collapsing changed the file');
  await shot(p, '22-site-collapsed');
  // Kept on reload; C on the focused site opens it again; undo collapses it back.
  await p.reload();
  await p.waitForSelector('[data-site="IEPL"].collapsed');
  await p.focus('[data-site="IEPL"]');
  await p.keyboard.press('c');
  await p.waitForSelector('[data-site="IEPL"]:not(.collapsed)');
  assert(await p.isVisible('[data-router="cn-ns"]'), 'opened, cn-ns does not show');
  await waitFor(async () => (await saved(p)).layout.collapsed === undefined, 'the opened site is still saved collapsed');
  await p.click(tid('undo'));
  await p.waitForSelector('[data-site="IEPL"].collapsed');
  await c.close();
  return `IEPL collapsed: "${counts}", two links end on its box, one hidden; saved as layout.collapsed, the file unchanged`;
});

// Issue 17's done-when: the Calico seed's design built from "New" with the panel
// and the drawing only (never the YAML tab), mirrors and versions included, and
// its bundle identical to the example's as the CLI exports it.
await test('the Calico seed built from New by clicks and typing: its bundle equals the example bundle', async () => {
  const c = await newContext();
  const p = await newPage(c);
  let clicks = 0;
  let keys = 0;
  const click = async (sel) => {
    clicks++;
    await p.click(sel);
  };
  // A field: typed, then left (a field applies when it loses the focus, as on Tab).
  const type = async (id, value) => {
    // Already so (the address suggested for a new device is often the next one): nothing to type.
    if ((await p.inputValue(`#${id}`)) === value) return;
    const before = (await saved(p)).text;
    clicks++;
    keys += value.length + 1;
    await p.fill(`#${id}`, value);
    await p.$eval(`#${id}`, (e) => e.blur());
    const refused = () => p.$$eval(`#${id} ~ .field-error`, (es) => es.map((e) => e.textContent).join(' '));
    await waitFor(async () => (await saved(p)).text !== before || (await refused()), `typing ${JSON.stringify(value)} into #${id} changed nothing`);
    const error = await refused();
    assert(!error, `#${id} refused ${JSON.stringify(value)}: ${error}`);
  };
  const choose = async (id, value) => {
    const before = (await saved(p)).text;
    clicks += 2;
    await p.selectOption(`#${id}`, value);
    await waitFor(async () => (await saved(p)).text !== before, `choosing ${value} in #${id} changed nothing`);
  };
  const rename = async (what, name) => {
    clicks++;
    keys += name.length + 1;
    await p.fill('#f-name', name);
    await p.press('#f-name', 'Enter');
    await p.waitForSelector(`[data-${what}="${name}"]`);
    await waitFor(async () => (await p.textContent(tid('panel-title'))).trim().endsWith(` ${name}`), `the panel is not ${name}'s`);
  };
  // A site by the keyboard (Tab to it, Enter): a site added later can be drawn
  // over an earlier one's title (the drawing's layout does not yet keep growing
  // sites apart), which a click would hit instead.
  const selectSite = async (s) => {
    keys++;
    await p.focus(`[data-site="${s}"]`);
    await p.keyboard.press('Enter');
  };
  const add = async (what, name) => {
    await click(tid(`add-${what}`));
    await waitFor(async () => p.evaluate(() => document.activeElement?.id === 'f-name'), `Add ${what}: the focus is not in Name`);
    await rename(what, name);
  };

  await open(p);
  await click(tid('new'));
  await waitFor(async () => (await p.textContent('.design-name')) === 'new-design', 'New did not start a design');
  await waitFor(async () => (await p.textContent(tid('panel-title'))).trim() === 'Cluster settings', 'New did not show the settings');

  // The cluster: name, versions, the China mirrors, Calico's registry.
  await type('f-name', 'wds-hkg');
  await type('f-description', 'Cross-region K3s with Calico in no-encapsulation mode, routed by the existing BIRD backbone');
  await type('f-cluster-k3s_version', 'v1.34.5+k3s1');
  await type('f-cluster-mtu', '1370');
  await type('f-cluster-install_mirror', 'cn');
  await type('f-cluster-registry_mirrors', 'docker.io = https://docker.m.daocloud.io\nquay.io = https://quay.m.daocloud.io');
  await type('f-cluster-calico-version', 'v3.26.1');
  await type('f-cluster-calico-registry', 'quay.m.daocloud.io');

  // The sites.
  for (const [name, label, kind, mtu] of [['WDS', 'WDS', 'lan', '1500'], ['zt-domestic', 'Domestic', 'zerotier', '1420'], ['IEPL'], ['zt-global', 'Global', 'zerotier', '1420']]) {
    await click(tid('add-site'));
    await p.waitForSelector('[data-site="site-1"]');
    await rename('site', name);
    if (!label) {
      clicks++;
      await p.uncheck(`#f-sites-${name}-lan`);
      await waitFor(async () => (await saved(p)).text.includes('lan: false'), 'unticking "share one network" wrote nothing');
      continue;
    }
    await type(`f-sites-${name}-label`, label);
    if (kind !== 'lan') await choose(`f-sites-${name}-kind`, kind);
    await type(`f-sites-${name}-lan_mtu`, mtu);
  }

  // The routers: addresses, route reflection, the two namespaces of one box.
  const routers = [
    ['gateway', 'WDS', '192.168.100.1', 'WDS'],
    ['cn-ns', 'IEPL', '100.64.0.108', null, 'iepl-box', 'cn-ns'],
    ['global-ns', 'IEPL', '100.64.1.106', 'zt-global', 'iepl-box', 'global-ns'],
  ];
  for (const [name, site, address, serves, machine, netns] of routers) {
    await selectSite(site);
    await add('router', name);
    await type(`f-routers-${name}-address`, address);
    await type(`f-routers-${name}-router_id`, address);
    if (serves) {
      clicks++;
      const before = (await saved(p)).text;
      await p.check(`#f-routers-${name}-serves [data-serves="${serves}"]`);
      await waitFor(async () => (await saved(p)).text !== before, `ticking ${serves} for ${name} wrote nothing`);
    }
    if (machine) {
      await type(`f-routers-${name}-machine`, machine);
      await type(`f-routers-${name}-netns`, netns);
    }
  }

  // The hosts and the nodes.
  for (const [site, hosts] of [['zt-domestic', ['ngb', 'hfe-nas']], ['zt-global', ['hkg02', 'tyo']]]) {
    await selectSite(site);
    for (const h of hosts) await add('host', h);
  }
  for (const [name, site, role, address] of [
    ['kubemaster', 'WDS', 'server', '192.168.100.251'],
    ['kubenode-wds-1', 'WDS', 'agent', '192.168.100.252'],
    ['kubenode-hkg04', 'zt-global', 'agent', '10.2.5.7'],
  ]) {
    await selectSite(site);
    await add('node', name);
    assert((await p.inputValue(`#f-nodes-${name}-role`)) === role, `${name} is not a${role === 'agent' ? 'n' : ''} ${role}`);
    await type(`f-nodes-${name}-address`, address);
  }

  // The links, drawn end to end, their kind and MTU set in the panel.
  const end = async (e) => (['WDS', 'zt-domestic', 'IEPL', 'zt-global'].includes(e) ? selectSite(e) : click(`[data-router="${e}"]`));
  const links = [
    ['gateway', 'zt-domestic', 'zerotier', '1420'],
    ['cn-ns', 'zt-domestic', 'zerotier', '1420'],
    ['cn-ns', 'global-ns', 'iepl', '1500'],
    ['global-ns', 'zt-global', 'zerotier', '1420'],
  ];
  for (const [i, [a, b, kind, mtu]] of links.entries()) {
    await click(tid('add-link'));
    await end(a);
    await end(b);
    await p.waitForSelector(`[data-link="${i}"]`);
    await waitFor(async () => (await p.textContent(tid('panel-title'))).trim() === `Link ${i}: ${a} – ${b}`, `link ${i} is not selected`);
    if ((await p.inputValue(`#f-links-${i}-kind`)) !== kind) await choose(`f-links-${i}-kind`, kind);
    await type(`f-links-${i}-mtu`, mtu);
  }

  // The backbone as written, from the toolbar's Cluster….
  await click(tid('cluster-settings'));
  await type('f-bgp-backbone', 'gateway, cn-ns\ncn-ns, global-ns\ngateway, global-ns');
  await shot(p, '17-calico-built-from-new');
  assert((await p.getAttribute(tid('tab-yaml'), 'aria-selected')) !== 'true', 'the YAML tab was opened');
  const errors = await p.locator('[data-severity="error"]').count();
  assert(errors === 0, `the built design shows ${errors} errors`);

  // Its bundle, and the CLI's of the example.
  clicks++;
  const [download] = await Promise.all([p.waitForEvent('download'), p.click(tid('export'))]);
  assert(download.suggestedFilename() === 'wds-hkg.zip', `file name ${download.suggestedFilename()}`);
  const file = path.join(shots, 'built-wds-hkg.zip');
  await download.saveAs(file);
  const built = (await saved(p)).text;
  fs.writeFileSync(path.join(shots, 'built-wds-hkg.yaml'), built);
  await c.close();
  const cli = path.join(root, 'target', 'debug', 'meshplan');
  assert(fs.existsSync(cli), 'target/debug/meshplan is not built: `cargo build -p meshplan`');
  const out = path.join(shots, 'cli-example-wds-hkg.zip');
  execFileSync(cli, ['export', path.join(root, 'examples', 'calico-wds-hkg.yaml'), '-o', out], { stdio: 'pipe' });
  const got = zipEntries(fs.readFileSync(file));
  const want = zipEntries(fs.readFileSync(out));
  const names = (m) => [...m.keys()].sort().join('\n');
  assert(names(got) === names(want), `the built bundle lists other files:\n${names(got)}`);
  const differ = [...want].filter(([n, e]) => got.get(n).crc !== e.crc || got.get(n).size !== e.size).map(([n]) => n);
  assert(differ.length === 0, `differs from the example's bundle: ${differ.join(', ')}`);
  return `${got.size} files equal to the example's; ${clicks} clicks, ${keys} keystrokes typed`;
});

// Issue 17: a finding that names a field opens the panel on that field.
await test('a finding that names a field opens the panel with the focus in it', async () => {
  const c = await newContext();
  const p = await newPage(c);
  await open(p);
  const example = fs.readFileSync(path.join(root, 'examples', 'calico-wds-hkg.yaml'), 'utf8');
  await pasteYaml(p, example.replace('192.168.100.252', '192.168.100.251'));
  await p.click(tid('tab-plan'));
  const card = '.diag[data-code="E032"][data-path="nodes.kubenode-wds-1.address"]';
  await p.waitForSelector(card);
  await p.click(card);
  await waitFor(async () => p.evaluate(() => document.activeElement?.id === 'f-nodes-kubenode-wds-1-address'), 'the address field did not take the focus');
  assert((await p.getAttribute(tid('tab-inspect'), 'aria-selected')) === 'true', 'the panel is not shown');
  await c.close();
});

// Issue 17: the main flow by the keyboard alone — no click, no mouse: New,
// sites and nodes named as they are added, a link drawn end to end, a delete
// and its undo, Find, the help, and the export, whose bundle is the CLI's.
await test('the main flow by keyboard alone: new design, sites, nodes, a link, delete and undo, find, help, export', async () => {
  const c = await newContext();
  const p = await newPage(c);
  let keys = 0;
  const press = async (k) => {
    keys++;
    await p.keyboard.press(k);
  };
  const focused = (sel) => p.evaluate((s) => !!document.activeElement?.matches(s), sel);
  // Tab (forward) until `sel` has the focus: a person reads the screen; the test knows where it goes.
  const tabTo = async (sel) => {
    for (let i = 0; i < 400; i++) {
      if (await focused(sel)) return;
      await press('Tab');
    }
    throw new Error(`Tab never reached ${sel}`);
  };
  const typeName = async (name) => {
    await waitFor(() => focused('#f-name'), 'the focus is not in the Name field');
    await press('Control+a');
    keys += name.length;
    await p.keyboard.type(name);
    await press('Enter');
  };
  const add = async (what, name) => {
    await tabTo(tid(`add-${what}`));
    await press('Enter');
    await typeName(name);
    await p.waitForSelector(`[data-${what}="${name}"]`);
  };
  const title = async () => (await p.textContent(tid('panel-title'))).trim();

  await open(p);
  await tabTo(tid('new'));
  await press('Enter');
  await waitFor(async () => (await p.textContent('.design-name')) === 'new-design', 'New did not start a design');
  await tabTo('#f-name');
  await typeName('kbd-flow');
  await waitFor(async () => (await p.textContent('.design-name')) === 'kbd-flow', 'the plan name did not change');
  await add('site', 'home');
  await add('node', 'master');
  await add('node', 'worker');
  await add('site', 'cloud');
  await add('node', 'cloud-1');
  // A link: Link, then its two ends, each reached by Tab and picked by Enter.
  await tabTo(tid('add-link'));
  await press('Enter');
  await tabTo('[data-site="home"]');
  await press('Enter');
  await tabTo('[data-site="cloud"]');
  await press('Enter');
  await p.waitForSelector('[data-link="0"]');
  await waitFor(async () => (await title()) === 'Link 0: home – cloud', 'the new link is not selected');
  // Delete a node and bring it back.
  await tabTo('[data-node="worker"]');
  await press('Enter');
  await waitFor(async () => (await title()) === 'Node worker', 'Enter did not select worker');
  await tabTo('[data-node="worker"]');
  await press('Delete');
  await p.waitForSelector('[data-node="worker"]', { state: 'detached' });
  assert(!(await focused('body')), 'the focus fell to the page after Delete');
  await press('Control+z');
  await p.waitForSelector('[data-node="worker"]');
  // Find: `/`, a name, Enter.
  await p.evaluate(() => document.activeElement?.blur());
  await press('/');
  await waitFor(() => focused(tid('find')), '/ did not focus Find');
  keys += 7;
  await p.keyboard.type('cloud-1');
  await press('Enter');
  await waitFor(async () => (await title()) === 'Node cloud-1', 'Find did not select cloud-1');
  // The help opens on `?` with the focus in it, and Esc closes it.
  await p.evaluate(() => document.activeElement?.blur());
  await press('?');
  await waitFor(() => focused(tid('help-close')), 'the help did not take the focus');
  await press('Escape');
  await p.waitForSelector(tid('help'), { state: 'detached' });
  await shot(p, '21-keyboard-flow');
  // Export by Enter on its button; the bundle is the CLI's for the same text.
  await tabTo(tid('export'));
  keys++;
  const [download] = await Promise.all([p.waitForEvent('download'), p.keyboard.press('Enter')]);
  const file = path.join(shots, 'keyboard-flow.zip');
  await download.saveAs(file);
  const text = (await saved(p)).text;
  await c.close();
  const yaml = path.join(shots, 'keyboard-flow.yaml');
  fs.writeFileSync(yaml, text);
  const out = path.join(shots, 'keyboard-flow-cli.zip');
  execFileSync(cliPath, ['export', yaml, '-o', out], { stdio: 'pipe' });
  const got = zipEntries(fs.readFileSync(file));
  const want = zipEntries(fs.readFileSync(out));
  const differ = [...want].filter(([n, e]) => got.get(n)?.crc !== e.crc || got.get(n)?.size !== e.size).map(([n]) => n);
  assert(got.size === want.size && differ.length === 0, `the bundle differs from the CLI's: ${differ.join(', ')}`);
  return `${keys} keystrokes, no click; bundle of ${got.size} files equal to \`meshplan export\` of the same text`;
});

await test('a node dropped on another site moves there: the file changes its site line only; undo', async () => {
  const c = await newContext();
  const p = await newPage(c);
  await open(p);
  const example = fs.readFileSync(path.join(root, 'examples', 'calico-wds-hkg.yaml'), 'utf8');
  await waitFor(async () => (await saved(p))?.text === example, 'the first visit is not the example');
  const from = await p.locator('[data-node="kubenode-hkg04"] .icon').boundingBox();
  const to = await p.locator('[data-site="WDS"] .site-area').boundingBox();
  await p.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await p.mouse.down();
  await p.mouse.move(to.x + 40, to.y + to.height - 30, { steps: 8 });
  await p.mouse.up();
  const moved = example.replace('  kubenode-hkg04:\n    site: zt-global', '  kubenode-hkg04:\n    site: WDS');
  await waitFor(async () => (await saved(p)).text === moved, `the file is not the example with kubenode-hkg04 in WDS:\n${(await saved(p)).text}`);
  await waitFor(async () => (await p.textContent(tid('panel-title'))).trim() === 'Node kubenode-hkg04', 'the moved node is not selected');
  assert((await p.inputValue('#f-nodes-kubenode-hkg04-site')) === 'WDS', 'the panel does not say WDS');
  await shot(p, '18-node-dropped-on-wds');
  // Within its own site, a drag only moves it.
  const before = (await saved(p)).layout.devices['kubenode-hkg04'];
  const box = await p.locator('[data-node="kubenode-hkg04"] .icon').boundingBox();
  await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await p.mouse.down();
  await p.mouse.move(box.x + box.width / 2 + 20, box.y + box.height / 2 + 10, { steps: 4 });
  await p.mouse.up();
  await waitFor(async () => (await saved(p)).layout.devices['kubenode-hkg04'].x !== before.x, 'the second drag did not move it');
  assert((await saved(p)).text === moved, 'a drag inside its site changed the file');
  let undos = 0;
  while ((await saved(p)).text !== example && undos < 4) {
    await p.click(tid('undo'));
    undos++;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert((await saved(p)).text === example, 'undo did not bring it back to zt-global');
  await c.close();
  return `back in zt-global after ${undos} undo steps (the drag inside WDS, then the drop)`;
});

// The goal is under 100 ms; it is reported, not asserted: the same build measured
// 70 ms on one CI runner and 111 ms on another, so a wall-clock assertion at the
// goal only says which runner the test got (performance is held by the
// benchmarks). What fails here is a change of complexity: three times the goal.
await test('600-node design (60 sites × 10 nodes, 2 reflectors each): re-plan after an edit, measured against the 100 ms goal', async () => {
  const m = await measureReplan(60, 5, '08-600-nodes');
  if (!have.plan) return { pending: `needs core module \`plan\` to measure re-planning; measured ${m.note}` };
  const took = m.parse + m.plan;
  assert(took < 300, `re-planning took ${took.toFixed(1)} ms: over three times the 100 ms goal`);
  // Issue 17's 600-node goal: an edit in the panel to the redrawn plan under 150 ms.
  const p = await newPage(ctx);
  await open(p);
  await pasteYaml(p, scaleDesign(60));
  await p.waitForSelector('[data-node="site059-n09"]', { timeout: 60000 });
  await p.waitForSelector('.status[data-checking="false"]', { timeout: 60000 });
  await p.click('[data-node="site030-n00"]');
  await waitFor(async () => (await p.textContent(tid('panel-title'))).trim() === 'Node site030-n00', 'site030-n00 not selected');
  const r = await renameTimings(p, ['renamed-a', 'renamed-b', 'renamed-c', 'renamed-d', 'renamed-e']);
  await p.close();
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const [drawn, checked] = [median(r.drawn), median(r.checked)];
  // Gross regressions only (wall clock): ten times the goal.
  assert(checked < 1500, `a rename took ${checked.toFixed(0)} ms to the redrawn plan: ten times the 150 ms goal`);
  return `${m.note}; goal under 100 ms: ${took < 100 ? 'met' : 'NOT met on this machine'}; a rename in the panel: median of 5 to the redrawn drawing ${drawn.toFixed(0)} ms, to the redrawn plan ${checked.toFixed(0)} ms (issue 17's goal under 150 ms: ${checked < 150 ? 'met' : 'NOT met'})`;
});

// Issue 18: toggling one failure on the 600-node design, from the click to the
// redrawn page (the worker plans the failure; the page draws it). The goal is
// under 100 ms; reported, not asserted (wall-clock goals flake by runner): what
// fails here is ten times the goal.
await test('600-node design: What-if, one failure toggled to the redrawn page, measured against the 100 ms goal', async () => {
  const p = await newPage(ctx);
  await open(p);
  await pasteYaml(p, scaleDesign(60));
  await p.waitForSelector('[data-node="site059-n09"]', { timeout: 60000 });
  await p.click(tid('tab-plan'));
  await p.click(tid('whatif-toggle'));
  await p.waitForSelector(`${tid('whatif-toggle')}[aria-pressed="true"]`);
  const toggle = (sel, element) =>
    p.evaluate(
      ([sel, element]) =>
        new Promise((done) => {
          const t0 = performance.now();
          document.querySelector(sel).dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, button: 0 }));
          const drawn = () =>
            element
              ? document.querySelector(`[data-testid="whatif"][data-element="${element}"]`) && document.querySelector('.whatif-overlay style')
              : document.querySelector('[data-testid="whatif"]:not([data-element])') && !document.querySelector('.whatif-overlay style');
          const poll = () => (drawn() ? requestAnimationFrame(() => done(performance.now() - t0)) : requestAnimationFrame(poll));
          poll();
        }),
      [sel, element],
    );
  // The first asks the worker to load and plan the design.
  const first = await toggle('[data-router="site000-rr1"]', 'routers.site000-rr1');
  await toggle('[data-router="site000-rr1"]', null);
  const times = [];
  const back = [];
  const core = [];
  for (let s = 1; s <= 5; s++) {
    const r = `site${String(s).padStart(3, '0')}-rr1`;
    times.push(await toggle(`[data-router="${r}"]`, `routers.${r}`));
    core.push(await p.$eval(tid('whatif'), (e) => Number(e.dataset.ms)));
    back.push(await toggle(`[data-router="${r}"]`, null));
  }
  const link = await toggle('[data-link="0"]', 'links[0]');
  const lost = await p.$eval(tid('whatif'), (e) => Number(e.dataset.sessionsLost));
  await shot(p, '16-whatif-600-nodes');
  await p.close();
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const m = median(times);
  assert(m < 1000, `toggling a failure took ${m.toFixed(0)} ms: over ten times the 100 ms goal`);
  return `a reflector down, click to redrawn page: median of ${times.length} ${m.toFixed(0)} ms, of which the worker's analysis (failures::single) ${median(core).toFixed(0)} ms; back up ${median(back).toFixed(0)} ms; a link down ${link.toFixed(0)} ms (${lost} sessions lost); the first toggle, loading the worker and planning the design there, ${first.toFixed(0)} ms; goal under 100 ms: ${m < 100 ? 'met' : 'NOT met on this machine'}`;
});

// Measured and reported, not held to a time: the 2,000-node design's backbone
// mesh alone has 79,800 sessions.
await test('2000-node design (200 sites × 10 nodes): re-plan after an edit, measured', async () => {
  if (!have.plan) return { pending: 'needs core module `plan`' };
  return (await measureReplan(200, 3, '09-2000-nodes')).note;
});

// Issue 17's big design: find a node, findings grouped, and the two figures the
// issue sets goals for (keystroke to responsive input under 50 ms; edit to
// redrawn plan under 500 ms), measured and reported, not asserted (wall-clock).
await test('2000-node design: find a node (select and centre), findings grouped, keystroke and edit timings', async () => {
  const p = await newPage(ctx);
  await open(p);
  await pasteYaml(p, scaleDesign(200));
  await p.waitForSelector('[data-node="site199-n09"]', { timeout: 120000 });
  // From a keystroke to the next frame the page can draw: the input is responsive again.
  const keystroke = (sel, ch) =>
    p.evaluate(
      ([sel, ch]) =>
        new Promise((done) => {
          const el = document.querySelector(sel);
          el.focus();
          const t0 = performance.now();
          el.value += ch;
          el.dispatchEvent(new InputEvent('input', { bubbles: true, data: ch, inputType: 'insertText' }));
          requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0), 0));
        }),
      [sel, ch],
    );
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const findKeys = [];
  for (const ch of 'site150-n0') findKeys.push(await keystroke(tid('find'), ch));
  await p.waitForSelector(`${tid('find-results')} [data-find="site150-n00"]`);
  await p.press(tid('find'), 'Enter');
  await waitFor(async () => (await p.textContent(tid('panel-title'))).trim() === 'Node site150-n00', 'Enter in Find did not select site150-n00');
  await p.waitForSelector('[data-node="site150-n00"].selected');
  // Centred: the node is inside the drawing's visible box, near its middle.
  const svg = await p.locator(tid('canvas')).boundingBox();
  const node = await p.locator('[data-node="site150-n00"] .icon').boundingBox();
  const off = Math.hypot(node.x + node.width / 2 - (svg.x + svg.width / 2), node.y + node.height / 2 - (svg.y + svg.height / 2));
  assert(off < 60, `site150-n00 is ${off.toFixed(0)} px from the drawing's centre`);
  await shot(p, '19-2000-nodes-found');
  // Edit to redrawn drawing and to redrawn plan: a rename in the panel.
  await p.waitForSelector('.status[data-checking="false"]', { timeout: 60000 });
  const { drawn: renames, checked: replanned } = await renameTimings(p, ['found-a', 'found-b', 'found-c']);
  const transfer = await transferCost(p);
  // A keystroke in the YAML tab (a comment at the end: the design stays the same).
  await p.click(tid('tab-yaml'));
  const yamlKeys = [];
  for (const ch of '# ab') yamlKeys.push(await keystroke(tid('yaml'), ch));
  // Findings grouped: without route reflection every site's nodes peer with no router.
  await pasteYaml(p, scaleDesign(200).replace(/, serves: \[site\d+\]/g, ''));
  await p.click(tid('tab-plan'));
  await p.waitForSelector('.diag.group[data-code="W078"]', { timeout: 60000 });
  const group = await p.textContent('.diag.group[data-code="W078"] .where');
  assert(/^200 findings: site000, site001, .*, …$/.test(group), `the W078 group says ${group}`);
  const cards = await p.locator('.diag:not(.group)').count();
  assert(cards < 20, `${cards} single finding cards beside the groups`);
  await shot(p, '20-2000-nodes-grouped');
  await p.click('.diag.group[data-code="W078"] [data-testid="show-all"]');
  await waitFor(async () => (await p.locator('.diag.group[data-code="W078"] .diag').count()) === 200, 'show all did not list the 200');
  await p.close();
  const m = (xs) => `${median(xs).toFixed(0)} ms (max ${Math.max(...xs).toFixed(0)})`;
  const y = median(yamlKeys);
  const e = median(replanned);
  // Gross regressions only (wall clock): a keystroke that waits for the text's reading again.
  assert(y < 500, `a keystroke in the YAML tab took ${y.toFixed(0)} ms to the next frame: ten times the 50 ms goal`);
  return `find: keystroke to next frame median ${m(findKeys)}; YAML keystroke ${m(yamlKeys)} (goal under 50 ms: ${y < 50 ? 'met' : 'NOT met'}); rename in the panel to redrawn drawing ${m(renames)}, to redrawn plan ${m(replanned)} (goal under 500 ms: ${e < 500 ? 'met' : 'NOT met'}); carrying the worker's answer: ${transfer.kb.toFixed(0)} KB, encoded in ${transfer.encode.toFixed(0)} ms in the worker, decoded in ${transfer.decode.toFixed(0)} ms on the page`;
});

// Issue 17: at 2,000 nodes the BGP overlay is drawn by site (about 83,800
// sessions), a bounded number of elements.
await test('2000-node design: the BGP overlay draws sessions by site, a bounded number of elements', async () => {
  if (!have.plan) return { pending: 'needs core module `plan`' };
  const p = await newPage(ctx);
  await open(p);
  await pasteYaml(p, scaleDesign(200));
  await p.waitForSelector('[data-node="site199-n09"]', { timeout: 120000 });
  const t0 = Date.now();
  await p.check(tid('bgp-toggle'));
  await p.waitForSelector('.bgp-overlay .session-star', { timeout: 60000 });
  const took = Date.now() - t0;
  const got = await p.evaluate(() => {
    const o = document.querySelector('.bgp-overlay');
    return {
      elements: o.querySelectorAll('*').length,
      spokes: o.querySelectorAll('.session-star .session.role-backbone').length,
      star: o.querySelector('.session-star .session-count')?.textContent,
      inside: o.querySelectorAll('.session-inside').length,
      insideText: o.querySelector('.session-inside[data-site="site000"]')?.textContent,
    };
  });
  assert(got.elements <= 10 * 200, `${got.elements} elements in the overlay for 200 sites`);
  assert(got.spokes === 200, `${got.spokes} backbone spokes, want one per site`);
  assert(/^79600 backbone sessions between 200 sites$/.test(got.star), `the star says ${got.star}`);
  assert(got.inside === 200 && /^inside: 1 backbone, 20 rr-client sessions$/.test(got.insideText), `site000 says ${got.insideText}`);
  await p.click(tid('zoom-fit'));
  await shot(p, '23-2000-nodes-bgp');
  await p.close();
  return `${got.elements} elements (${got.spokes} spokes, ${got.inside} site counts) for 83,800 sessions; toggled on to drawn in ${took} ms`;
});

await test('no uncaught page error', async () => {
  assert(pageErrors.length === 0, `${pageErrors.length} page errors, first: ${pageErrors[0]}`);
});

await test('no request leaves 127.0.0.1', async () => {
  assert(outside.length === 0, `requests to ${[...new Set(outside)].slice(0, 3).join(', ')}`);
  return `${served.length} requests served, all local`;
});

await browser.close();
server.close();

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
if (pending.length) {
  console.log(`e2e: ${pending.length} pending (a core module they need is missing):`);
  for (const p of pending) console.log(`  - ${p}`);
}
console.log(`screenshots: ${path.relative(root, shots)}/`);
console.log(`e2e: ${passed} passed, ${failed} failed${skipped ? ` (${skipped} not run: E2E_ONLY)` : ''}`);
process.exit(failed ? 1 : 0);
