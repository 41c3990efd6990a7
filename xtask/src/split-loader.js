
// kubelab: the page's WebAssembly comes in two parts (`xtask/src/split.rs`). The first holds
// what start-up runs; the second, SECONDARY, everything else. Once the page has started, the
// second part is fetched and compiled in the background and joined to the first. A function
// of the second part that runs before that loads it synchronously (`load` below).
const kubelabSplit = {
  url: new URL('SECONDARY', import.meta.url),
  module: undefined,
  instance: undefined,
  // How the second part arrived, 'prefetch' or 'demand', and when (ms since navigation): read
  // by the tests and by `cargo xtask measure`.
  loadedBy: undefined,
  loadedAt: undefined,
};
window.kubelabSplit = kubelabSplit;

function kubelabSplitJoin(module, how) {
  if (kubelabSplit.instance !== undefined) return;
  kubelabSplit.instance = new WebAssembly.Instance(module, { primary: wasm });
  kubelabSplit.loadedBy = how;
  kubelabSplit.loadedAt = performance.now();
  wasm.__split_loaded.value = 1;
}

function kubelabSplitLoadNow() {
  const request = new XMLHttpRequest();
  request.open('GET', kubelabSplit.url, false);
  // A synchronous request cannot ask for an ArrayBuffer: read the bytes as x-user-defined text.
  request.overrideMimeType('text/plain; charset=x-user-defined');
  request.send();
  if (request.status !== 200) {
    throw new Error(`kubelab: cannot load ${kubelabSplit.url}: HTTP ${request.status}`);
  }
  const text = request.responseText;
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  kubelabSplitJoin(new WebAssembly.Module(bytes), 'demand');
}

async function kubelabSplitCompile() {
  try {
    return await WebAssembly.compileStreaming(fetch(kubelabSplit.url));
  } catch (error) {
    // A host that does not serve `application/wasm` refuses streaming: compile from the bytes.
    const response = await fetch(kubelabSplit.url);
    if (!response.ok) throw error;
    return WebAssembly.compile(await response.arrayBuffer());
  }
}

async function kubelabSplitPrefetch() {
  try {
    kubelabSplitJoin(await kubelabSplitCompile(), 'prefetch');
  } catch (error) {
    // The synchronous path still loads it when a function needs it.
    console.warn('kubelab: prefetching the second WebAssembly part failed', error);
  }
}

function __wbg_get_imports() {
  const imports = __wbg_get_imports_whole();
  imports.kubelab_split = { load: kubelabSplitLoadNow };
  // Trunk's loader announces the started page: fetch the second part after that, so it never
  // competes with the first for the network.
  addEventListener('TrunkApplicationStarted', kubelabSplitPrefetch, { once: true });
  return imports;
}
