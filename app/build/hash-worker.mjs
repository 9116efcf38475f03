// Trunk post-build hook: gives the export worker's files content-hashed names,
// as Trunk gives the page's own, and tells the page those names.
//
// Trunk writes a worker as `meshplan-export.js` + `meshplan-export_bg.wasm`,
// without a hash, so after a redeploy a browser could keep an old worker from
// its cache beside a new page. This renames both to
// `meshplan-export-<hash>.js` / `meshplan-export-<hash>_bg.wasm` (the hash of
// both files) and puts the two names in a <meta name="meshplan-export-worker">
// of index.html, which app/src/export_worker.rs reads. It fails the build when
// the files or the page are not as expected.

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error('hash-worker: TRUNK_STAGING_DIR is not set (run me as a Trunk post_build hook)');
  process.exit(1);
}

const STEM = 'meshplan-export';
const js = path.join(staging, `${STEM}.js`);
const wasm = path.join(staging, `${STEM}_bg.wasm`);
for (const f of [js, wasm]) {
  if (!fs.existsSync(f)) {
    console.error(`hash-worker: ${path.basename(f)} is missing from the build (is the worker's <link> in index.html?)`);
    process.exit(1);
  }
}

const hash = crypto.createHash('sha256');
hash.update(fs.readFileSync(js));
hash.update(fs.readFileSync(wasm));
const tag = hash.digest('hex').slice(0, 16);
const names = { script: `${STEM}-${tag}.js`, module: `${STEM}-${tag}_bg.wasm` };
fs.renameSync(js, path.join(staging, names.script));
fs.renameSync(wasm, path.join(staging, names.module));

const html = path.join(staging, 'index.html');
const page = fs.readFileSync(html, 'utf8');
if (!page.includes('</head>')) {
  console.error('hash-worker: index.html has no </head>');
  process.exit(1);
}
const meta = `<meta name="meshplan-export-worker" data-script="${names.script}" data-module="${names.module}" />`;
fs.writeFileSync(html, page.replace('</head>', `${meta}</head>`));
console.log(`hash-worker: ${names.script}, ${names.module}`);
