// Starts PGlite (PostgreSQL compiled to WebAssembly) in migplan's
// simulation worker. The worker is a classic one, so PGlite, an ES module,
// comes in through import(). Its three large files are fetched here first,
// from this site's own pglite/ folder, so the page can show how far the
// download is; the service worker keeps them for offline use.
//
// self.migplanPglite(onProgress) resolves to { open }, where
// open() starts one fresh in-memory database. onProgress(loaded, total) is
// told bytes as they arrive.
self.migplanPglite = async function (onProgress) {
  const base = new URL("./pglite/", self.location.href);
  const files = ["pglite.wasm", "initdb.wasm", "pglite.data"];
  const responses = await Promise.all(
    files.map(async (name) => {
      const response = await fetch(new URL(name, base));
      if (!response.ok) {
        throw new Error(`could not load pglite/${name}: HTTP ${response.status}`);
      }
      return response;
    }),
  );
  const total = responses.reduce((sum, r) => sum + Number(r.headers.get("content-length") || 0), 0);
  let loaded = 0;
  const bytes = await Promise.all(
    responses.map(async (response) => {
      const reader = response.body.getReader();
      const chunks = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        loaded += value.length;
        onProgress(loaded, Math.max(total, loaded));
      }
      return new Blob(chunks);
    }),
  );
  const [pgliteWasmModule, initdbWasmModule] = await Promise.all([
    bytes[0].arrayBuffer().then((b) => WebAssembly.compile(b)),
    bytes[1].arrayBuffer().then((b) => WebAssembly.compile(b)),
  ]);
  const { PGlite } = await import(new URL("index.js", base).href);
  const open = () => PGlite.create({ pgliteWasmModule, initdbWasmModule, fsBundle: bytes[2] });
  return { open };
};
