// Subresource Integrity for the Wasm of a page whose build comes from a CDN. The server puts an
// import map before the hydration script whose `integrity` names every script and Wasm file of
// the build by URL: the browser checks module loads (the loader, the chunks' loader) against it
// by itself, but the Wasm is fetched by generated code (wasm-bindgen's init, the lazy chunks'
// loader) with bare URLs. Those fetches get the map's integrity here, so a changed file on the
// CDN fails to load instead of running. Loaded only with the map; runs before the hydration
// script (both deferred, in document order).
(() => {
  const map = document.querySelector('script[type="importmap"]');
  if (!map) return;
  // By normalised URL (as the browser resolves the import map's), so `https://cdn:443/x` in
  // the map and `https://cdn/x` fetched are the same file.
  const integrity = new Map();
  try {
    for (const [url, digest] of Object.entries(JSON.parse(map.textContent).integrity ?? {})) {
      integrity.set(new URL(url, location.href).href, digest);
    }
  } catch (e) {
    console.error("pkg-integrity: the import map cannot be read; the Wasm loads unchecked", e);
    return;
  }
  const fetch = self.fetch.bind(self);
  const expected = (input) => {
    try {
      return integrity.get(new URL(input instanceof Request ? input.url : String(input), location.href).href);
    } catch {
      return undefined; // not a URL: fetch itself answers with its own error
    }
  };
  self.fetch = (input, init) => {
    const digest = expected(input);
    if (digest === undefined || (init && init.integrity)) return fetch(input, init);
    return fetch(input, { ...init, integrity: digest });
  };
})();
