// Trunk post-build hook: repairs the one thing Debian's wasm-opt (binaryen 108)
// gets wrong in our module, then refreshes the page's integrity hash.
//
// wasm-bindgen exports its externref table as `__wbindgen_externrefs` (the
// module's second table; the first is the indirect-function table). binaryen
// 108 reads that export right but writes it pointing at table 0, so the page
// fails at start with "WebAssembly.Table.set(): Argument 1 is invalid for table".
// Newer binaryen releases write it right; until the machine has one, this hook
// points the export back at the externref table. It changes nothing when the
// export is already right, and fails the build on a module it does not understand.

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error('fix-table-export: TRUNK_STAGING_DIR is not set (run me as a Trunk post_build hook)');
  process.exit(1);
}

const EXPORT_NAME = '__wbindgen_externrefs';

function leb(buf, pos) {
  let result = 0;
  let shift = 0;
  const start = pos;
  for (;;) {
    const b = buf[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return { value: result, next: pos, len: pos - start };
  }
}

function skipLimits(buf, pos) {
  const flags = buf[pos++];
  pos = leb(buf, pos).next;
  if (flags & 1) pos = leb(buf, pos).next;
  return pos;
}

function skipName(buf, pos) {
  const n = leb(buf, pos);
  return n.next + n.value;
}

/// Returns true when the export had to be repaired.
function repair(buf) {
  if (buf.readUInt32LE(0) !== 0x6d736100) throw new Error('not a wasm module');
  let pos = 8;
  let importedTables = 0;
  let externrefTable = -1;
  let exportEntry = null;
  while (pos < buf.length) {
    const id = buf[pos];
    const size = leb(buf, pos + 1);
    const body = size.next;
    const end = body + size.value;
    if (id === 2) {
      // Imports: tables imported come first in the table index space.
      let p = body;
      const count = leb(buf, p);
      p = count.next;
      for (let i = 0; i < count.value; i++) {
        p = skipName(buf, p);
        p = skipName(buf, p);
        const kind = buf[p++];
        if (kind === 0) p = leb(buf, p).next;
        else if (kind === 1) {
          importedTables++;
          p = skipLimits(buf, p + 1);
        } else if (kind === 2) p = skipLimits(buf, p);
        else if (kind === 3) p += 2;
        else throw new Error(`unknown import kind ${kind}`);
      }
    } else if (id === 4) {
      let p = body;
      const count = leb(buf, p);
      p = count.next;
      for (let i = 0; i < count.value; i++) {
        const type = buf[p++];
        if (type === 0x6f && externrefTable < 0) externrefTable = importedTables + i;
        p = skipLimits(buf, p);
      }
    } else if (id === 7) {
      let p = body;
      const count = leb(buf, p);
      p = count.next;
      for (let i = 0; i < count.value; i++) {
        const n = leb(buf, p);
        const name = buf.toString('utf8', n.next, n.next + n.value);
        p = n.next + n.value;
        const kind = buf[p++];
        const index = leb(buf, p);
        if (name === EXPORT_NAME && kind === 1) exportEntry = { at: p, index };
        p = index.next;
      }
    }
    pos = end;
  }
  if (!exportEntry) return false; // no externref table: nothing to repair
  if (externrefTable < 0) throw new Error(`${EXPORT_NAME} is exported but the module has no externref table`);
  if (exportEntry.index.value === externrefTable) return false;
  if (exportEntry.index.len !== 1 || externrefTable > 0x7f) throw new Error('unexpected table index encoding');
  buf[exportEntry.at] = externrefTable;
  return true;
}

const wasmFiles = fs.readdirSync(staging).filter((f) => f.endsWith('.wasm'));
for (const file of wasmFiles) {
  const full = path.join(staging, file);
  const buf = fs.readFileSync(full);
  if (!repair(buf)) continue;
  fs.writeFileSync(full, buf);
  // The page preloads the module with a subresource-integrity hash: refresh it.
  const html = path.join(staging, 'index.html');
  const digest = `sha384-${crypto.createHash('sha384').update(buf).digest('base64')}`;
  const page = fs.readFileSync(html, 'utf8');
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const tag = new RegExp(`(<link[^>]*href="[^"]*${escaped}"[^>]*integrity=")sha384-[^"]*(")`, 'g');
  const fixed = page.replace(tag, `$1${digest}$2`);
  fs.writeFileSync(html, fixed);
  console.log(`fix-table-export: ${file}: ${EXPORT_NAME} points at the externref table again`);
}
