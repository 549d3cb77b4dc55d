// npm run bench:cache, part 1: one storage operation per request, so the Node side can time a cache hit in KV
// against one in the Workers Cache API (caches.default) on Miniflare, next to a request that does nothing (the floor).
//   GET /noop                 nothing
//   POST /kv/put?k=…          KV put (the body)          GET /kv/get?k=…      KV get (json) → 'hit' | 'miss'
//   POST /cache/put?k=…       caches.default.put (body)  GET /cache/get?k=…   caches.default.match + json → 'hit' | 'miss'
export default {
  async fetch(req, env) {
    const u = new URL(req.url)
    const k = u.searchParams.get('k') ?? 'k'
    const url = `https://cache.triage.invalid/${k}`
    switch (u.pathname) {
      case '/noop':
        return new Response('ok')
      case '/kv/put':
        await env.KV.put(`cache:bench:${k}`, await req.text(), { expirationTtl: 600 })
        return new Response('ok')
      case '/kv/get':
        return new Response((await env.KV.get(`cache:bench:${k}`, 'json')) ? 'hit' : 'miss')
      case '/cache/put':
        await caches.default.put(url, new Response(await req.text(), { headers: { 'content-type': 'application/json', 'cache-control': 'max-age=600' } }))
        return new Response('ok')
      case '/cache/get': {
        const r = await caches.default.match(url)
        return new Response(r && (await r.json()) ? 'hit' : 'miss')
      }
    }
    return new Response('not found', { status: 404 })
  },
}
