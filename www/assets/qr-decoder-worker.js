// The fallback QR decoder's Web Worker (a classic worker: Firefox before 114 has no module
// workers). Started by the browser camera scanner only where the browser has no
// BarcodeDetector; it loads Ashyq's own decoder (crates/ashyq-qr, its own wasm module, never
// part of the first load) and decodes the frames posted to it, off the UI thread.
//
// In:  {id, width, height, pixels}  pixels: an ArrayBuffer (transferred) of RGBA (4 bytes a
//      pixel, as canvas getImageData gives) or greyscale (1 byte a pixel), ≤ 640 px a side
//      is what the scanner sends.
// Out: {ready: true} once the module is loaded (or {ready: false, error} when it cannot be);
//      then for each frame {id, texts: [string…], ms} or {id, error, fatal}; after a fatal
//      error the worker has closed itself.
//
// build.mjs gives both file names below their content hashes.
importScripts('/assets/qr_decoder.js');

let loading = null;
function load() {
  if (!loading) loading = wasm_bindgen({ module_or_path: '/assets/qr_decoder_bg.wasm' });
  return loading;
}

load().then(
  () => self.postMessage({ ready: true }),
  (err) => {
    loading = null;
    self.postMessage({ ready: false, error: String((err && err.message) || err) });
  },
);

self.onmessage = async (event) => {
  const { id, width, height, pixels } = event.data || {};
  try {
    await load();
    const t0 = performance.now();
    const texts = wasm_bindgen.decode(new Uint8Array(pixels), width, height);
    self.postMessage({ id, texts, ms: performance.now() - t0 });
  } catch (err) {
    // A trap (a bug in the decoder) may leave the instance's memory inconsistent: say so
    // and stop; the scanner starts a fresh worker.
    const fatal = err instanceof WebAssembly.RuntimeError;
    self.postMessage({ id, error: String((err && err.message) || err), fatal });
    if (fatal) self.close();
  }
};
