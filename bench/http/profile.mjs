// Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and says where the CPU time went, per
// request: by package (our packages, each framework's, node's internals, GC) and by function.

/** The package or runtime area a profile node belongs to. */
export function bucketOf(callFrame) {
  const { functionName, url } = callFrame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'V8 and native, unattributed';
  if (url === '') return 'native (node bindings, builtins)';
  if (url.startsWith('node:')) {
    const mod = url.slice('node:'.length).replace(/^internal\//, '').split('/')[0];
    if (mod.startsWith('_http') || mod === 'http') return 'node:http';
    if (mod === 'net' || mod.startsWith('stream') || mod === 'streams' || mod === 'timers') return 'node:net, streams, timers';
    if (mod === 'crypto' || mod === 'webcrypto') return 'node:crypto';
    return 'node (other)';
  }
  const path = url.replace(/^file:\/\//, '');
  const ours = /\/packages\/([^/]+)\//.exec(path);
  if (ours !== null && !path.includes('/node_modules/')) return `@jwt/${ours[1]}`;
  if (path.includes('/bench/http/servers/')) return 'benchmark server';
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? 'node_modules');
  }
  return 'other';
}

/**
 * @param {{ nodes: { id: number, callFrame: { functionName: string, url: string, lineNumber: number } }[], samples: number[], timeDeltas: number[] }} profile
 * @param {number} requests how many requests the process served in `window`
 * @param {{ from: number, to: number }} [window] only samples taken in this interval (µs, monotonic clock) count
 * @returns {{ perRequest: number, busy: number | undefined, buckets: Map<string, number>, top: { name: string, where: string, perRequest: number }[] }} µs of CPU per request
 */
export function summarizeProfile(profile, requests, window) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfTime = new Map();
  let at = profile.startTime + (profile.timeDeltas[0] ?? 0);
  // timeDeltas[i] is the time between samples i-1 and i: it belongs to what was running at i-1.
  for (let i = 1; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    if (window === undefined || (at >= window.from && at < window.to)) {
      const id = profile.samples[i - 1];
      selfTime.set(id, (selfTime.get(id) ?? 0) + delta);
    }
    at += delta;
  }
  const buckets = new Map();
  const functions = new Map();
  let busy = 0;
  for (const [id, us] of selfTime) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(root)') continue;
    busy += us;
    const bucket = bucketOf(node.callFrame);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + us);
    const key = `${functionName || '(anonymous)'}\u0000${bucket}\u0000${url}:${lineNumber}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  const perRequest = (us) => us / Math.max(1, requests);
  return {
    perRequest: perRequest(busy),
    /** Share of the window the main thread was running, not idle. */
    busy: window === undefined ? undefined : busy / (window.to - window.from),
    buckets: new Map([...buckets].map(([b, us]) => [b, perRequest(us)]).sort((a, b) => b[1] - a[1])),
    top: [...functions]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([key, us]) => {
        const [name, where] = key.split('\u0000');
        return { name, where, perRequest: perRequest(us) };
      }),
  };
}
