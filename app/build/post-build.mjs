// Trunk post-build hook. Trunk starts the hooks of one stage all at once, so the
// steps that must run in order are one hook: first repair the wasm files
// (fix-table-export), then name the worker's files by their final content
// (hash-worker).

await import('./fix-table-export.mjs');
await import('./hash-worker.mjs');
