// What workerd charges for the JS stream work a gateway does (bench/stream-cost.mjs). Each path is one way of
// answering with the same 16 SSE events; the differences between paths are the runtime's own costs.
const encoder = new TextEncoder()
const TOKENS = 16
const event = (i) => `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"tok${i} "},"finish_reason":null}]}\n\n`
const sse = (body) => new Response(body, { headers: { 'content-type': 'text/event-stream' } })

export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname
    // Request bodies: one native read, or a reader loop (what a size cap without a declared length needs).
    if (path === '/body/text') return new Response(String((await request.text()).length))
    if (path === '/body/reader') {
      const reader = request.body.getReader()
      let n = 0
      for (let r = await reader.read(); !r.done; r = await reader.read()) n += r.value.byteLength
      return new Response(String(n))
    }
    // A JSON answer relayed: piped natively both ways (the floor), or with both bodies read and parsed in JS and the
    // answer serialised again (the least a gateway that looks at the request and the answer does).
    if (path === '/json/pipe') return fetch(env.UPSTREAM + '?json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: request.body })
    if (path === '/json/parsed') {
      const body = JSON.parse(await request.text())
      const res = await fetch(env.UPSTREAM + '?json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      return Response.json(JSON.parse(await res.text()))
    }
    await request.arrayBuffer()
    // Answers made in JS: all events in one write, or one write per event from a pull-based stream.
    if (path === '/made/one') return sse(encoder.encode(Array.from({ length: TOKENS }, (_, i) => event(i)).join('')))
    if (path === '/made/per-event') {
      let i = 0
      return sse(new ReadableStream({ pull(c) { if (i === TOKENS) c.close(); else c.enqueue(encoder.encode(event(i++))) } }, { highWaterMark: 0 }))
    }
    // Answers relayed from an upstream that sends each event in its own write: piped natively (what the floor
    // does), or read in JS and written back per read (what any gateway that looks at the events must do), into a
    // pull-based JS ReadableStream or into workerd's IdentityTransformStream.
    const upstream = await fetch(env.UPSTREAM)
    if (path === '/relay/pipe') return sse(upstream.body)
    if (path === '/relay/js') {
      const reader = upstream.body.getReader()
      return sse(new ReadableStream({ async pull(c) { const r = await reader.read(); if (r.done) c.close(); else c.enqueue(r.value) } }, { highWaterMark: 0 }))
    }
    // The same relay written into workerd's native byte pipe, each write awaited (what src/streaming does).
    if (path === '/relay/its') {
      const reader = upstream.body.getReader()
      const { readable, writable } = new IdentityTransformStream()
      const writer = writable.getWriter()
      ctx.waitUntil((async () => { for (let r = await reader.read(); !r.done; r = await reader.read()) await writer.write(r.value); await writer.close() })())
      return sse(readable)
    }
    // The same, but each write not awaited (only `ready`, the pipe's backpressure): does the write's completion cost a
    // turn of its own?
    if (path === '/relay/its-ready') {
      const reader = upstream.body.getReader()
      const { readable, writable } = new IdentityTransformStream()
      const writer = writable.getWriter()
      ctx.waitUntil((async () => { for (let r = await reader.read(); !r.done; r = await reader.read()) { await writer.ready; writer.write(r.value).catch(() => {}) } await writer.close() })())
      return sse(readable)
    }
    // The same with the next read started while the write is pending (one read ahead of the client at most).
    if (path === '/relay/its-overlap') {
      const reader = upstream.body.getReader()
      const { readable, writable } = new IdentityTransformStream()
      const writer = writable.getWriter()
      ctx.waitUntil((async () => {
        let pending = Promise.resolve()
        for (let r = await reader.read(); !r.done; r = await reader.read()) { await pending; pending = writer.write(r.value) }
        await pending
        await writer.close()
      })())
      return sse(readable)
    }
    // The upstream tee'd: one branch piped natively to the client, the other read in JS (what metering usage would
    // take without writing each event back through JS).
    if (path === '/relay/tee') {
      const [toClient, toMeter] = upstream.body.tee()
      const reader = toMeter.getReader()
      ctx.waitUntil((async () => { let n = 0; for (let r = await reader.read(); !r.done; r = await reader.read()) n += r.value.byteLength; return n })())
      return sse(toClient)
    }
    return new Response('not found', { status: 404 })
  },
}
