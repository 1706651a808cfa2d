// migplan's simulation worker. It runs the page's own wasm: the page's
// first message carries its compiled WebAssembly.Module and the URL of its
// bindings (wasm-bindgen's ES module), so nothing is downloaded or compiled
// again. Instantiated here, the binary's main finds no window and listens
// for the job (migplan_web::worker::listen). It is a classic worker, so
// that sql.js and PGlite's loader come in by importScripts; the bindings
// come in through import().
self.addEventListener(
  "message",
  (event) => {
    const { bindings, module } = event.data;
    import(bindings)
      .then((glue) => glue.default({ module_or_path: module }))
      // Thrown outside the promise, the failure reaches the page's onerror,
      // which ends the simulation with its message.
      .catch((error) => setTimeout(() => { throw error; }));
  },
  { once: true },
);
