// The floor: a bare pass-through Worker. It forwards the request, as it came, to the emulator's OpenAI endpoint
// and returns the response as it comes (the body is streamed, never read). Whatever it adds over calling the
// emulator directly is what workerd on Miniflare costs on this machine; Triage is measured against it.
export default {
  fetch(request, env) {
    const url = new URL(request.url)
    return fetch(env.UPSTREAM + url.pathname + url.search, request)
  },
}
